"""Default message texts by name from disk (`templates/messages/`): language lookup, the
operator's override directory, and the survey invitation texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.survey_texts import survey_campaign_templates, survey_invitation
from campaigns.templates import MESSAGES_DIR, MessageTexts, TemplateProblem, compiled
from campaigns.triggers import default_text
from hub.domain.parties import Person
from hub.domain.surveys import Survey, SurveyTexts
from hub.errors import InvalidInput

URL = "https://hub.example/s/tok123"
LONG = "How likely are you to recommend us to a friend or colleague, " * 3  # over 120


def survey(question: str = "How likely are you to recommend us?", kind: str = "nps",
           **extra: object) -> Survey:
    return Survey.model_validate({"id": "s1", "name": "Spring NPS", "kind": kind,
                                  "question": question, **extra})


def person(language: str | None = None) -> Person:
    return Person.model_validate({"id": "p1", "name": "Anna", "language": language})


def test_a_dutch_survey_invites_in_dutch_without_english_words() -> None:
    dutch = survey("Hoe waarschijnlijk beveelt u ons aan?", language="nl")
    rendered = survey_invitation(dutch, None, URL, "sms")
    assert rendered.text == (f"Hoe waarschijnlijk beveelt u ons aan? Antwoord met een cijfer "
                             f"van 0 t/m 10, of tik op {URL}")
    mail = survey_invitation(dutch, "nl", URL, "email")
    assert "Antwoord met één tik" in mail.text and "Reply" not in mail.text


def test_trigger_default_texts_are_todays_words() -> None:
    nps = survey()
    assert default_text(nps, person(), URL, "email") == (
        "How likely are you to recommend us?",
        f"How likely are you to recommend us?\n\nAnswer with one tap: {URL}\n\nOr reply to "
        "this mail with a number from 0 to 10 on the first line.")
    assert default_text(nps, person(), URL, "sms") == (
        "", f"How likely are you to recommend us? Reply with a number from 0 to 10, or tap {URL}")
    subject, text = default_text(survey(LONG, kind="csat"), person(), URL, "email")
    assert subject == "Spring NPS"  # a long question is no subject
    assert "a number from 1 to 5 on the first line." in text


def test_trigger_default_text_is_in_the_persons_language() -> None:
    dutch = survey(translations={"nl": SurveyTexts(question="Zou u ons aanbevelen?")})
    subject, text = default_text(dutch, person("nl-BE"), URL, "email")
    assert subject == "Zou u ons aanbevelen?"
    assert text.startswith("Zou u ons aanbevelen?\n\n")


def test_survey_campaign_templates_keep_the_placeholders() -> None:
    made = survey_campaign_templates(survey())
    email, sms = made["email"], made["sms"]
    assert (email.name, email.channel, sms.name, sms.channel) == (
        "Spring NPS (survey email)", "email", "Spring NPS (survey SMS)", "sms")
    assert email.subject == "How likely are you to recommend us?"
    assert email.body == (
        "How likely are you to recommend us?\n\nAnswer with one tap: {{ survey_url }}\n\n"
        "Or reply to this mail with a number from 0 to 10 on the first line.\n\n"
        "No more mails like this: {{ unsubscribe_url }}")
    assert sms.body == ("How likely are you to recommend us? Reply with a number from 0 to "
                        "10, or tap {{ survey_url }}")
    assert sms.subject is None and sms.html is None
    assert email.html is not None and 'href="{{ survey_url }}"' in email.html
    # and they render for a person like any stored template
    rendered = compiled(email).render({"survey_url": URL, "unsubscribe_url": "https://u/x"})
    assert f"Answer with one tap: {URL}" in rendered.text
    assert rendered.html is not None and f'href="{URL}"' in rendered.html


def test_survey_words_never_become_template_code() -> None:
    made = survey_campaign_templates(survey("Rate us {{ 7 * 7 }} <b>now</b>?"))
    rendered = compiled(made["email"]).render({"survey_url": URL, "unsubscribe_url": "u"})
    assert rendered.subject == "Rate us (( 7 * 7 )) <b>now</b>?"
    assert rendered.html is not None and "&lt;b&gt;now&lt;/b&gt;" in rendered.html
    invitation = survey_invitation(survey("Is <i>this</i> {{ x }} ok?"), None, URL, "email")
    assert invitation.text.startswith("Is <i>this</i> {{ x }} ok?")  # a value, not source
    assert invitation.html is not None and "&lt;i&gt;this&lt;/i&gt;" in invitation.html


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_language_then_plain_and_override_first(tmp_path: Path) -> None:
    texts = MessageTexts(tmp_path, default_language="en")
    builtin_nl = (MESSAGES_DIR / "survey" / "nl" / "sms.txt").read_text(encoding="utf-8")
    assert texts.source("survey", "sms.txt", "nl") == builtin_nl.removesuffix("\n")
    write(tmp_path / "survey" / "sms.txt", "Ours: {{ survey_url }}\n")
    assert texts.source("survey", "sms.txt") == "Ours: {{ survey_url }}"
    assert texts.source("survey", "sms.txt", "nl") == builtin_nl.removesuffix("\n")  # ours, nl
    write(tmp_path / "survey" / "nl" / "sms.txt", "Onze: {{ survey_url }}")
    assert texts.source("survey", "sms.txt", "nl-BE") == "Onze: {{ survey_url }}"
    assert texts.source("survey", "sms.txt", "en") == "Ours: {{ survey_url }}"
    assert texts.source("survey", "sms.txt", "../..") == "Ours: {{ survey_url }}"  # ignored
    dutch = survey(translations={"nl": {"question": "Hoe waarschijnlijk?"}})
    rendered = survey_invitation(dutch, "nl", URL, "sms", texts=texts)
    assert rendered.text == f"Onze: {URL}"
    english_only = survey_invitation(survey(), "nl", URL, "sms", texts=texts)
    assert english_only.text == f"Ours: {URL}"  # no Dutch question: the words stay English
    # the override holds only the SMS text: the email texts are still the built-in ones
    subject, _ = default_text(survey(), person("nl"), URL, "email", texts=texts)
    assert subject == "How likely are you to recommend us?"


def test_unknown_or_unsafe_names_and_broken_overrides(tmp_path: Path) -> None:
    texts = MessageTexts(tmp_path)
    for name in ("nothing-here", "../survey", "Survey", ""):
        with pytest.raises(InvalidInput):
            texts.template(name, "email")
    write(tmp_path / "survey" / "sms.txt", "{{ no_such_variable }}")
    with pytest.raises(TemplateProblem):
        survey_invitation(survey(), None, URL, "sms", texts=texts)


def test_every_built_in_text_compiles() -> None:
    texts = MessageTexts()
    for folder in sorted(p for p in MESSAGES_DIR.iterdir() if p.is_dir()):
        for channel in ("email", "sms"):
            compiled(texts.template(folder.name, channel))
