"""The services the staff UI now reads through: staff users (the guard's lookup, log-in with
its throttle, enable/disable, tokens), merge preview, search and the inbox list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.domain.messages import InboundMessage
from hub.errors import InvalidInput, NotFound
from hub.services import Services
from hub.services.persons import PersonInput
from hub.services.staff import LoginLocked, LoginRefused
from hub.store.sqlite import open_sqlite_store
from hub.wiring import assemble

PASSWORD = "correct horse battery"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path / "var")}, dotenv=None)
    yield assemble(store, settings, {}).services
    await store.close()


async def test_users_added_disabled_and_looked_up(services: Services) -> None:
    staff = services.staff
    admin, admin_password = await staff.add_user(email="Boss@Example.org", role="admin")
    agent, _ = await staff.add_user(email="agent@example.org", role="service", name="Agent")
    assert admin.email == "boss@example.org" and len(admin_password) >= 12
    assert (await staff.log_in("boss@example.org", admin_password, client="c")).id == admin.id
    with pytest.raises(InvalidInput, match="your own account"):
        await staff.toggle_user(admin.id, acting_user_id=admin.id)
    assert (await staff.toggle_user(agent.id, acting_user_id=admin.id)).disabled
    assert await staff.get_user(agent.id) is None  # the session guard lets them in no more
    assert (await staff.get_user(admin.id)) == admin
    assert not (await staff.toggle_user(agent.id, acting_user_id=admin.id)).disabled
    with pytest.raises(NotFound):
        await staff.toggle_user("nobody", acting_user_id=admin.id)
    assert [u.email for u in await staff.users()] == ["boss@example.org", "agent@example.org"]


async def test_log_in_refuses_then_locks_the_client_for_that_account(
        services: Services) -> None:
    staff = services.staff
    _, password = await staff.add_user(email="agent@example.org", role="service")
    for _ in range(5):
        with pytest.raises(LoginRefused) as refused:
            await staff.log_in("agent@example.org", "wrong password!", client="10.0.0.1")
        assert refused.value.status == 401
    with pytest.raises(LoginLocked) as locked:
        await staff.log_in("agent@example.org", password, client="10.0.0.1")
    assert locked.value.status == 429
    user = await staff.log_in("agent@example.org", password, client="10.0.0.2")
    assert user.email == "agent@example.org"  # the account is not locked for everyone


async def test_tokens_created_authenticated_and_revoked(services: Services) -> None:
    staff = services.staff
    token = await staff.create_token(name="crm sync", role="marketing")
    found = await staff.authenticate_token(token)
    assert found is not None and found.role == "marketing"
    await staff.revoke_token(found.id)
    assert await staff.authenticate_token(token) is None
    with pytest.raises(NotFound):
        await staff.revoke_token(found.id)


async def test_merge_preview_counts_what_would_move(services: Services) -> None:
    anna = await services.persons.create(PersonInput(name="Anna", emails=["anna@example.org"]))
    copy = await services.persons.create(PersonInput(name="Anna V", phones=["+31612345672"]))
    await services.timeline.add_note(copy.id, "called about the invoice")
    preview = await services.merge.preview(anna.id, copy.id)
    assert preview.duplicate.id == copy.id and preview.events == 1
    assert [i.value for i in preview.identities] == ["+31612345672"]
    for wrong, problem in (("", "give the id"), ("nope", "no person nope"),
                           (anna.id, "into itself")):
        with pytest.raises(InvalidInput, match=problem):
            await services.merge.preview(anna.id, wrong)


async def test_search_and_inbox(services: Services) -> None:
    anna = await services.persons.create(PersonInput(name="Anna de Vries",
                                                     emails=["anna@example.org"],
                                                     phones=["+31612345672"]))
    for q in ("anna", "ANNA@example.org", "06 1234 5672"):
        assert [r.person.id for r in await services.search.search(q)] == [anna.id], q
    assert await services.search.search("   ") == []
    await services.inbox.record(InboundMessage.model_validate({
        "channel": "email", "from_address": "anna@example.org", "external_id": "<m1@x>",
        "subject": "Vraag", "text": "Hallo"}))
    rows = await services.search.inbox()
    assert [r.person.id for r in rows] == [anna.id] and rows[0].last is not None
    assert rows[0].last.subject == "Vraag"
