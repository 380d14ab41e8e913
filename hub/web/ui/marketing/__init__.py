"""The marketing pages of the staff UI: segments, templates, campaigns, surveys, analytics and
web forms (marketing and admin; service staff get a 403 page). `add_marketing_ui(app)` adds
the routes; handlers call the campaign, survey and analytics services directly."""

from __future__ import annotations

from aiohttp import web

from hub.web.ui.marketing import (
    campaigns_ui,
    forms_ui,
    imports_ui,
    insights,
    journeys_ui,
    preflight_ui,
    segments,
    templates_ui,
    topics_ui,
    triggers_ui,
)


def add_marketing_ui(app: web.Application) -> None:
    r = app.router
    r.add_get("/segments", segments.segments_page)
    r.add_post("/segments", segments.save_segment)
    r.add_get("/segments/preview", segments.segment_preview_page)
    r.add_get("/segments/count", segments.segment_count)
    r.add_get("/segments/{segment_id}", segments.segment_detail)
    r.add_post("/segments/{segment_id}/count", segments.recount_segment)
    r.add_get("/templates", templates_ui.templates_page)
    r.add_post("/templates", templates_ui.save_template)
    r.add_get("/templates/new", templates_ui.new_template)
    r.add_get("/templates/sms-count", templates_ui.sms_count)
    r.add_get("/templates/{template_id}", templates_ui.template_page)
    r.add_post("/templates/{template_id}", templates_ui.save_template)
    r.add_get("/campaigns", campaigns_ui.campaigns_page)
    r.add_post("/campaigns", campaigns_ui.create_campaign)
    r.add_get("/campaigns/new", campaigns_ui.wizard_page)
    r.add_get("/campaigns/{campaign_id}", campaigns_ui.campaign_page)
    r.add_get("/campaigns/{campaign_id}/stats", campaigns_ui.campaign_stats)
    preflight_ui.add_preflight_ui(app)
    r.add_post("/campaigns/{campaign_id}/test", campaigns_ui.test_send)
    r.add_post("/campaigns/{campaign_id}/{action}", campaigns_ui.campaign_action)
    r.add_get("/surveys", insights.surveys_page)
    r.add_post("/surveys", insights.create_survey)
    r.add_get("/surveys/{survey_id}", insights.survey_page)
    r.add_post("/surveys/{survey_id}/triggers", triggers_ui.create_trigger)
    r.add_post("/surveys/{survey_id}/triggers/{rule_id}/switch", triggers_ui.switch_trigger)
    r.add_get("/analytics", insights.analytics_page)
    r.add_get("/forms", forms_ui.forms_page)
    r.add_post("/forms", forms_ui.create_form)
    r.add_get("/forms/{form_id}", forms_ui.form_page)
    r.add_get("/journeys", journeys_ui.journeys_page)
    r.add_post("/journeys", journeys_ui.create_journey)
    r.add_get("/journeys/{journey_id}", journeys_ui.journey_page)
    r.add_post("/journeys/{journey_id}", journeys_ui.save_journey)
    r.add_post("/journeys/{journey_id}/status", journeys_ui.journey_status)
    r.add_get("/people/{person_id}/journeys", journeys_ui.person_journeys_page)
    r.add_get("/topics", topics_ui.topics_page)
    r.add_post("/topics", topics_ui.create_topic)
    imports_ui.add_import_ui(app)
