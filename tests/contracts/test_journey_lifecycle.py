"""Store contract (every backend): archiving ends a journey's running enrolments, and
migrating moves the unleased ones at a step the new version still has."""

from __future__ import annotations

from hub.domain.common import new_id
from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.test_journeys import enrolment


async def test_exit_open_ends_active_enrolments_and_drops_their_leases(store: Store) -> None:
    journey_id = new_id()
    waiting = enrolment(journey_id, step_id="pause", due_at=f.at(86400),
                        waiting_since=f.at(0), wait_until=f.at(86400))
    leased = enrolment(journey_id)
    sending = enrolment(journey_id, state="sending", sending_event_id="ev1")
    done = enrolment(journey_id, state="done")
    elsewhere = enrolment(new_id())
    await store.enrolments.enrol_many([waiting, leased, sending, done, elsewhere])
    [held] = await store.enrolments.claim_due([journey_id], owner="w", now=f.at(1),
                                              until=f.at(60), limit=1)
    assert held.id in (leased.id, sending.id)

    assert await store.enrolments.exit_open(journey_id, reason="archived",
                                            now=f.at(5)) == 2
    for e in (waiting, leased):
        stored = await store.enrolments.get(e.id)
        assert stored is not None and stored.state == "exited"
        assert stored.exit_reason == "archived" and stored.finished_at == f.at(5)
        assert stored.lease_owner is None and stored.waiting_since is None
    assert (await store.enrolments.get(sending.id)).state == "sending"  # type: ignore[union-attr]
    assert (await store.enrolments.get(done.id)).state == "done"  # type: ignore[union-attr]
    assert (await store.enrolments.get(elsewhere.id)).state == "active"  # type: ignore[union-attr]
    if held.id == leased.id:  # the worker that held it can no longer save it
        assert await store.enrolments.save(held, owner="w") is False
    counts = await store.enrolments.counts(journey_id)
    assert counts.by_state == {"exited": 2, "sending": 1, "done": 1}
    assert await store.enrolments.claim_due([journey_id], owner="x", now=f.at(90000),
                                            until=f.at(90060), limit=10) != []  # sending


async def test_migrate_moves_unleased_enrolments_at_a_kept_step(store: Store) -> None:
    journey_id = new_id()
    kept = enrolment(journey_id, step_id="pause", due_at=f.at(3600))
    gone = enrolment(journey_id, step_id="old-step", due_at=f.at(3600))
    busy = enrolment(journey_id, step_id="hello")
    sending = enrolment(journey_id, state="sending", step_id="hello", due_at=f.at(3600))
    current = enrolment(journey_id, step_id="pause", version=2, due_at=f.at(3600))
    finished = enrolment(journey_id, state="done", step_id=None)
    await store.enrolments.enrol_many([kept, gone, busy, sending, current, finished])
    [held] = await store.enrolments.claim_due([journey_id], owner="w", now=f.at(1),
                                              until=f.at(60), limit=1)
    assert held.id == busy.id

    assert await store.enrolments.count_open_before(journey_id, 2) == 4
    moved = await store.enrolments.migrate(journey_id, version=2,
                                           step_ids=["hello", "pause"], now=f.at(5))
    assert moved == 1
    versions = {e.id: e.version for e in await store.enrolments.for_journey(journey_id)}
    assert versions == {kept.id: 2, gone.id: 1, busy.id: 1, sending.id: 1, current.id: 2,
                        finished.id: 1}
    assert await store.enrolments.count_open_before(journey_id, 2) == 3
    # once the worker's lease has run out, the busy one moves too
    assert await store.enrolments.migrate(journey_id, version=2, step_ids=["hello"],
                                          now=f.at(61)) == 1
    assert await store.enrolments.migrate(journey_id, version=2, step_ids=[],
                                          now=f.at(62)) == 0
