"""Finding and reading: `/search`, `/people/{id}`, `/households/{id}`, `/organisations/{id}`,
and the timeline fragments the page's script loads (older pages)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal, get_args

from aiohttp import web

from hub.domain.address_consent import materialise
from hub.domain.consent import CONSENT_CHANNELS
from hub.domain.parties import PreferredChannel
from hub.domain.staff import SERVICE
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.services.paging import InvalidCursor
from hub.services.timeline import SubjectKind
from hub.web.keys import SERVICES
from hub.web.ui import views
from hub.web.ui.guard import staff_page
from hub.web.ui.render import fragment, gettext, render, ui_viewer

MAX_CURSOR = 400
SEARCH_PAGE = 25
MATCHED_LABELS = {"phone": N_("phone number"), "name": N_("name"), "email": N_("email address"),
                  "postcode": N_("postcode"), "similar_name": N_("similar name")}
NOTICES = {"sent": N_("Message sent."), "noted": N_("Note added."),
           "call-logged": N_("Call logged."), "saved": N_("Profile saved."),
           "merged": N_("Duplicate merged into this person."),
           "unmerged": N_("Merge undone: the duplicate is a person of its own again.")}


@staff_page(SERVICE)
async def search_page(request: web.Request) -> web.StreamResponse:
    """The search box's results (the same service as `GET /api/v1/search`), a page at a
    time: "more results" carries the keyset cursor."""
    q = request.query.get("q", "")[:200]
    cursor = request.query.get("cursor") or None
    services = request.app[SERVICES]
    hits, next_cursor, last = [], None, {}
    if q.strip():
        try:
            page = await services.search.find(q, limit=SEARCH_PAGE, cursor=cursor)
        except InvalidCursor as exc:
            raise InvalidInput(N_("That link to more results is damaged; search again.")) \
                from exc
        hits, next_cursor = page.items, page.next_cursor
        last = await services.search.last_contacts([h.id for h in hits if h.kind == "person"])
    return render(request, "ui/search.html", {"title": gettext(
        request, N_("Search: %(query)s"), query=q) if q else N_("Search"),
        "q": q, "hits": hits, "next_cursor": next_cursor, "last_contacts": last,
        "more": cursor is not None, "matched_labels": MATCHED_LABELS, "nav": "search"})


async def _timeline(request: web.Request, subject: SubjectKind, subject_id: str) -> Any:
    cursor = request.query.get("before") or None
    if cursor is not None and len(cursor) > MAX_CURSOR:
        raise InvalidInput(N_("That paging link is damaged; start again from the newest."))
    channel = views.channel_filter(request.query.get("channel"))
    return await request.app[SERVICES].timeline.page(
        subject, subject_id, limit=views.TIMELINE_PAGE, cursor=cursor, channel=channel), channel


async def _member_timeline(request: web.Request, subject: Literal["household", "organisation"],
                           subject_id: str) -> Any:
    """A household's or organisation's timeline page, each event with the member it belongs
    to (their name and their role there)."""
    page, channel = await _timeline(request, subject, subject_id)
    labelled = await request.app[SERVICES].timeline_members.label(subject, subject_id,
                                                                  page.items)
    return replace(page, items=labelled), channel


def _timeline_context(request: web.Request, base: str, page: Any, channel: str | None) -> dict:
    return {"events": page.items, "next_cursor": page.next_cursor, "base": base,
            "channel": channel or "", "channels": views.channel_labels(ui_viewer(request)),
            "show_images": request.query.get("images") == "1", "is_first": not
            request.query.get("before")}


@staff_page(SERVICE)
async def person_page(request: web.Request) -> web.StreamResponse:
    notice = NOTICES.get(request.query.get("notice", ""))
    return await show_person(request, notice=gettext(request, notice) if notice else "")


async def show_person(request: web.Request, *, status: int = 200, error: str = "",
                      notice: str = "") -> web.Response:
    """The person page (also re-shown, with the problem, when an action on it fails); the
    problem is translated when it is a known text."""
    error = gettext(request, error) if error else ""
    services = request.app[SERVICES]
    person = await services.persons.get(request.match_info["person_id"])
    page, channel = await _timeline(request, "person", person.id)
    row = await services.search.person_row(person)
    members = []
    if row.household is not None:
        members = [m for m in await services.directory.members(row.household.id)
                   if m.id != person.id]
    recent = page.items if not request.query.get("before") and channel is None else \
        (await services.timeline.page("person", person.id, limit=views.TIMELINE_PAGE)).items
    context = {
        "title": person.name or N_("(no name)"), "person": person, "row": row,
        "members": members, "options": views.reply_options(person, recent, ui_viewer(request)),
        "error": error, "notice": notice,
        "consent_channels": CONSENT_CHANNELS, "preferred_channels": get_args(PreferredChannel),
        "address_consent": materialise(person),
        "nav": "",
        **_timeline_context(request, f"/people/{person.id}", page, channel),
    }
    return render(request, "ui/person.html", context, status=status,
                  remote_images=context["show_images"])


@staff_page(SERVICE)
async def household_page(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    household = await services.directory.household(request.match_info["household_id"])
    page, channel = await _member_timeline(request, "household", household.id)
    members = await services.directory.members(household.id)
    context = {"title": household.name or N_("Household"), "household": household,
               "members": members, "nav": "",
               **_timeline_context(request, f"/households/{household.id}", page, channel)}
    return render(request, "ui/household.html", context,
                  remote_images=context["show_images"])


@staff_page(SERVICE)
async def organisation_page(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    organisation = await services.directory.organisation(request.match_info["organisation_id"])
    page, channel = await _member_timeline(request, "organisation", organisation.id)
    roles = (await services.directory.roles_at(organisation.id, limit=200, cursor=None)).items
    persons = await services.search.persons_by_id([r.person_id for r in roles])
    context = {"title": organisation.name, "organisation": organisation, "nav": "",
               "people": [(r, persons.get(r.person_id)) for r in roles],
               **_timeline_context(request, f"/organisations/{organisation.id}", page, channel)}
    return render(request, "ui/organisation.html", context,
                  remote_images=context["show_images"])


@staff_page(SERVICE)
async def person_timeline_fragment(request: web.Request) -> web.StreamResponse:
    """Older events as HTML for the page's script; the same markup as the page."""
    services = request.app[SERVICES]
    person = await services.persons.get(request.match_info["person_id"])
    page, channel = await _timeline(request, "person", person.id)
    return fragment(request, "ui/timeline_items.html",
                    _timeline_context(request, f"/people/{person.id}", page, channel))


@staff_page(SERVICE)
async def export_download(request: web.Request) -> web.StreamResponse:
    """The data access export (GDPR art. 15/20) as a JSON download, for staff in the UI
    (the same as `GET /api/v1/persons/{id}/export`)."""
    data = await request.app[SERVICES].person_data.export(request.match_info["person_id"])
    return web.json_response(data, headers={
        "Content-Disposition": f'attachment; filename="person-{data["person"]["id"]}.json"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@staff_page(SERVICE)
async def consent_proof_page(request: web.Request) -> web.StreamResponse:
    """Every consent change with its proof, as a page to print or save as PDF (the API gives
    the same as JSON: `GET /api/v1/persons/{id}/consent-proof`)."""
    proof = await request.app[SERVICES].person_data.consent_proof(
        request.match_info["person_id"])
    return render(request, "ui/consent_proof.html", {"title": proof["name"], "proof": proof})


def _member_timeline_fragment(subject: Literal["household", "organisation"], base: str) -> Any:
    @staff_page(SERVICE)
    async def timeline_fragment(request: web.Request) -> web.StreamResponse:
        """Older events of a household or organisation as HTML for the page's script."""
        subject_id = request.match_info[f"{subject}_id"]
        page, channel = await _member_timeline(request, subject, subject_id)
        return fragment(request, "ui/timeline_items.html",
                        _timeline_context(request, f"/{base}/{subject_id}", page, channel))

    timeline_fragment.__name__ = f"{subject}_timeline_fragment"
    return timeline_fragment


household_timeline_fragment = _member_timeline_fragment("household", "households")
organisation_timeline_fragment = _member_timeline_fragment("organisation", "organisations")
