"""The journeys API: create, validate (422 naming the step), version, switch status, enrol,
stats, a person's journeys, and roles."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.config import Settings
from hub.domain.clock import MovableClock
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import JOURNEY_CLOCK, RUN_WORKERS
from tests.campaigns.journeys.conftest import journey_settings
from tests.web.conftest import Api


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return journey_settings(tmp_path)


@pytest.fixture
async def api(settings: Settings,
              aiohttp_client: Callable[..., Awaitable[TestClient]]) -> AsyncIterator[Api]:
    store = await create_store(settings)
    tokens = {role: await create_token(store, name=f"{role}-test", role=role)
              for role in ("admin", "service", "marketing")}
    app = create_app(settings, store=store)
    app[RUN_WORKERS] = False
    app[JOURNEY_CLOCK] = MovableClock()
    client = await aiohttp_client(app)
    yield Api(client=client, tokens=tokens, store=store)
    await store.close()


async def templates(api: Api) -> dict[str, str]:
    ids = {}
    for channel, language in (("email", "nl"), ("email", "en"), ("sms", "nl"), ("sms", "en")):
        code, body = await api.call("POST", "/api/v1/templates", role="marketing", json={
            "name": f"{channel} {language}", "channel": channel,
            "subject": "Hallo" if channel == "email" else None,
            "body": f"{language}: hallo {{{{ person.first_name }}}}"})
        assert code == 201, body
        ids[f"{channel}_{language}"] = body["id"]
    return ids


def flow(t: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"kind": "event", "event": {"kind": "form_submitted"}},
        "start": "welcome",
        "steps": [
            {"type": "send", "id": "welcome", "channel": "email",
             "templates": {"nl": t["email_nl"], "en": t["email_en"]}, "next": "pause"},
            {"type": "wait", "id": "pause", "minutes": 60 * 24, "next": "vip"},
            {"type": "branch", "id": "vip", "test": "segment",
             "filter": {"field": "tags", "op": "contains", "value": "vip"},
             "yes": "tag", "no": "bye"},
            {"type": "update", "id": "tag", "add_tags": ["welcomed"]},
            {"type": "exit", "id": "bye"},
        ],
        "goals": [{"kind": "transaction_recorded"}],
        "reentry": {"mode": "every_days", "days": 90},
    }


async def test_create_activate_enrol_and_read(api: Api) -> None:
    t = await templates(api)
    code, journey = await api.call("POST", "/api/v1/journeys", role="marketing",
                                   json={"name": "Welkom", "definition": flow(t)})
    assert code == 201, journey
    assert journey["status"] == "draft" and journey["version"] == 1
    code, person = await api.call("POST", "/api/v1/persons", json={
        "name": "Anna", "emails": ["anna@example.org"], "consent": {"email": "opted_in"}})
    assert code == 201, person
    path = f"/api/v1/journeys/{journey['id']}"

    code, body = await api.call("POST", f"{path}/enrolments", role="marketing",
                                json={"person_ids": [person["id"]]})
    assert code == 409 and "draft" in body["error"]["message"]  # not active yet

    code, active = await api.call("PATCH", path, role="marketing", json={"status": "active"})
    assert code == 200 and active["status"] == "active" and active["activated_at"]
    code, body = await api.call("POST", f"{path}/enrolments", role="marketing",
                                json={"person_ids": [person["id"], person["id"], "nobody"]})
    assert code == 200, body
    assert [e["person_id"] for e in body["enrolled"]] == [person["id"]]
    assert {s["person_id"] for s in body["skipped"]} == {person["id"], "nobody"}

    code, stats = await api.call("GET", f"{path}/stats", role="marketing")
    assert code == 200 and stats["total"] == 1 and stats["at_step"] == {"welcome": 1}
    code, ab = await api.call("GET", f"{path}/ab", role="marketing")
    assert code == 200 and ab == {"steps": {}}  # no A/B test in this journey
    code, mine = await api.call("GET", f"/api/v1/persons/{person['id']}/journeys",
                                role="service")
    assert code == 200 and mine["items"][0]["journey_name"] == "Welkom"
    assert mine["items"][0]["step_id"] == "welcome"

    changed = flow(t)
    changed["steps"][1]["minutes"] = 60
    code, v2 = await api.call("PATCH", path, role="marketing", json={"definition": changed})
    assert code == 200 and v2["version"] == 2
    code, same = await api.call("PATCH", path, role="marketing", json={"definition": changed})
    assert same["version"] == 2  # unchanged: no new version
    code, paused = await api.call("PATCH", path, role="marketing", json={"status": "paused"})
    assert paused["status"] == "paused"
    code, body = await api.call("PATCH", path, role="marketing", json={"status": "draft"})
    assert code == 409
    code, listed = await api.call("GET", "/api/v1/journeys", role="marketing")
    assert [j["id"] for j in listed["items"]] == [journey["id"]]


async def test_roles(api: Api) -> None:
    code, _ = await api.call("GET", "/api/v1/journeys", role="service")
    assert code == 403
    code, _ = await api.call("POST", "/api/v1/journeys", role="service",
                             json={"name": "x", "definition": {}})
    assert code == 403


def broken(t: dict[str, str], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    definition = copy.deepcopy(flow(t))
    change(definition)
    return definition


def _steps(n: int) -> dict[str, Any]:
    steps = [{"type": "wait", "id": f"s{i}", "minutes": 5, "next": f"s{i + 1}"}
             for i in range(n - 1)] + [{"type": "exit", "id": f"s{n - 1}"}]
    return {"trigger": {"kind": "manual"}, "start": "s0", "steps": steps}


@pytest.mark.parametrize(("name", "change", "step", "says"), [
    ("cycle", lambda d: d["steps"][3].update(next="welcome"), "tag", "loops"),
    ("missing language", lambda d: d["steps"][0]["templates"].pop("en"), "welcome",
     "language 'en'"),
    ("missing template", lambda d: d["steps"][0]["templates"].update(nl="nope"), "welcome",
     "no template nope"),
    ("unknown filter field", lambda d: d["steps"][2]["filter"].update(field="shoe_size"),
     "vip", "shoe_size"),
    ("zero wait", lambda d: d["steps"][1].update(minutes=0), "pause", "at least"),
    ("ten years", lambda d: d["steps"][1].update(minutes=10 * 365 * 24 * 60), "pause",
     "longer than a year"),
    ("event wait without timeout", lambda d: d["steps"][1].update(
        minutes=None, event={"kind": "message_received"}), "pause", "timeout"),
    ("unknown step type", lambda d: d["steps"][1].update(type="teleport"), "pause", "type"),
    ("unreachable", lambda d: d["steps"].append({"type": "exit", "id": "lost"}), "lost",
     "cannot be reached"),
])
async def test_bad_definitions_answer_422_naming_the_step(
        api: Api, name: str, change: Callable[[dict[str, Any]], None], step: str,
        says: str) -> None:
    t = await templates(api)
    code, body = await api.call("POST", "/api/v1/journeys", role="marketing",
                                json={"name": name, "definition": broken(t, change)})
    assert code == 422, body
    assert body["error"]["details"]["step"] == step
    assert says in body["error"]["message"] and step in body["error"]["message"]


async def test_ten_thousand_steps_are_refused(api: Api) -> None:
    code, body = await api.call("POST", "/api/v1/journeys", role="marketing",
                                json={"name": "huge", "definition": _steps(10_000)})
    assert code == 422 and "at most 200 steps" in body["error"]["message"]
    code, body = await api.call("POST", "/api/v1/journeys", role="marketing",
                                json={"name": "fine", "definition": _steps(150)})
    assert code == 201, body
