"""Event triggers of a survey, on its page `/surveys/{id}`: create a rule ("after a call with
outcome `resolved`, send this survey after 2 hours, at most once per 30 days per person")
and switch rules on or off. The rules are the trigger service's, the same the API edits."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from hub.domain.common import new_id
from hub.domain.staff import MARKETING
from hub.domain.surveys import TriggerRule
from hub.errors import InvalidInput
from hub.web.survey_keys import SURVEYS
from hub.web.ui.guard import staff_page
from hub.web.ui.marketing.insights import show_survey
from hub.web.ui.render import error_page, redirect

EVENT_CHANNELS = ("call", "email", "sms")
SEND_CHANNELS = ("preferred", "email", "sms")


def _whole(form: Any, name: str, default: int, label: str) -> int:
    raw = str(form.get(name, "") or "").strip()[:12]
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidInput(f"{label}: a whole number")
    return int(raw)


def rule_from_form(form: Any, survey_id: str) -> TriggerRule:
    """The rule a trigger form describes; raises InvalidInput with a readable message."""
    name = str(form.get("name", "") or "").strip()[:200]
    if not name:
        raise InvalidInput("give the trigger a name")
    event_channel = str(form.get("event_channel", "call"))
    if event_channel not in EVENT_CHANNELS:
        raise InvalidInput("after: a call, an email or an SMS")
    direction = str(form.get("direction", "") or "") or None
    if direction not in (None, "inbound", "outbound"):
        raise InvalidInput("direction: inbound, outbound or either")
    outcome = str(form.get("outcome", "") or "").strip()[:40] or None
    channels = [str(form.get(f"send_{i}", "") or "") for i in range(3)]
    channels = list(dict.fromkeys(c for c in channels if c in SEND_CHANNELS))
    if not channels:
        raise InvalidInput("choose at least one channel to send the survey on")
    templates = {c: str(form.get(f"template_{c}", ""))[:64] for c in ("email", "sms")
                 if form.get(f"template_{c}")}
    try:
        return TriggerRule(
            id=new_id(), name=name, survey_id=survey_id,
            event_channel=event_channel,  # type: ignore[arg-type]
            outcome=outcome if event_channel == "call" else None,
            direction=direction,  # type: ignore[arg-type]
            delay_minutes=_whole(form, "delay_minutes", 120, "delay"),
            cap_days=_whole(form, "cap_days", 30, "at most once per"),
            channels=channels,  # type: ignore[arg-type]
            templates=templates)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"{where}: {first.get('msg')}") from exc


@staff_page(MARKETING)
async def create_trigger(request: web.Request) -> web.StreamResponse:
    kit = request.app[SURVEYS]
    survey = await kit.surveys.get(request.match_info["survey_id"])
    try:
        await kit.triggers.create(rule_from_form(await request.post(), survey.id))
    except InvalidInput as exc:
        return await show_survey(request, error=f"Trigger not saved: {exc.message}",
                                 status=422)
    return redirect(f"/surveys/{survey.id}?notice=trigger-saved#triggers")


@staff_page(MARKETING)
async def switch_trigger(request: web.Request) -> web.StreamResponse:
    kit = request.app[SURVEYS]
    survey = await kit.surveys.get(request.match_info["survey_id"])
    rule = await kit.triggers.get(request.match_info["rule_id"])
    if rule.survey_id != survey.id:
        return error_page(request, 404, "This trigger belongs to another survey.")
    form = await request.post()
    enabled = form.get("enabled")
    if enabled not in ("on", "off"):
        return error_page(request, 400, "Switch a trigger on or off.")
    await kit.triggers.switch(rule.id, enabled == "on")
    return redirect(f"/surveys/{survey.id}?notice=trigger-switched-{enabled}#triggers")
