"""Segments: the filter language (`hub.domain.segments`), saved segments and previews.

The field table and validation live in the domain (the store compiles the filter); this
module is the use case: preview a filter (count and a sample), save one, preview a saved
one. Saved segments are dynamic: evaluated again at every preview and campaign launch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.campaigns import Segment
from hub.domain.common import new_id, utcnow
from hub.domain.segments import FIELDS, MATCH_ALL, field_spec, parse_filter, plan
from hub.errors import NotFound
from hub.ports import Store

SAMPLE_SIZE = 10
ATTRIBUTE_SAMPLE = 200
VALUES_SEEN = 30  # attribute values offered per key, from the sample


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """A field a segment filter may use, grouped for the builder."""

    name: str
    group: str
    kind: str
    values: tuple[str, ...]
    doc: str


def field_group(name: str) -> str:
    if name.startswith("household."):
        return "Household"
    if name.startswith("organisation."):
        return "Organisation"
    if name.startswith("consent."):
        return "Consent"
    if name.startswith("attributes."):
        return "Attributes (seen in the data)"
    if name in ("pyramid_tier", "revenue", "last_contact", "last_inbound"):
        return "Derived"
    return "Person"


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

    async def find(self, *, limit: int = 50) -> list[Segment]:
        return await self._store.segments.find(limit=limit)

    async def field_catalogue(self) -> list[FieldChoice]:
        """The fields of the filter language plus the person attribute keys found in (a
        sample of) the data."""
        choices = [FieldChoice(name, field_group(name), spec.kind, spec.values, spec.doc)
                   for name, spec in FIELDS.items()]
        seen: dict[str, set[str]] = {}
        for person in await self._store.persons.find_matching(MATCH_ALL, limit=ATTRIBUTE_SAMPLE):
            for key, value in person.attributes.items():
                if key == "pyramid_tier":
                    continue
                values = seen.setdefault(key, set())
                if isinstance(value, str | int | float) and not isinstance(value, bool) \
                        and len(values) < VALUES_SEEN and len(str(value)) <= 100:
                    values.add(str(value))
        for key in sorted(seen):
            name = f"attributes.{key}"
            if field_spec(name) is not None:
                choices.append(FieldChoice(name, field_group(name), "any",
                                           tuple(sorted(seen[key])), "attribute"))
        return choices

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
