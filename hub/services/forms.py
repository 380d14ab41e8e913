"""Web forms: staff define them; a checked submission becomes a person, consent with its proof
and a `webform` event. Parsing and checking a submission is `channels.webforms`' job."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.domain.channels import sendable
from hub.domain.common import new_id, utcnow
from hub.domain.consent import ConsentChannel
from hub.domain.events import Event, FormInfo
from hub.domain.forms import FIELD_NAME_PATTERN, SLUG_PATTERN, FormDefinition, FormFieldType
from hub.errors import Conflict, DuplicateKey, HubError, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.double_opt_in import DoubleOptIn
from hub.services.form_profile import fill_profile
from hub.services.identities import IdentityService
from hub.services.messaging import MessagingService
from hub.services.outbound import why_not
from hub.services.paging import Page, check_limit, decode_after_id, page_by_id
from hub.services.timeline import TimelineService

log = logging.getLogger("hub.forms")

CONSENT_FIELD = "consent"
HONEYPOT_FIELD = "homepage"
SUBMISSION_ID_FIELD = "submission_id"
RESERVED_FIELD_NAMES = frozenset({CONSENT_FIELD, HONEYPOT_FIELD, SUBMISSION_ID_FIELD})
"""Names the hosted page uses itself; a form's own fields may not take them."""
ADDRESS_TYPES: tuple[FormFieldType, ...] = ("email", "phone")
AUTOMATIC_MAIL_WINDOW = timedelta(hours=24)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_URL = re.compile(r"^https?://[^\s<>\"'\\]+$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class FormFieldInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=FIELD_NAME_PATTERN)
    label: Text
    type: FormFieldType
    required: bool = False
    options: list[Text] = Field(default_factory=list, max_length=100)
    max_length: int = Field(default=1000, ge=1, le=20_000)

    @model_validator(mode="after")
    def _options(self) -> FormFieldInput:
        if self.type == "select" and not self.options:
            raise ValueError(f"select field {self.name!r} needs options")
        if self.type != "select" and self.options:
            raise ValueError(f"only a select field has options ({self.name!r})")
        if self.name in RESERVED_FIELD_NAMES:
            raise ValueError(f"{self.name!r} is used by the form page itself; rename the field "
                             f"(the consent checkbox comes from consent_text)")
        return self


class FormInput(BaseModel):
    """A form as staff send it (`POST /api/v1/forms`)."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=SLUG_PATTERN)
    title: Text
    fields: list[FormFieldInput] = Field(min_length=1, max_length=50)
    consent_text: LongText | None = None
    consent_channels: list[ConsentChannel] = Field(
        default_factory=lambda: list[ConsentChannel](["email"]), min_length=1, max_length=3)
    thank_you: LongText | None = None
    redirect_url: str | None = Field(default=None, max_length=2000, pattern=_URL.pattern)
    cors_origins: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _coherent(self) -> FormInput:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError("field names must be unique")
        if not any(f.type in ADDRESS_TYPES for f in self.fields):
            raise ValueError("a form needs an email or phone field, to know who filled it in")
        if len(set(self.consent_channels)) != len(self.consent_channels):
            raise ValueError("consent_channels has duplicates")
        for origin in self.cors_origins:
            if not _ORIGIN.match(origin):
                raise ValueError(f"cors_origins: {origin!r} is not an origin like "
                                 "https://www.example.com (scheme and host, no path)")
        return self


@dataclass(frozen=True, slots=True)
class FormEntry:
    """A checked submission: clean values by field name, the consent box, where it came from."""

    values: Mapping[str, Any]
    consent: bool
    client: str
    submission_id: str | None = None


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    event: Event
    person_id: str
    person_created: bool
    duplicate: bool


def submitter_address(form: FormDefinition, values: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, value) the submitter is known by: the first filled email, else phone, field."""
    for kind in ADDRESS_TYPES:
        for spec in form.fields:
            if spec.type == kind and values.get(spec.name):
                return kind, str(values[spec.name])
    return None


class FormService:
    def __init__(
        self, store: Store, identities: IdentityService, timeline: TimelineService,
        messaging: MessagingService, double_opt_in: DoubleOptIn, *,
        mail_window: timedelta = AUTOMATIC_MAIL_WINDOW,
    ) -> None:
        self._store = store
        self._identities = identities
        self._timeline = timeline
        self._messaging = messaging
        self._double_opt_in = double_opt_in
        self._mail_window = mail_window

    async def define(self, draft: FormInput) -> FormDefinition:
        form = FormDefinition(id=new_id(), **draft.model_dump())
        try:
            await self._store.forms.insert(form)
        except DuplicateKey as exc:
            raise Conflict(N_("a form with slug %(slug)s already exists"),
                           params={"slug": repr(draft.slug)},
                           details={"field": "slug"}) from exc
        return form

    async def get(self, form_id: str) -> FormDefinition:
        form = await self._store.forms.get(form_id)
        if form is None:
            raise NotFound(N_("no form %(form_id)s"),
                           params={"form_id": form_id})
        return form

    async def by_slug(self, slug: str) -> FormDefinition:
        form = await self._store.forms.get_by_slug(slug)
        if form is None:
            raise NotFound(N_("no form at /f/%(slug)s"),
                           params={"slug": slug})
        return form

    async def list(self, *, limit: int = 50, cursor: str | None = None) -> Page[FormDefinition]:
        check_limit(limit)
        rows = await self._store.forms.find(limit=limit + 1, after_id=decode_after_id(cursor))
        return page_by_id(rows, limit, lambda f: f.id)

    async def submissions(self, form_id: str, *, limit: int) -> Sequence[Event]:
        """The form's submissions (web-form events), newest first."""
        return await self._store.events.for_form(form_id, limit=limit)

    async def submit(self, form: FormDefinition, entry: FormEntry) -> SubmissionResult:
        """Record a checked submission: resolve or create the person, fill their empty profile
        fields (conflicts stay on the event), record consent requests with their proof, append
        the `webform` event, and send at most one automatic message per address."""
        address = submitter_address(form, entry.values)
        if address is None:
            raise InvalidInput(N_("give an email address or a phone number"),
                               details=[{"field": next(f.name for f in form.fields
                                                       if f.type in ADDRESS_TYPES),
                                         "error": "This field is required."}])
        external_id = f"{form.id}:{entry.submission_id or new_id()}"
        earlier = await self._store.events.find_by_external("webform", external_id)
        if earlier is not None and earlier.person_id:
            return SubmissionResult(earlier, earlier.person_id, False, duplicate=True)
        kind, value = address
        name = entry.values.get("name") if _is_text(form, "name") else None
        resolution = await self._identities.resolve_or_create(
            value, kind="email" if kind == "email" else "phone", name=str(name or ""))
        person = resolution.person
        filled = await fill_profile(person, form, entry, self._identities,
                                    new_person=resolution.created)
        if filled.changed:
            person.updated_at = utcnow()
            await self._store.persons.replace(person)
        requests = [(await self._timeline.record(e))[0] for e in filled.consent_events]
        organisation_id = None
        if resolution.role_id:
            role = await self._store.roles.get(resolution.role_id)
            organisation_id = role.organisation_id if role else None
        event = Event(
            id=new_id(), person_id=person.id, role_id=resolution.role_id,
            organisation_id=organisation_id, channel="webform", direction="inbound",
            subject=form.title, text=_summary(form, entry), external_id=external_id,
            form=FormInfo(form_id=form.id, fields=_fields(form, entry)),
            data={"slug": form.slug, "client": entry.client, "conflicts": filled.conflicts,
                  "consent": {"given": entry.consent, "text": form.consent_text,
                              "channels": list(form.consent_channels)}
                  if form.consent_text else None},
            from_=value,
        )
        stored, inserted = await self._timeline.record(event)
        if inserted:
            await self._follow_up(form, person.id, requests)
        return SubmissionResult(stored, person.id, resolution.created, duplicate=not inserted)

    async def _follow_up(self, form: FormDefinition, person_id: str,
                         requests: Sequence[Event]) -> None:
        """At most one automatic message per address per window, whoever submits how many
        forms (a form can never be used to bomb an address): the request to confirm consent
        (after the thank-you text), or else the thank-you mail."""
        asked_by_email = False
        for request in requests:
            proof = request.data["consent"]
            if sendable(proof["channel"]) is None or not proof.get("address"):
                continue
            kind: Literal["email", "phone"] = "email" if proof["channel"] == "email" else "phone"
            if not await self._first_in_window(kind, proof["address"]):
                continue
            preface = form.thank_you if proof["channel"] == "email" else None
            asked = await self._double_opt_in.ask(request, preface=preface)
            asked_by_email = asked_by_email or (asked is not None and asked.channel == "email")
        if not asked_by_email:
            await self._thank(form, person_id)

    async def _first_in_window(self, kind: Literal["email", "phone"], address: str) -> bool:
        now = utcnow()
        key = "automatic-mail:" + self._identities.suppression_hash(kind, address)
        if await self._store.throttle.try_acquire(key, now + self._mail_window, now):
            return True
        log.info("automatic message skipped: one already went out in this window")
        return False

    async def _thank(self, form: FormDefinition, person_id: str) -> None:
        """The form's thank-you text by mail."""
        if not form.thank_you:
            return
        person = await self._store.persons.get(person_id)
        # an automatic mail nobody asked staff for: it respects an opt-out as marketing does
        if person is None or why_not(person, "email", "marketing") is not None:
            return
        if not await self._first_in_window("email", person.address_on("email") or ""):
            return
        try:
            await self._messaging.send_to_person(
                person_id, channel="email", subject=form.title, text=form.thank_you,
                author=f"webform:{form.slug}", purpose="marketing")
        except HubError as exc:
            log.warning("confirmation mail not sent: %s", exc.code,
                        extra={"form_id": form.id, "person_id": person_id})


def _is_text(form: FormDefinition, name: str) -> bool:
    return any(f.name == name and f.type in ("text", "select") for f in form.fields)


def _fields(form: FormDefinition, entry: FormEntry) -> dict[str, Any]:
    fields = {spec.name: entry.values.get(spec.name) for spec in form.fields}
    if form.consent_text:
        fields[CONSENT_FIELD] = entry.consent
    return fields


def _summary(form: FormDefinition, entry: FormEntry) -> str:
    lines = []
    for spec in form.fields:
        value = entry.values.get(spec.name)
        if spec.type == "checkbox":
            value = "yes" if value else "no"
        if value not in (None, ""):
            lines.append(f"{spec.label}: {value}")
    if form.consent_text:
        lines.append(f"Consent: {'given' if entry.consent else 'not given'}")
    return "\n".join(lines)
