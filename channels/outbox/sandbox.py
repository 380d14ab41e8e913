"""The sandbox outbox: when SMTP or Twilio is not configured, messages are "sent" here, as
files staff can read (`var/outbox/*.eml` for email, `*.json` for SMS), so the default run shows
every flow end to end without reaching anyone. Header values are one-lined as on the SMTP path
(no CR/LF from a subject or name reaches a header)."""

from __future__ import annotations

import asyncio
import json
import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from channels.email.mime import one_line
from hub.files import make_private_dir, write_private
from hub.ports import ChannelCapabilities, OutboundMessage, SendReceipt

SANDBOX_DOMAIN = "outbox.hub.invalid"


class OutboxAdapter:
    def __init__(self, channel: str, capabilities: ChannelCapabilities, directory: Path, *,
                 sender: str) -> None:
        self.name = channel
        self.capabilities = capabilities
        self._directory = directory
        self._sender = sender

    async def send(self, message: OutboundMessage) -> SendReceipt:
        if self.name == "email":
            provider_id = make_msgid(domain=SANDBOX_DOMAIN)
            body = self._email(message, provider_id)
            suffix = "eml"
        else:
            provider_id = f"outbox-{message.event_id}"
            body = json.dumps(self._sms(message, provider_id), indent=2).encode()
            suffix = "json"
        await asyncio.to_thread(self._write, f"{message.event_id}.{suffix}", body)
        return SendReceipt(provider_id=provider_id, status="sent", detail="sandbox outbox")

    def _email(self, message: OutboundMessage, message_id: str) -> bytes:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = one_line(message.to, 400)
        mail["Subject"] = one_line(message.subject or "")
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id
        mail["X-Hub-Event"] = message.event_id
        for name, value in message.headers.items():
            mail[one_line(name, 76)] = one_line(value, 2000)
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        return bytes(mail)

    @staticmethod
    def _sms(message: OutboundMessage, sid: str) -> dict[str, Any]:
        return {"sid": sid, "to": message.to, "body": message.text, "event_id": message.event_id}

    def _write(self, name: str, body: bytes) -> None:
        make_private_dir(self._directory)
        temporary = self._directory / f".{name}.tmp"
        write_private(temporary, body)
        os.replace(temporary, self._directory / name)

    async def close(self) -> None:
        return None
