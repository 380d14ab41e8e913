"""Where Hub's happenings become outgoing-webhook events: one hook on the store's writes.

`emitting(store)` wraps the few repository methods through which every such change passes
(an event appended, an outbound status, a person created, merged or erased, a campaign's
status, a survey answer) so that each also writes one outbox row (`store.webhooks.emit`):
one insert, never a network call, on the path of the request that caused it. The outbox id
is derived from what happened, so a retried write emits nothing twice. Features built later
(conversations, journeys) call `Emitter.emit` with their own types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from hub.domain.campaigns import Campaign, CampaignStatus, Delivery
from hub.domain.common import new_id, utcnow
from hub.domain.conversations import Conversation
from hub.domain.events import Event, StatusChange
from hub.domain.parties import Person
from hub.domain.surveys import SurveyResponse
from hub.domain.webhooks import OutboxEvent
from hub.ports import (
    CampaignRepo,
    ConversationPlan,
    DeliveryRepo,
    EventRepo,
    PersonRepo,
    SendEnd,
    SendStart,
    Store,
    SurveyResponseRepo,
    WebhookRepo,
)


class Emitter:
    def __init__(self, outbox: WebhookRepo) -> None:
        self._outbox = outbox

    async def emit(self, type_: str, data: dict[str, Any], *, key: str | None = None,
                   person_ids: Sequence[str | None] = (),
                   occurred_at: datetime | None = None) -> None:
        """One outbox row; `key` (what happened, e.g. an event id) makes a repeat a no-op."""
        await self._outbox.emit(_row(type_, data, key=key, person_ids=person_ids,
                                     occurred_at=occurred_at))

    async def event_appended(self, event: Event) -> None:
        for row in _appended(event):
            await self._outbox.emit(row)

    async def listening(self) -> bool:
        """Whether any subscription is enabled (asked once per bulk write)."""
        return any(s.state == "enabled" for s in await self._outbox.subscriptions())

    async def events_appended(self, events: Sequence[Event]) -> int:
        """The rows of a bulk append (an import, demo data) in one write."""
        return await self._outbox.emit_many([row for e in events for row in _appended(e)])

    async def delivery_status(self, event: Event, change: StatusChange) -> None:
        await self.status_of(event.id, person_id=event.person_id, channel=event.channel,
                             external_id=event.external_id, campaign_id=event.campaign_id,
                             change=change)

    async def status_of(self, event_id: str, *, person_id: str | None, channel: str | None,
                        external_id: str | None, campaign_id: str | None,
                        change: StatusChange) -> None:
        await self._outbox.emit(_status_row(
            event_id, person_id=person_id, channel=channel, external_id=external_id,
            campaign_id=campaign_id, change=change))


def _status_row(event_id: str, *, person_id: str | None, channel: str | None,
                external_id: str | None, campaign_id: str | None,
                change: StatusChange) -> OutboxEvent:
    """The `delivery.status` row of an outbound event's new status (keyed by event and
    status: a retry is the same row)."""
    return _row("delivery.status", {
        "event_id": event_id, "person_id": person_id, "channel": channel,
        "status": change.status, "detail": change.detail, "external_id": external_id,
        "campaign_id": campaign_id}, key=f"{event_id}:{change.status}",
        person_ids=[person_id], occurred_at=change.at)


def _row(type_: str, data: dict[str, Any], *, key: str | None = None,
         person_ids: Sequence[str | None] = (), occurred_at: datetime | None = None
         ) -> OutboxEvent:
    return OutboxEvent(id=f"{type_}:{key}" if key else new_id(), type=type_,
                       occurred_at=occurred_at or utcnow(), data=data,
                       person_ids=[p for p in person_ids if p])


def _appended(event: Event) -> list[OutboxEvent]:
    """What an event appended to a timeline emits: its own type, and `consent.changed` for a
    consent change."""
    rows = [_row(f"event.{event.channel}.{event.direction}", event.to_json(), key=event.id,
                 person_ids=[event.person_id], occurred_at=event.occurred_at)]
    consent = event.data.get("consent") if event.channel == "system" else None
    if isinstance(consent, dict):
        rows.append(_row("consent.changed", {"person_id": event.person_id, **consent},
                         key=event.id, person_ids=[event.person_id],
                         occurred_at=event.occurred_at))
    return rows


class _Wrapped:
    def __init__(self, inner: Any, emitter: Emitter) -> None:
        self._inner = inner
        self._emitter = emitter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Events(_Wrapped):
    async def append(self, event: Event) -> tuple[Event, bool]:
        appended: tuple[Event, bool] = await self._inner.append(event,
                                                                 outbox=_appended(event))
        return appended

    async def append_placing(self, event: Event, plan: ConversationPlan
                             ) -> tuple[Event, bool, Conversation | None]:
        placed: tuple[Event, bool, Conversation | None] = await self._inner.append_placing(
            event, plan, outbox=_appended(event))
        return placed

    async def append_many(self, events: Sequence[Event]) -> int:
        """Bulk append; emits for the events that went in (one outbox write), and only while
        a subscription is enabled: a bulk load with nobody listening leaves no trace (a
        single append always emits: the outbox row is its one extra insert)."""
        inserted: int = await self._inner.append_many(events)
        if not inserted or not await self._emitter.listening():
            return inserted
        if inserted < len(events):  # some were there already: which ones went in?
            events = [e for e in events if await self._inner.get(e.id) is not None]
        await self._emitter.events_appended(events)
        return inserted

    async def add_status(self, event_id: str, change: StatusChange) -> Event | None:
        updated: Event | None = await self._inner.add_status(event_id, change)
        if updated is not None and updated.direction == "outbound":
            await self._emitter.delivery_status(updated, change)
        return updated


class _Deliveries(_Wrapped):
    async def start_send(self, delivery: Delivery, event: Event, *, owner: str) -> bool:
        return bool(await self._inner.start_send(delivery, event, owner=owner,
                                                 outbox=_appended(event)))

    async def start_send_many(self, starts: Sequence[SendStart], *, owner: str) -> list[bool]:
        started: list[bool] = await self._inner.start_send_many(
            [SendStart(s.delivery, s.event, _appended(s.event)) for s in starts], owner=owner)
        return started

    async def finish_send(self, delivery: Delivery, *, owner: str, provider_id: str | None,
                          change: StatusChange) -> bool:
        """A campaign send's status (`sent`) is recorded here, not through `add_status`: it
        emits the same `delivery.status` (keyed by event and status, so a retry is one id)."""
        return bool(await self._inner.finish_send(
            delivery, owner=owner, provider_id=provider_id, change=change,
            outbox=_finished(delivery, provider_id, change)))

    async def finish_send_many(self, ends: Sequence[SendEnd], *, owner: str) -> list[bool]:
        finished: list[bool] = await self._inner.finish_send_many(
            [_with_status_rows(e) for e in ends], owner=owner)
        return finished

    async def record_sends(self, ends: Sequence[SendEnd], starts: Sequence[SendStart], *,
                           owner: str) -> tuple[list[bool], list[bool]]:
        recorded: tuple[list[bool], list[bool]] = await self._inner.record_sends(
            [_with_status_rows(e) for e in ends],
            [SendStart(s.delivery, s.event, _appended(s.event)) for s in starts], owner=owner)
        return recorded


def _with_status_rows(end: SendEnd) -> SendEnd:
    return SendEnd(end.delivery, end.provider_id, end.change,
                   _finished(end.delivery, end.provider_id, end.change))


def _finished(delivery: Delivery, provider_id: str | None,
              change: StatusChange) -> list[OutboxEvent]:
    return [] if delivery.event_id is None else [_status_row(
        delivery.event_id, person_id=delivery.person_id, channel=delivery.channel,
        external_id=provider_id, campaign_id=delivery.campaign_id, change=change)]


class _Persons(_Wrapped):
    async def insert(self, person: Person) -> None:
        await self._inner.insert(person)
        await self._emitter.emit("person.created", {"person_id": person.id},
                                 key=person.id, person_ids=[person.id])

    async def replace(self, person: Person) -> None:
        await self._inner.replace(person)
        if person.erased_at is not None:
            await self._emitter._outbox.erase_person(person.id)
            await self._emitter.emit("person.erased", {"person_id": person.id}, key=person.id)
        elif person.merged_into is not None:
            await self._emitter.emit("person.merged", {
                "person_id": person.merged_into, "merged_id": person.id},
                key=person.id, person_ids=[person.merged_into])


class _Campaigns(_Wrapped):
    async def set_status(self, campaign_id: str, status: CampaignStatus, **kwargs: Any
                         ) -> Campaign | None:
        changed: Campaign | None = await self._inner.set_status(campaign_id, status, **kwargs)
        if changed is not None:
            await self._emitter.emit("campaign.status_changed", {
                "campaign_id": changed.id, "name": changed.name, "status": changed.status})
        return changed


class _Responses(_Wrapped):
    async def put(self, response: SurveyResponse) -> None:
        await self._inner.put(response)
        await self._emitter.emit("survey.answered", response.to_json(), key=response.key,
                                 person_ids=[response.person_id])


def emitting(store: Store) -> Emitter:
    """Wrap `store`'s writes so they emit (once per store); returns the emitter."""
    if isinstance(store.events, _Events):
        return cast(_Events, store.events)._emitter
    emitter = Emitter(store.webhooks)
    store.events = cast(EventRepo, _Events(store.events, emitter))
    store.deliveries = cast(DeliveryRepo, _Deliveries(store.deliveries, emitter))
    store.persons = cast(PersonRepo, _Persons(store.persons, emitter))
    store.campaigns = cast(CampaignRepo, _Campaigns(store.campaigns, emitter))
    store.survey_responses = cast(SurveyResponseRepo, _Responses(store.survey_responses,
                                                                  emitter))
    return emitter
