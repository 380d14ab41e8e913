"""Typed application state (aiohttp AppKeys): the one place the app's parts are named."""

from __future__ import annotations

from aiohttp import web

from campaigns.engine.dispatch import DispatchConfig
from campaigns.journeys.engine import EngineConfig
from hub.config import Settings
from hub.domain.clock import WallClock
from hub.ports import Store
from hub.services import Services
from hub.services.import_jobs import ImportJobs
from hub.wiring import CampaignKit, Components, SurveyKit

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
COMPONENTS = web.AppKey("components", Components)
SERVICES = web.AppKey("services", Services)
IMPORT_JOBS = web.AppKey("import_jobs", ImportJobs)
"""Contact imports running in the background (the /imports page and the API start them)."""
CAMPAIGNS = web.AppKey("campaigns", CampaignKit)
SURVEYS = web.AppKey("surveys", SurveyKit)
OPENAPI = web.AppKey("openapi", dict)
RUN_WORKERS = web.AppKey("run_workers", bool)
"""False for `hub serve --role web`: serve HTTP only, leave background work to a worker."""
DISPATCH = web.AppKey("dispatch_config", DispatchConfig)
"""Overrides the campaign worker's settings (tests make it poll faster)."""
JOURNEY_ENGINE = web.AppKey("journey_engine_config", EngineConfig)
"""Overrides the journey worker's settings (tests make it poll faster)."""
JOURNEY_CLOCK = web.AppKey("journey_clock", WallClock)
"""The journeys' wall clock (tests move it: a wait of days runs in milliseconds)."""
