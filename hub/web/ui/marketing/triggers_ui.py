"""Event triggers of a survey, on its page `/surveys/{id}`: create a rule ("after a call with
outcome `resolved`, send this survey after 2 hours, at most once per 30 days per person")
and switch rules on or off. The rules are the trigger service's, the same the API edits."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web

from hub.domain.channels import CHANNEL_CHOICES, SENDABLE_CHANNELS
from hub.domain.common import new_id
from hub.domain.staff import MARKETING
from hub.domain.surveys import TriggerRule
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.web.keys import SURVEYS
from hub.web.ui.form_input import FIELD_PROBLEM, Blank, Cut, PageForm, parse_form, validated
from hub.web.ui.guard import staff_page
from hub.web.ui.marketing.insights import show_survey
from hub.web.ui.render import redirect, translate

EVENT_CHANNELS = ("call", *SENDABLE_CHANNELS)
SEND_CHANNELS: tuple[str, ...] = CHANNEL_CHOICES
Whole = Annotated[str, Cut(12)]


def _whole(raw: str, default: int, label: str) -> int:
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidInput(translate(FIELD_PROBLEM, field=translate(label),
                                     problem=translate(N_("type a whole number"))))
    return int(raw)


class TriggerForm(PageForm):
    name: Annotated[str, Cut(200)] = ""
    event_channel: str = "call"
    direction: Annotated[str | None, Blank] = None
    outcome: Annotated[str | None, Cut(40), Blank] = None
    delay_minutes: Whole = ""
    cap_days: Whole = ""
    send_0: str = ""
    send_1: str = ""
    send_2: str = ""
    template_email: Annotated[str, Cut(64)] = ""
    template_sms: Annotated[str, Cut(64)] = ""

    def rule(self, survey_id: str) -> TriggerRule:
        """The rule the form describes; raises InvalidInput with a readable message."""
        if not self.name:
            raise InvalidInput(N_("Give the trigger a name."))
        if self.event_channel not in EVENT_CHANNELS:
            raise InvalidInput(N_("After: a call, an email or an SMS."))
        if self.direction not in (None, "inbound", "outbound"):
            raise InvalidInput(N_("Direction: inbound, outbound or either."))
        channels = list(dict.fromkeys(c for c in (self.send_0, self.send_1, self.send_2)
                                      if c in SEND_CHANNELS))
        if not channels:
            raise InvalidInput(N_("Choose at least one channel to send the survey on."))
        templates = {"email": self.template_email, "sms": self.template_sms}
        return validated(TriggerRule, {
            "id": new_id(), "name": self.name, "survey_id": survey_id,
            "event_channel": self.event_channel,
            "outcome": self.outcome if self.event_channel == "call" else None,
            "direction": self.direction,
            "delay_minutes": _whole(self.delay_minutes, 120, N_("delay")),
            "cap_days": _whole(self.cap_days, 30, N_("at most once per")),
            "channels": channels, "templates": {c: t for c, t in templates.items() if t}})


class SwitchForm(PageForm):
    enabled: str = ""


@staff_page(MARKETING)
async def create_trigger(request: web.Request) -> web.StreamResponse:
    kit = request.app[SURVEYS]
    survey = await kit.surveys.get(request.match_info["survey_id"])
    try:
        form = await parse_form(request, TriggerForm)
        await kit.triggers.create(form.rule(survey.id))
    except InvalidInput as exc:
        return await show_survey(request, error=translate(
            N_("Trigger not saved: %(problem)s"), problem=translate(exc.message)),
                                 status=422)
    return redirect(f"/surveys/{survey.id}?notice=trigger-saved#triggers")


@staff_page(MARKETING)
async def switch_trigger(request: web.Request) -> web.StreamResponse:
    kit = request.app[SURVEYS]
    survey = await kit.surveys.get(request.match_info["survey_id"])
    rule = await kit.triggers.get(request.match_info["rule_id"])
    if rule.survey_id != survey.id:
        raise NotFound(N_("This trigger belongs to another survey."))
    form = await parse_form(request, SwitchForm)
    if form.enabled not in ("on", "off"):
        raise web.HTTPBadRequest(reason=N_("Switch a trigger on or off."))
    await kit.triggers.switch(rule.id, form.enabled == "on")
    return redirect(f"/surveys/{survey.id}?notice=trigger-switched-{form.enabled}#triggers")
