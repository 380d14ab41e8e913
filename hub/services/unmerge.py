"""Undoing a merge from its audit (`hub.domain.merges.MergeRecord`), within its retention.

What moves back to the duplicate: its identities and roles (if the survivor still holds
them), the events and transactions that moved (by id), its profile as it was, and the
consent records of its own addresses (a decision made on one of them after the merge, e.g.
a STOP, goes back with the address). The survivor keeps everything else and loses only what
the merge added: the duplicate's addresses, their consent records, the profile fields and
tags that were filled from the duplicate. Events recorded on the survivor after the merge
stay with the survivor.

Order, for a crash in between: the duplicate is restored first (so identities pointing at it
resolve to a person), then identities, roles, events, transactions, the survivor, and last
the audit is marked undone. Every step is idempotent, so running the undo again after a
crash completes it.
"""

from __future__ import annotations

import contextlib

from hub.domain.address_consent import derived, materialise
from hub.domain.common import new_id, utcnow
from hub.domain.consent import CONSENT_CHANNELS, ConsentChannel, ConsentState
from hub.domain.events import Event
from hub.domain.merges import MergeRecord
from hub.domain.parties import Person
from hub.errors import Conflict, DuplicateKey, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.persons import PROFILE_FIELDS
from hub.services.timeline import TimelineService


async def undo_merge(store: Store, timeline: TimelineService, merge_id: str, *,
                     by: str | None) -> MergeRecord:
    record = await store.merges.get(merge_id)
    if record is None:
        raise NotFound(N_("no merge %(merge_id)s"), params={"merge_id": merge_id},
                       details={"id": merge_id})
    if record.undone_at is not None:
        raise Conflict(N_("this merge was undone already"),
                       details={"undone_at": record.undone_at.isoformat()})
    if utcnow() >= record.expires_at:
        raise Conflict(N_("this merge is older than its audit's retention and cannot be undone"),
                       details={"expires_at": record.expires_at.isoformat()})
    survivor = await store.persons.get(record.survivor_id)
    stub = await store.persons.get(record.duplicate_id)
    if survivor is None or not survivor.is_active:
        raise Conflict(N_("the surviving person was erased or merged since"),
                       details={"person_id": record.survivor_id})
    if stub is None or (stub.merged_into not in (None, survivor.id)) or stub.erased_at:
        raise Conflict(N_("the duplicate was changed since the merge"),
                       details={"person_id": record.duplicate_id})

    duplicate = _restored_duplicate(record, survivor)
    await store.persons.replace(duplicate)
    for identity in record.identities:
        current = await store.identities.get(identity.kind, identity.value)
        if current is not None and current.person_id == survivor.id:
            await store.identities.delete(identity.kind, identity.value)
            current = None
        if current is None:
            with contextlib.suppress(DuplicateKey):  # taken meanwhile: it stays theirs
                await store.identities.insert(identity)
    for role in record.roles:
        current_role = await store.roles.get(role.id)
        if current_role is not None and current_role.person_id == survivor.id:
            await store.roles.delete(role.id)
            current_role = None
        if current_role is None:
            await store.roles.insert(role)
    events = await store.events.reassign_ids(record.event_ids, duplicate.id)
    await store.transactions.reassign_ids(record.transaction_ids, duplicate.id)
    await store.persons.replace(_survivor_without_duplicate(record, survivor))
    now = utcnow()
    undone = record.model_copy(update={"undone_at": now, "undone_by": by})
    await store.merges.replace(undone)
    for person_id, text in (
            (survivor.id, f"The merge of {duplicate.id} into this person was undone "
                          f"({events} events moved back)."),
            (duplicate.id, f"This person was split off again from {survivor.id} "
                           f"({events} events moved back).")):
        await timeline.record(Event(
            id=new_id(), person_id=person_id, channel="system", direction="internal",
            subject="Merge undone", text=text,
            data={"unmerge": {"merge_id": record.id, "survivor_id": survivor.id,
                              "duplicate_id": duplicate.id, "events_moved": events,
                              "by": by}}))
    return undone


def _moved_addresses(record: MergeRecord) -> set[str]:
    before, dup = record.survivor_before, record.duplicate_before
    return {a for a in [*dup.emails, *dup.phones] if a not in [*before.emails, *before.phones]}


def _restored_duplicate(record: MergeRecord, survivor: Person) -> Person:
    """The duplicate as it was, with the latest consent record of each of its addresses
    (one given on the survivor after the merge counts)."""
    duplicate = record.duplicate_before
    mine, now = materialise(duplicate), materialise(survivor)
    address_consent: dict[ConsentChannel, list[ConsentState]] = {}
    for channel in CONSENT_CHANNELS:
        own = {r.address: r for r in mine.get(channel, [])}
        for state in now.get(channel, []):
            kept = own.get(state.address)
            if kept is not None and state.at and (kept.at is None or state.at > kept.at):
                own[state.address] = state
        if own:
            address_consent[channel] = list(own.values())
    restored = duplicate.model_copy(update={
        "merged_into": None, "address_consent": address_consent, "updated_at": utcnow()})
    _refresh_views(restored, duplicate)
    return restored


def _survivor_without_duplicate(record: MergeRecord, survivor: Person) -> Person:
    before, dup = record.survivor_before, record.duplicate_before
    moved = _moved_addresses(record)
    update: dict[str, object] = {
        "emails": [e for e in survivor.emails if e not in moved],
        "phones": [p for p in survivor.phones if p not in moved],
        "tags": [t for t in survivor.tags if t in before.tags or t not in dup.tags],
        "attributes": {k: v for k, v in survivor.attributes.items()
                       if k in before.attributes or dup.attributes.get(k) != v},
        "address_consent": {channel: kept for channel, states in survivor.address_consent.items()
                            if (kept := [s for s in states if s.address not in moved])},
        "consent": dict(before.consent), "updated_at": utcnow()}
    for name in PROFILE_FIELDS:
        if getattr(before, name) in (None, "", [], {}) and getattr(survivor, name) == getattr(
                dup, name) and name not in ("tags", "attributes"):
            update[name] = getattr(before, name)
    restored = survivor.model_copy(update=update)
    _refresh_views(restored, before)
    return restored


def _refresh_views(person: Person, fallback: Person) -> None:
    """The person-level consent per channel from the address records; a channel without any
    record for a current address keeps the state `fallback` had."""
    consent: dict[ConsentChannel, ConsentState] = {}
    for channel in CONSENT_CHANNELS:
        view = derived(person, channel)
        if view is None:
            view = fallback.consent.get(channel)
        if view is not None:
            consent[channel] = view
    person.consent = consent
