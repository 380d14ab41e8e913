"""A/B tests on a campaign, through the real email adapter to an aiosmtpd server: the test
share gets the variants (subject, sender name), replies are counted per variant, and after
the decision time the rest gets the winner. With B truly better B wins and the rest gets B;
with equal variants no winner is declared and the rest gets A. Time passing is the stored
launch and the waiting deliveries' moments moved back by two hours."""

# ruff: noqa: F811 (the `rig` fixture is imported, and the helpers take it by that name)
from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from campaigns.engine.ab import assign, started
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentState
from hub.domain.events import Event
from hub.domain.parties import Person
from tests.campaigns.test_campaign_delivery import Rig, rig  # noqa: F401 (the fixture)

PERSONS = 400
AB: dict[str, Any] = {
    "test_share": 50, "metric": "replies", "decide_after_hours": 1,
    "variants": [{"key": "A", "subject": "Our spring news"},
                 {"key": "B", "subject": "20% off this week", "sender_name": "Anna of Shop"}]}


async def population(rig: Rig) -> list[Person]:
    opted_in = {"email": ConsentState(status="opted_in")}
    people = [Person(id=new_id(), name=f"Reader {i}", emails=[f"r{i}@x.example"],
                     consent=opted_in) for i in range(PERSONS)]
    for person in people:
        await rig.store.persons.insert(person)
    return people


async def send_while(rig: Rig, campaign_id: str, done: Any) -> None:
    """Run a worker until `done(counts)` holds."""
    stop = asyncio.Event()
    task = asyncio.create_task(rig.worker(concurrency=16).run(stop))
    try:
        for _ in range(600):
            if done(await rig.store.deliveries.counts(campaign_id)):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(await rig.store.deliveries.counts(campaign_id))
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def reply(rig: Rig, person_ids: Iterable[str]) -> None:
    for person_id in person_ids:
        await rig.store.events.append(Event(
            id=new_id(), person_id=person_id, channel="email", direction="inbound",
            text="Yes please", occurred_at=utcnow()))


async def two_hours_later(rig: Rig, campaign: Campaign) -> None:
    """The decision time comes: the launch and the rest group's wait moved back."""
    stored = await rig.store.campaigns.get(campaign.id)
    assert stored is not None and stored.launched_at is not None
    await rig.store.campaigns.replace(stored.model_copy(update={
        "launched_at": stored.launched_at - timedelta(hours=2)}))
    for delivery in await rig.store.deliveries.with_status(campaign.id, ["queued"],
                                                           limit=PERSONS):
        assert delivery.variant == "rest" and delivery.not_before is not None
        await rig.store.deliveries.update(delivery.model_copy(update={
            "not_before": delivery.not_before - timedelta(hours=2)}), owner=None)


async def run_test(rig: Rig, reply_rates: dict[str, int]) -> tuple[Campaign, dict[str, str]]:
    """Launch, send the test group, let every `reply_rates[variant]`-th reader of each
    variant reply (every 10th: 10 %), then decide and send the rest. Returns the finished
    campaign and each person's variant."""
    people = await population(rig)
    campaign = await rig.launch(channels=["email"], ab=AB)
    expected = sum(assign(campaign, p.id)[0] != "rest" for p in people)
    await send_while(rig, campaign.id, lambda c: c.get("sent") == expected)
    await asyncio.sleep(0.3)  # the rest waits: nothing more is sent before the decision
    assert (await rig.store.deliveries.counts(campaign.id)).get("sent") == expected
    variants: dict[str, list[str]] = {"A": [], "B": []}
    for delivery in await rig.store.deliveries.with_status(campaign.id, ["sent"],
                                                           limit=PERSONS):
        assert delivery.variant in variants
        variants[delivery.variant].append(delivery.person_id)
    test_group = sum(map(len, variants.values()))
    assert PERSONS * 0.35 < test_group < PERSONS * 0.65  # about half: the test share
    assert min(map(len, variants.values())) >= 60
    for key, every in reply_rates.items():
        await reply(rig, variants[key][::every])
    figures = await rig.campaigns.ab_results(campaign.id)
    assert figures["decided"] is False and figures["winner"] is None

    await two_hours_later(rig, campaign)
    await send_while(rig, campaign.id, lambda c: c.get("sent") == PERSONS)
    done = await rig.store.campaigns.get(campaign.id)
    assert done is not None and done.ab_decision is not None
    who = {pid: key for key, pids in variants.items() for pid in pids}
    return done, who


async def received(rig: Rig) -> dict[str, tuple[str, str]]:
    """Subject and From name per recipient address."""
    return {m["To"]: (m["Subject"], parseaddr(m["From"])[0]) for m in rig.sink.received}


async def test_a_truly_better_variant_wins_and_the_rest_get_it(rig: Rig) -> None:
    done, variant_of = await run_test(rig, {"A": 10, "B": 2})  # 10 % against 50 %
    assert done.ab_decision is not None and done.ab_decision.winner == "B"
    assert done.ab_decision.p_value is not None and done.ab_decision.p_value < 0.025
    mails = await received(rig)
    assert len(mails) == PERSONS  # everyone once: the test group and the rest
    rest = await rig.store.deliveries.with_status(done.id, ["sent"], limit=PERSONS)
    for delivery in rest:
        person = await rig.store.persons.get(delivery.person_id)
        assert person is not None
        subject, sender = mails[person.emails[0]]
        if delivery.person_id in variant_of:
            assert delivery.variant == variant_of[delivery.person_id]
        else:
            assert delivery.variant == "rest:B"
        if delivery.variant in ("B", "rest:B"):
            assert (subject, sender) == ("20% off this week", "Anna of Shop")
        else:
            assert subject == "Our spring news" and sender == ""
    assert sum(d.variant == "rest:B" for d in rest) >= PERSONS * 0.35
    results = await rig.campaigns.ab_results(done.id)
    assert results["decided"] and results["winner"] == "B"
    assert {v["key"]: v["sent"] for v in results["variants"]} == {
        k: sum(1 for v in variant_of.values() if v == k) for k in ("A", "B")}
    assert started(done) < done.ab_decision.decided_at


async def test_equal_variants_declare_no_winner_and_the_rest_get_a(rig: Rig) -> None:
    done, _ = await run_test(rig, {"A": 5, "B": 5})  # 20 % each
    assert done.ab_decision is not None and done.ab_decision.winner is None
    rest = [d for d in await rig.store.deliveries.with_status(done.id, ["sent"],
                                                              limit=PERSONS)
            if d.variant and d.variant.startswith("rest")]
    assert rest and {d.variant for d in rest} == {"rest:A"}
    results = await rig.campaigns.ab_results(done.id)
    assert results["winner"] is None and results["p_value"] > 0.05


async def test_a_variant_template_must_fit_the_campaign(rig: Rig) -> None:
    from hub.errors import InvalidInput

    sms = MessageTemplate(id=new_id(), name="SMS B", channel="sms", body="B")
    await rig.store.templates.insert(sms)
    ab = {**AB, "variants": [{"key": "A"}, {"key": "B", "templates": {"sms": sms.id}}]}
    try:
        await rig.launch(channels=["email"], ab=ab, templates={"email": (
            await rig.templates())["email"]})
    except InvalidInput as exc:
        assert exc.details["field"] == "ab.variants.B.templates.sms"
    else:
        raise AssertionError("a variant replacing a template the campaign lacks was taken")
