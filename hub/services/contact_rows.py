"""Contact CSV columns: which column holds which Hub field, and one record read into a checked
`ContactRow` (or the reason it cannot be, naming the column). No I/O here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import get_args

from hub.domain.consent import CONSENT_CHANNELS, ConsentChannel, ConsentStatus
from hub.domain.identities import AddressKind, normalise
from hub.domain.parties import AttributeValue, CustomerStatus, Gender
from hub.errors import InvalidInput
from hub.i18n import N_

PROFILE_FIELDS = ("name", "language", "birth_date", "gender", "customer_status")
HOUSEHOLD_FIELDS = ("household_key", "household_name", "street", "postcode", "city", "country")
ROLE_FIELDS = ("organisation", "function", "role_email", "role_phone")
OTHER_FIELDS = ("tags",)
CONSENT_FIELDS = tuple(f"consent_{channel}" for channel in CONSENT_CHANNELS)
FIXED_FIELDS = frozenset(
    (*PROFILE_FIELDS, *HOUSEHOLD_FIELDS, *ROLE_FIELDS, *OTHER_FIELDS, *CONSENT_FIELDS))
ADDRESS_FIELD = re.compile(r"^(email|phone)([2-9]|1[0-9])?$")
ATTRIBUTE_FIELD = re.compile(r"^attr\.([A-Za-z][A-Za-z0-9_]{0,63})$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
TAG_SEPARATOR = ";"
MAX_TEXT = {"name": 200, "household_name": 200, "street": 200, "postcode": 20, "city": 100,
            "organisation": 200, "function": 200}
MAX_TAG = 50
MAX_TAGS = 50
MAX_ATTRIBUTE = 1000
GENDERS: dict[str, Gender] = {
    "female": "female", "f": "female", "v": "female", "vrouw": "female", "w": "female",
    "male": "male", "m": "male", "man": "male", "other": "other", "x": "other",
    "anders": "other", "unknown": "unknown", "onbekend": "unknown"}
CUSTOMER_STATUSES: tuple[CustomerStatus, ...] = get_args(CustomerStatus)
CONSENT_VALUES: dict[str, ConsentStatus | None] = {
    "opted_in": "opted_in", "opted_out": "opted_out", "unknown": None, "": None}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


def is_field(name: str) -> bool:
    """Whether `name` is a Hub field a column can be mapped to."""
    return name in FIXED_FIELDS or bool(ADDRESS_FIELD.match(name) or ATTRIBUTE_FIELD.match(name))


def check_mapping(columns: Mapping[str, str]) -> dict[str, str]:
    """A column mapping {source header: Hub field}; InvalidInput naming unknown fields."""
    unknown = sorted({f for f in columns.values() if not is_field(f)})
    if unknown:
        raise InvalidInput(
            N_("the mapping names unknown Hub fields: %(names)s"),
            params={"names": ', '.join(unknown)},
            details={"unknown_fields": unknown, "known_fields": [
                *sorted(FIXED_FIELDS), "email, email2 … email19", "phone, phone2 … phone19",
                "attr.<key>"]})
    return {source.strip(): target for source, target in columns.items()}


@dataclass(frozen=True, slots=True)
class Header:
    """Column index → Hub field; what was ignored is in `warnings`."""

    fields: tuple[tuple[int, str], ...]
    warnings: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for _, name in self.fields)

    @classmethod
    def read(cls, header: list[str], columns: Mapping[str, str]) -> Header:
        by_lower = {source.lower(): target for source, target in columns.items()}
        chosen: list[tuple[int, str]] = []
        ignored: list[str] = []
        for index, raw in enumerate(header):
            source = raw.strip()
            target = columns.get(source) or by_lower.get(source.lower())
            if target is None and is_field(source.lower()):
                target = source.lower()
            elif target is None and is_field(source):
                target = source
            if target is None:
                if source:
                    ignored.append(source)
                continue
            if any(name == target for _, name in chosen):
                raise InvalidInput(N_("two columns hold the field %(target)s"),
                                   params={"target": target},
                                   details={"field": target, "header": header[:50]})
            chosen.append((index, target))
        names = {name for _, name in chosen}
        addresses = {"role_email", "role_phone"} | {n for n in names if ADDRESS_FIELD.match(n)}
        if not names & addresses:
            raise InvalidInput(
                N_("the header row has no email or phone column: contacts are matched on their "
                   "addresses (map a column to email or phone)"),
                details={"header": header[:50]})
        warnings = (f"column(s) ignored, not a Hub field: {', '.join(ignored[:20])}",) \
            if ignored else ()
        return cls(fields=tuple(chosen), warnings=warnings)

    def values(self, record: list[str]) -> dict[str, str]:
        """Field → trimmed cell, empty cells left out."""
        values: dict[str, str] = {}
        for index, name in self.fields:
            if index < len(record):
                cell = record[index].strip()
                if cell:
                    values[name] = cell
        return values


@dataclass(frozen=True, slots=True)
class HouseholdRef:
    """Where a person lives: by the source's household key, or by street and postcode."""

    key: str
    name: str
    street: str | None
    postcode: str | None
    city: str | None
    country: str | None


@dataclass(slots=True)
class ContactRow:
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    profile: dict[str, object] = field(default_factory=dict)  # PROFILE_FIELDS given
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    household: HouseholdRef | None = None
    organisation: str | None = None
    function: str | None = None
    role_email: str | None = None
    role_phone: str | None = None
    consent: dict[ConsentChannel, ConsentStatus] = field(default_factory=dict)

    @property
    def addresses(self) -> list[tuple[AddressKind, str]]:
        return [*(("email", e) for e in self.emails), *(("phone", p) for p in self.phones)]

    @property
    def role_addresses(self) -> list[tuple[AddressKind, str]]:
        found: list[tuple[AddressKind, str]] = []
        if self.role_email:
            found.append(("email", self.role_email))
        if self.role_phone:
            found.append(("phone", self.role_phone))
        return found


def _text(name: str, value: str) -> str:
    limit = MAX_TEXT.get(name, 200)
    if len(value) > limit:
        raise InvalidInput(N_("%(name)s: longer than %(limit)s characters"),
                           params={"name": name, "limit": limit})
    return value


def _date(value: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(N_("birth_date: %(value)s is not a date (YYYY-MM-DD or DD-MM-YYYY)"),
                       params={"value": repr(value)})


def _profile_value(name: str, value: str) -> object:
    if name == "birth_date":
        return _date(value)
    if name == "language":
        if not LANGUAGE.match(value.lower() if "-" not in value else value):
            raise InvalidInput(N_("language: %(value)s is not a language code such as nl or en"),
                               params={"value": repr(value)})
        return value.lower() if "-" not in value else value
    if name == "gender":
        gender = GENDERS.get(value.lower())
        if gender is None:
            raise InvalidInput(N_("gender: %(value)s is not one of female, male, other, unknown"),
                               params={"value": repr(value)})
        return gender
    if name == "customer_status":
        if value.lower() not in CUSTOMER_STATUSES:
            raise InvalidInput(f"customer_status: {value!r} is not one of "
                               + ", ".join(CUSTOMER_STATUSES))
        return value.lower()
    return _text(name, value)


def _address(name: str, kind: AddressKind, value: str, region: str) -> str:
    try:
        return normalise(kind, value, region)
    except InvalidInput as exc:
        raise InvalidInput(N_("%(name)s: %(message)s"),
                           params={"name": name, "message": exc.message}) from exc


def street_key(postcode: str, street: str) -> str:
    """One household per address: postcode without spaces in capitals, street folded."""
    return f"{postcode.replace(' ', '').upper()}|{' '.join(street.casefold().split())}"


def _household(values: Mapping[str, str]) -> HouseholdRef | None:
    street, postcode = values.get("street"), values.get("postcode")
    country = values.get("country")
    if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
        raise InvalidInput(N_("country: %(country)s is not a two-letter country code"),
                           params={"country": repr(country)})
    parts = {name: _text(name, values[name]) for name in HOUSEHOLD_FIELDS if name in values}
    if "household_key" in values:
        key = "key:" + values["household_key"][:200]
    elif street and postcode:
        key = "address:" + street_key(postcode, street)
    else:
        if "household_name" in values:
            raise InvalidInput(N_("household_name needs a household_key or street and postcode"))
        return None
    name = parts.get("household_name") or ", ".join(
        p for p in (street, postcode, values.get("city")) if p)
    return HouseholdRef(key=key, name=name, street=parts.get("street"),
                        postcode=parts.get("postcode"), city=parts.get("city"),
                        country=country.upper() if country else None)


def read_row(values: Mapping[str, str], region: str) -> ContactRow:
    """A checked row; InvalidInput with the first problem, its column named."""
    row = ContactRow()
    for name, value in values.items():
        match = ADDRESS_FIELD.match(name)
        if match:
            kind: AddressKind = "email" if match.group(1) == "email" else "phone"
            normalised = _address(name, kind, value, region)
            target = row.emails if kind == "email" else row.phones
            if normalised not in target:
                target.append(normalised)
            continue
        attribute = ATTRIBUTE_FIELD.match(name)
        if attribute:
            if len(value) > MAX_ATTRIBUTE:
                raise InvalidInput(N_("%(name)s: longer than %(max_attribute)s characters"),
                                   params={"name": name, "max_attribute": MAX_ATTRIBUTE})
            row.attributes[attribute.group(1)] = value
        elif name in PROFILE_FIELDS:
            row.profile[name] = _profile_value(name, value)
        elif name == "tags":
            row.tags = _tags(value)
        elif name in CONSENT_FIELDS:
            status = CONSENT_VALUES.get(value.lower())
            if status is None and value.lower() not in CONSENT_VALUES:
                raise InvalidInput(N_("%(name)s: %(value)s is not opted_in, opted_out or empty"),
                                   params={"name": name, "value": repr(value)})
            if status is not None:
                row.consent[_channel(name)] = status
    row.household = _household(values)
    if "organisation" in values:
        row.organisation = _text("organisation", values["organisation"])
        row.function = _text("function", values.get("function", ""))
    role_readers: dict[str, Callable[[str], str]] = {
        "role_email": lambda v: _address("role_email", "email", v, region),
        "role_phone": lambda v: _address("role_phone", "phone", v, region)}
    for name, reader in role_readers.items():
        if name in values:
            if row.organisation is None:
                raise InvalidInput(N_("%(name)s: a role address needs an organisation"),
                                   params={"name": name})
            setattr(row, name, reader(values[name]))
    if not row.addresses and not row.role_addresses:
        raise InvalidInput(N_("no email or phone: a contact is matched on its addresses"))
    return row


def _channel(field_name: str) -> ConsentChannel:
    channel = field_name.removeprefix("consent_")
    for known in CONSENT_CHANNELS:
        if known == channel:
            return known
    raise InvalidInput(N_("unknown consent column %(field_name)s"),
                       params={"field_name": field_name})


def _tags(value: str) -> list[str]:
    tags: list[str] = []
    for raw in value.split(TAG_SEPARATOR):
        tag = raw.strip()
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise InvalidInput(N_("tags: %(tag)s… is longer than %(max_tag)s characters"),
                               params={"tag": repr(tag[:20]), "max_tag": MAX_TAG})
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(N_("tags: more than %(max_tags)s tags"),
                           params={"max_tags": MAX_TAGS})
    return tags
