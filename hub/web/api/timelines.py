"""Timelines of persons, households and organisations: newest first, cursor-paginated, each
event written as its stored JSON where that already is the API's (`hub/domain/event_json.py`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.domain.events import Event
from hub.domain.staff import SERVICE
from hub.services.timeline import SubjectKind
from hub.services.timeline_members import MemberEvent
from hub.web.api.queries import TimelineParams
from hub.web.api.routing import Answer, ApiRoutes, page_of_json
from hub.web.keys import SERVICES

routes = ApiRoutes()
SUBJECTS: list[tuple[SubjectKind, str]] = [
    ("person", "persons"), ("household", "households"), ("organisation", "organisations")]


def _timeline_handler(subject: SubjectKind) -> Any:
    async def timeline(request: web.Request, query: TimelineParams) -> Any:
        services = request.app[SERVICES]
        subject_id = request.match_info[f"{subject}_id"]
        page = await services.timeline.page_json(
            subject, subject_id, limit=query.limit, cursor=query.cursor, channel=query.channel)
        if subject == "person":
            return page_of_json([item.json for item in page.items], page.next_cursor)
        labelled = await services.timeline_members.label_json(subject, subject_id, page.items)
        return page_of_json(labelled, page.next_cursor)

    timeline.__name__ = f"{subject}_timeline"
    return timeline


for _subject, _collection in SUBJECTS:
    routes.route(
        "GET", f"/{_collection}/{{{_subject}_id}}/timeline", roles=SERVICE, query=TimelineParams,
        answer=Answer("a page of events, newest first", Event, paged=True) if _subject == "person"
        else Answer("a page of events, newest first, each with the member it belongs to",
                    MemberEvent, paged=True),
        summary=f"The {_subject}'s timeline, newest first",
    )(_timeline_handler(_subject))
