from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestServer

from tests.channels.sms.fake_twilio import FakeTwilio


@pytest.fixture
async def fake_twilio(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> tuple[FakeTwilio, str]:
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")
