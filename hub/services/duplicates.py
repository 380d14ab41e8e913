"""Duplicate suggestions for the merge page: other persons who may be the same human.

Signals (each a stable code with its evidence):
- `same_name_postcode`: the same name once normalised (case, accents, punctuation, spacing)
  and the same postcode (of their households);
- `address_in_other_field`: one's email or phone written in a field of the other that is
  not an address of theirs (a role's business address, an attribute);
- `phone_other_format`: as above, a phone number written another way (`06-1234 5678` for
  `+31612345678`).
Candidates come from the name search (one typo allowed), the household postcode, and the
owners of the addresses written in the person's other fields; nothing scans every person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from hub.domain.identities import AddressKind, normalise
from hub.domain.parties import Person
from hub.errors import HubError
from hub.ports import Store
from hub.services.persons import PersonService

MAX_SUGGESTIONS = 10
PHONE_LIKE = re.compile(r"^[\d\s\-+().]{8,30}$")


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str


@dataclass(slots=True)
class DuplicateSuggestion:
    person: Person
    reasons: list[Reason] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"person": self.person.to_json(),
                "reasons": [{"code": r.code, "detail": r.detail} for r in self.reasons]}


def normalised_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", letters).split())


def _postcode(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def _other_fields(person: Person, roles_addresses: list[str]) -> list[str]:
    """Texts in the person's fields other than their own addresses."""
    texts = [v for v in person.attributes.values() if isinstance(v, str)]
    return [*texts, *roles_addresses]


def _as_address(text: str, region: str) -> tuple[str, AddressKind] | None:
    """(normalised address, kind) for an email or phone written in `text`, else None."""
    text = text.strip()
    try:
        if "@" in text:
            return normalise("email", text, region), "email"
        if PHONE_LIKE.match(text):
            return normalise("phone", text, region), "phone"
    except HubError:
        return None
    return None


async def suggest_duplicates(store: Store, persons: PersonService, person: Person, *,
                             region: str = "NL") -> list[DuplicateSuggestion]:
    candidates: dict[str, Person] = {}
    if person.name.strip():
        for found in (await persons.find(q=person.name, limit=25)).items:
            candidates.setdefault(found.id, found)
    household = await store.households.get(person.household_id) if person.household_id \
        else None
    postcode = _postcode(household.address.postcode if household else None)
    if postcode:
        for home in await store.households.with_postcode(postcode, limit=10):
            for member in await store.persons.in_household(home.id):
                candidates.setdefault(member.id, member)
    own_roles = await store.roles.for_person(person.id)
    own_other = _other_fields(person, [a for r in own_roles for a in (r.email, r.phone) if a])
    for text in own_other:
        parsed = _as_address(text, region)
        if parsed is None:
            continue
        identity = await store.identities.get(parsed[1], parsed[0])
        if identity is not None and identity.person_id != person.id:
            owner = await store.persons.get(identity.person_id)
            if owner is not None:
                candidates.setdefault(owner.id, owner)
    candidates.pop(person.id, None)

    suggestions: list[DuplicateSuggestion] = []
    households = {h.id: h for h in await store.households.get_many(sorted(
        {c.household_id for c in candidates.values() if c.household_id}))} if candidates else {}
    for other in candidates.values():
        if not other.is_active:
            continue
        suggestion = DuplicateSuggestion(other)
        their_postcode = _postcode(households[other.household_id].address.postcode
                                   if other.household_id in households else None)
        if (postcode and postcode == their_postcode and person.name.strip()
                and normalised_name(person.name) == normalised_name(other.name)):
            suggestion.reasons.append(Reason("same_name_postcode", postcode))
        their_roles = await store.roles.for_person(other.id)
        their_other = _other_fields(other, [a for r in their_roles for a in (r.email, r.phone)
                                            if a])
        for texts, addresses in ((own_other, [*other.emails, *other.phones]),
                                 (their_other, [*person.emails, *person.phones])):
            for text in texts:
                parsed = _as_address(text, region)
                if parsed is None or parsed[0] not in addresses:
                    continue
                code = ("phone_other_format" if parsed[1] == "phone" and text.strip()
                        != parsed[0] else "address_in_other_field")
                suggestion.reasons.append(Reason(code, text.strip()))
        if suggestion.reasons:
            suggestions.append(suggestion)
    return suggestions[:MAX_SUGGESTIONS]
