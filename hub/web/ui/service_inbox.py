"""`/`: the service inbox (issue 13): conversations with filters (mine, unassigned, mentions,
team, status, channel, label, SLA breached), sort, keyset paging with the total, row and bulk
actions; `/conversations/{id}`: one conversation with its events, reply, note and controls.
Every handler calls the `ServiceDesk` the API calls, so both give the same answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aiohttp import web

from campaigns.canned import render_canned
from hub.domain.common import utcnow
from hub.domain.conversations import (
    ConversationQuery,
    ConversationStatus,
    SortKey,
)
from hub.domain.staff import SERVICE, STAFF
from hub.errors import Conflict, InvalidInput
from hub.i18n import N_
from hub.services.service_desk import Changes, ConversationPage
from hub.web.keys import SERVICES
from hub.web.ui.form_input import Blank, Checkbox, Cut, PageForm, parse_form, parse_query
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.render import fragment, gettext, redirect, render

PAGE_SIZE = 25
View = Literal["all", "mine", "unassigned", "mentions"]
SLA_WORDS = {"breached": N_("SLA breached"), "near": N_("SLA due soon"), "ok": N_("on time"),
             "none": ""}
STATUS_WORDS = {"open": N_("open"), "pending": N_("waiting for the customer"),
                "snoozed": N_("snoozed"), "resolved": N_("resolved")}
SNOOZES = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "1d": timedelta(days=1),
           "1w": timedelta(days=7)}


class InboxFilter(PageForm):
    view: Annotated[View, Blank] = "all"
    status: Annotated[ConversationStatus | Literal["all"], Blank] = "open"
    team: Annotated[str | None, Cut(100), Blank] = None
    channel: Annotated[str | None, Cut(40), Blank] = None
    label: Annotated[str | None, Cut(100), Blank] = None
    sla: Annotated[Literal["breached"] | None, Blank] = None
    sort: Annotated[SortKey, Blank] = "newest"
    cursor: Annotated[str | None, Cut(500), Blank] = None

    def query(self, user_id: str, now: datetime) -> ConversationQuery:
        statuses: list[ConversationStatus] = (
            ["open", "pending", "snoozed", "resolved"] if self.status == "all" else [self.status])
        return ConversationQuery(
            statuses=statuses, assignee_id=user_id if self.view == "mine" else None,
            unassigned=self.view == "unassigned",
            mentioned_id=user_id if self.view == "mentions" else None,
            team_id=self.team, label=self.label, channel=self.channel,
            breached_at=now if self.sla == "breached" else None)

    def link(self, **changes: str | None) -> str:
        """This view's address with `changes` (None drops a parameter); a new filter starts
        at the first page."""
        values = {**self.model_dump(exclude_none=True), "cursor": None, **changes}
        defaults = InboxFilter().model_dump()
        kept = {k: v for k, v in values.items() if v is not None and v != defaults.get(k)}
        return "/?" + urlencode(kept) if kept else "/"


class ActionForm(PageForm):
    action: Annotated[str, Cut(40)] = ""
    assignee_id: Annotated[str | None, Cut(100), Blank] = None
    team_id: Annotated[str | None, Cut(100), Blank] = None
    label_id: Annotated[str | None, Cut(100), Blank] = None
    priority: Annotated[str | None, Cut(20), Blank] = None
    snooze: Annotated[str | None, Cut(10), Blank] = None
    version: Annotated[int | None, Blank] = None
    back: Annotated[str, Cut(2000)] = "/"


class BulkForm(ActionForm):
    ids: list[str] = []
    everything: Checkbox = False
    view: Annotated[View, Blank] = "all"
    status: Annotated[ConversationStatus | Literal["all"], Blank] = "open"
    team: Annotated[str | None, Cut(100), Blank] = None
    channel: Annotated[str | None, Cut(40), Blank] = None
    label: Annotated[str | None, Cut(100), Blank] = None
    sla: Annotated[Literal["breached"] | None, Blank] = None


class TextForm(PageForm):
    text: Annotated[str, Cut(20_000)] = ""
    channel: Annotated[str | None, Cut(20), Blank] = None
    subject: Annotated[str | None, Cut(500), Blank] = None


def _count(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 7 else None


def _safe_back(back: str) -> str:
    return back if back.startswith("/") and not back.startswith("//") else "/"


async def _names(request: web.Request) -> dict[str, dict[str, str]]:
    desk = request.app[SERVICES].desk
    return {"users": {u.id: u.name or u.email for u in await desk.users()},
            "teams": {t.id: t.name for t in await desk.teams()},
            "labels": {label.id: label.name for label in await desk.labels()}}


async def _page(request: web.Request, shown: InboxFilter) -> ConversationPage:
    return await request.app[SERVICES].desk.page(
        shown.query(request[USER].id, utcnow()), sort=shown.sort, limit=PAGE_SIZE,
        cursor=shown.cursor)


def _rows_context(request: web.Request, shown: InboxFilter, page: ConversationPage,
                  names: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"page": page, "shown": shown, "names": names, "now": utcnow(),
            "me": request[USER].id, "back": request.path_qs, "sla_words": SLA_WORDS,
            "status_words": STATUS_WORDS}


@staff_page(STAFF)
async def inbox_page(request: web.Request) -> web.StreamResponse:
    if request[USER].role == "marketing":
        return render(request, "ui/marketing_home.html", {"title": N_("Hub"), "nav": "inbox"})
    shown = parse_query(request, InboxFilter)
    page = await _page(request, shown)
    names = await _names(request)
    mine = await request.app[SERVICES].desk.page(
        InboxFilter(view="mine").query(request[USER].id, utcnow()), limit=1)
    breached, near = await request.app[SERVICES].desk.sla_counts()
    return render(request, "ui/inbox.html", {
        "title": N_("Inbox"), "nav": "inbox", "mine_total": mine.total,
        "breached": breached, "near": near,
        "stamp": await request.app[SERVICES].desk.stamp(),
        "rows_url": "/inbox/rows" + request.path_qs.removeprefix("/"),
        "done": _count(request.query.get("done")), "failed": _count(request.query.get("failed")),
        **_rows_context(request, shown, page, names)})


@staff_page(SERVICE)
async def inbox_rows(request: web.Request) -> web.StreamResponse:
    """The rows of the inbox as the page shows them (the live view fetches this)."""
    shown = parse_query(request, InboxFilter)
    page = await _page(request, shown)
    context = _rows_context(request, shown, page, await _names(request))
    context["back"] = "/" + request.path_qs.removeprefix("/inbox/rows")
    return fragment(request, "ui/inbox_rows.html", context)


def _changes(form: ActionForm, user_id: str) -> Changes:
    action = form.action
    version = form.version
    if action == "assign_me":
        return Changes(assignee_id=user_id, version=version)
    if action == "assign":
        return Changes(assignee_id=form.assignee_id, version=version)
    if action == "team":
        return Changes(team_id=form.team_id, version=version)
    if action == "priority":
        return Changes(priority=form.priority, version=version)
    if action in ("resolve", "reopen", "pending"):
        status = {"resolve": "resolved", "reopen": "open", "pending": "pending"}[action]
        return Changes(status=status, version=version)
    if action == "snooze":
        span = SNOOZES.get(form.snooze or "")
        if span is None:
            raise InvalidInput(N_("Choose how long to snooze."),
                               details={"field": "snoozed_until"})
        return Changes(snoozed_until=utcnow() + span, version=version)
    raise InvalidInput(N_("Unknown action."), details={"field": "action"})


@staff_page(SERVICE)
async def act(request: web.Request) -> web.StreamResponse:
    """One action on one conversation (assign, resolve, snooze, team, label, priority)."""
    form = await parse_form(request, ActionForm)
    desk = request.app[SERVICES].desk
    conversation_id = request.match_info["conversation_id"]
    if form.action in ("label", "unlabel"):
        held = await desk.get(conversation_id)
        labels = [x for x in held.labels if x != form.label_id]
        if form.action == "label" and form.label_id:
            labels.append(form.label_id)
        changes = Changes(labels=labels, version=form.version)
    else:
        changes = _changes(form, request[USER].id)
    try:
        await desk.change(conversation_id, changes, actor=request[USER].id)
    except Conflict as exc:
        return await _show(request, conversation_id, status=409, error=exc.message)
    except InvalidInput as exc:
        return await _show(request, conversation_id, status=422, error=exc.message)
    return redirect(_safe_back(form.back))


@staff_page(SERVICE)
async def bulk(request: web.Request) -> web.StreamResponse:
    """One action on the ticked conversations, or on all N matching the filter."""
    form = await parse_form(request, BulkForm)
    desk = request.app[SERVICES].desk
    user_id = request[USER].id
    if form.everything:
        shown = InboxFilter(view=form.view, status=form.status, team=form.team,
                            channel=form.channel, label=form.label, sla=form.sla)
        ids = await desk.ids_matching(shown.query(user_id, utcnow()))
    else:
        ids = list(dict.fromkeys(form.ids))
    if form.action == "label":
        if not form.label_id:
            raise InvalidInput(N_("Choose a label."), details={"field": "label_id"})
        changed = 0
        problems: list[tuple[str, str]] = []
        for conversation_id in ids:
            held = await desk.get(conversation_id)
            if form.label_id in held.labels:
                continue
            done, failed = await desk.bulk([conversation_id], Changes(
                labels=[*held.labels, form.label_id]), actor=user_id)
            changed += done
            problems += failed
    else:
        changed, problems = await desk.bulk(ids, _changes(form.model_copy(
            update={"version": None}), user_id), actor=user_id)
    back = _safe_back(form.back)
    joiner = "&" if "?" in back else "?"
    return redirect(f"{back}{joiner}{urlencode({'done': changed, 'failed': len(problems)})}")


async def _show(request: web.Request, conversation_id: str, *, status: int = 200,
                error: str | None = None) -> web.Response:
    services = request.app[SERVICES]
    desk = services.desk
    conversation = await desk.get(conversation_id)
    person = await services.store.persons.get(conversation.person_id)
    names = await _names(request)
    team = await services.store.teams.get(conversation.team_id) if conversation.team_id \
        else None
    members = [u for u in await desk.users() if team is None or u.id in team.member_ids]
    return render(request, "ui/conversation.html", {
        "title": N_("Conversation"), "nav": "inbox", "c": conversation, "person": person,
        "events": await desk.events(conversation), "names": names, "members": members,
        "canned": [(c, await render_canned(services.store, c, person) if person else c.text)
                   for c in await desk.canned_responses(user_id=request[USER].id)],
        "now": utcnow(),
        "error": error, "notice": request.query.get("notice"), "back": request.path,
        "snoozes": list(SNOOZES), "sla_words": SLA_WORDS, "status_words": STATUS_WORDS,
        "next_cursor": None, "base": "", "channel": "", "channels": {}, "show_images": False,
        "is_first": False},
        status=status)


@staff_page(SERVICE)
async def conversation_page(request: web.Request) -> web.StreamResponse:
    return await _show(request, request.match_info["conversation_id"])


@staff_page(SERVICE)
async def conversation_reply(request: web.Request) -> web.StreamResponse:
    conversation_id = request.match_info["conversation_id"]
    form = await parse_form(request, TextForm)
    if not form.text:
        return await _show(request, conversation_id, status=422,
                           error=gettext(request, N_("Write a message first.")))
    try:
        event = await request.app[SERVICES].desk.reply(
            conversation_id, text=form.text, channel=form.channel, subject=form.subject,
            author=request[USER].email)
    except (InvalidInput, Conflict) as exc:
        return await _show(request, conversation_id, status=422, error=exc.message)
    if event.status == "failed":
        reason = event.status_history[-1].detail or gettext(request, N_("no reason given"))
        return await _show(request, conversation_id, status=502, error=gettext(
            request, N_("The message could not be sent: %(reason)s"), reason=reason))
    return redirect(f"/conversations/{conversation_id}?notice=sent")


@staff_page(SERVICE)
async def conversation_note(request: web.Request) -> web.StreamResponse:
    conversation_id = request.match_info["conversation_id"]
    form = await parse_form(request, TextForm)
    try:
        await request.app[SERVICES].desk.add_note(conversation_id, form.text,
                                                  author=request[USER])
    except InvalidInput as exc:
        return await _show(request, conversation_id, status=422, error=exc.message)
    return redirect(f"/conversations/{conversation_id}?notice=noted")


def add_inbox_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/inbox/rows", inbox_rows)
    r.add_post("/inbox/bulk", bulk)
    r.add_get("/conversations/{conversation_id}", conversation_page)
    r.add_post("/conversations/{conversation_id}/act", act)
    r.add_post("/conversations/{conversation_id}/reply", conversation_reply)
    r.add_post("/conversations/{conversation_id}/notes", conversation_note)
