"""A revoked API token stops working: at once when revoked through this app (the admin page's
service), and within TOKEN_TRUST_SECONDS when another process revokes it, on real time and a
real second process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from hub.services.token_cache import TOKEN_TRUST_SECONDS
from hub.web.keys import SERVICES, SETTINGS
from tests.web.conftest import Api

REVOKE_IN_ANOTHER_PROCESS = """
import asyncio, sys
from hub.store.sqlite import open_sqlite_store

async def main() -> None:
    store = await open_sqlite_store(sys.argv[1])
    try:
        assert await store.tokens.revoke(sys.argv[2])
    finally:
        await store.close()

asyncio.run(main())
"""


async def _token_id(api: Api, role: str) -> str:
    return next(t.id for t in await api.store.tokens.find() if t.name == f"{role}-test")


async def test_revoked_through_the_app_is_401_on_the_next_request(api: Api) -> None:
    assert (await api.call("GET", "/api/v1/persons", role="service"))[0] == 200  # cached
    await api.client.app[SERVICES].staff.revoke_token(await _token_id(api, "service"))
    status, body = await api.call("GET", "/api/v1/persons", role="service")
    assert status == 401 and body["error"]["code"] == "unauthenticated"


async def test_revoked_by_another_process_is_401_within_the_bound(api: Api) -> None:
    assert (await api.call("GET", "/api/v1/persons", role="marketing"))[0] == 403  # cached
    url = api.client.app[SETTINGS].database_url
    token_id = await _token_id(api, "marketing")
    await asyncio.to_thread(subprocess.run, [
        sys.executable, "-c", REVOKE_IN_ANOTHER_PROCESS, url, token_id],
        check=True, timeout=60)
    revoked_at = time.monotonic()
    await asyncio.sleep(max(0.0, revoked_at + TOKEN_TRUST_SECONDS - time.monotonic()))
    status, body = await api.call("GET", "/api/v1/persons", role="marketing")
    assert status == 401 and body["error"]["code"] == "unauthenticated"
