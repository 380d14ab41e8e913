"""The dispatch worker: lease deliveries, render, send through the channel adapter, record.

Crash safety (DESIGN §5, §10), step by step for one delivery:
1. lease it (atomic; an expired `leased` lease means nothing was sent and is taken again);
2. choose the channel (`why_not` of the outbound path, purpose marketing) and render in the
   recipient's language (the campaign's when it has no template in theirs: a fallback,
   recorded on the delivery and counted); a template error fails this delivery only;
3. mark the delivery `sending` and record its outbound event (built by the outbound path)
   in one step, conditional on still holding the lease: a worker that lost its lease stops;
4. hand the message to the adapter through the outbound path (its retry policy);
5. store the provider's id on the event, its status, then mark the delivery `sent`.
A channel an operator must fix (bad credentials) pauses the campaign before anything is
sent: the delivery goes back to `queued` and its event is marked failed with the reason.
A `sending` delivery whose lease expired (its worker died) is reconciled, never resent:
no event yet → nothing was sent → back to `queued`; the event holds a provider id → `sent`;
otherwise the crash fell between the hand-over and the record → `unknown`, counted and
shown to staff (a later reply or bounce on that event proves it arrived).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from campaigns.engine.ab import CampaignAbTests
from campaigns.engine.audience import snapshot
from campaigns.engine.choose import Choice, choose_channel
from campaigns.engine.fresh_status import FreshStatus
from campaigns.engine.personalise import variables_from
from campaigns.engine.throttle import Clock, SharedRate
from campaigns.guardrails import REFUSED, Breach, Guardrails, check, warmup_allowance
from campaigns.preferences import with_preferences_link
from campaigns.surveys import survey_link
from campaigns.templates import CompiledTemplate, TemplateProblem, compiled
from campaigns.unsubscribe import UnsubscribeTokens
from hub.domain.campaigns import Campaign, Delivery
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event, StatusChange
from hub.domain.parties import Household, Organisation, Person, Role
from hub.errors import ChannelMisconfigured, HubError, SendFailed
from hub.i18n import DEFAULT_LANGUAGE, N_, supported
from hub.i18n.catalogues import preload
from hub.metrics import LEASES_EXPIRED
from hub.ports import SendEnd, SendReceipt, SendStart, Store
from hub.services.outbound import (
    REASONS,
    Content,
    Extras,
    OutboundPath,
    Prepared,
    ProviderTemplate,
)

log = logging.getLogger("hub.campaigns.dispatch")
CANCELLED = N_("the campaign was cancelled")
PERSON_DELETED = N_("the person was deleted")
WORKER_STOPPED = N_("the worker stopped while handing the message over; it may have been "
                    "sent, so it is not sent again")
INTERNAL_ERROR = N_("an internal error interrupted the send; it has been logged and is not "
                    "retried")
CONCURRENCY = 8  # sends in flight per worker, at least (`hub.wiring`: twice the SMTP pool)
GUARD_SHARE = 20  # the guardrail check mid-turn: at most 1/20 of a worker's time
# Every reason a delivery is stored with, as msgids (the campaign page reads them back in
# the viewer's language with `hub.i18n.text.reread`); the most general pattern last.
DELIVERY_REASONS: tuple[str, ...] = (
    CANCELLED, PERSON_DELETED, WORKER_STOPPED, INTERNAL_ERROR,
    N_("no channel of the campaign applies"), *REASONS)


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    public_url: str
    unsubscribe_mailbox: str | None = None
    batch: int = 50
    concurrency: int = CONCURRENCY
    # sends claimed in one store write without a rate: a bigger chunk is fewer commits and
    # hops and never holds up the hand-overs (chunks of `concurrency`, 8, left the loop idle
    # half the time); a crash leaves at most two chunks claimed and not handed over: `unknown`
    chunk: int = 48
    lease_s: float = 60.0
    poll_s: float = 0.5
    batches_per_turn: int = 10  # leased batches per campaign before the loop looks again
    guardrails: Guardrails = field(default_factory=Guardrails)


@dataclass(slots=True)
class Loaded:
    """What one leased batch needs, loaded up front in one query per kind (not one per
    delivery): persons, their households, first roles and those roles' organisations, and
    the campaign's templates compiled (or why they cannot be used)."""

    persons: dict[str, Person] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    templates: dict[str, CompiledTemplate | TemplateProblem] = field(default_factory=dict)
    # the templates in other languages than the campaign's, by (language, channel)
    translated: dict[tuple[str, str], CompiledTemplate | TemplateProblem] = field(
        default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)  # marketing sends within the cap window
    # A/B: the variants' own templates, by (variant key, channel)
    variants: dict[tuple[str, str], CompiledTemplate | TemplateProblem] = field(
        default_factory=dict)

    def approved(self) -> frozenset[str]:
        """Channels whose template is provider-approved (sendable outside a window)."""
        return frozenset(channel for channel, found in self.templates.items()
                         if isinstance(found, CompiledTemplate) and found.approved)

    def template(self, channel: str) -> CompiledTemplate:
        found = self.templates.get(channel)
        if found is None:
            raise TemplateProblem("template", "the template was deleted", None)
        if isinstance(found, TemplateProblem):
            raise found
        return found

    def variant_template(self, variant: str, channel: str) -> CompiledTemplate:
        """An A/B variant's own template on `channel` (the variant has one there)."""
        found = self.variants.get((variant, channel))
        if found is None:
            raise TemplateProblem("template", "the variant's template was deleted", None)
        if isinstance(found, TemplateProblem):
            raise found
        return found

    def template_for(self, campaign: Campaign, person: Person, channel: str
                     ) -> tuple[CompiledTemplate, str, bool]:
        """The template for `person` on `channel`, the language it is in, and whether it is a
        fallback: the person's language's template when the campaign has a usable one, else
        the campaign's own (a fallback when the person has another language, even one Hub
        does not know; a person without a language just gets the campaign's)."""
        default = campaign_language(campaign)
        wanted = recipient_language(person)
        if wanted and wanted != default:
            found = self.translated.get((wanted, channel))
            if isinstance(found, CompiledTemplate):
                return found, wanted, False
            return self.template(channel), default, True
        return self.template(channel), default, False


async def load(store: Store, outbound: OutboundPath, campaign: Campaign,
               deliveries: list[Delivery]) -> Loaded:
    loaded = Loaded()
    person_ids = [d.person_id for d in deliveries]
    loaded.persons = {p.id: p for p in await store.persons.get_many(person_ids)}
    loaded.sent = await outbound.sent_counts(person_ids, utcnow())
    household_ids = {p.household_id for p in loaded.persons.values() if p.household_id}
    if household_ids:
        loaded.households = {h.id: h for h in await store.households.get_many(
            sorted(household_ids))}
    for role in await store.roles.for_persons(list(loaded.persons)):
        loaded.roles.setdefault(role.person_id, role)  # in id order: the first one
    organisation_ids = {r.organisation_id for r in loaded.roles.values()}
    if organisation_ids:
        loaded.organisations = {o.id: o for o in await store.organisations.get_many(
            sorted(organisation_ids))}
    await load_templates(store, campaign, loaded)
    return loaded


async def load_templates(store: Store, campaign: Campaign, loaded: Loaded) -> None:
    """The campaign's templates compiled (or why they cannot be used): its own, its other
    languages' and its A/B variants' (the preflight renders what dispatch will)."""

    async def compiled_or_problem(template_id: str) -> CompiledTemplate | TemplateProblem | None:
        template = await store.templates.get(template_id)
        if template is None:
            return None
        try:
            return compiled(template)
        except TemplateProblem as exc:
            return exc

    for channel, template_id in campaign.templates.items():
        if (found := await compiled_or_problem(template_id)) is not None:
            loaded.templates[channel] = found
    for language, by_channel in campaign.language_templates.items():
        for channel, template_id in by_channel.items():
            # deleted: its readers get the campaign's language, counted
            if (found := await compiled_or_problem(template_id)) is not None:
                loaded.translated[(language, channel)] = found
    for variant in campaign.ab.variants if campaign.ab else []:
        for channel, template_id in variant.templates.items():
            # deleted: the variant fails on that channel, with the reason
            if (found := await compiled_or_problem(template_id)) is not None:
                loaded.variants[(variant.key, channel)] = found


def campaign_language(campaign: Campaign) -> str:
    """The language of the campaign's own templates (set when it was created)."""
    return supported(campaign.language) or DEFAULT_LANGUAGE


def recipient_language(person: Person) -> str | None:
    """The person's language as a campaign matches it: `nl-BE` is `nl`; a code Hub has
    no catalogue for is kept as written (lower case), so it finds no template and counts
    as a fallback rather than an error."""
    if not person.language:
        return None
    return supported(person.language) or person.language.strip().lower() or None


@dataclass(slots=True)
class _Ready:
    """A delivery's message on one channel, rendered and prepared, not yet started; after its
    start `delivery` is the one its start recorded."""

    delivery: Delivery
    loaded: Loaded
    variant: str | None
    prepared: Prepared
    language: tuple[str, bool]
    tried: tuple[str, ...]  # the channels tried so far, this one included
    reasons: list[str]  # why the channels before it failed


class _Stopped(Exception):
    """The campaign stopped running before a hand-over (not an error: staff asked)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Worker:
    def __init__(self, store: Store, outbound: OutboundPath, unsubscribe: UnsubscribeTokens,
                 config: DispatchConfig, *, owner: str | None = None,
                 clock: Clock | None = None) -> None:
        self._store = store
        self._outbound = outbound
        self._unsubscribe = unsubscribe
        self._config = config
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{new_id()[-8:]}"
        self._limits: dict[tuple[str, str], SharedRate] = {}
        self._clock = clock  # the rate limiters' clock (None: the wall clock)
        self._status: dict[str, str] = {}
        self._ab = CampaignAbTests(store)
        self._fresh = FreshStatus(self._read_status)  # one read for the sends asking at once
        self._guard_due: dict[str, float] = {}  # campaign id: monotonic time of the next check

    # --- the loop -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        # the message catalogues (the preference centre's footer line) are compiled before
        # the first lease, not inside one: a slow first compile must not outlast a lease
        await asyncio.to_thread(preload)
        while not stop.is_set():
            try:
                busy = await self.tick()
            except HubError as exc:  # store unavailable and the like: wait, then go on
                log.warning("dispatch tick failed", extra={"error": exc.code})
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._config.poll_s)

    async def tick(self) -> bool:
        """One pass over active campaigns; True when it did work."""
        busy = False
        now = utcnow()
        for campaign in await self._store.campaigns.with_status(["scheduled", "running"]):
            if campaign.status == "scheduled":
                if campaign.send_at is None or campaign.send_at <= now:
                    await self._store.campaigns.set_status(campaign.id, "running",
                                                           expected=["scheduled"])
                    busy = True
                continue
            busy = await self.work_on(campaign) or busy
        return busy

    async def work_on(self, campaign: Campaign) -> bool:
        """Send leased deliveries `concurrency` at a time. The next batch is leased (and its
        records loaded) while the current one drains, so sends keep flowing; at most
        `batches_per_turn` batches per call, then the loop looks at every campaign again.

        Without a rate the sends go in chunks of `chunk`: a chunk's messages are
        rendered and their starts recorded in one store write while the chunk before is
        handed over, and the ends gathered so far go in that same write, before the starts
        (or in one of their own when a chunk's worth has gathered). A worker killed
        meanwhile leaves at most two chunks started and not handed over, and the ends not
        yet written: all of those are reconciled to `unknown`, never sent again."""
        if not campaign.snapshot_complete:
            await self._snapshot(campaign)
            return True
        await self._reconcile(campaign)
        if await self._guarded(campaign):
            return True
        first = await self._next_batch(campaign)
        if not first:
            await self._maybe_complete(campaign)
            return False
        self._status[campaign.id] = "running"
        watcher = asyncio.create_task(self._watch(campaign.id))
        queue = deque(first)
        turns = 1
        more: asyncio.Task[None] | None = None
        chunked = not campaign.rate_per_minute  # a rate's slots go one send at a time
        size = self._config.chunk
        started: deque[_Ready] = deque()
        ends: list[SendEnd] = []
        starting: asyncio.Task[None] | None = None

        async def refill() -> None:
            nonlocal turns
            if await self._guarded(campaign, when_due=True):
                turns = self._config.batches_per_turn
                return
            batch = await self._next_batch(campaign)
            queue.extend(batch)
            turns = turns + 1 if batch else self._config.batches_per_turn  # none left: stop

        async def record_ends() -> None:
            if ends:
                done, ends[:] = list(ends), []
                await self._store.deliveries.finish_send_many(done, owner=self.owner)

        async def start_chunk() -> None:
            chunk: list[_Ready] = []
            while queue and len(chunk) < size:
                delivery, loaded = queue.popleft()
                if self._status.get(campaign.id) != "running":
                    await self._release(delivery, self._status.get(campaign.id))
                elif (ready := await self._ready(campaign, delivery, loaded)) is not None:
                    chunk.append(ready)
            done, ends[:] = list(ends), []
            started.extend(await self._start_many(chunk, done))

        async def runner() -> None:
            nonlocal more, starting
            while True:
                if (len(queue) <= self._config.concurrency and (more is None or more.done())
                        and turns < self._config.batches_per_turn
                        and self._status.get(campaign.id) == "running"):
                    more = asyncio.create_task(refill())
                if starting is not None and starting.done():
                    starting.result()  # raises what a failed start raised
                if chunked and queue and len(started) < size and (
                        starting is None or starting.done()):
                    starting = asyncio.create_task(start_chunk())
                if started:
                    await self._send_started(campaign, started.popleft(), ends)
                    if len(ends) >= size:
                        await record_ends()
                    continue
                if starting is not None and not starting.done():
                    await starting
                    continue
                if not queue:
                    if more is None or more.done():
                        return
                    await more
                    continue
                delivery, loaded = queue.popleft()
                if self._status.get(campaign.id) != "running":
                    await self._release(delivery, self._status.get(campaign.id))
                else:
                    await self.process(campaign, delivery, loaded)

        try:
            await asyncio.gather(*(runner() for _ in range(self._config.concurrency)))
            if more is not None:
                await more  # raises what a failed refill raised
            if starting is not None:
                await starting
        finally:
            watcher.cancel()
            try:
                await record_ends()  # sent: recorded even when something else failed
            except HubError as exc:  # left `sending`: reconciled to `unknown` later
                log.warning("recording sent campaign messages failed",
                            extra={"campaign_id": campaign.id, "error": exc.code})
        return True

    async def _start_many(self, chunk: list[_Ready], ends: list[SendEnd]) -> list[_Ready]:
        """Record the ends so far and the starts of a chunk of sends in one write; the
        ones started."""
        if not chunk:
            if ends:
                await self._store.deliveries.finish_send_many(ends, owner=self.owner)
            return []
        claims = [self._claimed(ready) for ready in chunk]
        _, results = await self._store.deliveries.record_sends(
            ends, [SendStart(claimed, ready.prepared.event) for claimed, ready in zip(
                claims, chunk, strict=True)], owner=self.owner)
        begun: list[_Ready] = []
        for ready, claimed, ok in zip(chunk, claims, results, strict=True):
            if ok:  # else another worker holds it now, or the campaign was cancelled
                ready.delivery = claimed
                begun.append(ready)
        return begun

    async def _send_started(self, campaign: Campaign, ready: _Ready,
                            ends: list[SendEnd]) -> None:
        """Hand over a send of a started chunk; its end joins `ends`. A permanent failure
        tries the delivery's next channel one write at a time, as `process` does."""
        outcome = await self._transmit(campaign, ready)
        if isinstance(outcome, SendReceipt):
            ends.append(self._end(ready, outcome))
            return
        after = None if outcome is None else await self._next_channel(campaign, ready, outcome)
        while after is not None:
            outcome = await self._send(campaign, after)
            after = None if outcome is None else await self._next_channel(campaign, after,
                                                                          outcome)

    async def _next_batch(self, campaign: Campaign) -> list[tuple[Delivery, Loaded]]:
        now = utcnow()
        limit = self._config.batch
        if campaign.warmup:
            counts = await self._store.deliveries.counts(campaign.id)
            started = counts.total - sum(counts.get(s) for s in ("queued", "skipped",
                                                                  "cancelled"))
            allowance = warmup_allowance(campaign, now, started)
            if allowance is not None:
                limit = min(limit, allowance)  # the rest waits for tomorrow's volume
        if limit <= 0:
            return []
        leased = await self._store.deliveries.lease(
            campaign.id, owner=self.owner, now=now,
            until=now + timedelta(seconds=self._config.lease_s), limit=limit)
        if not leased:
            return []
        loaded = await load(self._store, self._outbound, campaign, leased)
        return [(delivery, loaded) for delivery in leased]

    async def _watch(self, campaign_id: str) -> None:
        """Refresh the campaign's status while a batch runs: pause/cancel act within 0.5 s."""
        while True:
            await asyncio.sleep(0.25)
            self._status[campaign_id] = (await self._store.campaigns.status_of(campaign_id)
                                         or "cancelled")

    async def _guarded(self, campaign: Campaign, *, when_due: bool = False) -> bool:
        """The deliverability guardrails: True when the campaign was paused (now or by
        another worker) because a rate went past its limit. The check counts the whole
        campaign, so its cost grows with the audience: between the leased batches of one
        turn (`when_due`) it runs again only after GUARD_SHARE times its last duration has
        passed (it takes at most 1/GUARD_SHARE of the worker's time); every turn starts
        with one."""
        started = time.monotonic()
        if when_due and started < self._guard_due.get(campaign.id, 0.0):
            return False
        breach = await check(self._store, self._config.guardrails, campaign)
        self._guard_due[campaign.id] = time.monotonic() + GUARD_SHARE * (
            time.monotonic() - started)
        if breach is None:
            return False
        self._status[campaign.id] = "paused"
        paused = await self._store.campaigns.set_status(
            campaign.id, "paused", expected=["running"],
            fields={"paused_reason": breach.reason(), "paused_guard": breach.to_doc()})
        if paused is not None:
            await self._tell_staff(campaign, breach)
        return True

    async def _tell_staff(self, campaign: Campaign, breach: Breach) -> None:
        log.warning("campaign paused by a deliverability guardrail",
                    extra={"campaign_id": campaign.id, "guardrail": breach.kind,
                           "rate": round(breach.rate, 4), "sent": breach.sent})
        await self._store.events.append(Event(
            id=new_id(), channel="system", direction="internal", campaign_id=campaign.id,
            subject=campaign.name, text=breach.reason(),
            data={"guardrail": breach.to_doc(), "campaign_id": campaign.id}))

    async def _snapshot(self, campaign: Campaign) -> None:
        """Idempotent (unique keys), so a worker killed mid-snapshot or two workers at once
        are harmless: whoever finishes marks it complete."""
        await snapshot(self._store, campaign)
        counts = await self._store.deliveries.counts(campaign.id)
        await self._store.campaigns.set_status(
            campaign.id, "running", expected=["running"],
            fields={"snapshot_complete": True, "audience": counts.total})
        log.info("campaign audience snapshot", extra={"campaign_id": campaign.id,
                                                      "audience": counts.total})

    async def _maybe_complete(self, campaign: Campaign) -> None:
        counts = await self._store.deliveries.counts(campaign.id)
        if counts.get("queued") + counts.get("leased") + counts.get("sending") == 0:
            await self._store.campaigns.set_status(campaign.id, "completed",
                                                   expected=["running"],
                                                   fields={"finished_at": utcnow()})

    async def _release(self, delivery: Delivery, campaign_status: str | None) -> None:
        """Give back a delivery leased but not started: it waits for a resume, or is
        cancelled with its campaign."""
        cancelled = campaign_status == "cancelled"
        await self._store.deliveries.update(delivery.model_copy(update={
            "status": "cancelled" if cancelled else "queued", "lease_owner": None,
            "lease_until": None, "reason": CANCELLED if cancelled
            else delivery.reason}), owner=self.owner)

    # --- reconciliation of crashed sends ------------------------------------------------

    async def _reconcile(self, campaign: Campaign) -> None:
        now = utcnow()
        stale = await self._store.deliveries.stale_sending(
            campaign.id, owner=self.owner, now=now,
            until=now + timedelta(seconds=self._config.lease_s), limit=100)
        LEASES_EXPIRED.inc(len(stale))
        for delivery in stale:
            event = await self._store.events.get(delivery.event_id) if delivery.event_id else None
            if event is None:
                update = {"status": "queued", "lease_owner": None, "lease_until": None,
                          "event_id": None, "reason": None}
            elif event.external_id:
                update = {"status": "sent", "provider_id": event.external_id}
            else:
                update = {"status": "unknown", "reason": WORKER_STOPPED}
                await self._store.events.add_status(event.id, StatusChange(
                    status="unknown", detail="send outcome unknown after a worker crash"))
            await self._store.deliveries.update(delivery.model_copy(update=update),
                                                owner=self.owner)

    # --- one delivery -------------------------------------------------------------------

    async def process(self, campaign: Campaign, delivery: Delivery,
                      loaded: Loaded | None = None) -> None:
        """One delivery from its lease to its end, one store write at a time (a campaign
        with a rate, or a delivery on its own)."""
        if loaded is None:
            loaded = await load(self._store, self._outbound, campaign, [delivery])
        ready = await self._ready(campaign, delivery, loaded)
        while ready is not None:
            outcome = await self._send(campaign, ready)
            ready = None if outcome is None else await self._next_channel(campaign, ready,
                                                                          outcome)

    async def _ready(self, campaign: Campaign, delivery: Delivery, loaded: Loaded,
                     after: _Ready | None = None) -> _Ready | None:
        """The message for the delivery's next channel (after `after`'s, which failed),
        rendered and prepared; None when the delivery ended here (skipped, failed, held,
        waiting for the A/B decision)."""
        person = loaded.persons.get(delivery.person_id)
        variant = after.variant if after is not None else None
        if after is None and campaign.ab is not None and person is not None:
            chosen = await self._ab.variant_for(campaign, delivery, utcnow())
            if isinstance(chosen, datetime):  # the rest group waits for the A/B decision
                await self._store.deliveries.update(delivery.model_copy(update={
                    "status": "queued", "lease_owner": None, "lease_until": None,
                    "not_before": chosen}), owner=self.owner)
                return None
            variant = chosen
            delivery = delivery.model_copy(update={"variant": variant})
        tried = after.tried if after is not None else ()
        reasons = after.reasons if after is not None else []
        choice = (choose_channel(campaign, person, exclude=tried, approved=loaded.approved())
                  if person else Choice(None, PERSON_DELETED))
        if choice.channel is None or person is None:
            status = "failed" if reasons else "skipped"
            why = "; ".join([*reasons, choice.reason or ""]).strip("; ")
            await self._finish(delivery, status=status, reason=why)
            return None
        if not tried and await self._held(delivery, person, loaded):
            return None
        tried += (choice.channel,)
        token = self._unsubscribe.make(person.id, campaign.id)
        try:
            content, language = await self._render(campaign, person, loaded,
                                                   choice.channel, token, variant)
        except TemplateProblem as exc:
            if campaign.preflight_skip:  # staff chose at launch to skip these persons
                await self._finish(delivery, status="skipped", channel=choice.channel,
                                   reason=f"the template fails for this person "
                                          f"({exc.message}); skipped as chosen at launch")
            else:
                await self._finish(delivery, status="failed", reason=exc.message,
                                   channel=choice.channel)
            return None
        data = {"delivery_id": delivery.id, **({"ab_variant": variant} if variant else {})}
        prepared = self._outbound.prepare(person, choice.channel, content, Extras(
            purpose="marketing", campaign_id=campaign.id, data=data,
            headers=self._headers(choice.channel, token),
            sender_name=self._sender_name(campaign, variant)), address=choice.address)
        return _Ready(delivery, loaded, variant, prepared, language, tried, reasons)

    async def _next_channel(self, campaign: Campaign, ready: _Ready,
                            outcome: str) -> _Ready | None:
        """The send on `ready`'s channel failed for good: the next channel, if any."""
        ready.reasons.append(f"{ready.prepared.event.channel}: {outcome}")
        return await self._ready(campaign, ready.delivery, ready.loaded, after=ready)

    async def _held(self, delivery: Delivery, person: Person, loaded: Loaded) -> bool:
        """The frequency cap skips the delivery; quiet hours put it back in the queue until
        they end for the person (nothing is sent, nothing is lost)."""
        hold = self._outbound.hold(person, utcnow(), loaded.sent.get(person.id, 0))
        if hold is None:
            return False
        if hold.until is None:
            await self._finish(delivery, status="skipped", reason=hold.reason)
        else:
            await self._store.deliveries.update(delivery.model_copy(update={
                "status": "queued", "lease_owner": None, "lease_until": None,
                "not_before": hold.until, "reason": hold.reason}), owner=self.owner)
        return True

    @staticmethod
    def _sender_name(campaign: Campaign, variant: str | None) -> str | None:
        if campaign.ab is None or variant is None:
            return None
        return campaign.ab.variant(variant).sender_name

    async def _render(self, campaign: Campaign, person: Person, loaded: Loaded,
                      channel: str, token: str, variant: str | None = None
                      ) -> tuple[Content, tuple[str, bool]]:
        """The content, and its language with whether that is a fallback. An A/B variant's
        own template on this channel goes to every reader of the variant (it is written in
        one language), its subject line replaces the template's."""
        template, language, fallback = loaded.template_for(campaign, person, channel)
        spec = campaign.ab.variant(variant) if campaign.ab and variant else None
        if spec is not None and channel in spec.templates:
            template = loaded.variant_template(spec.key, channel)
            language, fallback = campaign_language(campaign), False
        survey_url = None
        if campaign.kind == "survey" and campaign.survey_id:
            survey_url = await survey_link(
                self._store, self._config.public_url, campaign.survey_id, person.id,
                send_key=f"campaign:{campaign.id}", campaign_id=campaign.id)
        role = loaded.roles.get(person.id)
        preferences_url = (f"{self._config.public_url}/p/"
                           f"{self._unsubscribe.preferences.make(person.id, campaign.id)}")
        variables = variables_from(
            campaign, person, household=loaded.households.get(person.household_id or ""),
            role=role, organisation=loaded.organisations.get(role.organisation_id)
            if role else None, unsubscribe_url=f"{self._config.public_url}/u/{token}",
            survey_url=survey_url, preferences_url=preferences_url)
        rendered = template.render(variables)
        provider = (ProviderTemplate(rendered.content_sid, rendered.content_variables or {})
                    if rendered.content_sid else None)
        text, html = rendered.text, rendered.html
        subject = spec.subject if spec is not None and spec.subject else rendered.subject
        if channel == "email":
            text, html = with_preferences_link(text, html, preferences_url, language)
        return (Content(text=text, subject=subject, html=html, template=provider),
                (language, fallback))

    def _claimed(self, ready: _Ready) -> Delivery:
        """The delivery as its send's start records it."""
        event, delivery = ready.prepared.event, ready.delivery
        return delivery.model_copy(update={
            "status": "sending", "channel": event.channel, "event_id": event.id,
            "attempts": delivery.attempts + 1,
            "language": ready.language[0], "language_fallback": ready.language[1],
            "lease_until": utcnow() + timedelta(seconds=self._config.lease_s)})

    async def _send(self, campaign: Campaign, ready: _Ready) -> str | None:
        """Send on one channel; None when done, else the permanent failure's reason."""
        limiter = self._limiter(campaign, ready.prepared.event.channel)
        if limiter is not None:  # wait for the rate's slot while the delivery is only leased:
            await limiter.acquire()  # a cancel meanwhile takes it back, nothing is recorded
        claimed = self._claimed(ready)
        if not await self._store.deliveries.start_send(claimed, ready.prepared.event,
                                                       owner=self.owner):
            return None  # another worker holds it now, or the campaign was cancelled
        ready.delivery = claimed
        outcome = await self._transmit(campaign, ready, limiter)
        if isinstance(outcome, SendReceipt):
            await self._store.deliveries.finish_send_many([self._end(ready, outcome)],
                                                          owner=self.owner)
            return None
        return outcome

    async def _transmit(self, campaign: Campaign, ready: _Ready,
                        limiter: SharedRate | None = None) -> SendReceipt | str | None:
        """Hand a started send over: the provider's receipt (to record), the permanent
        failure's reason, or None when that was dealt with here (the campaign stopped, the
        channel needs an operator, an internal error)."""
        delivery, event, message = ready.delivery, ready.prepared.event, ready.prepared.message
        retry = False

        async def before_attempt() -> None:
            nonlocal retry
            if retry and limiter is not None:
                await limiter.acquire()
            retry = True
            await self._still_running(campaign.id)

        try:
            return await self._outbound.transmit(message, before_attempt=before_attempt)
        except _Stopped as stopped:
            await self._stopped_before_hand_over(delivery, event.id, stopped.status)
            return None
        except SendFailed as exc:
            failed = await self._outbound.set_status(event.id, "failed", exc.message)
            if event.channel == "email" and (exc.provider_code or "").startswith("5"):
                await self._refused(failed)
            return exc.message
        except ChannelMisconfigured as exc:
            await self._pause_for_operator(campaign, delivery, event.id, exc)
            return None
        except Exception:  # a bug: the send may or may not have happened, so never again
            log.exception("campaign send failed unexpectedly",
                          extra={"campaign_id": campaign.id, "delivery_id": delivery.id})
            await self._store.events.add_status(event.id, StatusChange(
                status="unknown", detail="an internal error interrupted the send"))
            await self._finish(delivery, status="unknown", reason=INTERNAL_ERROR)
            return None

    async def _refused(self, event: Event) -> None:
        """An SMTP 5xx at hand-over: the mail server refused the address for good, which the
        guardrails count as a hard bounce (no DSN will come for a message never accepted)."""
        flags = [*event.data.get("flags", []), "hard_bounce", REFUSED]
        await self._store.events.replace(event.model_copy(update={
            "data": {**event.data, "flags": list(dict.fromkeys(flags))}}))

    async def _still_running(self, campaign_id: str) -> None:
        """Read right before each hand-over (after any rate-limit wait): a pause or cancel
        confirmed to staff stops every send that has not reached the provider yet."""
        status = await self._fresh.status(campaign_id)
        if status != "running":
            self._status[campaign_id] = status
            raise _Stopped(status)

    async def _read_status(self, campaign_id: str) -> str:
        return await self._store.campaigns.status_of(campaign_id) or "cancelled"

    async def _stopped_before_hand_over(self, delivery: Delivery, event_id: str,
                                        status: str) -> None:
        """Nothing reached the provider: the event says so, and the delivery waits for a
        resume, or is cancelled with its campaign."""
        await self._store.events.add_status(event_id, StatusChange(
            status="canceled", detail=f"not sent: the campaign was {status} first"))
        update: dict[str, object] = {"lease_owner": None, "lease_until": None,
                                     "event_id": None, "attempts": max(0, delivery.attempts - 1)}
        if status == "cancelled":
            update.update(status="cancelled", reason=CANCELLED)
        else:
            update.update(status="queued")
        await self._store.deliveries.update(delivery.model_copy(update=update), owner=self.owner)

    async def _pause_for_operator(self, campaign: Campaign, delivery: Delivery,
                                  event_id: str, exc: ChannelMisconfigured) -> None:
        """Nothing was sent: the event fails with the operator's reason (the channel page
        shows it), the delivery waits again, and the campaign pauses until someone fixes the
        channel and resumes it, instead of failing every message the same way."""
        await self._outbound.set_status(event_id, "failed", exc.message)
        await self._store.deliveries.update(delivery.model_copy(update={
            "status": "queued", "lease_owner": None, "lease_until": None, "event_id": None,
            "attempts": max(0, delivery.attempts - 1)}), owner=self.owner)
        paused = await self._store.campaigns.set_status(
            campaign.id, "paused", expected=["running"],
            fields={"paused_reason": exc.message})
        self._status[campaign.id] = "paused"
        if paused:
            log.warning("campaign paused: a channel needs an operator",
                        extra={"campaign_id": campaign.id, "error": exc.code})

    def _headers(self, channel: str, token: str) -> dict[str, str]:
        if channel != "email":
            return {}
        targets = [f"<{self._config.public_url}/u/{token}>"]
        if self._config.unsubscribe_mailbox:
            targets.append(f"<mailto:{self._config.unsubscribe_mailbox}"
                           f"?subject=unsubscribe%20{token}>")
        return {"List-Unsubscribe": ", ".join(targets),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def _limiter(self, campaign: Campaign, channel: str) -> SharedRate | None:
        """The campaign's rate on `channel` (rate_per_minute applies per channel, shared by
        every worker on the store)."""
        if not campaign.rate_per_minute:
            return None
        key = (campaign.id, channel)
        if key not in self._limits:
            self._limits[key] = SharedRate(self._store.throttle, f"{campaign.id}:{channel}",
                                           campaign.rate_per_minute, clock=self._clock)
        return self._limits[key]

    @staticmethod
    def _end(ready: _Ready, receipt: SendReceipt) -> SendEnd:
        """The provider id on the event, its status, and the delivery `sent`: one write
        (one transaction on SQLite, with other sends' ends), the provider id stored before
        the delivery is marked sent."""
        update: dict[str, object] = {"status": "sent", "reason": None, "lease_until": None,
                                     "event_id": ready.prepared.event.id}
        if receipt.provider_id is not None:
            update["provider_id"] = receipt.provider_id
        return SendEnd(ready.delivery.model_copy(update=update), receipt.provider_id,
                       StatusChange(status=receipt.status, detail=receipt.detail))

    async def _finish(self, delivery: Delivery, *, status: str, reason: str | None = None,
                      channel: str | None = None) -> None:
        update: dict[str, object] = {"status": status, "reason": reason, "lease_until": None}
        if channel is not None:
            update["channel"] = channel
        await self._store.deliveries.update(delivery.model_copy(update=update), owner=self.owner)
