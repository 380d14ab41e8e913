"""The one outbound path. Every message Hub sends, one-to-one, triggered or from a campaign,
is decided by `why_not` and sent through `OutboundPath`, so each rule lives in one place:

- `why_not(person, channel, purpose)`: who may get what on which channel (address, erasure,
  undeliverable address, the address's own consent), for a `service` reply or for
  `marketing`; `pick_address` chooses the address (an opted-in one first for marketing);
- `OutboundPath.hold`: whether a marketing message waits for the end of the recipient's
  quiet hours or is skipped by the frequency cap (`hub.domain.sending.MarketingRules`);
- `OutboundPath.prepare`: the outbound event and the message for the adapter, gated on what
  the adapter can carry (subject, HTML), with the reply token and status callback it uses;
- `OutboundPath.transmit`: the adapter call with one retry policy for transient failures;
- `OutboundPath.record_result`: the provider's id stored before the status moves on.

The adapters come from the composition root already wrapped (an SMS refused with Twilio's
21610 opts the number out there), built once per process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from hub.domain.address_consent import consent_at
from hub.domain.channels import CHANNEL_SPECS, NO_ADDRESS, SendableChannel, sendable
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event, StatusChange, SurveyInfo, status_rank
from hub.domain.parties import Person
from hub.domain.sending import Hold, MarketingRules
from hub.errors import ChannelMisconfigured, SendFailed, Transient
from hub.i18n import N_
from hub.i18n.text import Text
from hub.metrics import SEND_SECONDS, SENDS
from hub.ports import ChannelAdapter, OutboundMessage, SendReceipt, Store
from hub.services.reply_tokens import ReplyTokens

log = logging.getLogger("hub.outbound")
Purpose = Literal["service", "marketing"]


def why_not(person: Person, channel: str, purpose: Purpose, *,
            require_opt_in: bool = False, address: str | None = None,
            topic_id: str | None = None, template: bool = False,
            now: datetime | None = None) -> str | None:
    """Why `person` cannot be sent a `purpose` message on `channel` (at `address`, one of
    theirs; by default at the address `pick_address` chooses), or None when they can.

    Consent is the address's own (an opt-in on one number never covers another). A service
    reply ignores marketing consent, except an opt-out that carriers enforce (SMS STOP,
    WhatsApp STOP: Twilio refuses the send with 21610). Marketing skips every opt-out and,
    with `require_opt_in`, every address that did not opt in, and, for a campaign on a topic
    (`topic_id`), everyone who opted out of that topic in the preference centre. On a
    channel with a customer-service window (WhatsApp: 24 hours after the person's last
    message) free text goes out only inside the window; outside it only an approved
    provider `template`."""
    known = sendable(channel)
    if known is None:
        return Text(N_("nothing can be sent on %(channel)s"), {"channel": repr(channel)})
    if address is not None:
        early = _refusal_of_person(person, purpose, topic_id)
        if early is not None:
            return early
        if address not in person.addresses_on(known):
            return Text(N_("%(address)s is not one of the person's addresses"),
                        {"address": address})
        return _refusal_at(person, known, purpose, address, require_opt_in, template, now)
    return allowed_address(person, known, purpose, require_opt_in=require_opt_in,
                           topic_id=topic_id, template=template, now=now)[1]


def allowed_address(person: Person, channel: SendableChannel, purpose: Purpose, *,
                    require_opt_in: bool = False, topic_id: str | None = None,
                    template: bool = False, now: datetime | None = None
                    ) -> tuple[str | None, str | None]:
    """`why_not` and `pick_address` in one pass: (the address, None) when the person may get
    the message, (None, why not) otherwise. The dispatch worker hands the address to
    `prepare`, which then does not choose it again."""
    early = _refusal_of_person(person, purpose, topic_id)
    if early is not None:
        return None, early
    candidates = person.addresses_on(channel)
    if not candidates:
        return None, Text(NO_ADDRESS[channel])
    chosen = pick_address(person, channel, purpose, require_opt_in=require_opt_in,
                          template=template, now=now)
    if chosen is not None:
        return chosen, None
    return None, _refusal_at(person, channel, purpose, candidates[0], require_opt_in,
                             template, now)


def _refusal_of_person(person: Person, purpose: Purpose, topic_id: str | None) -> Text | None:
    if not person.is_active:
        return Text(N_("the person was erased or merged"))
    if purpose == "marketing" and topic_id is not None and topic_id in person.topic_opt_outs:
        return Text(N_("opted out of the campaign's topic"))
    return None


def pick_address(person: Person, channel: SendableChannel, purpose: Purpose, *,
                 require_opt_in: bool = False, template: bool = False,
                 now: datetime | None = None) -> str | None:
    """The address a `purpose` message on `channel` goes to: the first one `why_not` allows,
    for marketing an opted-in one before any other; None when none is allowed."""
    candidates = person.addresses_on(channel)
    if purpose == "marketing":
        candidates.sort(key=lambda a: consent_at(person, channel, a).status != "opted_in")
    for address in candidates:
        if _refusal_at(person, channel, purpose, address, require_opt_in, template,
                       now) is None:
            return address
    return None


def _refusal_at(person: Person, channel: SendableChannel, purpose: Purpose, address: str,
                require_opt_in: bool, template: bool, now: datetime | None) -> Text | None:
    spec = CHANNEL_SPECS[channel]
    label = Text(spec.label)
    if person.attributes.get(f"{channel}_undeliverable") == address:
        if channel == "email":
            return Text(N_("mail to this address bounced; it is marked undeliverable"))
        return Text(N_("%(address)s cannot be reached on %(channel)s; it is marked unavailable"),
                    {"address": address, "channel": label})
    consent = consent_at(person, channel, address).status
    if consent == "opted_out" and (purpose == "marketing" or spec.opt_out_binds_service):
        return Text(N_("opted out of %(channel)s"), {"channel": label})
    if purpose == "marketing" and require_opt_in and consent != "opted_in":
        return Text(N_("no opt-in for %(channel)s"), {"channel": label})
    if spec.service_window is not None and not template:
        last = person.last_inbound(channel, address)
        if last is None or (now or utcnow()) - last > spec.service_window:
            return Text(N_("outside the %(hours)s-hour %(channel)s customer-service window; "
                           "only an approved template can be sent"),
                        {"hours": int(spec.service_window.total_seconds() // 3600),
                         "channel": label})
    return None


# Every reason `why_not` and the campaign engine give, as msgids: a reason stored in English
# (a delivery's) reads in the viewer's language through `hub.i18n.text.reread`.
REASONS: tuple[str, ...] = (
    N_("nothing can be sent on %(channel)s"), N_("the person was erased or merged"),
    N_("%(address)s is not one of the person's addresses"), N_("no phone number"),
    N_("no email address"), N_("mail to this address bounced; it is marked undeliverable"),
    N_("opted out of %(channel)s"), N_("no opt-in for %(channel)s"),
    N_("quiet hours for the recipient until %(until)s"),
    N_("frequency cap: %(sent)s marketing messages in the last %(days)s days (at most %(cap)s)"),
    N_("%(channel)s: %(reason)s"), N_("opted out of the campaign's topic"),
    N_("%(address)s cannot be reached on %(channel)s; it is marked unavailable"),
    N_("outside the %(hours)s-hour %(channel)s customer-service window; only an approved "
       "template can be sent"),
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Waits between attempts after a transient failure: (0.5, 2.0) makes three attempts."""

    delays_s: tuple[float, ...] = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class Content:
    """A rendered message; parts the channel cannot carry are dropped by `prepare`."""

    text: str
    subject: str | None = None
    html: str | None = None
    template: ProviderTemplate | None = None  # an approved template (WhatsApp outside 24 h)


@dataclass(frozen=True, slots=True)
class ProviderTemplate:
    """A template the provider approved, sent by its id with the variables filled in."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Extras:
    """What an outbound event carries besides its content."""

    purpose: Purpose = "service"  # kept on the event: the frequency cap counts marketing
    campaign_id: str | None = None
    survey: SurveyInfo | None = None
    author: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe
    sender_name: str | None = None  # email: the From name instead of HUB_EMAIL_FROM's (A/B)


@dataclass(frozen=True, slots=True)
class Prepared:
    event: Event
    message: OutboundMessage


Acquire = Callable[[], Awaitable[None]]


@cache
def _send_metrics(channel: str) -> tuple[Any, Any]:
    """The hand-over time and `sent` count of `channel` (`labels()` takes a lock and checks
    its arguments: once per channel, not twice per message)."""
    return SEND_SECONDS.labels(channel), SENDS.labels(channel, "sent")


class OutboundPath:
    def __init__(self, store: Store, adapters: Mapping[str, ChannelAdapter],
                 reply_tokens: ReplyTokens, *, senders: Mapping[str, str],
                 status_callback_url: str | None, retry: RetryPolicy | None = None,
                 rules: MarketingRules | None = None,
                 on_sent: Callable[[Event], Awaitable[object]] | None = None) -> None:
        self._store = store
        self._on_sent = on_sent
        self._adapters = adapters
        self._tokens = reply_tokens
        self._senders = senders
        self._status_callback = status_callback_url
        self.retry = retry or RetryPolicy()
        self.rules = rules or MarketingRules()

    async def sent_counts(self, person_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Marketing messages each person got within the cap's window (one query)."""
        if self.rules.cap is None:
            return {}
        since = now - timedelta(days=self.rules.cap_days)
        return await self._store.events.marketing_sent(person_ids, since=since)

    def hold(self, person: Person, now: datetime, sent: int) -> Hold | None:
        """For a marketing message: skipped by the cap (`sent` so far in its window), or
        deferred to the end of the person's quiet hours; None: it may go now."""
        capped = self.rules.capped(sent)
        if capped is not None:
            return capped
        until = self.rules.quiet_until(person, now)
        if until is not None:
            return Hold(Text(N_("quiet hours for the recipient until %(until)s"),
                             {"until": until.isoformat()}), until)
        return None

    def adapter(self, channel: str) -> ChannelAdapter:
        return self._adapters[channel]

    def prepare(self, person: Person, channel: SendableChannel, content: Content,
                extras: Extras = Extras(), *, event_id: str | None = None,
                address: str | None = None) -> Prepared:
        """The outbound event (status `queued`, not yet stored) and the adapter's message,
        to `address` or the one `pick_address` chooses for its purpose (the first of the
        person's on `channel` when none is allowed). The caller has checked `why_not`."""
        to = (address or pick_address(person, channel, extras.purpose,
                                      template=content.template is not None)
              or person.address_on(channel))
        if to is None:
            raise ValueError(f"person {person.id} has no address on {channel}")
        capabilities = self._adapters[channel].capabilities
        subject = content.subject if capabilities.subject else None
        html = content.html if capabilities.html else None
        event_id = event_id or new_id()
        data = {**extras.data, "purpose": extras.purpose}
        if html:
            data["html"] = html
        template = content.template if capabilities.provider_templates else None
        if template is not None:
            data["content_sid"] = template.content_sid
        event = Event(
            id=event_id, thread_id=event_id, person_id=person.id,
            household_id=person.household_id, channel=channel, direction="outbound",
            subject=subject, text=content.text, to=to, from_=self._senders.get(channel),
            status="queued", status_history=[StatusChange(status="queued")],
            author=extras.author, campaign_id=extras.campaign_id, survey=extras.survey,
            data=data)
        message = OutboundMessage(
            event_id=event_id, channel=channel, to=to, text=content.text, subject=subject,
            html=html, headers=dict(extras.headers),
            reply_token=self._tokens.make(event_id) if capabilities.threads_by_token else None,
            status_callback=self._status_callback if capabilities.reports_status else None,
            content_sid=template.content_sid if template else None,
            content_variables=dict(template.variables) if template else {},
            sender_name=extras.sender_name)
        return Prepared(event, message)

    async def transmit(self, message: OutboundMessage, *,
                       before_attempt: Acquire | None = None) -> SendReceipt:
        """Hand the message to its adapter, retrying transient failures by the policy.
        Raises SendFailed (permanent, or transient to the end) or ChannelMisconfigured (an
        operator must fix the channel; nothing was sent). Any other exception is a bug and
        goes up as it is. `before_attempt` runs before each attempt (a campaign's rate)."""
        adapter = self._adapters[message.channel]
        delays = self.retry.delays_s
        channel = message.channel
        seconds, sent = _send_metrics(channel)
        for attempt in range(len(delays) + 1):
            if before_attempt is not None:
                await before_attempt()
            try:
                started = time.perf_counter()
                try:
                    receipt = await adapter.send(message)
                finally:  # failures are timed too
                    seconds.observe(time.perf_counter() - started)
                sent.inc()
                return receipt
            except SendFailed:
                SENDS.labels(channel, "failed").inc()
                raise
            except ChannelMisconfigured:
                SENDS.labels(channel, "misconfigured").inc()
                raise
            except Transient as exc:
                if attempt == len(delays):
                    SENDS.labels(channel, "failed").inc()
                    raise SendFailed(f"gave up after {attempt + 1} attempts: {exc.message}"
                                     ) from exc
                SENDS.labels(channel, "retried").inc()
                log.info("send will be retried", extra={
                    "event_id": message.event_id, "attempt": attempt + 1, "error": exc.code})
                await asyncio.sleep(delays[attempt])
        raise AssertionError("unreachable")

    async def send(self, prepared: Prepared) -> Event:
        """Record the event, send it, record the outcome: a one-to-one send. A refusal or a
        misconfigured channel marks the event failed with the reason, and is returned. The
        outcome is announced (`on_sent`: the timeline's listeners, e.g. conversations)."""
        event = await self._send(prepared)
        if self._on_sent is not None:
            await self._on_sent(event)
        return event

    async def _send(self, prepared: Prepared) -> Event:
        event, _ = await self._store.events.append(prepared.event)
        try:
            receipt = await self.transmit(prepared.message)
        except (SendFailed, ChannelMisconfigured) as exc:
            log.warning("send failed", extra={"event_id": event.id, "channel": event.channel,
                                              "error": exc.code})
            return await self.set_status(event.id, "failed", exc.message)
        except Exception:  # a bug, not a provider's answer: the outcome is unknown
            await self._store.events.add_status(event.id, StatusChange(
                status="unknown", detail="an internal error interrupted the send; it has "
                "been logged"))
            raise
        return await self.record_result(event.id, receipt)

    async def record_result(self, event_id: str, receipt: SendReceipt) -> Event:
        """The provider's id first, then what the adapter learnt (e.g. SMS parts), then the
        status: a crash in between leaves an event that reconciliation can prove sent."""
        if receipt.provider_id:
            await self._store.events.set_external_id(event_id, receipt.provider_id)
        if receipt.data:
            stored = await self._store.events.get(event_id)
            if stored is not None:
                await self._store.events.replace(
                    stored.model_copy(update={"data": {**stored.data, **receipt.data}}))
        return await self.set_status(event_id, receipt.status, receipt.detail)

    async def set_status(self, event_id: str, status: str, detail: str | None) -> Event:
        """Append a status; never moves an event back (a provider callback may be ahead)."""
        current = await self._store.events.get(event_id)
        if current is not None and status_rank(current.status) > status_rank(status):
            return current
        updated = await self._store.events.add_status(
            event_id, StatusChange(status=status, detail=detail))
        if updated is None:
            raise RuntimeError(f"outbound event {event_id} vanished during its send")
        return updated

    async def send_test(self, to: str, content: Content) -> str:
        """A test email to a staff member's own address (no person, no timeline event);
        returns the provider's answer or raises SendFailed / ChannelMisconfigured."""
        adapter = self._adapters["email"]
        receipt = await self.transmit(OutboundMessage(
            event_id=new_id(), channel="email", to=to, text=content.text,
            subject=content.subject,
            html=content.html if adapter.capabilities.html else None))
        return receipt.status
