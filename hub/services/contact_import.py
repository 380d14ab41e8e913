"""Contact import: a CSV of persons (with their households, organisations and roles) into the
relationship model, streamed row by row.

Each row is all or nothing. Everything that can fail on the input is checked before the first
write (the addresses, who owns them); the writes then go in an order whose only possible
failure is a concurrent writer taking an address, and what the row wrote is undone then, so
the row is rejected with nothing of it stored. Households and organisations are written last
(the store offers no delete for them). A store failure stops the import: the rows before are
stored, and running the same file again resumes it, since a row already imported is
`unchanged` (matching is on the normalised addresses, never a second person).

A dry run takes the same path with the writes kept in an in-memory overlay over the store, so
its report is the one the real run would give; its memory grows with the new contacts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.domain.address_consent import consent_at
from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentChannel, consent_change
from hub.domain.events import Event
from hub.domain.identities import AddressKind, Identity
from hub.domain.parties import Address, AttributeValue, Household, Organisation, Person, Role
from hub.errors import AddressTaken, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import ContactBatch, Store
from hub.services.consent import apply_consent
from hub.services.contact_rows import (
    ContactRow,
    Header,
    HouseholdRef,
    check_mapping,
    read_row,
    street_key,
)
from hub.services.csv_stream import CsvStream
from hub.services.identities import CONSENT_CHANNEL_OF, IdentityService
from hub.services.timeline import TimelineService

MAX_IMPORT_BYTES = 1 << 30  # 1 GiB; a constant, not a setting (hub/config.py is not ours now)
MAX_REJECTED_LISTED = 1000
MAX_CACHED = 2_000  # households and organisations remembered by key; bounds memory
CHUNK_ROWS = 1000  # rows planned in memory and written together
MAPPING_KEY = "import-mapping:"
MAPPING_INDEX = "import-mappings"
MAX_MAPPINGS = 200
HOUSEHOLD_KEY = "import-household:"
MAPPING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _address_kind(channel: ConsentChannel) -> AddressKind:
    """Which kind of address consent on `channel` is for (calls and SMS: phone numbers)."""
    return "email" if channel == "email" else "phone"

OnMatch = Literal["update", "skip"]
Outcome = Literal["created", "updated", "unchanged", "rejected"]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    name: str = "contacts"  # consent proof gets source `import:<name>`
    dry_run: bool = False
    on_match: OnMatch = "update"
    mapping: str | None = None  # a saved column mapping to use
    columns: Mapping[str, str] = field(default_factory=dict)  # {source header: Hub field}
    save_mapping: str | None = None  # save `columns` (over `mapping`) under this name
    consent_basis: str | None = None
    consent_text: str | None = None
    max_bytes: int = MAX_IMPORT_BYTES


@dataclass(frozen=True, slots=True)
class RowResult:
    line: int
    outcome: Outcome
    person_id: str | None = None
    reason: str = ""


@dataclass(slots=True)
class ImportReport:
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_total: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    consent_ignored: int = 0

    def add(self, result: RowResult) -> None:
        if result.outcome == "rejected":
            self.rejected_total += 1
            if len(self.rejected) < MAX_REJECTED_LISTED:
                self.rejected.append({"line": result.line, "error": result.reason})
        else:
            setattr(self, result.outcome, getattr(self, result.outcome) + 1)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected_total

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "rejected_total": self.rejected_total, "warnings": self.warnings}


def _mapping_name(name: str) -> str:
    if not MAPPING_NAME.match(name):
        raise InvalidInput(N_("mapping name %(name)s: letters, digits, . _ - (at most 64)"),
                           params={"name": repr(name)},
                           details={"field": "mapping"})
    return name


class _Target:
    """Where a row's reads and writes go: the store itself (`dry_run=False`: the row by row
    path), or an overlay in memory in front of it that nothing leaves. A chunk of rows is
    planned on an overlay filled by `prefetch` (one query per kind of look-up) and then
    written as one batch; a dry run keeps one overlay for the whole file."""

    def __init__(self, store: Store, identities: IdentityService, timeline: TimelineService,
                 *, dry_run: bool) -> None:
        self.store = store
        self.identities = identities
        self.timeline = timeline
        self.dry_run = dry_run  # True: an overlay
        self.owners: dict[tuple[str, str], Identity | None] = {}
        self.persons: dict[str, Person] = {}
        self.roles: dict[str, list[Role]] = {}
        self.suppressed: dict[str, bool] = {}  # suppression hash → stored
        self.hashes: dict[tuple[str, str], str] = {}  # address → its suppression hash
        self.households: dict[str, str | None] = {}  # HouseholdRef.key → id, None: none
        self.organisations: dict[str, str] = {}  # folded name → id (a cache when real)

    def _trim(self) -> None:
        if not self.dry_run:
            for cache in (self.households, self.organisations):
                if len(cache) > MAX_CACHED:
                    cache.clear()

    def forget(self, *, caches: bool) -> None:
        """Drop the chunk's overlay (written now), and with `caches` the households and
        organisations remembered by key (a chunk that was not written made some of them)."""
        self.owners.clear()
        self.persons.clear()
        self.roles.clear()
        self.suppressed.clear()
        self.hashes.clear()
        for cache in (self.households, self.organisations):
            if caches or len(cache) > MAX_CACHED:
                cache.clear()
        for key in [k for k, v in self.households.items() if v is None]:
            del self.households[key]

    async def prefetch(self, rows: list[ContactRow]) -> None:
        """Read what planning `rows` needs, one query per kind, into the overlay; what the
        overlay holds already (a dry run's earlier rows) stays."""
        addresses = list(dict.fromkeys(a for row in rows
                                       for a in (*row.addresses, *row.role_addresses)))
        found = {(i.kind, i.value): i
                 for i in await self.store.contact_batches.owners(addresses)}
        for address in addresses:
            self.owners.setdefault(address, found.get(address))
        person_ids = sorted({i.person_id for i in found.values()} - self.persons.keys())
        persons = await self.store.persons.get_many(person_ids) if person_ids else []
        for person in persons:
            self.persons[person.id] = person
        for person_id in person_ids:
            self.roles.setdefault(person_id, [])
        if person_ids:
            for role in await self.store.roles.for_persons(person_ids):
                self.roles[role.person_id].append(role)
        hashes = {self.suppression_hash(kind, value): None for kind, value in [
            *(a for row in rows for a in row.addresses),
            *(("email", e) for p in persons for e in p.emails),
            *(("phone", n) for p in persons for n in p.phones)]}
        wanted = [h for h in hashes if h not in self.suppressed]
        stored = await self.store.contact_batches.suppressed(wanted)
        self.suppressed.update((h, h in stored) for h in wanted)
        await self._prefetch_households([r.household for r in rows if r.household])

    async def _prefetch_households(self, refs: list[HouseholdRef]) -> None:
        refs = [ref for ref in refs if ref.key not in self.households]
        keyed = sorted({ref.key[4:] for ref in refs if ref.key.startswith("key:")})
        states = await self.store.contact_batches.states([HOUSEHOLD_KEY + k for k in keyed])
        for key in keyed:
            state = states.get(HOUSEHOLD_KEY + key)
            self.households["key:" + key] = str(state["id"]) if state else None
        by_address = [ref for ref in refs if ref.key.startswith("address:")]
        postcodes = sorted({ref.postcode for ref in by_address if ref.postcode and ref.street})
        candidates = await self.store.contact_batches.households_with_postcodes(postcodes) \
            if postcodes else []
        ids: dict[str, str] = {}
        for candidate in sorted(candidates, key=lambda h: h.id):
            address = candidate.address
            if address.street and address.postcode:
                ids.setdefault("address:" + _street_key(address), candidate.id)
        for ref in by_address:
            if ref.postcode and ref.street:
                self.households[ref.key] = ids.get(ref.key)

    def suppression_hash(self, kind: AddressKind, value: str) -> str:
        """The address's keyed hash, computed once per chunk (an HMAC per look-up was a
        tenth of the planning time)."""
        found = self.hashes.get((kind, value))
        if found is None:
            found = self.hashes[(kind, value)] = self.identities.suppression_hash(kind, value)
        return found

    async def is_suppressed(self, kind: AddressKind, value: str) -> bool:
        address_hash = self.suppression_hash(kind, value)
        if address_hash not in self.suppressed:
            return await self.identities.is_suppressed(kind, value)
        return self.suppressed[address_hash]

    async def owner(self, kind: AddressKind, value: str) -> Identity | None:
        if (kind, value) in self.owners:
            return self.owners[(kind, value)]
        return await self.store.identities.get(kind, value)

    async def person(self, person_id: str) -> Person | None:
        return self.persons.get(person_id) or await self.store.persons.get(person_id)

    async def roles_of(self, person_id: str) -> list[Role]:
        if person_id in self.roles:
            return self.roles[person_id]
        return await self.store.roles.for_person(person_id)

    async def household(self, ref: HouseholdRef) -> str | None:
        if ref.key in self.households:
            return self.households[ref.key]
        found: str | None = None
        if ref.key.startswith("key:"):
            state = await self.store.channel_state.get(HOUSEHOLD_KEY + ref.key[4:])
            found = str(state["id"]) if state else None
        elif ref.postcode and ref.street:
            for candidate in await self.store.households.with_postcode(ref.postcode):
                address = candidate.address
                if address.street and address.postcode and \
                        _street_key(address) == ref.key.removeprefix("address:"):
                    found = candidate.id
                    break
        if found:
            self._trim()
            self.households[ref.key] = found
        return found

    async def organisation(self, name: str) -> str | None:
        folded = name.casefold()
        if folded in self.organisations:
            return self.organisations[folded]
        for candidate in await self.store.organisations.find(name_contains=name, limit=50):
            if candidate.name.casefold() == folded:
                self._trim()
                self.organisations[folded] = candidate.id
                return candidate.id
        return None

    # --- writes ----------------------------------------------------------------------------

    async def insert_person(self, person: Person) -> None:
        if self.dry_run:
            self.persons[person.id] = person
            self.roles.setdefault(person.id, [])
        else:
            await self.store.persons.insert(person)

    async def replace_person(self, person: Person) -> None:
        if self.dry_run:
            self.persons[person.id] = person
        else:
            await self.store.persons.replace(person)

    async def delete_person(self, person_id: str) -> None:
        if self.dry_run:
            self.persons.pop(person_id, None)
        else:
            await self.store.persons.delete(person_id)

    async def claim(self, person_id: str, kind: AddressKind, value: str,
                    role_id: str | None) -> None:
        if not self.dry_run:
            await self.identities.claim(person_id, kind, value, role_id)
            return
        held = await self.owner(kind, value)
        if held is not None and held.person_id != person_id:
            raise AddressTaken(kind, value, held.person_id)
        if held is None:
            self.owners[(kind, value)] = Identity(kind=kind, value=value, person_id=person_id,
                                                  role_id=role_id)

    async def release(self, kind: AddressKind, value: str) -> None:
        if self.dry_run:
            self.owners.pop((kind, value), None)
        else:
            await self.store.identities.delete(kind, value)

    async def insert_role(self, role: Role) -> None:
        if self.dry_run:
            self.roles.setdefault(role.person_id, []).append(role)
        else:
            await self.store.roles.insert(role)

    async def delete_role(self, role: Role) -> None:
        if self.dry_run:
            self.roles[role.person_id].remove(role)
        else:
            await self.store.roles.delete(role.id)

    async def insert_household(self, household: Household, ref: HouseholdRef) -> None:
        if not self.dry_run:
            await self.store.households.insert(household)
            if ref.key.startswith("key:"):
                await self.store.channel_state.put(HOUSEHOLD_KEY + ref.key[4:],
                                                   {"id": household.id})
            self._trim()
        self.households[ref.key] = household.id

    async def insert_organisation(self, organisation: Organisation) -> None:
        if not self.dry_run:
            await self.store.organisations.insert(organisation)
            self._trim()
        self.organisations[organisation.name.casefold()] = organisation.id

    async def record(self, event: Event) -> None:
        if not self.dry_run:
            await self.timeline.record(event)


def _street_key(address: Address) -> str:
    return street_key(address.postcode or "", address.street or "")


def _comparable(person: Person) -> dict[str, Any]:
    doc = person.to_doc()
    doc.pop("updated_at", None)
    return doc


@dataclass(slots=True)
class _Plan:
    """What one row will write, decided before the first write."""

    person: Person
    created: bool
    claims: list[tuple[AddressKind, str]]
    changed: bool = False  # an existing person's fields change
    household: Household | None = None
    household_ref: HouseholdRef | None = None
    organisation: Organisation | None = None
    role: Role | None = None
    role_claims: list[tuple[AddressKind, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Batch:
    """The writes of a chunk's planned rows, each record in its last version."""

    def __init__(self) -> None:
        self._new: dict[str, Person] = {}
        self._changed: dict[str, Person] = {}
        self._identities: dict[tuple[str, str], Identity] = {}
        self._plans: list[_Plan] = []

    def add(self, plan: _Plan, owners: Mapping[tuple[str, str], Identity | None]) -> None:
        """Add a plan written into an overlay, whose `owners` hold the identities it claimed."""
        person = plan.person
        if plan.created or person.id in self._new:
            self._new[person.id] = person
        else:
            self._changed[person.id] = person
        claims = [*plan.claims, *(plan.role_claims if plan.role is not None else ())]
        for address in claims:
            identity = owners[address]
            assert identity is not None  # claimed on the overlay just now
            self._identities.setdefault(address, identity)
        self._plans.append(plan)

    @property
    def contents(self) -> ContactBatch:
        batch = ContactBatch(new_persons=list(self._new.values()),
                             changed_persons=list(self._changed.values()),
                             identities=list(self._identities.values()))
        for plan in self._plans:
            if plan.role is not None:
                batch.roles.append(plan.role)
            if plan.household is not None and plan.household_ref is not None:
                batch.households.append(plan.household)
                if plan.household_ref.key.startswith("key:"):
                    batch.states[HOUSEHOLD_KEY + plan.household_ref.key[4:]] = {
                        "id": plan.household.id}
            if plan.organisation is not None:
                batch.organisations.append(plan.organisation)
            household_id = plan.person.household_id
            batch.events += [e if e.household_id or not household_id else
                             e.model_copy(update={"household_id": household_id})
                             for e in plan.events]
        return batch


@dataclass(slots=True)
class _Written:
    """A planned chunk: its rows, their results as planned, and its batch being written."""

    read: list[tuple[int, ContactRow | str]]
    results: list[RowResult]
    consent_ignored: int  # the report's count before the chunk (a row by row redo restarts)
    bytes_read: int
    contents: ContactBatch | None = None
    task: asyncio.Future[bool] | None = None


class ContactImportService:
    def __init__(self, store: Store, identities: IdentityService,
                 timeline: TimelineService, *, default_region: str) -> None:
        self._store = store
        self._identities = identities
        self._timeline = timeline
        self._region = default_region

    async def saved_mapping(self, name: str) -> dict[str, str]:
        state = await self._store.channel_state.get(MAPPING_KEY + _mapping_name(name))
        if state is None:
            raise NotFound(N_("no saved column mapping %(name)s"),
                           params={"name": repr(name)})
        return dict(state["columns"])

    async def save_mapping(self, name: str, columns: Mapping[str, str]) -> dict[str, str]:
        checked = check_mapping(columns)
        await self._store.channel_state.put(MAPPING_KEY + _mapping_name(name),
                                            {"columns": checked, "saved_at": utcnow().isoformat()})
        names = await self.mapping_names()
        if name not in names:
            await self._store.channel_state.put(MAPPING_INDEX, {"names": sorted(
                [*names, name])[-MAX_MAPPINGS:]})
        return checked

    async def mapping_names(self) -> list[str]:
        """The names of the saved column mappings (for the import page to offer)."""
        state = await self._store.channel_state.get(MAPPING_INDEX)
        return [str(n) for n in state["names"]] if state else []

    async def run(
        self, chunks: AsyncIterator[bytes], options: ImportOptions, *,
        on_row: Callable[[RowResult], Awaitable[None]] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import every row; InvalidInput (before any write) when the options or the header
        do not fit, PayloadTooLarge past `options.max_bytes`."""
        columns = await self._columns(options)
        report = ImportReport(dry_run=options.dry_run)
        target = _Target(self._store, self._identities, self._timeline, dry_run=True)
        stream = CsvStream(max_bytes=options.max_bytes)
        header: Header | None = None
        chunk: list[tuple[int, list[str] | str]] = []
        writing: _Written | None = None  # the previous chunk, its batch being written

        async def finish() -> None:
            nonlocal writing
            if writing is None:
                return
            done, writing = writing, None
            for result in await self._finish(target, done, options, report):
                report.add(result)
                if on_row is not None:
                    await on_row(result)
            if progress is not None:
                progress(done.bytes_read, report.rows)

        async def flush() -> None:
            # Pipelined: this chunk is read and checked (the costliest Python per row) while
            # the previous chunk's batch is written on SQLite's thread; it is planned once
            # that write is in (so its look-ups see it) and its own write starts then.
            nonlocal writing
            assert header is not None
            read = self._read(header, chunk)
            chunk.clear()
            await finish()
            writing = await self._plan_chunk(target, read, options, report, stream.bytes_read)

        try:
            async for line, record in stream.records(chunks):
                if header is None:
                    if isinstance(record, str):
                        raise InvalidInput(N_("the header row cannot be read: %(record)s"),
                                           params={"record": record})
                    header = Header.read(record, columns)
                    report.warnings.extend(header.warnings)
                    if options.save_mapping and not options.dry_run:
                        await self.save_mapping(options.save_mapping, columns)
                    continue
                chunk.append((line, record))
                if len(chunk) >= CHUNK_ROWS:
                    await flush()
            if chunk:
                await flush()
            await finish()
        finally:
            if writing is not None and writing.task is not None:  # stopped early
                writing.task.cancel()  # the batch is all or nothing; its error is not ours
                writing.task.add_done_callback(lambda t: t.cancelled() or t.exception())
        if header is None:
            raise InvalidInput(N_("the file is empty: expected a header row"))
        if progress is not None:
            progress(stream.bytes_read, report.rows)
        report.warnings.extend(stream.warnings)
        if report.consent_ignored:
            report.warnings.append(
                f"{report.consent_ignored} opt-in(s) in the consent columns were not recorded: "
                "without consent_basis and consent_text they stay unknown")
        return report

    async def check(self, header: list[str], options: ImportOptions) -> None:
        """What `run` refuses before its first write (the options, the saved mapping, the
        header row), as InvalidInput or NotFound: for a caller that runs it later."""
        Header.read(header, await self._columns(options))

    async def _columns(self, options: ImportOptions) -> dict[str, str]:
        """The column mapping in effect, the options checked."""
        if bool(options.consent_basis) != bool(options.consent_text):
            raise InvalidInput(N_("give consent_basis and consent_text together: the legal basis "
                                  "and the text the contacts agreed to"),
                               details={
                                   "field": "consent_basis"})
        columns = await self.saved_mapping(options.mapping) if options.mapping else {}
        columns = check_mapping({**columns, **options.columns})
        if options.save_mapping:
            _mapping_name(options.save_mapping)
        return columns

    def _read(self, header: Header, records: list[tuple[int, list[str] | str]]
              ) -> list[tuple[int, ContactRow | str]]:
        """Each record read into a checked row, or the reason it cannot be (no I/O)."""
        read: list[tuple[int, ContactRow | str]] = []
        for line, record in records:
            if isinstance(record, str):
                read.append((line, record))
                continue
            try:
                read.append((line, read_row(header.values(record), self._region)))
            except InvalidInput as exc:
                read.append((line, exc.message))
        return read

    async def _plan_chunk(self, target: _Target, read: list[tuple[int, ContactRow | str]],
                          options: ImportOptions, report: ImportReport,
                          bytes_read: int) -> _Written:
        """The rows of one chunk planned in order on the overlay (a later row sees what an
        earlier one made), and the write of their batch started (not on a dry run)."""
        await target.prefetch([row for _, row in read if not isinstance(row, str)])
        consent_ignored = report.consent_ignored
        results: list[RowResult] = []
        batch = _Batch()
        for line, row in read:
            if isinstance(row, str):
                results.append(RowResult(line, "rejected", reason=row))
                continue
            result, plan = await self._row(target, line, row, options, report)
            results.append(result)
            if plan is not None:
                batch.add(plan, target.owners)
        written = _Written(read, results, consent_ignored, bytes_read)
        if not options.dry_run:
            written.contents = batch.contents
            written.task = asyncio.ensure_future(
                self._store.contact_batches.write(written.contents))
            await asyncio.sleep(0)  # let it hand the batch to SQLite's thread before we read on
        return written

    async def _finish(self, target: _Target, written: _Written, options: ImportOptions,
                      report: ImportReport) -> list[RowResult]:
        """The chunk's results once its batch is in. When the batch found an address taken
        meanwhile it wrote nothing, and the chunk goes row by row instead."""
        if written.task is None or written.contents is None:
            return written.results  # a dry run
        stored = await written.task
        target.forget(caches=not stored)
        if stored:
            for event in written.contents.events:
                await self._timeline.announce(event)
            return written.results
        report.consent_ignored = written.consent_ignored
        direct = _Target(self._store, self._identities, self._timeline, dry_run=False)
        results = []
        for line, row in written.read:
            if isinstance(row, str):
                results.append(RowResult(line, "rejected", reason=row))
            else:
                results.append((await self._row(direct, line, row, options, report))[0])
        return results

    async def _row(self, target: _Target, line: int, row: ContactRow, options: ImportOptions,
                   report: ImportReport) -> tuple[RowResult, _Plan | None]:
        """The row's result, and on an overlay the plan written into it (for the batch)."""
        try:
            plan = await self._plan(target, row, options, report)
        except InvalidInput as exc:
            return RowResult(line, "rejected", reason=exc.message), None
        except AddressTaken as exc:
            return RowResult(line, "rejected", reason=_taken(exc)), None
        note = "; ".join(plan.notes)
        if not (plan.created or plan.changed or plan.household or plan.organisation
                or plan.role or plan.claims or plan.events):
            return RowResult(line, "unchanged", plan.person.id, note), None
        try:
            await self._write(target, plan)
        except AddressTaken as exc:
            return RowResult(line, "rejected", reason=_taken(exc)), None
        except NotFound as exc:  # the matched person was erased or merged meanwhile
            return RowResult(line, "rejected", reason=exc.message), None
        outcome: Outcome = "created" if plan.created else "updated"
        return RowResult(line, outcome, plan.person.id, note), plan

    async def _plan(self, target: _Target, row: ContactRow, options: ImportOptions,
                    report: ImportReport) -> _Plan:
        owner_id: str | None = None
        unowned: list[tuple[AddressKind, str]] = []
        unowned_role: list[tuple[AddressKind, str]] = []
        own = row.addresses
        for kind, value in [*own, *row.role_addresses]:
            identity = await target.owner(kind, value)
            if identity is None:
                (unowned if (kind, value) in own else unowned_role).append((kind, value))
            elif owner_id is None:
                owner_id = identity.person_id
            elif identity.person_id != owner_id:
                raise AddressTaken(kind, value, identity.person_id)
        unowned_role = [a for a in unowned_role if a not in unowned]
        if owner_id is None:
            plan = _Plan(person=self._new_person(row), created=True, claims=unowned)
            for kind, value in own:  # an address erased on request: opted out
                if await target.is_suppressed(kind, value):
                    plan.person.consent[CONSENT_CHANNEL_OF[kind]] = consent_change(
                        "opted_out", "suppression")
        else:
            existing = await target.person(owner_id)
            if existing is None or not existing.is_active:
                raise InvalidInput(N_("the address belongs to person %(owner_id)s, who was merged "
                                      "or erased"),
                                   params={"owner_id": owner_id})
            if options.on_match == "skip":
                return _Plan(person=existing, created=False, claims=[],
                             notes=["matched an existing person; on_match=skip"])
            plan = _Plan(person=self._updated(existing, row), created=False, claims=unowned)
            plan.changed = _comparable(plan.person) != _comparable(existing)
        plan.role_claims = unowned_role
        await self._plan_household(target, plan, row)
        await self._plan_role(target, plan, row)
        await self._plan_consent(target, plan, row, options, report)
        plan.changed = plan.changed or bool(plan.events)
        return plan

    def _new_person(self, row: ContactRow) -> Person:
        return Person(id=new_id(), emails=list(row.emails), phones=list(row.phones),
                      tags=list(row.tags), attributes=dict(row.attributes),
                      **row.profile)  # type: ignore[arg-type]

    @staticmethod
    def _updated(person: Person, row: ContactRow) -> Person:
        """Fill and change the fields the row gives; addresses, tags and attributes are
        added to, never removed."""
        updates: dict[str, Any] = dict(row.profile)
        if any(e not in person.emails for e in row.emails):
            updates["emails"] = person.emails + [e for e in row.emails if e not in person.emails]
        if any(p not in person.phones for p in row.phones):
            updates["phones"] = person.phones + [p for p in row.phones if p not in person.phones]
        if any(t not in person.tags for t in row.tags):
            updates["tags"] = person.tags + [t for t in row.tags if t not in person.tags]
        if any(person.attributes.get(k) != v for k, v in row.attributes.items()):
            updates["attributes"] = {**person.attributes, **row.attributes}
        return Person.model_validate({**person.to_doc(), **updates})

    async def _plan_household(self, target: _Target, plan: _Plan, row: ContactRow) -> None:
        ref = row.household
        if ref is None:
            return
        household_id = await target.household(ref)
        if household_id is None:
            attributes: dict[str, AttributeValue] = (
                {"household_key": ref.key[4:]} if ref.key.startswith("key:") else {})
            plan.household = Household(
                id=new_id(), name=ref.name, attributes=attributes,
                address=Address(street=ref.street, postcode=ref.postcode, city=ref.city,
                                country=ref.country))
            plan.household_ref = ref
            household_id = plan.household.id
        if plan.person.household_id != household_id:
            plan.person.household_id = household_id
            plan.changed = True

    async def _plan_role(self, target: _Target, plan: _Plan, row: ContactRow) -> None:
        if row.organisation is None:
            return
        organisation_id = await target.organisation(row.organisation)
        if organisation_id is None:
            plan.organisation = Organisation(id=new_id(), name=row.organisation)
            organisation_id = plan.organisation.id
        elif not plan.created:
            for role in await target.roles_of(plan.person.id):
                if role.organisation_id == organisation_id:
                    if plan.role_claims:
                        plan.notes.append("the role at this organisation exists: its "
                                          "addresses were not changed")
                        plan.role_claims = []
                    return
        plan.role = Role(id=new_id(), person_id=plan.person.id,
                         organisation_id=organisation_id, function=row.function or "",
                         email=row.role_email, phone=row.role_phone)

    async def _plan_consent(self, target: _Target, plan: _Plan, row: ContactRow,
                            options: ImportOptions, report: ImportReport) -> None:
        """Opt-ins only with a stated basis (stored as proof); an opt-out is always honoured;
        an import never turns a recorded opt-out or an erased address into an opt-in."""
        person = plan.person
        for channel, status in row.consent.items():
            if status == "opted_in":
                if not options.consent_basis:
                    report.consent_ignored += 1
                    plan.notes.append(f"consent_{channel} not recorded: no consent_basis given")
                    continue
                first = (person.emails if _address_kind(channel) == "email"
                         else person.phones)[:1]
                if (consent_at(person, channel, first[0]) if first
                        else person.consent_for(channel)).status == "opted_out":
                    plan.notes.append(f"{channel} stays opted out: an import never overrides "
                                      "an opt-out")
                    continue
                # a new person's erased addresses are opted out already (apply_suppressions)
                if not plan.created and await self._suppressed(target, person, channel):
                    plan.notes.append(f"{channel} stays opted out: the address was erased")
                    continue
            kind = _address_kind(channel)
            addresses = person.emails if kind == "email" else person.phones
            event = apply_consent(
                person, channel, status, source=f"import:{options.name}",
                text=options.consent_text if status == "opted_in" else None,
                address=addresses[0] if addresses and status == "opted_in" else None,
                confirmation=f"legal basis: {options.consent_basis}"
                if options.consent_basis else None)
            if event is not None:
                plan.events.append(event)

    @staticmethod
    async def _suppressed(target: _Target, person: Person, channel: ConsentChannel) -> bool:
        kind = _address_kind(channel)
        for value in person.emails if kind == "email" else person.phones:
            if await target.is_suppressed(kind, value):
                return True
        return False

    async def _write(self, target: _Target, plan: _Plan) -> None:
        """The row's writes, undone in reverse when a concurrent writer took an address."""
        undo: list[Callable[[], Awaitable[None]]] = []
        person = plan.person
        try:
            if plan.created:
                await target.insert_person(person)
                undo.append(lambda: target.delete_person(person.id))
            for kind, value in plan.claims:
                await target.claim(person.id, kind, value, None)
                undo.append(_releaser(target, kind, value))
            if plan.role is not None:
                role = plan.role
                for kind, value in plan.role_claims:
                    await target.claim(person.id, kind, value, role.id)
                    undo.append(_releaser(target, kind, value))
                await target.insert_role(role)
                undo.append(lambda: target.delete_role(role))
            if not plan.created:
                person.updated_at = utcnow()
                await target.replace_person(person)
        except BaseException:
            for step in reversed(undo):
                await step()
            raise
        if plan.household is not None and plan.household_ref is not None:
            await target.insert_household(plan.household, plan.household_ref)
        if plan.organisation is not None:
            await target.insert_organisation(plan.organisation)
        for event in plan.events:
            await target.record(event)


def _releaser(target: _Target, kind: AddressKind, value: str) -> Callable[[], Awaitable[None]]:
    async def release() -> None:
        await target.release(kind, value)
    return release


def _taken(exc: AddressTaken) -> str:
    return f"{exc.kind} {exc.value} belongs to another person ({exc.owner_id})"
