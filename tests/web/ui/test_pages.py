"""Search, the person page and its actions, the inbox, outbox, quarantine and live updates."""

from __future__ import annotations

import asyncio
import json

from hub.domain.parties import Address, Household, Organisation, Role
from hub.web.keys import SERVICES
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import add_event, make_person

HOSTILE_NAME = '<script>alert("name")</script><img src=x onerror=alert(1)>'
HOSTILE_HTML = ('<p>Hello</p><img src="x" onerror="alert(2)"><svg onload="alert(3)"></svg>'
                '<a href="javascript:alert(4)">click</a><script>alert(5)</script>'
                '<blockquote>old history</blockquote>')


async def test_search_by_any_phone_format_email_name_org_and_postcode(ui: Ui) -> None:
    await ui.login()
    store = ui.store
    await store.households.insert(Household(id="h1", name="De Vries",
                                            address=Address(postcode="1234 AB")))
    anna = await make_person(ui, name="Anna de Vries", phones=["+31612345678"],
                             emails=["anna@example.org"], household_id="h1")
    bob = await make_person(ui, name="Bob")
    await store.organisations.insert(Organisation(id="o1", name="Acme Widgets"))
    await store.roles.insert(Role(id="r1", person_id=bob, organisation_id="o1",
                                  function="buyer"))
    for q, expected in [("06-1234 5678", anna), ("+31 6 12345678", anna),
                        ("ANNA@example.org", anna), ("de vries", anna), ("1234ab", anna),
                        ("acme", bob)]:
        response = await ui.client.get("/search", params={"q": q})
        assert response.status == 200
        assert f"/people/{expected}" in await response.text(), q
    nothing = await ui.client.get("/search", params={"q": "zzz-nobody"})
    assert "Niemand gevonden" in await nothing.text()


async def test_hostile_content_is_rendered_inert(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name=HOSTILE_NAME, emails=["x@example.org"])
    await add_event(ui, person_id, channel="email", direction="inbound",
                    subject='<img src=x onerror=alert("subject")>', text="plain",
                    data={"html": HOSTILE_HTML, "remote_images": ["https://t.example/p.gif"]})
    await add_event(ui, person_id, channel="sms", direction="inbound",
                    text="<script>alert('sms')</script>")
    response = await ui.client.get(f"/people/{person_id}")
    html = await response.text()
    assert response.status == 200
    assert "<script>alert" not in html
    assert "onerror" not in html.replace("onerror=alert(1)&gt;", "").replace(
        "onerror=alert(&#34;subject&#34;)&gt;", "")
    assert "onload" not in html and "javascript:" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(" in html
    assert "t.example" not in html  # remote images only on request
    assert "Geciteerde geschiedenis" in html
    assert "img-src 'self';" in response.headers["Content-Security-Policy"]
    shown = await ui.client.get(f"/people/{person_id}?images=1")
    assert 'src="https://t.example/p.gif"' in await shown.text()
    assert "img-src 'self' https:" in shown.headers["Content-Security-Policy"]


async def test_reply_goes_through_the_outbox_and_leaves_the_inbox(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Carla", emails=["carla@example.org"],
                                  phones=["0612345679"], preferred_channel="email")
    await add_event(ui, person_id, channel="sms", direction="inbound", text="Where is my order?")
    inbox = await (await ui.client.get("/")).text()
    assert f"/people/{person_id}" in inbox and "Where is my order?" in inbox
    page = await (await ui.client.get(f"/people/{person_id}")).text()
    assert 'value="sms" checked' in page  # the channel they last wrote on
    status = await ui.post(f"/people/{person_id}/reply",
                           {"channel": "email", "subject": "Your order", "text": "On its way"})
    assert status == 303
    files = list((ui.settings.var_dir / "outbox").glob("*.eml"))
    assert len(files) == 1
    outbox = await (await ui.client.get("/outbox")).text()
    assert "carla@example.org" in outbox and "Your order" in outbox
    timeline = await (await ui.client.get(f"/people/{person_id}")).text()
    assert "On its way" in timeline
    assert f"/people/{person_id}" not in await (await ui.client.get("/")).text()


async def test_refused_channels_show_why_and_are_refused(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Dirk", phones=["0612345670"],
                                  consent={"sms": "opted_out"})
    page = await (await ui.client.get(f"/people/{person_id}")).text()
    assert "geen e-mailadres" in page and "afgemeld voor sms" in page  # why_not, in Dutch
    status = await ui.post(f"/people/{person_id}/reply", {"channel": "sms", "text": "hi"})
    assert status == 422


async def test_no_reply_needed_takes_a_person_off_the_inbox(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Eva")
    await add_event(ui, person_id, channel="webform", direction="inbound", text="Thanks!")
    assert f"/people/{person_id}" in await (await ui.client.get("/")).text()
    assert await ui.post(f"/people/{person_id}/no-reply", {"back": "inbox"}) == 303
    assert f"/people/{person_id}" not in await (await ui.client.get("/")).text()


async def test_note_call_profile_and_filters(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Frank", phones=["0612345671"])
    assert await ui.post(f"/people/{person_id}/notes", {"text": "VIP <b>customer</b>"}) == 303
    assert await ui.post(f"/people/{person_id}/calls", {
        "direction": "inbound", "duration_s": "2:05", "wait_s": "30", "outcome": "solved"}) == 303
    assert await ui.post(f"/people/{person_id}/calls", {
        "direction": "sideways"}) == 422
    assert await ui.post(f"/people/{person_id}/profile", {
        "name": "Frank Jansen", "emails": "frank@example.org", "phones": "0612345671",
        "preferred_channel": "email", "customer_status": "customer", "tags": "vip, b2b"}) == 303
    page = await (await ui.client.get(f"/people/{person_id}")).text()
    assert "Frank Jansen" in page and "frank@example.org" in page and "2 min 5 s" in page
    assert "VIP &lt;b&gt;customer&lt;/b&gt;" in page and "solved" in page
    calls_only = await (await ui.client.get(f"/people/{person_id}?channel=call")).text()
    assert "solved" in calls_only and "VIP" not in calls_only
    assert await ui.post(f"/people/{person_id}/profile", {"emails": "not-an-email"}) == 422


async def test_older_pages_and_the_fragment(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Gina")
    for i in range(35):
        await add_event(ui, person_id, channel="note", direction="internal", text=f"note {i}")
    page = await (await ui.client.get(f"/people/{person_id}")).text()
    assert "note 34" in page and "note 4" not in page.replace("note 34", "")
    assert 'class="older"' in page
    cursor = page.split('data-fragment="')[1].split('"')[0].replace("&amp;", "&")
    fragment = await (await ui.client.get(cursor)).text()
    assert "note 0" in fragment and "note 34" not in fragment
    damaged = await ui.client.get(f"/people/{person_id}?before=%%%")
    assert damaged.status == 400


async def test_merge_preview_then_merge(ui: Ui) -> None:
    await ui.login()
    keep = await make_person(ui, name="Hans", emails=["hans@example.org"])
    dup = await make_person(ui, name="Hans D", phones=["0612345672"])
    await add_event(ui, dup, channel="note", direction="internal", text="old note")
    preview = await ui.client.get(f"/people/{keep}/merge", params={"duplicate_id": dup})
    text = await preview.text()
    assert "1 gebeurtenis op de tijdlijn" in text and "06 12345672" in text  # national format
    assert await ui.post(f"/people/{keep}/merge", {"duplicate_id": dup}) == 303
    merged = await (await ui.client.get(f"/people/{keep}")).text()
    assert "old note" in merged and "+31612345672" in merged
    self_merge = await ui.client.get(f"/people/{keep}/merge", params={"duplicate_id": keep})
    assert self_merge.status == 422


async def test_household_and_organisation_timelines(ui: Ui) -> None:
    await ui.login()
    await ui.store.households.insert(Household(id="h9", name="Smit"))
    a = await make_person(ui, name="Ans Smit", household_id="h9")
    await add_event(ui, a, channel="note", direction="internal", text="household note")
    page = await (await ui.client.get("/households/h9")).text()
    assert "household note" in page and "Ans Smit" in page
    await ui.store.organisations.insert(Organisation(id="o9", name="Bakkerij"))
    assert "Bakkerij" in await (await ui.client.get("/organisations/o9")).text()
    assert (await ui.client.get("/organisations/nope")).status == 404


async def test_quarantine_lists_and_retries(ui: Ui) -> None:
    await ui.login()
    inbox = ui.client.app[SERVICES].inbox
    entry = await inbox.quarantine(source="mta", raw=b"garbage", reason="<b>unreadable</b>")
    page = await (await ui.client.get("/quarantine")).text()
    assert "&lt;b&gt;unreadable" in page
    status = await ui.post(f"/quarantine/{entry.id}/retry", {}, token_from="/quarantine")
    assert status == 303


async def test_live_person_stream_sends_new_events(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Ida")
    first = await add_event(ui, person_id, channel="note", direction="internal", text="first")
    response = await ui.client.get(f"/live/people/{person_id}?last={first.id}",
                                   headers={"Accept": "text/event-stream"})
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    await add_event(ui, person_id, channel="sms", direction="inbound", text="new <b>sms</b>")

    async def next_event() -> dict[str, str]:
        while True:
            line = (await response.content.readline()).decode()
            if line.startswith("data: "):
                return json.loads(line[6:])

    data = await asyncio.wait_for(next_event(), 5)
    assert "new &lt;b&gt;sms&lt;/b&gt;" in data["html"]
    response.close()


async def test_the_proof_of_consent_page_lists_each_change_with_its_text(ui: Ui) -> None:
    await ui.login()
    person_id = await make_person(ui, name="Proef Persoon", emails=["proef@example.com"],
                                  consent={"sms": "opted_out"})
    person_page = await (await ui.client.get(f"/people/{person_id}")).text()
    assert f'href="/people/{person_id}/consent-proof"' in person_page
    response = await ui.client.get(f"/people/{person_id}/consent-proof")
    page = await response.text()
    assert response.status == 200 and "Bewijs van toestemming: Proef Persoon" in page
    assert page.count("<tr>") >= 3  # header rows, the state now, and the change itself
    assert "afgemeld" in page  # the SMS opt-out, in Dutch
    await ui.login("marketing")
    assert (await ui.client.get(f"/people/{person_id}/consent-proof")).status == 403
