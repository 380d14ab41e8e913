"""Staff search latency on SQLite: the last 4 digits of a phone number and a misspelled name
over `--persons` persons (default 100,000), against the bare index lookups beneath them and
the LIKE scan search used before, all measured in this run.

Fills a fresh SQLite file as a release before search left it (persons, their emails and
mobile numbers, households with postcodes, organisations; plain inserts), then opens it with
this release, so the search migration indexes every row (its time is the upgrade's cost).
Then times `PartySearch.find` (what `GET /api/v1/search` and the `/search` page call: all
sources, three kinds, the first page of 25 with summaries loaded) for `--queries` random
queries of each kind, p50/p99, and the bare SQL floor for the same queries on a second
connection:

(a) a 4-digit phone suffix (`6562`): floor = the range scan on `identities.phone_suffix`;
(b) a surname with one letter dropped (`Wilems`): floor = the `search_keys` lookup;
(c) first name + misspelled surname (`Ingrid Wilems`): the typo candidates are checked
    against the first name too, so more of them are read;
and, for scale, the LIKE '%…%' scan over `persons.name_lower` that search did before.

    python bench/search.py
    python bench/search.py --persons 200000 --queries 500

Run from the project root with the project installed (`./scripts/test.sh` or
`pip install -e .`). The database lives in a temporary directory and is removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from hub.demo.pools import NL_FEMALE, NL_MALE, NL_SURNAMES, POSTCODE_LETTERS
from hub.domain.common import new_id
from hub.domain.identities import Identity
from hub.domain.parties import Address, Household, Organisation, Person
from hub.domain.search import deletions, fold, suffix_range
from hub.services.party_search import PartySearch
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite_db import Database
from hub.store.sqlite_schema import MIGRATIONS, migrate
from hub.store.sqlite_search import migrate_search

PAGE = 25
BEFORE_SEARCH = MIGRATIONS.index(migrate_search)


def machine_facts() -> str:
    cpus = os.cpu_count()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (f"{platform.platform()}; {cpus} CPUs; {platform.processor() or platform.machine()}; "
            f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
            f"load average {load} (other work on the machine slows every figure)")


def _people(rng: random.Random, count: int) -> tuple[list[Person], list[Identity],
                                                     list[Household], list[Organisation]]:
    persons: list[Person] = []
    identities: list[Identity] = []
    households: list[Household] = []
    phones: set[str] = set()
    taken: set[str] = set()
    while len(persons) < count:
        household = Household(id=new_id(), name="", address=Address(
            postcode=f"{rng.randrange(1000, 10000)} "
                     f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"))
        surname = rng.choice(NL_SURNAMES)
        household.name = f"Huishouden {surname}"
        households.append(household)
        for _ in range(min(rng.choice((1, 2, 2, 3, 4)), count - len(persons))):
            first = rng.choice(NL_FEMALE + NL_MALE)
            person = Person(id=new_id(), name=f"{first} {surname}", household_id=household.id)
            email = f"{fold(first)}.{fold(surname).replace(' ', '')}{rng.randrange(10**4)}" \
                    f"@example.{rng.choice(('nl', 'com', 'org'))}"
            if email not in taken:
                taken.add(email)
                person.emails = [email]
                identities.append(Identity(kind="email", value=email, person_id=person.id))
            if rng.random() < 0.8:
                phone = f"+316{rng.randrange(10**8):08d}"
                if phone not in phones:
                    phones.add(phone)
                    person.phones = [phone]
                    identities.append(Identity(kind="phone", value=phone, person_id=person.id))
            persons.append(person)
    organisations = [Organisation(id=new_id(), name=f"{rng.choice(NL_SURNAMES)} {i} B.V.")
                     for i in range(max(1, count // 50))]
    return persons, identities, households, organisations


async def fill_as_before_search(path: Path, rng: random.Random, count: int) -> list[Person]:
    persons, identities, households, organisations = _people(rng, count)
    db = await Database.connect(str(path))
    try:
        await migrate(db, MIGRATIONS[:BEFORE_SEARCH])
        async with db.transaction() as session:
            await session.run_many(
                "INSERT INTO persons (id, name_lower, household_id, active, doc) "
                "VALUES (?, ?, ?, 1, ?)",
                [(p.id, p.name.lower(), p.household_id, p.model_dump_json()) for p in persons])
            await session.run_many(
                "INSERT INTO identities (kind, value, person_id, doc) VALUES (?, ?, ?, ?)",
                [(i.kind, i.value, i.person_id, i.model_dump_json()) for i in identities])
            await session.run_many(
                "INSERT INTO households (id, name_lower, doc) VALUES (?, ?, ?)",
                [(h.id, h.name.lower(), h.model_dump_json()) for h in households])
            await session.run_many(
                "INSERT INTO organisations (id, name_lower, doc) VALUES (?, ?, ?)",
                [(o.id, o.name.lower(), o.model_dump_json()) for o in organisations])
    finally:
        await db.close()
    return persons


def _typo(rng: random.Random, word: str) -> str:
    """`word` with one letter (not the first) dropped: Willems → Wilems."""
    at = rng.randrange(1, len(word))
    return word[:at] + word[at + 1:]


def _surname(person: Person) -> str:
    return max(person.name.split()[1:], key=len)


async def timings(action: Callable[[str], Awaitable[object]], queries: Sequence[str]
                  ) -> list[float]:
    spent = []
    for q in queries:
        began = time.perf_counter()
        await action(q)
        spent.append(time.perf_counter() - began)
    return spent


def bare(path: Path, sql: str, params_of: Callable[[str], Sequence[object]],
         queries: Sequence[str]) -> list[float]:
    conn = sqlite3.connect(str(path))
    try:
        spent = []
        for q in queries:
            params = params_of(q)
            began = time.perf_counter()
            conn.execute(sql, params).fetchall()
            spent.append(time.perf_counter() - began)
        return spent
    finally:
        conn.close()


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] \
        if len(values) > 1 else values[0]


def report(label: str, hub: list[float], floor: list[float], note: str = "") -> None:
    p50, p99 = quantile(hub, 0.5) * 1000, quantile(hub, 0.99) * 1000
    f50, f99 = quantile(floor, 0.5) * 1000, quantile(floor, 0.99) * 1000
    print(f"{label:<34} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms   floor p50 {f50:6.2f} ms  "
          f"p99 {f99:6.2f} ms   ratio p50 {p50 / f50 if f50 else float('inf'):6.1f}{note}")


def _key_query(q: str) -> tuple[str, list[object]]:
    """The bare lookup of one-typo candidates: per query word of 4+ letters its deletion
    keys, the owners holding a key of every word, first page in id order."""
    groups = [sorted(deletions(w)) for w in dict.fromkeys(fold(q).split()) if len(w) >= 4]
    selects, params = [], []
    for group in groups:
        selects.append("SELECT DISTINCT owner_id FROM search_keys WHERE owner_kind = 'person' "
                       f"AND key IN ({', '.join('?' for _ in group)})")
        params += group
    return " INTERSECT ".join(selects) + " ORDER BY owner_id LIMIT ?", [*params, PAGE + 1]


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    print("machine: " + machine_facts())
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="hub-bench-search-") as tmp:
        path = Path(tmp) / "hub.db"
        began = time.perf_counter()
        persons = await fill_as_before_search(path, rng, args.persons)
        print(f"filled {len(persons):,} persons (plain inserts) in "
              f"{time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        store = await open_sqlite_store(f"sqlite:///{path}")
        print(f"search migration indexed them in {time.perf_counter() - began:.1f} s "
              f"(the upgrade's one-off cost)")
        try:
            await store._db.run("ANALYZE")  # type: ignore[attr-defined]
            search = PartySearch(store, region="NL")

            async def find(q: str) -> object:
                return await search.find(q, limit=PAGE)

            with_phone = [p for p in persons if p.phones]
            phones = [rng.choice(with_phone).phones[0][-4:] for _ in range(args.queries)]
            long_names = [p for p in persons if len(_surname(p)) >= 5]
            picked = [rng.choice(long_names) for _ in range(args.queries)]
            typos = [_typo(rng, fold(_surname(p))) for p in picked]
            full_typos = [f"{fold(p.name.split()[0])} {t}" for p, t in zip(picked, typos,
                                                                           strict=True)]
            for warm in (phones[:20], typos[:20]):
                await timings(find, warm)
            found = [len((await search.find(q, limit=PAGE)).items) for q in typos[:50]]
            print(f"{args.queries} queries each; a page is at most {PAGE} results "
                  f"(misspelled surnames fill {statistics.mean(found):.1f} on average)")
            suffix_sql = ("SELECT DISTINCT person_id FROM identities WHERE phone_suffix >= ? "
                          "AND phone_suffix < ? ORDER BY person_id LIMIT ?")
            report("(a) phone, last 4 digits", await timings(find, phones),
                   bare(path, suffix_sql, lambda q: [*suffix_range(q), PAGE + 1], phones))
            report("(b) misspelled surname", await timings(find, typos),
                   bare_keys(path, typos))
            report("(c) first name + misspelled surname", await timings(find, full_typos),
                   bare_keys(path, full_typos))
            like_sql = ("SELECT id FROM persons WHERE active = 1 AND name_lower LIKE ? "
                        "ORDER BY id LIMIT ?")
            scan = bare(path, like_sql, lambda q: [f"%{q}%", PAGE + 1], typos[:30])
            print(f"for scale: the LIKE scan search did before (finds no typo) p50 "
                  f"{quantile(scan, 0.5) * 1000:.2f} ms")
        finally:
            await store.close()
    return 0


def bare_keys(path: Path, queries: Sequence[str]) -> list[float]:
    conn = sqlite3.connect(str(path))
    try:
        spent = []
        for q in queries:
            sql, params = _key_query(q)
            began = time.perf_counter()
            conn.execute(sql, params).fetchall()
            spent.append(time.perf_counter() - began)
        return spent
    finally:
        conn.close()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
