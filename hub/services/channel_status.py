"""What the channel status page reads: the last success and the last error of recent sends
per channel, and the state a channel's poller keeps (e.g. the IMAP poller's last run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.domain.channels import SendableChannel
from hub.domain.common import utcnow
from hub.domain.events import Event
from hub.ports import Store

RECENT_DAYS = 30
RECENT_SENDS = 200
SUCCESS = frozenset({"sent", "delivered", "queued", "accepted"})
FAILURE = frozenset({"failed", "undelivered", "bounced"})


@dataclass(frozen=True, slots=True)
class LastSends:
    success_at: datetime | None
    error_at: datetime | None
    error_detail: str | None


class ChannelStatusService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def last_sends(self, channel: SendableChannel, *, days: int = RECENT_DAYS,
                         limit: int = RECENT_SENDS) -> LastSends:
        """From the newest `limit` outbound events of the last `days`: the newest that
        succeeded and the newest that failed, with the failure's last reason."""
        events = await self._store.events.recent_outbound(
            channel, since=utcnow() - timedelta(days=days), limit=limit)
        ok = next((e for e in events if (e.status or "") in SUCCESS), None)
        bad = next((e for e in events if (e.status or "") in FAILURE), None)
        return LastSends(_at(ok), _at(bad), _reason(bad) if bad is not None else None)

    async def poller_state(self, key: str) -> dict[str, Any]:
        return await self._store.channel_state.get(key) or {}


def _at(event: Event | None) -> datetime | None:
    return event.occurred_at if event is not None else None


def _reason(event: Event) -> str | None:
    return next((c.detail for c in reversed(event.status_history) if c.detail),
                None) or event.status
