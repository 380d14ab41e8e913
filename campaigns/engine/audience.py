"""Resolve the audience and snapshot it into deliveries, streamed in batches (a 100,000
person segment never sits in memory: one page of persons at a time, in id order)."""

from __future__ import annotations

from datetime import datetime

from campaigns.engine.ab import assign
from campaigns.engine.choose import choose_channel
from hub.domain.campaigns import Campaign, Delivery
from hub.domain.common import new_id, utcnow
from hub.domain.segments import Predicate, parse_filter, plan
from hub.errors import NotFound
from hub.i18n import N_
from hub.ports import Store

SNAPSHOT_BATCH = 500


async def resolve_audience(store: Store, campaign: Campaign, now: datetime) -> Predicate:
    """The predicate of the campaign's saved segment (evaluated now: segments are dynamic)
    or of its own filter."""
    if campaign.segment_id:
        segment = await store.segments.get(campaign.segment_id)
        if segment is None:
            raise NotFound(N_("segment %(segment_id)s no longer exists"),
                           params={"segment_id": campaign.segment_id})
        return plan(parse_filter(segment.filter), now)
    return plan(parse_filter(campaign.filter) if campaign.filter else None, now)


async def snapshot(store: Store, campaign: Campaign, *, batch: int = SNAPSHOT_BATCH) -> int:
    """Insert one delivery per matching person (idempotent: re-running after a crash adds
    only what is missing). With `one_per_household`, the household's first eligible member
    in id order gets it: a member with a usable, consented channel, and the database's
    unique (campaign, household) key refuses the others."""
    predicate = await resolve_audience(store, campaign, utcnow())
    after: str | None = None
    inserted = 0
    while True:
        persons = await store.persons.find_matching(predicate, limit=batch, after_id=after)
        if not persons:
            return inserted
        after = persons[-1].id
        deliveries = []
        for person in persons:
            key = None
            if campaign.one_per_household and person.household_id:
                if choose_channel(campaign, person).channel is None:
                    continue  # not eligible: leave the household to a member who is
                key = person.household_id
            variant, not_before = assign(campaign, person.id)  # A/B: its group, its time
            deliveries.append(Delivery(id=new_id(), campaign_id=campaign.id,
                                       person_id=person.id, household_id=person.household_id,
                                       household_key=key, variant=variant,
                                       not_before=not_before))
        inserted += await store.deliveries.insert_many(deliveries)
