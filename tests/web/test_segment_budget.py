"""A segment filter cannot stall the server: the issue's pathological filter (50 revenue
conditions and 50 `in` lists of 500 values) is stopped at the time budget with a 422 that says
the filter is too expensive, and `/healthz` answers quickly while it runs (the count runs on
SQLite's second, read-only connection)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings, load_settings
from hub.domain.common import new_id
from hub.domain.parties import Person
from tests.web.conftest import Api

BUDGET = 0.25  # the filter below takes about 1.1 s without a budget on a quiet machine
BULKY_ATTRIBUTES = {f"field_{n}": "x" * 40 for n in range(300)}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var"),
                          "HUB_MAX_BODY_BYTES": str(4 * 1024 * 1024),
                          "HUB_SEGMENT_BUDGET_SECONDS": str(BUDGET)}, dotenv=None)


def pathological_filter() -> dict[str, Any]:
    # a text test on a missing attribute of a large document, for every person: no index can
    # answer it, so each condition reads every person's whole document
    contains = [{"field": f"attributes.note_{n}", "op": "contains", "value": f"nobody {n}"}
                for n in range(50)]
    lists = [{"field": "name", "op": "in", "value": [f"nobody {n}-{v}" for v in range(500)]}
             for n in range(50)]
    return {"any": contains + lists}  # nothing matches, so every condition is evaluated


async def test_a_pathological_filter_gets_a_422_within_the_budget_and_healthz_stays_fast(
        api: Api) -> None:
    for n in range(2500):
        await api.store.persons.insert(Person(id=new_id(), name=f"Person {n}",
                                              attributes=BULKY_ATTRIBUTES))
    started = time.monotonic()
    preview = asyncio.ensure_future(api.call("POST", "/api/v1/segments/preview",
                                             role="marketing",
                                             json={"filter": pathological_filter()}))
    await asyncio.sleep(0.05)
    health_started = time.monotonic()
    health = await api.client.get("/healthz")
    health_seconds = time.monotonic() - health_started
    still_counting = not preview.done()
    status, body = await preview
    elapsed = time.monotonic() - started
    assert health.status == 200
    assert health_seconds < 0.75, f"/healthz took {health_seconds:.2f} s during the preview"
    assert still_counting  # /healthz answered while the heavy count was running
    assert not preview.cancelled() and status == 422, body
    assert body["error"]["code"] == "filter_too_expensive"
    assert "too expensive" in body["error"]["message"]
    assert elapsed < BUDGET + 1.5, f"the refusal took {elapsed:.2f} s"


async def test_a_cheap_filter_is_counted_as_before(api: Api) -> None:
    for name in ("Anna", "Bert", "Carla"):
        await api.store.persons.insert(Person(id=new_id(), name=name))
    status, body = await api.call("POST", "/api/v1/segments/preview", role="marketing",
                                  json={"filter": {"field": "name", "op": "in",
                                                   "value": ["Anna", "Carla"]}})
    assert status == 200 and body["count"] == 2
    assert sorted(p["name"] for p in body["sample"]) == ["Anna", "Carla"]
