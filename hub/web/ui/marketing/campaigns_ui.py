"""/campaigns: the wizard (segment → channels in order, with reach and skips → templates per
channel → schedule and rate → create a draft), the draft's review with a test send to
yourself and the launch, and the campaign page with live counters (polled JSON), pause,
resume, cancel, failures and skips with reasons, and the replies."""

from __future__ import annotations

from aiohttp import web

from campaigns.engine.dispatch import DELIVERY_REASONS
from campaigns.templates import TemplateProblem
from hub.domain.channels import CHANNEL_CHOICES
from hub.domain.staff import MARKETING
from hub.errors import Conflict, HubError, InvalidInput
from hub.i18n import LANGUAGES, N_, supported
from hub.i18n.text import reread
from hub.web.keys import CAMPAIGNS, SERVICES, SETTINGS, SURVEYS
from hub.web.ui.form_input import form_model, parse_form
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.marketing.journeys_ui import confidence_statement
from hub.web.ui.marketing.wizard import CampaignForm
from hub.web.ui.render import gettext, redirect, render, ui_viewer

LISTED = 200
PROBLEMS_LISTED = 100
REPLIES_LISTED = 50
ACTIONS = {"launch": "launched", "pause": "paused", "resume": "resumed",
           "cancel": "cancelled"}


async def _wizard(request: web.Request, form: CampaignForm, *, error: str | None = None,
                  status: int = 200) -> web.Response:
    kit = request.app[CAMPAIGNS]
    viewer = ui_viewer(request)
    default_language = request.app[SETTINGS].default_language
    segments = await kit.segments.find(limit=LISTED)
    templates = await kit.templates.find(limit=LISTED)
    segment = next((s for s in segments if s.id == form.segment_id), None)
    surveys = await request.app[SURVEYS].surveys.list(limit=LISTED)
    reached = None
    if segment is not None:
        try:
            reached = await kit.campaigns.reach(
                segment_id=segment.id, channels=form.channels,
                require_opt_in=form.require_opt_in,
                template_channels=form.template_channels or None, templates=form.templates)
        except InvalidInput as exc:
            error = error or exc.message
    return render(request, "ui/marketing/wizard.html", {
        "title": N_("New campaign"), "nav": "campaigns", "c": form, "segments": segments,
        "segment": segment, "reach": reached, "channel_choices": CHANNEL_CHOICES,
        "email_templates": [t for t in templates if t.channel == "email"],
        "sms_templates": [t for t in templates if t.channel == "sms"],
        "whatsapp_templates": [t for t in templates if t.channel == "whatsapp"],
        "surveys": surveys, "survey": next((s for s in surveys if s.id == form.survey_id),
                                           None),
        "topics": await kit.topics.all(),
        "send_at": form.send_at_shown(viewer.timezone), "zone": viewer.timezone,
        "languages": LANGUAGES, "language": supported(form.language) or default_language,
        "other_language": form.other_language(default_language), "error": error},
        status=status)


@staff_page(MARKETING)
async def campaigns_page(request: web.Request) -> web.StreamResponse:
    service = request.app[CAMPAIGNS].campaigns
    rows = [(campaign, await service.stats(campaign))
            for campaign in reversed(await service.find(limit=LISTED))]
    return render(request, "ui/marketing/campaigns.html", {
        "title": N_("Campaigns"), "nav": "campaigns", "rows": rows})


@staff_page(MARKETING)
async def wizard_page(request: web.Request) -> web.StreamResponse:
    return await _wizard(request, form_model(CampaignForm, request.query))


@staff_page(MARKETING)
async def create_campaign(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, CampaignForm)
    try:
        campaign = await request.app[CAMPAIGNS].campaigns.create(
            form.campaign(ui_viewer(request).timezone, request.app[SETTINGS].default_language))
    except InvalidInput as exc:
        return await _wizard(request, form, error=exc.message, status=422)
    return redirect(f"/campaigns/{campaign.id}")


async def _show(request: web.Request, *, error: str | None = None,
                status: int = 200) -> web.Response:
    kit = request.app[CAMPAIGNS]
    service = kit.campaigns
    campaign = await service.get(request.match_info["campaign_id"])
    segment = await kit.segments.get(campaign.segment_id) if campaign.segment_id else None
    problems = await service.problems(campaign, limit=PROBLEMS_LISTED)
    replies = await service.replies(campaign, limit=REPLIES_LISTED)
    persons = await request.app[SERVICES].search.persons_by_id(
        [d.person_id for d in problems] + [e.person_id for e in replies])
    ab = await service.ab_results(campaign.id) if campaign.ab is not None else None
    if ab is not None:
        ab["statement"] = confidence_statement(ab)
    return render(request, "ui/marketing/campaign.html", {
        "title": campaign.name, "nav": "campaigns", "campaign": campaign,
        "stats": await service.stats(campaign), "segment": segment,
        "reach": await service.reach_of(campaign) if campaign.status == "draft" else None,
        "preflight": await service.preflight(campaign) if campaign.status == "draft" else None,
        "problems": problems, "replies": replies, "persons": persons,
        "reasons": {d.id: reread(d.reason, DELIVERY_REASONS) for d in problems if d.reason},
        "templates": await service.templates_of(campaign),
        "language_templates": await service.language_templates_of(campaign),
        "notice": request.query.get("notice", "")[:40], "error": error, "ab": ab},
        status=status)


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
        raise web.HTTPNotFound(reason=N_("There is no such action."))
    campaign_id = request.match_info["campaign_id"]
    try:
        if action == "launch":
            choice = (await request.post()).get("template_failures")
            await request.app[CAMPAIGNS].campaigns.launch(
                campaign_id, template_failures="skip" if choice == "skip" else None)
        else:
            await getattr(request.app[CAMPAIGNS].campaigns, action)(campaign_id)
    except Conflict as exc:
        return await _show(request, error=exc.message, status=409)
    return redirect(f"/campaigns/{campaign_id}?notice={ACTIONS[action]}")


@staff_page(MARKETING)
async def test_send(request: web.Request) -> web.StreamResponse:
    """Render each channel's template for the first person of the audience and mail it to
    the logged-in user's own address (through the email channel or the sandbox outbox)."""
    try:
        test = await request.app[CAMPAIGNS].campaigns.test_message(
            request.match_info["campaign_id"])
    except TemplateProblem as exc:
        return await _show(request, error=gettext(
            request, N_("The template fails for %(person)s: %(problem)s"),
            person=exc.details.get("person"), problem=exc.message), status=422)
    except InvalidInput as exc:
        return await _show(request, error=exc.message, status=422)
    try:
        await request.app[SERVICES].messaging.send_test(
            request[USER].email, subject=test.subject, text=test.text, html=test.html)
    except HubError as exc:
        return await _show(request, error=gettext(
            request, N_("The test could not be sent: %(problem)s"),
            problem=gettext(request, exc.message)), status=502)
    return redirect(f"/campaigns/{request.match_info['campaign_id']}?notice=test-sent")
