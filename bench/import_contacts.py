"""Contact import: `ContactImportService` (the path `hub import contacts` and `POST
/api/v1/imports/contacts` take) against a bare `executemany` of the same rows, with peak memory.

Writes a CSV of N contacts (two per household, by household_key and by street+postcode, with
consent columns, tags and an attribute), then prints in one run:

  (a) the import into a fresh SQLite store, streamed from the file: rows/s;
  (b) the same rows parsed with the csv module and inserted with one `executemany` into a
      table of the same shape (one column per CSV column), in one transaction: rows/s;
  (c) the ratio (a)/(b);
  (d) peak Python memory (tracemalloc) of the import at two sizes: flat when the peak does
      not grow with the file (`--memory-rows ""` skips them).

Besides wall-clock rates it prints the CPU seconds of each (the process's, SQLite's thread
included) and their ratio: on a shared, loaded machine the CPU ratio is the steadier figure.

    python bench/import_contacts.py                        # 100,000 rows; memory at 5k and 20k
    python bench/import_contacts.py --rows 10000 --memory-rows 2000,8000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

from hub.services.contact_import import ContactImportService, ImportOptions
from hub.services.identities import IdentityService
from hub.services.timeline import TimelineService
from hub.store.sqlite import open_sqlite_store

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
        started, cpu = time.perf_counter(), time.process_time()
        report = await service.run(chunks(path), OPTIONS)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
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
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO contacts ({', '.join(repr(h) for h in HEADER)}) "
                         f"VALUES ({placeholders})", reader)
        conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, cpu


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
        print(f"{args.rows:,} contacts, {size / 1e6:.1f} MB of CSV "
              f"({args.rows // 2:,} households, consent columns)", file=sys.stderr)
        hub_seconds, hub_cpu = asyncio.run(hub_import(path, directory, args.rows))
        bare_seconds, bare_cpu = bare_insert(path, directory)
        hub_rate, bare_rate = args.rows / hub_seconds, args.rows / bare_seconds
        print(f"(a) hub import:         {hub_rate:10,.0f} rows/s  ({hub_seconds:.1f} s, "
              f"{args.rows / hub_cpu:,.0f} rows per CPU second)")
        print(f"(b) bare executemany:   {bare_rate:10,.0f} rows/s  ({bare_seconds:.2f} s, "
              f"{args.rows / bare_cpu:,.0f} rows per CPU second)")
        print(f"(c) ratio hub/bare:     {hub_rate / bare_rate:10.4f}  "
              f"(CPU: {bare_cpu / hub_cpu:.4f})")
        for rows in sizes:
            peak, elapsed = peak_memory(directory, rows)
            print(f"(d) peak memory at {rows:>9,} rows: {peak / 1e6:6.1f} MB "
                  f"(import {elapsed:.1f} s under tracemalloc)")


if __name__ == "__main__":
    main()
