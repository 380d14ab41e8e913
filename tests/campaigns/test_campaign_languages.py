"""A campaign holds one template per language: each recipient gets their own language's, else
the campaign's (a fallback, counted in the stats of the API and the page). A survey campaign
without templates gets the default texts in every language of its survey, so a Dutch person
gets the Dutch SMS and email and an English person the English ones. Unknown language codes
(a person's, the campaign's, a template's) fall back without an error."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path
from typing import Any

from hub.config import Settings
from tests.campaigns.conftest import wait_for_status
from tests.web.conftest import Api

M = "marketing"
EVERYONE = {"field": "name", "op": "exists", "value": True}


async def _people(api: Api, rows: list[tuple[str, str | None]]) -> None:
    for index, (name, language) in enumerate(rows):
        slug = name.lower()
        status, body = await api.call("POST", "/api/v1/persons", json={
            "name": name, "language": language, "emails": [f"{slug}@example.org"],
            "phones": [f"+3161234500{index}"], "preferred_channel": "email",
            "consent": {"email": "opted_in", "sms": "opted_in"}})
        assert status == 201, body


async def _template(api: Api, name: str, body: str) -> str:
    status, made = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": name, "channel": "email", "subject": name, "body": body})
    assert status == 201, made
    return str(made["id"])


def _mails(settings: Settings) -> dict[str, Any]:
    outbox = Path(settings.var_dir) / "outbox"
    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
             for path in outbox.glob("*.eml")]
    return {str(mail["To"]).split("@")[0]: mail for mail in mails}


async def test_each_reader_gets_their_language_and_fallbacks_are_counted(
        api: Api, settings: Settings) -> None:
    await _people(api, [("Anna", "nl"), ("Brian", "en-GB"), ("Chris", "de"), ("Dirk", None)])
    dutch = await _template(api, "Nieuws", "Hallo {{ person.first_name }}")
    english = await _template(api, "News", "Hello {{ person.first_name }}")
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Spring", "filter": EVERYONE, "channels": ["email"], "language": "nl",
        "templates": {"email": dutch},
        # `fr` is no language Hub speaks: nobody matches it, nothing fails
        "language_templates": {"en": {"email": english}, "fr": {"email": english}}})
    assert status == 201, campaign
    assert campaign["language"] == "nl"
    assert campaign["language_templates"] == {"en": {"email": english},
                                              "fr": {"email": english}}
    await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
    done = await wait_for_status(api, campaign["id"], "completed")
    assert done["stats"]["sent"] == 4
    # Chris reads German: no template in it, so the Dutch one, counted; Dirk has no language
    assert done["stats"]["language_fallbacks"] == 1

    mails = _mails(settings)
    # the text, then the preference centre's footer line in the reader's language
    read = {name: mail.get_content().strip().split("\n\n") for name, mail in mails.items()}
    dutch_footer, english_footer = "Uw voorkeuren (onderwerpen", "Your preferences (topics"
    assert read["anna"][0] == "Hallo Anna" and read["anna"][1].startswith(dutch_footer)
    assert read["brian"][0] == "Hello Brian" and read["brian"][1].startswith(english_footer)
    assert read["chris"][0] == "Hallo Chris" and read["chris"][1].startswith(dutch_footer)
    assert read["dirk"][0] == "Hallo Dirk" and read["dirk"][1].startswith(dutch_footer)
    chris = [d for d in await api.store.deliveries.with_status(campaign["id"], ["sent"],
                                                               limit=10)]
    languages = sorted((d.language, d.language_fallback) for d in chris)
    assert languages == [("en", False), ("nl", False), ("nl", False), ("nl", True)]



async def test_survey_campaign_speaks_each_persons_language(api: Api,
                                                            settings: Settings) -> None:
    await _people(api, [("Anna", "nl"), ("Brian", "en")])
    status, survey = await api.call("POST", "/api/v1/surveys", role=M, json={
        "name": "NPS", "kind": "nps", "language": "nl",
        "question": "Hoe waarschijnlijk is het dat u ons aanbeveelt?",
        "translations": {"en": {"question": "How likely are you to recommend us?"}}})
    assert status == 201, survey
    for channel in ("email", "sms"):
        status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
            "name": f"NPS {channel}", "kind": "survey", "survey_id": survey["id"],
            "filter": EVERYONE, "channels": [channel]})
        assert status == 201, campaign
        assert campaign["language"] == "nl" and set(campaign["language_templates"]) == {"en"}
        await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M)
        done = await wait_for_status(api, campaign["id"], "completed")
        assert done["stats"]["sent"] == 2 and done["stats"]["language_fallbacks"] == 0
    mails = _mails(settings)
    anna, brian = mails["anna"].get_body(("plain",)).get_content(), \
        mails["brian"].get_body(("plain",)).get_content()
    assert "Hoe waarschijnlijk" in anna and "Antwoord met één tik" in anna
    assert not [word for word in ("Thank you", "not at all likely", "Reply with")
                if word in anna]
    assert "How likely are you to recommend us?" in brian and "Hoe" not in brian
    texts = {json.loads(path.read_text())["to"]: json.loads(path.read_text())["body"]
             for path in (Path(settings.var_dir) / "outbox").glob("*.json")}
    dutch_sms, english_sms = sorted(texts.values(), key=lambda text: "Reply" in text)
    assert "Hoe waarschijnlijk" in dutch_sms and "Antwoord met een cijfer" in dutch_sms
    assert "Reply with a number" in english_sms and "recommend us" in english_sms


async def test_bad_language_input(api: Api) -> None:
    dutch = await _template(api, "Nieuws", "Hallo")
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Odd", "filter": EVERYONE, "channels": ["email"], "language": "klingon",
        "templates": {"email": dutch}})
    assert status == 201 and campaign["language"] == "nl"  # HUB_DEFAULT_LANGUAGE
    status, refused = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Odd", "filter": EVERYONE, "channels": ["email", "sms"],
        "templates": {"email": dutch}, "language_templates": {"en": {"sms": dutch}}})
    assert status == 422 and refused["error"]["code"] == "invalid_input"
    assert refused["error"]["details"]["field"] == "language_templates.en.sms"
    status, missing = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Odd", "filter": EVERYONE, "channels": ["email"],
        "templates": {"email": dutch}, "language_templates": {"en": {"email": "nope"}}})
    assert status == 422 and missing["error"]["details"]["field"] == \
        "language_templates.en.email"
