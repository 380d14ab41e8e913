"""What staff do on a person page: reply, note, log a call, mark "no reply needed", edit the
profile, merge a duplicate (preview first). Each POST is CSRF-checked by the page guard; on
success it redirects back (so a reload never repeats it), on bad input it shows the page again
with the problem."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import AfterValidator

from channels.calls.fields import CallFields
from hub.domain.staff import SERVICE
from hub.errors import Conflict, InvalidInput
from hub.i18n import N_
from hub.services.persons import PersonInput
from hub.web.api.calls import details_of
from hub.web.keys import SERVICES
from hub.web.ui.form_input import Blank, Commas, Cut, Lines, PageForm, parse_form, validated
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.people import show_person
from hub.web.ui.render import gettext, redirect

MAX_TEXT = 20_000
MAX_SUBJECT = 500


def _written(text: str) -> str:
    if not text:
        raise ValueError(N_("Write a message first."))
    return text


class ReplyForm(PageForm):
    text: Annotated[str, Cut(MAX_TEXT), AfterValidator(_written)] = ""
    channel: Annotated[str | None, Cut(20), Blank] = None
    subject: Annotated[str | None, Cut(MAX_SUBJECT), Blank] = None


class NoteForm(PageForm):
    text: Annotated[str, Cut(MAX_TEXT)] = ""


class CallForm(PageForm):
    """The call log form; CallFields (the call's own model) reads the values."""

    direction: Annotated[str | None, Cut(2000), Blank] = None
    duration_s: Annotated[str | None, Cut(2000), Blank] = None
    wait_s: Annotated[str | None, Cut(2000), Blank] = None
    agent: Annotated[str | None, Cut(2000), Blank] = None
    outcome: Annotated[str | None, Cut(2000), Blank] = None
    notes: Annotated[str | None, Cut(2000), Blank] = None
    started_at: Annotated[str | None, Cut(2000), Blank] = None


class NoReplyForm(PageForm):
    back: str = ""


class ProfileForm(PageForm):
    """The profile form; PersonInput (the API's model) checks the values."""

    name: Annotated[str, Cut(300)] = ""
    language: Annotated[str | None, Cut(300), Blank] = None
    income_band: Annotated[str | None, Cut(300), Blank] = None
    education: Annotated[str | None, Cut(300), Blank] = None
    life_stage: Annotated[str | None, Cut(300), Blank] = None
    preferred_channel: Annotated[str | None, Cut(20), Blank] = None
    customer_status: Annotated[str, Cut(20)] = ""
    tags: Annotated[list[str], Commas(3000)] = []
    emails: Annotated[list[str], Lines(7000)] = []
    phones: Annotated[list[str], Lines(2000)] = []


class MergeForm(PageForm):
    duplicate_id: Annotated[str, Cut(100)] = ""


def _person_id(request: web.Request) -> str:
    return request.match_info["person_id"]


def _back(request: web.Request, notice: str) -> web.Response:
    return redirect(f"/people/{_person_id(request)}?notice={notice}#timeline")


@staff_page(SERVICE)
async def reply(request: web.Request) -> web.StreamResponse:
    try:
        form = await parse_form(request, ReplyForm)
        event = await request.app[SERVICES].messaging.send_to_person(
            _person_id(request), text=form.text, channel=form.channel, subject=form.subject,
            author=request[USER].email)
    except (InvalidInput, Conflict) as exc:
        return await show_person(request, status=422, error=exc.message)
    if event.status == "failed":
        reason = event.status_history[-1].detail or gettext(request, N_("no reason given"))
        return await show_person(request, status=502, error=gettext(
            request, N_("The message could not be sent: %(reason)s"), reason=reason))
    return _back(request, "sent")


@staff_page(SERVICE)
async def note(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, NoteForm)
    person = await request.app[SERVICES].persons.get(_person_id(request))
    try:
        await request.app[SERVICES].timeline.add_note(person.id, form.text,
                                                      author=request[USER].email)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "noted")


@staff_page(SERVICE)
async def log_call(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    try:
        form = await parse_form(request, CallForm)
        fields = validated(CallFields, {**form.model_dump(exclude_none=True),
                                        "agent": form.agent or user.name or user.email})
        await request.app[SERVICES].calls.log(details_of(fields), person_id=_person_id(request),
                                            author=user.email)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "call-logged")


@staff_page(SERVICE)
async def no_reply_needed(request: web.Request) -> web.StreamResponse:
    """Takes the person off the inbox: a system event answers what is waiting."""
    services = request.app[SERVICES]
    form = await parse_form(request, NoReplyForm)
    person = await services.persons.get(_person_id(request))
    await services.timeline.no_reply_needed(person.id, author=request[USER].email)
    return redirect("/" if form.back == "inbox" else f"/people/{person.id}")


@staff_page(SERVICE)
async def edit_profile(request: web.Request) -> web.StreamResponse:
    try:
        form = await parse_form(request, ProfileForm)
        patch = validated(PersonInput, {
            **form.model_dump(), "customer_status": form.customer_status or "prospect"})
        await request.app[SERVICES].persons.update(_person_id(request), patch, source="staff")
    except (InvalidInput, Conflict) as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "saved")


@staff_page(SERVICE)
async def merge(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    try:
        form = await parse_form(request, MergeForm)
        preview = await services.merge.preview(_person_id(request), form.duplicate_id)
        await services.merge.merge(preview.survivor.id, preview.duplicate.id,
                                   by=request[USER].email)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    return _back(request, "merged")
