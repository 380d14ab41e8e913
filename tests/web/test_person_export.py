"""The data access export (GDPR art. 15/20): everything Hub holds about one person, as a
download only staff of the service role can take."""

from __future__ import annotations

from tests.web.conftest import Api


async def test_the_export_holds_profile_addresses_events_and_transactions(api: Api) -> None:
    status, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna de Vries", "emails": ["anna@example.com"], "phones": ["0612345678"],
        "consent": {"email": "opted_in"}})
    assert status == 201
    pid = person["id"]
    await api.call("POST", f"/api/v1/persons/{pid}/notes", json={"text": "Wants a call back"})
    await api.call("POST", f"/api/v1/persons/{pid}/messages",
                   json={"channel": "email", "subject": "Hello", "text": "Your order shipped"})
    status, _ = await api.call("POST", "/api/v1/transactions", json=[{
        "person_id": pid, "amount": 12.5, "currency": "EUR",
        "occurred_at": "2026-01-05T10:00:00Z", "external_id": "INV-1"}], role="marketing")
    assert status in (200, 201)
    response = await api.client.get(f"/api/v1/persons/{pid}/export", headers={
        "Authorization": f"Bearer {api.tokens['service']}"})
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = await response.json()
    assert data["person"]["name"] == "Anna de Vries"
    assert {(i["kind"], i["value"]) for i in data["identities"]} == {
        ("email", "anna@example.com"), ("phone", "+31612345678")}
    texts = [e.get("text") for e in data["events"]]
    assert "Wants a call back" in texts and "Your order shipped" in texts
    assert data["consent"]["current"]["email"]["status"] == "opted_in"
    assert [t["external_id"] for t in data["transactions"]] == ["INV-1"]
    status, _ = await api.call("GET", f"/api/v1/persons/{pid}/export", role="marketing")
    assert status == 403
