"""The preference centre `/p/{token}` (issue 15, item 4): a GET changes nothing; a POST
saves channels, topics and language with the proof; a forged token or another site's page
changes nothing; "unsubscribe from everything"; and the topics API marketing keeps."""

from __future__ import annotations

from typing import Any

from campaigns.unsubscribe import UnsubscribeTokens
from hub.config import Settings
from hub.domain.address_consent import consent_at
from hub.domain.parties import Person
from tests.web.conftest import Api

M = "marketing"


async def setup(api: Api, settings: Settings) -> tuple[dict[str, Any], list[dict], str]:
    topics = []
    for name in ("Nieuwsbrief", "Aanbiedingen"):
        status, topic = await api.call("POST", "/api/v1/topics", role=M,
                                       json={"name": name, "description": f"{name} uitleg"})
        assert status == 201, topic
        topics.append(topic)
    status, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna de Vries", "emails": ["anna@example.org"], "phones": ["+31612345678"],
        "language": "nl", "consent": {"email": "opted_in", "sms": "opted_in"}})
    assert status == 201, person
    token = UnsubscribeTokens(settings.secret_key).preferences.make(person["id"], None)
    return person, topics, f"/p/{token}"


async def stored(api: Api, person_id: str) -> Person:
    person = await api.store.persons.get(person_id)
    assert person is not None
    return person


async def test_topics_api_lists_adds_refuses_duplicates_and_other_roles(api: Api) -> None:
    status, topic = await api.call("POST", "/api/v1/topics", role=M, json={"name": "Events"})
    assert status == 201 and topic["name"] == "Events"
    status, again = await api.call("POST", "/api/v1/topics", role=M, json={"name": " events "})
    assert status == 409, again
    status, listed = await api.call("GET", "/api/v1/topics", role=M)
    assert status == 200 and [t["name"] for t in listed["items"]] == ["Events"]
    status, _ = await api.call("GET", "/api/v1/topics", role="service")
    assert status == 403
    status, bad = await api.call("POST", "/api/v1/topics", role=M, json={"name": ""})
    assert status in (400, 422), bad


async def test_get_shows_choices_in_dutch_and_changes_nothing(api: Api,
                                                              settings: Settings) -> None:
    person, _topics, path = await setup(api, settings)
    before = (await stored(api, person["id"])).model_dump()
    page = await api.client.get(path)
    html = await page.text()
    assert page.status == 200
    assert "Uw voorkeuren" in html and "Nieuwsbrief" in html and "Aanbiedingen" in html
    assert "a…@example.org" in html and "anna@example.org" not in html  # masked
    assert "…5678" in html and "Afmelden voor alles" in html
    assert (await stored(api, person["id"])).model_dump() == before
    assert (await api.client.get(path[:-4] + "0000")).status == 404


async def test_post_saves_topic_and_language_with_proof(api: Api, settings: Settings) -> None:
    person, topics, path = await setup(api, settings)
    newsletter, offers = topics
    response = await api.client.post(path, data={
        "channel": ["email", "sms"], "topic": [newsletter["id"]], "language": "en",
        "action": "save"})
    html = await response.text()
    assert response.status == 200 and "Your preferences are saved." in html  # now in English
    saved = await stored(api, person["id"])
    assert saved.topic_opt_outs == [offers["id"]] and saved.language == "en"
    assert saved.consent_for("email").status == "opted_in"  # unchanged: still ticked

    status, proof = await api.call("GET", f"/api/v1/persons/{person['id']}/consent-proof")
    assert status == 200
    topic_changes = [c for c in proof["changes"] if c["channel"] == "topic"]
    assert len(topic_changes) == 1
    change = topic_changes[0]
    assert (change["topic"], change["status"], change["source"]) == (
        "Aanbiedingen", "opted_out", "preference_centre")
    assert change["client"] == "127.0.0.1" and change["at"]

    # untick SMS: an opt-out per address, recorded with the exact text shown and the client
    await api.client.post(path, data={"channel": "email", "topic": [newsletter["id"]],
                                      "language": "en", "action": "save"})
    saved = await stored(api, person["id"])
    assert consent_at(saved, "sms", "+31612345678").status == "opted_out"
    assert consent_at(saved, "email", "anna@example.org").status == "opted_in"
    _status, proof = await api.call("GET", f"/api/v1/persons/{person['id']}/consent-proof")
    sms = next(c for c in proof["changes"] if c["channel"] == "sms")
    assert sms["source"] == "preference_centre" and sms["client"] == "127.0.0.1"
    assert sms["text"] == "Send me news and offers by text messages (SMS)"
    assert sms["addresses"] == ["+31612345678"]


async def test_unsubscribe_from_everything(api: Api, settings: Settings) -> None:
    person, topics, path = await setup(api, settings)
    response = await api.client.post(path, data={
        "channel": ["email", "sms"], "topic": [t["id"] for t in topics], "language": "nl",
        "action": "everything"})
    assert response.status == 200
    assert "U bent afgemeld voor al ons nieuws" in await response.text()
    saved = await stored(api, person["id"])
    assert saved.consent_for("email").status == "opted_out"
    assert saved.consent_for("sms").status == "opted_out"
    assert sorted(saved.topic_opt_outs) == sorted(t["id"] for t in topics)


async def test_forged_token_and_cross_site_post_change_nothing(api: Api,
                                                               settings: Settings) -> None:
    person, _topics, path = await setup(api, settings)
    before = (await stored(api, person["id"])).model_dump()
    forged = await api.client.post(path[:-4] + "0000", data={"action": "everything"})
    assert forged.status == 404
    unsubscribe = UnsubscribeTokens(settings.secret_key).make(person["id"], None)
    wrong_kind = await api.client.post(f"/p/{unsubscribe}", data={"action": "everything"})
    assert wrong_kind.status == 404  # an unsubscribe token does not open the centre
    cross = await api.client.post(path, data={"action": "everything"},
                                  headers={"Origin": "https://evil.example"})
    assert cross.status == 403
    fetch = await api.client.post(path, data={"action": "everything"},
                                  headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"})
    assert fetch.status == 403
    assert (await stored(api, person["id"])).model_dump() == before
