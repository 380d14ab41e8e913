"""A campaign over a few hundred demo persons, sent through the real email adapter to an
aiosmtpd server and through the real SMS adapter (the twilio SDK) to the fake Twilio API:
every eligible person gets exactly one message on the right channel, nobody else gets any,
skipped persons carry a reason, bodies are personalised and the unsubscribe headers are
there. Also: `one_per_household`, `rate_per_minute` on the throttle's (virtual) clock, and a
pause that stops sending within a second."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from aiosmtpd.controller import Controller

from campaigns.engine.dispatch import Worker
from campaigns.engine.lifecycle import CampaignService
from campaigns.unsubscribe import UnsubscribeTokens
from hub.config import Settings, load_settings
from hub.demo import generate_demo
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentState
from hub.domain.parties import Household, Person
from hub.domain.sending import MarketingRules
from hub.errors import Conflict
from hub.ports import ChannelAdapter, Store
from hub.services.outbound import RetryPolicy
from hub.services.persons import PersonInput
from hub.services.webhooks import WebhookService, WebhookWorker
from hub.store import create_store
from hub.wiring import Components, assemble, build_adapters, build_worker, dispatch_config
from tests.channels.email.servers import SmtpSink, free_port
from tests.channels.sms.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_URL,
    FakeTwilio,
)

EVERYONE: dict[str, Any] = {"field": "name", "op": "exists", "value": True}


@dataclass
class Rig:
    settings: Settings
    store: Store
    sink: SmtpSink
    twilio: FakeTwilio
    adapters: dict[str, ChannelAdapter]
    components: Components
    campaigns: CampaignService

    def worker(self, **config: Any) -> Worker:
        base = dataclasses.replace(dispatch_config(self.settings), poll_s=0.05, **config)
        return build_worker(self.components, base)

    async def templates(self) -> dict[str, str]:
        mail = MessageTemplate(
            id=new_id(), name="News", channel="email",
            subject="News for {{ person.first_name }}",
            body="Dear {{ person.name }},\nour news. Unsubscribe: {{ unsubscribe_url }}\n",
            html="<p>Dear {{ person.name }}</p>")
        sms = MessageTemplate(id=new_id(), name="News SMS", channel="sms",
                              body="Hi {{ person.first_name }}, our news!")
        for template in (mail, sms):
            await self.store.templates.insert(template)
        return {"email": mail.id, "sms": sms.id}

    async def launch(self, **fields: Any) -> Campaign:
        campaign = await self.campaigns.create(Campaign(
            id=new_id(), name="Spring", **{"filter": EVERYONE, "templates":
                                           await self.templates(), **fields}))
        return await self.campaigns.launch(campaign.id)

    async def run_until(self, worker: Worker, campaign_id: str, status: str = "completed",
                        within_s: float = 30) -> Campaign:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            for _ in range(int(within_s / 0.05)):
                campaign = await self.store.campaigns.get(campaign_id)
                assert campaign is not None
                if campaign.status == status:
                    return campaign
                await asyncio.sleep(0.05)
            raise AssertionError(await self.store.deliveries.counts(campaign_id))
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

    async def persons(self) -> list[Person]:
        found: list[Person] = []
        while page := await self.store.persons.find(
                limit=200, after_id=found[-1].id if found else None):
            found += page
        return found


@pytest.fixture
async def rig(tmp_path: Path,
              aiohttp_server: Callable[..., Awaitable[TestServer]]) -> AsyncIterator[Rig]:
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    twilio = FakeTwilio()
    server = await aiohttp_server(twilio.app())
    settings = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_PUBLIC_URL": PUBLIC_URL, "HUB_SECRET_KEY": "k" * 32,
        "HUB_EMAIL_FROM": "news@shop.example", "HUB_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "HUB_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "HUB_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HUB_TWILIO_FROM": FROM_NUMBER, "HUB_TWILIO_WHATSAPP_FROM": FROM_NUMBER,
        "HUB_TWILIO_API_BASE": str(server.make_url("")).rstrip("/")}, dotenv=None)
    store = await create_store(settings)
    adapters = build_adapters(settings)
    assert {type(a).__name__ for a in adapters.values()}.isdisjoint({"OutboxAdapter"})
    components = assemble(store, settings, adapters, retry=RetryPolicy(delays_s=(0.01,)))
    try:
        yield Rig(settings, store, sink, twilio, adapters, components, CampaignService(store))
    finally:
        for adapter in adapters.values():
            await adapter.close()
        await store.close()
        controller.stop()


def expected_channel(person: Person) -> tuple[str | None, str | None]:
    """The rule, written out independently of the engine: the person's own sendable channel,
    then email, then SMS; the first with an address and an opt-in (require_opt_in) wins."""
    order: list[str] = []
    for channel in (person.preferred_channel, "email", "sms"):
        if channel in ("email", "sms") and channel not in order:
            order.append(channel)
    for channel in order:
        addresses = person.emails if channel == "email" else person.phones
        consent = person.consent.get(channel)  # type: ignore[call-overload]
        if addresses and consent is not None and consent.status == "opted_in":
            return channel, addresses[0]
    return None, None


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


async def test_demo_campaign_reaches_each_person_once_on_the_right_channel(rig: Rig) -> None:
    await generate_demo(rig.store, persons=300, seed=6)
    campaign = await rig.launch(channels=["preferred", "email", "sms"], require_opt_in=True)
    done = await rig.run_until(rig.worker(concurrency=16), campaign.id)

    persons = await rig.persons()
    assert len(persons) == 300
    mails = Counter(to for _, tos, _ in rig.sink.envelopes for to in tos)
    texts = Counter(m.to for m in rig.twilio.messages)
    assert max(mails.values()) == 1 and max(texts.values()) == 1
    by_address = {m["To"]: m for m in rig.sink.received}
    raw = {tos[0]: data for _, tos, data in rig.sink.envelopes}
    by_number = {m.to: m for m in rig.twilio.messages}
    wanted: Counter[str] = Counter()
    for person in persons:
        channel, address = expected_channel(person)
        wanted[channel or "none"] += 1
        delivery = await rig.store.deliveries.for_person(campaign.id, person.id)
        assert delivery is not None, person
        first = person.name.split()[0]
        if channel is None:
            assert delivery.status == "skipped" and delivery.reason, delivery
            assert not set(person.emails) & set(mails) and not set(person.phones) & set(texts)
            continue
        assert (delivery.status, delivery.channel) == ("sent", channel), (person, delivery)
        assert delivery.provider_id and delivery.event_id
        other = person.phones if channel == "email" else person.emails
        assert not set(other) & (set(texts) | set(mails)), "a second channel was used"
        for kind in ("email", "sms"):
            state = person.consent.get(kind)  # type: ignore[call-overload]
            addresses = person.emails if kind == "email" else person.phones
            if state is not None and state.status == "opted_out":
                assert not set(addresses) & (set(mails) | set(texts)), "sent to an opt-out"
        event = await rig.store.events.get(delivery.event_id)
        assert event is not None and event.campaign_id == campaign.id
        assert event.external_id == delivery.provider_id and event.to == address
        if channel == "email":
            message = by_address[address]
            assert message["Subject"] == f"News for {first}"
            assert f"Dear {person.name}," in plain_text(message)
            unsubscribe = message["List-Unsubscribe"]
            assert f"<{PUBLIC_URL}/u/" in unsubscribe and "<mailto:unsubscribe@" in unsubscribe
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert unsubscribe.split(",")[0].strip("<>") in plain_text(message)
            # a URI list as RFC 2369 wants it, never RFC 2047 encoded words
            assert f"List-Unsubscribe: <{PUBLIC_URL}/u/".encode() in raw[address]
        else:
            assert by_number[address].body == f"Hi {first}, our news!"
            assert by_number[address].sender == FROM_NUMBER
    # a mixed audience: both channels used, and some persons skipped
    assert wanted["email"] > 50 and wanted["sms"] > 10 and wanted["none"] > 10, wanted
    assert sum(mails.values()) == wanted["email"] and sum(texts.values()) == wanted["sms"]
    stats = await rig.campaigns.stats(done)
    assert stats["audience"] == 300 and stats["sent"] == wanted["email"] + wanted["sms"]
    assert stats["skipped"] == wanted["none"] and stats["failed"] == stats["unknown"] == 0
    assert stats["progress"] == 1.0
    assert await rig.store.events.count_campaign_persons(
        campaign.id, direction="outbound") == stats["sent"]


async def test_one_per_household_sends_one_letter_per_family(rig: Rig) -> None:
    opted_in = {"email": ConsentState(status="opted_in")}
    opted_out = {"email": ConsentState(status="opted_out")}
    family, flat, empty = (Household(id=new_id(), name=n) for n in ("Family", "Flat", "Empty"))
    for household in (family, flat, empty):
        await rig.store.households.insert(household)
    ids = sorted(new_id() for _ in range(8))  # in id order: the rule picks the first eligible
    people = [
        Person(id=ids[0], name="Opted Out", household_id=family.id, emails=["a@x.example"],
               consent=opted_out),
        Person(id=ids[1], name="Mum", household_id=family.id, emails=["mum@x.example"],
               consent=opted_in),
        Person(id=ids[2], name="Dad", household_id=family.id, emails=["dad@x.example"],
               consent=opted_in),
        Person(id=ids[3], name="Lodger", household_id=flat.id, emails=["l@x.example"],
               consent=opted_in),
        Person(id=ids[4], name="Nobody", household_id=empty.id, consent=opted_in),
        Person(id=ids[5], name="Single", emails=["s1@x.example"], consent=opted_in),
        Person(id=ids[6], name="Other Single", emails=["s2@x.example"], consent=opted_in),
        Person(id=ids[7], name="Kid", household_id=family.id, emails=["kid@x.example"],
               consent=opted_in),
    ]
    for person in people:
        await rig.store.persons.insert(person)
    campaign = await rig.launch(channels=["email"], one_per_household=True)
    await rig.run_until(rig.worker(), campaign.id)
    received = sorted(to for _, tos, _ in rig.sink.envelopes for to in tos)
    assert received == sorted(["mum@x.example", "l@x.example", "s1@x.example",
                               "s2@x.example"])
    for person in (people[2], people[7]):  # the family's other members: no delivery at all
        assert await rig.store.deliveries.for_person(campaign.id, person.id) is None


class VirtualClock:
    """The throttle's clock, advanced by its own sleeps: no wall time passes."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        target = self.t + seconds  # the limiter asks right after reading now()
        self.slept.append(seconds)
        await asyncio.sleep(0)
        self.t = max(self.t, target)


async def test_rate_per_minute_spaces_sends_on_the_throttle_clock(rig: Rig) -> None:
    n, per_minute = 6, 30
    for i in range(n):
        await rig.store.persons.insert(Person(id=new_id(), name=f"P{i}",
                                              emails=[f"p{i}@x.example"]))
    campaign = await rig.launch(channels=["email"], rate_per_minute=per_minute)
    clock = VirtualClock()
    worker = Worker(rig.store, rig.components.services.outbound,
                    UnsubscribeTokens(rig.settings.secret_key),
                    dataclasses.replace(dispatch_config(rig.settings), poll_s=0.05,
                                        concurrency=n), clock=clock)
    started = asyncio.get_running_loop().time()
    await rig.run_until(worker, campaign.id)
    assert len(rig.sink.envelopes) == n
    # n sends at `per_minute` are n - 1 intervals of 60 / per_minute s: about n/R minutes
    assert clock.t - 1000.0 == pytest.approx((n - 1) * 60 / per_minute)
    assert len(clock.slept) == n - 1
    assert asyncio.get_running_loop().time() - started < 10  # and no wall time was spent


async def test_pause_takes_effect_within_a_second_and_resume_finishes(rig: Rig) -> None:
    n = 120
    for i in range(n):
        await rig.store.persons.insert(Person(id=new_id(), name=f"P{i}",
                                              emails=[f"p{i}@x.example"]))
    campaign = await rig.launch(channels=["email"], rate_per_minute=2400)  # 40/s: 3 s
    stop = asyncio.Event()
    worker = rig.worker(concurrency=8)
    task = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(500):  # wait until it is well under way
            if len(rig.sink.envelopes) >= 20:
                break
            await asyncio.sleep(0.02)
        await rig.campaigns.pause(campaign.id)
        await asyncio.sleep(1.0)
        after_a_second = len(rig.sink.envelopes)
        await asyncio.sleep(1.0)
        assert len(rig.sink.envelopes) == after_a_second < n, "still sending after a second"
        counts = await rig.store.deliveries.counts(campaign.id)
        assert counts.get("leased") == counts.get("sending") == 0, counts.by_status
        assert counts.get("sent") == after_a_second
        await rig.campaigns.resume(campaign.id)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    await rig.run_until(rig.worker(concurrency=8), campaign.id)
    received = Counter(to for _, tos, _ in rig.sink.envelopes for to in tos)
    assert len(received) == n and set(received.values()) == {1}


async def test_an_undeliverable_address_is_skipped_for_the_reason_a_reply_is_refused(
        rig: Rig) -> None:
    bounced = Person(id=new_id(), name="Bea Bounce", emails=["gone@x.example"],
                     attributes={"email_undeliverable": "gone@x.example"})
    fine = Person(id=new_id(), name="Fay Fine", emails=["fay@x.example"])
    for person in (bounced, fine):
        await rig.store.persons.insert(person)
    campaign = await rig.launch(channels=["email"])
    await rig.run_until(rig.worker(), campaign.id)
    assert [to for _, tos, _ in rig.sink.envelopes for to in tos] == ["fay@x.example"]
    delivery = await rig.store.deliveries.for_person(campaign.id, bounced.id)
    assert delivery is not None and delivery.status == "skipped"
    assert delivery.reason is not None and "undeliverable" in delivery.reason
    with pytest.raises(Conflict) as refused:
        await rig.components.services.messaging.send_to_person(
            bounced.id, channel="email", text="Hallo")
    assert refused.value.message == delivery.reason


async def test_a_campaign_sms_refused_as_unsubscribed_opts_the_number_out(rig: Rig) -> None:
    services = rig.components.services
    sam = await services.persons.create(PersonInput(name="Sam Stop", phones=["0612345678"]))
    rig.twilio.unsubscribed.add("+31612345678")  # STOP was sent to the carrier, not to us
    campaign = await rig.launch(channels=["sms"])
    await rig.run_until(rig.worker(), campaign.id)
    delivery = await rig.store.deliveries.for_person(campaign.id, sam.id)
    assert delivery is not None and delivery.status == "failed"
    assert "21610" in (delivery.reason or "")
    person = await rig.store.persons.get(sam.id)
    assert person is not None and person.consent_for("sms").status == "opted_out"
    timeline = await services.timeline.page("person", sam.id, limit=10)
    consent_events = [e for e in timeline.items if e.channel == "system"]
    assert len(consent_events) == 1 and "twilio:21610" in str(consent_events[0].to_json())


async def test_refused_credentials_pause_the_campaign_until_an_operator_resumes_it(
        rig: Rig) -> None:
    for i in range(3):
        await rig.components.services.persons.create(
            PersonInput(name=f"P{i}", phones=[f"061234567{i}"]))
    rig.twilio.auth_token = "rotated-by-someone-else"  # our token no longer works
    campaign = await rig.launch(channels=["sms"])
    paused = await rig.run_until(rig.worker(), campaign.id, status="paused")
    assert "HUB_TWILIO_AUTH_TOKEN" in (paused.paused_reason or "")
    counts = await rig.store.deliveries.counts(campaign.id)
    assert counts.get("queued") == 3 and counts.get("failed") == 0, counts.by_status
    rig.twilio.auth_token = AUTH_TOKEN
    resumed = await rig.campaigns.resume(campaign.id)
    assert resumed.paused_reason is None
    await rig.run_until(rig.worker(), campaign.id)
    assert len(rig.twilio.messages) == 3


def ruled(rig: Rig, rules: MarketingRules) -> Rig:
    """The rig with its outbound path under other marketing rules."""
    rig.components.services.outbound.rules = rules
    return rig


async def test_quiet_hours_defer_a_campaign_message_and_lose_nothing(rig: Rig) -> None:
    person = Person(id=new_id(), name="Nina Night", emails=["nina@x.example"])
    await rig.store.persons.insert(person)
    always_quiet = MarketingRules(quiet_hours=(time(0), time(23, 59)), cap=None)
    ruled(rig, always_quiet)
    campaign = await rig.launch(channels=["email"])
    stop = asyncio.Event()
    task = asyncio.create_task(rig.worker().run(stop))
    try:
        for _ in range(200):
            delivery = await rig.store.deliveries.for_person(campaign.id, person.id)
            if delivery is not None and delivery.not_before is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert delivery is not None and delivery.status == "queued"
    assert delivery.not_before is not None and delivery.not_before > utcnow()
    assert "quiet hours" in (delivery.reason or "")
    assert rig.sink.envelopes == []
    ruled(rig, MarketingRules(quiet_hours=None, quiet_days=frozenset(), cap=None))
    await rig.store.deliveries.update(delivery.model_copy(update={"not_before": utcnow()}),
                                      owner=None)  # as if the night had passed
    await rig.run_until(rig.worker(), campaign.id)
    assert [to for _, tos, _ in rig.sink.envelopes for to in tos] == ["nina@x.example"]


async def test_the_frequency_cap_skips_a_person_who_had_enough_this_week(rig: Rig) -> None:
    busy = await rig.components.services.persons.create(
        PersonInput(name="Bo Busy", emails=["bo@x.example"]))
    calm = await rig.components.services.persons.create(
        PersonInput(name="Cas Calm", emails=["cas@x.example"]))
    ruled(rig, MarketingRules(cap=1, quiet_hours=None, quiet_days=frozenset()))
    first = await rig.launch(channels=["email"], filter={"field": "name", "op": "eq",
                                                         "value": "Bo Busy"})
    await rig.run_until(rig.worker(), first.id)
    second = await rig.launch(channels=["email"])
    await rig.run_until(rig.worker(), second.id)
    skipped = await rig.store.deliveries.for_person(second.id, busy.id)
    assert skipped is not None and skipped.status == "skipped"
    assert "frequency cap" in (skipped.reason or "")
    sent = await rig.store.deliveries.for_person(second.id, calm.id)
    assert sent is not None and sent.status == "sent"
    assert sorted(to for _, tos, _ in rig.sink.envelopes for to in tos) == [
        "bo@x.example", "cas@x.example"]
    reply = await rig.components.services.messaging.send_to_person(
        busy.id, channel="email", text="About your question")  # service: never capped
    assert reply.status == "sent"


async def test_no_send_starts_after_a_cancel_is_confirmed_at_120_per_minute(
        rig: Rig) -> None:
    n = 12
    for i in range(n):
        await rig.store.persons.insert(Person(id=new_id(), name=f"P{i}",
                                              emails=[f"p{i}@x.example"]))
    campaign = await rig.launch(channels=["email"], rate_per_minute=120)  # one per 0.5 s
    stop = asyncio.Event()
    task = asyncio.create_task(rig.worker(concurrency=8).run(stop))
    try:
        for _ in range(400):  # eight sends wait in the rate limiter by now
            if len(rig.sink.envelopes) >= 2:
                break
            await asyncio.sleep(0.02)
        await rig.campaigns.cancel(campaign.id)
        at_confirmation = len(rig.sink.envelopes)
        await asyncio.sleep(2.0)  # four more sends would have left by now
        assert len(rig.sink.envelopes) == at_confirmation, "a send started after the cancel"
        counts = await rig.store.deliveries.counts(campaign.id)
        assert counts.get("sent") == at_confirmation
        assert counts.get("cancelled") == n - at_confirmation, counts.by_status
        stats = await rig.campaigns.stats(await rig.campaigns.get(campaign.id))
        assert stats["queued"] == 0 and stats["cancelled"] == n - at_confirmation
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_a_campaign_send_tells_subscribers_it_was_sent(rig: Rig) -> None:
    """An integrator subscribed to `delivery.status` hears of campaign messages as of staff
    replies: one `sent` per message, with the campaign and the provider's id."""
    subscription = await WebhookService(rig.store, allow_private=False).create(
        "http://127.0.0.1:9/hook", ["delivery.status"])
    people = [Person(id=new_id(), name=f"P{i}", emails=[f"p{i}@x.example"]) for i in range(3)]
    for person in people:
        await rig.store.persons.insert(person)
    campaign = await rig.launch(channels=["email"])
    await rig.run_until(rig.worker(), campaign.id)
    await WebhookWorker(rig.store, poster=None, poll_s=0.0).fan_out()  # type: ignore[arg-type]
    told = [d.data for d in await rig.store.webhooks.deliveries(subscription.id, limit=50)]
    assert sorted(d["person_id"] for d in told) == sorted(p.id for p in people)
    assert {(d["status"], d["campaign_id"], d["channel"]) for d in told} == {
        ("sent", campaign.id, "email")}
    assert all(d["external_id"] for d in told)  # the SMTP message id
