"""The SMTP adapter: aiosmtplib with a small pool of reused connections.

Errors are translated here and nowhere else: a 4xx reply, a timeout or a lost connection is
`Transient` (the outbound path retries with backoff); refused credentials (530, 534, 535) are
`ChannelMisconfigured` (an operator must fix HUB_SMTP_URL); another 5xx reply is `SendFailed`
carrying the server's own words. No aiosmtplib exception escapes this module; any other
exception is a bug and is not disguised as a provider error.
"""

from __future__ import annotations

import asyncio
import logging

import aiosmtplib

from channels.email import EMAIL_CAPABILITIES
from channels.email.config import ServerConfig
from channels.email.mime import build_message, message_id_of, sender_address, wire_message
from hub.errors import ChannelMisconfigured, SendFailed, Transient
from hub.ports import OutboundMessage, SendReceipt

log = logging.getLogger("hub.email.smtp")
AUTH_REFUSED = frozenset({530, 534, 535})  # authentication required / too weak / refused
TIMEOUT_S = 30.0


def _reply(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}"[:500]


def translate(exc: aiosmtplib.SMTPException | OSError) -> Exception:
    """An aiosmtplib error as the hub error that says what to do next."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return translate(first)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = _reply(exc.code, exc.message)
        if exc.code in AUTH_REFUSED:
            return ChannelMisconfigured(f"the SMTP server refused our login ({text}); check "
                                        "the user and password in HUB_SMTP_URL",
                                        provider_code=str(exc.code))
        if 400 <= exc.code < 500:
            return Transient(f"SMTP server said {text}")
        return SendFailed(f"SMTP server said {text}", provider_code=str(exc.code))
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return Transient("SMTP server timed out")
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPConnectError
                  | ConnectionError | OSError):
        return Transient(f"SMTP connection failed: {exc}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return SendFailed(f"SMTP server does not support what we need: {exc}",
                          provider_code="not_supported")
    return Transient(f"SMTP error: {exc}")  # another aiosmtplib error: the server's state


class SmtpAdapter:
    """Sends email through one SMTP server, reusing up to `pool_size` connections
    (HUB_SMTP_CONNECTIONS)."""

    name = "email"
    capabilities = EMAIL_CAPABILITIES

    def __init__(self, server: ServerConfig, email_from: str, *, pool_size: int,
                 timeout_s: float = TIMEOUT_S) -> None:
        self._server = server
        self._from = email_from
        self._envelope_from = sender_address(email_from).addr_spec
        self._timeout = timeout_s
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(pool_size)

    def _client(self) -> aiosmtplib.SMTP:
        server = self._server
        return aiosmtplib.SMTP(
            hostname=server.host, port=server.port, username=server.username,
            password=server.password, use_tls=server.implicit_tls,
            start_tls=True if server.starttls else (None if server.implicit_tls else False),
            timeout=self._timeout,
        )

    async def _acquire(self) -> aiosmtplib.SMTP:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
        client = self._client()
        await client.connect()
        return client

    async def send(self, message: OutboundMessage) -> SendReceipt:
        wire = wire_message(message, self._from)  # the bytes, without an EmailMessage
        mail = build_message(message, self._from) if wire is None else None
        async with self._slots:
            client: aiosmtplib.SMTP | None = None
            try:
                client = await self._acquire()
                if wire is not None:
                    errors, response = await client.sendmail(
                        self._envelope_from, [wire.recipient], wire.data)
                else:  # an address that needs SMTPUTF8: the email package's own path
                    assert mail is not None
                    errors, response = await client.send_message(
                        mail, sender=self._envelope_from,
                        recipients=[mail["To"].addresses[0].addr_spec])
            except (aiosmtplib.SMTPException, OSError) as exc:  # vendor and network errors
                if client is not None:
                    await self._discard(client)
                raise translate(exc) from exc
            self._idle.append(client)
        if errors:  # partly refused; with one recipient this means it was refused
            code, text = next(iter(errors.values()))
            raise translate(aiosmtplib.SMTPResponseException(code, text))
        provider_id = wire.message_id if wire is not None else message_id_of(mail)  # type: ignore[arg-type]
        return SendReceipt(provider_id=provider_id, status="sent",
                           detail=" ".join(response.split())[:300] or None)

    @staticmethod
    async def _discard(client: aiosmtplib.SMTP) -> None:
        try:
            client.close()
        except Exception:  # a broken connection may fail to close; it is dropped either way
            log.debug("closing a broken SMTP connection failed", exc_info=True)

    async def close(self) -> None:
        while self._idle:
            client = self._idle.pop()
            try:
                if client.is_connected:
                    await client.quit()
            except Exception:
                client.close()
