"""Suppress and choose: which channel, if any, a campaign message goes to for one person.
The rules themselves are the outbound path's (`why_not` with purpose `marketing`)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.campaigns import Campaign
from hub.domain.channels import SendableChannel, sendable
from hub.domain.parties import Person
from hub.i18n import N_
from hub.i18n.text import Text, joined
from hub.services.outbound import allowed_address


@dataclass(frozen=True, slots=True)
class Choice:
    channel: SendableChannel | None
    reason: str | None  # why nothing could be chosen, or why earlier channels were passed
    address: str | None = None  # where it goes on `channel` (the one `why_not` allowed)


def candidate_channels(campaign: Campaign, person: Person) -> list[SendableChannel]:
    """The campaign's ordered list, `preferred` read as the person's own, without repeats;
    only channels the campaign has a template for."""
    ordered: list[SendableChannel] = []
    for choice in campaign.channels:
        channel = sendable((person.preferred_channel if choice == "preferred" else choice) or "")
        if channel is not None and channel not in ordered and channel in campaign.templates:
            ordered.append(channel)
    return ordered


def choose_channel(campaign: Campaign, person: Person, *, exclude: tuple[str, ...] = (),
                   approved: frozenset[str] = frozenset()) -> Choice:
    """The first channel of the campaign the person may get; `approved`: the channels whose
    template is a provider-approved one (WhatsApp outside its 24-hour window)."""
    if not person.is_active:
        return Choice(None, Text(N_("the person was erased or merged")))
    reasons: list[str] = []
    for channel in candidate_channels(campaign, person):
        if channel in exclude:
            continue
        address, why = allowed_address(
            person, channel, "marketing", require_opt_in=campaign.require_opt_in,
            topic_id=campaign.topic_id, template=channel in approved)
        if why is None:
            return Choice(channel, joined(reasons) if reasons else None, address)
        reasons.append(why)
    return Choice(None, joined(reasons) if reasons
                  else Text(N_("no channel of the campaign applies")))
