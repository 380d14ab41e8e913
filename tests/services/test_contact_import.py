"""Contact import on a real SQLite store: matching, households, roles, consent, bad input."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.domain.events import TimelineQuery
from hub.domain.identities import AddressKind, Identity, Suppression
from hub.errors import InvalidInput, NotFound, PayloadTooLarge
from hub.ports import ContactBatch, Store
from hub.services.contact_import import ContactImportService, ImportOptions, RowResult
from hub.services.identities import IdentityService
from hub.services.timeline import TimelineService
from hub.store.sqlite import open_sqlite_store

BASIS = {"consent_basis": "consent given at the shop counter",
         "consent_text": "Ja, ik wil de nieuwsbrief per e-mail ontvangen."}


@pytest.fixture
def identities(store: Store) -> IdentityService:
    return IdentityService(store, default_region="NL", secret_key="k" * 32)


@pytest.fixture
def service(store: Store, identities: IdentityService) -> ContactImportService:
    return ContactImportService(store, identities, TimelineService(store), default_region="NL")


async def chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    """Small chunks, so lines and quoted fields are split across them."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def run(service: ContactImportService, text: str | bytes, **options: object
              ) -> tuple[dict[str, object], list[RowResult]]:
    rows: list[RowResult] = []

    async def keep(result: RowResult) -> None:
        rows.append(result)

    data = text.encode() if isinstance(text, str) else text
    report = await service.run(chunks(data), ImportOptions(**options),  # type: ignore[arg-type]
                               on_row=keep)
    return report.to_json(), rows


async def person_by_email(store: Store, email: str) -> object:
    identity = await store.identities.get("email", email)
    assert identity is not None, email
    person = await store.persons.get(identity.person_id)
    assert person is not None
    return person


FULL = (
    "name,email,email2,phone,phone2,language,birth_date,gender,tags,attr.customer_number,"
    "household_key,street,postcode,city,organisation,function,role_email,role_phone\n"
    "Anna de Vries,Anna@Example.NL,a.devries@example.nl,06 12345678,+31 20 123 4567,nl,"
    "1980-02-01,v,vip;nieuw,C1,H1,Dorpsstraat 1,1234 AB,Utrecht,Acme BV,CTO,anna@acme.nl,"
    "+31 30 123 4567\n"
    "Bert de Vries,bert@example.nl,,,,en,01-03-1979,m,,C2,H1,,,,,,,\n"
)


async def test_persons_with_addresses_household_organisation_and_role(
        service: ContactImportService, store: Store) -> None:
    report, rows = await run(service, FULL)
    assert (report["created"], report["rejected"]) == (2, [])
    anna = await person_by_email(store, "anna@example.nl")
    bert = await person_by_email(store, "bert@example.nl")
    assert anna.emails == ["anna@example.nl", "a.devries@example.nl"]  # type: ignore[attr-defined]
    assert anna.phones == ["+31612345678", "+31201234567"]  # type: ignore[attr-defined]
    assert anna.gender == "female" and anna.language == "nl"  # type: ignore[attr-defined]
    assert str(anna.birth_date) == "1980-02-01"  # type: ignore[attr-defined]
    assert str(bert.birth_date) == "1979-03-01"  # type: ignore[attr-defined]
    assert anna.tags == ["vip", "nieuw"]  # type: ignore[attr-defined]
    assert anna.attributes == {"customer_number": "C1"}  # type: ignore[attr-defined]
    assert anna.household_id and anna.household_id == bert.household_id  # type: ignore
    household = await store.households.get(anna.household_id)  # type: ignore[attr-defined]
    assert household is not None and household.address.postcode == "1234 AB"
    roles = await store.roles.for_person(anna.id)  # type: ignore[attr-defined]
    assert [(r.function, r.email, r.phone) for r in roles] == [
        ("CTO", "anna@acme.nl", "+31301234567")]
    business = await store.identities.get("email", "anna@acme.nl")
    assert business is not None and business.role_id == roles[0].id
    assert [r.outcome for r in rows] == ["created", "created"]
    assert rows[0].person_id == anna.id  # type: ignore[attr-defined]


async def test_household_by_street_and_postcode(service: ContactImportService,
                                                store: Store) -> None:
    text = ("email,street,postcode,city\n"
            "c@example.nl,Kerkstraat 5,1234AB,Utrecht\n"
            "d@example.nl,kerkstraat  5,1234 ab,Utrecht\n"
            "e@example.nl,Kerkstraat 7,1234 AB,Utrecht\n")
    report, _ = await run(service, text)
    assert report["created"] == 3
    c, d, e = [await person_by_email(store, f"{x}@example.nl") for x in "cde"]
    assert c.household_id == d.household_id != e.household_id  # type: ignore[attr-defined]
    again, _ = await run(service, "email,street,postcode\nf@example.nl,KERKSTRAAT 5,1234 AB\n")
    assert again["created"] == 1
    f = await person_by_email(store, "f@example.nl")
    assert f.household_id == c.household_id  # type: ignore[attr-defined]


async def test_rerun_is_unchanged_and_duplicate_rows_are_unchanged(
        service: ContactImportService) -> None:
    first, _ = await run(service, FULL + FULL.split("\n", 1)[1])
    assert (first["created"], first["unchanged"], first["updated"]) == (2, 2, 0)
    again, rows = await run(service, FULL)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert all(r.person_id for r in rows)


async def test_update_fills_and_changes_fields_skip_leaves_them(
        service: ContactImportService, store: Store) -> None:
    await run(service, "name,email,tags\nAnna,anna@example.nl,vip\n")
    skipped, rows = await run(service, "name,email,phone\nAnna B,anna@example.nl,0612345678\n",
                              on_match="skip")
    assert skipped["unchanged"] == 1 and "skip" in rows[0].reason
    assert (await person_by_email(store, "anna@example.nl")).name == "Anna"  # type: ignore
    updated, _ = await run(service, "name,email,phone,tags,language\n"
                           "Anna B,anna@example.nl,0612345678,nieuw,en\n")
    assert updated["updated"] == 1
    anna = await person_by_email(store, "anna@example.nl")
    assert anna.name == "Anna B" and anna.language == "en"  # type: ignore[attr-defined]
    assert anna.phones == ["+31612345678"]  # type: ignore[attr-defined]
    assert anna.tags == ["vip", "nieuw"]  # type: ignore[attr-defined]
    assert (await store.identities.get("phone", "+31612345678")) is not None
    assert await store.persons.count() == 1  # never a duplicate person


async def test_matched_by_any_address_never_duplicates(service: ContactImportService,
                                                       store: Store) -> None:
    await run(service, "email\nanna@example.nl\n")
    report, _ = await run(service, "email,phone\n ANNA@example.nl ,+31612345678\n")
    assert report["updated"] == 1 and await store.persons.count() == 1


async def test_address_of_another_person_rejects_the_row_with_the_owner(
        service: ContactImportService, store: Store) -> None:
    await run(service, "email,phone\nanna@example.nl,\nbert@example.nl,0612345678\n")
    bert = await person_by_email(store, "bert@example.nl")
    report, rows = await run(service, "name,email,phone\nAnna,anna@example.nl,0612345678\n")
    assert report["rejected"] == [{"line": 2, "error": rows[0].reason}]
    assert bert.id in rows[0].reason  # type: ignore[attr-defined]
    anna = await person_by_email(store, "anna@example.nl")
    assert anna.phones == [] and anna.name == ""  # type: ignore[attr-defined]


async def test_taken_role_address_writes_nothing_of_the_row(
        service: ContactImportService, store: Store) -> None:
    await run(service, "email\nowner@acme.nl\nanna@example.nl\n")
    owner = await person_by_email(store, "owner@acme.nl")
    report, rows = await run(service, "email,phone,organisation,role_email\n"
                             "anna@example.nl,0612345678,Acme,owner@acme.nl\n")
    assert report["rejected_total"] == 1 and "owner@acme.nl" in rows[0].reason
    assert owner.id in rows[0].reason  # type: ignore[attr-defined]
    assert await store.persons.count() == 2
    assert await store.identities.get("phone", "+31612345678") is None
    assert await store.organisations.find(name_contains="Acme") == []
    anna = await person_by_email(store, "anna@example.nl")
    assert await store.roles.for_person(anna.id) == []  # type: ignore[attr-defined]


async def test_invalid_values_are_rejected_per_row_with_line_and_reason(
        service: ContactImportService, store: Store) -> None:
    text = ("name,email,phone,birth_date,gender\n"
            "Good,good@example.nl,0612345678,,\n"
            "Bad phone,bad@example.nl,12345,,\n"
            "Bad mail,not-an-address,,,\n"
            "Bad date,date@example.nl,,31-31-2000,\n"
            "No address,,,,\n"
            "Bad gender,g@example.nl,,,dragon\n")
    report, _ = await run(service, text)
    assert report["created"] == 1
    errors = {r["line"]: r["error"] for r in report["rejected"]}  # type: ignore[attr-defined]
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert errors[3].startswith("phone:") and errors[4].startswith("email:")
    assert errors[5].startswith("birth_date:") and "no email or phone" in errors[6]
    assert errors[7].startswith("gender:")
    assert await store.persons.count() == 1
    assert await store.identities.get("email", "bad@example.nl") is None


async def test_dutch_excel_cp1252_semicolons_without_bom(service: ContactImportService,
                                                         store: Store) -> None:
    text = ("naam;e-mail;telefoon;tags\r\n"
            "Renée Jansen;renee@example.nl;06-12345678;\"klant;vip\"\r\n"
            "José Müller;jose@example.nl;;\r\n")
    report, _ = await run(service, text.encode("cp1252"),
                          columns={"naam": "name", "e-mail": "email", "telefoon": "phone"})
    assert report["created"] == 2 and report["rejected"] == []
    assert any("Windows-1252" in w for w in report["warnings"])  # type: ignore[attr-defined]
    renee = await person_by_email(store, "renee@example.nl")
    assert renee.name == "Renée Jansen" and renee.tags == ["klant", "vip"]  # type: ignore


async def test_utf8_bom_and_quoted_newlines(service: ContactImportService,
                                            store: Store) -> None:
    text = ('\ufeffemail,name,attr.note\r\n'
            'a@example.nl,"Ånna ""A"" Smit","line one\r\nline two"\r\n'
            'b@example.nl,Bert,x\r\n')
    report, rows = await run(service, text.encode("utf-8"))
    assert report["created"] == 2 and report["warnings"] == []
    anna = await person_by_email(store, "a@example.nl")
    assert anna.name == 'Ånna "A" Smit'  # type: ignore[attr-defined]
    assert anna.attributes["note"] == "line one\nline two"  # type: ignore[attr-defined]
    assert [r.line for r in rows] == [2, 4]  # the line each record starts on


async def test_unclosed_quote_and_unreadable_line(service: ContactImportService) -> None:
    text = b'email,name\nok@example.nl,Ok\n\x81\x8d@example.nl,x\nlast@example.nl,"never\n'
    report, _ = await run(service, text)
    assert report["created"] == 1
    assert [r["line"] for r in report["rejected"]] == [3, 4]  # type: ignore[attr-defined]


async def test_header_problems_refuse_the_file_before_any_write(
        service: ContactImportService, store: Store) -> None:
    with pytest.raises(InvalidInput, match="no email or phone column"):
        await run(service, "name,city\nAnna,Utrecht\n")
    with pytest.raises(InvalidInput, match="empty"):
        await run(service, "")
    with pytest.raises(InvalidInput, match="unknown Hub fields"):
        await run(service, "Mail\na@example.nl\n", columns={"Mail": "e-mail"})
    with pytest.raises(InvalidInput, match="together"):
        await run(service, "email\na@example.nl\n", consent_basis="contract")
    assert await store.persons.count() == 0


async def test_file_over_the_limit_is_refused(service: ContactImportService) -> None:
    with pytest.raises(PayloadTooLarge) as refused:
        await run(service, "email\n" + "a@example.nl\n" * 100, max_bytes=200)
    assert refused.value.status == 413


async def test_consent_needs_a_basis_and_is_stored_as_proof(
        service: ContactImportService, store: Store) -> None:
    text = "email,phone,consent_email,consent_sms\na@example.nl,0612345678,opted_in,opted_in\n"
    report, rows = await run(service, text, name="shop-2026")
    assert report["created"] == 1 and "consent_email not recorded" in rows[0].reason
    assert any("stay unknown" in w for w in report["warnings"])  # type: ignore[attr-defined]
    person = await person_by_email(store, "a@example.nl")
    assert person.consent_for("email").status == "unknown"  # type: ignore[attr-defined]
    report, _ = await run(service, text, name="shop-2026", **BASIS)
    assert report["updated"] == 1
    person = await person_by_email(store, "a@example.nl")
    email = person.consent_for("email")  # type: ignore[attr-defined]
    assert (email.status, email.source, email.text) == (
        "opted_in", "import:shop-2026", BASIS["consent_text"])
    assert email.address == "a@example.nl" and BASIS["consent_basis"] in email.confirmation
    assert person.consent_for("sms").status == "opted_in"  # type: ignore[attr-defined]
    again, _ = await run(service, text, name="shop-2026", **BASIS)
    assert again["unchanged"] == 1


async def test_opt_out_is_kept_and_never_overridden(service: ContactImportService,
                                                    store: Store) -> None:
    report, _ = await run(service, "email,consent_email\na@example.nl,opted_out\n")
    assert report["created"] == 1
    person = await person_by_email(store, "a@example.nl")
    assert person.consent_for("email").status == "opted_out"  # type: ignore[attr-defined]
    report, rows = await run(service, "email,consent_email\na@example.nl,opted_in\n", **BASIS)
    assert report["unchanged"] == 1 and "stays opted out" in rows[0].reason
    person = await person_by_email(store, "a@example.nl")
    assert person.consent_for("email").status == "opted_out"  # type: ignore[attr-defined]


async def test_erased_address_is_not_reimported_as_opted_in(
        service: ContactImportService, store: Store, identities: IdentityService) -> None:
    await store.suppressions.add(Suppression(
        hash=identities.suppression_hash("email", "gone@example.nl"), kind="email"))
    report, rows = await run(service, "email,consent_email\ngone@example.nl,opted_in\n",
                             **BASIS)
    assert report["created"] == 1 and "stays opted out" in rows[0].reason
    person = await person_by_email(store, "gone@example.nl")
    assert person.consent_for("email").status == "opted_out"  # type: ignore[attr-defined]
    assert person.consent_for("email").source == "suppression"  # type: ignore[attr-defined]


async def test_dry_run_gives_the_same_report_and_writes_nothing(
        service: ContactImportService, store: Store) -> None:
    await run(service, "email\ntaken@example.nl\n")
    text = (FULL + FULL.split("\n", 1)[1]
            + "X,taken@example.nl,x@example.nl,0612345678,,,,,,,,,,,,,,\n"
            + "Y,bad,,,,,,,,,,,,,,,,\n")
    dry, dry_rows = await run(service, text, dry_run=True, **BASIS)
    assert await store.persons.count() == 1
    assert await store.households.find() == [] and await store.organisations.find() == []
    assert await store.identities.get("email", "anna@example.nl") is None
    real, real_rows = await run(service, text, **BASIS)
    assert dry["dry_run"] is True and real["dry_run"] is False
    def same(report: dict[str, object]) -> str:  # new persons get new ids in each run
        return re.sub(r"[0-9a-f]{24}", "<id>", repr({k: v for k, v in report.items()
                                                   if k != "dry_run"}))

    assert same(dry) == same(real)
    assert [(r.line, r.outcome) for r in dry_rows] == [(r.line, r.outcome) for r in real_rows]
    assert (real["created"], real["unchanged"], real["rejected_total"]) == (2, 2, 2)


async def test_mapping_saved_by_name_and_reused(service: ContactImportService,
                                                store: Store) -> None:
    columns = {"E-mailadres": "email", "Naam": "name", "Klantnummer": "attr.customer_number"}
    report, _ = await run(service, "E-mailadres,Naam,Klantnummer,Notitie\na@example.nl,A,1,x\n",
                          columns=columns, save_mapping="crm-export")
    assert report["created"] == 1
    assert any("Notitie" in w for w in report["warnings"])  # type: ignore[attr-defined]
    assert await service.saved_mapping("crm-export") == columns
    report, _ = await run(service, "Naam,E-mailadres,Klantnummer\nB,b@example.nl,2\n",
                          mapping="crm-export")
    assert report["created"] == 1
    b = await person_by_email(store, "b@example.nl")
    assert b.name == "B" and b.attributes == {"customer_number": "2"}  # type: ignore
    with pytest.raises(NotFound):
        await run(service, "email\nc@example.nl\n", mapping="nope")


async def test_dry_run_saves_no_mapping(service: ContactImportService) -> None:
    await run(service, "Mail\na@example.nl\n", columns={"Mail": "email"}, save_mapping="m",
              dry_run=True)
    with pytest.raises(NotFound):
        await service.saved_mapping("m")


class RacingBatches:
    """Another writer takes `phone` between the chunk's look-ups and its write (a real race,
    staged: the other claim is a real insert into the same store)."""

    def __init__(self, store: Store, kind: AddressKind = "phone",
                 racing: str = "+31612345678") -> None:
        self._store = store
        self._batches = store.contact_batches
        self.kind, self.racing = kind, racing

    def __getattr__(self, name: str) -> object:
        return getattr(self._batches, name)

    async def write(self, batch: ContactBatch) -> bool:
        if await self._store.identities.get(self.kind, self.racing) is None:
            await self._store.identities.insert(Identity(kind=self.kind, value=self.racing,
                                                         person_id="someone-else"))
        return await self._batches.write(batch)


async def test_a_race_for_an_address_undoes_the_row(store: Store) -> None:
    store.contact_batches = RacingBatches(store)  # type: ignore[misc]
    identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
    service = ContactImportService(store, identities, TimelineService(store),
                                   default_region="NL")
    report, rows = await run(service, "email,phone,household_key,organisation\n"
                             "b@example.nl,,H2,\n"
                             "a@example.nl,0612345678,H1,Acme\n")
    assert report["rejected_total"] == 1 and "someone-else" in rows[1].reason
    assert report["created"] == 1 and rows[0].outcome == "created"  # row by row after the race
    assert await store.persons.count() == 1
    assert await store.identities.get("email", "a@example.nl") is None
    assert await store.identities.get("email", "b@example.nl") is not None
    households = await store.households.find()
    assert len(households) == 1 and await store.organisations.find() == []


class RacingIdentities(IdentityService):
    """On the row-by-row path, another writer takes `phone` between the row's checks and its
    claim."""

    racing = "+31612345678"

    async def claim(self, person_id: str, kind: AddressKind, value: str,
                    role_id: str | None = None) -> Identity:
        if value == self.racing and await self._store.identities.get(kind, value) is None:
            await super().claim("someone-else", kind, value)
        return await super().claim(person_id, kind, value, role_id)


async def test_a_race_on_the_row_by_row_path_undoes_the_row(store: Store) -> None:
    """The chunk's batch fails (another writer took b@…), then on the row by row path a
    second writer takes the phone of the next row between its checks and its claim."""
    store.contact_batches = RacingBatches(store, "email", "b@example.nl")  # type: ignore[misc]
    racing = RacingIdentities(store, default_region="NL", secret_key="k" * 32)
    service = ContactImportService(store, racing, TimelineService(store), default_region="NL")
    report, rows = await run(service, "email,phone,household_key,organisation\n"
                             "b@example.nl,,,\n"
                             "a@example.nl,0612345678,H1,Acme\n")
    assert report["rejected_total"] == 2
    assert all("someone-else" in row.reason for row in rows)
    assert await store.persons.count() == 0
    assert await store.identities.get("email", "a@example.nl") is None
    assert await store.households.find() == [] and await store.organisations.find() == []


async def test_small_chunks_give_the_report_and_data_of_one_chunk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows that share an address or a household within a chunk and across chunks: the
    same report and the same persons whatever the chunk size; never a duplicate person."""
    text = ("name,email,phone,household_key,street,postcode,consent_email\n"
            "A,a@example.nl,0611111111,H1,,,opted_in\n"
            ",a@example.nl,0622222222,H1,,,\n"          # same person, same chunk
            "C,c@example.nl,,,Laan 1,1234 AB,opted_in\n"
            "C,c@example.nl,,,Laan 1,1234AB,opted_in\n"  # duplicate row
            "D,d@example.nl,,,laan  1,1234ab,\n"        # C's household by address
            "B,c@example.nl,0622222222,,,,\n"           # C's address and A's: rejected
            ",a@example.nl,0633333333,H1,,,\n")         # A again, in another chunk
    outcomes = []
    for size in (1000, 2, 1):
        monkeypatch.setattr("hub.services.contact_import.CHUNK_ROWS", size)
        store = await open_sqlite_store(f"sqlite:///{tmp_path}/hub-{size}.db")
        try:
            identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
            service = ContactImportService(store, identities, TimelineService(store),
                                           default_region="NL")
            report, rows = await run(service, text, **BASIS)
            a = await person_by_email(store, "a@example.nl")
            c = await person_by_email(store, "c@example.nl")
            d = await person_by_email(store, "d@example.nl")
            households = await store.households.find()
            events = await store.events.timeline(
                TimelineQuery(person_ids=[a.id]), limit=10)  # type: ignore[attr-defined]
            outcomes.append((
                [(r.line, r.outcome) for r in rows], await store.persons.count(),
                len(households), a.phones, a.name,  # type: ignore[attr-defined]
                c.household_id == d.household_id,  # type: ignore[attr-defined]
                [(e.channel, e.household_id == a.household_id)  # type: ignore[attr-defined]
                 for e in events]))
            assert report["rejected_total"] == 1
            again, _ = await run(service, text, **BASIS)
            assert (again["created"], again["updated"]) == (0, 0)
        finally:
            await store.close()
    assert outcomes[0] == outcomes[1] == outcomes[2]
    lines, persons, households, phones, name, shared, events = outcomes[0]
    assert lines == [(2, "created"), (3, "updated"), (4, "created"), (5, "unchanged"),
                     (6, "created"), (7, "rejected"), (8, "updated")]
    assert (persons, households, phones, name, shared) == (
        3, 2, ["+31611111111", "+31622222222", "+31633333333"], "A", True)
    assert events and all(stamped for _, stamped in events)
