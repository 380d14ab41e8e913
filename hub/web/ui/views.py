"""How staff pages present what the services return: channel labels, the timeline's channel
filter and the person page's reply options. No aiohttp here; handlers stay thin."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.events import Event, EventChannel
from hub.domain.parties import Person
from hub.i18n import N_
from hub.services.outbound import pick_address, why_not
from hub.web.locale import Viewer

TIMELINE_PAGE = 30
CHANNEL_LABELS = {"email": N_("Email"), "sms": N_("SMS"), "whatsapp": N_("WhatsApp"),
                  "call": N_("Call"),
                  "webform": N_("Web form"), "survey": N_("Survey"), "note": N_("Note"),
                  "system": N_("System")}


def channel_labels(viewer: Viewer) -> dict[str, str]:
    """The timeline's channel filter, as the viewer reads it."""
    return {code: viewer.gettext(text) for code, text in CHANNEL_LABELS.items()}


def refusal_text(reason: str | None, viewer: Viewer) -> str | None:
    """Why a channel cannot be used (`why_not` marks its reasons), in the viewer's language."""
    if reason is None:
        return None
    return viewer.gettext(reason)


@dataclass(frozen=True, slots=True)
class ChannelOption:
    channel: str
    label: str
    address: str | None
    refusal: str | None
    selected: bool


def reply_options(person: Person, recent: list[Event],
                  viewer: Viewer | None = None) -> list[ChannelOption]:
    """Each sendable channel with its address or the reason it cannot be used; the default is
    the channel the person last wrote on, else their preferred one, else the first usable."""
    last_inbound = next((e.channel for e in recent
                         if e.direction == "inbound" and e.channel in SENDABLE_CHANNELS), None)
    refusals = {c: why_not(person, c, "service") for c in SENDABLE_CHANNELS}
    usable = [c for c in SENDABLE_CHANNELS if refusals[c] is None]
    preference = [last_inbound, person.preferred_channel, *usable]
    default = next((c for c in preference if c in usable), None)
    seen = viewer or Viewer()
    return [ChannelOption(
        channel=c, label=seen.gettext(CHANNEL_LABELS[c]),
        address=pick_address(person, c, "service") or person.address_on(c),
        refusal=refusal_text(refusals[c], seen), selected=c == default)
        for c in SENDABLE_CHANNELS]


def channel_filter(raw: str | None) -> EventChannel | None:
    for channel in CHANNEL_LABELS:
        if raw == channel:
            return channel  # type: ignore[return-value]
    return None
