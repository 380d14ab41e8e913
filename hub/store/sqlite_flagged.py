"""One migration (appended to `sqlite_schema.MIGRATIONS`): indexes of a campaign's flagged
events, opted-out deliveries and language fallbacks.

The deliverability guardrails count a campaign's flagged events (hard bounces, complaints,
refusals at hand-over) before every leased batch. Without this index each count reads every
outbound event of the campaign, so a campaign's checks cost grows with the square of its
audience. Only events whose document mentions `"flags"` enter it (few: a send has none until
it is refused); `count_campaign_flagged` repeats the condition word for word so SQLite picks it,
and still checks the flag itself in the document. The same goes for the delivery counts the
check reads (`DeliveryRepo.counts`): the opted-out and language-fallback counts read only the
deliveries they count.
"""

from __future__ import annotations

FLAGGED_CONDITION = "instr(doc, '\"flags\"') > 0"
OPTED_OUT_CONDITION = "json_extract(doc, '$.opted_out_at') IS NOT NULL"
FALLBACK_CONDITION = "json_extract(doc, '$.language_fallback') = 1"

V_FLAGGED_EVENTS = (
    f"""CREATE INDEX events_campaign_flagged ON events (campaign_id, direction, person_id)
        WHERE campaign_id IS NOT NULL AND {FLAGGED_CONDITION}""",
    f"CREATE INDEX deliveries_opted_out ON deliveries (campaign_id) WHERE {OPTED_OUT_CONDITION}",
    f"CREATE INDEX deliveries_fallback ON deliveries (campaign_id) WHERE {FALLBACK_CONDITION}",
)
