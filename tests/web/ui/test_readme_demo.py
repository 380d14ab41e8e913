"""The README's newcomer path names a demo customer (by a phone number typed the way a person
would) whose timeline has every channel; this keeps that sentence true as the demo changes."""

from __future__ import annotations

from datetime import date

from hub.demo import build_plan
from hub.domain.events import EVENT_CHANNELS
from hub.domain.identities import normalise_phone


def test_readme_demo_customer_has_every_channel() -> None:
    plan = build_plan(persons=2000, seed=0, region="NL", today=date(2026, 1, 1))
    phone = normalise_phone("06-4305 6562", "NL")
    person = next(p for p in plan.persons if phone in p.phones)
    assert person.name == "Ingrid Willems"
    channels = {e.channel for e in plan.events if e.person_id == person.id}
    assert channels == set(EVENT_CHANNELS)
