"""Campaign lifecycle and stats: draft → scheduled → running ⇄ paused → completed|cancelled;
what a campaign page shows (its problems, replies, reach forecast and a test rendering)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaigns.engine.ab import CampaignAbTests
from campaigns.engine.personalise import variables_for
from campaigns.guardrails import measure
from campaigns.preflight import PreflightRunner, fingerprint
from campaigns.reach import REACH_CAP, Reach, forecast_reach
from campaigns.survey_texts import (
    check_survey_link,
    survey_campaign_templates,
    survey_languages,
)
from campaigns.templates import BUILTIN_TEXTS, MessageTexts, TemplateProblem, check, compiled
from hub.domain.campaign_ab import decide_at
from hub.domain.campaigns import (
    TRANSITIONS,
    Campaign,
    CampaignStatus,
    Delivery,
    MessageTemplate,
)
from hub.domain.channels import CHANNEL_CHOICES
from hub.domain.common import utcnow
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.domain.surveys import Survey
from hub.errors import Conflict, InvalidInput, NotFound
from hub.i18n import N_, supported
from hub.ports import Store

PROBLEM_STATUSES = ("failed", "skipped", "unknown")


@dataclass(frozen=True, slots=True)
class TestMessage:
    """A campaign's templates rendered for one person of its audience, all channels in one
    text (for a test mail to the staff member who asks)."""

    person: Person
    subject: str
    text: str
    html: str | None


class CampaignService:
    def __init__(self, store: Store, *, texts: MessageTexts = BUILTIN_TEXTS,
                 preflight_full_limit: int = 5000) -> None:
        self._store = store
        self._texts = texts
        self.preflights = PreflightRunner(store, full_limit=preflight_full_limit)
        self.ab_tests = CampaignAbTests(store)

    async def get(self, campaign_id: str) -> Campaign:
        campaign = await self._store.campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(N_("no campaign %(campaign_id)s"),
                           params={"campaign_id": campaign_id}, details={"id": campaign_id})
        return campaign

    async def find(self, *, limit: int = 50) -> list[Campaign]:
        return await self._store.campaigns.find(limit=limit)

    async def create(self, campaign: Campaign) -> Campaign:
        """Check and store a draft. A survey campaign's chosen templates must carry the survey
        link; without any, it gets the default survey texts (saved as templates, and only once
        everything else has been checked)."""
        if (campaign.segment_id is None) == (campaign.filter is None):
            raise InvalidInput(N_("give either segment_id or filter"), details={"field": "filter"})
        if campaign.segment_id and await self._store.segments.get(campaign.segment_id) is None:
            raise InvalidInput(N_("no segment %(segment_id)s"),
                               params={"segment_id": campaign.segment_id},
                               details={"field": "segment_id"})
        if campaign.filter is not None:
            parse_filter(campaign.filter)
        if campaign.topic_id and await self._store.topics.get(campaign.topic_id) is None:
            raise InvalidInput(N_("no topic %(topic_id)s"), params={"topic_id": campaign.topic_id},
                               details={"field": "topic_id"})
        if not campaign.channels or any(c not in CHANNEL_CHOICES for c in campaign.channels):
            raise InvalidInput(N_("channels: use an ordered list of %(channel_choices)s"),
                               params={"channel_choices": list(CHANNEL_CHOICES)},
                               details={"field": "channels"})
        survey = await self._survey_of(campaign) if campaign.kind == "survey" else None
        if not campaign.templates and survey is None:
            raise InvalidInput(N_('templates: give a template id per channel, e.g. '
                                  '{"email": "…", "sms": "…"}'), details={"field": "templates"})
        for channel, template_id in campaign.templates.items():
            await self._check_template(f"templates.{channel}", channel, template_id, survey)
        language = supported(campaign.language) or self._texts.default_language
        by_language = self._language_keys(campaign, language)
        for code, by_channel in by_language.items():
            for channel, template_id in by_channel.items():
                if channel not in campaign.templates and not (survey and not campaign.templates):
                    raise InvalidInput(
                        N_("language_templates.%(language)s.%(channel)s: give the %(channel)s "
                           "template in the campaign's own language too (under templates); "
                           "it is the one a reader without a template in their language gets"),
                        params={"language": code, "channel": channel},
                        details={"field": f"language_templates.{code}.{channel}"})
                await self._check_template(f"language_templates.{code}.{channel}", channel,
                                           template_id, survey)
        for variant in campaign.ab.variants if campaign.ab else []:
            for channel, template_id in variant.templates.items():
                field = f"ab.variants.{variant.key}.templates.{channel}"
                if channel not in campaign.templates:
                    raise InvalidInput(N_("%(field)s: the campaign has no %(channel)s template "
                                          "for this variant to replace"),
                                       params={"field": field, "channel": channel},
                                       details={"field": field})
                await self._check_template(field, channel, template_id, survey)
        if survey is not None and not campaign.templates:
            language, templates, translated = await self._save_default_texts(survey, language)
            by_language = {**translated, **self._language_keys(campaign, language)}
            campaign = campaign.model_copy(update={"templates": templates})
        campaign = campaign.model_copy(update={"status": "draft", "language": language,
                                               "language_templates": by_language})
        await self._store.campaigns.insert(campaign)
        return campaign

    async def _check_template(self, field: str, channel: str, template_id: str,
                              survey: Survey | None) -> None:
        template = await self._store.templates.get(template_id)
        if template is None or template.channel != channel:
            raise InvalidInput(N_("%(field)s: no %(channel)s template %(id)s"),
                               params={"field": field, "channel": channel, "id": template_id},
                               details={"field": field})
        if survey is not None:
            check_survey_link(channel, template)
        compiled(template)

    @staticmethod
    def _language_keys(campaign: Campaign, language: str) -> dict[str, dict[str, str]]:
        """`language_templates` with each key as recipients' languages are matched (`en-GB`
        is `en`); the campaign's own language is its `templates`, so it is dropped here. A
        code Hub does not know is kept: nobody's language matches it, so those readers fall
        back (counted), never an error."""
        keyed: dict[str, dict[str, str]] = {}
        for code, by_channel in campaign.language_templates.items():
            key = supported(code) or code.strip().lower()[:35]
            if key and key != language and by_channel:
                keyed.setdefault(key, {}).update(by_channel)
        return keyed

    async def _survey_of(self, campaign: Campaign) -> Survey:
        if not campaign.survey_id:
            raise InvalidInput(N_("choose the survey to send: a survey campaign needs the "
                                  "survey_id of an existing survey"),
                               details={"field": "survey_id"})
        survey = await self._store.surveys.get(campaign.survey_id)
        if survey is None:
            raise InvalidInput(N_("there is no survey %(survey_id)s"),
                               params={"survey_id": campaign.survey_id},
                               details={"field": "survey_id"})
        return survey

    async def _save_default_texts(self, survey: Survey, language: str
                                  ) -> tuple[str, dict[str, str], dict[str, dict[str, str]]]:
        """The default survey texts saved as templates, in each language the survey has:
        the campaign's `language` when the survey has it (else the survey's own, which then
        becomes the campaign's language) as its `templates`, the others as
        `language_templates`."""
        languages = survey_languages(survey)
        own = language if language in languages else survey.language
        made: dict[str, dict[str, str]] = {}
        for code in [own, *(code for code in languages if code != own)]:
            templates = survey_campaign_templates(survey, texts=self._texts, language=code)
            for template in templates.values():
                check(template)
            for channel, template in templates.items():
                await self._store.templates.insert(template)
                made.setdefault(code, {})[channel] = template.id
        return own, made.pop(own), made

    async def _move(self, campaign_id: str, status: CampaignStatus,
                    fields: dict[str, Any] | None = None) -> Campaign:
        current = await self.get(campaign_id)
        allowed = [s for s, targets in TRANSITIONS.items() if status in targets]
        moved = await self._store.campaigns.set_status(campaign_id, status, expected=allowed,
                                                       fields=fields)
        if moved is None:
            raise Conflict(N_("a %(status)s campaign cannot become %(target)s"),
                           params={"status": current.status, "target": status},
                           details={"status": current.status})
        return moved

    async def launch(self, campaign_id: str, *, template_failures: str | None = None
                     ) -> Campaign:
        """Launch a draft. When its current preflight found persons the templates fail
        for, staff must choose: `template_failures="skip"` skips them (each delivery that
        fails to render is `skipped` with the reason); otherwise Conflict, to fix first."""
        campaign = await self.get(campaign_id)
        if campaign.status != "draft":
            raise Conflict(N_("only a draft can be launched; this one is %(status)s"),
                           params={"status": campaign.status},
                           details={"status": campaign.status})
        fields: dict[str, Any] = {}
        preflight = await self.preflight(campaign)
        if preflight is not None and not preflight["stale"]:
            if preflight["state"] == "running":
                raise Conflict(N_("the preflight is still rendering the templates for the "
                                  "audience; launch when it is done"),
                               details={"preflight": "running"})
            if preflight.get("failed") and template_failures != "skip":
                raise Conflict(
                    N_("the templates fail for %(failed)s person(s) (preflight): fix the "
                       "template, or launch with template_failures=skip to skip them"),
                    params={"failed": preflight["failed"]},
                    details={"preflight_failed": preflight["failed"]})
            fields["preflight_skip"] = bool(preflight.get("failed"))
        now = utcnow()
        later = campaign.send_at is not None and campaign.send_at > now
        if campaign.ab is not None:
            moment = decide_at(campaign.ab, max(now, campaign.send_at or now))
            for variant in campaign.ab.variants:
                if variant.send_at is not None and variant.send_at >= moment:
                    raise InvalidInput(
                        N_("variant %(key)s is sent after the A/B decision (%(decide_at)s): "
                           "send it earlier or decide later"),
                        params={"key": variant.key, "decide_at": moment.isoformat()},
                        details={"field": f"ab.variants.{variant.key}.send_at"})
        return await self._move(campaign_id, "scheduled" if later else "running",
                                {"launched_at": now, **fields})

    async def _fingerprint(self, campaign: Campaign) -> str:
        templates: dict[str, MessageTemplate | None] = await self.templates_of(campaign)
        for (language, channel), template in (await self.language_templates_of(campaign)
                                              ).items():
            templates[f"{language}:{channel}"] = template
        for variant in campaign.ab.variants if campaign.ab else []:
            for channel, template_id in variant.templates.items():
                templates[f"ab:{variant.key}:{channel}"] = await self._store.templates.get(
                    template_id)
        return fingerprint(campaign, await self.audience_filter(campaign), templates)

    async def preflight(self, campaign: Campaign) -> dict[str, Any] | None:
        """The campaign's last preflight (None: never run), `stale` when it no longer fits."""
        return await self.preflights.state(campaign, await self._fingerprint(campaign))

    async def start_preflight(self, campaign_id: str) -> dict[str, Any]:
        """Render every template for the audience in the background (see campaigns.preflight)."""
        campaign = await self.get(campaign_id)
        if campaign.status != "draft":
            raise Conflict(N_("a preflight checks a draft before its launch"),
                           details={"status": campaign.status})
        return await self.preflights.start(campaign, await self._fingerprint(campaign))

    async def pause(self, campaign_id: str) -> Campaign:
        return await self._move(campaign_id, "paused")

    async def resume(self, campaign_id: str) -> Campaign:
        """Running again; the deliverability guardrails count afresh from here (staff saw the
        figures that paused it), so a resume is not undone by the same figures."""
        baseline = (await measure(self._store, campaign_id)).to_doc()
        return await self._move(campaign_id, "running", {
            "paused_reason": None, "paused_guard": None, "guard_baseline": baseline})

    async def cancel(self, campaign_id: str) -> Campaign:
        """Cancelled at once: what waits is marked `cancelled` now, and workers check the
        status again right before each hand-over, so nothing starts after this returns."""
        campaign = await self._move(campaign_id, "cancelled", {"finished_at": utcnow()})
        await self._store.deliveries.cancel_open(campaign.id, N_("the campaign was cancelled"))
        return campaign

    async def stats(self, campaign: Campaign) -> dict[str, Any]:
        counts = await self._store.deliveries.counts(campaign.id)
        replied = await self._store.events.count_campaign_persons(campaign.id,
                                                                  direction="inbound")
        total = counts.total
        open_ = counts.get("queued") + counts.get("leased") + counts.get("sending")
        return {
            "audience": total, "queued": open_,
            "sent": counts.get("sent") + counts.get("delivered"),
            "delivered": counts.get("delivered"), "failed": counts.get("failed"),
            "skipped": counts.get("skipped"), "unknown": counts.get("unknown"),
            "cancelled": counts.get("cancelled"),
            "replied": replied, "opted_out": counts.opted_out,
            "language_fallbacks": counts.language_fallbacks,
            "responses": await self._store.survey_responses.count_for_campaign(campaign.id),
            "progress": 1.0 if total == 0 and campaign.snapshot_complete
            else (round((total - open_) / total, 4) if total else 0.0),
        }

    async def ab_results(self, campaign_id: str) -> dict[str, Any]:
        """The A/B test's figures per variant, the leading variant and its p-value until the
        decision; after it, the figures it was decided on and the winner."""
        campaign = await self.get(campaign_id)
        if campaign.ab is None:
            raise NotFound(N_("campaign %(campaign_id)s has no A/B test"),
                           params={"campaign_id": campaign_id}, details={"id": campaign_id})
        return await self.ab_tests.results(campaign)

    async def describe(self, campaign_id: str) -> dict[str, Any]:
        campaign = await self.get(campaign_id)
        return {**campaign.to_json(), "stats": await self.stats(campaign)}

    async def problems(self, campaign: Campaign, *, limit: int) -> list[Delivery]:
        """Deliveries that failed, were skipped or ended unknown, with their reasons."""
        return await self._store.deliveries.with_status(campaign.id, PROBLEM_STATUSES,
                                                        limit=limit)

    async def replies(self, campaign: Campaign, *, limit: int) -> list[Event]:
        """Inbound events linked to the campaign, newest first."""
        return await self._store.events.for_campaign(campaign.id, direction="inbound",
                                                     limit=limit)

    async def templates_of(self, campaign: Campaign) -> dict[str, MessageTemplate | None]:
        return {c: await self._store.templates.get(t) for c, t in campaign.templates.items()}

    async def language_templates_of(self, campaign: Campaign
                                    ) -> dict[tuple[str, str], MessageTemplate | None]:
        """The templates in other languages than the campaign's, by (language, channel)."""
        return {(language, channel): await self._store.templates.get(template_id)
                for language, by_channel in sorted(campaign.language_templates.items())
                for channel, template_id in by_channel.items()}

    async def audience_filter(self, campaign: Campaign) -> dict[str, Any]:
        """The filter the audience is drawn with now: the saved segment's, else the
        campaign's own (empty: everybody)."""
        if campaign.segment_id:
            segment = await self._store.segments.get(campaign.segment_id)
            if segment is not None:
                return segment.filter
        return campaign.filter or {}

    async def reach(self, *, channels: Sequence[str], require_opt_in: bool,
                    segment_id: str | None = None, filter_: dict[str, Any] | None = None,
                    template_channels: Sequence[str] | None = None,
                    templates: Mapping[str, str] | None = None,
                    cap: int = REACH_CAP) -> Reach:
        """The reach forecast (see `campaigns.reach`) of a campaign not yet created: for a
        saved segment or a filter, on `channels` in order; `templates` (channel → template
        id, when chosen) tell which channels have a provider-approved template."""
        if segment_id is not None:
            segment = await self._store.segments.get(segment_id)
            if segment is None:
                raise InvalidInput(N_("no segment %(segment_id)s"),
                                   params={"segment_id": segment_id},
                                   details={"field": "segment_id"})
            filter_ = segment.filter
        return await forecast_reach(self._store, filter_=filter_ or {}, channels=channels,
                                    require_opt_in=require_opt_in,
                                    template_channels=template_channels,
                                    approved_channels=await self.approved_channels(templates),
                                    cap=cap)

    async def reach_of(self, campaign: Campaign) -> Reach:
        """The reach forecast of a stored campaign, with its templates' channels."""
        return await forecast_reach(
            self._store, filter_=await self.audience_filter(campaign),
            channels=campaign.channels, require_opt_in=campaign.require_opt_in,
            template_channels=list(campaign.templates),
            approved_channels=await self.approved_channels(campaign.templates))

    async def approved_channels(self, templates: Mapping[str, str] | None) -> list[str]:
        """The channels whose template carries a provider-approved one (a WhatsApp content
        template): the dispatch sends those outside the 24-hour window too."""
        approved = []
        for channel, template_id in (templates or {}).items():
            template = await self._store.templates.get(template_id) if template_id else None
            if template is not None and template.content_sids:
                approved.append(channel)
        return approved

    async def test_message(self, campaign_id: str) -> TestMessage:
        """Each of the campaign's templates rendered for the first person of its audience;
        InvalidInput when the audience is empty, TemplateProblem (naming the person in its
        details) when a template fails for them."""
        campaign = await self.get(campaign_id)
        filter_ = await self.audience_filter(campaign)
        predicate = plan(parse_filter(filter_) if filter_ else None, utcnow())
        persons = await self._store.persons.find_matching(predicate, limit=1)
        if not persons:
            raise InvalidInput(N_("The segment matches nobody now: nothing to test."))
        person = persons[0]
        variables = await variables_for(self._store, campaign, person,
                                        unsubscribe_url="(unsubscribe)",
                                        preferences_url="(preferences)",
                                        survey_url="(survey link)")
        parts, html = [], None
        subject = f"[Test] {campaign.name}"
        for channel, template in (await self.templates_of(campaign)).items():
            if template is None:
                raise NotFound(N_("no template %(templates)s"),
                               params={"templates": campaign.templates[channel]})
            try:
                rendered = compiled(template).render(variables)
            except TemplateProblem as exc:
                exc.details = {**exc.details, "person": person.name or person.id}
                raise
            if channel == "email":
                subject = f"[Test] {rendered.subject or campaign.name}"
                html = rendered.html
            parts.append(f"--- {channel} (as {person.name or person.id}) ---\n{rendered.text}")
        return TestMessage(person, subject, "\n\n".join(parts), html)
