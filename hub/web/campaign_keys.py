"""Typed app state for the campaign features (kept apart from the wiring to avoid cycles)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from campaigns.engine.dispatch import DispatchConfig
from campaigns.engine.lifecycle import CampaignService
from campaigns.segments import SegmentService
from campaigns.template_service import TemplateService
from campaigns.unsubscribe import UnsubscribeService


@dataclass(frozen=True, slots=True)
class CampaignKit:
    segments: SegmentService
    templates: TemplateService
    campaigns: CampaignService
    unsubscribe: UnsubscribeService


CAMPAIGNS = web.AppKey("campaigns", CampaignKit)
DISPATCH = web.AppKey("dispatch_config", DispatchConfig)
