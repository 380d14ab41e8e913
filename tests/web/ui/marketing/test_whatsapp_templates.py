"""Marketing registers an approved WhatsApp template (Content SID per language, numbered
variables) on the template page; a bad SID is refused with the reason."""

from __future__ import annotations

from tests.web.ui.conftest import CSRF, Ui

CONTENT_SID = "HX" + "ab" * 16


async def test_marketing_registers_an_approved_template_on_the_page(ui: Ui) -> None:
    await ui.login("marketing")
    editor = await (await ui.client.get("/templates/new?channel=whatsapp")).text()
    assert 'name="content_sid_nl"' in editor
    token = CSRF.search(editor)
    assert token is not None
    response = await ui.client.post("/templates", data={
        "csrf_token": token.group(1), "channel": "whatsapp", "name": "Pickup",
        "body": "Hoi {{ person.first_name }}", "content_sid_nl": CONTENT_SID,
        "content_variables": "1 = {{ person.first_name }}\n"}, allow_redirects=False)
    assert response.status == 303, await response.text()
    [saved] = [t for t in await ui.store.templates.find() if t.name == "Pickup"]
    assert saved.channel == "whatsapp" and saved.content_sids == {"nl": CONTENT_SID}
    assert saved.content_variables == {"1": "{{ person.first_name }}"}
    shown = await (await ui.client.get(f"/templates/{saved.id}")).text()
    assert CONTENT_SID in shown
    bad = await ui.client.post("/templates", data={
        "csrf_token": token.group(1), "channel": "whatsapp", "name": "Bad", "body": "x",
        "content_sid_nl": "nope"}, allow_redirects=False)
    assert bad.status == 422 and "Content SID" in await bad.text()
