"""Every API route needs a token with a fitting role; only the OpenAPI document is public."""

from __future__ import annotations

from tests.web.conftest import Api


async def test_no_or_bad_token_is_401(api: Api) -> None:
    response = await api.client.get("/api/v1/persons")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["error"]["code"] == "unauthenticated"
    for header in ("Bearer hub_forged", "Basic YTpi", "Bearer "):
        response = await api.client.get("/api/v1/persons", headers={"Authorization": header})
        assert response.status == 401


async def test_revoked_token_is_401(api: Api) -> None:
    token = (await api.store.tokens.find())[0]
    await api.store.tokens.revoke(token.id)
    role = token.role
    status, _ = await api.call("GET", "/api/v1/persons", role=role)
    assert status == 401


async def test_roles_keep_to_their_routes(api: Api) -> None:
    transaction = [{"household_id": "none", "amount": "1.00",
                    "occurred_at": "2026-01-01T00:00:00Z", "external_id": "x"}]
    status, body = await api.call("POST", "/api/v1/transactions", role="service",
                                  json=transaction)
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await api.call("GET", "/api/v1/persons", role="marketing")
    assert status == 403
    status, _ = await api.call("POST", "/api/v1/persons", role="marketing", json={"name": "X"})
    assert status == 403
    _, page = await api.call("GET", "/api/v1/persons")
    assert page["items"] == []  # the refused write stored nothing
    status, _ = await api.call("GET", "/api/v1/persons", role="service")
    assert status == 200


async def test_every_api_route_is_described_and_guarded(api: Api) -> None:
    response = await api.client.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    app_routes = {(r.method, r.resource.canonical) for r in api.client.app.router.routes()
                  if r.resource is not None and r.resource.canonical.startswith("/api/v1")
                  and r.method != "HEAD"}
    described = {(method.upper(), path) for path, ops in document["paths"].items()
                 for method in ops}
    assert app_routes == described
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if path == "/api/v1/openapi.json":
                assert op["security"] == []
                continue
            assert "admin" in op["x-roles"], (method, path)
            url = path.replace("{", "").replace("}", "")
            response = await api.client.request(method.upper(), url)
            assert response.status == 401, (method, path)
    assert "PersonInput" in document["components"]["schemas"]


async def test_transactions_are_idempotent(api: Api) -> None:
    _, person = await api.call("POST", "/api/v1/persons", json={"name": "Payer"})
    batch = [{"person_id": person["id"], "amount": "19.99", "currency": "EUR",
              "occurred_at": "2026-03-01T10:00:00Z", "external_id": f"inv-{n}"} for n in range(3)]
    status, counts = await api.call("POST", "/api/v1/transactions", role="marketing", json=batch)
    assert (status, counts) == (200, {"imported": 3, "duplicates": 0})
    status, counts = await api.call("POST", "/api/v1/transactions", role="marketing", json=batch)
    assert counts == {"imported": 0, "duplicates": 3}
    assert await api.store.transactions.count() == 3
