"""The foundation's acceptance path, as a client of the REST API would walk it."""

from __future__ import annotations

from tests.web.conftest import Api


async def create_anna(api: Api) -> dict:
    status, anna = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna de Vries", "emails": ["Anna@Example.COM"], "phones": ["06 12345678"]})
    assert status == 201, anna
    return anna


async def test_create_normalises_addresses_and_finds_by_any_form(api: Api) -> None:
    anna = await create_anna(api)
    assert anna["emails"] == ["anna@example.com"]
    assert anna["phones"] == ["+31612345678"]
    assert anna["customer_status"] == "prospect"
    for query in ("phone=%2B31612345678", "phone=06-1234%205678", "email=anna@example.com",
                  "email=%20ANNA@example.com"):
        status, page = await api.call("GET", f"/api/v1/persons?{query}")
        assert status == 200
        assert [p["id"] for p in page["items"]] == [anna["id"]], query


async def test_address_of_someone_else_is_409_with_owner(api: Api) -> None:
    anna = await create_anna(api)
    status, body = await api.call("POST", "/api/v1/persons",
                                  json={"name": "Other", "phones": ["0612345678"]})
    assert status == 409
    assert body["error"]["code"] == "address_taken"
    assert body["error"]["details"]["owner_id"] == anna["id"]
    _, page = await api.call("GET", "/api/v1/persons?q=Other")
    assert page["items"] == []  # nothing half-created


async def test_role_notes_show_on_organisation_and_person(api: Api) -> None:
    anna = await create_anna(api)
    _, org = await api.call("POST", "/api/v1/organisations", json={"name": "Acme BV"})
    status, role = await api.call("POST", "/api/v1/roles", json={
        "person_id": anna["id"], "organisation_id": org["id"], "function": "Buyer",
        "email": "Anna@Acme.nl"})
    assert status == 201, role
    assert role["email"] == "anna@acme.nl"
    _, found = await api.call("GET", "/api/v1/persons?email=anna@acme.nl")
    assert [p["id"] for p in found["items"]] == [anna["id"]]

    status, private = await api.call("POST", f"/api/v1/persons/{anna['id']}/notes",
                                     json={"text": "Called about her own account"})
    assert status == 201 and private["channel"] == "note"
    _, business = await api.call("POST", f"/api/v1/persons/{anna['id']}/notes",
                                 json={"text": "Wants a quote for Acme", "role_id": role["id"]})
    assert business["organisation_id"] == org["id"]

    _, org_line = await api.call("GET", f"/api/v1/organisations/{org['id']}/timeline")
    assert [e["id"] for e in org_line["items"]] == [business["id"]]
    _, own = await api.call("GET", f"/api/v1/persons/{anna['id']}/timeline?channel=note")
    assert [e["id"] for e in own["items"]] == [business["id"], private["id"]]
    _, roles = await api.call("GET", f"/api/v1/persons/{anna['id']}/roles")
    assert [r["id"] for r in roles["items"]] == [role["id"]]


async def test_timeline_pages_without_gaps_or_repeats(api: Api) -> None:
    anna = await create_anna(api)
    for n in range(120):
        status, _ = await api.call("POST", f"/api/v1/persons/{anna['id']}/notes",
                                   json={"text": f"note {n}"})
        assert status == 201
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        status, page = await api.call(
            "GET", f"/api/v1/persons/{anna['id']}/timeline?limit=50&channel=note{suffix}")
        assert status == 200
        seen += [e["text"] for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"note {n}" for n in reversed(range(120))]


async def test_household_timeline_combines_members(api: Api) -> None:
    _, home = await api.call("POST", "/api/v1/households", json={
        "name": "De Vries", "address": {"postcode": "1012 AB", "city": "Amsterdam"}})
    ids = []
    for name in ("Anna", "Bram"):
        _, person = await api.call("POST", "/api/v1/persons",
                                   json={"name": name, "household_id": home["id"]})
        await api.call("POST", f"/api/v1/persons/{person['id']}/notes", json={"text": name})
        ids.append(person["id"])
    _, household = await api.call("GET", f"/api/v1/households/{home['id']}")
    assert sorted(household["member_ids"]) == sorted(ids)
    _, line = await api.call("GET", f"/api/v1/households/{home['id']}/timeline")
    assert [e["text"] for e in line["items"]] == ["Bram", "Anna"]


async def test_consent_given_and_changed_leaves_timeline_events(api: Api) -> None:
    status, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Cas", "emails": ["cas@example.org"],
        "consent": {"email": {"status": "opted_in", "text": "Yes, send me news"},
                    "sms": "opted_out"}})
    assert status == 201
    email = person["consent"]["email"]
    assert (email["status"], email["source"], email["text"]) == (
        "opted_in", "api", "Yes, send me news")
    assert email["at"].endswith("Z")
    status, person = await api.call("PATCH", f"/api/v1/persons/{person['id']}",
                                    json={"consent": {"email": "opted_out"}})
    assert status == 200 and person["consent"]["email"]["status"] == "opted_out"
    _, line = await api.call("GET", f"/api/v1/persons/{person['id']}/timeline?channel=system")
    changes = [e["data"]["consent"] for e in line["items"]]
    assert [(c["channel"], c["previous"], c["status"]) for c in changes] == [
        ("email", "opted_in", "opted_out"), ("sms", "unknown", "opted_out"),
        ("email", "unknown", "opted_in")]


async def test_patch_changes_only_given_fields_and_addresses(api: Api) -> None:
    anna = await create_anna(api)
    status, patched = await api.call("PATCH", f"/api/v1/persons/{anna['id']}", json={
        "language": "nl", "emails": ["anna@example.com", "anna.work@example.com"]})
    assert status == 200, patched
    assert patched["name"] == "Anna de Vries" and patched["language"] == "nl"
    assert patched["emails"] == ["anna@example.com", "anna.work@example.com"]
    assert patched["phones"] == ["+31612345678"]
    _, found = await api.call("GET", "/api/v1/persons?email=anna.work@example.com")
    assert found["items"][0]["id"] == anna["id"]
    await api.call("PATCH", f"/api/v1/persons/{anna['id']}", json={"emails": []})
    _, gone = await api.call("GET", "/api/v1/persons?email=anna@example.com")
    assert gone["items"] == []
    status, _ = await api.call("POST", "/api/v1/persons", json={"emails": ["anna@example.com"]})
    assert status == 201  # released addresses can be claimed again


async def test_merge_moves_identities_events_and_redirects(api: Api) -> None:
    anna = await create_anna(api)
    _, dup = await api.call("POST", "/api/v1/persons", json={
        "name": "A. de Vries", "emails": ["anna.devries@example.net"], "language": "nl"})
    await api.call("POST", f"/api/v1/persons/{dup['id']}/notes", json={"text": "on the dup"})
    status, merged = await api.call("POST", f"/api/v1/persons/{anna['id']}/merge",
                                    json={"duplicate_id": dup["id"]})
    assert status == 200, merged
    assert merged["emails"] == ["anna@example.com", "anna.devries@example.net"]
    assert merged["language"] == "nl"
    _, found = await api.call("GET", "/api/v1/persons?email=anna.devries@example.net")
    assert found["items"][0]["id"] == anna["id"]
    _, line = await api.call("GET", f"/api/v1/persons/{anna['id']}/timeline")
    assert "on the dup" in [e["text"] for e in line["items"]]
    response = await api.client.get(f"/api/v1/persons/{dup['id']}", allow_redirects=False,
                                    headers={"Authorization": f"Bearer {api.tokens['admin']}"})
    assert response.status == 308
    assert response.headers["Location"] == f"/api/v1/persons/{anna['id']}"
    status, followed = await api.call("GET", f"/api/v1/persons/{dup['id']}")
    assert status == 200 and followed["id"] == anna["id"]
    status, _ = await api.call("POST", f"/api/v1/persons/{anna['id']}/merge",
                               json={"duplicate_id": anna["id"]})
    assert status == 422


async def test_erase_removes_personal_data_and_suppresses_addresses(api: Api) -> None:
    anna = await create_anna(api)
    _, org = await api.call("POST", "/api/v1/organisations", json={"name": "Acme"})
    _, role = await api.call("POST", "/api/v1/roles", json={
        "person_id": anna["id"], "organisation_id": org["id"], "email": "anna@acme.nl"})
    await api.call("POST", f"/api/v1/persons/{anna['id']}/notes",
                   json={"text": "Anna's secret", "role_id": role["id"]})
    status, report = await api.call("DELETE", f"/api/v1/persons/{anna['id']}")
    assert status == 200
    assert report["addresses_suppressed"] == 3 and report["events_erased"] >= 1
    status, body = await api.call("GET", f"/api/v1/persons/{anna['id']}")
    assert status == 410 and body["error"]["code"] == "gone"
    for query in ("email=anna@example.com", "phone=0612345678", "email=anna@acme.nl"):
        _, page = await api.call("GET", f"/api/v1/persons?{query}")
        assert page["items"] == []
    _, org_line = await api.call("GET", f"/api/v1/organisations/{org['id']}/timeline")
    assert len(org_line["items"]) == 1  # the anonymised count stays
    assert org_line["items"][0]["text"] is None and org_line["items"][0]["erased"] is True
    stored = await api.store.persons.get(anna["id"])
    assert stored is not None and stored.name == "" and stored.emails == []
    # a re-import of the erased address is recognised: no marketing mail to it
    _, again = await api.call("POST", "/api/v1/persons", json={"emails": ["ANNA@example.com"]})
    assert again["consent"]["email"]["status"] == "opted_out"
    assert again["consent"]["email"]["source"] == "suppression"
