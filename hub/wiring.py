"""The composition root: every part of one Hub process built in one place, from the settings.

`build_adapters` opens each channel once (one SMTP pool, one Twilio client per process);
`assemble` builds the services on the store and those adapters, the campaign and survey
features on the services, and connects the listeners (an inbound reply may answer a
survey; a logged call or message may fire a survey trigger). The web app (`hub.web.app`)
and the CLI call these two and nothing else to get a working hub; `build_worker` makes the
campaign dispatch worker from the same parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.analytics import AnalyticsService
from campaigns.csat import CsatService
from campaigns.engine.dispatch import CONCURRENCY, DispatchConfig, Worker
from campaigns.engine.lifecycle import CampaignService
from campaigns.guardrails import Guardrails
from campaigns.journeys.abtest import AbTests
from campaigns.journeys.alerts import InboxAlerts
from campaigns.journeys.engine import EngineConfig, JourneyEngine
from campaigns.journeys.service import JourneyService
from campaigns.journeys.steps import StepRunner
from campaigns.preferences import PreferenceService, TopicService
from campaigns.segments import SegmentService
from campaigns.surveys import SurveyService
from campaigns.template_service import TemplateService
from campaigns.templates import MessageTexts
from campaigns.triggers import TriggerService
from campaigns.unsubscribe import UnsubscribeService, UnsubscribeTokens
from channels import REGISTRY
from channels.sms.keywords import HELP_REPLY
from hub.config import Settings
from hub.domain.clock import SystemClock, WallClock
from hub.ports import ChannelAdapter, Store
from hub.services import Services, build_services
from hub.services.outbound import RetryPolicy


@dataclass(frozen=True, slots=True)
class CampaignKit:
    segments: SegmentService
    templates: TemplateService
    campaigns: CampaignService
    unsubscribe: UnsubscribeService
    topics: TopicService
    preferences: PreferenceService


@dataclass(frozen=True, slots=True)
class SurveyKit:
    surveys: SurveyService
    analytics: AnalyticsService
    triggers: TriggerService
    csat: CsatService


@dataclass(frozen=True, slots=True)
class JourneyKit:
    service: JourneyService
    steps: StepRunner
    clock: WallClock


@dataclass(frozen=True, slots=True)
class Components:
    """Everything a process runs on, built once."""

    settings: Settings
    services: Services
    campaigns: CampaignKit
    surveys: SurveyKit
    journeys: JourneyKit


def build_adapters(settings: Settings) -> dict[str, ChannelAdapter]:
    """One adapter per registered channel (the sandbox outbox for unconfigured ones); the
    caller closes them when the process ends."""
    return REGISTRY.build_adapters(settings)


def assemble(store: Store, settings: Settings, adapters: dict[str, ChannelAdapter], *,
             retry: RetryPolicy | None = None, clock: WallClock | None = None) -> Components:
    texts = MessageTexts(settings.templates_dir, default_language=settings.default_language)
    services = build_services(store, settings, adapters, texts=texts, retry=retry,
                              sms_help_reply=HELP_REPLY)
    unsubscribe_tokens = UnsubscribeTokens(settings.secret_key)
    topics = TopicService(store)
    campaigns = CampaignKit(
        segments=SegmentService(store, budget=settings.segment_budget_seconds),
        templates=TemplateService(store, unsubscribe_tokens, settings.public_url),
        campaigns=CampaignService(store, texts=texts,
                                  preflight_full_limit=settings.preflight_full_limit),
        unsubscribe=UnsubscribeService(store, services.timeline, unsubscribe_tokens),
        topics=topics,
        preferences=PreferenceService(store, services.timeline, unsubscribe_tokens, topics))
    survey_service = SurveyService(store, services.timeline, settings.public_url)
    triggers = TriggerService(store, survey_service, services.messaging, texts=texts,
                              fatigue_days=settings.survey_fatigue_days)
    services.inbox.add_listener(survey_service.on_inbound)  # a reply may answer a survey
    services.inbox.add_listener(triggers.consider)  # rules on inbound email/SMS
    services.calls.add_listener(triggers.consider)  # rules on logged calls
    csat = CsatService(store, survey_service, services.messaging,
                       fatigue_days=settings.survey_fatigue_days, texts=texts)
    services.conversations.add_resolved_listener(csat.on_resolved)  # CSAT on resolution
    surveys = SurveyKit(surveys=survey_service, analytics=AnalyticsService(store),
                        triggers=triggers, csat=csat)
    journeys = assemble_journeys(store, settings, services, survey_service, unsubscribe_tokens,
                                 texts, clock or SystemClock())
    return Components(settings=settings, services=services, campaigns=campaigns,
                      surveys=surveys, journeys=journeys)


def assemble_journeys(store: Store, settings: Settings, services: Services,
                      surveys: SurveyService, unsubscribe: UnsubscribeTokens,
                      texts: MessageTexts, clock: WallClock) -> JourneyKit:
    """Journeys: the timeline and the transaction log tell them what happened; the staff
    alert is the inbox for now (a conversations service can take `InboxAlerts`' place)."""
    ab = AbTests(store)
    service = JourneyService(store, clock=clock, ab=ab)
    steps = StepRunner(store, services.outbound, InboxAlerts(services.timeline), surveys, ab,
                       unsubscribe, public_url=settings.public_url,
                       default_language=settings.default_language, texts=texts)
    services.timeline.add_listener(service.on_event, new_only=True)  # triggers, goals, waits
    services.transactions.add_listener(service.on_transactions)
    services.conversations.add_resolved_listener(service.on_conversation_resolved)
    return JourneyKit(service=service, steps=steps, clock=clock)


def build_journey_engine(components: Components,
                         config: EngineConfig | None = None) -> JourneyEngine:
    """The journey worker, on the services' one outbound path."""
    services = components.services
    return JourneyEngine(services.store, services.outbound, services.timeline,
                         components.journeys.steps, clock=components.journeys.clock,
                         config=config)


def dispatch_config(settings: Settings) -> DispatchConfig:
    domain = settings.email_from.rpartition("@")[2].strip("> ") or "localhost"
    # twice the SMTP connections in flight: while one send waits for the server, the next
    # one's message is rendered and recorded
    concurrency = max(CONCURRENCY, 2 * settings.smtp_connections)
    return DispatchConfig(public_url=settings.public_url,
                          unsubscribe_mailbox=f"unsubscribe@{domain}", concurrency=concurrency,
                          guardrails=Guardrails(
                              hard_bounce_rate=settings.guard_hard_bounce_rate,
                              complaint_rate=settings.guard_complaint_rate,
                              unsubscribe_rate=settings.guard_unsubscribe_rate,
                              window=settings.guard_window))


def build_worker(components: Components, config: DispatchConfig | None = None) -> Worker:
    """The campaign dispatch worker; it sends through the services' one outbound path."""
    settings = components.settings
    return Worker(components.services.store, components.services.outbound,
                  UnsubscribeTokens(settings.secret_key), config or dispatch_config(settings))
