"""Staff's first-response waits computed the plain way, the reference the stores' KPI figures
are checked against."""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.domain.analytics import ASKING_CHANNELS
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.events import Event


def response_walk(events: list[Event], start: datetime, end: datetime
                  ) -> tuple[list[int], int]:
    """Per person in time order (at one instant a question before an answer): a stretch opens
    at the first question in [start, end) while none is open and closes at the next staff
    answer (an outbound message outside campaigns, or a call). Returns the waits in ms, sorted,
    and how many stretches are still unanswered."""
    waits: list[int] = []
    unanswered = 0
    for person in sorted({e.person_id for e in events if e.person_id}):
        since: datetime | None = None
        mine = [e for e in events if e.person_id == person and e.occurred_at >= start]
        for e in sorted(mine, key=lambda e: (e.occurred_at, e.direction != "inbound")):
            if e.channel in ASKING_CHANNELS and e.direction == "inbound":
                if since is None and e.occurred_at < end:
                    since = e.occurred_at
            elif since is not None and (e.channel == "call" or (
                    e.channel in SENDABLE_CHANNELS and e.direction == "outbound"
                    and e.campaign_id is None)):
                waits.append(int((e.occurred_at - since) / timedelta(milliseconds=1)))
                since = None
        unanswered += since is not None
    return sorted(waits), unanswered
