"""The error tree. Each error has a stable `code` and the HTTP `status` it answers with (the
web layer's one middleware reads it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.i18n import N_
from hub.i18n.text import Text


class HubError(Exception):
    """Root of every error the hub raises on purpose. `message` is English; one shown on a
    page is marked with `N_` and its values given as `params`, so that the page can say it in
    the reader's language (`hub.i18n.text`): `InvalidInput(N_("no segment %(id)s"),
    params={"id": segment_id})`."""

    code = "hub_error"
    status = 500

    def __init__(self, message: str, *, details: Any = None,
                 params: Mapping[str, object] | None = None) -> None:
        text = message if isinstance(message, Text) and not params else Text(message, params)
        super().__init__(text)
        self.message: str = text
        self.details = details


class InvalidInput(HubError):
    """The caller sent something we cannot accept; fix the input, do not retry."""

    code = "invalid_input"
    status = 422


class PayloadTooLarge(InvalidInput):
    """A file or body over its size limit; refused as a whole."""

    code = "payload_too_large"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(N_("the file is larger than the limit of %(limit)s bytes; split it"),
                         params={"limit": f"{limit:,}"}, details={"limit_bytes": limit})
        self.limit = limit


class NotFound(HubError):
    code = "not_found"
    status = 404


class Gone(NotFound):
    """The record existed and was erased on purpose."""

    code = "gone"
    status = 410


class Moved(HubError):
    """The record was merged into another; callers follow `survivor_id`."""

    code = "moved"
    status = 308

    def __init__(self, record_id: str, survivor_id: str) -> None:
        super().__init__(f"{record_id} was merged into {survivor_id}",
                         details={"survivor_id": survivor_id})
        self.survivor_id = survivor_id


class Conflict(HubError):
    """The request clashes with stored state (e.g. an address owned by someone else)."""

    code = "conflict"
    status = 409


class AddressTaken(Conflict):
    code = "address_taken"

    def __init__(self, kind: str, value: str, owner_id: str) -> None:
        super().__init__(
            N_("%(kind)s %(value)s already belongs to person %(owner)s"),
            params={"kind": kind, "value": value, "owner": owner_id},
            details={"kind": kind, "value": value, "owner_id": owner_id},
        )
        self.kind = kind
        self.value = value
        self.owner_id = owner_id


class DuplicateKey(HubError):
    """A unique key in the store was already taken (raised by store backends)."""

    code = "duplicate_key"
    status = 409


class SendFailed(HubError):
    """A provider refused a message for good (invalid address, 5xx, unsubscribed number)."""

    code = "send_failed"

    def __init__(self, message: str, *, provider_code: str | None = None) -> None:
        super().__init__(message, details={"provider_code": provider_code})
        self.provider_code = provider_code


class ChannelMisconfigured(HubError):
    """A channel's settings are wrong (SMTP 535 bad credentials, Twilio 20003): nothing was
    sent and every retry would fail the same way until an operator fixes them. A campaign
    pauses on it instead of failing each message; the channel page shows it."""

    code = "channel_misconfigured"

    def __init__(self, message: str, *, provider_code: str | None = None) -> None:
        super().__init__(message, details={"provider_code": provider_code})
        self.provider_code = provider_code


class Held(HubError):
    """A marketing message may not go now: the frequency cap skips it (`until` None), or the
    recipient's quiet hours defer it to `until`."""

    code = "held"

    def __init__(self, message: str, until: datetime | None) -> None:
        super().__init__(message, details={"until": until.isoformat() if until else None})
        self.until = until


class Transient(HubError):
    """A temporary failure (store or provider unavailable): retry with backoff."""

    code = "transient"
    status = 503


class StoreUnavailable(Transient):
    code = "store_unavailable"


class ConfigError(HubError):
    """A setting is missing or malformed; an operator must fix it."""

    code = "config_error"
    status = 500

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}", details={"variable": variable})
        self.variable = variable


class FilterTooExpensive(InvalidInput):
    """A segment filter's query ran past its time budget: simplify the filter."""

    code = "filter_too_expensive"
