"""The public pages speak the customer's language: the person's own, then the survey's or
form's, then the browser's Accept-Language, then HUB_DEFAULT_LANGUAGE (nl). Unknown codes
fall back quietly; API error codes stay English identifiers."""

from __future__ import annotations

from typing import Any

from hub.domain.common import new_id
from hub.domain.parties import Person
from hub.domain.surveys import Survey, SurveyTexts
from hub.services.persons import PersonInput
from hub.web.keys import CAMPAIGNS, SERVICES, SURVEYS
from tests.web.conftest import Api

ENGLISH_LEFTOVERS = ("Thank you", "not at all likely", "Reply with", "(optional)", "Send<")


async def _person(api: Api, language: str | None, name: str = "Anna de Vries") -> Person:
    app = api.client.app
    return await app[SERVICES].persons.create(PersonInput(
        name=name, language=language, emails=[f"{new_id()}@example.org"]))


async def _survey_path(api: Api, language: str | None, survey_language: str = "nl") -> str:
    kit = api.client.app[SURVEYS]
    survey = await kit.surveys.create(Survey(
        id=new_id(), name="NPS", kind="nps", language=survey_language,
        question="Hoe waarschijnlijk is het dat u ons aanbeveelt?",
        translations={"en": SurveyTexts(question="How likely are you to recommend us?")}))
    person = await _person(api, language)
    link = await kit.surveys.link(survey.id, person.id, send_key=f"manual:{new_id()}")
    return "/s/" + link.rsplit("/s/", 1)[1]


async def _get(api: Api, path: str, accept_language: str | None = None) -> tuple[int, str]:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await api.client.get(path, headers=headers)
    return response.status, await response.text()


async def test_survey_page_in_dutch_has_no_english_left(api: Api) -> None:
    path = await _survey_path(api, "nl")
    status, html = await _get(api, path, "en-GB,en;q=0.9")  # the person's language wins
    assert status == 200 and '<html lang="nl">' in html
    assert "Hoe waarschijnlijk" in html and "0 = helemaal niet waarschijnlijk" in html
    assert not [word for word in ENGLISH_LEFTOVERS if word in html]
    answered = await api.client.post(path, data={"score": "9"})
    html = await answered.text()
    assert "Bedankt!" in html and "Uw antwoord: 9." in html and "(optioneel)" in html
    assert "Wilt u nog iets toevoegen?" in html and ">Verstuur<" in html
    assert not [word for word in ENGLISH_LEFTOVERS if word in html]


async def test_english_person_gets_english_from_a_dutch_browser(api: Api) -> None:
    path = await _survey_path(api, "en")
    status, html = await _get(api, path, "nl-NL,nl;q=0.9")
    assert status == 200 and '<html lang="en">' in html
    assert "How likely are you to recommend us?" in html
    assert "0 = not at all likely" in html and "helemaal" not in html


async def test_without_a_person_language_the_survey_language_then_the_default(
        api: Api) -> None:
    status, html = await _get(api, await _survey_path(api, None, "en"), "nl-NL")
    assert '<html lang="en">' in html  # the survey has no Dutch: its own language
    status, html = await _get(api, await _survey_path(api, None, "nl"), "en-GB,en;q=0.9")
    assert '<html lang="en">' in html  # the browser's pick among the survey's languages
    assert "How likely are you to recommend us?" in html and "Hoe waarschijnlijk" not in html
    status, html = await _get(api, await _survey_path(api, None, "nl"), "fr-FR")
    assert '<html lang="nl">' in html and "Hoe waarschijnlijk" in html
    status, html = await _get(api, await _survey_path(api, "tlh", "xx"), "en-GB")
    assert status == 200 and '<html lang="en">' in html  # unknown codes fall through
    status, html = await _get(api, await _survey_path(api, None, "xx"), "fr-FR, *;q=0.1")
    assert status == 200 and '<html lang="nl">' in html  # the default


async def test_bad_score_is_explained_in_the_page_language(api: Api) -> None:
    path = await _survey_path(api, "nl")
    bad = await api.client.post(path, data={"score": "11"})
    assert bad.status == 400 and "Kies een score van 0 tot 10." in await bad.text()
    as_json = await api.client.post(path, json={"score": 11},
                                    headers={"Accept-Language": "en"})
    body = await as_json.json()
    assert as_json.status == 400 and body["error"]["code"] == "invalid_input"


async def test_unknown_survey_link_follows_the_browser(api: Api) -> None:
    status, html = await _get(api, "/s/" + "x" * 43)
    assert status == 404 and "Deze enquêtelink is niet geldig" in html
    status, html = await _get(api, "/s/" + "x" * 43, "en-GB")
    assert status == 404 and "This survey link is not valid" in html


async def _unsubscribe_path(api: Api, language: str | None) -> str:
    person = await _person(api, language, name="Bram Jansen")
    return "/u/" + api.client.app[CAMPAIGNS].unsubscribe.tokens.make(person.id, None)


async def test_unsubscribe_in_the_person_language(api: Api) -> None:
    dutch = await _unsubscribe_path(api, "nl")
    status, html = await _get(api, dutch, "en-GB")
    assert status == 200 and '<html lang="nl">' in html
    assert "Wilt u geen marketingmail meer van ons ontvangen, Bram?" in html
    assert ">Afmelden<" in html
    done = await api.client.post(dutch, data={"List-Unsubscribe": "One-Click"})
    assert "U bent afgemeld" in await done.text()
    english = await _unsubscribe_path(api, "en")
    status, html = await _get(api, english, "nl-NL")
    assert "Do you want to stop receiving marketing email from us, Bram?" in html
    status, html = await _get(api, "/u/nonsense")
    assert status == 404 and "Deze link is niet geldig" in html


async def test_form_page_follows_the_browser_then_the_default(
        api: Api, form: dict[str, Any]) -> None:
    status, html = await _get(api, "/f/contact")
    assert status == 200 and '<html lang="nl">' in html
    assert "(optioneel)" in html and "Kies…" in html and ">Verstuur<" in html
    status, html = await _get(api, "/f/contact", "en-GB,en;q=0.9")
    assert '<html lang="en">' in html and "(optional)" in html and "Choose…" in html
    invalid = await api.client.post("/f/contact", data={"name": "", "email": "nope"})
    html = await invalid.text()
    assert invalid.status == 422 and "Verbeter deze punten" in html
    assert "Dit veld is verplicht." in html and "Vul een e-mailadres in" in html


async def test_api_error_codes_stay_english(api: Api) -> None:
    response = await api.client.post("/f/nothing-here", json={"email": "a@example.org"},
                                     headers={"Accept-Language": "nl"})
    body = await response.json()
    assert response.status == 404 and body["error"]["code"] == "not_found"


async def test_api_error_message_follows_accept_language(api: Api) -> None:
    """A service's error: the same `code` in every language, the `message` in the first
    language of Accept-Language that Hub speaks, English without one."""
    path = "/api/v1/campaigns/nope"
    dutch = await api.call("GET", path, headers={"Accept-Language": "nl-NL,en;q=0.5"})
    british = await api.call("GET", path, headers={"Accept-Language": "en-GB"})
    plain = await api.call("GET", path)
    unknown = await api.call("GET", path, headers={"Accept-Language": "xx-YY, *"})
    assert {status for status, _ in (dutch, british, plain, unknown)} == {404}
    assert {body["error"]["code"] for _, body in (dutch, british, plain, unknown)} == {
        "not_found"}
    assert dutch[1]["error"]["message"] == "geen campagne nope"
    assert british[1]["error"]["message"] == plain[1]["error"]["message"] == \
        unknown[1]["error"]["message"] == "no campaign nope"
