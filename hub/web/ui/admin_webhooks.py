"""`/admin/webhooks`: outgoing webhook subscriptions (add, with the secret shown once; enable,
delete) and `/admin/webhooks/{id}`: a subscription's delivery log with replay. Admins only;
the same `WebhookService` as the API."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web

from hub.domain.staff import ADMIN_ONLY
from hub.domain.webhooks import WEBHOOK_EVENT_TYPES, WebhookSubscription
from hub.errors import HubError
from hub.i18n import N_
from hub.web.keys import SERVICES
from hub.web.ui.form_input import Cut, PageForm, parse_form
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render

LOG_SIZE = 100


class SubscriptionForm(PageForm):
    url: Annotated[str, Cut(2000)] = ""
    event_types: Annotated[str, Cut(4000)] = ""
    description: Annotated[str, Cut(500)] = ""


async def _page(request: web.Request, *, status: int = 200, error: str = "",
                created: WebhookSubscription | None = None) -> web.Response:
    return render(request, "ui/admin_webhooks.html", {
        "title": N_("Webhooks"), "nav": "webhooks", "error": error, "created": created,
        "subscriptions": await request.app[SERVICES].webhooks.all(),
        "event_types": WEBHOOK_EVENT_TYPES}, status=status)


@staff_page(ADMIN_ONLY)
async def webhooks_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@staff_page(ADMIN_ONLY)
async def add_subscription(request: web.Request) -> web.StreamResponse:
    try:
        form = await parse_form(request, SubscriptionForm)
        types = [t for t in form.event_types.replace(",", " ").split() if t]
        created = await request.app[SERVICES].webhooks.create(form.url.strip(), types,
                                                              form.description)
    except HubError as exc:
        return await _page(request, status=422, error=exc.message)
    return await _page(request, created=created)


@staff_page(ADMIN_ONLY)
async def delete_subscription(request: web.Request) -> web.StreamResponse:
    await request.app[SERVICES].webhooks.delete(request.match_info["subscription_id"])
    return redirect("/admin/webhooks")


@staff_page(ADMIN_ONLY)
async def enable_subscription(request: web.Request) -> web.StreamResponse:
    await request.app[SERVICES].webhooks.enable(request.match_info["subscription_id"])
    return redirect("/admin/webhooks")


@staff_page(ADMIN_ONLY)
async def deliveries_page(request: web.Request) -> web.StreamResponse:
    webhooks = request.app[SERVICES].webhooks
    subscription = await webhooks.get(request.match_info["subscription_id"])
    return render(request, "ui/admin_webhook_log.html", {
        "title": N_("Webhook deliveries"), "nav": "webhooks", "subscription": subscription,
        "deliveries": await webhooks.log(subscription.id, limit=LOG_SIZE),
        "queued": request.query.get("queued", "")[:10]})


@staff_page(ADMIN_ONLY)
async def replay_delivery(request: web.Request) -> web.StreamResponse:
    subscription_id = request.match_info["subscription_id"]
    await parse_form(request, PageForm)
    queued = await request.app[SERVICES].webhooks.replay(
        subscription_id, delivery_id=request.match_info["delivery_id"])
    return redirect(f"/admin/webhooks/{subscription_id}?queued={queued}")
