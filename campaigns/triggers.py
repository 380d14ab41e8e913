"""Event-triggered surveys (issue 7): a rule such as "after a call with outcome `resolved`,
send the CSAT survey on the person's preferred channel after 2 hours, at most once per 30
days per person".

Firing is idempotent per (rule, source event): the firing record is unique on that pair, so
a call logged twice, or a replayed notification, fires once. A due firing is sent by the
worker (`run_due`), which re-checks the person then: opted out or unreachable → `skipped`
with the reason. The 30-day cap counts this rule's pending and sent firings for the person.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from campaigns.engine.personalise import variables_for
from campaigns.survey_texts import survey_invitation
from campaigns.surveys import SurveyService
from campaigns.templates import BUILTIN_TEXTS, MessageTexts, TemplateProblem, compiled
from campaigns.trigger_rule_cache import TriggerRuleCache
from hub.domain.channels import sendable
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event, SurveyInfo
from hub.domain.parties import Person
from hub.domain.surveys import Survey, TriggerFiring, TriggerRule
from hub.errors import DuplicateKey, Held, HubError, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.messaging import MessagingService
from hub.services.outbound import why_not
from hub.services.survey_fatigue import surveyed_since

log = logging.getLogger("hub.campaigns.triggers")
MAX_RULES = 200


def default_text(survey: Survey, person: Person, url: str, channel: str, *,
                 texts: MessageTexts = BUILTIN_TEXTS) -> tuple[str, str]:
    """Subject and text when the rule names no template: `templates/messages/survey/` in the
    person's language (the question, the link, and for SMS the invitation to answer with a
    number)."""
    rendered = survey_invitation(survey, person.language, url, channel, texts=texts)
    return rendered.subject or "", rendered.text


class TriggerService:
    def __init__(self, store: Store, surveys: SurveyService,
                 messaging: MessagingService | None, *,
                 texts: MessageTexts = BUILTIN_TEXTS, fatigue_days: int | None = None) -> None:
        self._store = store
        self._fatigue_days = fatigue_days
        self._surveys = surveys
        self._messaging = messaging
        self._texts = texts
        self._cached_rules = TriggerRuleCache(self.rules)

    # --- rules ---------------------------------------------------------------------------

    async def create(self, rule: TriggerRule) -> TriggerRule:
        await self._surveys.get(rule.survey_id)
        for channel, template_id in rule.templates.items():
            template = await self._store.templates.get(template_id)
            if template is None or template.channel != channel:
                raise InvalidInput(N_("templates.%(channel)s: no %(channel)s template "
                                      "%(template_id)s"),
                                   params={"channel": channel, "template_id": template_id},
                                   details={"field": f"templates.{channel}"})
        await self._store.trigger_rules.insert(rule)
        self._cached_rules.forget()
        return rule

    async def get(self, rule_id: str) -> TriggerRule:
        rule = await self._store.trigger_rules.get(rule_id)
        if rule is None:
            raise NotFound(N_("no trigger %(rule_id)s"),
                           params={"rule_id": rule_id}, details={"id": rule_id})
        return rule

    async def rules(self) -> list[TriggerRule]:
        return await self._store.trigger_rules.find(limit=MAX_RULES)

    async def switch(self, rule_id: str, enabled: bool) -> TriggerRule:
        rule = await self.get(rule_id)
        updated = rule.model_copy(update={"enabled": enabled, "updated_at": utcnow()})
        await self._store.trigger_rules.replace(updated)
        self._cached_rules.forget()
        return updated

    # --- firing --------------------------------------------------------------------------

    @staticmethod
    def matches(rule: TriggerRule, event: Event) -> bool:
        if not rule.enabled or event.channel != rule.event_channel or not event.person_id:
            return False
        if rule.direction is not None and event.direction != rule.direction:
            return False
        if rule.outcome is not None:
            outcome = event.call.outcome if event.call else None
            return (outcome or "").strip().lower() == rule.outcome.strip().lower()
        return True

    async def consider(self, event: Event) -> list[TriggerFiring]:
        """Fire every enabled rule the event matches, once per (rule, event)."""
        fired: list[TriggerFiring] = []
        for rule in await self._cached_rules.rules():
            if not self.matches(rule, event):
                continue
            now = utcnow()
            firing = TriggerFiring(
                id=new_id(), rule_id=rule.id, event_id=event.id,
                person_id=event.person_id or "", survey_id=rule.survey_id,
                due_at=max(now, event.occurred_at + timedelta(minutes=rule.delay_minutes)))
            try:
                await self._store.trigger_firings.insert(firing)
            except DuplicateKey:
                continue  # this rule already fired for this event
            if rule.cap_days and await self._store.trigger_firings.recent_for_person(
                    rule.id, firing.person_id, now - timedelta(days=rule.cap_days),
                    exclude_id=firing.id):
                firing = await self._finish(firing, "skipped",
                                            f"already surveyed within {rule.cap_days} days")
            fired.append(firing)
        return fired

    async def run_due(self, *, limit: int = 50) -> int:
        """Send the firings whose time has come; returns how many were handled."""
        due = await self._store.trigger_firings.due(utcnow(), limit=limit)
        for firing in due:
            try:
                await self._send(firing)
            except HubError as exc:
                log.warning("triggered survey failed", extra={"firing_id": firing.id,
                                                              "error": exc.code})
                await self._finish(firing, "failed", exc.message)
        return len(due)

    async def _send(self, firing: TriggerFiring) -> None:
        rule = await self._store.trigger_rules.get(firing.rule_id)
        survey = await self._store.surveys.get(firing.survey_id)
        person = await self._store.persons.get(firing.person_id)
        if rule is None or survey is None or person is None or not person.is_active:
            await self._finish(firing, "skipped", "the rule, survey or person is gone")
            return
        if not rule.enabled:
            await self._finish(firing, "skipped", "the trigger was switched off")
            return
        channel, why = self._channel(rule, person)
        if channel is None:
            await self._finish(firing, "skipped", why)
            return
        if self._messaging is None:
            return  # no channels in this process: leave it for a worker that has them
        if self._fatigue_days and await surveyed_since(
                self._store, person.id, utcnow() - timedelta(days=self._fatigue_days)):
            await self._finish(firing, "skipped", f"already surveyed within "
                               f"{self._fatigue_days} days (HUB_SURVEY_FATIGUE_DAYS)")
            return
        send_key = f"trigger:{rule.id}:{firing.event_id}"
        url = await self._surveys.link(survey.id, person.id, send_key=send_key)
        subject, text = await self._render(rule, survey, person, url, channel)
        try:
            event = await self._messaging.send_to_person(
                person.id, text=text, subject=subject or None, channel=channel,
                purpose="marketing", survey=SurveyInfo(survey_id=survey.id),
                data={"survey_send_key": send_key, "trigger_id": rule.id,
                      "source_event_id": firing.event_id})
        except Held as held:
            if held.until is None:  # the frequency cap
                await self._finish(firing, "skipped", held.message, channel=channel)
            else:  # the person's quiet hours: due again when they end
                await self._store.trigger_firings.replace(firing.model_copy(update={
                    "due_at": held.until, "updated_at": utcnow()}))
            return
        status = "failed" if event.status == "failed" else "sent"
        await self._finish(firing, status, None if status == "sent" else "the send failed",
                           channel=channel, sent_event_id=event.id)

    @staticmethod
    def _channel(rule: TriggerRule, person: Person) -> tuple[str | None, str]:
        """The first usable channel of the rule's list (a survey is marketing: an opt-out or
        an undeliverable address passes the channel by)."""
        reasons: list[str] = []
        for choice in rule.channels:
            channel = person.preferred_channel if choice == "preferred" else choice
            if sendable(channel or "") is None:
                continue
            why = why_not(person, channel or "", "marketing")
            if why is None:
                return channel, ""
            reasons.append(f"{channel}: {why}")
        return None, "; ".join(reasons) or "no usable channel"

    async def _render(self, rule: TriggerRule, survey: Survey, person: Person, url: str,
                      channel: str) -> tuple[str, str]:
        template_id = rule.templates.get(channel)
        template = await self._store.templates.get(template_id) if template_id else None
        if template is None:
            return default_text(survey, person, url, channel, texts=self._texts)
        variables: dict[str, Any] = await variables_for(
            self._store, None, person, unsubscribe_url="", survey_url=url)
        try:
            rendered = compiled(template).render(variables)
        except TemplateProblem as exc:
            raise InvalidInput(N_("the trigger's %(channel)s template failed: %(message)s"),
                               params={"channel": channel, "message": exc.message}) from exc
        return rendered.subject or "", rendered.text

    async def _finish(self, firing: TriggerFiring, status: str, reason: str | None, *,
                      channel: str | None = None, sent_event_id: str | None = None
                      ) -> TriggerFiring:
        updated = firing.model_copy(update={
            "status": status, "reason": reason, "channel": channel,
            "sent_event_id": sent_event_id, "updated_at": utcnow()})
        updated = TriggerFiring.model_validate(updated.to_doc())
        await self._store.trigger_firings.replace(updated)
        return updated
