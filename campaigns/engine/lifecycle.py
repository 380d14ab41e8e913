"""Campaign lifecycle and stats: draft → scheduled → running ⇄ paused → completed|cancelled."""

from __future__ import annotations

from typing import Any

from campaigns.templates import compiled
from hub.domain.campaigns import TRANSITIONS, Campaign, CampaignStatus
from hub.domain.channels import CHANNEL_CHOICES
from hub.domain.common import utcnow
from hub.domain.segments import parse_filter
from hub.errors import Conflict, InvalidInput, NotFound
from hub.ports import Store


class CampaignService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, campaign_id: str) -> Campaign:
        campaign = await self._store.campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}", details={"id": campaign_id})
        return campaign

    async def create(self, campaign: Campaign) -> Campaign:
        if (campaign.segment_id is None) == (campaign.filter is None):
            raise InvalidInput("give either segment_id or filter", details={"field": "filter"})
        if campaign.segment_id and await self._store.segments.get(campaign.segment_id) is None:
            raise InvalidInput(f"no segment {campaign.segment_id}",
                               details={"field": "segment_id"})
        if campaign.filter is not None:
            parse_filter(campaign.filter)
        if not campaign.channels or any(c not in CHANNEL_CHOICES for c in campaign.channels):
            raise InvalidInput(f"channels: use an ordered list of {list(CHANNEL_CHOICES)}",
                               details={"field": "channels"})
        if not campaign.templates:
            raise InvalidInput("templates: give a template id per channel, e.g. "
                               '{"email": "…", "sms": "…"}', details={"field": "templates"})
        for channel, template_id in campaign.templates.items():
            template = await self._store.templates.get(template_id)
            if template is None or template.channel != channel:
                raise InvalidInput(f"templates.{channel}: no {channel} template {template_id}",
                                   details={"field": f"templates.{channel}"})
            compiled(template)
        if campaign.kind == "survey" and (
                not campaign.survey_id or await self._store.surveys.get(campaign.survey_id)
                is None):
            raise InvalidInput("a survey campaign needs the survey_id of an existing survey",
                               details={"field": "survey_id"})
        campaign = campaign.model_copy(update={"status": "draft"})
        await self._store.campaigns.insert(campaign)
        return campaign

    async def _move(self, campaign_id: str, status: CampaignStatus,
                    fields: dict[str, Any] | None = None) -> Campaign:
        current = await self.get(campaign_id)
        allowed = [s for s, targets in TRANSITIONS.items() if status in targets]
        moved = await self._store.campaigns.set_status(campaign_id, status, expected=allowed,
                                                       fields=fields)
        if moved is None:
            raise Conflict(f"a {current.status} campaign cannot become {status}",
                           details={"status": current.status})
        return moved

    async def launch(self, campaign_id: str) -> Campaign:
        campaign = await self.get(campaign_id)
        if campaign.status != "draft":
            raise Conflict(f"only a draft can be launched; this one is {campaign.status}",
                           details={"status": campaign.status})
        now = utcnow()
        later = campaign.send_at is not None and campaign.send_at > now
        return await self._move(campaign_id, "scheduled" if later else "running",
                                {"launched_at": now})

    async def pause(self, campaign_id: str) -> Campaign:
        return await self._move(campaign_id, "paused")

    async def resume(self, campaign_id: str) -> Campaign:
        return await self._move(campaign_id, "running", {"paused_reason": None})

    async def cancel(self, campaign_id: str) -> Campaign:
        """Cancelled at once: what waits is marked `cancelled` now, and workers check the
        status again right before each hand-over, so nothing starts after this returns."""
        campaign = await self._move(campaign_id, "cancelled", {"finished_at": utcnow()})
        await self._store.deliveries.cancel_open(campaign.id, "the campaign was cancelled")
        return campaign

    async def stats(self, campaign: Campaign) -> dict[str, Any]:
        counts = await self._store.deliveries.counts(campaign.id)
        replied = await self._store.events.count_campaign_persons(campaign.id,
                                                                  direction="inbound")
        total = counts.total
        open_ = counts.get("queued") + counts.get("leased") + counts.get("sending")
        return {
            "audience": total, "queued": open_,
            "sent": counts.get("sent") + counts.get("delivered"),
            "delivered": counts.get("delivered"), "failed": counts.get("failed"),
            "skipped": counts.get("skipped"), "unknown": counts.get("unknown"),
            "cancelled": counts.get("cancelled"),
            "replied": replied, "opted_out": counts.opted_out,
            "responses": await self._store.survey_responses.count_for_campaign(campaign.id),
            "progress": 1.0 if total == 0 and campaign.snapshot_complete
            else (round((total - open_) / total, 4) if total else 0.0),
        }

    async def describe(self, campaign_id: str) -> dict[str, Any]:
        campaign = await self.get(campaign_id)
        return {**campaign.to_json(), "stats": await self.stats(campaign)}
