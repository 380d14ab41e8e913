"""The one survey fatigue cap (issue 13): at most one survey per person within
HUB_SURVEY_FATIGUE_DAYS, whatever sent it (a trigger, a CSAT after a resolved conversation).
It reads what was actually sent: the person's outbound events that carried a survey."""

from __future__ import annotations

from datetime import datetime

from hub.domain.events import TimelineCursor, TimelineQuery
from hub.ports import Store

PAGE = 100


async def surveyed_since(store: Store, person_id: str, since: datetime) -> bool:
    """Whether a survey went out to the person (not failed) at or after `since`."""
    before: TimelineCursor | None = None
    for _ in range(20):  # at most 2,000 of the newest events: a window's worth
        rows = await store.events.timeline(TimelineQuery(person_ids=[person_id]), limit=PAGE,
                                           before=before)
        for event in rows:
            if event.occurred_at < since:
                return False
            if event.direction == "outbound" and event.survey is not None \
                    and event.status != "failed":
                return True
        if len(rows) < PAGE:
            return False
        before = TimelineCursor(occurred_at=rows[-1].occurred_at, id=rows[-1].id)
    return False
