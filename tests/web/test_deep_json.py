"""Deeply nested JSON (`[[[[...]]]]`) is bad input like any other: a 4xx in the error format,
on the API and on the anonymous public form, and no traceback in the log per request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from hub.config import Settings, load_settings
from hub.services.staff import create_token
from hub.store import create_store
from hub.web.app import create_app
from tests.web.conftest import Api
from tests.web.public.conftest import CONTACT_FORM

JSON = {"Content-Type": "application/json"}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The default body limit (1 MiB), so a 100,000-deep array reaches the JSON parser."""
    return load_settings({"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
                          "HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)


@pytest.fixture
async def api(settings: Settings,
              aiohttp_client: Callable[..., Awaitable[TestClient]]) -> AsyncIterator[Api]:
    store = await create_store(settings)
    tokens = {"admin": await create_token(store, name="admin-test", role="admin")}
    client = await aiohttp_client(create_app(settings, store=store))
    yield Api(client=client, tokens=tokens, store=store)
    await store.close()


def assert_no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_deep_json_to_an_api_route_is_400(api: Api,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for body in (nested(100_000), b'{"name": "Anna", "attributes": {"x": ' + nested(100_000)
                 + b"}}"):
        status, answer = await api.call("POST", "/api/v1/persons", data=body, headers=JSON)
        assert status == 400, answer
        assert answer["error"]["code"] == "invalid_json"
        assert "nested" in answer["error"]["message"]
    assert await api.store.persons.count() == 0
    assert_no_error_logged(caplog)


async def test_deep_json_in_a_query_parameter_is_4xx(api: Api,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    status, answer = await api.call("POST", "/api/v1/calls/import",
                                    params={"mapping": "[" * 2000},
                                    data=b"number\n", headers={"Content-Type": "text/csv"})
    assert status == 422, answer
    assert_no_error_logged(caplog)


async def test_deep_json_to_a_public_form_is_400(api: Api,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    status, form = await api.call("POST", "/api/v1/forms", json=CONTACT_FORM)
    assert status == 201, form
    caplog.set_level(logging.INFO)
    # The form's own body limit is 64 KiB: 32,000 levels is as deep as fits.
    for body in (nested(32_000), b"[" * 60_000):
        response = await api.client.post("/f/contact", data=body, headers=JSON)
        assert response.status == 400, await response.text()
        assert (await response.json())["error"]["code"] == "invalid_json"
    assert await api.store.persons.count() == 0
    assert_no_error_logged(caplog)
