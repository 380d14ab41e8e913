"""A/B tests on a campaign: who gets which variant (decided at the audience snapshot, stable
per person), the figures per variant, and the one decision (`hub.domain.abtest.decide`, the
journey step's test: a two-proportion z-test, Bonferroni-corrected, at least 30 sends per
variant, no winner on noise), stored on the campaign so every worker sends the rest the same
winner.

Crash safety: the decision is stored by a conditional write (`record_ab_decision`): of two
workers deciding at once the first write wins and both send the rest its winner."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from typing import Any

from campaigns.journeys.abtest import bucket, succeeded
from hub.domain.abtest import decide
from hub.domain.campaign_ab import REST, CampaignAbTest, decide_at
from hub.domain.campaigns import Campaign, Delivery
from hub.domain.journeys import AbDecision
from hub.ports import Store

MAX_MEASURED = 200_000
"""Sent deliveries read per figure at most (a test group beyond this is measured on its
first MAX_MEASURED sends)."""
SENT = ("sent", "delivered")


def started(campaign: Campaign) -> datetime:
    """When the campaign started sending: its launch, or its scheduled time when later."""
    moments = [m for m in (campaign.launched_at, campaign.send_at) if m is not None]
    return max(moments) if moments else campaign.created_at


def assign(campaign: Campaign, person_id: str) -> tuple[str | None, datetime | None]:
    """The person's variant and the moment their delivery may go (None: now). Stable: the
    same person always lands in the same variant of the same campaign."""
    ab = campaign.ab
    if ab is None:
        return None, None
    if bucket(person_id, campaign.id, "ab") < ab.test_share:
        keys = [v.key for v in ab.variants]
        key = keys[bucket(person_id, campaign.id, "variant", modulo=len(keys))]
        return key, ab.variant(key).send_at
    return REST, decide_at(ab, started(campaign))


class CampaignAbTests:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._decided: dict[str, AbDecision] = {}
        self._deciding: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def variant_for(self, campaign: Campaign, delivery: Delivery,
                          now: datetime) -> str | datetime | None:
        """The variant key this delivery is sent with (`rest:B` for the rest group after
        the decision), or the moment to try again (the rest group before it)."""
        ab = campaign.ab
        if ab is None:
            return None
        variant = delivery.variant or assign(campaign, delivery.person_id)[0]
        if variant != REST:
            return variant
        decision = await self.decision(campaign)
        if decision is None:
            moment = decide_at(ab, started(campaign))
            if now < moment:
                return moment
            decision = await self.decide(campaign, now)
        return f"{REST}:{decision.winner or ab.variants[0].key}"

    async def decision(self, campaign: Campaign) -> AbDecision | None:
        """The stored decision (read again from the store: another worker may have made it)."""
        if campaign.ab_decision is not None:
            return campaign.ab_decision
        if campaign.id in self._decided:
            return self._decided[campaign.id]
        fresh = await self._store.campaigns.get(campaign.id)
        if fresh is not None and fresh.ab_decision is not None:
            self._decided[campaign.id] = fresh.ab_decision
            return fresh.ab_decision
        return None

    async def figures(self, campaign: Campaign) -> tuple[dict[str, int], dict[str, int]]:
        """Sends and successes per variant of the test group (each person's timeline read
        for the metric within the window after their send)."""
        ab = campaign.ab
        assert ab is not None
        sent = {v.key: 0 for v in ab.variants}
        successes = {v.key: 0 for v in ab.variants}
        for delivery in await self._store.deliveries.with_status(campaign.id, SENT,
                                                                 limit=MAX_MEASURED):
            key = delivery.variant
            if key not in sent:
                continue  # the rest group, or sent before the test existed
            sent_at = await self._sent_at(delivery, campaign)
            sent[key] += 1
            if await succeeded(self._store, ab, delivery.person_id, sent_at):
                successes[key] += 1
        return sent, successes

    async def _sent_at(self, delivery: Delivery, campaign: Campaign) -> datetime:
        event = await self._store.events.get(delivery.event_id) if delivery.event_id else None
        return event.occurred_at if event is not None else started(campaign)

    async def decide(self, campaign: Campaign, now: datetime) -> AbDecision:
        async with self._deciding[campaign.id]:  # one count per process, not one per task
            return await self._decide(campaign, now)

    async def _decide(self, campaign: Campaign, now: datetime) -> AbDecision:
        ab = campaign.ab
        assert ab is not None
        already = await self.decision(campaign)
        if already is not None:
            return already
        sent, successes = await self.figures(campaign)
        verdict = decide(sent, successes, confidence=ab.confidence)
        decision = AbDecision(step_id="campaign", decided_at=now, winner=verdict.winner,
                              sent=sent, successes=successes, p_value=verdict.p_value,
                              confidence=ab.confidence)
        stored = await self._store.campaigns.record_ab_decision(campaign.id, decision)
        self._decided[campaign.id] = stored or decision
        return self._decided[campaign.id]

    async def results(self, campaign: Campaign) -> dict[str, Any]:
        """What `GET …/ab` answers and the campaign page shows (the journey step's shape)."""
        ab = campaign.ab
        assert ab is not None
        decision = await self.decision(campaign)
        if decision is not None:
            sent, successes = decision.sent, decision.successes
        else:
            sent, successes = await self.figures(campaign)
        return ab_report(ab, sent, successes, decision, decide_at(ab, started(campaign)))


def ab_report(ab: CampaignAbTest, sent: dict[str, int], successes: dict[str, int],
              decision: AbDecision | None, moment: datetime) -> dict[str, Any]:
    verdict = decide(sent, successes, confidence=ab.confidence)
    return {"metric": ab.metric, "test_share": ab.test_share, "decided": decision is not None,
            "decide_at": moment.isoformat(),
            "winner": decision.winner if decision else None,
            "leading": verdict.winner, "p_value": verdict.p_value,
            "confidence": ab.confidence,
            "variants": [{"key": v.key, "sent": sent.get(v.key, 0),
                          "successes": successes.get(v.key, 0),
                          "rate": verdict.rates.get(v.key, 0.0),
                          "subject": v.subject, "sender_name": v.sender_name,
                          "templates": v.templates,
                          "send_at": v.send_at.isoformat() if v.send_at else None}
                         for v in ab.variants]}
