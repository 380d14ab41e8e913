"""The common shape every inbound channel turns its messages into (DESIGN §4)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.domain.channels import SendableChannel
from hub.domain.common import UtcDateTime, utcnow

InboundFlag = Literal[
    "auto_reply",  # Auto-Submitted, out-of-office: not a customer reply
    "bounce",  # a delivery status notification
    "thread_sender_mismatch",  # threads by token/reference but comes from another address
]


class InboundMessage(BaseModel):
    """A parsed inbound message. Adapters build it; `InboxService` records it."""

    model_config = ConfigDict(extra="forbid")

    channel: SendableChannel
    external_id: str = Field(min_length=1, max_length=1000)  # Message-ID / MessageSid: dedupe
    from_address: str  # as received; the service normalises and resolves it
    from_name: str = ""
    to: str | None = None
    subject: str | None = None
    text: str | None = None  # best readable text (quoted history may be trimmed by the adapter)
    html: str | None = None  # only ever sanitised HTML
    occurred_at: UtcDateTime = Field(default_factory=utcnow)
    references: list[str] = Field(default_factory=list)  # In-Reply-To + References ids
    reply_token: str | None = None  # from a reply+TOKEN@ address
    flags: list[InboundFlag] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)  # attachments, media, full text, ...
