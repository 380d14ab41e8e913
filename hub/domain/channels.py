"""The channels a message can be sent on, named once; the channel registry
(`channels/__init__.py`) builds one adapter for each and refuses any other name."""

from __future__ import annotations

from typing import Literal, get_args

from hub.i18n import N_

SendableChannel = Literal["email", "sms"]
SENDABLE_CHANNELS: tuple[SendableChannel, ...] = get_args(SendableChannel)

ADDRESS_FIELD: dict[SendableChannel, Literal["emails", "phones"]] = {
    "email": "emails", "sms": "phones"}
"""Which of a person's address lists a channel sends to (WhatsApp would use `phones`)."""

ADDRESS_NOUN: dict[SendableChannel, str] = {"sms": "phone number", "email": "email address"}
CHANNEL_LABEL: dict[SendableChannel, str] = {"sms": N_("SMS"), "email": N_("email")}
NO_ADDRESS: dict[SendableChannel, str] = {"sms": N_("no phone number"),
                                          "email": N_("no email address")}


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
