"""Household and organisation timelines say whose each event is: the member's name and their
role there (organisation: the role's function; household: the member's life stage)."""

from __future__ import annotations

from tests.web.conftest import Api


async def test_household_timeline_items_name_the_member(api: Api) -> None:
    _, home = await api.call("POST", "/api/v1/households", json={"name": "Huishouden Willems"})
    _, ingrid = await api.call("POST", "/api/v1/persons", json={
        "name": "Ingrid Willems", "household_id": home["id"], "life_stage": "young_family"})
    _, daan = await api.call("POST", "/api/v1/persons", json={
        "name": "Daan Willems", "household_id": home["id"]})
    for person, text in ((ingrid, "called about the boiler"), (daan, "asked for a quote")):
        status, _ = await api.call("POST", f"/api/v1/persons/{person['id']}/notes",
                                   json={"text": text})
        assert status == 201
    status, page = await api.call("GET", f"/api/v1/households/{home['id']}/timeline")
    assert status == 200
    members = {item["text"]: item["member"] for item in page["items"]}
    assert members["called about the boiler"] == {
        "person_id": ingrid["id"], "name": "Ingrid Willems", "role_id": None, "function": None,
        "life_stage": "young_family"}
    assert members["asked for a quote"]["name"] == "Daan Willems"
    assert members["asked for a quote"]["life_stage"] is None
    # a person's own timeline stays as it was: no member field
    _, own = await api.call("GET", f"/api/v1/persons/{ingrid['id']}/timeline")
    assert "member" not in own["items"][0]


async def test_organisation_timeline_items_name_the_person_and_role(api: Api) -> None:
    _, acme = await api.call("POST", "/api/v1/organisations", json={"name": "Acme BV"})
    _, ingrid = await api.call("POST", "/api/v1/persons", json={"name": "Ingrid Willems"})
    _, kees = await api.call("POST", "/api/v1/persons", json={"name": "Kees Bakker"})
    _, buyer = await api.call("POST", "/api/v1/roles", json={
        "person_id": ingrid["id"], "organisation_id": acme["id"], "function": "Inkoper"})
    _, boss = await api.call("POST", "/api/v1/roles", json={
        "person_id": kees["id"], "organisation_id": acme["id"], "function": "Directeur"})
    for person, role, text in ((ingrid, buyer, "order 1"), (kees, boss, "contract")):
        status, _ = await api.call("POST", f"/api/v1/persons/{person['id']}/notes",
                                   json={"text": text, "role_id": role["id"]})
        assert status == 201
    status, page = await api.call("GET", f"/api/v1/organisations/{acme['id']}/timeline")
    assert status == 200
    members = {item["text"]: item["member"] for item in page["items"]}
    assert members["order 1"] == {"person_id": ingrid["id"], "name": "Ingrid Willems",
                                  "role_id": buyer["id"], "function": "Inkoper",
                                  "life_stage": None}
    assert members["contract"]["function"] == "Directeur"
    _, doc = await api.call("GET", "/api/v1/openapi.json")
    schema = doc["paths"]["/api/v1/organisations/{organisation_id}/timeline"]["get"]
    assert "MemberEvent" in str(schema) and "TimelineMember" in doc["components"]["schemas"]
