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
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store

SAMPLE_SIZE = 10
DEFAULT_BUDGET = 5.0
ATTRIBUTE_SAMPLE = 200
VALUES_SEEN = 30  # attribute values offered per key, from the sample


# How the builder names each field (msgids: the page translates them for the viewer); the
# name itself stays what a filter is written with.
FIELD_LABELS: dict[str, str] = {
    "name": N_("name"), "gender": N_("gender"), "birth_date": N_("date of birth"),
    "age": N_("age"), "income_band": N_("income band"), "education": N_("education"),
    "life_stage": N_("life stage"), "language": N_("language"),
    "preferred_channel": N_("preferred channel"), "customer_status": N_("customer status"),
    "created_at": N_("added on"), "tags": N_("tags"), "email": N_("email address"),
    "phone": N_("phone number"), "consent.email": N_("consent for email"),
    "consent.sms": N_("consent for SMS"), "consent.call": N_("consent for calls"),
    "last_contact": N_("last contact"), "last_inbound": N_("last inbound contact"),
    "pyramid_tier": N_("customer pyramid tier"), "revenue": N_("revenue"),
    "household.name": N_("household name"),
    "household.customer_status": N_("household customer status"),
    "household.address.city": N_("household city"),
    "household.address.postcode": N_("household postcode"),
    "household.address.country": N_("household country"),
    "organisation.name": N_("organisation name"),
    "organisation.industry": N_("organisation industry"),
    "organisation.size": N_("organisation size"),
    "organisation.customer_status": N_("organisation customer status"),
    "organisation.address.city": N_("organisation city"),
    "organisation.address.country": N_("organisation country"),
}
ATTRIBUTE_DOC = N_("attribute")


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """A field a segment filter may use, grouped for the builder; `label`, `group` and `doc`
    are msgids (or, for an attribute, its key) for the page to translate."""

    name: str
    group: str
    kind: str
    values: tuple[str, ...]
    doc: str
    label: str = ""


def field_group(name: str) -> str:
    if name.startswith("household."):
        return N_("Household")
    if name.startswith("organisation."):
        return N_("Organisation")
    if name.startswith("consent."):
        return N_("Consent")
    if name.startswith("attributes."):
        return N_("Attributes (seen in the data)")
    if name in ("pyramid_tier", "revenue", "last_contact", "last_inbound"):
        return N_("Derived")
    return N_("Person")


def sample_json(person: Any) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "customer_status": person.customer_status,
            "preferred_channel": person.preferred_channel}


class SegmentService:
    """Each count and sample runs within `budget` seconds (FilterTooExpensive, a 422, past
    it), off the store connection that serves everything else."""

    def __init__(self, store: Store, *, budget: float = DEFAULT_BUDGET) -> None:
        self._store = store
        self._budget = budget

    async def preview(self, filter_: dict[str, Any], *, sample: int = SAMPLE_SIZE
                      ) -> dict[str, Any]:
        predicate = plan(parse_filter(filter_) if filter_ else None, utcnow())
        count = await self._store.persons.count_matching(predicate, budget=self._budget)
        persons = await self._store.persons.find_matching(predicate, limit=sample,
                                                          budget=self._budget) if sample else []
        return {"count": count, "sample": [sample_json(p) for p in persons]}

    async def recount(self, segment_id: str) -> Segment:
        """Count a saved segment now and keep the count with its time (or why it failed), so
        the list of saved segments shows counts without counting on every page load."""
        segment = await self.get(segment_id)
        try:
            count: int | None = (await self.preview(segment.filter, sample=0))["count"]
            error = None
        except InvalidInput as exc:
            count, error = None, exc.message
        return await self._keep_count(segment, count, error)

    async def _keep_count(self, segment: Segment, count: int | None,
                          error: str | None) -> Segment:
        counted = segment.model_copy(update={"counted": count, "counted_at": utcnow(),
                                             "count_error": error})
        await self._store.segments.replace(counted)
        return counted

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
        choices = [FieldChoice(name, field_group(name), spec.kind, spec.values, spec.doc,
                               FIELD_LABELS.get(name, name)) for name, spec in FIELDS.items()]
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
                                           tuple(sorted(seen[key])), ATTRIBUTE_DOC, key))
        return choices

    async def get(self, segment_id: str) -> Segment:
        segment = await self._store.segments.get(segment_id)
        if segment is None:
            raise NotFound(N_("no segment %(segment_id)s"),
                           params={"segment_id": segment_id}, details={"id": segment_id})
        return segment

    async def preview_saved(self, segment_id: str) -> dict[str, Any]:
        segment = await self.get(segment_id)
        try:
            preview = await self.preview(segment.filter)
        except InvalidInput as exc:
            await self._keep_count(segment, None, exc.message)
            raise
        await self._keep_count(segment, preview["count"], None)
        return {**preview, "segment_id": segment.id}

    @staticmethod
    def fields() -> dict[str, Any]:
        return {name: {"kind": spec.kind, "values": list(spec.values) or None,
                       "doc": spec.doc or None} for name, spec in FIELDS.items()}
