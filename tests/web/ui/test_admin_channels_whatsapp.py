"""`/admin/channels` has a WhatsApp row, built from the channel registry: sandbox until the
Twilio account, token and WhatsApp sender are set, then configured with the sender, the
webhook URLs an admin pastes into Twilio (under HUB_PUBLIC_URL), the last send and its
failure; never the token."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp.test_utils import TestClient

from hub.config import load_settings
from hub.domain.common import new_id
from hub.domain.events import Event, StatusChange
from hub.services.staff import add_user
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import RUN_WORKERS
from tests.web.ui.conftest import PASSWORD, Ui

TOKEN = "twilio-token-7788"


def whatsapp_row(text: str) -> str:
    found = re.search(r'<tr data-channel="whatsapp">(.*?)</tr>', text, re.S)
    assert found, "no WhatsApp row"
    return found.group(1)


async def test_whatsapp_row_sandbox_then_configured_with_the_webhooks_to_paste(
        tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    base = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path)}
    configured = {**base, "HUB_TWILIO_ACCOUNT_SID": "AC0123456789abcdef",
                  "HUB_TWILIO_AUTH_TOKEN": TOKEN, "HUB_TWILIO_WHATSAPP_FROM": "+3197010203040"}
    for env, mode in ((base, "sandbox"), (configured, "configured")):
        settings = load_settings(env, dotenv=None)
        store = await create_store(settings)
        try:
            if mode == "sandbox":
                await add_user(store, email="admin@example.org", role="admin",
                               password=PASSWORD)
            app = create_app(settings, store=store)
            app[RUN_WORKERS] = False
            ui = Ui(client=await aiohttp_client(app), store=store, settings=settings)
            if mode == "configured":
                await store.events.append(Event(
                    id=new_id(), person_id="p1", channel="whatsapp", direction="outbound",
                    status="undelivered", text="hi", status_history=[StatusChange(
                        status="undelivered", detail="63016 outside the window")]))
            await ui.login("admin")
            text = await (await ui.client.get("/admin/channels")).text()
        finally:
            await store.close()
        row = whatsapp_row(text)
        assert f'data-mode="{mode}"' in row
        assert "Twilio (WhatsApp)" in row
        public = settings.public_url  # the login's origin check wants it to be the test's
        assert f"{public}/webhooks/twilio/whatsapp</code>" in row
        assert f"{public}/webhooks/twilio/whatsapp/status</code>" in row
        if mode == "sandbox":
            assert "HUB_TWILIO_WHATSAPP_FROM" in row and "sandbox" in row
        else:
            assert "whatsapp:+3197010203040" in row and "63016 outside the window" in row
            assert TOKEN not in text and "0123456789abcdef" not in text
