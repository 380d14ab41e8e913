"""`GET/POST /f/{slug}`: the hosted form page and where it (or any site's plain `<form>`, or
an API client sending JSON) posts to. The page is in the form's language when it has one,
else the browser's, else the default (`hub.web.locale`)."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from aiohttp import web

from channels.webforms import ClientBuckets, Submission, parse_submission
from channels.webforms.fields import TRUTHY
from hub.domain.forms import SLUG_PATTERN, FormDefinition
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.services.forms import (
    CONSENT_FIELD,
    HONEYPOT_FIELD,
    SUBMISSION_ID_FIELD,
    FormEntry,
)
from hub.web.client import client_address
from hub.web.errors import error_response
from hub.web.keys import SERVICES, SETTINGS
from hub.web.locale import Viewer, public_viewer
from hub.web.public.body import BodyProblem, is_json, read_fields
from hub.web.public.pages import origin_of, problem, render, wants_json

log = logging.getLogger("hub.webforms")

FORM_LIMITER = web.AppKey("form_limiter", ClientBuckets)
FORM_MAX_BODY_BYTES = 64 * 1024
DEFAULT_THANKS = N_("We have received your answers.")
# What `channels.webforms` says about a field is English, marked there with `N_`; the page
# shows it translated (`field_error`).
AT_MOST = re.compile(r"^Use at most (\d+) characters\.$")
_SLUG = re.compile(SLUG_PATTERN)


def _viewer(request: web.Request, form: FormDefinition | None = None) -> Viewer:
    return public_viewer(request, form.language if form else None)


def _not_found(request: web.Request) -> web.Response:
    viewer = _viewer(request)
    return problem(request, 404, "not_found", viewer.gettext("Form not found"),
                   viewer.gettext("There is no form at this address. Check the link you "
                                  "followed."), viewer=viewer)


def field_error(viewer: Viewer, message: str) -> str:
    """A field's error from `channels.webforms` in the viewer's language."""
    if found := AT_MOST.match(message):
        return viewer.gettext("Use at most %(count)s characters.") % {"count": found[1]}
    return viewer.gettext(message)


async def _form(request: web.Request) -> FormDefinition | None:
    slug = request.match_info["slug"]
    if not _SLUG.match(slug):
        return None
    try:
        return await request.app[SERVICES].forms.by_slug(slug)
    except NotFound:
        return None


def _client(request: web.Request) -> str:
    return client_address(request)


def _cors_headers(request: web.Request, form: FormDefinition) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if origin and origin in form.cors_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def _own_origins(request: web.Request) -> set[str]:
    own = {f"{request.scheme}://{request.host}"}
    configured = origin_of(request.app[SETTINGS].public_url)
    return own | ({configured} if configured else set())


def _page(request: web.Request, form: FormDefinition, *, status: int = 200,
          submission: Submission | None = None) -> web.Response:
    viewer = _viewer(request, form)
    labels = {f.name: f.label for f in form.fields} | {CONSENT_FIELD: viewer.gettext("Consent")}
    errors = submission.errors if submission else {}
    context: dict[str, Any] = {
        "title": form.title, "form": form, "action": f"/f/{form.slug}",
        "values": submission.typed if submission else {},
        "errors": {name: field_error(viewer, text) for name, text in errors.items()},
        "labels": labels, "submission_id": secrets.token_urlsafe(18),
        "submission_field": SUBMISSION_ID_FIELD, "honeypot_field": HONEYPOT_FIELD,
        "consent_field": CONSENT_FIELD, "checked_words": TRUTHY,
        "autocomplete": {"name": "name"},
    }
    return render(request, "public/form.html", context, viewer=viewer, status=status,
                  form_targets=[o for o in [origin_of(form.redirect_url or "")] if o],
                  frame_ancestors=form.cors_origins)


def _received(request: web.Request, form: FormDefinition) -> web.Response:
    """The same answer for a recorded submission and for spam: bots learn nothing."""
    viewer = _viewer(request, form)
    message = form.thank_you or viewer.gettext(DEFAULT_THANKS)
    if wants_json(request):
        return web.json_response({"status": "received", "message": message,
                                  "redirect_url": form.redirect_url},
                                 headers=_cors_headers(request, form))
    if form.redirect_url:
        raise web.HTTPSeeOther(form.redirect_url)
    return render(request, "public/thanks.html",
                  {"title": form.title, "heading": viewer.gettext("Thank you"),
                   "message": message}, viewer=viewer, frame_ancestors=form.cors_origins)


def _invalid(request: web.Request, form: FormDefinition, submission: Submission) -> web.Response:
    if wants_json(request):
        details = [{"field": name, "error": error} for name, error in submission.errors.items()]
        response = error_response(422, "invalid_input", "some fields need correcting", details)
        response.headers.update(_cors_headers(request, form))
        return response
    return _page(request, form, status=422, submission=submission)


async def show_form(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if form is None:
        return _not_found(request)
    return _page(request, form)


async def preflight(request: web.Request) -> web.StreamResponse:
    """CORS preflight for JSON posts from the origins the form lists."""
    form = await _form(request)
    if form is None:
        return _not_found(request)
    headers = _cors_headers(request, form)
    if not headers or request.headers.get("Access-Control-Request-Method") != "POST":
        return error_response(403, "origin_not_allowed",
                              "this form does not accept JSON posts from that origin")
    headers |= {"Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600"}
    return web.Response(status=204, headers=headers)


async def submit_form(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if form is None:
        return _not_found(request)
    origin = request.headers.get("Origin")
    if (is_json(request) and origin and origin not in form.cors_origins
            and origin not in _own_origins(request)):
        return error_response(403, "origin_not_allowed",
                              "this form does not accept JSON posts from that origin")
    client = _client(request)
    limiter = request.app[FORM_LIMITER]
    if not limiter.allow(client):
        retry = limiter.retry_after_s(client)
        viewer = _viewer(request, form)
        return problem(request, 429, "too_many_requests", viewer.gettext("Too many attempts"),
                       viewer.ngettext("Please wait %(num)s second and send the form again.",
                                       "Please wait %(num)s seconds and send the form again.",
                                       retry) % {"num": retry}, viewer=viewer,
                       headers={"Retry-After": str(retry), **_cors_headers(request, form)})
    try:
        raw = await read_fields(request, FORM_MAX_BODY_BYTES)
    except BodyProblem as exc:
        viewer = _viewer(request, form)
        return problem(request, exc.status, exc.code,
                       viewer.gettext("The form could not be read"), exc.text(viewer),
                       viewer=viewer,
                       headers={**_cors_headers(request, form), "Connection": "close"})
    submission = parse_submission(form, raw, default_region=request.app[SETTINGS].default_region)
    if submission.spam:
        log.info("webform spam dropped", extra={"form_id": form.id})
        return _received(request, form)
    if submission.errors:
        return _invalid(request, form, submission)
    entry = FormEntry(values=submission.values, consent=submission.consent, client=client,
                      submission_id=submission.submission_id)
    try:
        await request.app[SERVICES].forms.submit(form, entry)
    except InvalidInput as exc:
        errors = {d["field"]: d["error"] for d in exc.details or [] if isinstance(d, dict)}
        failed = Submission(values={}, consent=False, submission_id=None,
                            errors=errors or {"": exc.message}, typed=submission.typed)
        return _invalid(request, form, failed)
    return _received(request, form)
