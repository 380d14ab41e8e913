"""`hub analytics refresh` and `hub import transactions FILE.csv`.

The import reads the CSV in batches (never the whole file in memory), checks every line
(amount, time, a known person/household/organisation, or an email/phone naming a person),
stores each batch idempotently on `external_id`, shows a progress bar on stderr and reports
per line what was rejected and why; then the pyramid tiers are recomputed.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from campaigns.analytics import AnalyticsService
from hub.domain.common import new_id, utcnow
from hub.domain.transactions import Transaction
from hub.errors import InvalidInput
from hub.ports import Store
from hub.services.identities import IdentityService

BATCH = 1000
MAX_LISTED = 1000
PARTY_COLUMNS = ("person_id", "household_id", "organisation_id", "email", "phone")


@dataclass(slots=True)
class TransactionImportReport:
    lines: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    rejected_total: int = 0

    def reject(self, line: int, reason: str) -> None:
        self.rejected_total += 1
        if len(self.rejected) < MAX_LISTED:
            self.rejected.append((line, reason))


def read_amount(text: str) -> int:
    """Minor units from `12.34`, `12,34`, `-5` or `1234.5`; at most 2 decimals."""
    value = text.strip().replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"amount {text!r} is not a number") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"amount {text!r} has more than 2 decimals")
    if abs(amount) >= Decimal("1e12"):
        raise InvalidInput(f"amount {text!r} is too large")
    return int(amount * 100)


def read_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"occurred_at {text!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _rows(handle: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(handle)
    missing = {"external_id", "amount", "occurred_at"} - set(reader.fieldnames or ())
    if missing or not set(PARTY_COLUMNS) & set(reader.fieldnames or ()):
        raise InvalidInput("the CSV needs the columns external_id, amount, occurred_at and one "
                           "of " + ", ".join(PARTY_COLUMNS) + f" (missing: {sorted(missing)})")
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


class TransactionImport:
    def __init__(self, store: Store, identities: IdentityService) -> None:
        self._store = store
        self._identities = identities
        self._known: dict[tuple[str, str], bool] = {}

    async def _exists(self, kind: str, party_id: str) -> bool:
        key = (kind, party_id)
        if key not in self._known:
            repo: Any = {"person_id": self._store.persons, "household_id":
                         self._store.households, "organisation_id":
                         self._store.organisations}[kind]
            found = await repo.get(party_id)
            if len(self._known) > 100_000:
                self._known.clear()
            self._known[key] = found is not None and getattr(found, "is_active", True)
        return self._known[key]

    async def _party(self, row: dict[str, str]) -> dict[str, str]:
        """person_id / household_id / organisation_id of the line (known ones only)."""
        party: dict[str, str] = {}
        for kind in ("person_id", "household_id", "organisation_id"):
            if row.get(kind):
                if not await self._exists(kind, row[kind]):
                    raise InvalidInput(f"unknown {kind} {row[kind]}")
                party[kind] = row[kind]
        for kind, column in (("email", "email"), ("phone", "phone")):
            if not party.get("person_id") and row.get(column):
                value = self._identities.normalise(kind, row[column])  # type: ignore[arg-type]
                owner = await self._identities.owner(kind, value)  # type: ignore[arg-type]
                if owner is None:
                    raise InvalidInput(f"no person with {kind} {row[column]}")
                party["person_id"] = owner.person_id
        if not party:
            raise InvalidInput("no person_id, household_id, organisation_id, email or phone")
        return party

    async def run(self, handle: TextIO, *, total_lines: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> TransactionImportReport:
        """Import the CSV open in `handle`; `total_lines` (data lines) sizes the progress."""
        report = TransactionImportReport()
        seen: set[str] = set()
        batch: list[Transaction] = []
        for line, row in _rows(handle):
            report.lines += 1
            try:
                external_id = row.get("external_id", "")
                if not external_id or len(external_id) > 200:
                    raise InvalidInput("external_id is missing or longer than 200 characters")
                if external_id in seen:
                    report.duplicates += 1
                    continue
                party = await self._party(row)
                currency = (row.get("currency") or "EUR").upper()
                if len(currency) != 3 or not currency.isalpha():
                    raise InvalidInput(f"currency {currency!r} is not a 3-letter code")
                batch.append(Transaction(
                    id=new_id(), external_id=external_id,
                    amount_minor=read_amount(row.get("amount", "")), currency=currency,
                    occurred_at=read_time(row.get("occurred_at", "")),
                    person_id=party.get("person_id"), household_id=party.get("household_id"),
                    organisation_id=party.get("organisation_id")))
                seen.add(external_id)
            except InvalidInput as exc:
                report.reject(line, exc.message)
            if len(batch) >= BATCH:
                await self._store_batch(batch, report)
                batch = []
                if len(seen) > 1_000_000:
                    seen.clear()
                if progress:
                    progress(report.lines, max(total_lines, report.lines))
        await self._store_batch(batch, report)
        if progress:
            progress(report.lines, max(total_lines, report.lines))
        return report

    async def _store_batch(self, batch: list[Transaction], report: TransactionImportReport) -> None:
        if batch:
            inserted = await self._store.transactions.append_many(batch)
            report.imported += inserted
            report.duplicates += len(batch) - inserted


async def refresh_command(store: Store, start: datetime | None, end: datetime | None,
                          out: TextIO = sys.stdout) -> int:
    end = end or utcnow()
    start = start or end - timedelta(days=365)
    written = await AnalyticsService(store).refresh_tiers(start, end)
    print(f"Pyramid tiers for {start:%Y-%m-%d} to {end:%Y-%m-%d} stored on "
          + ", ".join(f"{n} {level}s" for level, n in written.items()), file=out)
    return 0


async def import_command(store: Store, identities: IdentityService, handle: TextIO,
                         total_lines: int, out: TextIO = sys.stdout,
                         err: TextIO = sys.stderr) -> int:
    """Exit 0 when every line was imported or a duplicate, 1 when some were rejected."""
    def bar(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} lines", end="",
              file=err, flush=True)

    report = await TransactionImport(store, identities).run(handle, total_lines=total_lines,
                                                            progress=bar)
    print(file=err)
    for line, reason in report.rejected:
        print(f"line {line}: rejected: {reason}", file=out)
    if report.rejected_total > len(report.rejected):
        print(f"... and {report.rejected_total - len(report.rejected)} more rejected lines",
              file=out)
    print(f"{report.lines} lines: {report.imported} imported, {report.duplicates} duplicates, "
          f"{report.rejected_total} rejected", file=out)
    if report.imported:
        await refresh_command(store, None, None, out=out)
    return 0 if report.rejected_total == 0 else 1
