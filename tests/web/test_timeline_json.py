"""The timeline routes write each stored event as it is (`hub/domain/event_json.py`): their
answer is, byte for byte, what the model-based page (`TimelineService.page` validated into
`Event`s, `TimelineMembers.label`, `page_json`) writes, for persons, households and
organisations, erased persons, attachments, sanitised HTML, Dutch and English."""

from __future__ import annotations

import json
from typing import Any

from hub.services.timeline import SubjectKind
from hub.web.api.routing import page_json
from hub.web.keys import SERVICES
from tests.contracts.test_event_json import varied
from tests.web.conftest import Api


async def model_page(api: Api, subject: SubjectKind, subject_id: str,
                     **params: Any) -> bytes:
    services = api.client.app[SERVICES]
    page = await services.timeline.page(subject, subject_id, **params)
    if subject == "person":
        return bytes(page_json(page.items, page.next_cursor).body)  # type: ignore[arg-type]
    labelled = await services.timeline_members.label(subject, subject_id, page.items)
    return bytes(page_json(labelled, page.next_cursor).body)  # type: ignore[arg-type]


async def api_page(api: Api, path: str, language: str, **params: str) -> bytes:
    response = await api.client.get(path, params=params, headers={
        "Authorization": f"Bearer {api.tokens['service']}", "Accept-Language": language})
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    return await response.read()


async def assert_same_pages(api: Api, subject: SubjectKind, collection: str,
                            subject_id: str) -> int:
    """Walk the whole timeline in pages of 3 both ways, in Dutch and in English; returns the
    number of events seen."""
    seen = 0
    for language in ("nl", "en"):
        cursor: str | None = None
        seen = 0
        while True:
            params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
            body = await api_page(api, f"/api/v1/{collection}/{subject_id}/timeline",
                                  language, **params)
            assert body == await model_page(api, subject, subject_id, limit=3, cursor=cursor)
            answer = json.loads(body)
            seen += len(answer["items"])
            cursor = answer["next_cursor"]
            if cursor is None:
                break
        body = await api_page(api, f"/api/v1/{collection}/{subject_id}/timeline", language,
                              channel="email")
        assert body == await model_page(api, subject, subject_id, limit=50, channel="email")
    return seen


async def test_pages_are_byte_for_byte_the_model_based_pages(api: Api) -> None:
    _, home = await api.call("POST", "/api/v1/households", json={"name": "Familie Jansen"})
    _, acme = await api.call("POST", "/api/v1/organisations", json={"name": "Acme BV"})
    _, anna = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna Jansen", "household_id": home["id"], "life_stage": "young_family"})
    _, kees = await api.call("POST", "/api/v1/persons", json={
        "name": "Kees Jansen", "household_id": home["id"]})
    _, buyer = await api.call("POST", "/api/v1/roles", json={
        "person_id": anna["id"], "organisation_id": acme["id"], "function": "Inkoper"})
    await api.call("POST", "/api/v1/roles", json={
        "person_id": kees["id"], "organisation_id": acme["id"], "function": "Directeur"})
    for person, text, role in ((anna, "Belde over de factuur", buyer["id"]),
                               (kees, "Asked for a quote", None),
                               (anna, "Wil een afspraak", None)):
        status, _ = await api.call("POST", f"/api/v1/persons/{person['id']}/notes",
                                   json={"text": text} | ({"role_id": role} if role else {}))
        assert status == 201
    for person in (anna, kees):
        events = [e.model_copy(update={"household_id": home["id"],
                                       "organisation_id": acme["id"], "role_id": None})
                  for e in varied(person["id"])]
        await api.store.events.append_many(events)

    assert await assert_same_pages(api, "person", "persons", anna["id"]) == 10
    assert await assert_same_pages(api, "household", "households", home["id"]) == 19
    assert await assert_same_pages(api, "organisation", "organisations", acme["id"]) == 17

    # an erased person: blanked events, and no longer named on the shared timelines
    status, erased = await api.call("DELETE", f"/api/v1/persons/{kees['id']}")
    assert status == 200, erased
    assert await assert_same_pages(api, "person", "persons", kees["id"]) == 9
    assert await assert_same_pages(api, "household", "households", home["id"]) > 0
    assert await assert_same_pages(api, "organisation", "organisations", acme["id"]) == 17


async def test_an_empty_or_unknown_timeline_answers_as_before(api: Api) -> None:
    _, lone = await api.call("POST", "/api/v1/persons", json={"name": "Lone Person"})
    body = await api_page(api, f"/api/v1/persons/{lone['id']}/timeline", "nl")
    assert body == b'{"items":[],"next_cursor":null}'
    status, answer = await api.call("GET", "/api/v1/persons/nobody/timeline")
    assert status == 404 and answer["error"]["code"] == "not_found"
    status, answer = await api.call("GET", f"/api/v1/persons/{lone['id']}/timeline",
                                    params={"cursor": "garbage!"})
    assert status == 400 and answer["error"]["code"] == "invalid_cursor"
