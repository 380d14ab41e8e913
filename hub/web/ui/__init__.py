"""The staff UI: server-rendered pages for service staff (and user admin). `add_staff_ui(app)`
adds every route, the session codec and the static files (log-in throttling is the staff
service's)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from hub.domain.staff import STAFF
from hub.i18n import N_
from hub.web.errors import HTML_ERROR_PAGE
from hub.web.keys import SETTINGS
from hub.web.templating import pages
from hub.web.ui import (
    actions,
    admin_channels,
    admin_users,
    admin_webhooks,
    live,
    login,
    merge_pages,
    operations,
    password_reset,
    people,
    profile,
    service_inbox,
)
from hub.web.ui.guard import CODEC, staff_page
from hub.web.ui.marketing import add_marketing_ui
from hub.web.ui.render import error_page, wants_html
from hub.web.ui.session import SessionCodec

STATIC_DIR = Path(__file__).resolve().parents[3] / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml",
                ".png": "image/png", ".ico": "image/x-icon"}


async def static_file(request: web.Request) -> web.StreamResponse:
    """`/static/{name}`: our own files only (no directory walk, no listing)."""
    name = request.match_info["name"]
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES \
            or not path.is_file():
        raise web.HTTPNotFound(reason=N_("There is no such file."))
    return web.FileResponse(path, headers={
        "Content-Type": STATIC_TYPES[path.suffix], "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff"})


def _html_errors(request: web.Request, status: int, message: str) -> web.Response | None:
    return error_page(request, status, message) if wants_html(request) else None


def add_staff_ui(app: web.Application) -> None:
    pages(app)
    app[CODEC] = SessionCodec(app[SETTINGS].secret_key)
    app[HTML_ERROR_PAGE] = _html_errors
    app.cleanup_ctx.append(live.live_ctx)
    app.on_shutdown.append(live.stop_live)
    r = app.router
    r.add_get("/static/{name}", static_file)
    r.add_get("/login", login.login_form)
    r.add_post("/login", login.login)
    r.add_post("/logout", staff_page(STAFF)(login.logout))
    r.add_post("/logout/everywhere", staff_page(STAFF)(login.logout_everywhere))
    r.add_get("/", service_inbox.inbox_page)
    r.add_get("/search", people.search_page)
    r.add_get("/people/{person_id}", people.person_page)
    r.add_get("/people/{person_id}/timeline", people.person_timeline_fragment)
    r.add_post("/people/{person_id}/reply", actions.reply)
    r.add_post("/people/{person_id}/notes", actions.note)
    r.add_post("/people/{person_id}/calls", actions.log_call)
    r.add_post("/people/{person_id}/no-reply", actions.no_reply_needed)
    r.add_post("/people/{person_id}/profile", actions.edit_profile)
    r.add_get("/people/{person_id}/merge", merge_pages.merge_page)
    r.add_post("/people/{person_id}/merge", actions.merge)
    r.add_get("/people/{person_id}/consent-proof", people.consent_proof_page)
    r.add_get("/people/{person_id}/export", people.export_download)
    r.add_post("/people/{person_id}/merges/{merge_id}/undo", merge_pages.undo_merge)
    r.add_get("/households/{household_id}", people.household_page)
    r.add_get("/organisations/{organisation_id}", people.organisation_page)
    r.add_get("/households/{household_id}/timeline", people.household_timeline_fragment)
    r.add_get("/organisations/{organisation_id}/timeline", people.organisation_timeline_fragment)
    r.add_get("/outbox", operations.outbox_page)
    r.add_get("/quarantine", operations.quarantine_page)
    r.add_post("/quarantine/{entry_id}/retry", operations.quarantine_retry)
    r.add_get("/admin", admin_users.admin_page)
    r.add_post("/admin/users", admin_users.admin_add_user)
    r.add_post("/admin/users/{user_id}/toggle", admin_users.admin_toggle_user)
    r.add_post("/admin/tokens", admin_users.create_api_token)
    r.add_post("/admin/tokens/{token_id}/revoke", admin_users.revoke_api_token)
    r.add_get("/admin/channels", admin_channels.channels_page)
    r.add_get("/admin/webhooks", admin_webhooks.webhooks_page)
    r.add_post("/admin/webhooks", admin_webhooks.add_subscription)
    r.add_post("/admin/webhooks/{subscription_id}/delete", admin_webhooks.delete_subscription)
    r.add_post("/admin/webhooks/{subscription_id}/enable", admin_webhooks.enable_subscription)
    r.add_get("/admin/webhooks/{subscription_id}", admin_webhooks.deliveries_page)
    r.add_post("/admin/webhooks/{subscription_id}/deliveries/{delivery_id}/replay",
               admin_webhooks.replay_delivery)
    r.add_get("/live/inbox", live.live_inbox)
    r.add_get("/live/people/{person_id}", live.live_person)
    profile.add_profile_routes(app)
    service_inbox.add_inbox_routes(app)
    password_reset.add_password_reset_routes(app)
    add_marketing_ui(app)
