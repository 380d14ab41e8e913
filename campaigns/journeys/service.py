"""The journey use cases: define (validated, versioned), switch status, enrol (manually, on
a timeline event or transaction, on a date, on segment entry), and read figures.

Enrolment is idempotent on the re-entry rule's key (`entry_key`, unique per journey in the
store), so a trigger storm or a replayed event enrols each person once per key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from campaigns.journeys.abtest import AbTests, decide_at
from campaigns.journeys.matching import (
    conversation_matches,
    kind_of,
    matches,
    transaction_matches,
)
from hub.domain.abtest import decide
from hub.domain.clock import SystemClock, WallClock
from hub.domain.common import new_id
from hub.domain.conversations import Conversation
from hub.domain.events import Event
from hub.domain.journey_check import JourneyInvalid, parse_definition
from hub.domain.journeys import (
    OPEN_STATES,
    Enrolment,
    Journey,
    JourneyDefinition,
    JourneyStatus,
    JourneyVersion,
    SendStep,
    SurveyStep,
)
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.domain.transactions import Transaction
from hub.errors import Conflict, InvalidInput, NotFound
from hub.i18n import LANGUAGES, N_
from hub.ports import AUTOMATION, Store

log = logging.getLogger("hub.journeys")
MAX_JOURNEYS = 500
MAX_MANUAL = 1000
SWEEP_PAGE = 500
ALLOWED: dict[JourneyStatus, tuple[JourneyStatus, ...]] = {
    "draft": ("active", "archived"), "active": ("paused", "archived"),
    "paused": ("active", "archived"), "archived": ()}


ARCHIVED = N_("the journey was archived")  # stored in English, shown translated


@dataclass(frozen=True, slots=True)
class Changed:
    """A journey after a change, and what the change did to its running enrolments."""

    journey: Journey
    exited: int = 0  # archived: enrolments ended
    migrated: int = 0  # moved to the new version
    stayed: int = 0  # left on their version: their step is gone, or a worker held them


@dataclass(frozen=True, slots=True)
class EnrolResult:
    person_id: str
    enrolment_id: str | None
    reason: str | None = None  # why not enrolled


class JourneyService:
    def __init__(self, store: Store, *, clock: WallClock | None = None,
                 ab: AbTests | None = None) -> None:
        self._store = store
        self.clock: WallClock = clock or SystemClock()
        self._ab = ab or AbTests(store)

    # --- definitions ---------------------------------------------------------------------

    async def validate(self, data: Any) -> JourneyDefinition:
        """Parse and check a definition, the store included (templates in every language)."""
        definition = parse_definition(data)
        for step in definition.steps:
            if isinstance(step, SendStep):
                sets = [step.templates] if step.ab is None else [
                    v.templates for v in step.ab.variants]
                for templates in sets:
                    await self._check_templates(step, templates)
            elif isinstance(step, SurveyStep) \
                    and await self._store.surveys.get(step.survey_id) is None:
                raise JourneyInvalid(f"no survey {step.survey_id}", step=step.id,
                                     field="survey_id")
        return definition

    async def _check_templates(self, step: SendStep, templates: dict[str, str]) -> None:
        for language in LANGUAGES:
            if language not in templates:
                raise JourneyInvalid(f"no template for language {language!r}", step=step.id,
                                     field="templates")
        for language, template_id in templates.items():
            if language not in LANGUAGES:
                raise JourneyInvalid(f"unknown language {language!r}", step=step.id,
                                     field="templates")
            template = await self._store.templates.get(template_id)
            if template is None:
                raise JourneyInvalid(f"no template {template_id} ({language})", step=step.id,
                                     field="templates")
            if template.channel != step.channel:
                raise JourneyInvalid(f"template {template_id} is for {template.channel}, "
                                     f"the step sends {step.channel}", step=step.id,
                                     field="templates")

    async def create(self, name: str, data: Any) -> Journey:
        definition = await self.validate(data)
        journey = Journey(id=new_id(), name=name, definition=definition)
        await self._store.journeys.add_version(self._version(journey))
        await self._store.journeys.insert(journey)
        return journey

    @staticmethod
    def _version(journey: Journey) -> JourneyVersion:
        return JourneyVersion(id=f"{journey.id}:{journey.version}", journey_id=journey.id,
                              version=journey.version, definition=journey.definition)

    async def get(self, journey_id: str) -> Journey:
        journey = await self._store.journeys.get(journey_id)
        if journey is None:
            raise NotFound(N_("no journey %(journey_id)s"), params={"journey_id": journey_id},
                           details={"id": journey_id})
        return journey

    async def all(self) -> list[Journey]:
        return await self._store.journeys.find(limit=MAX_JOURNEYS)

    async def update(self, journey_id: str, *, name: str | None = None,
                     definition: Any = None, status: JourneyStatus | None = None) -> Journey:
        return (await self.change(journey_id, name=name, definition=definition,
                                  status=status)).journey

    async def change(self, journey_id: str, *, name: str | None = None,
                     definition: Any = None, status: JourneyStatus | None = None,
                     migrate: bool = False) -> Changed:
        """A changed definition becomes a new version: new enrolments start on it; running
        ones finish on theirs, or, with `migrate`, move to the current version when their
        step is in it. A status change follows ALLOWED; archiving ends the running
        enrolments (`exited`, the reason "the journey was archived")."""
        journey = await self.get(journey_id)
        changes: dict[str, Any] = {"updated_at": self.clock.now()}
        if name is not None:
            changes["name"] = name
        if definition is not None:
            checked = await self.validate(definition)
            if checked != journey.definition:
                if journey.status == "archived":
                    raise Conflict(N_("an archived journey cannot change"))
                changes["definition"] = checked
                changes["version"] = journey.version + 1
        if status is not None and status != journey.status:
            if status not in ALLOWED[journey.status]:
                raise Conflict(N_("a %(current)s journey cannot become %(status)s"),
                               params={"current": journey.status, "status": status},
                               details={"status": journey.status})
            if status == "active":
                await self.validate(changes.get("definition", journey.definition)
                                    .model_dump(mode="json"))
                if journey.activated_at is None:
                    changes["activated_at"] = self.clock.now()
            changes["status"] = status
        updated = Journey.model_validate({**journey.to_doc(), **changes})
        if updated.version != journey.version:
            await self._store.journeys.add_version(self._version(updated))
        await self._store.journeys.replace(updated)
        now = self.clock.now()
        if updated.status == "archived" and journey.status != "archived":
            exited = await self._store.enrolments.exit_open(updated.id, reason=ARCHIVED,
                                                            now=now)
            log.info("journey archived", extra={"journey_id": updated.id, "exited": exited})
            return Changed(updated, exited=exited)
        if migrate:
            if updated.status == "archived":
                raise Conflict(N_("an archived journey's enrolments cannot move"))
            moved = await self._store.enrolments.migrate(
                updated.id, version=updated.version,
                step_ids=[s.id for s in updated.definition.steps], now=now)
            stayed = await self._store.enrolments.count_open_before(updated.id,
                                                                    updated.version)
            return Changed(updated, migrated=moved, stayed=stayed)
        return Changed(updated)

    # --- enrolment -----------------------------------------------------------------------

    async def enrol(self, journey: Journey, person: Person, *, source: str,
                    now: datetime | None = None) -> EnrolResult:
        """Enrol one person by the journey's re-entry rule; idempotent on its key."""
        now = now or self.clock.now()
        if journey.status != "active":
            return EnrolResult(person.id, None, f"the journey is {journey.status}")
        if not person.is_active:
            return EnrolResult(person.id, None, "the person was erased or merged")
        rule = journey.definition.reentry
        latest = await self._store.enrolments.latest_for(journey.id, person.id)
        if rule.mode == "once":
            key = person.id
        elif latest is not None and latest.state in OPEN_STATES:
            return EnrolResult(person.id, None, "already in this journey")
        elif rule.mode == "every_days":
            if latest is not None and now - latest.entered_at < timedelta(days=rule.days):
                return EnrolResult(person.id, None, f"entered within {rule.days} days")
            key = f"{person.id}:{int(now.timestamp() // (rule.days * 86400))}"
        else:
            key = f"{person.id}:{source}"
        enrolment = Enrolment(
            id=new_id(), journey_id=journey.id, version=journey.version, person_id=person.id,
            entry_key=key, step_id=journey.definition.start, due_at=now, entered_at=now,
            source=source)
        if not await self._store.enrolments.enrol(enrolment):
            return EnrolResult(person.id, None, "already enrolled under this re-entry rule")
        await self._store.events.append(Event(
            id=new_id(), person_id=person.id, household_id=person.household_id,
            channel="system", direction="internal", external_id=f"journey:{enrolment.id}:in",
            occurred_at=now, subject=f"Journey {journey.name}: entered",
            data={"purpose": AUTOMATION, "journey_id": journey.id,
                  "enrolment_id": enrolment.id, "source": source}))
        return EnrolResult(person.id, enrolment.id)

    async def enrol_manual(self, journey_id: str, person_ids: Sequence[str]) -> list[EnrolResult]:
        if len(person_ids) > MAX_MANUAL:
            raise InvalidInput(N_("at most %(limit)s persons per request"),
                               params={"limit": MAX_MANUAL})
        journey = await self.get(journey_id)
        if journey.status != "active":
            raise Conflict(N_("only an active journey takes enrolments; this one is %(status)s"),
                           params={"status": journey.status}, details={"status": journey.status})
        found = {p.id: p for p in await self._store.persons.get_many(list(person_ids))}
        results = []
        for person_id in person_ids:
            person = found.get(person_id)
            if person is None:
                results.append(EnrolResult(person_id, None, "no such person"))
                continue
            results.append(await self.enrol(journey, person, source=f"manual:{new_id()}"))
        return results

    # --- triggers ------------------------------------------------------------------------

    async def on_event(self, event: Event) -> None:
        """A timeline listener: enrol on matching event triggers, re-check segment triggers
        for this one person, and wake the person's enrolments that wait for an event."""
        if not event.person_id or event.data.get("purpose") == AUTOMATION:
            return
        now = self.clock.now()
        await self._store.enrolments.wake(event.person_id, now)
        journeys = await self._store.journeys.with_status(["active"])
        wanted = [j for j in journeys if self._fires(j, event)]
        segments = [j for j in journeys if j.definition.trigger.kind == "segment"]
        if not wanted and not segments:
            return
        person = await self._store.persons.get(event.person_id)
        if person is None:
            return
        for journey in wanted:
            await self.enrol(journey, person, source=event.id, now=now)
        await self._segment_entries(segments, [person], now)

    @staticmethod
    def _fires(journey: Journey, event: Event) -> bool:
        trigger = journey.definition.trigger
        return trigger.kind == "event" and trigger.event is not None \
            and kind_of(event) is not None and matches(trigger.event, event)

    async def on_transactions(self, transactions: Sequence[Transaction]) -> None:
        """Transactions recorded (replays included): event triggers, goals, segments."""
        person_ids = sorted({t.person_id for t in transactions if t.person_id})
        if not person_ids:
            return
        now = self.clock.now()
        for person_id in person_ids:
            await self._store.enrolments.wake(person_id, now)
        journeys = await self._store.journeys.with_status(["active"])
        persons = await self._store.persons.get_many(person_ids)
        for journey in journeys:
            trigger = journey.definition.trigger
            if trigger.kind != "event" or trigger.event is None:
                continue
            for person in persons:
                first = next(t for t in transactions if t.person_id == person.id)
                if transaction_matches(trigger.event, first):
                    await self.enrol(journey, person, source=first.id, now=now)
        await self._segment_entries(
            [j for j in journeys if j.definition.trigger.kind == "segment"], persons, now)

    async def on_conversation_resolved(self, conversation: Conversation, auto: bool) -> None:
        """A conversation was resolved (by staff, or by the clock when `auto`): enrol on
        matching `conversation_resolved` triggers (once per resolution: reopened and resolved
        again is a new one) and wake the person's enrolments that wait for it."""
        now = self.clock.now()
        await self._store.enrolments.wake(conversation.person_id, now)
        wanted = [j for j in await self._store.journeys.with_status(["active"])
                  if j.definition.trigger.kind == "event" and j.definition.trigger.event
                  is not None and conversation_matches(j.definition.trigger.event,
                                                       conversation)]
        if not wanted:
            return
        person = await self._store.persons.get(conversation.person_id)
        if person is None:
            return
        resolved_at = (conversation.resolved_at or now).isoformat()
        for journey in wanted:
            await self.enrol(journey, person, source=f"conversation:{conversation.id}:"
                                                     f"{resolved_at}", now=now)

    async def _segment_entries(self, journeys: Sequence[Journey], persons: Sequence[Person],
                               now: datetime) -> None:
        """Enrol those of `persons` who now match a segment trigger: one query by id per
        journey, whatever the size of the segment."""
        for journey in journeys:
            predicate = plan(parse_filter(journey.definition.trigger.filter), now)
            inside = await self._store.persons.matching_ids(predicate, [p.id for p in persons])
            for person in persons:
                if person.id in inside:
                    await self.enrol(journey, person, source="segment", now=now)

    async def run_schedule(self, now: datetime | None = None) -> int:
        """The scheduled triggers (daily is enough): birthdays, N days after the last
        purchase, and a sweep of segment triggers for changes no event announced. Each
        person's entry key makes a repeated run enrol nobody twice."""
        now = now or self.clock.now()
        enrolled = 0
        for journey in await self._store.journeys.with_status(["active"]):
            trigger = journey.definition.trigger
            if trigger.kind == "segment" and trigger.filter:
                predicate = plan(parse_filter(trigger.filter), now)
                source = "segment"
            elif trigger.kind == "date" and trigger.date_field == "last_purchase":
                days = trigger.days_after
                predicate = plan(parse_filter({"all": [
                    {"field": "revenue", "op": "gt", "value": 0, "period": {"days": days + 1}},
                    {"not": {"field": "revenue", "op": "gt", "value": 0,
                             "period": {"days": days}}}]}), now)
                source = f"date:{now.date().isoformat()}"
            elif trigger.kind == "date" and trigger.date_field == "birthday":
                predicate = plan(parse_filter({"field": "birth_date", "op": "exists",
                                               "value": True}), now)
                source = f"date:{now.date().isoformat()}"
            else:
                continue
            after: str | None = None
            while True:
                page = await self._store.persons.find_matching(predicate, limit=SWEEP_PAGE,
                                                               after_id=after)
                for person in page:
                    if trigger.date_field == "birthday" and not _birthday(person, now):
                        continue
                    result = await self.enrol(journey, person, source=source, now=now)
                    enrolled += result.enrolment_id is not None
                if len(page) < SWEEP_PAGE:
                    break
                after = page[-1].id
        return enrolled

    # --- figures -------------------------------------------------------------------------

    async def stats(self, journey_id: str, *, with_ab: bool = True) -> dict[str, Any]:
        """Enrolments per state and per step (one grouped count); with `with_ab`, each A/B
        test's figures too (read from the test group's timelines until decided)."""
        journey = await self.get(journey_id)
        counts = await self._store.enrolments.counts(journey.id)
        ab: dict[str, Any] = {}
        now = self.clock.now()
        for step in journey.definition.steps:
            if with_ab and isinstance(step, SendStep) and step.ab is not None:
                ab[step.id] = await self.ab_results(journey, step, now)
        return {"journey_id": journey.id, "status": journey.status,
                "version": journey.version, "enrolments": counts.by_state,
                "total": sum(counts.by_state.values()), "at_step": counts.by_step, "ab": ab}

    async def ab_results(self, journey: Journey, step: SendStep, now: datetime
                         ) -> dict[str, Any]:
        assert step.ab is not None
        decision = journey.ab.get(step.id)
        if decision is not None:
            sent, successes = decision.sent, decision.successes
        else:
            sent, successes = await self._ab.figures(journey, step, now)
        verdict = decide(sent, successes, confidence=step.ab.confidence)
        return {"metric": step.ab.metric, "decided": decision is not None,
                "decide_at": decide_at(journey, step).isoformat(),
                "winner": decision.winner if decision else None,
                "leading": verdict.winner, "p_value": verdict.p_value,
                "confidence": step.ab.confidence,
                "variants": [{"key": k, "sent": sent[k], "successes": successes.get(k, 0),
                              "rate": verdict.rates.get(k, 0.0)} for k in sent]}

    async def for_person(self, person_id: str) -> list[dict[str, Any]]:
        enrolments = await self._store.enrolments.for_person(person_id, limit=100)
        names: dict[str, str] = {}
        found = []
        for e in enrolments:
            if e.journey_id not in names:
                journey = await self._store.journeys.get(e.journey_id)
                names[e.journey_id] = journey.name if journey else e.journey_id
            found.append({**e.to_json(), "journey_name": names[e.journey_id]})
        return found

    async def enrolments(self, journey_id: str, *, limit: int = 50,
                         after_id: str | None = None) -> list[Enrolment]:
        await self.get(journey_id)
        return await self._store.enrolments.for_journey(journey_id, limit=limit,
                                                        after_id=after_id)


def _birthday(person: Person, now: datetime) -> bool:
    born = person.birth_date
    if born is None:
        return False
    today = now.date()
    if born.month == 2 and born.day == 29 and not _leap(today.year):
        return (today.month, today.day) == (2, 28)
    return (born.month, born.day) == (today.month, today.day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
