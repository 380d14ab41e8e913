"""Typed application state (aiohttp AppKeys): the one place the app's parts are named."""

from __future__ import annotations

from aiohttp import web

from hub.config import Settings
from hub.ports import Store
from hub.services import Services

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
SERVICES = web.AppKey("services", Services)
OPENAPI = web.AppKey("openapi", dict)
