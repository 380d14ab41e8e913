"""Bad input gets a 4xx in the error format and changes nothing; never a 500."""

from __future__ import annotations

import pytest

from tests.web.conftest import Api


def assert_error(status: int, body: dict, expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "A", "favourite_colour": "blue"}, "favourite_colour"),
    ({"name": 42}, "name"),
    ({"emails": "anna@example.com"}, "emails"),
    ({"birth_date": "yesterday"}, "birth_date"),
    ({"customer_status": "vip"}, "customer_status"),
    ({"consent": {"email": "maybe"}}, "consent"),
    ({"consent": {"fax": "opted_in"}}, "consent"),
    ({"attributes": {"$where": "1"}}, "attributes"),
    ({"tags": ["x" * 51]}, "tags"),
])
async def test_invalid_person_fields(api: Api, payload: dict, field: str) -> None:
    status, body = await api.call("POST", "/api/v1/persons", json=payload)
    assert_error(status, body, 422, "invalid_input")
    assert any(d["field"].startswith(field) for d in body["error"]["details"])


@pytest.mark.parametrize("phone", ["12", "+31 6 1234", "call me", "+999 123456789", "0" * 41])
async def test_invalid_phone(api: Api, phone: str) -> None:
    status, body = await api.call("POST", "/api/v1/persons", json={"phones": [phone]})
    assert_error(status, body, 422, "invalid_input")
    assert body["error"]["details"][0]["value"] == phone


@pytest.mark.parametrize("email", ["anna", "anna@", "@example.com", "a b@example.com",
                                   "anna@example", "anna@exa..mple.com", "x\r\nBcc: y@z.nl"])
async def test_invalid_email(api: Api, email: str) -> None:
    status, body = await api.call("POST", "/api/v1/persons", json={"emails": [email]})
    assert_error(status, body, 422, "invalid_input")


async def test_malformed_json(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/persons", data=b'{"name": "An',
                                  headers={"Content-Type": "application/json"})
    assert_error(status, body, 400, "invalid_json")


async def test_body_that_is_not_an_object(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/persons", json=["Anna"])
    assert_error(status, body, 422, "invalid_input")


async def test_wrong_content_type(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/persons", data="name=Anna",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(status, body, 415, "unsupported_media_type")


async def test_oversized_body(api: Api) -> None:
    huge = {"name": "A", "attributes": {"note": "x" * 70_000}}
    status, body = await api.call("POST", "/api/v1/persons", json=huge)
    assert_error(status, body, 413, "payload_too_large")
    _, page = await api.call("GET", "/api/v1/persons")
    assert page["items"] == []


@pytest.mark.parametrize("cursor", ["zzz", "eyJ4IjoxfQ", "bm90IGpzb24", "eyJ0IjoieCIsImkiOiJ5In0"])
async def test_bad_timeline_cursor(api: Api, cursor: str) -> None:
    _, person = await api.call("POST", "/api/v1/persons", json={"name": "A"})
    status, body = await api.call(
        "GET", f"/api/v1/persons/{person['id']}/timeline?cursor={cursor}")
    assert_error(status, body, 400, "invalid_cursor")


async def test_bad_list_cursor_and_limits(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/persons?cursor=%%%")
    assert_error(status, body, 400, "invalid_cursor")
    for limit in ("0", "201", "ten"):
        status, body = await api.call("GET", f"/api/v1/persons?limit={limit}")
        assert_error(status, body, 422, "invalid_input")
    status, body = await api.call("GET", "/api/v1/persons?sort=$where")
    assert_error(status, body, 422, "invalid_input")
    status, body = await api.call("GET", "/api/v1/persons/nobody/timeline?channel=fax")
    assert_error(status, body, 422, "invalid_input")


async def test_unknown_things_are_404(api: Api) -> None:
    for path in ("/api/v1/persons/nobody", "/api/v1/persons/nobody/timeline",
                 "/api/v1/households/none/timeline", "/api/v1/organisations/none",
                 "/api/v1/no-such-route"):
        status, body = await api.call("GET", path)
        assert_error(status, body, 404, "not_found")
    status, body = await api.call("DELETE", "/api/v1/persons")
    assert_error(status, body, 405, "method_not_allowed")


async def test_references_must_exist(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/persons", json={"household_id": "nope"})
    assert_error(status, body, 422, "invalid_input")
    _, person = await api.call("POST", "/api/v1/persons", json={"name": "A"})
    status, body = await api.call("POST", "/api/v1/roles", json={
        "person_id": person["id"], "organisation_id": "nope"})
    assert_error(status, body, 422, "invalid_input")
    status, body = await api.call("POST", f"/api/v1/persons/{person['id']}/notes",
                                  json={"text": "x", "role_id": "not-hers"})
    assert_error(status, body, 422, "invalid_input")
    status, body = await api.call("POST", "/api/v1/transactions", json=[{
        "person_id": "nope", "amount": "10.00", "occurred_at": "2026-01-01T00:00:00Z",
        "external_id": "t1"}])
    assert_error(status, body, 422, "invalid_input")


async def test_conflict_on_update_keeps_the_person_whole(api: Api) -> None:
    _, anna = await api.call("POST", "/api/v1/persons", json={"emails": ["anna@example.com"]})
    _, bram = await api.call("POST", "/api/v1/persons", json={"emails": ["bram@example.com"]})
    status, body = await api.call("PATCH", f"/api/v1/persons/{bram['id']}", json={
        "emails": ["bram@example.com", "b2@example.com", "anna@example.com"]})
    assert status == 409 and body["error"]["details"]["owner_id"] == anna["id"]
    _, page = await api.call("GET", "/api/v1/persons?email=b2@example.com")
    assert page["items"] == []
    status, again = await api.call("GET", f"/api/v1/persons/{bram['id']}")
    assert again["emails"] == ["bram@example.com"]
