"""The reach forecast: before launch, who each channel of a campaign would reach and who would
be skipped and why. It asks the engine's own channel choice (`choose_channel`) for each person
of the audience (at most `cap` of them), so the forecast and the dispatch cannot disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from campaigns.engine.choose import choose_channel
from hub.domain.campaigns import Campaign
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.common import utcnow
from hub.domain.segments import parse_filter, plan
from hub.i18n import N_
from hub.i18n.text import Text
from hub.ports import Store

REACH_CAP = 5000
BATCH = 500


@dataclass(slots=True)
class Reach:
    audience: int = 0
    examined: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def capped(self) -> bool:
        return self.examined < self.audience

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_json(self) -> dict[str, Any]:
        return {"audience": self.audience, "examined": self.examined,
                "capped": self.capped, "by_channel": dict(self.by_channel),
                "skipped": self.skipped_total, "skipped_by_reason": dict(self.skipped)}


async def forecast_reach(store: Store, *, filter_: dict[str, Any], channels: Sequence[str],
                         require_opt_in: bool, template_channels: Sequence[str] | None = None,
                         approved_channels: Sequence[str] = (),
                         cap: int = REACH_CAP) -> Reach:
    """Reach of a campaign on `channels` (in order, `preferred` as the person's own) over the
    persons `filter_` matches now. `template_channels` are the channels the campaign has a
    template for (None: every sendable channel); `approved_channels` those whose template is
    a provider-approved one, which reaches a WhatsApp number outside its 24-hour window, as
    the dispatch would send it. Raises InvalidInput for a bad filter."""
    predicate = plan(parse_filter(filter_) if filter_ else None, utcnow())
    result = Reach(audience=await store.persons.count_matching(predicate))
    usable = SENDABLE_CHANNELS if template_channels is None else template_channels
    probe = Campaign(id="reach", name="reach", filter=filter_,
                     channels=list(channels) or ["email"],
                     templates={c: "-" for c in usable}, require_opt_in=require_opt_in)
    approved = frozenset(approved_channels)
    after: str | None = None
    while result.examined < min(cap, result.audience):
        persons = await store.persons.find_matching(predicate, limit=BATCH, after_id=after)
        if not persons:
            break
        after = persons[-1].id
        for person in persons[:cap - result.examined]:
            result.examined += 1
            choice = choose_channel(probe, person, approved=approved)
            if choice.channel:
                result.by_channel[choice.channel] += 1
            else:
                result.skipped[choice.reason or Text(N_("no usable channel"))] += 1
    return result
