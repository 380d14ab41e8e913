"""Twilio voice status callbacks (CallSid, CallStatus, Direction, From, To, CallDuration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from channels.calls.fields import DIRECTIONS, CallDirection
from hub.errors import InvalidInput

CALL_STATUSES = frozenset({
    "queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer",
    "canceled", "failed"})


@dataclass(frozen=True, slots=True)
class CallCallback:
    sid: str
    status: str
    direction: CallDirection
    from_number: str | None
    to_number: str | None
    duration_s: int | None
    timestamp: datetime | None


def parse_voice_callback(form: Mapping[str, str]) -> CallCallback:
    sid = form.get("CallSid", "").strip()
    if not sid:
        raise InvalidInput("the webhook has no CallSid", details={"field": "CallSid"})
    status = form.get("CallStatus", "").strip().lower()
    if status not in CALL_STATUSES:
        raise InvalidInput(f"unknown call status {status[:40]!r}", details={"field": "CallStatus"})
    direction = DIRECTIONS.get(form.get("Direction", "").strip().lower())
    if direction is None:
        raise InvalidInput("Direction must be inbound, outbound-api or outbound-dial",
                           details={"field": "Direction"})
    raw_duration = form.get("CallDuration", "").strip() or form.get("Duration", "").strip()
    timestamp = None
    if form.get("Timestamp"):
        try:
            timestamp = parsedate_to_datetime(form["Timestamp"])
        except (TypeError, ValueError):
            timestamp = None
    return CallCallback(
        sid=sid[:200], status=status, direction=direction,
        from_number=form.get("From", "").strip()[:100] or None,
        to_number=form.get("To", "").strip()[:100] or None,
        duration_s=int(raw_duration) if raw_duration.isdigit() else None,
        timestamp=timestamp if timestamp is None or timestamp.tzinfo else None,
    )
