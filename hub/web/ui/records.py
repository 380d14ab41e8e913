"""`/outbox` (what the sandbox transports "sent"), `/quarantine` (inbound input that could not
be stored, with retry) and `/admin` (staff users and API tokens)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiohttp import web

from channels.email.ingest import EmailIngest
from hub.domain.staff import ADMIN_ONLY, SERVICE, STAFF_ROLES
from hub.errors import Conflict, InvalidInput
from hub.services.staff import add_user, generate_password
from hub.web.keys import SERVICES, SETTINGS, STORE
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.render import error_page, redirect, render

OUTBOX_SHOWN = 100
MAX_OUTBOX_FILE = 2 * 1024 * 1024
EMAIL_SOURCES = ("imap:", "mta", "cli")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    name: str
    channel: str
    to: str
    subject: str
    text: str
    event_id: str
    sent_at: float


def _read_outbox(directory: Path) -> list[OutboxItem]:
    if not directory.is_dir():
        return []
    files = [p for p in directory.iterdir() if p.suffix in (".eml", ".json")
             and not p.name.startswith(".")]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    items = []
    for path in files[:OUTBOX_SHOWN]:
        raw = path.read_bytes()[:MAX_OUTBOX_FILE]
        try:
            if path.suffix == ".eml":
                mail = BytesParser(policy=policy.default).parsebytes(raw)
                body = mail.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                items.append(OutboxItem(path.name, "email", str(mail["To"] or ""),
                                        str(mail["Subject"] or ""), text,
                                        str(mail["X-Hub-Event"] or ""), path.stat().st_mtime))
            else:
                data = json.loads(raw)
                items.append(OutboxItem(path.name, "sms", str(data.get("to", "")), "",
                                        str(data.get("body", "")), str(data.get("event_id", "")),
                                        path.stat().st_mtime))
        except (ValueError, LookupError, AttributeError):
            continue  # a damaged file: skipped, the rest still shows
    return items


@staff_page(SERVICE)
async def outbox_page(request: web.Request) -> web.StreamResponse:
    directory = request.app[SETTINGS].var_dir / "outbox"
    items = await asyncio.to_thread(_read_outbox, directory)
    return render(request, "ui/outbox.html", {"title": "Outbox", "items": items,
                                              "directory": str(directory), "nav": "outbox"})


@staff_page(SERVICE)
async def quarantine_page(request: web.Request) -> web.StreamResponse:
    entries = await request.app[STORE].quarantine.find(status="held", limit=200)
    return render(request, "ui/quarantine.html", {
        "title": "Quarantine", "entries": entries, "nav": "quarantine",
        "retryable": EMAIL_SOURCES, "notice": request.query.get("notice", "")[:20]})


@staff_page(SERVICE)
async def quarantine_retry(request: web.Request) -> web.StreamResponse:
    entry_id = request.match_info["entry_id"]
    store = request.app[STORE]
    entry = await store.quarantine.get(entry_id)
    if entry is None:
        return error_page(request, 404, "There is no such quarantine entry.")
    if not entry.source.startswith(EMAIL_SOURCES) or entry.status != "held":
        return error_page(request, 409, "This entry cannot be retried here.")
    ingest = EmailIngest(request.app[SERVICES].inbox,
                         attachment_limit=request.app[SETTINGS].email_attachment_limit)
    result = await ingest.retry(entry_id)
    return redirect("/quarantine?notice=" + ("stored" if result.event else "still-held"))


@staff_page(ADMIN_ONLY)
async def admin_page(request: web.Request) -> web.StreamResponse:
    return await admin_context(request)


async def admin_context(request: web.Request, *, status: int = 200, error: str = "",
                        created: tuple[str, str] | None = None,
                        token: tuple[str, str] | None = None) -> web.Response:
    """/admin: users and API tokens; `created` and `token` are shown this once."""
    store = request.app[STORE]
    users = await store.users.find(limit=500)
    tokens = await store.tokens.find(limit=500)
    return render(request, "ui/admin.html", {
        "title": "Users", "users": users, "roles": STAFF_ROLES, "error": error,
        "created": created, "nav": "admin", "tokens": tokens, "token": token,
        "notice": request.query.get("notice", "")[:40]}, status=status)



@staff_page(ADMIN_ONLY)
async def admin_add_user(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email", ""))[:320].strip()
    role = str(form.get("role", ""))
    name = str(form.get("name", ""))[:200].strip()
    if role not in STAFF_ROLES:
        return await admin_context(request, status=422, error="Choose a role.")
    password = generate_password()
    try:
        await add_user(request.app[STORE], email=email, role=role,
                       password=password, name=name)
    except (InvalidInput, Conflict) as exc:
        return await admin_context(request, status=422, error=exc.message)
    return await admin_context(request, created=(email, password))


@staff_page(ADMIN_ONLY)
async def admin_toggle_user(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    user = await store.users.get(request.match_info["user_id"])
    if user is None:
        return error_page(request, 404, "There is no such user.")
    if user.id == request[USER].id:
        return await admin_context(request, status=422,
                                   error="You cannot disable your own account.")
    await store.users.replace(user.model_copy(update={"disabled": not user.disabled}))
    return redirect("/admin")
