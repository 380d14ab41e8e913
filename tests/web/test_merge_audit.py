"""Merging with an audit, undoing it, and duplicate suggestions (issue 15, Merge), through the
API on SQLite: what moved goes back (addresses, events, transactions, consent per address),
the survivor loses only what the merge added, a second undo or one past the retention is a
409."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hub.domain.address_consent import consent_at
from hub.domain.common import utcnow
from tests.web.conftest import Api

OPTED_IN, NEVER = "+31611112222", "+31643056562"


async def make(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, made = await api.call("POST", path, json=body)
    assert status == 201, made
    return made


async def two_kees(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    home = await make(api, "/api/v1/households", {"name": "Jansen", "address": {
        "street": "Dorpsstraat 1", "postcode": "1234 AB", "city": "Ons Dorp"}})
    other_home = await make(api, "/api/v1/households", {"name": "Jansen", "address": {
        "postcode": "1234ab"}})
    keep = await make(api, "/api/v1/persons", {
        "name": "Kees Jansen", "phones": [NEVER], "household_id": home["id"],
        "tags": ["vip"]})
    dup = await make(api, "/api/v1/persons", {
        "name": "kees  JANSÉN", "phones": [OPTED_IN], "emails": ["kees@example.org"],
        "household_id": other_home["id"], "language": "en", "tags": ["news"],
        "attributes": {"mobile": "06-43056562"}, "consent": {"sms": "opted_in"}})
    return keep, dup


async def test_duplicates_are_suggested_with_their_reasons(api: Api) -> None:
    keep, dup = await two_kees(api)
    await make(api, "/api/v1/persons", {"name": "Someone Else", "phones": ["+31687654321"]})
    status, found = await api.call("GET", f"/api/v1/persons/{keep['id']}/duplicates")
    assert status == 200, found
    assert [s["person"]["id"] for s in found["items"]] == [dup["id"]]
    reasons = {r["code"]: r["detail"] for r in found["items"][0]["reasons"]}
    assert reasons == {"same_name_postcode": "1234AB", "phone_other_format": "06-43056562"}
    status, back = await api.call("GET", f"/api/v1/persons/{dup['id']}/duplicates")
    assert [s["person"]["id"] for s in back["items"]] == [keep["id"]]
    status, _ = await api.call("GET", f"/api/v1/persons/{keep['id']}/duplicates",
                               role="marketing")
    assert status == 403


async def test_merge_then_undo_moves_everything_back(api: Api) -> None:
    keep, dup = await two_kees(api)
    note = await make(api, f"/api/v1/persons/{dup['id']}/notes", {"text": "called about X"})
    status, _ = await api.call("POST", "/api/v1/transactions", json=[{
        "person_id": dup["id"], "amount": 12.5, "currency": "EUR",
        "occurred_at": "2026-11-01T10:00:00Z", "external_id": "INV-1"}])
    assert status in (200, 201)
    status, merged = await api.call("POST", f"/api/v1/persons/{keep['id']}/merge",
                                    json={"duplicate_id": dup["id"]})
    assert status == 200 and merged["phones"] == [NEVER, OPTED_IN]
    assert merged["language"] == "en" and merged["tags"] == ["vip", "news"]

    status, audits = await api.call("GET", f"/api/v1/persons/{keep['id']}/merges")
    assert status == 200 and len(audits["items"]) == 1
    audit = audits["items"][0]
    assert audit["duplicate_id"] == dup["id"] and audit["can_undo"]
    assert sorted(audit["identities"]) == sorted([OPTED_IN, "kees@example.org"])
    assert audit["events"] >= 2 and audit["transactions"] == 1 and audit["by"]

    status, undone = await api.call("POST", f"/api/v1/merges/{audit['id']}/undo")
    assert status == 200, undone
    assert undone["undone_at"] and not undone["can_undo"]

    status, back = await api.call("GET", f"/api/v1/persons/{dup['id']}")
    assert status == 200, back  # no longer a redirect
    assert back["phones"] == [OPTED_IN] and back["emails"] == ["kees@example.org"]
    assert back["language"] == "en" and back["consent"]["sms"]["status"] == "opted_in"
    status, survivor = await api.call("GET", f"/api/v1/persons/{keep['id']}")
    assert survivor["phones"] == [NEVER] and survivor["emails"] == []
    assert survivor["language"] is None and survivor["tags"] == ["vip"]
    assert survivor["consent"].get("sms", {}).get("status", "unknown") != "opted_in"
    stored = await api.store.persons.get(keep["id"])
    assert stored is not None and consent_at(stored, "sms", OPTED_IN).status == "unknown"

    status, owner = await api.call("GET", "/api/v1/persons", params={"phone": OPTED_IN})
    assert [p["id"] for p in owner["items"]] == [dup["id"]]
    status, timeline = await api.call("GET", f"/api/v1/persons/{dup['id']}/timeline")
    assert note["id"] in [e["id"] for e in timeline["items"]]
    status, timeline = await api.call("GET", f"/api/v1/persons/{keep['id']}/timeline")
    ids = [e["id"] for e in timeline["items"]]
    assert note["id"] not in ids
    assert "Merge undone" in [e["subject"] for e in timeline["items"]]
    sales = await api.store.transactions.for_person(dup["id"], limit=10)
    assert [t.external_id for t in sales] == ["INV-1"]

    status, again = await api.call("POST", f"/api/v1/merges/{audit['id']}/undo")
    assert status == 409, again


async def test_undo_past_the_retention_is_refused(api: Api) -> None:
    keep, dup = await two_kees(api)
    await api.call("POST", f"/api/v1/persons/{keep['id']}/merge",
                   json={"duplicate_id": dup["id"]})
    [record] = await api.store.merges.for_person(keep["id"])
    await api.store.merges.replace(record.model_copy(update={
        "expires_at": utcnow() - timedelta(seconds=1)}))
    status, refused = await api.call("POST", f"/api/v1/merges/{record.id}/undo")
    assert status == 409 and "retention" in refused["error"]["message"]
    status, _ = await api.call("POST", "/api/v1/merges/000000000000000000000000/undo")
    assert status == 404


async def test_erasure_deletes_the_merge_audit(api: Api) -> None:
    keep, dup = await two_kees(api)
    await api.call("POST", f"/api/v1/persons/{keep['id']}/merge",
                   json={"duplicate_id": dup["id"]})
    assert await api.store.merges.for_person(keep["id"])
    status, _ = await api.call("DELETE", f"/api/v1/persons/{keep['id']}")
    assert status == 200
    assert await api.store.merges.for_person(keep["id"]) == []
    assert await api.store.merges.for_person(dup["id"]) == []
