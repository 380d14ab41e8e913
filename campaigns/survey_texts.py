"""The texts of a survey campaign: a chosen template must carry the personal link
`{{ survey_url }}` (else the persons would get no way to answer); without a chosen template
the campaign gets default texts, the survey's question with the link, saved as templates
(editable afterwards). The API and the staff UI create survey campaigns through this."""

from __future__ import annotations

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.surveys import Survey
from hub.errors import InvalidInput

SURVEY_LINK = "survey_url"


def default_survey_texts(survey: Survey) -> dict[str, MessageTemplate]:
    """The email and SMS templates a survey campaign gets when none is chosen: the question
    and the personal link `{{ survey_url }}` (and, by mail, the unsubscribe link)."""
    question = survey.question.replace("{", "(").replace("}", ")")
    low, high = survey.scale
    subject = question if len(question) <= 120 else survey.name.replace("{", "(")
    return {
        "email": MessageTemplate(
            id=new_id(), name=f"{survey.name} (survey email)"[:200], channel="email",
            subject=subject, body=(
                f"{question}\n\nAnswer with one tap: {{{{ survey_url }}}}\n\nOr reply to this "
                f"mail with a number from {low} to {high} on the first line.\n\n"
                "No more mails like this: {{ unsubscribe_url }}")),
        "sms": MessageTemplate(
            id=new_id(), name=f"{survey.name} (survey SMS)"[:200], channel="sms",
            body=f"{question} Reply with a number from {low} to {high}, or tap "
                 "{{ survey_url }}")}


def check_survey_link(channel: str, template: MessageTemplate) -> None:
    """InvalidInput when a survey campaign's template has no `{{ survey_url }}`."""
    parts = (template.subject or "", template.body, template.html or "")
    if not any(SURVEY_LINK in part for part in parts):
        raise InvalidInput(f"the {channel} template “{template.name}” has no "
                           "{{ survey_url }}: the persons would get no link to answer",
                           details={"field": f"templates.{channel}"})
