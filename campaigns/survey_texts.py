"""The survey invitation's default texts, from `templates/messages/survey/`.

Two uses, one set of files:
- a triggered survey whose rule names no template gets them rendered for the person, with
  the personal link (`survey_invitation`);
- a survey campaign launched without templates gets them as stored, editable templates that
  still carry `{{ survey_url }}` and `{{ unsubscribe_url }}` for the engine to fill per person
  (`survey_campaign_templates`).

A survey campaign's chosen template must carry the personal link `{{ survey_url }}`
(`check_survey_link`), else the persons would get no way to answer. The API and the staff UI
create survey campaigns through `CampaignService.create`, which applies both.

The files see `survey` (`name`, `question` in the reader's language, `low`, `high`: the
scale), `survey_url` and `unsubscribe_url` (empty when the message carries none).
"""

from __future__ import annotations

from typing import Any

from campaigns.templates import BUILTIN_TEXTS, MessageTexts, Rendered
from hub.domain.campaigns import MessageTemplate, TemplateChannel
from hub.domain.channels import CHANNEL_LABEL, SENDABLE_CHANNELS
from hub.domain.common import new_id
from hub.domain.surveys import Survey
from hub.errors import InvalidInput
from hub.i18n import N_

NAME = "survey"
SURVEY_LINK = "survey_url"
CHANNELS: tuple[TemplateChannel, ...] = SENDABLE_CHANNELS
# What a campaign template keeps for the engine to fill in for each person.
PLACEHOLDERS = {"survey_url": "{{ survey_url }}", "unsubscribe_url": "{{ unsubscribe_url }}"}


def invitation_language(survey: Survey, language: str | None) -> str:
    """The language the invitation is written in: the person's when the survey has its
    question in it, else the survey's own, so the words around the question match it."""
    available = {survey.language, *survey.translations}
    for key in (language or "", (language or "").split("-")[0]):
        if key in available:
            return key
    return survey.language


def _variables(survey: Survey, language: str | None, *, survey_url: str,
               unsubscribe_url: str, literal: bool = False) -> dict[str, Any]:
    question, name = survey.texts(language).question, survey.name
    if literal:  # the text becomes template source: no Jinja syntax from the survey's words
        question, name = (text.replace("{", "(").replace("}", ")") for text in (question, name))
    low, high = survey.scale
    return {"survey": {"name": name, "question": question, "low": low, "high": high},
            "survey_url": survey_url, "unsubscribe_url": unsubscribe_url}


def survey_invitation(survey: Survey, language: str | None, url: str, channel: str, *,
                      unsubscribe_url: str = "", texts: MessageTexts = BUILTIN_TEXTS
                      ) -> Rendered:
    """The invitation to answer `survey` at `url`, in `language` when the survey has it,
    ready to send."""
    language = invitation_language(survey, language)
    variables = _variables(survey, language, survey_url=url, unsubscribe_url=unsubscribe_url)
    return texts.render(NAME, channel, variables, language)


def survey_campaign_templates(survey: Survey, *, texts: MessageTexts = BUILTIN_TEXTS,
                              language: str | None = None) -> dict[str, MessageTemplate]:
    """The templates (one per channel) a survey campaign gets when none is chosen: the question
    and the personal link `{{ survey_url }}` (and, by mail, the unsubscribe link), to be
    saved (TemplateService.create) and edited like any other; in `language` (one of the
    survey's, see `survey_languages`), else the survey's own."""
    language = language or survey.language
    variables = _variables(survey, language, literal=True, **PLACEHOLDERS)
    made: dict[str, MessageTemplate] = {}
    for channel in CHANNELS:
        rendered = texts.render(NAME, channel, variables, language)
        label = f"survey {CHANNEL_LABEL[channel]}"
        suffix = "" if language == survey.language else f", {language}"
        made[channel] = MessageTemplate(
            id=new_id(), name=f"{survey.name} ({label}{suffix})"[:200], channel=channel,
            subject=rendered.subject, body=rendered.text, html=rendered.html)
    return made


def survey_languages(survey: Survey) -> list[str]:
    """The languages the survey has its question in, its own first."""
    return [survey.language, *(language for language in survey.translations
                               if language != survey.language)]


def check_survey_link(channel: str, template: MessageTemplate) -> None:
    """InvalidInput when a survey campaign's template has no `{{ survey_url }}`."""
    parts = (template.subject or "", template.body, template.html or "")
    if not any(SURVEY_LINK in part for part in parts):
        raise InvalidInput(N_("the %(channel)s template “%(name)s” has no {{ survey_url }}: the "
                              "persons would get no link to answer"),
                           params={"channel": channel, "name": template.name},
                           details={"field": f"templates.{channel}"})
