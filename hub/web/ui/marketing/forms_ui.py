"""/forms: build a web form (fields in rows), copy its embed snippet (a plain HTML <form>
posting to /f/{slug}), and read its submissions."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from hub.domain.staff import MARKETING
from hub.errors import Conflict, InvalidInput
from hub.services.forms import CONSENT_FIELD, HONEYPOT_FIELD, FormInput
from hub.web.keys import SERVICES, SETTINGS, STORE
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render, render_html

FIELD_ROWS = 6
SUBMISSIONS_LISTED = 100


def _draft(form: Any) -> dict[str, Any]:
    fields = []
    for i in range(FIELD_ROWS):
        name = str(form.get(f"f{i}_name", "")).strip()[:40]
        if not name:
            continue
        options = [o.strip() for o in str(form.get(f"f{i}_options", "")).split(",")
                   if o.strip()]
        fields.append({"name": name, "label": str(form.get(f"f{i}_label", "")).strip()[:200]
                       or name, "type": str(form.get(f"f{i}_type", "text"))[:20],
                       "required": form.get(f"f{i}_required") == "on", "options": options})
    draft: dict[str, Any] = {"slug": str(form.get("slug", "")).strip()[:63],
                             "title": str(form.get("title", "")).strip()[:200],
                             "fields": fields}
    consent = str(form.get("consent_text", "")).strip()[:5000]
    if consent:
        draft["consent_text"] = consent
    return draft


async def _list(request: web.Request, *, form: Any = None, error: str | None = None,
                status: int = 200) -> web.Response:
    forms = (await request.app[SERVICES].forms.list(limit=200)).items
    return render(request, "ui/marketing/forms.html", {
        "title": "Forms", "nav": "forms", "forms": forms, "form": form or {},
        "rows": range(FIELD_ROWS), "error": error,
        "public_url": request.app[SETTINGS].public_url}, status=status)


@staff_page(MARKETING)
async def forms_page(request: web.Request) -> web.StreamResponse:
    return await _list(request)


@staff_page(MARKETING)
async def create_form(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    try:
        draft = FormInput.model_validate(_draft(posted))
        defined = await request.app[SERVICES].forms.define(draft)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return await _list(request, form=posted, error=f"{where}: {message}" if where
                           else message, status=422)
    except (InvalidInput, Conflict) as exc:
        return await _list(request, form=posted, error=exc.message, status=422)
    return redirect(f"/forms/{defined.id}")


@staff_page(MARKETING)
async def form_page(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    defined = await services.forms.get(request.match_info["form_id"])
    url = f"{request.app[SETTINGS].public_url}/f/{defined.slug}"
    snippet = render_html(request.app, "ui/marketing/embed_snippet.html", {
        "form": defined, "url": url, "consent_field": CONSENT_FIELD,
        "honeypot": HONEYPOT_FIELD}).strip()
    submissions = await request.app[STORE].events.for_form(defined.id,
                                                            limit=SUBMISSIONS_LISTED)
    persons = {p.id: p for p in await request.app[STORE].persons.get_many(
        list({e.person_id for e in submissions if e.person_id}))}
    return render(request, "ui/marketing/form.html", {
        "title": defined.title, "nav": "forms", "form": defined, "url": url,
        "snippet": snippet, "submissions": submissions, "persons": persons})
