"""The reads that place a customer's message in a conversation (`ConversationRouter`): SQLite
answers them in one hop (`hub.store.sqlite_conversation_context`), other stores with one
repository call each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hub.domain.conversations import Conversation
from hub.domain.events import Event
from hub.ports import ConversationPlan, Store


@dataclass(frozen=True, slots=True)
class CustomerContext:
    answered: bool  # the message was taken as a survey answer: that answer decides
    holding: Conversation | None  # the conversation that lists the message already
    active: Conversation | None  # the person's unresolved conversation
    threaded: Conversation | None  # the latest one holding the message's thread


Context = tuple[bool, Conversation | None, Conversation | None, Conversation | None]
Plan = Callable[[CustomerContext], tuple[Conversation, Conversation] | None]
"""From the context: (the conversation as read, as it is to be written), or None."""


@dataclass(frozen=True, slots=True)
class Placed:
    context: CustomerContext
    written: Conversation | None  # what the plan wrote (None: nothing planned, or lost)
    lost: bool  # the planned write found the conversation changed since the read


class ContextReader(Protocol):
    async def read(self, person_id: str, event_id: str, thread_id: str | None,
                   survey_external_id: str | None) -> Context: ...

    async def read_and_update(
        self, person_id: str, event_id: str, thread_id: str | None,
        survey_external_id: str | None,
        plan: ConversationPlan,
    ) -> tuple[Context, Conversation | None, bool]: ...


def survey_key(event: Event) -> str | None:
    """The external id a survey answer read from this message is stored under."""
    return f"{event.channel}:{event.id}" if event.channel in ("sms", "email") else None


async def customer_context(store: Store, event: Event, person_id: str) -> CustomerContext:
    together: ContextReader | None = getattr(store, "conversation_context", None)
    key = survey_key(event)
    if together is not None:
        return CustomerContext(*await together.read(person_id, event.id, event.thread_id, key))
    if key is not None and await store.events.find_by_external("survey", key):
        return CustomerContext(True, None, None, None)
    repo = store.conversations
    holding = await repo.with_event(person_id, event.id)
    if holding is not None:
        return CustomerContext(False, holding, None, None)
    active = await repo.active_for_person(person_id)
    threaded = await repo.with_thread(person_id, event.thread_id) if event.thread_id else None
    return CustomerContext(False, None, active, threaded)


async def read_and_place(store: Store, event: Event, person_id: str, plan: Plan) -> Placed:
    """`customer_context`, and where the store reads and writes in one hop (SQLite) the
    update `plan` makes of it, compared and set on the conversation's version. Other stores
    only read: the caller writes (`written` None, `lost` False)."""
    together: ContextReader | None = getattr(store, "conversation_context", None)
    if together is None:
        return Placed(await customer_context(store, event, person_id), None, False)

    context, written, lost = await together.read_and_update(
        person_id, event.id, event.thread_id, survey_key(event), store_plan(plan))
    return Placed(CustomerContext(*context), written, lost)


def store_plan(plan: Plan) -> ConversationPlan:
    def planned(answered: bool, holding: Conversation | None, active: Conversation | None,
                threaded: Conversation | None) -> tuple[Conversation, Conversation] | None:
        return plan(CustomerContext(answered, holding, active, threaded))
    return planned
