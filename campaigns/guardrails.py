"""Deliverability guardrails: a campaign pauses itself when too many of its messages bounce
hard, are reported as spam (feedback-loop reports, ARF) or make people unsubscribe, so one bad
list cannot ruin the sending domain's reputation (Gmail wants spam reports under 0.3%).

The figures are counted from the store (sends from the deliveries, hard bounces and
complaints from the campaign's flagged inbound events, unsubscribes from the deliveries),
since the last resume (`Campaign.guard_baseline`). They are judged once at least `window`
messages went out since then, and again on every check after (the worker checks before each
leased batch), so the first judgement comes after the first `window` sends and a resumed
campaign gets a fresh window. A rate strictly above its limit pauses.

The warm-up schedule is here too: a daily volume ramp for a new sending domain, as a cap on
the campaign's cumulative sends per day since its launch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from hub.domain.campaigns import Campaign
from hub.ports import Store

HARD_BOUNCE, COMPLAINT, UNSUBSCRIBE = "hard_bounce", "complaint", "unsubscribe"
DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class Guardrails:
    hard_bounce_rate: float | None = 0.05
    complaint_rate: float | None = 0.001
    unsubscribe_rate: float | None = 0.02
    window: int = 100

    def limits(self) -> dict[str, float | None]:
        return {HARD_BOUNCE: self.hard_bounce_rate, COMPLAINT: self.complaint_rate,
                UNSUBSCRIBE: self.unsubscribe_rate}


@dataclass(frozen=True, slots=True)
class Feedback:
    """A campaign's figures: messages that went out and what came back."""

    sent: int = 0
    hard_bounce: int = 0
    complaint: int = 0
    unsubscribe: int = 0

    def since(self, baseline: dict[str, int] | None) -> Feedback:
        if not baseline:
            return self
        return Feedback(**{k: max(0, v - int(baseline.get(k, 0)))
                           for k, v in asdict(self).items()})

    def to_doc(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Breach:
    kind: str  # hard_bounce / complaint / unsubscribe
    count: int
    sent: int
    limit: float

    @property
    def rate(self) -> float:
        return self.count / self.sent if self.sent else 0.0

    def reason(self) -> str:
        """For the API and logs (the page shows its own translated sentence)."""
        return (f"deliverability guardrail: {self.kind.replace('_', ' ')} rate "
                f"{self.rate:.2%} of {self.sent} sends is above {self.limit:.2%}")

    def to_doc(self) -> dict[str, object]:
        return {"kind": self.kind, "count": self.count, "sent": self.sent,
                "limit": self.limit, "rate": round(self.rate, 6)}


async def measure(store: Store, campaign_id: str) -> Feedback:
    counts = await store.deliveries.counts(campaign_id)
    return Feedback(
        sent=counts.get("sent") + counts.get("delivered") + counts.get("unknown"),
        hard_bounce=await store.events.count_campaign_flagged(campaign_id, HARD_BOUNCE),
        complaint=await store.events.count_campaign_flagged(campaign_id, COMPLAINT),
        unsubscribe=counts.opted_out)


def judge(guardrails: Guardrails, feedback: Feedback) -> Breach | None:
    """The first rate above its limit, once a window of sends went out; else None."""
    if feedback.sent < guardrails.window:
        return None
    for kind, limit in guardrails.limits().items():
        count = getattr(feedback, kind)
        if limit is not None and count / feedback.sent > limit:
            return Breach(kind, count, feedback.sent, limit)
    return None


def warmup_allowance(campaign: Campaign, now: datetime, started: int) -> int | None:
    """How many more messages the warm-up schedule lets the campaign start now (None: no
    limit): the ramp summed up to today (day 0 is the launch day) minus what started."""
    if not campaign.warmup or campaign.launched_at is None:
        return None
    day = int((now - campaign.launched_at).total_seconds() // DAY_S)
    if day >= len(campaign.warmup):
        return None
    return max(0, sum(campaign.warmup[:day + 1]) - started)
