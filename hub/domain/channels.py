"""The channels a message can be sent on, named once; the channel registry
(`channels/__init__.py`) builds one adapter for each and refuses any other name.

What the rest of Hub needs to know about a channel is one `ChannelSpec` row in
`CHANNEL_SPECS`: the address list it sends to, its labels, whether a STOP on it binds service
replies too, whether a reply threads to our last message on it, and its customer-service
window. Consent, segments, campaigns, the inbox and the analytics read these rows, so a new
channel is its name in `SendableChannel`, one row here, and its folder plus registry line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args

from hub.i18n import N_

SendableChannel = Literal["email", "sms", "whatsapp"]
SENDABLE_CHANNELS: tuple[SendableChannel, ...] = get_args(SendableChannel)


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    address_field: Literal["emails", "phones"]
    label: str  # a msgid
    opt_out_binds_service: bool = False  # carriers enforce STOP: service replies stop too
    threads_to_last_sent: bool = False  # no token or reference: a reply answers our last one
    service_window: timedelta | None = None  # free text only this long after their message


CHANNEL_SPECS: dict[SendableChannel, ChannelSpec] = {
    "email": ChannelSpec("emails", N_("email")),
    "sms": ChannelSpec("phones", N_("SMS"), opt_out_binds_service=True,
                       threads_to_last_sent=True),
    "whatsapp": ChannelSpec("phones", N_("WhatsApp"), opt_out_binds_service=True,
                            threads_to_last_sent=True, service_window=timedelta(hours=24)),
}

ADDRESS_FIELD: dict[SendableChannel, Literal["emails", "phones"]] = {
    name: spec.address_field for name, spec in CHANNEL_SPECS.items()}
"""Which of a person's address lists a channel sends to."""

CHANNEL_LABEL: dict[SendableChannel, str] = {
    name: spec.label for name, spec in CHANNEL_SPECS.items()}
PHONE_CHANNELS: tuple[SendableChannel, ...] = tuple(
    name for name, spec in CHANNEL_SPECS.items() if spec.address_field == "phones")
_NO_ADDRESS = {"emails": N_("no email address"), "phones": N_("no phone number")}
NO_ADDRESS: dict[SendableChannel, str] = {
    name: _NO_ADDRESS[spec.address_field] for name, spec in CHANNEL_SPECS.items()}


def sendable(channel: str) -> SendableChannel | None:
    """`channel` as a sendable channel, or None when nothing can be sent on it."""
    for known in SENDABLE_CHANNELS:
        if known == channel:
            return known
    return None


ChannelChoice = Literal["preferred"] | SendableChannel
"""A campaign's or trigger's list entry: a channel, or the person's own preference."""
CHANNEL_CHOICES: tuple[str, ...] = ("preferred", *SENDABLE_CHANNELS)


def every_channel_choice() -> list[ChannelChoice]:
    """The default list: the person's preference first, then each channel in order."""
    return ["preferred", *SENDABLE_CHANNELS]
