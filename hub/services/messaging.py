"""One-to-one outbound messages: choose the channel, then send through the outbound path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.channels import SENDABLE_CHANNELS, SendableChannel, sendable
from hub.domain.common import utcnow
from hub.domain.events import Event, SurveyInfo
from hub.domain.parties import Person
from hub.errors import Conflict, Held, InvalidInput
from hub.i18n import N_
from hub.services.outbound import Content, Extras, OutboundPath, Purpose, why_not
from hub.services.persons import PersonService


def choose_channel(person: Person, requested: str | None,
                   purpose: Purpose = "service") -> SendableChannel:
    """The requested channel, or else the person's preferred one, else the first that works."""
    if requested is not None:
        channel = sendable(requested)
        if channel is None:
            raise InvalidInput(N_("cannot send on channel %(requested)s"),
                               params={"requested": repr(requested)},
                               details={"field": "channel"})
        return channel
    candidates = [c for c in SENDABLE_CHANNELS if c == person.preferred_channel]
    candidates += [c for c in SENDABLE_CHANNELS if c not in candidates]
    for channel in candidates:
        if why_not(person, channel, purpose) is None:
            return channel
    raise Conflict(N_("the person has no address a message can be sent to"),
                   details={"person_id": person.id})


class MessagingService:
    def __init__(self, persons: PersonService, outbound: OutboundPath) -> None:
        self._persons = persons
        self._outbound = outbound

    async def send_to_person(
        self, person_id: str, *, text: str, channel: str | None = None,
        subject: str | None = None, html: str | None = None, author: str | None = None,
        purpose: Purpose = "service", survey: SurveyInfo | None = None,
        data: Mapping[str, Any] | None = None, address: str | None = None,
    ) -> Event:
        """Send `text` to a person; `survey` and `data` go on the outbound event (a survey
        message carries its survey, so a reply to it is read as an answer). Refused with a
        Conflict that says why when the person cannot get it on that channel; a marketing
        message raises Held when the cap skips it or quiet hours defer it."""
        person = await self._persons.get(person_id)
        chosen = choose_channel(person, channel, purpose)
        refusal = why_not(person, chosen, purpose, address=address)
        if refusal:
            raise Conflict(refusal, details={"channel": chosen})
        if purpose == "marketing":
            now = utcnow()
            sent = (await self._outbound.sent_counts([person.id], now)).get(person.id, 0)
            hold = self._outbound.hold(person, now, sent)
            if hold is not None:
                raise Held(hold.reason, hold.until)
        prepared = self._outbound.prepare(
            person, chosen, Content(text=text, subject=subject, html=html),
            Extras(purpose=purpose, survey=survey, author=author, data=data or {}),
            address=address)
        return await self._outbound.send(prepared)

    async def send_test(self, to: str, *, subject: str, text: str,
                        html: str | None = None) -> str:
        """A test message to a staff member's own email address (no person, no timeline
        event); returns the provider's answer or raises SendFailed/ChannelMisconfigured."""
        return await self._outbound.send_test(to, Content(text=text, subject=subject, html=html))
