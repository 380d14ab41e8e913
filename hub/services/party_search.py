"""The staff search box: what staff type, found through the store's search indexes.

One query is read several ways at once, and a party matches when any of them finds it:
- the last digits of a phone number (`6562`, `43056562`, `06-4305 6562`, `+31 6 4305 6562`),
  own or a role's: a full number is normalised to E.164 first, a partial one loses its
  leading zeros (a trunk prefix, which E.164 digits do not carry);
- every word (split on white space, folded: case and accents ignored) inside one searchable
  text: a name, any part of an email address, a postcode (`1234ab`, `1234 ab`);
- names one typo away: each query word of four letters or more as typed or one edit from a
  word of the name (`Wilems` finds Willems, `ingrid wilems` Ingrid Willems).

Results are typed (persons, then organisations, then households), each kind in id order,
paged by an opaque keyset cursor (kind and last id): every source returns its first ids
after the cursor, and the page is the first `limit` of their union, so no result repeats or
goes missing between pages however the sources overlap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.domain.identities import normalise_phone
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.search import (
    MIN_SUFFIX_DIGITS,
    MIN_TYPO_WORD,
    PARTY_KINDS,
    PartyKind,
    deletions,
    fold,
    name_matches,
)
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.ports import Store
from hub.services.paging import InvalidCursor, Page, check_limit, decode_fields, encode_fields

MAX_QUERY = 200
PHONE_LIKE = re.compile(r"^[\d\s\-+().]+$")
SIMILAR_BATCH = 50
"""Candidates read per round when checking one-typo matches (most are matches)."""
MEMBERS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """A query read every way the search box reads it."""

    text: str
    words: tuple[str, ...]
    phone_digits: str | None
    typo_words: tuple[str, ...]

    @classmethod
    def parse(cls, q: str, *, region: str) -> SearchTerms:
        text = q.strip()[:MAX_QUERY]
        folded = fold(text)
        words = tuple(folded.split())
        typo_words = tuple(w for w in words if len(w) >= MIN_TYPO_WORD
                           and any(c.isalpha() for c in w))
        return cls(text=text, words=words, phone_digits=_phone_digits(text, region),
                   typo_words=typo_words)

    @property
    def similar_keys(self) -> list[list[str]]:
        """Per typo-tolerant word, its one-deletion forms: a candidate's name has one of each
        (shorter words are checked on the candidates' names)."""
        return [sorted(deletions(word)) for word in dict.fromkeys(self.typo_words)]


def _phone_digits(text: str, region: str) -> str | None:
    if not PHONE_LIKE.match(text):
        return None
    try:
        digits = normalise_phone(text, region).lstrip("+")
    except InvalidInput:
        digits = "".join(c for c in text if c.isdigit()).lstrip("0")
    return digits if len(digits) >= MIN_SUFFIX_DIGITS else None


@dataclass(slots=True)
class SearchHit:
    """One result: a person (with household and roles), an organisation (with some of its
    people) or a household (with some members), and the ways the query matched it:
    `phone`, `email`, `name`, `similar_name`, `postcode`."""

    kind: PartyKind
    id: str
    matched: list[str]
    person: Person | None = None
    household: Household | None = None
    organisation: Organisation | None = None
    roles: list[tuple[Role, Organisation | None]] = field(default_factory=list)
    people: list[tuple[Role | None, Person]] = field(default_factory=list)

    @property
    def name(self) -> str:
        record = self.person or self.organisation or self.household
        return record.name if record is not None else ""


class PartySearch:
    def __init__(self, store: Store, *, region: str) -> None:
        self._store = store
        self._region = region

    async def find(self, q: str, *, limit: int, cursor: str | None = None,
                   kinds: Sequence[PartyKind] = PARTY_KINDS) -> Page[SearchHit]:
        check_limit(limit)
        terms = SearchTerms.parse(q, region=self._region)
        if not terms.words:
            return Page(items=[], next_cursor=None)
        start, after = _decode(cursor)
        found: list[tuple[PartyKind, str, set[str]]] = []
        for kind in kinds[kinds.index(start):] if start in kinds else ():
            wanted = limit + 1 - len(found)
            matches = await self._ids(kind, terms, wanted, after if kind == start else None)
            found += [(kind, party_id, reasons) for party_id, reasons in matches]
            if len(found) > limit:
                break
        page = found[:limit]
        next_cursor = _encode(*page[-1][:2]) if len(found) > limit else None
        return Page(items=await self._hits(page, terms), next_cursor=next_cursor)

    async def _ids(self, kind: PartyKind, terms: SearchTerms, limit: int,
                   after: str | None) -> list[tuple[str, set[str]]]:
        """The first `limit` ids of `kind` after `after` that any source finds."""
        search = self._store.search
        reasons: dict[str, set[str]] = {}

        def add(ids: Sequence[str], reason: str) -> None:
            for party_id in ids:
                reasons.setdefault(party_id, set()).add(reason)

        if kind == "person" and terms.phone_digits:
            add(await search.phone_suffix(terms.phone_digits, limit=limit, after_id=after),
                "phone")
        add(await search.containing(kind, terms.words, limit=limit, after_id=after), "text")
        if terms.typo_words:
            add(await self._similar(kind, terms, limit, after), "similar_name")
        return [(party_id, reasons[party_id]) for party_id in sorted(reasons)[:limit]]

    async def _similar(self, kind: PartyKind, terms: SearchTerms, limit: int,
                       after: str | None) -> list[str]:
        found: list[str] = []
        keys = terms.similar_keys
        while len(found) < limit:
            batch = await self._store.search.similar_names(
                kind, keys, limit=max(limit, SIMILAR_BATCH), after_id=after)
            found += [i for i, name in batch if name_matches(list(terms.words), name)]
            if len(batch) < max(limit, SIMILAR_BATCH):
                break
            after = batch[-1][0]
        return found[:limit]

    async def _hits(self, page: list[tuple[PartyKind, str, set[str]]],
                    terms: SearchTerms) -> list[SearchHit]:
        """Load what a page shows, a few queries per kind (not per result)."""
        store = self._store
        ids: dict[PartyKind, list[str]] = {kind: [] for kind in PARTY_KINDS}
        for kind, party_id, _ in page:
            ids[kind].append(party_id)
        persons = {p.id: p for p in await store.persons.get_many(ids["person"])}
        households = {h.id: h for h in await store.households.get_many(
            [*ids["household"], *(p.household_id for p in persons.values() if p.household_id)])}
        roles = await store.roles.for_persons(ids["person"]) if ids["person"] else []
        org_ids = [*ids["organisation"], *(r.organisation_id for r in roles)]
        organisations = {o.id: o for o in await store.organisations.get_many(org_ids)}
        hits: list[SearchHit] = []
        for kind, party_id, reasons in page:
            hit = SearchHit(kind=kind, id=party_id, matched=[])
            if kind == "person":
                person = persons.get(party_id)
                if person is None or not person.is_active:
                    continue  # merged or erased since the index was read
                hit.person = person
                hit.household = households.get(person.household_id or "")
                hit.roles = [(r, organisations.get(r.organisation_id)) for r in roles
                             if r.person_id == party_id]
            elif kind == "organisation":
                hit.organisation = organisations.get(party_id)
                if hit.organisation is None:
                    continue
                hit.people = await self._people_at(party_id)
            else:
                hit.household = households.get(party_id)
                if hit.household is None:
                    continue
                members = await store.persons.in_household(party_id)
                hit.people = [(None, m) for m in members[:MEMBERS_SHOWN]]
            hit.matched = _explain(hit, reasons, terms)
            hits.append(hit)
        return hits

    async def _people_at(self, organisation_id: str) -> list[tuple[Role | None, Person]]:
        roles = await self._store.roles.for_organisation(organisation_id, limit=MEMBERS_SHOWN)
        persons = {p.id: p for p in await self._store.persons.get_many(
            [r.person_id for r in roles])}
        return [(r, persons[r.person_id]) for r in roles
                if r.person_id in persons and persons[r.person_id].is_active]


def _explain(hit: SearchHit, reasons: set[str], terms: SearchTerms) -> list[str]:
    """Name the ways the query matched: `text` becomes name, email or postcode."""
    matched = {r for r in reasons if r != "text"}
    if "text" in reasons:
        if all(w in fold(hit.name) for w in terms.words):
            matched.add("name")
        elif hit.kind == "person":
            matched.add("email")
        else:
            matched.add("postcode")
    if "name" in matched:
        matched.discard("similar_name")
    order = ("phone", "name", "email", "postcode", "similar_name")
    return [r for r in order if r in matched]


def _encode(kind: PartyKind, party_id: str) -> str:
    return encode_fields({"k": kind, "a": party_id})


def _decode(cursor: str | None) -> tuple[PartyKind, str | None]:
    if cursor is None:
        return PARTY_KINDS[0], None
    fields = decode_fields(cursor, {"k", "a"})
    kind = fields["k"]
    if kind not in PARTY_KINDS:
        raise InvalidCursor(N_("cursor is not one this service issued"))
    return kind, fields["a"]

