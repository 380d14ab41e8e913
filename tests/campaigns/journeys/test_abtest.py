"""A/B tests: the two-proportion z-test picks a truly better variant and stays silent on
noise; in a journey the test group gets the variants and, after the decision time, the rest
get the winner."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.abtest import decide, two_proportion_test
from hub.domain.common import new_id
from hub.domain.events import Event, TimelineQuery
from tests.campaigns.journeys.conftest import Hub


def simulate(rates: dict[str, float], n: int, rng: random.Random
             ) -> tuple[dict[str, int], dict[str, int]]:
    sent = dict.fromkeys(rates, n)
    successes = {k: sum(rng.random() < p for _ in range(n)) for k, p in rates.items()}
    return sent, successes


def test_the_z_test_matches_a_worked_example() -> None:
    # 200/1000 against 250/1000: z = 2.68, two-sided p = 0.0074
    result = two_proportion_test(200, 1000, 250, 1000)
    assert round(result.z, 2) == 2.68 and round(result.p_value, 4) == 0.0074


def test_a_truly_better_variant_wins() -> None:
    rng = random.Random(17)
    sent, successes = simulate({"A": 0.10, "B": 0.15}, 2000, rng)
    verdict = decide(sent, successes, confidence=0.95)
    assert verdict.winner == "B" and verdict.p_value is not None and verdict.p_value < 0.05


def test_equal_variants_crown_no_winner_beyond_the_error_rate() -> None:
    rng = random.Random(4)
    false_winners = 0
    for _ in range(200):
        sent, successes = simulate({"A": 0.12, "B": 0.12, "C": 0.12}, 500, rng)
        false_winners += decide(sent, successes, confidence=0.95).winner is not None
    assert false_winners <= 10  # 5 % expected at most; no winner on noise


def test_too_few_sends_decide_nothing() -> None:
    assert decide({"A": 10, "B": 10}, {"A": 0, "B": 9}).winner is None


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)  # 260 persons: too slow on mongomock
async def test_in_a_journey_the_rest_get_the_winner(hub: Hub) -> None:
    a_nl = await hub.template("sms", "A: kom langs")
    a_en = await hub.template("sms", "A: come by")
    b_nl = await hub.template("sms", "B: 20% korting")
    b_en = await hub.template("sms", "B: 20% off")
    journey = await hub.journey({
        "trigger": {"kind": "manual"}, "start": "offer",
        "steps": [{"type": "send", "id": "offer", "channel": "sms", "ab": {
            "variants": [{"key": "A", "templates": {"nl": a_nl, "en": a_en}},
                         {"key": "B", "templates": {"nl": b_nl, "en": b_en}}],
            "test_share": 60, "metric": "replies", "decide_after_hours": 24}}]})
    rng = random.Random(3)
    persons = [await hub.person(name=f"P{i}", emails=[], phones=[f"+316{10000000 + i}"])
               for i in range(260)]
    results = await hub.components.journeys.service.enrol_manual(
        journey.id, [p.id for p in persons])
    assert all(r.enrolment_id for r in results)
    await hub.engine.run_until_idle()

    enrolments = {e.person_id: e for e in await hub.store.enrolments.for_journey(
        journey.id, limit=1000)}
    tested = {pid: e.variants["offer"] for pid, e in enrolments.items() if e.variants}
    assert 120 < len(tested) < 190  # about 60 %
    for person_id, variant in tested.items():  # B truly gets more replies
        if rng.random() < (0.45 if variant == "B" else 0.10):
            await hub.store.events.append(Event(
                id=new_id(), person_id=person_id, channel="sms", direction="inbound",
                text="ja", occurred_at=datetime.now(UTC)))

    code_stats = await hub.components.journeys.service.stats(journey.id)
    assert code_stats["ab"]["offer"]["decided"] is False
    hub.clock.move(timedelta(hours=25))
    await hub.engine.run_until_idle()

    decided = await hub.store.journeys.get(journey.id)
    assert decided is not None and decided.ab["offer"].winner == "B"
    rest = [e for e in await hub.store.enrolments.for_journey(journey.id, limit=1000)
            if e.person_id not in tested]
    assert rest and all(e.variants["offer"] == "rest:B" and e.state == "done" for e in rest)
    sample = rest[0].person_id
    [sent] = await hub.store.events.timeline(TimelineQuery(person_ids=[sample], channel="sms"),
                                             limit=5)
    assert sent.text == "B: 20% korting"
    stats = await hub.components.journeys.service.stats(journey.id)
    figures = stats["ab"]["offer"]
    assert figures["winner"] == "B" and figures["p_value"] < 0.05
    assert sum(v["sent"] for v in figures["variants"]) == len(tested)
