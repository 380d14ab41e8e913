"""Unsubscribe links (`/u/{token}`) and the one-click opt-out behind them (RFC 8058).

A token names a person and the campaign that carried it, signed with the hub's secret key:
80 hex characters, not guessable, not a sequential id. Using it sets email consent to
`opted_out` with a timeline event (carrying the campaign id, so opt-outs count for it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from hub.domain.common import utcnow
from hub.domain.parties import Person
from hub.ports import Store
from hub.services.consent import apply_consent
from hub.services.timeline import TimelineService

TOKEN = re.compile(r"^([0-9a-f]{24})([0-9a-f]{24}|0{24})([0-9a-f]{32})$")
NO_CAMPAIGN = "0" * 24


@dataclass(frozen=True, slots=True)
class UnsubscribeTarget:
    person_id: str
    campaign_id: str | None


class UnsubscribeTokens:
    """The personal links of a marketing message: the unsubscribe link (`/u/`) and, signed
    with a key of its own, the preference centre's (`/p/`, `preference_token`)."""

    def __init__(self, secret_key: str, purpose: bytes = b"unsubscribe-token:") -> None:
        self._key = hashlib.sha256(purpose + secret_key.encode()).digest()
        self._preferences = (UnsubscribeTokens(secret_key, b"preference-token:")
                             if purpose == b"unsubscribe-token:" else None)

    def _signature(self, payload: str) -> str:
        return hmac.digest(self._key, payload.encode(), "sha256").hex()[:32]  # one-shot: fast

    def make(self, person_id: str, campaign_id: str | None) -> str:
        payload = person_id + (campaign_id or NO_CAMPAIGN)
        return payload + self._signature(payload)

    def read(self, token: str) -> UnsubscribeTarget | None:
        match = TOKEN.match(token.strip().lower())
        if match is None:
            return None
        person_id, campaign_id, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(person_id + campaign_id)):
            return None
        return UnsubscribeTarget(person_id, None if campaign_id == NO_CAMPAIGN else campaign_id)

    @property
    def preferences(self) -> UnsubscribeTokens:
        """The preference centre's tokens: same form, another key (an unsubscribe token
        does not open the preference centre, nor the other way round)."""
        return self._preferences or self


class UnsubscribeService:
    def __init__(self, store: Store, timeline: TimelineService, tokens: UnsubscribeTokens) -> None:
        self._store = store
        self._timeline = timeline
        self.tokens = tokens

    async def person_for(self, token: str) -> Person | None:
        """Who a valid token belongs to (for the confirmation page); changes nothing."""
        target = self.tokens.read(token)
        if target is None:
            return None
        person = await self._store.persons.get(target.person_id)
        return person if person is not None and person.is_active else None

    async def unsubscribe(self, token: str, *, source: str) -> bool:
        """Opt the token's person out of email; False for an unknown token. Idempotent."""
        target = self.tokens.read(token)
        if target is None:
            return False
        person = await self._store.persons.get(target.person_id)
        if person is None or not person.is_active:
            return False
        change = apply_consent(person, "email", "opted_out", source=source)
        if change is not None:
            person.updated_at = utcnow()
            await self._store.persons.replace(person)
            change.campaign_id = target.campaign_id
            await self._timeline.record(change)
        if target.campaign_id is not None:
            await self._store.deliveries.mark_opted_out(target.campaign_id, person.id, utcnow())
        return True
