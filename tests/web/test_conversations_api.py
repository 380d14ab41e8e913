"""The service inbox API (issue 13) end to end on the default run: messages recorded by the
inbox become conversations; staff list, change and answer them; the bad input the issue
names gets a 4xx naming the field; marketing is kept out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hub.domain.common import iso, new_id, utcnow
from hub.domain.messages import InboundMessage
from hub.domain.staff import User
from hub.web.keys import SERVICES
from tests.web.conftest import Api


async def inbound_sms(api: Api, number: str, text: str) -> Any:
    services = api.client.app[SERVICES]
    event, _ = await services.inbox.record(InboundMessage(
        channel="sms", from_address=number, external_id=f"SM{new_id()}", text=text))
    return event


async def staff(api: Api, name: str, **overrides: Any) -> User:
    user = User(id=new_id(), email=f"{name}@hub.example", name=name, role="service",
                password_hash="x", **overrides)
    await api.store.users.insert(user)
    return user


async def test_an_inbound_sms_opens_a_conversation_staff_can_work(api: Api) -> None:
    event = await inbound_sms(api, "+31612345678", "Waar blijft mijn bestelling?")
    status, page = await api.call("GET", "/api/v1/conversations", role="service")
    assert status == 200 and page["total"] == 1
    [item] = page["items"]
    assert item["status"] == "open" and item["channels"] == ["sms"]
    assert item["person"]["id"] == event.person_id and item["person"]["phones"] == [
        "+31612345678"]
    assert item["last_event"]["snippet"] == "Waar blijft mijn bestelling?"
    assert item["sla"]["state"] in ("ok", "near", "breached")
    status, one = await api.call("GET", f"/api/v1/conversations/{item['id']}", role="service")
    assert status == 200 and [e["id"] for e in one["events"]] == [event.id]

    status, sent = await api.call("POST", f"/api/v1/conversations/{item['id']}/messages",
                                  role="service", json={"text": "Morgen, excuses!"})
    assert status == 202 and sent["channel"] == "sms" and sent["status"] == "sent"
    _, one = await api.call("GET", f"/api/v1/conversations/{item['id']}", role="service")
    assert one["status"] == "pending" and one["first_response_at"] is not None
    assert [e["direction"] for e in one["events"]] == ["inbound", "outbound"]
    _, waiting = await api.call("GET", "/api/v1/conversations", role="service")
    assert waiting["total"] == 0  # the customer's turn now

    status, done = await api.call("PATCH", f"/api/v1/conversations/{item['id']}",
                                  role="service", json={"status": "resolved",
                                                        "version": one["version"]})
    assert status == 200 and done["status"] == "resolved" and done["resolved_at"]
    status, stale = await api.call("PATCH", f"/api/v1/conversations/{item['id']}",
                                   role="service", json={"status": "open",
                                                         "version": one["version"]})
    assert status == 409 and stale["error"]["details"]["field"] == "version"
    _, mine = await api.call("GET", f"/api/v1/persons/{event.person_id}/conversations",
                             role="service")
    assert [c["id"] for c in mine["items"]] == [item["id"]]


async def test_a_campaign_message_leaves_the_inbox_alone(api: Api) -> None:
    event = await inbound_sms(api, "+31612345670", "Ik heb een vraag over mijn factuur")
    services = api.client.app[SERVICES]
    await services.messaging.send_to_person(event.person_id, text="Nieuwsbrief!",
                                            purpose="marketing", channel="sms")
    _, page = await api.call("GET", "/api/v1/conversations", role="service")
    assert page["total"] == 1 and page["items"][0]["status"] == "open"
    assert page["items"][0]["first_response_at"] is None


async def test_filters_paging_and_total(api: Api) -> None:
    kees = await staff(api, "kees")
    for i in range(5):
        await inbound_sms(api, f"+3161111000{i}", f"vraag {i}")
    _, page = await api.call("GET", "/api/v1/conversations?limit=2&sort=oldest", role="service")
    assert page["total"] == 5 and len(page["items"]) == 2 and page["next_cursor"]
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        _, page = await api.call(
            "GET", f"/api/v1/conversations?limit=2&sort=oldest&cursor={page['next_cursor']}",
            role="service")
        seen += [c["id"] for c in page["items"]]
    assert len(set(seen)) == 5
    status, _ = await api.call("PATCH", f"/api/v1/conversations/{seen[0]}", role="service",
                               json={"assignee_id": kees.id})
    assert status == 200
    _, assigned = await api.call("GET", f"/api/v1/conversations?assignee={kees.id}",
                                 role="service")
    assert [c["id"] for c in assigned["items"]] == [seen[0]]
    _, unassigned = await api.call("GET", "/api/v1/conversations?assignee=none",
                                   role="service")
    assert unassigned["total"] == 4
    status, _ = await api.call("GET", "/api/v1/conversations?sort=oldest&cursor=abc",
                               role="service")
    assert status == 400
    _, first = await api.call("GET", "/api/v1/conversations?limit=2&sort=oldest",
                              role="service")
    status, other = await api.call(
        "GET", f"/api/v1/conversations?sort=sla&cursor={first['next_cursor']}", role="service")
    assert status == 400 and "another sort order" in other["error"]["message"]


async def test_bad_changes_name_the_field(api: Api) -> None:
    event = await inbound_sms(api, "+31612340000", "help")
    _, page = await api.call("GET", "/api/v1/conversations", role="service")
    conversation_id = page["items"][0]["id"]
    disabled = await staff(api, "olga", disabled=True)
    outsider = await staff(api, "piet")
    status, team = await api.call("POST", "/api/v1/teams", role="service",
                                  json={"name": "Facturen", "member_ids": []})
    assert status == 201
    past = iso(utcnow() - timedelta(hours=1))
    cases = [({"assignee_id": disabled.id}, "assignee_id"),
             ({"team_id": team["id"], "assignee_id": outsider.id}, "assignee_id"),
             ({"snoozed_until": past}, "snoozed_until"),
             ({"team_id": "unknown"}, "team_id"),
             ({"labels": ["unknown"]}, "labels")]
    for body, field in cases:
        status, error = await api.call("PATCH", f"/api/v1/conversations/{conversation_id}",
                                       role="service", json=body)
        assert status == 422, body
        assert error["error"]["details"]["field"] == field
    status, _ = await api.call("PATCH", f"/api/v1/conversations/{conversation_id}",
                               role="service", json={"status": "bogus"})
    assert status == 422
    status, _ = await api.call("PATCH", "/api/v1/conversations/nope", role="service",
                               json={"status": "resolved"})
    assert status == 404
    assert event.person_id


async def test_a_merged_persons_conversation_follows_the_redirect(api: Api) -> None:
    event = await inbound_sms(api, "+31612349999", "vraag")
    _, survivor = await api.call("POST", "/api/v1/persons", json={"name": "Anna"})
    status, _ = await api.call("POST", f"/api/v1/persons/{survivor['id']}/merge",
                               json={"duplicate_id": event.person_id})
    assert status == 200
    _, page = await api.call("GET", "/api/v1/conversations", role="service")
    status, changed = await api.call("PATCH", f"/api/v1/conversations/{page['items'][0]['id']}",
                                     role="service", json={"priority": "high"})
    assert status == 200 and changed["person"]["id"] == survivor["id"]


async def test_teams_labels_and_canned_responses(api: Api) -> None:
    kees = await staff(api, "kees2")
    status, team = await api.call("POST", "/api/v1/teams", role="service", json={
        "name": "Support", "member_ids": [kees.id], "channels": ["sms"], "auto_assign": True})
    assert status == 201 and team["member_ids"] == [kees.id]
    await inbound_sms(api, "+31612348888", "hoi")
    _, page = await api.call("GET", "/api/v1/conversations", role="service")
    assert page["items"][0]["team_id"] == team["id"]
    assert page["items"][0]["assignee_id"] == kees.id  # round-robin of one
    status, label = await api.call("POST", "/api/v1/labels", role="service",
                                   json={"name": "factuur"})
    assert status == 201
    status, _ = await api.call("POST", "/api/v1/labels", role="service",
                               json={"name": "Factuur"})
    assert status == 409
    status, labelled = await api.call(
        "PATCH", f"/api/v1/conversations/{page['items'][0]['id']}", role="service",
        json={"labels": [label["id"]]})
    assert status == 200 and labelled["labels"] == [label["id"]]
    _, by_label = await api.call("GET", f"/api/v1/conversations?label={label['id']}",
                                 role="service")
    assert by_label["total"] == 1
    status, canned = await api.call("POST", "/api/v1/canned-responses", role="service", json={
        "title": "Bedankt", "text": "Beste {{ person.name }}, dank voor uw bericht."})
    assert status == 201
    status, broken = await api.call("POST", "/api/v1/canned-responses", role="service", json={
        "title": "Kapot", "text": "Beste {{ person.name "})
    assert status == 422 and broken["error"]["code"] == "template_error"
    _, listed = await api.call("GET", "/api/v1/canned-responses", role="service")
    assert [c["id"] for c in listed["items"]] == [canned["id"]]
    _, teams = await api.call("GET", "/api/v1/teams", role="service")
    assert [t["name"] for t in teams["items"]] == ["Support"]


async def test_marketing_gets_403_everywhere(api: Api) -> None:
    for method, path in (("GET", "/api/v1/conversations"), ("GET", "/api/v1/conversations/x"),
                         ("PATCH", "/api/v1/conversations/x"), ("GET", "/api/v1/teams"),
                         ("POST", "/api/v1/teams"), ("GET", "/api/v1/canned-responses"),
                         ("POST", "/api/v1/conversations/x/messages"),
                         ("GET", "/api/v1/persons/x/conversations")):
        status, _ = await api.call(method, path, role="marketing",
                                   data=json.dumps({}), headers={
                                       "Content-Type": "application/json"})
        assert status == 403, (method, path)


async def test_kpis_count_statuses_sla_and_agents(api: Api) -> None:
    kees = await staff(api, "kees3")
    for i in range(3):
        await inbound_sms(api, f"+3161234770{i}", "vraag")
    _, page = await api.call("GET", "/api/v1/conversations", role="service")
    first, second = page["items"][0]["id"], page["items"][1]["id"]
    await api.call("PATCH", f"/api/v1/conversations/{first}", role="service",
                   json={"assignee_id": kees.id})
    await api.call("POST", f"/api/v1/conversations/{first}/messages", role="service",
                   json={"text": "komt goed"})
    await api.call("PATCH", f"/api/v1/conversations/{first}", role="service",
                   json={"status": "resolved"})
    await api.call("PATCH", f"/api/v1/conversations/{second}", role="service",
                   json={"status": "snoozed", "snoozed_until": iso(utcnow() + timedelta(hours=2))})
    status, kpis = await api.call("GET", "/api/v1/conversations/kpis", role="service")
    assert status == 200
    assert (kpis["open"], kpis["pending"], kpis["snoozed"]) == (1, 0, 1)
    assert kpis["unassigned"] == 1  # open and unassigned
    [agent] = [a for a in kpis["agents"] if a["user_id"] == kees.id]
    assert agent["resolved"] == 1 and agent["first_response_minutes"] is not None
