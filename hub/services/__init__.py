"""Services: the hub's use cases on top of the store. No aiohttp here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.config import Settings
from hub.domain.sending import MarketingRules
from hub.ports import ChannelAdapter, DefaultTexts, Store
from hub.services.calls import CallService
from hub.services.channel_status import ChannelStatusService
from hub.services.contact_import import ContactImportService
from hub.services.conversations import ConversationRouter
from hub.services.directory import DirectoryService
from hub.services.double_opt_in import DoubleOptIn
from hub.services.erasure import ErasureService
from hub.services.forms import FormService
from hub.services.identities import IdentityService
from hub.services.inbox import InboxService
from hub.services.merge import MergeService
from hub.services.messaging import MessagingService
from hub.services.outbound import OutboundPath, RetryPolicy
from hub.services.person_data import PersonDataService
from hub.services.persons import PersonService
from hub.services.reply_tokens import ConsentTokens, ReplyTokens
from hub.services.revenue import TransactionLog
from hub.services.rule_cache import caching_rules
from hub.services.search import SearchService
from hub.services.service_desk import ServiceDesk
from hub.services.sms import OptOutOnRefusal, SmsService
from hub.services.staff import StaffService
from hub.services.staff_sessions import SessionService
from hub.services.timeline import TimelineService
from hub.services.timeline_members import TimelineMembers
from hub.services.webhook_emit import Emitter, emitting
from hub.services.webhooks import WebhookService
from hub.store.blobs import FileBlobStore


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    identities: IdentityService
    timeline: TimelineService
    persons: PersonService
    directory: DirectoryService
    merge: MergeService
    erasure: ErasureService
    reply_tokens: ReplyTokens
    outbound: OutboundPath
    messaging: MessagingService
    double_opt_in: DoubleOptIn
    person_data: PersonDataService
    inbox: InboxService
    blobs: FileBlobStore
    forms: FormService
    sms: SmsService
    calls: CallService
    staff: StaffService
    search: SearchService
    channel_status: ChannelStatusService
    contact_import: ContactImportService
    timeline_members: TimelineMembers
    transactions: TransactionLog
    conversations: ConversationRouter
    desk: ServiceDesk
    sessions: SessionService
    whatsapp: SmsService  # the same Twilio bookkeeping, for channel `whatsapp`
    webhooks: WebhookService
    emitter: Emitter  # outgoing-webhook events for features that emit their own types


def build_services(
    store: Store, settings: Settings, adapters: Mapping[str, ChannelAdapter], *,
    texts: DefaultTexts, retry: RetryPolicy | None = None, sms_help_reply: str = "",
) -> Services:
    """Wire the services. `adapters` come from the channel registry, built once per process;
    the SMS one is wrapped here so a number Twilio refuses as unsubscribed (21610) is marked
    opted out before the failure is recorded, whoever sends (one-to-one or a campaign)."""
    emitter = emitting(store)  # from here on, the store's writes emit webhook events
    caching_rules(store)  # active journeys and trigger rules read once a second, not per event
    identities = IdentityService(store, default_region=settings.default_region,
                                 secret_key=settings.secret_key)
    timeline = TimelineService(store)
    persons = PersonService(store, identities, timeline)
    reply_tokens = ReplyTokens(settings.secret_key)
    blobs = FileBlobStore(settings.var_dir / "blobs")
    inbox = InboxService(store, identities, timeline, reply_tokens, blobs)
    sms = SmsService(store, identities, persons, timeline, inbox, help_reply=sms_help_reply,
                     stop_scope=settings.sms_stop_scope)
    whatsapp = SmsService(store, identities, persons, timeline, inbox,
                          help_reply=sms_help_reply, stop_scope=settings.sms_stop_scope,
                          channel="whatsapp")
    for twilio in (sms, whatsapp):
        if twilio.channel in adapters:
            adapters = {**adapters, twilio.channel: OptOutOnRefusal(adapters[twilio.channel],
                                                                   twilio)}
    outbound = OutboundPath(
        store, adapters, reply_tokens,
        senders={"email": settings.email_from, "sms": settings.twilio_from or "",
                 "whatsapp": settings.twilio_whatsapp_from or ""},
        status_callback_url=f"{settings.public_url}/webhooks/twilio/status", retry=retry,
        rules=MarketingRules(cap=settings.marketing_cap, cap_days=settings.marketing_cap_days,
                             quiet_hours=settings.quiet_hours, quiet_days=settings.quiet_days,
                             timezone=settings.timezone),
        on_sent=timeline.announce)
    messaging = MessagingService(persons, outbound)
    conversations = ConversationRouter(store, reopen_days=settings.conversation_reopen_days)
    timeline.add_listener(conversations.on_event)  # inbound and service replies join one
    timeline.set_placer(conversations)  # … in the message's own transaction where it can
    double_opt_in = DoubleOptIn(store, timeline, messaging, ConsentTokens(settings.secret_key),
                                texts, public_url=settings.public_url)
    return Services(
        store=store,
        identities=identities,
        timeline=timeline,
        persons=persons,
        directory=DirectoryService(store, persons, identities),
        merge=MergeService(store, persons, timeline, region=settings.default_region),
        erasure=ErasureService(store, persons, identities, blobs, settings.var_dir),
        reply_tokens=reply_tokens,
        outbound=outbound,
        messaging=messaging,
        double_opt_in=double_opt_in,
        person_data=PersonDataService(store, persons),
        inbox=inbox,
        blobs=blobs,
        forms=FormService(store, identities, timeline, messaging, double_opt_in),
        sms=sms,
        calls=CallService(store, identities, persons, timeline),
        staff=StaffService(store),
        search=SearchService(store, persons, timeline, region=settings.default_region),
        channel_status=ChannelStatusService(store),
        contact_import=ContactImportService(store, identities, timeline,
                                            default_region=settings.default_region),
        timeline_members=TimelineMembers(store),
        transactions=TransactionLog(store),
        conversations=conversations,
        desk=ServiceDesk(store, conversations, messaging, timeline),
        sessions=SessionService(store),
        whatsapp=whatsapp,
        webhooks=WebhookService(store, allow_private=settings.webhooks_allow_private),
        emitter=emitter,
    )
