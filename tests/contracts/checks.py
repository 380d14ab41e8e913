"""Shared assertions and page walkers for the contract suite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, settings
from pydantic import BaseModel

from hub.domain.events import Event, TimelineCursor, TimelineQuery
from hub.ports import Store

# Property tests open a fresh store per example (through the `backend` fixture, which exists to
# hand out fresh databases, hence the suppressed health check); few examples keep the suite fast.
# Bounded on every backend: a fixed set of examples (derandomize, no example database), a
# deadline per example, and no shrink phase: a failure reports the example as generated, where
# shrinking on a server backend (a fresh database per step) once ran for 17 minutes.
PROPERTY_SETTINGS = settings(
    max_examples=15,
    deadline=timedelta(seconds=15),
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class HasId(Protocol):
    id: str


R = TypeVar("R", bound=HasId)


def assert_utc_ms(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None, f"{value!r} is naive"
    assert value.utcoffset() == timedelta(0), f"{value!r} is not UTC"
    assert value.microsecond % 1000 == 0, f"{value!r} is finer than ms"


def datetimes_in(record: BaseModel) -> list[datetime]:
    """Every datetime in a record, nested models, lists and dicts included."""
    found: list[datetime] = []

    def walk(value: Any) -> None:
        if isinstance(value, datetime):
            found.append(value)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(record)
    return found


def assert_same_record(stored: BaseModel | None, original: BaseModel) -> None:
    """Equal field by field, and every time aware UTC in ms."""
    assert stored is not None
    assert type(stored) is type(original)
    assert stored.model_dump() == original.model_dump()
    assert stored == original
    for value in datetimes_in(stored):
        assert_utc_ms(value)


def ids(records: Iterable[HasId]) -> list[str]:
    return [record.id for record in records]


def newest_first(events: Iterable[Event]) -> list[str]:
    return [e.id for e in sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)]


async def walk_timeline(
    store: Store, query: TimelineQuery, page_size: int, *, max_pages: int = 1000
) -> list[list[Event]]:
    """Every page of a timeline, following the cursor after each page's last event."""
    pages: list[list[Event]] = []
    before: TimelineCursor | None = None
    while len(pages) < max_pages:
        page = await store.events.timeline(query, limit=page_size, before=before)
        assert len(page) <= page_size
        if not page:
            return pages
        pages.append(page)
        last = page[-1]
        before = TimelineCursor(occurred_at=last.occurred_at, id=last.id)
    raise AssertionError(f"timeline did not end after {max_pages} pages")


async def walk_find(
    find: Callable[..., Awaitable[Sequence[R]]], page_size: int, *, max_pages: int = 1000,
    **filters: Any,
) -> list[list[R]]:
    """Every page of a `find(limit=, after_id=)`, following the last id of each page."""
    pages: list[list[R]] = []
    after_id: str | None = None
    while len(pages) < max_pages:
        page = list(await find(limit=page_size, after_id=after_id, **filters))
        assert len(page) <= page_size
        if not page:
            return pages
        pages.append(page)
        after_id = page[-1].id
    raise AssertionError(f"find did not end after {max_pages} pages")


def flat(pages: Iterable[Iterable[R]]) -> list[R]:
    return [record for page in pages for record in page]
