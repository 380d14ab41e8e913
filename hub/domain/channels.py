"""The channels a message can be sent on, named once (the channel registry builds one adapter each)."""
from typing import Literal, get_args
SendableChannel = Literal["email", "sms"]
SENDABLE_CHANNELS: tuple[SendableChannel, ...] = get_args(SendableChannel)
