"""The inbox page over conversations (issue 13): views, paging with the total, row and bulk
actions, the conversation page's reply and @mention, and the live marker shared by tabs."""

from __future__ import annotations

import asyncio
import re

from hub.domain.common import new_id
from hub.domain.conversations import CannedResponse, ConversationQuery, Label
from hub.web.keys import SERVICES
from hub.web.ui.live import INBOX_STAMP
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import add_event, make_person


async def customers(ui: Ui, n: int) -> list[str]:
    ids = []
    for i in range(n):
        person_id = await make_person(ui, name=f"Klant {i:02d}", phones=[f"06123400{i:02d}"])
        await add_event(ui, person_id, channel="sms", direction="inbound", text=f"vraag {i}")
        ids.append(person_id)
    return ids


async def user_id(ui: Ui, role: str = "service") -> str:
    user = await ui.store.users.get_by_email(f"{role}@example.org")
    assert user is not None
    return user.id


async def test_paging_shows_everyone_with_the_total(ui: Ui) -> None:
    await ui.login()
    await customers(ui, 30)
    page = await (await ui.client.get("/")).text()
    assert "30 gesprekken" in page
    assert page.count('class="conv') == 25 and "Klant 29" in page and "Klant 04" not in page
    following = re.search(r'id="next-page" href="([^"]+)"', page)
    assert following
    second = await (await ui.client.get(following.group(1).replace("&amp;", "&"))).text()
    assert second.count('class="conv') == 5 and "Klant 00" in second and "Klant 29" not in second


async def test_assign_to_me_then_mine_and_resolve(ui: Ui) -> None:
    await ui.login()
    await customers(ui, 2)
    conversations = await ui.client.app[SERVICES].desk.ids_matching(
        ConversationQuery())
    first = conversations[0]
    assert await ui.post(f"/conversations/{first}/act", {"action": "assign_me", "back": "/"}) == 303
    mine = await (await ui.client.get("/?view=mine")).text()
    assert mine.count('class="conv') == 1 and f'id="conv-{first}"' in mine
    assert "1 aan jou toegewezen" in mine
    assert await ui.post(f"/conversations/{first}/act", {"action": "resolve", "back": "/"}) == 303
    assert f'id="conv-{first}"' not in await (await ui.client.get("/")).text()
    done = await (await ui.client.get("/?status=resolved")).text()
    assert f'id="conv-{first}"' in done


async def test_stale_version_is_refused_with_409(ui: Ui) -> None:
    await ui.login()
    await customers(ui, 1)
    [conversation_id] = await ui.client.app[SERVICES].desk.ids_matching(
        ConversationQuery())
    assert await ui.post(f"/conversations/{conversation_id}/act",
                         {"action": "resolve", "version": "1"}) == 303
    assert await ui.post(f"/conversations/{conversation_id}/act",
                         {"action": "reopen", "version": "1"}) == 409


async def test_bulk_label_and_resolve_all_matching(ui: Ui) -> None:
    await ui.login()
    await customers(ui, 4)
    label = Label(id=new_id(), name="factuur")
    await ui.store.labels.insert(label)
    token = await ui.csrf("/")
    response = await ui.client.post("/inbox/bulk", data={
        "csrf_token": token, "everything": "on", "action": "label", "label_id": label.id,
        "status": "open", "back": "/"}, allow_redirects=False)
    assert response.status == 303 and "done=4" in response.headers["Location"]
    labelled = await (await ui.client.get(f"/?label={label.id}")).text()
    assert "4 gesprekken" in labelled and labelled.count(">factuur<") >= 4
    response = await ui.client.post("/inbox/bulk", data={
        "csrf_token": token, "everything": "on", "action": "resolve", "status": "open",
        "label": label.id, "back": "/"}, allow_redirects=False)
    assert response.status == 303
    assert "Geen gesprekken" in await (await ui.client.get("/")).text()


async def test_reply_and_mention_on_the_conversation_page(ui: Ui) -> None:
    await ui.login()
    [person_id] = await customers(ui, 1)
    desk = ui.client.app[SERVICES].desk
    conversation = await ui.store.conversations.active_for_person(person_id)
    assert conversation is not None
    await ui.store.canned_responses.insert(CannedResponse(
        id=new_id(), title="Groet", text="Beste {{ person.name }}, dank u."))
    page = await (await ui.client.get(f"/conversations/{conversation.id}")).text()
    assert "vraag 0" in page and 'value="sms" checked' in page
    assert 'value="Beste Klant 00, dank u."' in page  # rendered for the person, sandboxed
    assert await ui.post(f"/conversations/{conversation.id}/reply",
                         {"text": "Komt goed", "channel": "sms"}) == 303
    held = await desk.get(conversation.id)
    assert held.status == "pending" and held.first_response_at is not None
    assert await ui.post(f"/conversations/{conversation.id}/notes",
                         {"text": "@admin kun jij hiernaar kijken?"}) == 303
    admin = await user_id(ui, "admin")
    assert (await desk.get(conversation.id)).mentioned_ids == [admin]
    await ui.client.post("/logout", data={"csrf_token": await ui.csrf("/")})
    await ui.login("admin")
    mentions = await (await ui.client.get("/?view=mentions&status=all")).text()
    assert f'id="conv-{conversation.id}"' in mentions


async def test_marketing_cannot_work_the_inbox(ui: Ui) -> None:
    await ui.login("marketing")
    assert (await ui.client.get("/inbox/rows")).status == 403
    assert (await ui.client.get("/conversations/x")).status == 403


async def test_tabs_share_one_marker_read_per_second(ui: Ui) -> None:
    await ui.login()
    await customers(ui, 1)
    shared = ui.client.app[INBOX_STAMP]
    before = shared.reads
    results = await asyncio.gather(*(shared.get() for _ in range(50)))
    assert len(set(results)) == 1 and shared.reads - before <= 1
