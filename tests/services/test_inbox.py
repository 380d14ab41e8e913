"""InboxService: inbound messages land once, on the right person, in the right thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from hub.config import Settings, load_settings
from hub.domain.common import utcnow
from hub.domain.messages import InboundMessage
from hub.services import Services
from hub.services.persons import PersonInput
from hub.store.sqlite import open_sqlite_store
from hub.wiring import assemble, build_adapters


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)


@pytest.fixture
async def services(tmp_path: Path, settings: Settings) -> AsyncIterator[Services]:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    yield assemble(store, settings, build_adapters(settings)).services  # the sandbox outbox
    await store.close()


def email(sender: str, external_id: str, **extra: object) -> InboundMessage:
    return InboundMessage.model_validate(
        {"channel": "email", "from_address": sender, "external_id": external_id,
         "subject": "Re: uw vraag", "text": "Dank u", **extra})


async def test_same_message_twice_is_one_event(services: Services) -> None:
    first, created = await services.inbox.record(email("New@Example.com", "<m1@x>"))
    again, created_again = await services.inbox.record(email("new@example.com", "<m1@x>"))
    assert created and not created_again and again.id == first.id
    person = await services.persons.get(first.person_id or "")
    assert person.emails == ["new@example.com"] and person.customer_status == "prospect"


async def test_reply_threads_by_token_and_by_reference(services: Services) -> None:
    anna = await services.persons.create(PersonInput(emails=["anna@example.com"]))
    sent = await services.messaging.send_to_person(anna.id, channel="email", text="Vraag?")
    token = services.reply_tokens.make(sent.id)
    by_token, _ = await services.inbox.record(
        email("anna@example.com", "<r1@x>", reply_token=token))
    by_reference, _ = await services.inbox.record(
        email("anna@example.com", "<r2@x>", references=[sent.external_id]))
    assert by_token.thread_id == by_reference.thread_id == sent.id
    assert by_token.person_id == anna.id


async def test_forged_or_foreign_thread_is_flagged_not_joined(services: Services) -> None:
    anna = await services.persons.create(PersonInput(emails=["anna@example.com"]))
    sent = await services.messaging.send_to_person(anna.id, channel="email", text="Vraag?")
    token = services.reply_tokens.make(sent.id)
    stranger, _ = await services.inbox.record(
        email("mallory@example.net", "<f1@x>", reply_token=token))
    assert stranger.thread_id is None
    assert stranger.data["flags"] == ["thread_sender_mismatch"]
    assert stranger.person_id != anna.id
    forged, _ = await services.inbox.record(
        email("anna@example.com", "<f2@x>", reply_token=sent.id + ".0000000000000000"))
    assert forged.thread_id is None


async def test_sms_reply_links_to_recent_outbound_only(services: Services) -> None:
    bram = await services.persons.create(PersonInput(phones=["0687654321"]))
    sent = await services.messaging.send_to_person(bram.id, channel="sms", text="Alles goed?")
    reply, _ = await services.inbox.record(InboundMessage(
        channel="sms", from_address="+31687654321", external_id="SM1", text="Ja"))
    assert reply.thread_id == sent.id
    late, _ = await services.inbox.record(InboundMessage(
        channel="sms", from_address="+31687654321", external_id="SM2", text="Nog iets",
        occurred_at=utcnow() + timedelta(days=8)))
    assert late.thread_id is None


async def test_quarantine_keeps_the_raw_bytes(services: Services) -> None:
    raw = b"\xff\xfe not a mail at all"
    entry = await services.inbox.quarantine(source="mta", raw=raw, reason="no From header")
    stored = await services.store.quarantine.get(entry.id)
    assert stored is not None and stored.reason == "no From header" and stored.size == len(raw)
    assert await services.inbox.raw(stored) == raw


async def test_messages_join_the_open_conversation_with_their_append(
        services: Services) -> None:
    """On SQLite the second message joins the conversation in its own transaction; the
    conversation lists both, as the listener would have written it."""
    first, _ = await services.inbox.record(email("anna@example.com", "<c1@x>"))
    second, _ = await services.inbox.record(email("anna@example.com", "<c2@x>"))
    conversation = await services.store.conversations.active_for_person(first.person_id or "")
    assert conversation is not None and conversation.event_ids == [first.id, second.id]
    assert conversation.last_event is not None and conversation.last_event.id == second.id


async def test_a_failed_conversation_write_keeps_the_message(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The conversation update inside the append fails: the message is stored all the same
    and its listener places it after the append."""
    import hub.store.sqlite_conversation_context as context

    first, _ = await services.inbox.record(email("anna@example.com", "<c1@x>"))

    calls: list[object] = []

    def failing_once(*args: object) -> tuple[str, tuple[object, ...]]:
        calls.append(args)
        return ("UPDATE no_such_table SET x = 1", ()) if len(calls) == 1 else real(*args)

    real = context.update_statement
    monkeypatch.setattr(context, "update_statement", failing_once)
    second, created = await services.inbox.record(email("anna@example.com", "<c2@x>"))
    assert len(calls) == 2  # in the append's transaction, then by the listener
    assert created and await services.store.events.get(second.id) is not None
    conversation = await services.store.conversations.active_for_person(first.person_id or "")
    assert conversation is not None and conversation.event_ids == [first.id, second.id]
