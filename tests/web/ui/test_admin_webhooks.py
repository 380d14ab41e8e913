"""`/admin/webhooks`: an admin subscribes a URL (the secret shown once), sees it listed,
opens its delivery log and deletes it; other roles are kept out; bad input is a 422 page
with the reason."""

from __future__ import annotations

import re

from tests.web.ui.conftest import Ui


async def test_admin_subscribes_sees_the_log_and_deletes(ui: Ui) -> None:
    await ui.login("admin")
    token = await ui.csrf("/admin/webhooks")
    response = await ui.client.post("/admin/webhooks", data={
        "csrf_token": token, "url": "http://127.0.0.1:9/hook",
        "event_types": "person.* event.*.inbound", "description": "CRM"})
    page = await response.text()
    assert response.status == 200, page
    secret = re.search(r"<code>(whsec_[A-Za-z0-9+/=]+)</code>", page)
    assert secret is not None
    [subscription] = await ui.store.webhooks.subscriptions()
    assert subscription.event_types == ["person.*", "event.*.inbound"]
    listing = await (await ui.client.get("/admin/webhooks")).text()
    assert "http://127.0.0.1:9/hook" in listing and secret.group(1) not in listing
    log = await ui.client.get(f"/admin/webhooks/{subscription.id}")
    assert log.status == 200 and "deliveries" in (await log.text())
    status = await ui.post(f"/admin/webhooks/{subscription.id}/delete", {},
                           token_from="/admin/webhooks")
    assert status in (302, 303)
    assert await ui.store.webhooks.subscriptions() == []


async def test_a_bad_target_is_refused_with_the_reason(ui: Ui) -> None:
    await ui.login("admin")
    token = await ui.csrf("/admin/webhooks")
    response = await ui.client.post("/admin/webhooks", data={
        "csrf_token": token, "url": "http://example.com/hook", "event_types": "person.*"})
    assert response.status == 422 and "https" in await response.text()


async def test_other_roles_are_kept_out(ui: Ui) -> None:
    await ui.login("marketing")
    response = await ui.client.get("/admin/webhooks", allow_redirects=False)
    assert response.status in (403, 404)
