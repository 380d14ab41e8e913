"""The reads that place a customer's message in a conversation (`ConversationRouter`): SQLite
answers them in one hop (`hub.store.sqlite_conversation_context`), other stores with one
repository call each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.domain.conversations import Conversation
from hub.domain.events import Event
from hub.ports import Store


@dataclass(frozen=True, slots=True)
class CustomerContext:
    answered: bool  # the message was taken as a survey answer: that answer decides
    holding: Conversation | None  # the conversation that lists the message already
    active: Conversation | None  # the person's unresolved conversation
    threaded: Conversation | None  # the latest one holding the message's thread


class ContextReader(Protocol):
    async def read(self, person_id: str, event_id: str, thread_id: str | None,
                   survey_external_id: str | None
                   ) -> tuple[bool, Conversation | None, Conversation | None,
                              Conversation | None]: ...


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
