"""A hub with WhatsApp configured against the local Twilio stand-in (reached through the real
twilio SDK), a staff API client and a signer that posts webhooks as Twilio would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.channels.sms.fake_twilio import FROM_NUMBER
from tests.support.twilio_hub import ClientFactory, Hub, ServerFactory, twilio_hub

MEDIA_LIMIT = 1000


@pytest.fixture
async def hub(
    tmp_path: Path, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory,
) -> AsyncIterator[Hub]:
    async with twilio_hub(tmp_path, aiohttp_server, aiohttp_client, {
        "HUB_MAX_BODY_BYTES": "65536", "HUB_TWILIO_WHATSAPP_FROM": FROM_NUMBER,
        "HUB_WHATSAPP_MEDIA_LIMIT": str(MEDIA_LIMIT), "HUB_QUIET_HOURS": "off",
        "HUB_QUIET_DAYS": "off", "HUB_MARKETING_CAP": "off",
    }) as started:
        yield started
