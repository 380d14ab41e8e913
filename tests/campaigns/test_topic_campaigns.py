"""A campaign on a topic skips persons who opted out of that topic with a reason, and every
marketing email carries the preference centre's link (issue 15, item 4)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from hub.config import Settings
from tests.campaigns.conftest import campaign_settings, wait_for_status
from tests.web.conftest import Api

M = "marketing"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return campaign_settings(tmp_path, HUB_QUIET_HOURS="off", HUB_QUIET_DAYS="off",
                             HUB_MARKETING_CAP="off")


async def test_topic_opt_out_skips_and_mail_links_the_preference_centre(
        api: Api, settings: Settings) -> None:
    status, topic = await api.call("POST", "/api/v1/topics", role=M, json={"name": "Offers"})
    assert status == 201
    ids = {}
    for name in ("Anna", "Bram"):
        status, person = await api.call("POST", "/api/v1/persons", json={
            "name": name, "emails": [f"{name.lower()}@example.org"], "language": "en",
            "consent": {"email": "opted_in"}})
        assert status == 201
        ids[name] = person["id"]
    anna = await api.store.persons.get(ids["Anna"])
    assert anna is not None
    await api.store.persons.replace(anna.model_copy(update={"topic_opt_outs": [topic["id"]]}))

    status, template = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "Offer", "channel": "email", "subject": "Offer",
        "body": "Hi {{ person.name }}. Unsubscribe: {{ unsubscribe_url }}"})
    assert status == 201
    base = {"name": "Offers", "filter": {"field": "name", "op": "exists", "value": True},
            "channels": ["email"], "templates": {"email": template["id"]}}
    status, bad = await api.call("POST", "/api/v1/campaigns", role=M,
                                 json={**base, "topic_id": "000000000000000000000000"})
    assert status == 422 and bad["error"]["details"]["field"] == "topic_id"
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M,
                                      json={**base, "topic_id": topic["id"]})
    assert status == 201 and campaign["topic_id"] == topic["id"]
    await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
    await wait_for_status(api, campaign["id"], "completed")

    skipped = await api.store.deliveries.for_person(campaign["id"], ids["Anna"])
    assert skipped is not None and skipped.status == "skipped"
    assert skipped.reason == "opted out of the campaign's topic"
    mails = list((settings.var_dir / "outbox").glob("*.eml"))
    assert len(mails) == 1
    sent = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
    assert sent["To"] == "bram@example.org"
    body = sent.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    line = next(li for li in text.splitlines() if "/p/" in li)
    assert line.startswith("Uw voorkeuren (onderwerpen, kanalen, taal): ")  # Bram reads Dutch
    path = line[line.index("/p/"):]
    page = await api.client.get(path)
    assert page.status == 200 and "Offers" in await page.text()
