"""/campaigns: the wizard (segment → channels in order, with reach and skips → templates per
channel → schedule and rate → create a draft), the draft's review with a test send to
yourself and the launch, and the campaign page with live counters (polled JSON), pause,
resume, cancel, failures and skips with reasons, and the replies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from campaigns.engine.personalise import variables_for
from campaigns.templates import TemplateProblem, compiled
from hub.domain.campaigns import CHANNEL_CHOICES, Campaign, MessageTemplate
from hub.domain.common import new_id
from hub.domain.segments import parse_filter, plan
from hub.domain.staff import MARKETING
from hub.domain.surveys import Survey
from hub.errors import Conflict, HubError, InvalidInput
from hub.web.campaign_keys import CAMPAIGNS
from hub.web.keys import SERVICES, STORE
from hub.web.survey_keys import SURVEYS
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.marketing.model import reach
from hub.web.ui.render import redirect, render

LISTED = 200
PROBLEMS_LISTED = 100
REPLIES_LISTED = 50
ACTIONS = {"launch": "launched", "pause": "paused", "resume": "resumed",
           "cancel": "cancelled"}


def _choices(source: Any) -> dict[str, Any]:
    """The wizard's fields, from the query (GET, step by step) or the form (POST)."""
    channels = [str(source.get(f"channel_{i}", "")) for i in range(3)]
    channels = list(dict.fromkeys(c for c in channels if c in CHANNEL_CHOICES))
    rate = str(source.get("rate_per_minute", "") or "").strip()
    kind = "survey" if source.get("kind") == "survey" else "message"
    return {"name": str(source.get("name", "") or "")[:200].strip(), "kind": kind,
            "survey_id": str(source.get("survey_id", "") or "")[:64] if kind == "survey"
            else "",
            "segment_id": str(source.get("segment_id", "") or "")[:64],
            "channels": channels or ["preferred", "email", "sms"],
            "template_email": str(source.get("template_email", "") or "")[:64],
            "template_sms": str(source.get("template_sms", "") or "")[:64],
            "send_at": str(source.get("send_at", "") or "")[:40].strip(),
            "rate_per_minute": rate[:12],
            "require_opt_in": source.get("require_opt_in") in ("on", "1", "true"),
            "one_per_household": source.get("one_per_household") in ("on", "1", "true")}


async def _wizard(request: web.Request, choices: dict[str, Any], *, error: str | None = None,
                  status: int = 200) -> web.Response:
    store = request.app[STORE]
    segments = await store.segments.find(limit=LISTED)
    templates = await store.templates.find(limit=LISTED)
    segment = next((s for s in segments if s.id == choices["segment_id"]), None)
    surveys = await request.app[SURVEYS].surveys.list(limit=LISTED)
    reached = None
    chosen = [c for c in ("email", "sms") if choices[f"template_{c}"]]
    if choices["kind"] == "survey" and not chosen:
        chosen = ["email", "sms"]  # the default survey texts, written at creation
    if segment is not None:
        try:
            reached = await reach(store, segment.filter, choices["channels"],
                                  require_opt_in=choices["require_opt_in"],
                                  template_channels=chosen or None)
        except InvalidInput as exc:
            error = error or exc.message
    return render(request, "ui/marketing/wizard.html", {
        "title": "New campaign", "nav": "campaigns", "c": choices, "segments": segments,
        "segment": segment, "reach": reached, "channel_choices": CHANNEL_CHOICES,
        "email_templates": [t for t in templates if t.channel == "email"],
        "sms_templates": [t for t in templates if t.channel == "sms"],
        "surveys": surveys, "survey": next((s for s in surveys if s.id == choices["survey_id"]),
                                           None),
        "error": error}, status=status)


@staff_page(MARKETING)
async def campaigns_page(request: web.Request) -> web.StreamResponse:
    kit = request.app[CAMPAIGNS]
    rows = []
    for campaign in reversed(await request.app[STORE].campaigns.find(limit=LISTED)):
        rows.append((campaign, await kit.campaigns.stats(campaign)))
    return render(request, "ui/marketing/campaigns.html", {
        "title": "Campaigns", "nav": "campaigns", "rows": rows})


@staff_page(MARKETING)
async def wizard_page(request: web.Request) -> web.StreamResponse:
    return await _wizard(request, _choices(request.query))


def _send_at(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"send at: {text[:40]!r} is not a date and time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@staff_page(MARKETING)
async def create_campaign(request: web.Request) -> web.StreamResponse:
    choices = _choices(await request.post())
    try:
        if not choices["name"]:
            raise InvalidInput("give the campaign a name")
        if not choices["segment_id"]:
            raise InvalidInput("choose a segment")
        templates = {c: choices[f"template_{c}"] for c in ("email", "sms")
                     if choices[f"template_{c}"]}
        rate = choices["rate_per_minute"]
        if rate and not rate.isdigit():
            raise InvalidInput("the rate is a whole number of messages per minute")
        fields: dict[str, Any] = {
            "name": choices["name"], "kind": choices["kind"],
            "survey_id": choices["survey_id"] or None, "segment_id": choices["segment_id"],
            "channels": choices["channels"], "send_at": _send_at(choices["send_at"]),
            "rate_per_minute": int(rate) if rate else None,
            "require_opt_in": choices["require_opt_in"],
            "one_per_household": choices["one_per_household"]}
        Campaign(id="check", templates=templates or {"email": "-"}, **fields)  # fail early
        if choices["kind"] == "survey":  # may save default texts: only once the rest is valid
            templates = await _survey_templates(request, choices["survey_id"], templates)
        campaign = Campaign(id=new_id(), templates=templates, **fields)
        campaign = await request.app[CAMPAIGNS].campaigns.create(campaign)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return await _wizard(request, choices, error=f"{where}: {first.get('msg')}", status=422)
    except InvalidInput as exc:
        return await _wizard(request, choices, error=exc.message, status=422)
    return redirect(f"/campaigns/{campaign.id}")


def default_survey_texts(survey: Survey) -> dict[str, MessageTemplate]:
    """The email and SMS templates a survey campaign gets when none is chosen: the question
    and the personal link `{{ survey_url }}` (and, by mail, the unsubscribe link)."""
    question = survey.question.replace("{", "(").replace("}", ")")
    low, high = survey.scale
    subject = question if len(question) <= 120 else survey.name.replace("{", "(")
    return {
        "email": MessageTemplate(
            id=new_id(), name=f"{survey.name} (survey email)"[:200], channel="email",
            subject=subject, body=(
                f"{question}\n\nAnswer with one tap: {{{{ survey_url }}}}\n\nOr reply to this "
                f"mail with a number from {low} to {high} on the first line.\n\n"
                "No more mails like this: {{ unsubscribe_url }}")),
        "sms": MessageTemplate(
            id=new_id(), name=f"{survey.name} (survey SMS)"[:200], channel="sms",
            body=f"{question} Reply with a number from {low} to {high}, or tap "
                 "{{ survey_url }}")}


async def _survey_templates(request: web.Request, survey_id: str,
                            chosen: dict[str, str]) -> dict[str, str]:
    """A survey campaign's templates: the chosen ones, each carrying `{{ survey_url }}`, or
    when none is chosen the default texts (saved as templates, editable afterwards)."""
    if not survey_id:
        raise InvalidInput("choose the survey to send")
    store = request.app[STORE]
    survey = await store.surveys.get(survey_id)
    if survey is None:
        raise InvalidInput(f"there is no survey {survey_id}")
    for channel, template_id in chosen.items():
        template = await store.templates.get(template_id)
        parts = (template.subject or "", template.body, template.html or "") if template \
            else ()
        if template is not None and not any("survey_url" in part for part in parts):
            raise InvalidInput(f"the {channel} template “{template.name}” has no "
                               "{{ survey_url }}: the persons would get no link to answer")
    if chosen:
        return chosen
    made = {}
    for channel, template in default_survey_texts(survey).items():
        made[channel] = (await request.app[CAMPAIGNS].templates.create(template)).id
    return made


async def _show(request: web.Request, *, notice: str | None = None, error: str | None = None,
                status: int = 200) -> web.Response:
    kit = request.app[CAMPAIGNS]
    store = request.app[STORE]
    campaign = await kit.campaigns.get(request.match_info["campaign_id"])
    stats = await kit.campaigns.stats(campaign)
    segment = await store.segments.get(campaign.segment_id) if campaign.segment_id else None
    reached = None
    if campaign.status == "draft":
        filter_ = segment.filter if segment else (campaign.filter or {})
        reached = await reach(store, filter_, campaign.channels,
                              require_opt_in=campaign.require_opt_in,
                              template_channels=list(campaign.templates))
    problems = await store.deliveries.with_status(campaign.id, ["failed", "skipped", "unknown"],
                                                  limit=PROBLEMS_LISTED)
    replies = await store.events.for_campaign(campaign.id, direction="inbound",
                                              limit=REPLIES_LISTED)
    persons = {p.id: p for p in await store.persons.get_many(
        list({d.person_id for d in problems} | {e.person_id for e in replies if e.person_id}))}
    templates = {c: await store.templates.get(t) for c, t in campaign.templates.items()}
    return render(request, "ui/marketing/campaign.html", {
        "title": campaign.name, "nav": "campaigns", "campaign": campaign, "stats": stats,
        "segment": segment, "reach": reached, "problems": problems, "replies": replies,
        "persons": persons, "templates": templates, "notice": notice or
        request.query.get("notice", "")[:40], "error": error}, status=status)


@staff_page(MARKETING)
async def campaign_page(request: web.Request) -> web.StreamResponse:
    return await _show(request)


@staff_page(MARKETING)
async def campaign_stats(request: web.Request) -> web.StreamResponse:
    """`GET /campaigns/{id}/stats`: the status and counters the page polls."""
    described = await request.app[CAMPAIGNS].campaigns.describe(
        request.match_info["campaign_id"])
    return web.json_response({"status": described["status"], "stats": described["stats"]},
                             headers={"Cache-Control": "no-store"})


@staff_page(MARKETING)
async def campaign_action(request: web.Request) -> web.StreamResponse:
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise web.HTTPNotFound(reason="no such action")
    service = request.app[CAMPAIGNS].campaigns
    campaign_id = request.match_info["campaign_id"]
    try:
        await getattr(service, action)(campaign_id)
    except Conflict as exc:
        return await _show(request, error=exc.message, status=409)
    return redirect(f"/campaigns/{campaign_id}?notice={ACTIONS[action]}")


@staff_page(MARKETING)
async def test_send(request: web.Request) -> web.StreamResponse:
    """Render each channel's template for the first person of the audience and mail it to
    the logged-in user's own address (through the email channel or the sandbox outbox)."""
    kit = request.app[CAMPAIGNS]
    store = request.app[STORE]
    campaign = await kit.campaigns.get(request.match_info["campaign_id"])
    segment = await store.segments.get(campaign.segment_id) if campaign.segment_id else None
    filter_ = segment.filter if segment else (campaign.filter or {})
    predicate = plan(parse_filter(filter_) if filter_ else None, datetime.now(UTC))
    persons = await store.persons.find_matching(predicate, limit=1)
    if not persons:
        return await _show(request, error="The segment matches nobody now: nothing to test.",
                           status=422)
    person = persons[0]
    variables = await variables_for(store, campaign, person, unsubscribe_url="(unsubscribe)",
                                    survey_url="(survey link)")
    parts, html = [], None
    subject = f"[Test] {campaign.name}"
    try:
        for channel, template_id in campaign.templates.items():
            template = await kit.templates.get(template_id)
            rendered = compiled(template).render(variables)
            if channel == "email":
                subject = f"[Test] {rendered.subject or campaign.name}"
                html = rendered.html
            parts.append(f"--- {channel} (as {person.name or person.id}) ---\n{rendered.text}")
    except TemplateProblem as exc:
        return await _show(request, error=f"The template fails for {person.name}: "
                           f"{exc.message}", status=422)
    user = request[USER]
    try:
        await request.app[SERVICES].messaging.send_test(user.email, subject=subject,
                                                       text="\n\n".join(parts), html=html)
    except HubError as exc:
        return await _show(request, error=f"The test could not be sent: {exc.message}",
                           status=502)
    return redirect(f"/campaigns/{campaign.id}?notice=test-sent")
