"""Surveys from the UI (send as a campaign with the survey link in the default texts, event
triggers on the survey page, trend and segments side by side, comments detractors first) and
the admin pages (API tokens shown once and revocable, the channel status page without a
secret), each with roles, CSRF and bad input answered by a 4xx page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp.test_utils import TestClient

from channels.email.imap import STATUS_KEY
from hub.config import load_settings
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.events import Event, StatusChange
from hub.domain.surveys import Survey
from hub.services.staff import add_user
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import CAMPAIGNS, RUN_WORKERS, SURVEYS
from tests.web.ui.conftest import PASSWORD, Ui
from tests.web.ui.helpers import make_person

HOSTILE = "<img src=x onerror=alert(1)>"


async def _post(ui: Ui, path: str, data: dict[str, str], *, token_from: str):
    token = await ui.csrf(token_from)
    return await ui.client.post(path, data={**data, "csrf_token": token},
                                allow_redirects=False)


async def _survey(ui: Ui, name: str = "Happy?") -> Survey:
    return await ui.client.app[SURVEYS].surveys.create(Survey(
        id=new_id(), name=name, kind="nps", question="Would you recommend us?"))


async def test_results_trend_segments_side_by_side_and_comments_detractors_first(
        ui: Ui) -> None:
    survey = await _survey(ui)
    kit = ui.client.app[SURVEYS]
    anna = await make_person(ui, name="Anna", emails=["anna@example.org"], language="nl")
    bob = await make_person(ui, name="Bob", emails=["bob@example.org"], language="en")
    carl = await make_person(ui, name="Carl", emails=["carl@example.org"], language="nl")
    segments = ui.client.app[CAMPAIGNS].segments
    dutch = await segments.create("Dutch", {"field": "language", "op": "eq", "value": "nl"})
    english = await segments.create(HOSTILE, {"field": "language", "op": "eq", "value": "en"})
    for person, score, comment in ((anna, 10, "Great"), (bob, 2, "Slow answers"),
                                   (carl, 8, "Fine")):
        await kit.surveys.record_call_score(survey.id, person, score, comment,
                                            call_event_id=None, author=None)
    await ui.login("marketing")
    page = await ui.client.get(f"/surveys/{survey.id}?compare={dutch.id}"
                               f"&compare={english.id}&compare=nope")
    text = await page.text()
    assert page.status == 200
    # everybody: 1 promoter, 1 passive, 1 detractor → 0; Dutch: 10 and 8 → 50; English: -100
    rows = dict(re.findall(r'<tr data-segment="([^"]+)"><td>[^<]*</td><td>\d+</td>'
                           r"<td>([^<]+)</td>", text))
    # everybody, in Dutch, with a decimal comma
    assert rows["Iedereen"] == "0,0" and rows["Dutch"] == "50,0"
    assert rows["&lt;img src=x onerror=alert(1)&gt;"] == "-100,0"
    assert HOSTILE not in text
    assert 'id="trend"' in text and "<circle" in text
    comments = text[text.index('id="comments"'):]
    assert comments.index("Slow answers") < comments.index("Fine") < comments.index("Great")
    assert f'href="/people/{bob}#timeline"' in comments
    assert 'class="detractor"' in comments and ">criticus<" in comments  # Dutch by default
    csv = await (await ui.client.get(f"/surveys/{survey.id}?compare={dutch.id}"
                                     "&export=segments")).text()
    assert csv.splitlines() == ["segment,responses,nps", "Iedereen,3,0.0", "Dutch,2,50.0"]
    assert (await ui.client.get(f"/surveys/{survey.id}?to=2020-13-01")).status == 422
    assert (await ui.client.get("/surveys/no-such-survey")).status == 404


async def test_triggers_create_list_switch_with_roles_csrf_and_bad_input(ui: Ui) -> None:
    survey = await _survey(ui)
    path = f"/surveys/{survey.id}"
    await ui.login("service")
    assert (await _post(ui, path + "/triggers", {"name": "x"}, token_from="/")).status == 403
    await ui.client.post("/logout", data={"csrf_token": await ui.csrf("/")})
    await ui.login("marketing")
    no_csrf = await ui.client.post(path + "/triggers", data={"name": "x"},
                                   allow_redirects=False)
    assert no_csrf.status == 403
    bad = await _post(ui, path + "/triggers", {"name": "After calls", "delay_minutes": "soon",
                                               "send_0": "email"}, token_from=path)
    assert bad.status == 422 and "wachttijd: vul een heel getal in" in await bad.text()
    nothing = await _post(ui, path + "/triggers", {"name": "No channel"}, token_from=path)
    assert nothing.status == 422 and "minstens één kanaal" in await nothing.text()
    made = await _post(ui, path + "/triggers", {
        "name": HOSTILE, "event_channel": "call", "outcome": "resolved",
        "delay_minutes": "60", "cap_days": "30", "send_0": "sms", "send_1": "email"},
        token_from=path)
    assert made.status == 303
    rules = await ui.client.app[SURVEYS].triggers.rules()
    assert len(rules) == 1 and rules[0].channels == ["sms", "email"]
    assert rules[0].outcome == "resolved" and rules[0].enabled
    page = await (await ui.client.get(path)).text()
    assert "&lt;img src=x" in page and HOSTILE not in page and "Uitzetten" in page
    switch = f"{path}/triggers/{rules[0].id}/switch"
    assert (await _post(ui, switch, {"enabled": "off"}, token_from=path)).status == 303
    assert not (await ui.client.app[SURVEYS].triggers.get(rules[0].id)).enabled
    assert "Aanzetten" in await (await ui.client.get(path)).text()
    assert (await _post(ui, switch, {"enabled": "maybe"}, token_from=path)).status == 400
    other = await _survey(ui, "Other")
    wrong = await _post(ui, f"/surveys/{other.id}/triggers/{rules[0].id}/switch",
                        {"enabled": "on"}, token_from=path)
    assert wrong.status == 404
    gone = await _post(ui, f"{path}/triggers/nope/switch", {"enabled": "on"}, token_from=path)
    assert gone.status == 404


async def test_survey_campaign_from_the_wizard_sends_the_personal_link(ui: Ui) -> None:
    survey = await _survey(ui)
    await make_person(ui, name="Anna", emails=["anna@example.org"], language="nl")
    kit = ui.client.app[CAMPAIGNS]
    segment = await kit.segments.create("Dutch", {"field": "language", "op": "eq",
                                                  "value": "nl"})
    plain = await kit.templates.create(MessageTemplate(
        id=new_id(), name="No link", channel="email", subject="Hi", body="Hello"))
    await ui.login("marketing")
    wizard = await (await ui.client.get(
        f"/campaigns/new?kind=survey&survey_id={survey.id}&segment_id={segment.id}")).text()
    assert "{{ survey_url }}" in wizard and "Would you recommend us?" in wizard
    base = {"name": "NPS spring", "kind": "survey", "segment_id": segment.id,
            "channel_0": "email", "options_shown": "1"}  # "only opted in" unticked
    missing = await _post(ui, "/campaigns", base, token_from="/campaigns/new")
    assert missing.status == 422 and "kies de enquête" in await missing.text()
    unknown = await _post(ui, "/campaigns", {**base, "survey_id": "nope"},
                          token_from="/campaigns/new")
    assert unknown.status == 422
    no_link = await _post(ui, "/campaigns", {**base, "survey_id": survey.id,
                                             "template_email": plain.id},
                          token_from="/campaigns/new")
    assert no_link.status == 422 and "bevat geen {{ survey_url }}" in await no_link.text()
    created = await _post(ui, "/campaigns", {**base, "survey_id": survey.id},
                          token_from="/campaigns/new")
    assert created.status == 303
    campaign_id = created.headers["Location"].rsplit("/", 1)[1]
    campaign = await kit.campaigns.get(campaign_id)
    assert campaign.kind == "survey" and campaign.survey_id == survey.id
    assert set(campaign.templates) == {"email", "sms", "whatsapp"}
    for template_id in campaign.templates.values():
        assert "{{ survey_url }}" in (await kit.templates.get(template_id)).body
    assert (await _post(ui, f"/campaigns/{campaign_id}/launch", {},
                        token_from="/campaigns/new")).status == 303
    for _ in range(100):
        if (await kit.campaigns.get(campaign_id)).status == "completed":
            break
        await asyncio.sleep(0.1)
    mails = [p.read_text(errors="replace")
             for p in (ui.settings.var_dir / "outbox").rglob("*.eml")]
    assert any("/s/" in m and "Would you recommend us?" in m for m in mails)


async def test_api_tokens_shown_once_work_and_revoke(ui: Ui) -> None:
    await ui.login("marketing")
    assert (await ui.client.get("/admin")).status == 403
    assert (await _post(ui, "/admin/tokens", {"name": "x", "role": "service"},
                        token_from="/segments")).status == 403
    await ui.client.post("/logout", data={"csrf_token": await ui.csrf("/segments")})
    await ui.login("admin")
    no_csrf = await ui.client.post("/admin/tokens", data={"name": "x", "role": "service"})
    assert no_csrf.status == 403
    bad_role = await _post(ui, "/admin/tokens", {"name": "x", "role": "god"},
                           token_from="/admin")
    assert bad_role.status == 422
    no_name = await _post(ui, "/admin/tokens", {"name": " ", "role": "service"},
                          token_from="/admin")
    assert no_name.status == 422 and "name" in await no_name.text()
    made = await _post(ui, "/admin/tokens", {"name": HOSTILE, "role": "marketing"},
                       token_from="/admin")
    text = await made.text()
    assert made.status == 200 and HOSTILE not in text
    token = re.search(r"<code>(hub_[A-Za-z0-9_-]+)</code>", text).group(1)
    again = await (await ui.client.get("/admin")).text()
    assert token not in again and "&lt;img src=x" in again
    api = await ui.client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 200
    token_id = (await ui.store.tokens.find())[0].id
    assert (await _post(ui, f"/admin/tokens/{token_id}/revoke", {},
                        token_from="/admin")).status == 303
    api = await ui.client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 401
    twice = await _post(ui, f"/admin/tokens/{token_id}/revoke", {}, token_from="/admin")
    assert twice.status == 404
    assert "ingetrokken" in await (await ui.client.get("/admin")).text()


async def test_channel_page_sandbox_by_default(ui: Ui) -> None:
    await ui.login("service")
    assert (await ui.client.get("/admin/channels")).status == 403
    await ui.client.post("/logout", data={"csrf_token": await ui.csrf("/")})
    await ui.login("admin")
    text = await (await ui.client.get("/admin/channels")).text()
    modes = re.findall(r'data-mode="(\w+)"', text)
    assert modes == ["sandbox", "off", "sandbox", "sandbox"]  # WhatsApp last


async def test_channel_page_configured_shows_last_success_and_error_never_secrets(
        tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    secrets = ("smtp-pass-9876", "imap-pass-5432", "twilio-token-1234")
    settings = load_settings({
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_VAR_DIR": str(tmp_path),
        "HUB_SMTP_URL": f"smtp://mailer:{secrets[0]}@127.0.0.1:2525",
        "HUB_IMAP_URL": f"imaps://reader:{secrets[1]}@imap.example.org:993/Support",
        "HUB_TWILIO_ACCOUNT_SID": "AC0123456789abcdef", "HUB_TWILIO_AUTH_TOKEN": secrets[2],
        "HUB_TWILIO_FROM": "+3197010000000"}, dotenv=None)
    store = await create_store(settings)
    try:
        await add_user(store, email="admin@example.org", role="admin", password=PASSWORD)
        app = create_app(settings, store=store)
        app[RUN_WORKERS] = False
        client = await aiohttp_client(app)
        ui = Ui(client=client, store=store, settings=settings)
        person = await make_person(ui, name="Anna", phones=["+31612345678"])
        ok = Event(id=new_id(), person_id=person, channel="sms", direction="outbound",
                   status="delivered", text="hi")
        bad = Event(id=new_id(), person_id=person, channel="sms", direction="outbound",
                    status="failed", text="hi", status_history=[StatusChange(
                        status="failed", detail=f"30006 landline ({secrets[2]})")])
        for event in (ok, bad):
            await store.events.append(event)
        await store.channel_state.put(STATUS_KEY, {
            "last_success_at": "2025-03-01T10:00:00Z", "last_error_at": "2025-03-02T10:00:00Z",
            "last_error": f"IMAP imap.example.org: LOGIN failed for {secrets[1]}"})
        await ui.login("admin")
        response = await client.get("/admin/channels")
        text = await response.text()
        assert response.status == 200
        assert re.findall(r'data-mode="(\w+)"', text) == ["configured"] * 3 + ["sandbox"]
        assert "mailer op 127.0.0.1:2525" in text and "reader op imap.example.org:993 / " \
            "Support" in text and "+3197010000000" in text
        assert "2025-03-01T10:00:00Z" in text and "LOGIN failed" in text
        assert "30006 landline" in text
        for secret in (*secrets, "0123456789abcdef"):
            assert secret not in text
    finally:
        await store.close()
