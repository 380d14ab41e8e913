"""Services: the hub's use cases on top of the store. No aiohttp here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.config import Settings
from hub.ports import ChannelAdapter, Store
from hub.services.calls import CallService
from hub.services.channel_status import ChannelStatusService
from hub.services.directory import DirectoryService
from hub.services.erasure import ErasureService
from hub.services.forms import FormService
from hub.services.identities import IdentityService
from hub.services.inbox import InboxService
from hub.services.merge import MergeService
from hub.services.messaging import MessagingService, RetryPolicy
from hub.services.persons import PersonService
from hub.services.reply_tokens import ReplyTokens
from hub.services.search import SearchService
from hub.services.sms import OptOutOnRefusal, SmsService
from hub.services.staff import StaffService
from hub.services.timeline import TimelineService
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
    messaging: MessagingService
    inbox: InboxService
    forms: FormService
    sms: SmsService
    calls: CallService
    staff: StaffService
    search: SearchService
    channel_status: ChannelStatusService


def build_services(
    store: Store, settings: Settings, adapters: Mapping[str, ChannelAdapter], *,
    retry: RetryPolicy | None = None, sms_help_reply: str = "",
) -> Services:
    """Wire the services. `adapters` come from the channel registry; the SMS one is wrapped so a
    number Twilio refuses as unsubscribed (21610) is marked opted out before the failure is
    recorded."""
    identities = IdentityService(store, default_region=settings.default_region,
                                 secret_key=settings.secret_key)
    timeline = TimelineService(store)
    persons = PersonService(store, identities, timeline)
    reply_tokens = ReplyTokens(settings.secret_key)
    blobs = FileBlobStore(settings.var_dir / "blobs")
    inbox = InboxService(store, identities, timeline, reply_tokens, blobs)
    sms = SmsService(store, identities, persons, timeline, inbox, help_reply=sms_help_reply)
    if "sms" in adapters:
        adapters = {**adapters, "sms": OptOutOnRefusal(adapters["sms"], sms)}
    messaging = MessagingService(
        store, persons, timeline, adapters, reply_tokens,
        sender={"email": settings.email_from, "sms": settings.twilio_from or ""},
        retry=retry, status_callback_url=f"{settings.public_url}/webhooks/twilio/status")
    return Services(
        store=store,
        identities=identities,
        timeline=timeline,
        persons=persons,
        directory=DirectoryService(store, persons, identities),
        merge=MergeService(store, persons, timeline),
        erasure=ErasureService(store, persons, identities),
        reply_tokens=reply_tokens,
        messaging=messaging,
        inbox=inbox,
        forms=FormService(store, identities, timeline, messaging),
        sms=sms,
        calls=CallService(store, identities, persons, timeline),
        staff=StaffService(store),
        search=SearchService(store, persons, timeline),
        channel_status=ChannelStatusService(store),
    )
