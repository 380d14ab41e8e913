"""The service inbox's API (issue 13): conversations, their replies, teams, labels and canned
responses. Service staff and admins only; marketing gets 403."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns.canned import check_canned
from hub.domain.channels import SendableChannel
from hub.domain.common import UtcDateTime, iso, new_id, utcnow
from hub.domain.conversations import (
    CannedResponse,
    Conversation,
    ConversationQuery,
    ConversationStatus,
    CsatRule,
    Label,
    Priority,
    SlaPolicy,
    SortKey,
    Team,
)
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.staff import SERVICE
from hub.services.service_desk import UNSET, Changes
from hub.web.api.queries import PageQuery
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.auth import PRINCIPAL, Principal
from hub.web.keys import SERVICES, SURVEYS

routes = ApiRoutes()
Id = Field(min_length=1, max_length=100)


class ConversationListQuery(PageQuery):
    limit: int = Field(default=25, ge=1, le=200)
    status: ConversationStatus | Literal["all"] = "open"
    assignee: str | None = Field(default=None, max_length=100,
                                 description="a user id, `me` or `none` (unassigned)")
    team: str | None = Field(default=None, max_length=100)
    label: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=40)
    sla: Literal["breached"] | None = None
    mentioned: Literal["me"] | None = None
    sort: SortKey = "newest"


class ConversationChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ConversationStatus | None = None
    snoozed_until: UtcDateTime | None = None
    assignee_id: str | None = Field(default=None, max_length=100)
    team_id: str | None = Field(default=None, max_length=100)
    labels: list[str] | None = Field(default=None, max_length=20)
    priority: Priority | None = None
    version: int | None = Field(default=None, ge=1, description=(
        "the version you read: when someone changed it since, the answer is 409"))


class ReplyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=100_000)
    channel: SendableChannel | None = None
    subject: str | None = Field(default=None, max_length=998)


class TeamInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    member_ids: list[str] = Field(default_factory=list, max_length=500)
    channels: list[str] = Field(default_factory=list, max_length=10)
    labels: list[str] = Field(default_factory=list, max_length=20)
    auto_assign: bool = False
    sla: SlaPolicy | None = None


class LabelInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class CannedInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    team_id: str | None = Field(default=None, max_length=100)
    personal: bool = False


def person_summary(person: Person | None, person_id: str) -> dict[str, Any]:
    if person is None:
        return {"id": person_id, "name": None}
    return {"id": person.id, "name": person.name, "emails": person.emails[:1],
            "phones": person.phones[:1], "merged_into": person.merged_into}


def conversation_json(conversation: Conversation, person: Person | None,
                      now: datetime) -> dict[str, Any]:
    body = conversation.to_json()
    body.pop("event_ids")
    body.pop("thread_ids")
    due = conversation.sla_due_at
    body["person"] = person_summary(person, conversation.person_id)
    body["sla"] = {"state": conversation.sla_state(now), "due_at": iso(due) if due else None,
                   "first_response_due": body.pop("first_response_due"),
                   "resolution_due": body.pop("resolution_due")}
    return body


def list_query(query: ConversationListQuery, principal: Principal,
               now: datetime) -> ConversationQuery:
    statuses: list[ConversationStatus] = (
        ["open", "pending", "snoozed", "resolved"] if query.status == "all" else [query.status])
    assignee = query.assignee
    return ConversationQuery(
        statuses=statuses, unassigned=assignee == "none",
        assignee_id=principal.id if assignee == "me" else None if assignee == "none" else assignee,
        team_id=query.team, label=query.label, channel=query.channel,
        mentioned_id=principal.id if query.mentioned == "me" else None,
        breached_at=now if query.sla == "breached" else None)


@routes.route("GET", "/conversations", roles=SERVICE, query=ConversationListQuery,
              answer=Answer("`{items, total, next_cursor}`: conversations with person summary, "
                            "status, assignee, team, labels, sla and last_event"),
              summary="The service inbox: filter, sort (newest, oldest, sla) and page by cursor")
async def list_conversations(request: web.Request, query: ConversationListQuery) -> Any:
    now = utcnow()
    page = await request.app[SERVICES].desk.page(
        list_query(query, request[PRINCIPAL], now), sort=query.sort, limit=query.limit,
        cursor=query.cursor)
    return {"items": [conversation_json(c, page.persons.get(c.person_id), now)
                      for c in page.items],
            "total": page.total, "next_cursor": page.next_cursor}


@routes.route("GET", "/conversations/kpis", roles=SERVICE,
              answer=Answer("`{open, pending, snoozed, unassigned, breached, near_breach, "
                            "agents: [{user_id, name, open, breached, resolved, "
                            "first_response_minutes, csat, csat_answers}]}`"),
              summary="Inbox KPIs: per status, SLA breached and near breach, per agent over "
                      "the last 30 days")
async def conversation_kpis(request: web.Request) -> Any:
    return asdict(await request.app[SERVICES].desk.figures())


@routes.route("GET", "/conversations/{conversation_id}", roles=SERVICE,
              answer=Answer("the conversation with its events, oldest first"),
              summary="One conversation and its events")
async def get_conversation(request: web.Request) -> Any:
    desk = request.app[SERVICES].desk
    conversation = await desk.get(request.match_info["conversation_id"])
    person = await request.app[SERVICES].store.persons.get(conversation.person_id)
    body = conversation_json(conversation, person, utcnow())
    body["events"] = [e.to_json() for e in await desk.events(conversation)]
    return body


@routes.route("PATCH", "/conversations/{conversation_id}", roles=SERVICE,
              body=ConversationChange,
              answer=Answer("the changed conversation"),
              summary="Change status, snooze, assignee, team, labels or priority; with "
                      "`version`, a change made by someone else since gives 409")
async def change_conversation(request: web.Request, body: ConversationChange) -> Any:
    given = body.model_fields_set
    changes = Changes(**{name: getattr(body, name) if name in given else UNSET
                         for name in ("status", "snoozed_until", "assignee_id", "team_id",
                                      "labels", "priority")},
                      version=body.version)
    if changes.labels is None:
        changes = replace(changes, labels=[])
    changed = await request.app[SERVICES].desk.change(
        request.match_info["conversation_id"], changes, actor=request[PRINCIPAL].id)
    person = await request.app[SERVICES].store.persons.get(changed.person_id)
    return conversation_json(changed, person, utcnow())


@routes.route("POST", "/conversations/{conversation_id}/messages", roles=SERVICE,
              body=ReplyInput, status=202,
              answer=Answer("the outbound event with its send status", Event),
              summary="A service reply, on the conversation's channel unless another is given")
async def reply_to_conversation(request: web.Request, body: ReplyInput) -> Any:
    event = await request.app[SERVICES].desk.reply(
        request.match_info["conversation_id"], text=body.text, channel=body.channel,
        subject=body.subject, author=request[PRINCIPAL].name)
    return event.to_json()


@routes.route("GET", "/persons/{person_id}/conversations", roles=SERVICE, query=PageQuery,
              answer=Answer("`{items}`: the person's conversations, newest first"),
              summary="A person's conversations")
async def person_conversations(request: web.Request, query: PageQuery) -> Any:
    services = request.app[SERVICES]
    found = await services.desk.for_person(request.match_info["person_id"], limit=query.limit)
    person = await services.store.persons.get(request.match_info["person_id"])
    now = utcnow()
    return {"items": [conversation_json(c, person, now) for c in found], "next_cursor": None}


@routes.route("GET", "/teams", roles=SERVICE, answer=Answer("`{items}`: the teams"),
              summary="Teams with their members, routing and SLA policy")
async def list_teams(request: web.Request) -> Any:
    return {"items": [t.to_json() for t in await request.app[SERVICES].desk.teams()]}


@routes.route("POST", "/teams", roles=SERVICE, body=TeamInput, status=201,
              answer=Answer("the team", Team), summary="Create a team")
async def create_team(request: web.Request, body: TeamInput) -> Any:
    team = Team(id=new_id(), **body.model_dump())
    return (await request.app[SERVICES].desk.create_team(team)).to_json()


@routes.route("GET", "/labels", roles=SERVICE, answer=Answer("`{items}`: the labels"),
              summary="Conversation labels")
async def list_labels(request: web.Request) -> Any:
    return {"items": [label.to_json() for label in await request.app[SERVICES].desk.labels()]}


@routes.route("POST", "/labels", roles=SERVICE, body=LabelInput, status=201,
              answer=Answer("the label", Label), summary="Create a label")
async def create_label(request: web.Request, body: LabelInput) -> Any:
    return (await request.app[SERVICES].desk.create_label(body.name)).to_json()


@routes.route("GET", "/canned-responses", roles=SERVICE,
              answer=Answer("`{items}`: everyone's, your teams' and your own"),
              summary="Canned responses")
async def list_canned(request: web.Request) -> Any:
    found = await request.app[SERVICES].desk.canned_responses(user_id=request[PRINCIPAL].id)
    return {"items": [c.to_json() for c in found]}


@routes.route("POST", "/canned-responses", roles=SERVICE, body=CannedInput, status=201,
              answer=Answer("the canned response", CannedResponse),
              summary="Create a canned response (a team's, or `personal`)")
async def create_canned(request: web.Request, body: CannedInput) -> Any:
    canned = CannedResponse(id=new_id(), title=body.title, text=body.text,
                            team_id=body.team_id,
                            owner_id=request[PRINCIPAL].id if body.personal else None)
    check_canned(canned)
    return (await request.app[SERVICES].desk.create_canned(canned)).to_json()


class CsatRuleInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    survey_id: str = Field(min_length=1, max_length=100)
    team_id: str | None = Field(default=None, max_length=100)
    channel: Literal["email", "sms"] | None = None
    label: str | None = Field(default=None, max_length=100)
    on_auto_resolve: bool = False


@routes.route("GET", "/csat-rules", roles=SERVICE, answer=Answer("`{items}`: the CSAT rules"),
              summary="Which resolved conversations get a CSAT survey")
async def list_csat_rules(request: web.Request) -> Any:
    return {"items": [r.to_json() for r in await request.app[SURVEYS].csat.rules()]}


@routes.route("POST", "/csat-rules", roles=SERVICE, body=CsatRuleInput, status=201,
              answer=Answer("the rule", CsatRule),
              summary="Send a CSAT survey when a matching conversation is resolved (by the "
                      "clock only with `on_auto_resolve`), under the survey fatigue cap")
async def create_csat_rule(request: web.Request, body: CsatRuleInput) -> Any:
    rule = CsatRule(id=new_id(), **body.model_dump())
    return (await request.app[SURVEYS].csat.create(rule)).to_json()
