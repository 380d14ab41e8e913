"""/templates: write email (subject, text, HTML) and SMS templates, insert variables from a
list, count SMS characters and segments, and preview as any person (search by name, email
or phone); a template error is shown with its part and line."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import ValidationError

from campaigns.templates import TemplateProblem, sms_info
from hub.domain.campaigns import MessageTemplate
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.common import new_id, utcnow
from hub.domain.staff import MARKETING
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.web.keys import CAMPAIGNS, SERVICES
from hub.web.ui.form_input import Cut, PageForm, parse_form, validated
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render, translate

VARIABLES = ("person.first_name", "person.name", "person.email", "person.phone",
             "person.language", "person.customer_status", "person.attributes",
             "household.name", "organisation.name", "role.function", "campaign.name",
             "unsubscribe_url", "survey_url")
FILTERS = ("|date", "|money", "|default('')", "|upper")
LISTED = 200


class TemplateForm(PageForm):
    """The template editor; what was typed is shown again when it cannot be saved."""

    channel: str = ""
    name: Annotated[str, Cut(200)] = ""
    subject: Annotated[str, Cut(2000, strip=False)] = ""
    body: Annotated[str, Cut(100_000, strip=False)] = ""
    html: Annotated[str, Cut(500_000, strip=False)] = ""
    content_sid_nl: Annotated[str, Cut(40)] = ""
    content_sid_en: Annotated[str, Cut(40)] = ""
    content_variables: Annotated[str, Cut(20_000, strip=False)] = ""

    def approved(self) -> dict[str, Any]:
        """WhatsApp: the approved Content SIDs per language and the numbered variables
        (`1 = {{ person.first_name }}`, one a line)."""
        if self.channel != "whatsapp":
            return {}
        sids = {lang: sid for lang, sid in (("nl", self.content_sid_nl),
                                            ("en", self.content_sid_en)) if sid}
        variables = {}
        for line in self.content_variables.splitlines():
            key, sep, source = line.partition("=")
            if sep and key.strip():
                variables[key.strip()] = source.strip()
        return {"content_sids": sids, "content_variables": variables}

    def draft(self, template_id: str | None) -> MessageTemplate:
        if self.channel not in SENDABLE_CHANNELS:
            raise InvalidInput(N_("Choose email, SMS or WhatsApp."),
                               details={"field": "channel"})
        if not self.name:
            raise InvalidInput(N_("Give the template a name."), details={"field": "name"})
        email = self.channel == "email"
        return validated(MessageTemplate, {
            "id": template_id or new_id(), "name": self.name, "channel": self.channel,
            "subject": self.subject if email else None, "body": self.body,
            "html": (self.html or None) if email else None, "updated_at": utcnow(),
            **self.approved()})

    def shown(self, template_id: str | None) -> MessageTemplate | None:
        """What was typed, to show again (not stored)."""
        try:
            return MessageTemplate(
                id=template_id or "unsaved", name=self.name or translate(N_("Unsaved")),
                channel=self.channel if self.channel in SENDABLE_CHANNELS else "email",
                subject=self.subject or None, body=self.body, html=self.html or None,
                **self.approved())
        except ValidationError:
            return None


async def _editor(request: web.Request, template: MessageTemplate | None, *,
                  error: str | None = None, problem: TemplateProblem | None = None,
                  status: int = 200, channel: str = "email") -> web.Response:
    services = request.app[SERVICES]
    q = request.query.get("q", "").strip()[:200]
    found = await services.search.search(q) if q else []
    preview: dict[str, Any] | None = None
    person = None
    person_id = request.query.get("person_id", "").strip()[:64]
    if template is not None and template.id != "unsaved" and person_id and problem is None:
        try:
            person = await services.persons.get(person_id)
            preview = await request.app[CAMPAIGNS].templates.preview(template.id, person_id)
        except TemplateProblem as exc:
            problem, status = exc, 422
        except NotFound:
            error, status = translate(N_("There is no person %(id)s."), id=person_id), 404
    body = template.body if template else ""
    return render(request, "ui/marketing/template.html", {
        "title": template.name if template else N_("New template"), "nav": "templates",
        "template": template, "channel": template.channel if template else channel,
        "variables": VARIABLES, "filters": FILTERS, "q": q, "found": found,
        "person": person, "preview": preview, "error": error, "problem": problem,
        "sms": sms_info(body), "lines": body.splitlines(),
        "notice": request.query.get("notice", "")[:40]}, status=status)


@staff_page(MARKETING)
async def templates_page(request: web.Request) -> web.StreamResponse:
    templates = await request.app[CAMPAIGNS].templates.find(limit=LISTED)
    return render(request, "ui/marketing/templates.html", {
        "title": N_("Templates"), "nav": "templates", "templates": templates})


@staff_page(MARKETING)
async def new_template(request: web.Request) -> web.StreamResponse:
    asked = request.query.get("channel", "")
    channel = asked if asked in SENDABLE_CHANNELS else "email"
    return await _editor(request, None, channel=channel)


@staff_page(MARKETING)
async def template_page(request: web.Request) -> web.StreamResponse:
    template = await request.app[CAMPAIGNS].templates.get(request.match_info["template_id"])
    return await _editor(request, template)


@staff_page(MARKETING)
async def save_template(request: web.Request) -> web.StreamResponse:
    """POST /templates (new) or /templates/{id} (edit): compiled first, so a syntax error
    comes back at once with its line; the form keeps what was typed."""
    templates = request.app[CAMPAIGNS].templates
    template_id = request.match_info.get("template_id")
    if template_id:
        await templates.get(template_id)  # editing one that exists: else 404
    form = await parse_form(request, TemplateForm)
    try:
        draft = await templates.save(form.draft(template_id))
    except TemplateProblem as exc:
        shown = form.shown(template_id)
        return await _editor(request, shown, problem=exc, status=422,
                             channel=shown.channel if shown else "email")
    except InvalidInput as exc:
        return await _editor(request, form.shown(template_id), error=exc.message, status=422,
                             channel=form.channel if form.channel in SENDABLE_CHANNELS
                             else "email")
    return redirect(f"/templates/{draft.id}?notice=saved")


@staff_page(MARKETING)
async def sms_count(request: web.Request) -> web.StreamResponse:
    """`GET /templates/sms-count?text=`: characters, segments and encoding of a text."""
    info = sms_info(request.query.get("text", "")[:5000])
    return web.json_response({"characters": info.characters, "segments": info.segments,
                              "encoding": info.encoding}, headers={"Cache-Control": "no-store"})
