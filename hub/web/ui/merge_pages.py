"""`/people/{id}/merge`: finding the duplicate (a search picker and Hub's suggestions with
their reasons), a side-by-side comparison before merging, and the person's merge history
with an undo button for merges still within the audit's retention."""

from __future__ import annotations

from aiohttp import web

from hub.domain.staff import SERVICE
from hub.errors import Conflict, HubError, InvalidInput, NotFound
from hub.i18n import N_
from hub.web.keys import SERVICES
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.people import show_person
from hub.web.ui.render import redirect, render

REASONS = {"same_name_postcode": N_("same name and postcode"),
           "address_in_other_field": N_("an address of one is in another field of the other"),
           "phone_other_format": N_("the same phone number, written another way")}
COMPARED = (("name", N_("Name")), ("emails", N_("Email")), ("phones", N_("Phone")),
            ("language", N_("Language")), ("birth_date", N_("Birth date")),
            ("customer_status", N_("Customer status")), ("preferred_channel",
                                                         N_("Preferred channel")),
            ("tags", N_("Tags")), ("created_at", N_("Created")))


def _person_id(request: web.Request) -> str:
    return request.match_info["person_id"]


@staff_page(SERVICE)
async def merge_page(request: web.Request) -> web.StreamResponse:
    duplicate_id = request.query.get("duplicate_id", "").strip()[:100]
    if duplicate_id:
        return await _comparison(request, duplicate_id)
    services = request.app[SERVICES]
    person = await services.persons.get(_person_id(request))
    q = request.query.get("q", "").strip()[:200]
    found = [row for row in await services.search.search(q) if row.person.id != person.id] \
        if q else []
    return render(request, "ui/merge_find.html", {
        "title": N_("Merge a duplicate"), "person": person, "q": q, "found": found,
        "suggestions": await services.merge.duplicates(person.id), "reasons": REASONS,
        "audits": await services.merge.audits(person.id), "nav": ""})


async def _comparison(request: web.Request, duplicate_id: str) -> web.Response:
    try:
        preview = await request.app[SERVICES].merge.preview(_person_id(request), duplicate_id)
    except InvalidInput as exc:
        return await show_person(request, status=422, error=exc.message)
    rows = [(label, getattr(preview.survivor, name), getattr(preview.duplicate, name))
            for name, label in COMPARED]
    return render(request, "ui/merge.html", {
        "title": N_("Merge preview"), "survivor": preview.survivor, "duplicate": preview.duplicate,
        "identities": preview.identities, "roles": preview.roles, "events": preview.events,
        "rows": rows, "nav": ""})


@staff_page(SERVICE)
async def undo_merge(request: web.Request) -> web.StreamResponse:
    try:
        await request.app[SERVICES].merge.undo(request.match_info["merge_id"],
                                               by=request[USER].email)
    except (Conflict, NotFound) as exc:
        return await show_person(request, status=exc.status, error=exc.message)
    except HubError:
        raise
    return redirect(f"/people/{_person_id(request)}?notice=unmerged")
