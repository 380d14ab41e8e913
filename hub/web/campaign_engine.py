"""Campaign wiring for the app: segment, template and campaign services, the unsubscribe
pages (`/u/{token}`), and the dispatch worker (roles `all` and `worker`) as one cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from campaigns.engine.dispatch import DispatchConfig, Worker
from campaigns.engine.lifecycle import CampaignService
from campaigns.segments import SegmentService
from campaigns.template_service import TemplateService
from campaigns.unsubscribe import UnsubscribeService, UnsubscribeTokens
from channels import REGISTRY
from hub.config import Settings
from hub.ports import ChannelAdapter, Store
from hub.services.reply_tokens import ReplyTokens
from hub.services.timeline import TimelineService
from hub.web.campaign_keys import CAMPAIGNS, DISPATCH, CampaignKit
from hub.web.keys import SETTINGS, STORE
from hub.web.public.pages import render
from hub.web.workers import RUN_WORKERS


def dispatch_config(settings: Settings) -> DispatchConfig:
    domain = settings.email_from.rpartition("@")[2].strip("> ") or "localhost"
    return DispatchConfig(
        public_url=settings.public_url,
        senders={"email": settings.email_from, "sms": settings.twilio_from or ""},
        unsubscribe_mailbox=f"unsubscribe@{domain}",
        status_callback_url=f"{settings.public_url}/webhooks/twilio/status")


def build_worker(store: Store, settings: Settings, adapters: dict[str, ChannelAdapter],
                 config: DispatchConfig | None = None) -> Worker:
    return Worker(store, adapters, ReplyTokens(settings.secret_key),
                  UnsubscribeTokens(settings.secret_key), config or dispatch_config(settings))


async def campaign_engine(app: web.Application) -> AsyncIterator[None]:
    """Services for the API and pages; with workers on, a dispatch worker in the background."""
    settings, store = app[SETTINGS], app[STORE]
    tokens = UnsubscribeTokens(settings.secret_key)
    app[CAMPAIGNS] = CampaignKit(
        segments=SegmentService(store),
        templates=TemplateService(store, tokens, settings.public_url),
        campaigns=CampaignService(store),
        unsubscribe=UnsubscribeService(store, TimelineService(store), tokens))
    if not app.get(RUN_WORKERS, True):
        yield
        return
    adapters = REGISTRY.build_adapters(settings)
    worker = build_worker(store, settings, adapters, app.get(DISPATCH))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="campaign-dispatch")
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    for adapter in adapters.values():
        await adapter.close()


# --- /u/{token} ------------------------------------------------------------------------------


async def unsubscribe_page(request: web.Request) -> web.Response:
    """A confirmation page; a GET changes nothing (link scanners follow GETs)."""
    person = await request.app[CAMPAIGNS].unsubscribe.person_for(request.match_info["token"])
    if person is None:
        return render(request, "public/unsubscribe.html", {
            "title": "Link not valid", "heading": "This link is not valid",
            "message": "The unsubscribe link is unknown or no longer valid.",
            "confirm": False}, status=404)
    return render(request, "public/unsubscribe.html", {
        "title": "Unsubscribe", "heading": "Unsubscribe", "confirm": True,
        "name": person.name.split()[0] if person.name else ""})


async def unsubscribe(request: web.Request) -> web.Response:
    """One POST unsubscribes (RFC 8058 `List-Unsubscribe=One-Click`, no cookie needed)."""
    await request.post()  # the body is List-Unsubscribe=One-Click; any POST counts
    done = await request.app[CAMPAIGNS].unsubscribe.unsubscribe(
        request.match_info["token"], source="unsubscribe link")
    if not done:
        return render(request, "public/unsubscribe.html", {
            "title": "Link not valid", "heading": "This link is not valid",
            "message": "The unsubscribe link is unknown or no longer valid.",
            "confirm": False}, status=404)
    return render(request, "public/unsubscribe.html", {
        "title": "Unsubscribed", "heading": "You are unsubscribed", "confirm": False,
        "message": "You will not receive marketing email from us any more."})


def add_unsubscribe_routes(app: web.Application) -> None:
    app.router.add_get("/u/{token}", unsubscribe_page)
    app.router.add_post("/u/{token}", unsubscribe)
