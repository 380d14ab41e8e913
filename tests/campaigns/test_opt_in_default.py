"""A marketing campaign reaches only persons who opted in unless staff say otherwise."""

from __future__ import annotations

from tests.web.conftest import Api

M = "marketing"


async def test_campaigns_and_reach_default_to_opted_in_only(api: Api) -> None:
    for name, consent in (("Anna", "opted_in"), ("Bert", None)):
        person = {"name": name, "emails": [f"{name.lower()}@example.org"]}
        if consent:
            person["consent"] = {"email": consent}  # type: ignore[assignment]
        status, _ = await api.call("POST", "/api/v1/persons", json=person)
        assert status == 201
    everyone = {"field": "name", "op": "exists", "value": True}
    status, mail = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "Hi", "channel": "email", "subject": "Hi", "body": "Hello"})
    assert status == 201
    templates = {"email": mail["id"]}
    status, draft = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Spring", "filter": everyone, "channels": ["email"],
        "templates": templates})
    assert status == 201, draft
    assert status == 201 and draft["require_opt_in"] is True
    status, reach = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
        "filter": everyone, "channels": ["email"]})
    assert status == 200 and reach["by_channel"] == {"email": 1}
    status, reach = await api.call("POST", "/api/v1/campaigns/reach", role=M, json={
        "filter": everyone, "channels": ["email"], "require_opt_in": False})
    assert reach["by_channel"] == {"email": 2}
    status, draft = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Everyone", "filter": everyone, "channels": ["email"],
        "templates": templates, "require_opt_in": False})
    assert status == 201 and draft["require_opt_in"] is False
