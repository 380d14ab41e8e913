"""Typed app state for surveys and analytics (apart from the wiring, to avoid cycles)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from campaigns.analytics import AnalyticsService
from campaigns.surveys import SurveyService
from campaigns.triggers import TriggerService


@dataclass(frozen=True, slots=True)
class SurveyKit:
    surveys: SurveyService
    analytics: AnalyticsService
    triggers: TriggerService


SURVEYS = web.AppKey("surveys", SurveyKit)
