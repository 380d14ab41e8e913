"""Contact import: `ContactImportService` (the path `hub import contacts` and `POST
/api/v1/imports/contacts` take) against a bare `executemany` of the same rows, with peak memory.

Writes a CSV of N contacts (two per household, by household_key and by street+postcode, with
consent columns, tags and an attribute), then prints in one run:

  (a) the import into a fresh SQLite store, streamed from the file: rows/s;
  (b) the same rows parsed with the csv module and inserted with one `executemany` into a
      table of the same shape (one column per CSV column), in one transaction: rows/s;
  (c) a fair floor: the same rows read with the csv module, checked with the same libraries
      (phonenumbers, the email normaliser), and written with `executemany` (the search text
      as one statement per chunk, the way the import does) into a fresh Hub schema: persons,
      identities, households (with their key), consent events and the staff-search tables
      with their indexes and FTS, each document one `json.dumps`: what any importer of these
      rows into these tables pays, without Hub's planning (matching, the per-row report,
      consent proof records, all-or-nothing rows);
  (d) the ratios (a)/(b), the issue's goal, and (a)/(c);
  (e) peak Python memory (tracemalloc) of the import at two sizes: flat when the peak does
      not grow with the file (`--memory-rows ""` skips them).

Besides wall-clock rates it prints the CPU per row of each (the process's, SQLite's thread
included) and their ratios: on a shared, loaded machine the CPU ratio is the steadier figure.

    python bench/import_contacts.py                        # 100,000 rows; memory at 5k and 20k
    python bench/import_contacts.py --rows 10000 --memory-rows 2000,8000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import phonenumbers

from hub.domain.common import new_id, utcnow
from hub.domain.identities import normalise_email
from hub.domain.search import compact_postcode, fold, name_keys, reversed_digits
from hub.services.contact_import import ContactImportService, ImportOptions
from hub.services.identities import IdentityService
from hub.services.timeline import TimelineService
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_contact_batches import INSERT_TEXTS

sys.path.insert(0, str(Path(__file__).parent))
from run_facts import cpu_s, print_run_facts

HEADER = ("name", "email", "phone", "language", "tags", "attr.customer_number",
          "household_key", "street", "postcode", "city", "consent_email", "consent_sms")
CHUNK = 256 * 1024
OPTIONS = ImportOptions(name="bench", consent_basis="consent (bench)",
                        consent_text="Yes, send me the newsletter.")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(rows):
            home = i // 2
            by_key = home % 2 == 0  # half the households by key, half by address
            out.writerow((
                f"Person {i}", f"person.{i}@example.nl", f"+3161{i % 10_000_000:07d}",
                "nl" if i % 3 else "en", "bench;vip" if i % 10 == 0 else "bench",
                f"C{i}", f"H{home}" if by_key else "", f"Straat {home}",
                f"{1000 + home % 8999} AB", "Utrecht",
                "opted_in" if i % 4 else "opted_out", "opted_out" if i % 5 == 0 else ""))


async def chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


async def hub_import(path: Path, directory: Path, rows: int) -> tuple[float, float]:
    database = Path(tempfile.mkdtemp(dir=directory)) / "hub.db"  # a fresh store each run
    store = await open_sqlite_store(f"sqlite:///{database}")
    try:
        identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
        service = ContactImportService(store, identities, TimelineService(store),
                                       default_region="NL")
        started, cpu = time.perf_counter(), cpu_s()
        report = await service.run(chunks(path), OPTIONS)
        elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu
    finally:
        await store.close()
    if report.created != rows or report.rejected_total:
        raise SystemExit(f"unexpected report: {report.to_json()}")
    return elapsed, cpu


def bare_insert(path: Path, directory: Path) -> tuple[float, float]:
    conn = sqlite3.connect(directory / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    columns = ", ".join(f'"{name}" TEXT' for name in HEADER)
    conn.execute(f"CREATE TABLE contacts (id INTEGER PRIMARY KEY, {columns})")
    placeholders = ", ".join("?" for _ in HEADER)
    started, cpu = time.perf_counter(), cpu_s()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO contacts ({', '.join(repr(h) for h in HEADER)}) "
                         f"VALUES ({placeholders})", reader)
        conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu
    conn.close()
    return elapsed, cpu


def _e164(raw: str) -> str:
    number = phonenumbers.parse(raw, "NL")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(raw)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def fair_floor(path: Path, directory: Path) -> tuple[float, float]:
    """(c): the rows checked and written into Hub's own tables, without Hub's planning."""
    database = Path(tempfile.mkdtemp(dir=directory)) / "floor.db"
    asyncio.run(_create_schema(database))
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    column = {name: index for index, name in enumerate(HEADER)}
    proof = {"source": "import:bench", "text": OPTIONS.consent_text,
             "confirmation": f"legal basis: {OPTIONS.consent_basis}"}
    started, cpu = time.perf_counter(), cpu_s()
    households: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN")
        while rows := [row for _, row in zip(range(1000), reader, strict=False)]:
            _floor_chunk(conn, rows, column, households, proof)
        conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu
    conn.close()
    return elapsed, cpu


async def _create_schema(database: Path) -> None:
    store = await open_sqlite_store(f"sqlite:///{database}")
    await store.close()


def _floor_chunk(conn: sqlite3.Connection, rows: list[list[str]], column: dict[str, int],
                 households: dict[str, str], proof: dict[str, str]) -> None:
    persons, identities, homes, states, events, texts, keys = [], [], [], [], [], [], []
    now = utcnow().isoformat()
    for row in rows:
        person_id, name = new_id(), row[column["name"]].strip()
        email = normalise_email(row[column["email"]])
        phone = _e164(row[column["phone"]].strip())
        key = row[column["household_key"]] or (
            row[column["postcode"]].replace(" ", "").upper() + "|"
            + row[column["street"]].casefold())
        home = households.get(key)
        if home is None:
            home = households[key] = new_id()
            home_name = f"{row[column['street']]}, {row[column['postcode']]}"
            homes.append((home, home_name.lower(), json.dumps({
                "id": home, "name": home_name, "address": {
                    "street": row[column["street"]], "postcode": row[column["postcode"]],
                    "city": row[column["city"]]}})))
            if row[column["household_key"]]:
                states.append((f"import-household:{key}", json.dumps({"id": home})))
            texts += [("household", home, "name", fold(home_name)),
                      ("household", home, "postcode",
                       compact_postcode(row[column["postcode"]]))]
            keys += [(k, "household", home) for k in name_keys(home_name)]
        consent = {channel: {"status": status, "at": now, **proof} for channel, status in (
            ("email", row[column["consent_email"]]), ("sms", row[column["consent_sms"]]))
            if status}
        persons.append((person_id, name.lower(), home, 1, json.dumps({
            "id": person_id, "name": name, "emails": [email], "phones": [phone],
            "language": row[column["language"]], "household_id": home,
            "tags": [t for t in row[column["tags"]].split(";") if t],
            "attributes": {"customer_number": row[column["attr.customer_number"]]},
            "consent": consent})))
        identities += [("email", email, person_id, json.dumps(
                            {"kind": "email", "value": email, "person_id": person_id}), None),
                       ("phone", phone, person_id, json.dumps(
                           {"kind": "phone", "value": phone, "person_id": person_id}),
                        reversed_digits(phone))]
        events += [(new_id(), person_id, None, "system", now, None, "internal", json.dumps(
            {"person_id": person_id, "household_id": home, "channel": "system",
             "data": {"consent": {"channel": channel, **state}}}))
            for channel, state in consent.items()]
        texts += [("person", person_id, "name", fold(name)),
                  ("person", person_id, "email", fold(email))]
        keys += [(k, "person", person_id) for k in name_keys(name)]
    conn.executemany("INSERT INTO persons (id, name_lower, household_id, active, doc) "
                     "VALUES (?, ?, ?, ?, ?)", persons)
    conn.executemany("INSERT INTO identities (kind, value, person_id, doc, phone_suffix) "
                     "VALUES (?, ?, ?, ?, ?)", identities)
    conn.executemany("INSERT INTO households (id, name_lower, doc) VALUES (?, ?, ?)", homes)
    conn.executemany("INSERT INTO channel_state (key, doc) VALUES (?, ?)", states)
    conn.executemany("INSERT INTO events (id, person_id, organisation_id, channel, occurred_at, "
                     "external_id, direction, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events)
    conn.execute(INSERT_TEXTS, (json.dumps(texts),))
    conn.executemany("INSERT OR IGNORE INTO search_keys (key, owner_kind, owner_id) "
                     "VALUES (?, ?, ?)", sorted(keys))


def peak_memory(directory: Path, rows: int) -> tuple[int, float]:
    path = directory / f"memory-{rows}.csv"
    write_csv(path, rows)
    tracemalloc.start()
    elapsed, _ = asyncio.run(hub_import(path, directory, rows))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", default="5000,20000",
                        help="two sizes for the peak-memory runs (comma-separated)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    sizes = [int(s) for s in args.memory_rows.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = directory / "contacts.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size
        print_run_facts()
        print(f"{args.rows:,} contacts, {size / 1e6:.1f} MB of CSV "
              f"({args.rows // 2:,} households, consent columns)", file=sys.stderr)
        hub_seconds, hub_cpu = asyncio.run(hub_import(path, directory, args.rows))
        bare_seconds, bare_cpu = bare_insert(path, directory)
        floor_seconds, floor_cpu = fair_floor(path, directory)
        n = args.rows
        for label, seconds, cpu in (("(a) hub import:      ", hub_seconds, hub_cpu),
                                    ("(b) bare executemany:", bare_seconds, bare_cpu),
                                    ("(c) fair floor:      ", floor_seconds, floor_cpu)):
            print(f"{label} {n / seconds:10,.0f} rows/s  ({seconds:6.2f} s; "
                  f"CPU {cpu / n * 1e6:6.1f} µs per row)")
        print(f"(d) ratio hub/bare:  {bare_seconds / hub_seconds:8.4f}  (CPU: "
              f"{bare_cpu / hub_cpu:.4f}; goal 0.5)")
        print(f"    ratio hub/floor: {floor_seconds / hub_seconds:8.4f}  (CPU: "
              f"{floor_cpu / hub_cpu:.4f})")
        for rows in sizes:
            peak, elapsed = peak_memory(directory, rows)
            print(f"(e) peak memory at {rows:>9,} rows: {peak / 1e6:6.1f} MB "
                  f"(import {elapsed:.1f} s under tracemalloc)")


if __name__ == "__main__":
    main()
