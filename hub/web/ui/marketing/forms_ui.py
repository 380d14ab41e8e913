"""/forms: build a web form (fields in rows), copy its embed snippet (a plain HTML <form>
posting to /f/{slug}), and read its submissions."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import create_model

from hub.domain.staff import MARKETING
from hub.errors import Conflict, InvalidInput
from hub.i18n import N_
from hub.services.forms import CONSENT_FIELD, HONEYPOT_FIELD, FormInput
from hub.web.keys import SERVICES, SETTINGS
from hub.web.ui.form_input import Checkbox, Commas, Cut, PageForm, form_model, validated
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render, render_html

FIELD_ROWS = 6
SUBMISSIONS_LISTED = 100
ROW_PARTS: dict[str, Any] = {"name": (Annotated[str, Cut(40)], ""),
                             "label": (Annotated[str, Cut(200)], ""),
                             "type": (Annotated[str, Cut(20)], "text"),
                             "required": (Checkbox, False),
                             "options": (Annotated[list[str], Commas(5000)], [])}


class FormHead(PageForm):
    slug: Annotated[str, Cut(63)] = ""
    title: Annotated[str, Cut(200)] = ""
    consent_text: Annotated[str, Cut(5000)] = ""


FieldRows: type[PageForm] = create_model(  # f0_name, f0_label, ... f5_options
    "FieldRows", __base__=PageForm,
    **{f"f{i}_{part}": spec for i in range(FIELD_ROWS) for part, spec in ROW_PARTS.items()})


def _draft(head: FormHead, rows: PageForm) -> dict[str, Any]:
    """The form definition as FormInput (the API's model) reads it: the rows with a name."""
    values = rows.model_dump()
    fields = [{"name": values[f"f{i}_name"], "label": values[f"f{i}_label"]
               or values[f"f{i}_name"], "type": values[f"f{i}_type"],
               "required": values[f"f{i}_required"], "options": values[f"f{i}_options"]}
              for i in range(FIELD_ROWS) if values[f"f{i}_name"]]
    draft: dict[str, Any] = {"slug": head.slug, "title": head.title, "fields": fields}
    if head.consent_text:
        draft["consent_text"] = head.consent_text
    return draft


async def _list(request: web.Request, *, form: dict[str, Any] | None = None,
                error: str | None = None, status: int = 200) -> web.Response:
    forms = (await request.app[SERVICES].forms.list(limit=200)).items
    return render(request, "ui/marketing/forms.html", {
        "title": N_("Forms"), "nav": "forms", "forms": forms, "form": form or {},
        "rows": range(FIELD_ROWS), "error": error,
        "public_url": request.app[SETTINGS].public_url}, status=status)


@staff_page(MARKETING)
async def forms_page(request: web.Request) -> web.StreamResponse:
    return await _list(request)


@staff_page(MARKETING)
async def create_form(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    head, rows = form_model(FormHead, posted), form_model(FieldRows, posted)
    try:
        draft = validated(FormInput, _draft(head, rows))
        defined = await request.app[SERVICES].forms.define(draft)
    except (InvalidInput, Conflict) as exc:
        shown = {**head.model_dump(), **rows.model_dump()}
        shown.update({f"f{i}_options": ", ".join(shown[f"f{i}_options"])
                      for i in range(FIELD_ROWS)})
        return await _list(request, form=shown, error=exc.message, status=422)
    return redirect(f"/forms/{defined.id}")


@staff_page(MARKETING)
async def form_page(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    defined = await services.forms.get(request.match_info["form_id"])
    url = f"{request.app[SETTINGS].public_url}/f/{defined.slug}"
    snippet = render_html(request.app, "ui/marketing/embed_snippet.html", {
        "form": defined, "url": url, "consent_field": CONSENT_FIELD,
        "honeypot": HONEYPOT_FIELD}).strip()
    submissions = await services.forms.submissions(defined.id, limit=SUBMISSIONS_LISTED)
    persons = await services.search.persons_by_id([e.person_id for e in submissions])
    return render(request, "ui/marketing/form.html", {
        "title": defined.title, "nav": "forms", "form": defined, "url": url,
        "snippet": snippet, "submissions": submissions, "persons": persons})
