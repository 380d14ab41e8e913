"""The reads that record an inbound message and place it in a conversation give the same
answers on every backend: SQLite in one hop each (`hub/store/sqlite_inbound.py`,
`sqlite_conversation_context.py`), the others through their repositories."""

from __future__ import annotations

from datetime import timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.conversations import Conversation
from hub.domain.events import Event, EventChannel
from hub.domain.identities import Identity
from hub.domain.parties import Person
from hub.ports import Store
from hub.services.conversation_context import CustomerContext, customer_context, read_and_place
from hub.services.inbound_lookup import look_up_inbound

ADDRESS = "klant@example.com"


async def _sender(store: Store) -> Person:
    person = Person(id=new_id(), name="Klant", emails=[ADDRESS])
    await store.persons.insert(person)
    await store.identities.insert(Identity(kind="email", value=ADDRESS, person_id=person.id))
    return person


def _mail(person_id: str, external_id: str, thread_id: str | None = None) -> Event:
    return Event(id=new_id(), person_id=person_id, channel="email", direction="inbound",
                 external_id=external_id, thread_id=thread_id, text="Hallo")


async def test_the_message_id_and_the_sender_in_one_look_up(store: Store) -> None:
    assert await look_up_inbound(store, "email", "m-1@x", "email", ADDRESS) == (
        None, None, None, None)
    person = await _sender(store)
    known, identity, owner, sent = await look_up_inbound(store, "email", "m-1@x", "email",
                                                         ADDRESS)
    assert known is None and identity is not None and identity.person_id == person.id
    assert owner is not None and owner.id == person.id and owner.emails == [ADDRESS]
    assert sent is None  # not asked for

    stored, _ = await store.events.append(_mail(person.id, "m-1@x"))
    known, identity, owner, sent = await look_up_inbound(store, "email", "m-1@x", "email",
                                                         ADDRESS)
    assert known is not None and known.id == stored.id and (identity, owner, sent) == (
        None, None, None)


async def test_the_last_message_sent_to_the_sender_in_the_same_look_up(store: Store) -> None:
    """What an SMS reply answers: the newest outbound message on its channel since a time."""
    number = "+31612345678"
    person = Person(id=new_id(), name="Klant", phones=[number])
    await store.persons.insert(person)
    await store.identities.insert(Identity(kind="phone", value=number, person_id=person.id))
    since = utcnow() - timedelta(days=7)
    found = await look_up_inbound(store, "sms", "SM1", "phone", number, last_sent_since=since)
    assert found[2] is not None and found[2].id == person.id and found[3] is None

    def sent(channel: EventChannel, days_ago: int) -> Event:
        return Event(id=new_id(), person_id=person.id, channel=channel, direction="outbound",
                     occurred_at=utcnow() - timedelta(days=days_ago), text="Vraag?")

    old, newest, other = sent("sms", 9), sent("sms", 1), sent("email", 0)
    for event in (old, newest, other):
        await store.events.append(event)
    found = await look_up_inbound(store, "sms", "SM1", "phone", number, last_sent_since=since)
    assert found[3] is not None and found[3].id == newest.id
    assert (await look_up_inbound(store, "sms", "SM1", "phone", number))[3] is None


async def test_the_conversation_context_of_a_customer_message(store: Store) -> None:
    person = await _sender(store)
    first, _ = await store.events.append(_mail(person.id, "m-1@x", thread_id="t-1"))
    context = await customer_context(store, first, person.id)
    assert not context.answered and context.holding is None
    assert context.active is None and context.threaded is None

    held = Conversation(id=new_id(), person_id=person.id, event_ids=[first.id],
                        thread_ids=["t-1"])
    await store.conversations.insert(held)
    again = await customer_context(store, first, person.id)
    assert again.holding is not None and again.holding.id == held.id

    reply, _ = await store.events.append(_mail(person.id, "m-2@x", thread_id="t-1"))
    context = await customer_context(store, reply, person.id)
    assert context.holding is None
    assert context.active is not None and context.active.id == held.id
    assert context.threaded is not None and context.threaded.id == held.id

    await store.events.append(Event(id=new_id(), person_id=person.id, channel="survey",
                                    direction="inbound", external_id=f"email:{reply.id}"))
    assert (await customer_context(store, reply, person.id)).answered


async def test_a_planned_join_is_written_with_the_read_or_left_to_the_caller(
        store: Store) -> None:
    """SQLite reads the context and writes the planned change in one hop, compared and set
    on the version; the other stores only read (the router then writes as before)."""
    writes_too = getattr(store, "conversation_context", None) is not None
    person = await _sender(store)
    held = Conversation(id=new_id(), person_id=person.id, event_ids=["e-0"], thread_ids=["e-0"])
    await store.conversations.insert(held)
    mail, _ = await store.events.append(_mail(person.id, "m-1@x"))

    def join(context: CustomerContext) -> tuple[Conversation, Conversation] | None:
        active = context.active
        assert active is not None and not context.answered and context.holding is None
        return active, active.model_copy(update={"event_ids": [*active.event_ids, mail.id],
                                                 "version": active.version + 1})

    placed = await read_and_place(store, mail, person.id, join)
    assert placed.context.active is not None and placed.context.active.id == held.id
    assert not placed.lost
    stored = await store.conversations.get(held.id)
    assert stored is not None
    if writes_too:
        assert placed.written is not None and placed.written.event_ids == ["e-0", mail.id]
        assert stored.event_ids == ["e-0", mail.id] and stored.version == held.version + 1
    else:
        assert placed.written is None and stored.event_ids == ["e-0"]

    def from_a_stale_read(context: CustomerContext) -> tuple[Conversation, Conversation]:
        return held, held.model_copy(update={"subject": "stale", "version": held.version + 1})

    stale = await read_and_place(store, mail, person.id, from_a_stale_read)
    assert stale.written is None and stale.lost == writes_too
    after = await store.conversations.get(held.id)
    assert after is not None and after.subject is None
