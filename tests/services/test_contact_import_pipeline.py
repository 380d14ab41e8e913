"""Contact import, pipelined: a chunk is read while the previous chunk's batch is written. A
clash in a middle chunk sends that chunk row by row, and the chunks after it still see what
the chunks before it stored; results arrive in line order, one per row."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.ports import ContactBatch, Store
from hub.services.contact_import import ContactImportService
from hub.services.identities import IdentityService
from hub.services.timeline import TimelineService
from hub.store.sqlite import open_sqlite_store
from tests.services.test_contact_import import BASIS, RacingBatches, person_by_email, run


class SlowBatches(RacingBatches):
    """Writes that take a while, so the next chunk is read while one is in flight; records
    what was written in which order."""

    def __init__(self, store: Store, kind: str, racing: str) -> None:
        super().__init__(store, kind, racing)  # type: ignore[arg-type]
        self.race_on_write = 2  # the other writer takes `racing` before the second batch
        self.writes = 0
        self.in_flight = 0
        self.overlapped = False

    async def write(self, batch: ContactBatch) -> bool:
        self.writes += 1
        self.in_flight += 1
        try:
            await asyncio.sleep(0.02)
            if self.writes == self.race_on_write:
                return await super().write(batch)
            return await self._batches.write(batch)
        finally:
            self.in_flight -= 1


async def test_a_clash_in_a_middle_chunk_and_later_chunks_that_depend_on_earlier_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.services.contact_import.CHUNK_ROWS", 2)
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        batches = SlowBatches(store, "email", "taken@example.nl")
        store.contact_batches = batches  # type: ignore[misc]
        identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
        service = ContactImportService(store, identities, TimelineService(store),
                                       default_region="NL")
        report, rows = await run(
            service,
            "name,email,phone,household_key,consent_email\n"
            "Anna,a@example.nl,,H1,opted_in\n"               # chunk 1
            "Bert,b@example.nl,,H1,\n"
            "Cora,c@example.nl,,H2,opted_in\n"                # chunk 2: its batch clashes
            "Taken,taken@example.nl,,H2,\n"
            "Anna de Vries,a@example.nl,0612345678,H1,\n"     # chunk 3: chunk 1's Anna
            "Dirk,d@example.nl,,H2,\n",                        # chunk 2's household
            **BASIS)
    finally:
        await store.close()
        store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        assert [(r.line, r.outcome) for r in rows] == [
            (2, "created"), (3, "created"), (4, "created"), (5, "rejected"),
            (6, "updated"), (7, "created")]
        assert "someone-else" in rows[3].reason
        assert report["created"] == 4 and report["updated"] == 1
        assert await store.persons.count() == 4
        anna = await person_by_email(store, "a@example.nl")
        bert = await person_by_email(store, "b@example.nl")
        cora = await person_by_email(store, "c@example.nl")
        dirk = await person_by_email(store, "d@example.nl")
        assert anna.name == "Anna de Vries" and anna.phones == ["+31612345678"]  # type: ignore[attr-defined]
        assert anna.household_id == bert.household_id  # type: ignore[attr-defined]
        assert cora.household_id == dirk.household_id != anna.household_id  # type: ignore[attr-defined]
        assert len(await store.households.find()) == 2
        assert anna.consent_for("email").status == "opted_in"  # type: ignore[attr-defined]
        assert cora.consent_for("email").status == "opted_in"  # type: ignore[attr-defined]
        # the same file again: every row as it is now, nothing new
        again, _ = await run(ContactImportService(
            store, IdentityService(store, default_region="NL", secret_key="k" * 32),
            TimelineService(store), default_region="NL"),
            "name,email,phone,household_key,consent_email\n"
            "Anna de Vries,a@example.nl,0612345678,H1,opted_in\n"
            "Dirk,d@example.nl,,H2,\n", **BASIS)
        assert again["unchanged"] == 2 and await store.persons.count() == 4
    finally:
        await store.close()


async def test_the_next_chunk_is_read_while_a_batch_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a batch is in flight, the next chunk's rows are checked (phone numbers parsed):
    the write and the checking overlap."""
    monkeypatch.setattr("hub.services.contact_import.CHUNK_ROWS", 1)
    store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    try:
        batches = SlowBatches(store, "email", "nobody@example.nl")
        batches.race_on_write = 0
        store.contact_batches = batches  # type: ignore[misc]
        checked_during_write: list[bool] = []
        import hub.services.contact_import as module
        original = module.read_row

        def spying_read_row(values: dict[str, str], region: str) -> object:
            checked_during_write.append(batches.in_flight > 0)
            return original(values, region)

        monkeypatch.setattr(module, "read_row", spying_read_row)
        identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
        service = ContactImportService(store, identities, TimelineService(store),
                                       default_region="NL")
        report, _ = await run(service, "email\n" + "".join(
            f"p{i}@example.nl\n" for i in range(5)))
        assert report["created"] == 5 and await store.persons.count() == 5
        assert checked_during_write == [False, True, True, True, True]
    finally:
        await store.close()
