"""A/B tests on a journey's send step: who gets which variant, the figures per variant,
and the one decision (`hub.domain.abtest.decide`: a two-proportion z-test, no winner on
noise), stored on the journey so the rest of the persons get the winner."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from campaigns.journeys.matching import latest_score, seen_since
from hub.domain.abtest import decide
from hub.domain.journeys import AbDecision, AbRules, Enrolment, EventMatch, Journey, SendStep
from hub.ports import Store

REST = "rest:"
"""Prefix of the variant given to a person outside the test share (not counted)."""
REPLY = EventMatch(kind="message_received")
PAGE = 500


def bucket(*parts: str, modulo: int = 100) -> int:
    """A stable 0..modulo-1 from the parts (a split or an A/B share must not change when a
    step is retried)."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % modulo


async def succeeded(store: Store, rules: AbRules, person_id: str, sent_at: datetime) -> bool:
    """Whether the person did what the test measures within its window after their send
    (a reply, the conversion event, or a survey score this high): for journeys and
    campaigns alike."""
    if rules.metric == "survey_score":
        score = await latest_score(store, person_id, sent_at)
        return score is not None and score >= rules.score_min
    match = rules.conversion if rules.metric == "conversion" and rules.conversion else REPLY
    return await seen_since(store, person_id, match, sent_at,
                            until=sent_at + timedelta(days=rules.window_days)) is not None


def decide_at(journey: Journey, step: SendStep) -> datetime:
    assert step.ab is not None
    return (journey.activated_at or journey.created_at) + timedelta(
        hours=step.ab.decide_after_hours)


class AbTests:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._decided: dict[tuple[str, str], AbDecision] = {}

    async def choose(self, journey: Journey, step: SendStep, enrolment: Enrolment,
                     now: datetime) -> str | datetime:
        """The variant for this person, or the moment the rest group waits for."""
        assert step.ab is not None
        assigned = enrolment.variants.get(step.id)
        if assigned:
            return assigned
        decision = journey.ab.get(step.id) or self._decided.get((journey.id, step.id))
        if decision is None and bucket(enrolment.id, step.id, "ab") < step.ab.test_share:
            keys = [v.key for v in step.ab.variants]
            return keys[bucket(enrolment.id, step.id, "variant", modulo=len(keys))]
        if decision is None:
            moment = decide_at(journey, step)
            if now < moment:
                return moment
            decision = await self.decide(journey, step, now)
        return REST + (decision.winner or "A")

    async def figures(self, journey: Journey, step: SendStep, now: datetime
                      ) -> tuple[dict[str, int], dict[str, int]]:
        """Sends and successes per variant among the test group (the metric read from each
        person's timeline within the window after their send)."""
        assert step.ab is not None
        ab = step.ab
        sent = {v.key: 0 for v in ab.variants}
        successes = {v.key: 0 for v in ab.variants}
        after: str | None = None
        while True:
            page = await self._store.enrolments.for_journey(journey.id, limit=PAGE,
                                                            after_id=after)
            for e in page:
                key = e.variants.get(step.id)
                sent_at = next((r.at for r in e.history
                                if r.step_id == step.id and r.outcome == "sent"), None)
                if key not in sent or sent_at is None:
                    continue
                sent[key] += 1
                if await succeeded(self._store, step.ab, e.person_id, sent_at):
                    successes[key] += 1
            if len(page) < PAGE:
                return sent, successes
            after = page[-1].id

    async def decide(self, journey: Journey, step: SendStep, now: datetime) -> AbDecision:
        assert step.ab is not None
        sent, successes = await self.figures(journey, step, now)
        verdict = decide(sent, successes, confidence=step.ab.confidence)
        decision = AbDecision(step_id=step.id, decided_at=now, winner=verdict.winner,
                              sent=sent, successes=successes, p_value=verdict.p_value,
                              confidence=step.ab.confidence)
        self._decided[(journey.id, step.id)] = decision
        stored = await self._store.journeys.get(journey.id)
        if stored is not None and step.id not in stored.ab:
            await self._store.journeys.replace(stored.model_copy(
                update={"ab": {**stored.ab, step.id: decision}}))
        return decision
