"""A realistic, deterministic demo data set, written through the Store repositories only.

`generate_demo(store, persons=2000, seed=0)` makes persons in households (with addresses),
organisations with roles, an identity for every address, a year of timeline events on every
channel and a year of transactions whose amounts are spread so that an 80/20 pyramid shows.

Determinism: everything is drawn from one `random.Random(seed)` in a fixed order; `today` only
places the data in time (the year before it). Ids are derived from the seed, events and
transactions carry deterministic external ids, and every write is idempotent, so running again
with the same seed (even after an interrupted run) adds nothing twice. A finished run leaves a
marker in `channel_state`, so a repeat returns at once.

Safety: every email address is under the reserved `.example` top-level domain (RFC 2606), so a
campaign sent to demo persons can never reach a real mailbox. Phone numbers are valid Dutch
mobile numbers and may exist: do not run campaigns on demo data with real Twilio credentials.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hub.demo.generator import Plan, batches, build_plan
from hub.demo.inbox import generate_inbox_demo
from hub.domain.common import utcnow
from hub.domain.identities import Identity
from hub.errors import DuplicateKey
from hub.ports import Store

__all__ = ["DemoSummary", "Plan", "build_plan", "generate_demo"]

Progress = Callable[[int, int], None]

PERSON_BATCH = 100  # persons between progress reports (they are written one by one)
EVENT_BATCH = 500
TRANSACTION_BATCH = 1000


@dataclass(slots=True)
class DemoSummary:
    """What one run inserted; `skipped` when this seed was already complete in the store."""

    persons: int = 0
    households: int = 0
    organisations: int = 0
    roles: int = 0
    identities: int = 0
    events: int = 0
    transactions: int = 0
    conversations: int = 0
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _marker_key(seed: int, persons: int) -> str:
    return f"demo:seed={seed}:persons={persons}"


async def generate_demo(
    store: Store,
    *,
    persons: int = 2000,
    seed: int = 0,
    region: str = "NL",
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill `store` with the demo data set; a repeat with the same seed inserts nothing."""
    marker = _marker_key(seed, persons)
    if await store.channel_state.get(marker):
        return DemoSummary(skipped=True)
    today = today or date.today()
    plan = build_plan(persons=persons, seed=seed, region=region, today=today)
    summary = DemoSummary()
    identity_count = sum(len(v) for v in plan.identities.values())
    total = (len(plan.households) + len(plan.persons) + identity_count
             + len(plan.organisations) + len(plan.roles) + len(plan.events)
             + len(plan.transactions))
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    for household in plan.households:
        summary.households += await _insert(store.households.insert, household)
    advance(len(plan.households))
    for organisation in plan.organisations:
        summary.organisations += await _insert(store.organisations.insert, organisation)
    advance(len(plan.organisations))
    pending = 0  # persons and identities written since the last progress report
    taken: set[str] = set()  # addresses someone outside this data set already owns
    for n, person in enumerate(plan.persons, 1):
        kept, added = await _claim_addresses(store, plan.identities[person.id])
        summary.identities += added
        if len(kept) != len(plan.identities[person.id]):
            taken.update(i.value for i in plan.identities[person.id] if i not in kept)
            person.emails = [e for e in person.emails if e not in taken]
            person.phones = [p for p in person.phones if p not in taken]
        summary.persons += await _insert(store.persons.insert, person)
        pending += 1 + len(plan.identities[person.id])
        if n % PERSON_BATCH == 0 or n == len(plan.persons):
            advance(pending)
            pending = 0
    for role in plan.roles:
        if role.email in taken:
            role.email = None
        if role.phone in taken:
            role.phone = None
        summary.roles += await _insert(store.roles.insert, role)
    advance(len(plan.roles))
    for batch in batches(plan.events, EVENT_BATCH):
        summary.events += await store.events.append_many(batch)
        advance(len(batch))
    for tx_batch in batches(plan.transactions, TRANSACTION_BATCH):
        summary.transactions += await store.transactions.append_many(tx_batch)
        advance(len(tx_batch))
    now = utcnow()
    if today != now.date():  # a data set placed in another day: its inbox is that day's eve
        now = datetime.combine(today, time(0), UTC) - timedelta(minutes=1)
    inbox = await generate_inbox_demo(store, plan.persons, seed=seed, now=now)
    summary.conversations = inbox.conversations
    summary.events += inbox.events
    await store.channel_state.put(marker, {"summary": summary.as_dict(),
                                           "today": today.isoformat()})
    return summary


async def _insert(insert: Callable[[Any], Awaitable[None]], record: Any) -> int:
    """1 when inserted, 0 when a record with that id is already there (a repeat run)."""
    try:
        await insert(record)
    except DuplicateKey:
        return 0
    return 1


async def _claim_addresses(
    store: Store, identities: list[Identity]
) -> tuple[list[Identity], int]:
    """Insert each identity; keep those now owned by their person, drop ones owned by others."""
    kept: list[Identity] = []
    added = 0
    for identity in identities:
        try:
            await store.identities.insert(identity)
            added += 1
            kept.append(identity)
        except DuplicateKey:
            owner = await store.identities.get(identity.kind, identity.value)
            if owner is not None and owner.person_id == identity.person_id:
                kept.append(identity)
    return kept, added

