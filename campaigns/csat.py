"""CSAT on resolution (issue 13): when a conversation is resolved, the first enabled CSAT rule
that matches it (team, channel, label; a resolution by the clock only when the rule says
so) sends its survey on the channel the customer last used, through the one outbound path,
under the one survey fatigue cap (HUB_SURVEY_FATIGUE_DAYS, shared with triggered surveys).

The send carries `conversation_id`; the answer (link, SMS or email reply) lands on the
conversation (`hub.services.conversations`), and so on its agent's figures. One send per
resolution: the send key names the conversation and its resolution time, so a retried
resolution carries the same link and a second send is held by the fatigue cap."""

from __future__ import annotations

import logging
from datetime import timedelta

from campaigns.surveys import SurveyService
from campaigns.templates import BUILTIN_TEXTS, MessageTexts
from campaigns.triggers import default_text
from hub.domain.common import iso, utcnow
from hub.domain.conversations import Conversation, CsatRule
from hub.domain.events import Event, SurveyInfo
from hub.errors import Held, HubError, InvalidInput
from hub.i18n import N_
from hub.ports import Store
from hub.services.messaging import MessagingService
from hub.services.outbound import why_not
from hub.services.survey_fatigue import surveyed_since

log = logging.getLogger("hub.campaigns.csat")


class CsatService:
    def __init__(self, store: Store, surveys: SurveyService, messaging: MessagingService, *,
                 fatigue_days: int, texts: MessageTexts = BUILTIN_TEXTS) -> None:
        self._store = store
        self._surveys = surveys
        self._messaging = messaging
        self._fatigue = timedelta(days=fatigue_days)
        self._texts = texts

    async def rules(self) -> list[CsatRule]:
        return await self._store.csat_rules.find(limit=200)

    async def create(self, rule: CsatRule) -> CsatRule:
        survey = await self._surveys.get(rule.survey_id)
        if survey.kind != "csat":
            raise InvalidInput(N_("survey %(survey_id)s is an %(kind)s survey, not csat"),
                               params={"survey_id": survey.id, "kind": survey.kind},
                               details={"field": "survey_id"})
        if rule.team_id is not None and await self._store.teams.get(rule.team_id) is None:
            raise InvalidInput(N_("no team %(team_id)s"), params={"team_id": rule.team_id},
                               details={"field": "team_id"})
        if rule.label is not None and await self._store.labels.get(rule.label) is None:
            raise InvalidInput(N_("no label %(label)s"), params={"label": rule.label},
                               details={"field": "label"})
        await self._store.csat_rules.insert(rule)
        return rule

    async def on_resolved(self, conversation: Conversation, auto: bool) -> Event | None:
        """Send the CSAT survey for this resolution, or None (no rule, fatigue, no channel).
        A failure is logged, never raised: the resolution itself stands."""
        try:
            return await self._send(conversation, auto)
        except HubError as exc:
            log.warning("CSAT not sent", extra={"conversation_id": conversation.id,
                                                "error": exc.code})
            return None

    async def _send(self, conversation: Conversation, auto: bool) -> Event | None:
        rule = next((r for r in await self.rules() if r.matches(conversation, auto=auto)), None)
        if rule is None:
            return None
        person = await self._store.persons.get(conversation.person_id)
        if person is None or not person.is_active:
            return None
        now = utcnow()
        if await surveyed_since(self._store, person.id, now - self._fatigue):
            return None  # one survey per person per fatigue window, whatever sent it
        channels = [c for c in reversed(conversation.channels) if c in ("email", "sms")]
        channel = next((c for c in channels if why_not(person, c, "marketing") is None), None)
        if channel is None:
            return None
        survey = await self._surveys.get(rule.survey_id)
        resolved = iso(conversation.resolved_at or now)
        send_key = f"csat:{conversation.id}:{resolved}"
        url = await self._surveys.link(survey.id, person.id, send_key=send_key)
        subject, text = default_text(survey, person, url, channel, texts=self._texts)
        try:
            return await self._messaging.send_to_person(
                person.id, text=text, subject=subject or None, channel=channel,
                purpose="marketing", survey=SurveyInfo(survey_id=survey.id),
                data={"survey_send_key": send_key, "conversation_id": conversation.id,
                      "csat_rule_id": rule.id})
        except Held as held:
            log.info("CSAT held", extra={"conversation_id": conversation.id,
                                         "reason": held.message})
            return None
