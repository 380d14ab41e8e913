"""Canned responses rendered for one person (issue 13), in the same sandbox and with the same
variables (`person`, `household`, `organisation`, `role`) as every other template."""

from __future__ import annotations

from campaigns.engine.personalise import variables_for
from campaigns.templates import TemplateProblem, check, compiled
from hub.domain.campaigns import MessageTemplate
from hub.domain.conversations import CannedResponse
from hub.domain.parties import Person
from hub.ports import Store


def as_template(canned: CannedResponse) -> MessageTemplate:
    return MessageTemplate(id=f"canned:{canned.id}", name=canned.title, channel="sms",
                           body=canned.text, created_at=canned.created_at,
                           updated_at=canned.created_at)


def check_canned(canned: CannedResponse) -> None:
    """TemplateProblem (422 with part and line) when the text does not compile."""
    check(as_template(canned))


async def render_canned(store: Store, canned: CannedResponse, person: Person) -> str:
    """The text for this person; a text that fails for them (a missing field) is given as
    written, so staff see and fix it before sending."""
    variables = await variables_for(store, None, person, unsubscribe_url="")
    try:
        return compiled(as_template(canned)).render(variables).text
    except TemplateProblem:
        return canned.text
