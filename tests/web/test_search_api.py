"""`GET /api/v1/search`: typed results with summaries, keyset paging, roles, bad input."""

from __future__ import annotations

from tests.web.conftest import Api


async def _world(api: Api) -> dict[str, str]:
    _, home = await api.call("POST", "/api/v1/households", json={
        "name": "Huishouden Willems", "address": {"postcode": "6562 AB", "city": "Groesbeek"}})
    _, ingrid = await api.call("POST", "/api/v1/persons", json={
        "name": "Ingrid Willems", "emails": ["ingrid.w1978@example.nl"],
        "phones": ["06-4305 6562"], "household_id": home["id"]})
    _, acme = await api.call("POST", "/api/v1/organisations", json={"name": "Acme Installatie"})
    status, role = await api.call("POST", "/api/v1/roles", json={
        "person_id": ingrid["id"], "organisation_id": acme["id"], "function": "Inkoper",
        "email": "inkoop@acme.example"})
    assert status == 201, role
    return {"home": home["id"], "ingrid": ingrid["id"], "acme": acme["id"]}


async def test_phone_end_email_part_and_typo_find_the_person(api: Api) -> None:
    made = await _world(api)
    for q in ("6562", "43056562", "06-4305 6562", "w1978", "inkoop@acme", "Wilems"):
        status, page = await api.call("GET", "/api/v1/search", params={"q": q},
                                      role="service")
        assert status == 200, page
        persons = [item for item in page["items"] if item["type"] == "person"]
        assert [p["id"] for p in persons] == [made["ingrid"]], q
    _, page = await api.call("GET", "/api/v1/search", params={"q": "6562"})
    person, household = page["items"]
    assert person["matched"] == ["phone"]
    assert person["person"]["phones"] == ["+31643056562"]
    assert person["person"]["household"] == {"id": made["home"], "name": "Huishouden Willems"}
    assert person["person"]["roles"][0]["function"] == "Inkoper"
    assert person["person"]["roles"][0]["organisation"]["id"] == made["acme"]
    assert household["type"] == "household" and household["matched"] == ["postcode"]
    assert household["household"]["people"] == [
        {"id": made["ingrid"], "name": "Ingrid Willems", "function": None}]
    assert household["organisation"] is None and household["person"] is None
    _, page = await api.call("GET", "/api/v1/search", params={"q": "acme"})
    organisation = next(i for i in page["items"] if i["type"] == "organisation")
    assert organisation["organisation"]["people"] == [
        {"id": made["ingrid"], "name": "Ingrid Willems", "function": "Inkoper"}]


async def test_pages_beyond_twenty_five_with_a_cursor(api: Api) -> None:
    ids = []
    for i in range(30):
        _, person = await api.call("POST", "/api/v1/persons", json={
            "name": f"Jansen {i}", "phones": [f"+3161234{i:02d}77"]})
        ids.append(person["id"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"q": "jansen"} | ({"cursor": cursor} if cursor else {})
        status, page = await api.call("GET", "/api/v1/search", params=params)
        assert status == 200
        seen += [item["id"] for item in page["items"]]
        pages += 1
        if (cursor := page["next_cursor"]) is None:
            break
    assert pages == 2 and seen == sorted(ids)
    _, page = await api.call("GET", "/api/v1/search", params={"q": "77", "limit": 200})
    assert page["items"] == []  # two digits are not a phone search
    _, page = await api.call("GET", "/api/v1/search", params={"q": "477", "limit": 200})
    assert len(page["items"]) == 3 and page["next_cursor"] is None


async def test_roles_and_bad_input(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/search", params={"q": "x"},
                                  role="marketing")
    assert status == 403
    status, body = await api.call("GET", "/api/v1/search")
    assert status == 400 or status == 422
    assert body["error"]["details"][0]["field"] == "q"
    for params in ({"q": "x", "limit": "0"}, {"q": "x", "limit": "201"},
                   {"q": "x" * 201}, {"q": "x", "bogus": "1"}):
        status, body = await api.call("GET", "/api/v1/search", params=params)
        assert 400 <= status < 500 and "error" in body, params
    status, body = await api.call("GET", "/api/v1/search",
                                  params={"q": "x", "cursor": "garbage!"})
    assert status == 400 and body["error"]["code"] == "invalid_cursor"
    response = await api.client.get("/api/v1/search", params={"q": "x"})
    assert response.status == 401


async def test_the_route_is_in_the_openapi_document(api: Api) -> None:
    status, doc = await api.call("GET", "/api/v1/openapi.json")
    assert status == 200
    operation = doc["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "limit", "cursor"}
    assert operation["x-roles"] == ["admin", "service"]
    assert "SearchResult" in doc["components"]["schemas"]
