"""Draws the whole demo data set from one `random.Random(seed)`, in memory, in a fixed order."""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import phonenumbers

from hub.demo.pools import (
    AGENTS,
    B2B_TOPICS,
    CALL_OUTCOMES,
    CALL_REASONS,
    CITIES,
    CITY_WEIGHTS,
    EDUCATION,
    EMAIL_TOPICS,
    FORMS,
    FUNCTIONS,
    INCOME_BANDS,
    INTERNATIONAL,
    MAIL_PROVIDERS,
    NL_FEMALE,
    NL_MALE,
    NL_SURNAMES,
    NOTES,
    ORG_KINDS,
    ORG_SIZES,
    ORG_SUFFIXES,
    ORG_WORDS,
    OUTBOUND_EMAILS,
    POSTCODE_LETTERS,
    SMS_IN,
    SMS_OUT,
    STREETS,
    SURVEY_COMMENTS,
    TAGS,
    WHATSAPP_IN,
    WHATSAPP_OUT,
)
from hub.domain.consent import ConsentChannel, ConsentState
from hub.domain.events import CallInfo, Event, FormInfo, StatusChange, SurveyInfo
from hub.domain.identities import AddressKind, Identity, normalise_email, normalise_phone
from hub.domain.parties import Address, Household, Organisation, Person, Role
from hub.domain.transactions import Transaction
from hub.errors import InvalidInput

T = TypeVar("T")
DEMO_CONSENT_CHANNELS: tuple[ConsentChannel, ...] = ("email", "sms", "call")
"""Fixed, so a new channel leaves the demo's random stream (and the README's tour) as is."""

DEMO_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
HUB_EMAIL = "service@hub.example"
HUB_PHONE = "+31850000000"
SOURCE = "demo"


@dataclass(slots=True)
class Plan:
    """Everything a run writes, generated in memory before the first write."""

    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    identities: dict[str, list[Identity]] = field(default_factory=dict)  # by person id
    events: list[Event] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)



# --- helpers -------------------------------------------------------------------------------


def _digest(seed: int, *parts: object) -> str:
    text = ":".join(str(p) for p in ("hub-demo", seed, *parts))
    return hashlib.sha256(text.encode()).hexdigest()


def _demo_id(seed: int, kind: str, n: int, at: datetime | None = None) -> str:
    """24 hex digits like `new_id()`: a ms time prefix, then a digest of seed, kind and n."""
    ms = int((at or DEMO_EPOCH + timedelta(milliseconds=n)).timestamp() * 1000)
    return f"{ms:012x}{_digest(seed, kind, n)[:12]}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("\u0131", "i").replace("ł", "l"))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def _weighted(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Generator:
    """Draws the whole data set from one Random in a fixed order."""

    def __init__(self, seed: int, persons: int, region: str, today: date) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.target = persons
        self.region = region.upper()
        self.now = datetime(today.year, today.month, today.day, tzinfo=UTC)
        self.today = today
        self.plan = Plan()
        self.addresses: set[str] = set()  # every email and phone handed out in this run
        self.places: set[tuple[str, str, str]] = set()
        self.lifetime_value: dict[str, float] = {}
        self.org_by_id: dict[str, Organisation] = {}
        self.counter = 0

    # ids and times ---------------------------------------------------------------------

    def next_id(self, kind: str, at: datetime | None = None) -> str:
        self.counter += 1
        return _demo_id(self.seed, kind, self.counter, at)

    def moment(self, *, days_back: float = 365.0) -> datetime:
        """A time in the window before `today`, mostly in office and evening hours."""
        day = self.rng.uniform(0.0, days_back)
        hour = _weighted(self.rng, [(h, 1 if h < 7 else 3 if h > 21 else 8) for h in range(24)])
        base = self.now - timedelta(days=int(day) + 1)
        return base + timedelta(
            hours=hour, minutes=self.rng.randrange(60), seconds=self.rng.randrange(60),
            milliseconds=self.rng.randrange(1000),
        )

    def before_now(self, at: datetime) -> datetime:
        return min(at, self.now - timedelta(minutes=1))

    # addresses -------------------------------------------------------------------------

    def unique(self, candidate: str, kind: AddressKind) -> str | None:
        """Normalise; None when invalid or already handed out in this run."""
        try:
            if kind == "email":
                value = normalise_email(candidate)
            else:
                value = normalise_phone(candidate, self.region)
        except InvalidInput:
            return None
        if value in self.addresses:
            return None
        self.addresses.add(value)
        return value

    def personal_email(self, first: str, last: str) -> str:
        """Drawn from the Random only (never from `today`), so re-runs make the same addresses."""
        f, surname = _ascii(first), _ascii(last)
        provider = _weighted(self.rng, MAIL_PROVIDERS)
        patterns = (
            f"{f}.{surname}", f"{f[0]}.{surname}", f"{f}{surname}{self.rng.randrange(100):02d}",
            f"{f}{self.rng.randrange(10, 99)}", f"{surname}.{f}", f"{f}_{surname}",
        )
        for local in (self.rng.choice(patterns), *patterns):
            value = self.unique(f"{local}@{provider}", "email")
            if value:
                return value
        while True:
            value = self.unique(f"{f}.{surname}{self.rng.randrange(100, 10_000)}@{provider}",
                                "email")
            if value:
                return value

    def mobile(self) -> str:
        while True:
            if self.region == "NL":
                digits = f"6{self.rng.choice('12345')}{self.rng.randrange(10**7):07d}"
                value = self.unique(f"+31{digits}", "phone")
            else:
                value = self.unique(self._regional_mobile(), "phone")
            if value:
                return value

    def _regional_mobile(self) -> str:
        example = phonenumbers.example_number_for_type(
            self.region, phonenumbers.PhoneNumberType.MOBILE
        )
        if example is None:
            raise InvalidInput(f"no mobile numbers known for region {self.region!r}")
        national = str(example.national_number)
        keep = max(1, len(national) - 6)
        tail = "".join(str(self.rng.randrange(10)) for _ in range(len(national) - keep))
        return f"+{example.country_code}{national[:keep]}{tail}"

    def landline(self, area: str) -> str | None:
        for _ in range(5):
            rest = 9 - len(area)
            value = self.unique(f"+31{area}{self.rng.randrange(10**rest):0{rest}d}", "phone")
            if value:
                return value
        return None

    def place(self) -> Address:
        while True:
            city, prefix, _ = self.rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
            postcode = (f"{prefix}{self.rng.randrange(10, 100)} "
                        f"{self.rng.choice(POSTCODE_LETTERS)}{self.rng.choice(POSTCODE_LETTERS)}")
            street = self.rng.choice(STREETS)
            number = str(self.rng.randrange(1, 180 + len(self.places) // 40))
            if self.rng.random() < 0.12:
                number += self.rng.choice(("A", "B", "-1", "-2", " bis"))
            key = (street, number, city)
            if postcode[-2:] in ("SA", "SD", "SS") or key in self.places:
                continue
            self.places.add(key)
            return Address(street=f"{street} {number}", postcode=postcode, city=city,
                           country="NL")

    # parties ---------------------------------------------------------------------------

    def name(self, gender: str, surname: str | None) -> tuple[str, str, str, str]:
        """(first, surname, full name, language)."""
        rng = self.rng
        female = gender == "female" or (gender not in ("female", "male") and rng.random() < 0.5)
        if surname is None and rng.random() < 0.22:
            women, men, surnames, language = rng.choice(INTERNATIONAL)
            first = rng.choice((women if female else men).split())
            return first, (last := rng.choice(surnames.split())), f"{first} {last}", language
        first = rng.choice(NL_FEMALE if female else NL_MALE)
        last = surname or rng.choice(NL_SURNAMES)
        language = _weighted(rng, [("nl", 90), ("en", 8), ("de", 2)])
        return first, last, f"{first} {last}", language

    def households_and_persons(self) -> None:
        rng = self.rng
        while len(self.plan.persons) < self.target:
            size = min(_weighted(rng, [(1, 58), (2, 25), (3, 9), (4, 6), (5, 2)]),
                       self.target - len(self.plan.persons))
            household_id = self.next_id("household")
            address = self.place()
            head_age = rng.randrange(19, 88) if size < 3 else rng.randrange(38, 62)
            surname: str | None = None
            members: list[Person] = []
            for k in range(size):
                age = (head_age if k == 0 else max(19, head_age + rng.randrange(-5, 6)) if k == 1
                       else rng.randrange(16, 26))
                gender = _weighted(rng, [("female", 49), ("male", 49), ("other", 1),
                                         ("unknown", 1)])
                first, last, full, language = self.name(gender, surname if k != 1 or
                                                        rng.random() < 0.6 else None)
                surname = surname or last
                members.append(self.person(household_id, first, last, full, language, gender,
                                           age, size, k))
            statuses = {p.customer_status for p in members}
            status = next(s for s in ("customer", "lost", "inactive", "prospect")
                          if s in statuses)
            self.plan.households.append(Household(
                id=household_id, name=f"Huishouden {surname}", address=address,
                customer_status=status,
                attributes={"size": size, "housing": _weighted(rng, [("owner", 57),
                                                                     ("rent", 43)])},
                created_at=min(p.created_at for p in members),
                updated_at=min(p.created_at for p in members),
            ))
            self.plan.persons.extend(members)

    def person(self, household_id: str, first: str, last: str, full: str, language: str,
               gender: str, age: int, size: int, position: int) -> Person:
        rng = self.rng
        person_id = self.next_id("person")
        birth = self.today - timedelta(days=age * 365 + rng.randrange(365))
        created = self.moment(days_back=5 * 365)
        emails = [self.personal_email(first, last)] if rng.random() < 0.93 else []
        if emails and rng.random() < 0.07:
            emails.append(self.personal_email(first, last))
        phones = [self.mobile()] if rng.random() < 0.8 else []
        status = _weighted(rng, [("customer", 55), ("prospect", 22), ("inactive", 13),
                                 ("lost", 10)])
        if status != "prospect":
            self.lifetime_value[person_id] = rng.lognormvariate(5.0, 1.68)
        preferred = [c for c, ok in (("email", emails), ("sms", phones), ("call", phones)) if ok]
        weights = {"email": 6, "sms": 3, "call": 1}
        consent = {}
        for channel in DEMO_CONSENT_CHANNELS:
            has = bool(emails) if channel == "email" else bool(phones)
            status_c = _weighted(rng, [("opted_in", 55 if channel != "call" else 20),
                                       ("unknown", 35 if channel != "call" else 75),
                                       ("opted_out", 10 if channel != "call" else 5)])
            if has:
                at = (self.moment() if status_c == "opted_out"  # recent, so on the timeline
                      else self.before_now(created + timedelta(days=rng.randrange(0, 400))))
                consent[channel] = ConsentState(
                    status=status_c, source=SOURCE,  # type: ignore[arg-type]
                    at=at,
                    text="Demo data: consent recorded at sign-up." if status_c == "opted_in"
                    else None,
                )
        tags = sorted(set(rng.sample(TAGS, k=_weighted(rng, [(0, 40), (1, 35), (2, 18),
                                                             (3, 7)]))))
        if size >= 3 and "family" not in tags:
            tags.append("family")
        return Person(
            id=person_id, name=full, emails=emails, phones=phones, household_id=household_id,
            birth_date=birth, gender=gender,  # type: ignore[arg-type]
            income_band=INCOME_BANDS[min(5, max(0, int(rng.gauss(2.3 if age > 24 else 0.6,
                                                                  1.2))))],
            education=rng.choice(EDUCATION[1:] if age > 22 else EDUCATION[1:4]),
            life_stage=_life_stage(age, size, position),
            language=language,
            preferred_channel=rng.choices(  # type: ignore[arg-type]
                preferred, weights=[weights[c] for c in preferred])[0] if preferred else None,
            customer_status=status,  # type: ignore[arg-type]
            tags=tags,
            attributes={"customer_number": f"D{self.seed}-{self.counter:07d}",
                        "loyalty_member": "loyalty" in tags},
            consent=consent,
            created_at=created, updated_at=created,
        )

    def identities(self) -> None:
        for person in self.plan.persons:
            addresses: list[tuple[AddressKind, str]] = [
                *(("email", e) for e in person.emails), *(("phone", p) for p in person.phones)]
            self.plan.identities[person.id] = [
                Identity(kind=kind, value=value, person_id=person.id, created_at=person.created_at)
                for kind, value in addresses
            ]

    def organisations_and_roles(self) -> None:
        rng = self.rng
        workers = [p for p in self.plan.persons
                   if p.birth_date and 21 <= (self.today - p.birth_date).days // 365 <= 67]
        names: set[str] = set()
        domains: set[str] = set()
        roles_per_person: dict[str, set[str]] = {}
        for _ in range(max(1, round(self.target / 13))):
            for attempt in range(1_000_000):
                word, (kind, industry) = rng.choice(ORG_WORDS), rng.choice(ORG_KINDS)
                base = (f"{kind} {rng.choice(NL_SURNAMES).split()[-1]}" if rng.random() < 0.35
                        else f"{word} {kind}")
                if attempt >= 10:  # the plain names run out in large data sets
                    base = f"{base} {rng.choice(CITIES)[0].lstrip(chr(39))}"
                if attempt >= 30:
                    base = f"{base} {attempt}"
                name = f"{base} {rng.choice(ORG_SUFFIXES)}".strip()
                domain = f"{_ascii(base)}.example"
                if name not in names and domain not in domains:
                    names.add(name)
                    domains.add(domain)
                    break
            address = self.place()
            org_id = self.next_id("organisation")
            created = self.moment(days_back=6 * 365)
            org = Organisation(
                id=org_id, name=name, industry=industry,
                size=_weighted(rng, list(zip(ORG_SIZES, (45, 35, 15, 5), strict=True))),
                address=address,
                customer_status=_weighted(rng, [("customer", 60), ("prospect", 25),
                                                ("inactive", 10), ("lost", 5)]),
                attributes={"domain": domain, "kvk": f"{rng.randrange(10**7, 10**8)}"},
                created_at=created, updated_at=created,
            )
            self.plan.organisations.append(org)
            self.org_by_id[org_id] = org
            if org.customer_status != "prospect":
                self.lifetime_value[org_id] = rng.lognormvariate(8.0, 1.4)
            area = next(c[2] for c in CITIES if c[0] == address.city)
            for _ in range(_weighted(rng, [(1, 35), (2, 35), (3, 20), (4, 10)])):
                person = rng.choice(workers)
                held = roles_per_person.setdefault(person.id, set())
                if org_id in held or len(held) >= 2:
                    continue
                held.add(org_id)
                self.role(person, org, domain, area)

    def role(self, person: Person, org: Organisation, domain: str, area: str) -> None:
        first, *rest = person.name.split()
        role_id = self.next_id("role")
        email = self.unique(f"{_ascii(first)}.{_ascii(''.join(rest))}@{domain}", "email") or \
            self.unique(f"{_ascii(first)[0]}{_ascii(''.join(rest))}@{domain}", "email")
        phone = self.landline(area) if self.rng.random() < 0.4 else None
        created = max(org.created_at, person.created_at)
        self.plan.roles.append(Role(id=role_id, person_id=person.id, organisation_id=org.id,
                                    function=self.rng.choice(FUNCTIONS), email=email,
                                    phone=phone, created_at=created))
        addresses: list[tuple[AddressKind, str | None]] = [("email", email), ("phone", phone)]
        self.plan.identities[person.id].extend(
            Identity(kind=kind, value=value, person_id=person.id, role_id=role_id,
                     created_at=created)
            for kind, value in addresses if value
        )

    # events ----------------------------------------------------------------------------

    def events(self) -> None:
        rng = self.rng
        roles_by_person: dict[str, list[Role]] = {}
        for held in self.plan.roles:
            roles_by_person.setdefault(held.person_id, []).append(held)
        makers: dict[str, Callable[[Person, Role | None], None]] = {
            "email_thread": self._email_thread, "email_out": self._email_out, "sms": self._sms,
            "call": self._call, "webform": self._webform, "survey": self._survey,
            "note": self._note,
        }
        for person in self.plan.persons:
            active = person.customer_status in ("customer", "lost")
            count = _weighted(rng, [(0, 20), (1, 24), (2, 18), (3, 12), (4, 8), (6, 5),
                                    (9, 3)]) + (1 if active else 0)
            for _ in range(count):
                kind = _weighted(rng, [("email_thread", 24), ("email_out", 14), ("sms", 14),
                                       ("call", 18), ("webform", 8), ("survey", 10),
                                       ("note", 12)])
                role: Role | None = None
                if roles_by_person.get(person.id) and rng.random() < 0.35:
                    role = rng.choice(roles_by_person[person.id])
                makers[kind](person, role)
            for channel, state in person.consent.items():
                if state.status == "opted_out" and state.at:
                    how = "SMS STOP" if channel == "sms" else "unsubscribe link" \
                        if channel == "email" else "phone"
                    self.add(person, None, "system", "internal", state.at,
                             text=f"Consent for {channel} changed to opted_out ({how}).",
                             data={"consent_channel": channel, "status": "opted_out"})

    def whatsapp(self) -> None:
        """Who texted us also wrote on WhatsApp a day later and got an answer (read)."""
        rng = random.Random(self.seed * 7919 + 18)
        persons = {p.id: p for p in self.plan.persons}
        texted = [e for e in self.plan.events if e.channel == "sms" and e.direction == "inbound"]
        for sms in texted:
            person = persons.get(sms.person_id or "")
            if person is None or not sms.from_:
                continue
            lang = person.language if person.language in WHATSAPP_OUT else "nl"
            at = self.before_now(sms.occurred_at + timedelta(days=1))
            sid = "SM" + _digest(self.seed, "whatsapp", len(self.plan.events))[:32]
            self.add(person, None, "whatsapp", "inbound", at, from_=sms.from_, to=HUB_PHONE,
                     text=rng.choice(WHATSAPP_IN[lang]), status="received", external_id=sid)
            person.last_inbound_on = {**person.last_inbound_on, f"whatsapp:{sms.from_}": at}
            reply_at = at + timedelta(minutes=rng.randrange(5, 50))
            sid = "SM" + _digest(self.seed, "whatsapp", len(self.plan.events))[:32]
            self.add(person, None, "whatsapp", "outbound", reply_at, from_=HUB_PHONE,
                     to=sms.from_, text=WHATSAPP_OUT[lang], external_id=sid, status="read",
                     status_history=[StatusChange(status=s, at=reply_at) for s in
                                     ("sent", "delivered", "read")])

    def add(self, person: Person, role: Role | None, channel: str, direction: str,
            at: datetime, **fields: Any) -> Event:
        at = self.before_now(at)
        n = len(self.plan.events) + 1
        event_id = _demo_id(self.seed, "event", n, at)
        key = fields.pop("external_id", None) or f"demo-{self.seed}-{channel}-{n}"
        event = Event(
            id=event_id, person_id=person.id, household_id=person.household_id,
            organisation_id=role.organisation_id if role else None,
            role_id=role.id if role else None, channel=channel,  # type: ignore[arg-type]
            direction=direction,  # type: ignore[arg-type]
            occurred_at=at, recorded_at=at, external_id=key, **fields,
        )
        self.plan.events.append(event)
        return event

    def _addresses(self, person: Person, role: Role | None, kind: AddressKind) -> str | None:
        if role is not None:
            value = role.email if kind == "email" else role.phone
            if value:
                return value
        values = person.emails if kind == "email" else person.phones
        return values[0] if values else None

    def _delivered(self, at: datetime, failed: bool = False) -> dict[str, Any]:
        sent = StatusChange(status="sent", at=at)
        last = StatusChange(status="failed" if failed else "delivered",
                            at=at + timedelta(seconds=self.rng.randrange(1, 90)))
        return {"status": last.status, "status_history": [sent, last]}

    def _lang(self, person: Person) -> str:
        return person.language if person.language in EMAIL_TOPICS else "nl"

    def _email_thread(self, person: Person, role: Role | None) -> None:
        address = self._addresses(person, role, "email")
        if address is None:
            return self._call(person, role)
        rng, lang = self.rng, self._lang(person)
        first, agent = person.name.split()[0], rng.choice(AGENTS)
        at = self.moment()
        if role is not None:
            org = self.org_by_id[role.organisation_id]
            subject, body = rng.choice(B2B_TOPICS)
            n = rng.randrange(1000, 9999)
            subject = subject.format(n=n)
            question = body.format(name=person.name, function=role.function, org=org.name, n=n)
            answer = (f"Beste {first},\n\nDank voor uw bericht, we komen er snel op "
                      f"terug.\n\n{agent}")
        else:
            subject, question, answer = rng.choice(EMAIL_TOPICS[lang])
            question = question.format(name=person.name, first=first)
            answer = answer.format(name=person.name, first=first, agent=agent)
        message_id = f"<{_digest(self.seed, 'mail', len(self.plan.events))[:20]}@mail.example>"
        self.add(person, role, "email", "inbound", at, subject=subject, text=question,
                 from_=address, to=HUB_EMAIL, status="received", thread_id=message_id,
                 external_id=message_id)
        if rng.random() < 0.9:
            reply_id = f"<{_digest(self.seed, 'reply', len(self.plan.events))[:20]}@hub.example>"
            replied = self.before_now(at + timedelta(minutes=rng.randrange(8, 60 * 30)))
            self.add(person, role, "email", "outbound", replied, subject=f"Re: {subject}",
                     text=answer, from_=HUB_EMAIL, to=address, author=agent,
                     thread_id=message_id, external_id=reply_id, **self._delivered(replied))
        return None

    def _email_out(self, person: Person, role: Role | None) -> None:
        address = self._addresses(person, None, "email")
        if address is None:
            return self._sms(person, role)
        subject, text = self.rng.choice(OUTBOUND_EMAILS[self._lang(person)])
        at = self.moment()
        message_id = f"<{_digest(self.seed, 'out', len(self.plan.events))[:20]}@hub.example>"
        self.add(person, None, "email", "outbound", at, subject=subject,
                 text=text.format(first=person.name.split()[0]), from_=HUB_EMAIL, to=address,
                 external_id=message_id, **self._delivered(at, self.rng.random() < 0.03))
        return None

    def _sms(self, person: Person, role: Role | None) -> None:
        phone = self._addresses(person, None, "phone")
        if phone is None:
            return self._note(person, role)
        rng, lang = self.rng, self._lang(person)
        at = self.moment()
        body = rng.choice(SMS_OUT[lang]).format(time=f"{rng.randrange(9, 17)}:{rng.choice('03')}0")
        sid = "SM" + _digest(self.seed, "sms", len(self.plan.events))[:32]
        self.add(person, None, "sms", "outbound", at, text=body, from_=HUB_PHONE, to=phone,
                 external_id=sid, **self._delivered(at))
        if rng.random() < 0.55:
            sid = "SM" + _digest(self.seed, "sms", len(self.plan.events))[:32]
            self.add(person, None, "sms", "inbound", at + timedelta(minutes=rng.randrange(1, 240)),
                     text=rng.choice(SMS_IN[lang]), from_=phone, to=HUB_PHONE,
                     status="received", external_id=sid)
        return None

    def _call(self, person: Person, role: Role | None) -> None:
        phone = self._addresses(person, role, "phone")
        rng = self.rng
        at = self.moment()
        direction = _weighted(rng, [("inbound", 70), ("outbound", 30)])
        outcome = _weighted(rng, CALL_OUTCOMES)
        answered = outcome not in ("voicemail", "no_answer")
        call = CallInfo(
            duration_s=int(min(3600, rng.lognormvariate(5.3, 0.8))) if answered else 0,
            wait_s=int(min(1200, rng.expovariate(1 / 70))) if direction == "inbound" else 0,
            agent=rng.choice(AGENTS), outcome=outcome,
        )
        ours, theirs = HUB_PHONE, phone
        self.add(person, role, "call", direction, at, call=call,
                 text=rng.choice(CALL_REASONS) if answered else None,
                 from_=theirs if direction == "inbound" else ours,
                 to=ours if direction == "inbound" else theirs, status="completed",
                 external_id="CA" + _digest(self.seed, "call", len(self.plan.events))[:32])

    def _webform(self, person: Person, role: Role | None) -> None:
        form_id, messages = self.rng.choice(FORMS)
        email = self._addresses(person, None, "email")
        fields: dict[str, Any] = {"name": person.name, "message": self.rng.choice(messages)}
        if email:
            fields["email"] = email
        if self.rng.random() < 0.5:
            fields["consent"] = "on"
        self.add(person, None, "webform", "inbound", self.moment(), subject=f"Form {form_id}",
                 text=fields["message"], from_=email, status="received",
                 form=FormInfo(form_id=form_id, fields=fields))

    def _survey(self, person: Person, role: Role | None) -> None:
        rng = self.rng
        if rng.random() < 0.7:
            survey_id = "demo-nps"
            score = _weighted(rng, [(s, w) for s, w in enumerate(
                (2, 1, 1, 2, 2, 4, 6, 10, 18, 27, 27))])
            mood = "high" if score >= 9 else "mid" if score >= 7 else "low"
        else:
            survey_id = "demo-csat"
            score = _weighted(rng, [(1, 5), (2, 7), (3, 15), (4, 38), (5, 35)])
            mood = "high" if score >= 4 else "mid" if score == 3 else "low"
        comment = rng.choice(SURVEY_COMMENTS[mood]) or None
        self.add(person, None, "survey", "inbound", self.moment(), text=comment,
                 status="received", survey=SurveyInfo(survey_id=survey_id, score=score,
                                                      comment=comment))

    def _note(self, person: Person, role: Role | None) -> None:
        text = self.rng.choice(NOTES)
        if role is not None:
            org = self.org_by_id[role.organisation_id]
            text = f"Jaargesprek met {org.name} ({role.function}): {text[0].lower()}{text[1:]}"
        self.add(person, role, "note", "internal", self.moment(), text=text,
                 author=self.rng.choice(AGENTS))

    # transactions ----------------------------------------------------------------------

    def transactions(self) -> None:
        """Person and organisation revenue over the year; lost customers stop after 5 months."""
        rng = self.rng
        statuses = {p.id: p.customer_status for p in self.plan.persons}
        statuses.update({o.id: o.customer_status for o in self.plan.organisations})
        orgs = {o.id for o in self.plan.organisations}
        n = 0
        for party_id, value in self.lifetime_value.items():
            status = statuses[party_id]
            if status == "inactive":
                continue  # bought before the window, nothing in the last year
            window = 150.0 if status == "lost" else 365.0
            parts = 1 + min(int(value / (900 if party_id in orgs else 90)), 40)
            weights = [rng.random() + 0.2 for _ in range(parts)]
            total = sum(weights)
            for w in weights:
                n += 1
                amount = max(199, int(value * w / total * 100))
                at = self.now - timedelta(days=365) + timedelta(
                    days=rng.uniform(0, window), seconds=rng.randrange(86_400))
                self.plan.transactions.append(Transaction(
                    id=_demo_id(self.seed, "transaction", n, at),
                    external_id=f"demo-{self.seed}-tx-{n:07d}",
                    person_id=None if party_id in orgs else party_id,
                    organisation_id=party_id if party_id in orgs else None,
                    amount_minor=amount, currency="EUR", occurred_at=at, recorded_at=at,
                ))


def _life_stage(age: int, size: int, position: int) -> str:
    if position >= 2 or (age < 25 and size >= 3):
        return "living_with_parents"
    if age < 25:
        return "student"
    if age >= 67:
        return "retired"
    if size == 1:
        return "single"
    if size == 2:
        return "couple" if age < 55 else "empty_nest"
    return "young_family" if age < 42 else "family"


def build_plan(*, persons: int, seed: int, region: str, today: date) -> Plan:
    """The full data set for these arguments, in memory, without touching a store."""
    if persons < 1:
        raise InvalidInput("persons must be at least 1", details={"persons": persons})
    gen = _Generator(seed, persons, region, today)
    gen.households_and_persons()
    gen.identities()
    gen.organisations_and_roles()
    gen.events()
    gen.transactions()
    gen.whatsapp()  # last, on its own random stream: the stream above stays as it was
    for person in gen.plan.persons:
        value = gen.lifetime_value.get(person.id, 0.0)
        if value > 3000 and "vip" not in person.tags:
            person.tags = sorted([*person.tags, "vip"])
    return gen.plan


