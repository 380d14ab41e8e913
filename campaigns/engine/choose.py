"""Suppress and choose: which channel, if any, a campaign message goes to for one person."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.campaigns import Campaign
from hub.domain.parties import Person

SENDABLE = ("email", "sms")


@dataclass(frozen=True, slots=True)
class Choice:
    channel: str | None
    address: str | None
    reason: str | None  # why nothing could be chosen, or why earlier channels were passed


def candidate_channels(campaign: Campaign, person: Person) -> list[str]:
    """The campaign's ordered list, `preferred` read as the person's own, without repeats."""
    ordered: list[str] = []
    for choice in campaign.channels:
        channel = person.preferred_channel if choice == "preferred" else choice
        if channel in SENDABLE and channel not in ordered and channel in campaign.templates:
            ordered.append(channel)
    return ordered


def refusal(campaign: Campaign, person: Person, channel: str) -> str | None:
    """Why this person cannot get this campaign on `channel`, or None when they can."""
    addresses = person.emails if channel == "email" else person.phones
    if not addresses:
        return f"no {'email address' if channel == 'email' else 'phone number'}"
    status = person.consent_for(channel).status  # type: ignore[arg-type]
    if status == "opted_out":
        return f"opted out of {channel}"
    if status == "unknown" and campaign.require_opt_in:
        return f"no opt-in for {channel}"
    return None


def choose_channel(campaign: Campaign, person: Person, *, exclude: tuple[str, ...] = ()) -> Choice:
    if not person.is_active:
        return Choice(None, None, "person erased or merged")
    reasons: list[str] = []
    for channel in candidate_channels(campaign, person):
        if channel in exclude:
            continue
        why = refusal(campaign, person, channel)
        if why is None:
            addresses = person.emails if channel == "email" else person.phones
            return Choice(channel, addresses[0], "; ".join(reasons) or None)
        reasons.append(why)
    return Choice(None, None, "; ".join(reasons) or "no channel of the campaign applies")
