"""Segments: the filter language (`hub.domain.segments`), saved segments and previews.

The field table and validation live in the domain (the store compiles the filter); this
module is the use case: preview a filter (count and a sample), save one, preview a saved
one. Saved segments are dynamic: evaluated again at every preview and campaign launch."""

from __future__ import annotations

from typing import Any

from hub.domain.campaigns import Segment
from hub.domain.common import new_id, utcnow
from hub.domain.segments import FIELDS, parse_filter, plan
from hub.errors import NotFound
from hub.ports import Store

SAMPLE_SIZE = 10


def sample_json(person: Any) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "customer_status": person.customer_status,
            "preferred_channel": person.preferred_channel}


class SegmentService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def preview(self, filter_: dict[str, Any], *, sample: int = SAMPLE_SIZE
                      ) -> dict[str, Any]:
        predicate = plan(parse_filter(filter_) if filter_ else None, utcnow())
        count = await self._store.persons.count_matching(predicate)
        persons = await self._store.persons.find_matching(predicate, limit=sample)
        return {"count": count, "sample": [sample_json(p) for p in persons]}

    async def create(self, name: str, filter_: dict[str, Any]) -> Segment:
        parse_filter(filter_)
        segment = Segment(id=new_id(), name=name, filter=filter_)
        await self._store.segments.insert(segment)
        return segment

    async def get(self, segment_id: str) -> Segment:
        segment = await self._store.segments.get(segment_id)
        if segment is None:
            raise NotFound(f"no segment {segment_id}", details={"id": segment_id})
        return segment

    async def preview_saved(self, segment_id: str) -> dict[str, Any]:
        segment = await self.get(segment_id)
        return {**await self.preview(segment.filter), "segment_id": segment.id}

    @staticmethod
    def fields() -> dict[str, Any]:
        return {name: {"kind": spec.kind, "values": list(spec.values) or None,
                       "doc": spec.doc or None} for name, spec in FIELDS.items()}
