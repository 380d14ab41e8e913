"""Two demo journeys on the demo data set (`hub demo`), with enrolments in progress:

- "Welkomstreeks" (welcome series): a form submission or a new customer gets a welcome mail;
  who replies within three days goes to the sales team's inbox, who stays silent gets a
  reminder; a purchase ends it. The newest prospects are enrolled.
- "Terugwinnen" (win-back): customers whose pyramid tier fell from the previous half year to
  the last one (the migration of issue 4) get a mail in an A/B test ("we miss you" against
  "10 % off"), then after a week either a `won_back` tag (they bought) or a note to the
  retention team.

Both send email only: demo addresses are under `.example`, so nothing reaches a person. The
journeys are made once (by name); enrolling again adds nobody twice (entry keys).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from campaigns.analytics import AnalyticsService
from campaigns.journeys.service import JourneyService
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.journeys import Journey
from hub.domain.segments import MATCH_ALL
from hub.ports import Store

TIER_ORDER = {"top": 4, "large": 3, "medium": 2, "small": 1, "inactive": 0}
WELCOME_ENROLMENTS = 40
WINBACK_ENROLMENTS = 150
TEXTS = {
    "welcome": {"nl": ("Welkom bij ons, {{ person.first_name }}",
                       "Hallo {{ person.first_name }},\n\nFijn dat u er bent. Heeft u vragen? "
                       "Beantwoord deze mail gerust.\n\nAfmelden: {{ unsubscribe_url }}"),
                "en": ("Welcome, {{ person.first_name }}",
                       "Hello {{ person.first_name }},\n\nGood to have you with us. Any "
                       "questions? Just reply to this mail.\n\nUnsubscribe: "
                       "{{ unsubscribe_url }}")},
    "reminder": {"nl": ("Kunnen we helpen, {{ person.first_name }}?",
                        "We hoorden nog niets van u. Antwoord op deze mail en we nemen contact "
                        "op.\n\nAfmelden: {{ unsubscribe_url }}"),
                 "en": ("Can we help, {{ person.first_name }}?",
                        "We have not heard from you yet. Reply to this mail and we will be in "
                        "touch.\n\nUnsubscribe: {{ unsubscribe_url }}")},
    "miss_you": {"nl": ("We missen u, {{ person.first_name }}",
                        "Het is even geleden. Kom eens langs: er is veel nieuws.\n\nAfmelden: "
                        "{{ unsubscribe_url }}"),
                 "en": ("We miss you, {{ person.first_name }}",
                        "It has been a while. Come and see what is new.\n\nUnsubscribe: "
                        "{{ unsubscribe_url }}")},
    "discount": {"nl": ("10 % korting voor u, {{ person.first_name }}",
                        "Als welkom terug: 10 % korting op uw volgende aankoop.\n\nAfmelden: "
                        "{{ unsubscribe_url }}"),
                 "en": ("10 % off for you, {{ person.first_name }}",
                        "Welcome back: 10 % off your next purchase.\n\nUnsubscribe: "
                        "{{ unsubscribe_url }}")},
}


@dataclass(slots=True)
class DemoJourneys:
    created: int = 0
    welcome_enrolled: int = 0
    winback_enrolled: int = 0


async def _templates(store: Store, name: str) -> dict[str, str]:
    ids = {}
    for language, (subject, body) in TEXTS[name].items():
        template = MessageTemplate(id=new_id(), name=f"Journey: {name} ({language})",
                                   channel="email", subject=subject, body=body)
        await store.templates.insert(template)
        ids[language] = template.id
    return ids


async def _welcome(store: Store) -> dict[str, object]:
    return {
        "trigger": {"kind": "event", "event": {"kind": "form_submitted"}},
        "start": "welcome",
        "steps": [
            {"type": "send", "id": "welcome", "channel": "email",
             "templates": await _templates(store, "welcome"), "next": "listen"},
            {"type": "wait", "id": "listen", "event": {"kind": "message_received"},
             "timeout_minutes": 3 * 24 * 60, "next": "sales", "on_timeout": "reminder"},
            {"type": "notify", "id": "sales", "team": "sales",
             "note": "Replied to the welcome mail"},
            {"type": "send", "id": "reminder", "channel": "email",
             "templates": await _templates(store, "reminder")}],
        "goals": [{"kind": "transaction_recorded"}],
        "reentry": {"mode": "once"}}


async def _winback(store: Store) -> dict[str, object]:
    return {
        "trigger": {"kind": "manual"},
        "start": "offer",
        "steps": [
            {"type": "send", "id": "offer", "channel": "email", "ab": {
                "variants": [{"key": "A", "templates": await _templates(store, "miss_you")},
                             {"key": "B", "templates": await _templates(store, "discount")}],
                "test_share": 50, "metric": "conversion",
                "conversion": {"kind": "transaction_recorded"}, "window_days": 14,
                "decide_after_hours": 7 * 24}, "next": "week"},
            {"type": "wait", "id": "week", "minutes": 7 * 24 * 60, "next": "bought"},
            {"type": "branch", "id": "bought", "test": "segment",
             "filter": {"field": "revenue", "op": "gt", "value": 0, "period": {"days": 8}},
             "yes": "won", "no": "retention"},
            {"type": "update", "id": "won", "add_tags": ["won_back"]},
            {"type": "notify", "id": "retention", "team": "retention",
             "note": "Did not come back after the win-back mail"}],
        "reentry": {"mode": "every_days", "days": 180}}


async def _journey(store: Store, service: JourneyService, name: str,
                   build: Callable[[Store], Awaitable[dict[str, object]]]
                   ) -> tuple[Journey, bool]:
    for journey in await service.all():
        if journey.name == name:
            return journey, False
    journey = await service.create(name, await build(store))
    return await service.update(journey.id, status="active"), True


async def fallen_customers(store: Store, now: datetime, *, limit: int) -> list[str]:
    """Persons whose pyramid tier fell from the previous half year to the last one."""
    analytics = AnalyticsService(store)
    half = timedelta(days=182)
    before = await analytics.tiers_now(now - 2 * half, now - half, "person")
    after = await analytics.tiers_now(now - half, now, "person")
    fallen = [pid for pid, tier in before.items()
              if TIER_ORDER.get(after.get(pid, "inactive"), 0) < TIER_ORDER.get(tier, 0)]
    return sorted(fallen)[:limit]


async def create_demo_journeys(store: Store, service: JourneyService,
                               now: datetime) -> DemoJourneys:
    summary = DemoJourneys()
    welcome, made = await _journey(store, service, "Welkomstreeks", _welcome)
    summary.created += made
    winback, made = await _journey(store, service, "Terugwinnen", _winback)
    summary.created += made
    newest = await store.persons.find_matching(MATCH_ALL, limit=5000)
    prospects = [p.id for p in reversed(newest) if p.customer_status == "prospect" and p.emails]
    for result in await service.enrol_manual(welcome.id, prospects[:WELCOME_ENROLMENTS]):
        summary.welcome_enrolled += result.enrolment_id is not None
    fallen = await fallen_customers(store, now, limit=WINBACK_ENROLMENTS)
    if fallen:
        for result in await service.enrol_manual(winback.id, fallen):
            summary.winback_enrolled += result.enrolment_id is not None
    return summary
