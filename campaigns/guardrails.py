"""Deliverability guardrails: a campaign pauses itself when too many of its messages bounce
hard, are reported as spam (feedback-loop reports, ARF) or make people unsubscribe, so one bad
list cannot ruin the sending domain's reputation (Gmail wants spam reports under 0.3%).

The figures are counted from the store (sends from the deliveries, hard bounces and
complaints from the campaign's flagged inbound events, unsubscribes from the deliveries; a
provider's permanent refusal at hand-over, an SMTP 5xx, is a hard bounce of a send too). They
are judged over a rolling window: the last `window` sends, between the figures now and a
checkpoint at least `window` sends back (checkpoints are kept every `window / STEPS` sends, so
the window is `window` to `window + window / STEPS` sends long). So the first judgement comes
after the first `window` sends and every later check looks at the latest ones only: a good
start does not hide a bad list later. A resume starts afresh (`Campaign.guard_baseline`, the
figures staff saw). A rate strictly above its limit pauses.

The warm-up schedule is here too: a daily volume ramp for a new sending domain, as a cap on
the campaign's cumulative sends per day since its launch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from hub.domain.campaigns import Campaign
from hub.ports import Store

HARD_BOUNCE, COMPLAINT, UNSUBSCRIBE = "hard_bounce", "complaint", "unsubscribe"
REFUSED = "refused"  # flag on an outbound event a provider refused for good (SMTP 5xx)
DAY_S = 86_400
STEPS = 10
CHECKPOINTS_KEY = "campaign-guard:"


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
    refused = await store.events.count_campaign_flagged(campaign_id, REFUSED,
                                                        direction="outbound")
    return Feedback(
        sent=counts.get("sent") + counts.get("delivered") + counts.get("unknown") + refused,
        hard_bounce=await store.events.count_campaign_flagged(campaign_id, HARD_BOUNCE)
        + refused,
        complaint=await store.events.count_campaign_flagged(campaign_id, COMPLAINT),
        unsubscribe=counts.opted_out)


def window_start(checkpoints: list[Feedback], now: Feedback, window: int) -> Feedback | None:
    """The newest checkpoint at least `window` sends before `now` (None: too few sends)."""
    back = [c for c in checkpoints if now.sent - c.sent >= window]
    return max(back, key=lambda c: c.sent) if back else None


def keep_checkpoints(checkpoints: list[Feedback], now: Feedback, window: int
                     ) -> list[Feedback]:
    """`now` added when it is a step past the newest, and the ones a later window can no
    longer start at dropped."""
    step = max(1, window // STEPS)
    kept = sorted(checkpoints, key=lambda c: c.sent)
    if not kept or now.sent - kept[-1].sent >= step:
        kept.append(now)
    start = window_start(kept, now, window)
    return [c for c in kept if start is None or c.sent >= start.sent]


def judge_rolling(guardrails: Guardrails, now: Feedback, checkpoints: list[Feedback]
                  ) -> Breach | None:
    """`judge` over the last `window` sends (at least), or None before the first window."""
    start = window_start(checkpoints, now, guardrails.window)
    return None if start is None else judge(guardrails, now.since(start.to_doc()))


async def check(store: Store, guardrails: Guardrails, campaign: Campaign) -> Breach | None:
    """Measure the campaign, keep the checkpoints in the store (channel state; two workers
    writing at once lose a checkpoint at worst, which only lengthens one window) and judge
    the rolling window. The baseline of the last resume is the first checkpoint."""
    now = await measure(store, campaign.id)
    baseline = Feedback() if not campaign.guard_baseline else Feedback(
        **{k: int(campaign.guard_baseline.get(k, 0)) for k in Feedback().to_doc()})
    state = await store.channel_state.get(CHECKPOINTS_KEY + campaign.id) or {}
    stored = [Feedback(**c) for c in state.get("checkpoints", [])
              if int(c.get("sent", 0)) >= baseline.sent]
    checkpoints = [baseline, *[c for c in stored if c.sent > baseline.sent]]
    breach = judge_rolling(guardrails, now, checkpoints)
    kept = keep_checkpoints(checkpoints, now, guardrails.window)
    if kept != checkpoints:
        await store.channel_state.put(CHECKPOINTS_KEY + campaign.id,
                                      {"checkpoints": [c.to_doc() for c in kept]})
    return breach


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
