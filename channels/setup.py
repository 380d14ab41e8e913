"""What the admin channel page (`/admin/channels`) shows of a channel that describes itself in
the registry: configured or sandbox, where it sends from, and the webhook paths to paste into
the provider's console. Never a secret."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChannelSetup:
    label: str  # a msgid
    configured: bool  # else its messages go to the sandbox outbox
    sender: str  # the sending number or account, never a token
    explain: str  # a msgid; `%(outbox)s` is filled with what the sandbox does
    webhooks: tuple[tuple[str, str], ...] = ()  # (what it carries: a msgid, path)
