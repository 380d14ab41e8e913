"""What staff do on a person page: reply, note, log a call, mark "no reply needed", edit the
profile, merge a duplicate (preview first). Each POST is CSRF-checked by the page guard; on
success it redirects back (so a reload never repeats it), on bad input it shows the page again
with the problem."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from channels.calls.fields import CallFields
from hub.domain.common import new_id
from hub.domain.events import Event
from hub.domain.staff import SERVICE
from hub.errors import Conflict, InvalidInput, NotFound
from hub.services.persons import PersonInput
from hub.web.api.calls import details_of
from hub.web.api.routing import validation_details
from hub.web.keys import SERVICES
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.people import show_person
from hub.web.ui.render import redirect, render

MAX_TEXT = 20_000
MAX_SUBJECT = 500
PROFILE_TEXT_FIELDS = ("name", "language", "income_band", "education", "life_stage")


def _text(form: Any, name: str, limit: int = MAX_TEXT) -> str:
    value = form.get(name, "")
    return value[:limit].strip() if isinstance(value, str) else ""


def _problem(exc: ValidationError) -> str:
    first = validation_details(exc)[0]
    return f"{first['field']}: {first['error']}" if first["field"] else first["error"]


def _person_id(request: web.Request) -> str:
    return request.match_info["person_id"]


def _back(request: web.Request, notice: str) -> web.Response:
    return redirect(f"/people/{_person_id(request)}?notice={notice}#timeline")


@staff_page(SERVICE)
async def reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    text = _text(form, "text")
    if not text:
        return await show_person(request, status=422, error="Write a message first.")
    try:
        event = await request.app[SERVICES].messaging.send_to_person(
            _person_id(request), text=text, channel=_text(form, "channel", 20) or None,
            subject=_text(form, "subject", MAX_SUBJECT) or None, author=request[USER].email)
    except (InvalidInput, Conflict) as exc:
        return await show_person(request, status=422, error=exc.message)
    if event.status == "failed":
        return await show_person(request, status=502, error="The message could not be sent: "
                                 f"{event.status_history[-1].detail or 'no reason given'}")
    return _back(request, "sent")


@staff_page(SERVICE)
async def note(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    person = await request.app[SERVICES].persons.get(_person_id(request))
    try:
        await request.app[SERVICES].timeline.add_note(
            person.id, _text(form, "text"), author=request[USER].email)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "noted")


@staff_page(SERVICE)
async def log_call(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    fields = {k: _text(form, k, 2000) for k in ("direction", "duration_s", "wait_s", "agent",
                                                  "outcome", "notes", "started_at")}
    fields["agent"] = fields["agent"] or request[USER].name or request[USER].email
    fields = {k: v for k, v in fields.items() if v}
    try:
        details = details_of(CallFields.model_validate(fields))
        await request.app[SERVICES].calls.log(details, person_id=_person_id(request),
                                            author=request[USER].email)
    except ValidationError as exc:
        return await show_person(request, status=422, error=_problem(exc))
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "call-logged")


@staff_page(SERVICE)
async def no_reply_needed(request: web.Request) -> web.StreamResponse:
    """Takes the person off the inbox: a system event answers what is waiting."""
    services = request.app[SERVICES]
    person = await services.persons.get(_person_id(request))
    await services.timeline.record(Event(
        id=new_id(), person_id=person.id, channel="system", direction="internal",
        subject="No reply needed", text=f"Marked as needing no reply by {request[USER].email}",
        author=request[USER].email, data={"inbox": "no_reply_needed"}))
    form = await request.post()
    return redirect("/" if form.get("back") == "inbox" else f"/people/{person.id}")


@staff_page(SERVICE)
async def edit_profile(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    patch: dict[str, Any] = {k: _text(form, k, 300) for k in PROFILE_TEXT_FIELDS}
    patch = {k: (v or None) if k != "name" else v for k, v in patch.items()}
    patch["preferred_channel"] = _text(form, "preferred_channel", 20) or None
    patch["customer_status"] = _text(form, "customer_status", 20) or "prospect"
    patch["tags"] = [t.strip() for t in _text(form, "tags", 3000).split(",") if t.strip()]
    patch["emails"] = [e.strip() for e in _text(form, "emails", 7000).splitlines() if e.strip()]
    patch["phones"] = [p.strip() for p in _text(form, "phones", 2000).splitlines() if p.strip()]
    try:
        await request.app[SERVICES].persons.update(
            _person_id(request), PersonInput.model_validate(patch), source="staff")
    except ValidationError as exc:
        return await show_person(request, status=422, error=_problem(exc))
    except (InvalidInput, Conflict) as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "saved")


async def _merge_pair(request: web.Request, duplicate_id: str) -> tuple[Any, Any]:
    services = request.app[SERVICES]
    survivor = await services.persons.get(_person_id(request))
    if not duplicate_id:
        raise InvalidInput("give the id of the duplicate person")
    try:
        duplicate = await services.persons.get(duplicate_id)
    except NotFound as exc:
        raise InvalidInput(f"there is no person {duplicate_id}") from exc
    if duplicate.id == survivor.id:
        raise InvalidInput("a person cannot be merged into itself")
    return survivor, duplicate


@staff_page(SERVICE)
async def merge_preview(request: web.Request) -> web.StreamResponse:
    duplicate_id = request.query.get("duplicate_id", "").strip()[:100]
    try:
        survivor, duplicate = await _merge_pair(request, duplicate_id)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    store = request.app[SERVICES].store
    return render(request, "ui/merge.html", {
        "title": "Merge preview", "survivor": survivor, "duplicate": duplicate,
        "identities": await store.identities.for_person(duplicate.id),
        "roles": await store.roles.for_person(duplicate.id),
        "events": await store.events.count_for_person(duplicate.id), "nav": ""})


@staff_page(SERVICE)
async def merge(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        survivor, duplicate = await _merge_pair(request, _text(form, "duplicate_id", 100))
        await request.app[SERVICES].merge.merge(survivor.id, duplicate.id)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "merged")
