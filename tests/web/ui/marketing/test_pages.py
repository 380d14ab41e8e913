"""Marketing pages over HTTP: roles (service gets 403), CSRF on every POST, bad input as a
clear 4xx page, hostile names escaped (also inside SVG charts), and the flows: build and save
a segment, write and preview a template, create, test-send and launch a campaign, survey
results and the analytics dashboard with CSV exports, forms with embed snippet."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import quote

import pytest

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.events import Event, FormInfo
from hub.web.keys import CAMPAIGNS, SERVICES
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person

HOSTILE = "<img src=x onerror=alert(1)>"
PAGES = ["/segments", "/templates", "/templates/new", "/campaigns", "/campaigns/new",
         "/surveys", "/analytics", "/forms"]


async def _token(ui: Ui, path: str = "/segments") -> str:
    return await ui.csrf(path)


async def _post(ui: Ui, path: str, data: dict[str, str], *, token_from: str = "/segments"):
    token = await _token(ui, token_from)
    return await ui.client.post(path, data={**data, "csrf_token": token},
                                allow_redirects=False)


@pytest.mark.parametrize("path", PAGES)
async def test_marketing_and_admin_open_service_gets_403(ui: Ui, path: str) -> None:
    response = await ui.client.get(path, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")
    await ui.login("service")
    response = await ui.client.get(path)
    assert response.status == 403
    assert "(service) kan deze pagina niet openen" in await response.text()


@pytest.mark.parametrize("role", ["marketing", "admin"])
async def test_every_page_renders_with_strict_csp(ui: Ui, role: str) -> None:
    await ui.login(role)
    for path in PAGES:
        response = await ui.client.get(path)
        assert response.status == 200, (path, await response.text())
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "<script>" not in await response.text()


async def test_post_without_csrf_is_refused(ui: Ui) -> None:
    await ui.login("marketing")
    for path in ("/segments", "/templates", "/campaigns", "/surveys", "/forms"):
        response = await ui.client.post(path, data={"name": "x"}, allow_redirects=False)
        assert response.status == 403, path
    assert await ui.store.segments.find() == []


async def test_segment_count_save_and_list(ui: Ui) -> None:
    await make_person(ui, name="Anna de Vries", emails=["anna@example.org"], language="nl",
                      attributes={"loyalty": "gold"})
    await make_person(ui, name="Bob", emails=["bob@example.org"], language="en")
    await ui.login("marketing")
    page = await (await ui.client.get("/segments")).text()
    assert "attributes.loyalty" in page and "household.address.city" in page
    filter_ = {"any": [{"field": "language", "op": "eq", "value": "nl"},
                       {"not": {"field": "email", "op": "exists", "value": True}}]}
    response = await ui.client.get("/segments/count?filter=" + quote(json.dumps(filter_)))
    body = await response.json()
    assert body["count"] == 1 and body["sample"][0]["name"] == "Anna de Vries"
    bad = await ui.client.get("/segments/count?filter=" + quote('{"field": "x$", "op": "eq"}'))
    assert bad.status == 422 and "unknown field" in (await bad.json())["error"]["message"]
    # no JS: the plain rows, as a GET preview page
    response = await ui.client.get("/segments/preview?mode=rows&match=all&field_0=language"
                                   "&op_0=in&value_0=nl,de&field_1=")
    assert response.status == 200 and "Anna de Vries" in await response.text()
    response = await ui.client.get("/segments/preview?mode=rows&field_0=age&op_0=gte"
                                   "&value_0=old")
    assert response.status == 422 and "old&#39; is geen getal" in await response.text()
    saved = await _post(ui, "/segments", {"name": HOSTILE, "mode": "json",
                                          "filter": json.dumps(filter_)})
    assert saved.status == 303
    listing = await (await ui.client.get("/segments")).text()
    assert HOSTILE not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing
    empty = await _post(ui, "/segments", {"name": "nobody", "mode": "json", "filter": ""})
    assert empty.status == 422


async def test_template_save_preview_and_line_errors(ui: Ui) -> None:
    person_id = await make_person(ui, name=HOSTILE + " Smith", emails=["h@example.org"])
    await ui.login("marketing")
    response = await _post(ui, "/templates", {
        "name": "Welcome", "channel": "email", "subject": "Hi {{ person.first_name }}",
        "body": "Hello {{ person.name }}\nBye", "html": "<p>{{ person.name }}</p>"},
        token_from="/templates/new")
    assert response.status == 303
    template_id = response.headers["Location"].split("/")[2].split("?")[0]
    found = await (await ui.client.get(f"/templates/{template_id}?q=Smith")).text()
    assert f"person_id={person_id}" in found
    preview = await (await ui.client.get(f"/templates/{template_id}?person_id={person_id}"))\
        .text()
    assert HOSTILE not in preview and "Hello &lt;img src=x" in preview
    broken = await _post(ui, "/templates", {"name": "Broken", "channel": "sms",
                                            "body": "line one\n{% if %}"},
                         token_from="/templates/new")
    text = await broken.text()
    assert broken.status == 422 and "regel 2" in text
    undefined = await _post(ui, f"/templates/{template_id}", {
        "name": "Welcome", "channel": "email", "subject": "Hi", "body": "a\n{{ nope.x }}"},
        token_from="/templates/new")
    assert undefined.status == 303
    shown = await ui.client.get(f"/templates/{template_id}?person_id={person_id}")
    assert shown.status == 422 and "regel 2" in await shown.text()
    count = await (await ui.client.get("/templates/sms-count?text=" + "é" * 10 + "€")).json()
    assert count == {"characters": 12, "segments": 1, "encoding": "GSM-7"}
    missing = await ui.client.get(f"/templates/{template_id}?person_id=nope")
    assert missing.status == 404
    assert (await ui.client.get("/templates/no-such-template")).status == 404


async def _campaign_setup(ui: Ui) -> tuple[str, str]:
    await make_person(ui, name="Anna", emails=["anna@example.org"], language="nl")
    await make_person(ui, name="Piet", phones=["+31612345678"], language="nl",
                      consent={"sms": "opted_out"})
    await make_person(ui, name="Karin", language="nl")
    kit = ui.client.app[CAMPAIGNS]
    saved = await kit.segments.create("Dutch", {"field": "language", "op": "eq", "value": "nl"})
    template = await kit.templates.create(MessageTemplate(
        id=new_id(), name="Hello", channel="email", subject="Hi {{ person.first_name }}",
        body="Hello {{ person.first_name }}"))
    return saved.id, template.id


async def test_campaign_wizard_reach_test_send_launch_and_progress(ui: Ui) -> None:
    segment_id, template_id = await _campaign_setup(ui)
    await ui.login("marketing")
    fresh = await (await ui.client.get(f"/campaigns/new?segment_id={segment_id}")).text()
    assert re.search(r'name="require_opt_in" checked', fresh), "opted-in only by default"
    assert 'data-reach="skipped">3<' in fresh  # nobody opted in
    wizard = await (await ui.client.get(
        f"/campaigns/new?segment_id={segment_id}&channel_0=email&channel_1=sms"
        f"&template_email={template_id}&options_shown=1")).text()
    assert 'data-reach="email">1<' in wizard and 'data-reach="skipped">2<' in wizard
    assert "geen e-mailadres" in wizard  # the skip reason in the viewer's language
    bad = await _post(ui, "/campaigns", {"name": "", "segment_id": segment_id,
                                         "channel_0": "email", "template_email": template_id})
    assert bad.status == 422 and "name" in await bad.text()
    created = await _post(ui, "/campaigns", {"name": HOSTILE, "segment_id": segment_id,
                                             "channel_0": "email", "options_shown": "1",
                                             "template_email": template_id,
                                             "rate_per_minute": "600"})
    assert created.status == 303
    campaign_path = created.headers["Location"]
    page = await (await ui.client.get(campaign_path)).text()
    assert HOSTILE not in page and "Stuur mij een test" in page
    test = await _post(ui, campaign_path + "/test", {})
    assert test.status == 303
    outbox = ui.settings.var_dir / "outbox"
    assert any("[Test]" in p.read_text(errors="replace") for p in outbox.rglob("*.eml"))
    launched = await _post(ui, campaign_path + "/launch", {})
    assert launched.status == 303
    again = await _post(ui, campaign_path + "/launch", {})
    assert again.status == 409 and "alleen een concept kan gestart worden" in await again.text()
    for _ in range(100):
        stats = await (await ui.client.get(campaign_path + "/stats")).json()
        if stats["status"] == "completed":
            break
        await asyncio.sleep(0.1)
    assert stats["status"] == "completed" and stats["stats"]["sent"] == 1
    assert stats["stats"]["skipped"] == 2
    page = await (await ui.client.get(campaign_path)).text()
    assert "geen e-mailadres" in page and "no email address" not in page
    assert (await _post(ui, campaign_path + "/explode", {})).status == 404


async def test_surveys_analytics_csv_and_hostile_chart_labels(ui: Ui) -> None:
    await ui.login("marketing")
    created = await _post(ui, "/surveys", {"name": HOSTILE, "kind": "nps",
                                           "question": "Recommend us?"},
                          token_from="/surveys")
    assert created.status == 303
    path = created.headers["Location"]
    page = await (await ui.client.get(path)).text()
    assert "<svg" in page and HOSTILE not in page and "&lt;img" in page
    csv = await ui.client.get(path + "?export=distribution")
    assert csv.headers["Content-Disposition"].startswith("attachment")
    assert (await csv.text()).splitlines()[:2] == ["score,responses", "0,0"]
    bad = await _post(ui, "/surveys", {"name": "x", "kind": "stars", "question": "q"},
                      token_from="/surveys")
    assert bad.status == 422
    assert (await ui.client.get(path + "?from=yesterday")).status == 422
    dash = await ui.client.get("/analytics")
    text = await dash.text()
    assert dash.status == 200 and 'class="chart pyramid"' in text and "Migratie" in text
    for export in ("pyramid", "migration", "kpis"):
        response = await ui.client.get(f"/analytics?export={export}")
        assert response.status == 200 and response.content_type == "text/csv"
    assert (await ui.client.get("/analytics?level=galaxy")).status == 422
    assert (await ui.client.get("/analytics?from=2025-02-01&to=2025-01-01")).status == 422


async def test_forms_build_embed_and_submissions(ui: Ui) -> None:
    await ui.login("marketing")
    response = await _post(ui, "/forms", {
        "title": HOSTILE, "slug": "newsletter", "f0_name": "email", "f0_label": "Email",
        "f0_type": "email", "f0_required": "on", "f1_name": "name", "f1_label": "Name",
        "f1_type": "text", "consent_text": "Yes, mail me"}, token_from="/forms")
    assert response.status == 303
    form_path = response.headers["Location"]
    form_id = form_path.rsplit("/", 1)[1]
    person_id = await make_person(ui, name="Sub Scriber", emails=["s@example.org"])
    await ui.client.app[SERVICES].timeline.record(Event(
        id=new_id(), person_id=person_id, channel="webform", direction="inbound",
        form=FormInfo(form_id=form_id, fields={"email": "s@example.org", "name": HOSTILE})))
    page = await (await ui.client.get(form_path)).text()
    assert "action=&#34;http://" in page and "/f/newsletter" in page
    assert HOSTILE not in page and "Sub Scriber" in page
    duplicate = await _post(ui, "/forms", {"title": "Again", "slug": "newsletter",
                                           "f0_name": "email", "f0_type": "email"},
                            token_from="/forms")
    assert duplicate.status == 422
    no_address = await _post(ui, "/forms", {"title": "T", "slug": "other", "f0_name": "x",
                                            "f0_type": "text"}, token_from="/forms")
    assert no_address.status == 422 and "email or phone" in await no_address.text()
