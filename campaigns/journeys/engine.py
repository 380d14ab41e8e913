"""The journey worker: claim due enrolments, advance each through its steps, record.

Crash safety, step by step for one enrolment (the campaign engine's pattern, DESIGN §5):
1. claim it (atomic lease with an expiry, `EnrolmentRepo.claim_due`); a worker that died
   holding an `active` enrolment leaves a lease that expires, and the enrolment is claimed
   again: the steps that do not send are safe to run twice (an update sets the same tags, an
   alert and a timeline note are keyed on enrolment + step, a branch decides the same way);
2. for a send (or survey) step: render, then mark the enrolment `sending` with the id of the
   outbound event it is about to record, conditional on still holding the lease (a worker
   that lost its lease stops here);
3. record the outbound event (queued) and hand the message to the one outbound path;
4. store the provider's id and status on the event, then move the enrolment to its next
   step (`active`) in one conditional write.
A `sending` enrolment whose lease expired (its worker died mid-step) is reconciled, never
sent again: no event → nothing was sent → the step runs again; the event holds a provider id
(or a status past queued) → sent; failed → failed; otherwise the crash fell between the
hand-over and the record → the step is recorded `unknown`, shown on the journey's page and
the person's, and the enrolment goes on to the next step.

A channel an operator must fix (bad credentials) sends nothing: the event is marked failed
with the reason (the channel page shows it) and the step is tried again later.
Running enrolments finish on the version they started on unless staff migrate them (only
unleased ones move, and the move drops no lease a worker relies on); a paused journey's
enrolments are not claimed; archiving ends the `active` ones at once (their leases dropped, so
a worker mid-step can neither save nor start a send) and a `sending` one when its worker has
finished or its lease expired (reconciled first, then ended here); an erased person leaves; a
merged person is followed to the survivor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from campaigns.engine.throttle import SharedRate
from campaigns.journeys.matching import seen_since
from campaigns.journeys.service import ARCHIVED
from campaigns.journeys.steps import Context, Move, SendPlan, StepRunner
from hub.domain.clock import SystemClock, WallClock
from hub.domain.common import new_id
from hub.domain.events import Event, StatusChange
from hub.domain.journeys import (
    Enrolment,
    EnrolmentState,
    Journey,
    JourneyDefinition,
    StepRecord,
)
from hub.domain.parties import Person
from hub.errors import ChannelMisconfigured, HubError, SendFailed
from hub.i18n import N_
from hub.ports import AUTOMATION, Store
from hub.services.outbound import OutboundPath
from hub.services.timeline import TimelineService

log = logging.getLogger("hub.journeys.engine")
SENT_STATUSES = ("sent", "delivered", "read", "replied")
MISCONFIGURED_RETRY_S = 300
"""A channel an operator must fix (bad credentials): the step is tried again this much later."""
MAX_MOVES = 250
"""Steps one claim may take an enrolment through (a definition has at most 200)."""
DRAIN = timedelta(hours=1)
"""An archived journey's enrolments are still claimed this long after the archive, so one
whose send was in flight then is reconciled and ended too (`JourneyService` ends the rest)."""


@dataclass(frozen=True, slots=True)
class EngineConfig:
    batch: int = 100
    concurrency: int = 8
    lease_s: float = 120.0
    poll_s: float = 1.0


class JourneyEngine:
    def __init__(self, store: Store, outbound: OutboundPath, timeline: TimelineService,
                 steps: StepRunner, *, clock: WallClock | None = None,
                 config: EngineConfig | None = None, owner: str | None = None) -> None:
        self._store = store
        self._outbound = outbound
        self._timeline = timeline
        self._steps = steps
        self.clock: WallClock = clock or SystemClock()
        self._config = config or EngineConfig()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{new_id()[-8:]}"
        self._definitions: dict[tuple[str, int], JourneyDefinition] = {}
        self._limits: dict[tuple[str, int], SharedRate] = {}

    # --- the loop -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                busy = await self.tick()
            except HubError as exc:
                log.warning("journey tick failed", extra={"error": exc.code})
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._config.poll_s)

    async def tick(self) -> int:
        """Advance one batch of due enrolments; returns how many were claimed."""
        now = self.clock.now()
        journeys = {j.id: j for j in await self._store.journeys.with_status(
            ["active", "archived"]) if j.status == "active" or j.updated_at > now - DRAIN}
        if not journeys:
            return 0
        claimed = await self._store.enrolments.claim_due(
            list(journeys), owner=self.owner, now=now,
            until=now + timedelta(seconds=self._config.lease_s), limit=self._config.batch)
        if not claimed:
            return 0
        persons = {p.id: p for p in await self._store.persons.get_many(
            sorted({e.person_id for e in claimed}))}
        gate = asyncio.Semaphore(self._config.concurrency)

        async def one(e: Enrolment) -> None:
            async with gate:
                await self.advance(e, journeys[e.journey_id], persons.get(e.person_id), now)

        await asyncio.gather(*(one(e) for e in claimed))
        return len(claimed)

    async def run_until_idle(self, *, limit: int = 1000) -> int:
        """Tick until nothing is due (tests and the bench); returns the claims."""
        total = 0
        for _ in range(limit):
            done = await self.tick()
            if not done:
                return total
            total += done
        return total

    # --- one enrolment -------------------------------------------------------------------

    async def definition(self, journey_id: str, version: int) -> JourneyDefinition | None:
        key = (journey_id, version)
        if key not in self._definitions:
            stored = await self._store.journeys.get_version(journey_id, version)
            if stored is None:
                return None
            self._definitions[key] = stored.definition
        return self._definitions[key]

    async def _follow(self, person: Person | None, person_id: str) -> Person | None:
        """The person now: a merged one's survivor (followed once more at most)."""
        person = person or await self._store.persons.get(person_id)
        for _ in range(3):
            if person is None or person.merged_into is None:
                break
            person = await self._store.persons.get(person.merged_into)
        if person is None or person.erased_at is not None:
            return None
        return person

    async def advance(self, e: Enrolment, journey: Journey, person: Person | None,
                      now: datetime) -> None:
        definition = await self.definition(e.journey_id, e.version)
        if definition is None:
            await self._save(self._end(e, "exited", N_("the journey version is gone"), now))
            return
        found = await self._follow(person, e.person_id)
        if found is None:
            await self._save(self._end(e, "exited", N_("the person was erased"), now))
            return
        if found.id != e.person_id:
            e = e.model_copy(update={"person_id": found.id})
        if e.state == "sending":
            e = await self._reconcile(e, definition, now)
        if journey.status == "archived":
            await self._save(self._end(e, "exited", ARCHIVED, now))
            return
        goal = await self._goal(e, definition)
        if goal is not None:
            e = self._end(e, "exited", N_("goal reached"), now)
            e = e.model_copy(update={"history": [*e.history, record_goal(goal, now)]})
            await self._note(e, found, journey, "goal", "reached its goal")
            await self._save(e)
            return
        for _ in range(MAX_MOVES):
            step = definition.step(e.step_id)
            if step is None:
                e = self._end(e, "done", None, now)
                await self._note(e, found, journey, "done", "finished the journey")
                break
            ctx = Context(journey, definition, e, found, now)
            try:
                move = await self._steps.run(ctx, step)
            except HubError as exc:  # the store or a service refused: try again later
                log.warning("journey step failed", extra={"enrolment_id": e.id,
                                                          "step": step.id, "error": exc.code})
                e = e.model_copy(update={"due_at": now + timedelta(minutes=5)})
                break
            if isinstance(move, SendPlan):
                await self._pace(journey.id, definition.rate_per_minute)
                sent = await self._send(e, move, now)
                if sent is None:
                    return  # the lease was lost: another worker has it
                e = sent
                if e.due_at > now:
                    break  # the channel needs an operator: try again later
                continue
            e = self._apply(e, move, now)
            if move.record is not None and move.record.outcome not in ("notified", "waiting"):
                await self._note(e, found, journey, step.id,
                                 f"{step.type} {move.record.outcome}")
            if move.kind != "go":
                break
        await self._save(e)

    @staticmethod
    def _end(e: Enrolment, state: EnrolmentState, reason: str | None,
             now: datetime) -> Enrolment:
        return e.model_copy(update={"state": state, "exit_reason": reason, "finished_at": now,
                                    "waiting_since": None, "wait_until": None,
                                    "sending_event_id": None})

    def _apply(self, e: Enrolment, move: Move, now: datetime) -> Enrolment:
        history = [*e.history, move.record] if move.record is not None else e.history
        e = e.model_copy(update={"history": history, **move.changes})
        if move.kind == "go":
            return e.model_copy(update={"step_id": move.next, "due_at": now})
        if move.kind == "stay":
            return e.model_copy(update={"due_at": move.due_at or now})
        return self._end(e, move.state or "done", move.reason, now)

    async def _save(self, e: Enrolment) -> bool:
        released = e.model_copy(update={"lease_owner": None, "lease_until": None})
        saved = await self._store.enrolments.save(released, owner=self.owner)
        if not saved:
            log.info("enrolment taken over by another worker", extra={"enrolment_id": e.id})
        return saved

    async def _goal(self, e: Enrolment, definition: JourneyDefinition) -> str | None:
        for goal in definition.goals:
            found = await seen_since(self._store, e.person_id, goal, e.entered_at)
            if found is not None:
                return found
        return None

    async def _note(self, e: Enrolment, person: Person, journey: Journey, key: str,
                    what: str) -> None:
        """The step on the person's timeline: a system event that answers nothing."""
        await self._timeline.record(Event(
            id=new_id(), person_id=person.id, channel="system", direction="internal",
            external_id=f"journey:{e.id}:{key}", subject=f"Journey {journey.name}: {what}",
            data={"purpose": AUTOMATION, "journey_id": journey.id, "enrolment_id": e.id,
                  "journey_step": key}))

    # --- at most once --------------------------------------------------------------------

    async def _pace(self, journey_id: str, per_minute: int | None) -> None:
        """The journey's send rate, shared by every worker process, waited for before the
        claim (while only leased: a crash during the wait leaves nothing to reconcile)."""
        if not per_minute:
            return
        key = (journey_id, per_minute)
        if key not in self._limits:
            self._limits[key] = SharedRate(self._store.throttle, f"journey:{journey_id}",
                                           per_minute)
        await self._limits[key].acquire()

    async def _send(self, e: Enrolment, plan: SendPlan, now: datetime) -> Enrolment | None:
        event = plan.prepared.event
        variants = {**e.variants, plan.step.id: plan.variant} if plan.variant else e.variants
        claimed = e.model_copy(update={"state": "sending", "sending_event_id": event.id,
                                       "variants": variants})
        if not await self._store.enrolments.save(claimed, owner=self.owner):
            return None
        await self._store.events.append(event)
        outcome, detail = "sent", None
        try:
            receipt = await self._outbound.transmit(plan.prepared.message)
        except ChannelMisconfigured as exc:  # nothing was sent: the step waits for the fix
            await self._outbound.set_status(event.id, "failed", exc.message)
            log.warning("journey send waits for the channel", extra={
                "enrolment_id": e.id, "error": exc.code})
            return claimed.model_copy(update={
                "state": "active", "sending_event_id": None,
                "due_at": now + timedelta(seconds=MISCONFIGURED_RETRY_S)})
        except SendFailed as exc:
            await self._outbound.set_status(event.id, "failed", exc.message)
            outcome, detail = "failed", exc.message
        else:
            await self._outbound.record_result(event.id, receipt)
        return self._after_send(claimed, plan.step.id, plan.step.type, plan.step.next, outcome,
                                detail, event.id, plan.variant, now)

    @staticmethod
    def _after_send(e: Enrolment, step_id: str, step_type: str, next_step: str | None,
                    outcome: str, detail: str | None, event_id: str | None,
                    variant: str | None, now: datetime) -> Enrolment:
        entry = record_of(step_id, step_type, outcome, now, detail, event_id, variant)
        return e.model_copy(update={
            "state": "active", "sending_event_id": None, "step_id": next_step, "due_at": now,
            "last_send_at": now if outcome in ("sent", "unknown") else e.last_send_at,
            "history": [*e.history, entry]})

    async def _reconcile(self, e: Enrolment, definition: JourneyDefinition,
                         now: datetime) -> Enrolment:
        step = definition.step(e.step_id)
        event = await self._store.events.get(e.sending_event_id) if e.sending_event_id else None
        if event is None or step is None:  # nothing was recorded, so nothing was sent
            return e.model_copy(update={"state": "active", "sending_event_id": None})
        next_step = getattr(step, "next", None)
        variant = e.variants.get(step.id)
        if event.external_id or event.status in SENT_STATUSES:
            outcome, detail = "sent", None
        elif event.status == "failed":
            outcome, detail = "failed", None
        else:
            outcome = "unknown"
            detail = ("the worker stopped between handing the message over and recording "
                      "the answer; it is not sent again")
            await self._store.events.add_status(event.id, StatusChange(status="unknown",
                                                                       detail=detail))
        log.warning("journey send reconciled", extra={"enrolment_id": e.id,
                                                      "outcome": outcome})
        return self._after_send(e, step.id, step.type, next_step, outcome, detail, event.id,
                                variant, now)


def record_of(step_id: str, step_type: str, outcome: str, now: datetime, detail: str | None,
              event_id: str | None, variant: str | None) -> StepRecord:
    return StepRecord(step_id=step_id, type=step_type, at=now, outcome=outcome, detail=detail,
                      event_id=event_id, variant=variant)


def record_goal(event_id: str, now: datetime) -> StepRecord:
    return StepRecord(step_id="goal", type="goal", at=now, outcome="goal", event_id=event_id)
