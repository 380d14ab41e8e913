"""A hub with Twilio configured against the local fake REST API, a staff API client, and a
signer that posts webhooks as Twilio would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.twilio_hub import ClientFactory, Hub, ServerFactory, twilio_hub

__all__ = ["Hub", "hub"]


@pytest.fixture
async def hub(
    tmp_path: Path, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory,
) -> AsyncIterator[Hub]:
    async with twilio_hub(tmp_path, aiohttp_server, aiohttp_client,
                          {"HUB_MAX_BODY_BYTES": "65536"}) as started:
        yield started
