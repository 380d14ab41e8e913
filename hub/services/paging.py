"""Pages and opaque cursors shared by every list the service returns."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from hub.domain.common import iso
from hub.domain.events import TimelineCursor
from hub.errors import InvalidInput
from hub.i18n import N_

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
    status = 400


def _encode(payload: dict[str, str]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor(N_("cursor is not one this service issued")) from exc
    if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
        raise InvalidCursor(N_("cursor is not one this service issued"))
    return payload


def encode_after_id(last_id: str) -> str:
    return _encode({"after": last_id})


def decode_after_id(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    payload = _decode(cursor)
    if set(payload) != {"after"}:
        raise InvalidCursor(N_("cursor is not one this service issued"))
    return payload["after"]


def encode_timeline_cursor(occurred_at: datetime, event_id: str) -> str:
    return _encode({"t": iso(occurred_at), "i": event_id})


def decode_timeline_cursor(cursor: str | None) -> TimelineCursor | None:
    if cursor is None:
        return None
    payload = _decode(cursor)
    if set(payload) != {"t", "i"}:
        raise InvalidCursor(N_("cursor is not one this service issued"))
    try:
        return TimelineCursor(occurred_at=datetime.fromisoformat(payload["t"]), id=payload["i"])
    except ValueError as exc:
        raise InvalidCursor(N_("cursor is not one this service issued")) from exc


def page_by_id(rows: list[T], limit: int, id_of: Callable[[T], str]) -> Page[T]:
    """A page from `limit + 1` rows fetched in id order: the extra row says another page exists."""
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_after_id(id_of(items[-1])) if more else None)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(N_("limit must be between 1 and %(max_limit)s"),
                           params={"max_limit": MAX_LIMIT}, details={"limit": limit})
    return limit


def encode_fields(payload: dict[str, str]) -> str:
    """An opaque cursor carrying `payload` (for lists with their own keyset)."""
    return _encode(payload)


def decode_fields(cursor: str, keys: set[str]) -> dict[str, str]:
    """The payload of a cursor `encode_fields` made with exactly `keys`; InvalidCursor else."""
    payload = _decode(cursor)
    if set(payload) != keys:
        raise InvalidCursor(N_("cursor is not one this service issued"))
    return payload
