"""The contracts that stores (and, later, channels) implement. Declared once, typed.

A `Store` is a set of small per-aggregate repositories. Backends live in `hub/store/`; nothing
above the store knows which one runs. Every method is a coroutine. Rules every backend keeps:

- Records go in and come out as the domain models; times come back aware UTC in ms.
- `insert` on an existing id or unique key raises `hub.errors.DuplicateKey`.
- `replace` of a missing record raises `hub.errors.NotFound`.
- `find` pages in ascending id order (ids sort by creation time): give `after_id`, get the
  next `limit` records with a larger id.
- No method accepts a raw query: arguments are typed values, so no client-chosen operator
  can reach the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.domain.analytics import (
    CallFigures,
    ContactMoment,
    KpiFigures,
    Level,
    PartyRevenue,
    PyramidFigures,
)
from hub.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryCounts,
    MessageTemplate,
    Segment,
)
from hub.domain.channels import SENDABLE_CHANNELS
from hub.domain.conversations import (
    CannedResponse,
    Conversation,
    ConversationQuery,
    CsatRule,
    Label,
    SortKey,
    Team,
)
from hub.domain.event_json import EventJson
from hub.domain.events import Event, EventChannel, StatusChange, TimelineCursor, TimelineQuery
from hub.domain.forms import FormDefinition
from hub.domain.identities import AddressKind, Identity, Suppression
from hub.domain.journeys import (
    AbDecision,
    Enrolment,
    EnrolmentCounts,
    EnrolmentState,
    Journey,
    JourneyStatus,
    JourneyVersion,
)
from hub.domain.merges import MergeRecord
from hub.domain.parties import Household, Organisation, Person, Role
from hub.domain.quarantine import QuarantineEntry, QuarantineStatus
from hub.domain.search import PartyKind
from hub.domain.segments import Predicate
from hub.domain.staff import ApiToken, User
from hub.domain.staff_sessions import PasswordReset, StaffSession
from hub.domain.surveys import (
    Survey,
    SurveyResponse,
    SurveyToken,
    TriggerFiring,
    TriggerRule,
)
from hub.domain.topics import Topic
from hub.domain.transactions import Transaction
from hub.domain.webhooks import (
    DeliveryOutcome,
    LeasedDelivery,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.live_changes import ChangeFeed

AWAITING_CHANNELS: tuple[EventChannel, ...] = (*SENDABLE_CHANNELS, "webform", "survey")
"""Inbound events on these channels put a person in the staff inbox until answered."""
ANSWERING_CHANNELS: tuple[EventChannel, ...] = ("call", "system")
"""Any event on these channels (besides any outbound event) counts as an answer, except the
two kinds of system event below."""
ALERT_CHANNEL: EventChannel = "system"
"""A `system` event with direction `inbound` asks staff to act (a journey's notify step): it
waits for an answer like an inbound message. A `system` event whose `data.purpose` is
AUTOMATION (a journey's step on the timeline) answers nothing."""
AUTOMATION = "automation"


@dataclass(frozen=True, slots=True)
class AwaitingReply:
    person_id: str
    since: datetime
    last_inbound: datetime


ConversationPlan = Callable[[bool, Conversation | None, Conversation | None, Conversation | None],
                            tuple[Conversation, Conversation] | None]
"""A conversation update as a store runs it on what it read for a new customer message
(answered, holding, active, threaded): (the conversation as read, as it is to be written), or
None for no update."""


class PersonRepo(Protocol):
    async def insert(self, person: Person) -> None: ...
    async def get(self, person_id: str) -> Person | None: ...
    async def get_many(self, person_ids: Sequence[str]) -> list[Person]:
        """The persons that exist among `person_ids`, in id order."""
        ...
    async def replace(self, person: Person) -> None: ...
    async def delete(self, person_id: str) -> bool: ...
    async def find(
        self, *, name_contains: str | None = None, limit: int = 50, after_id: str | None = None
    ) -> list[Person]:
        """Active persons (not merged, not erased); `name_contains` is case-insensitive."""
        ...
    async def in_household(self, household_id: str) -> list[Person]:
        """Active members of a household, in id order."""
        ...
    async def count(self) -> int:
        """Active persons."""
        ...
    async def count_matching(self, predicate: Predicate, *, budget: float | None = None) -> int:
        """Active persons matching a segment predicate, counted by the database.

        Both filter reads run off the connection that serves everything else where the
        backend has one (SQLite's reader); with `budget` (seconds) a query that runs longer
        is stopped and raises FilterTooExpensive (SQLite's progress handler, MongoDB's
        maxTimeMS)."""
        ...
    async def find_matching(
        self, predicate: Predicate, *, limit: int = 50, after_id: str | None = None,
        budget: float | None = None,
    ) -> list[Person]:
        """Active persons matching `predicate`, in id order after `after_id`: the database
        evaluates it (DESIGN §6); page through a large segment with `after_id`."""
        ...
    async def matching_ids(self, predicate: Predicate, person_ids: Sequence[str]) -> set[str]:
        """Which of `person_ids` are active and match `predicate`: one query looked up by id,
        so its cost follows len(person_ids), not the size of the segment (journeys check a
        changed person against a segment this way)."""
        ...


class HouseholdRepo(Protocol):
    async def insert(self, household: Household) -> None: ...
    async def get(self, household_id: str) -> Household | None: ...
    async def get_many(self, household_ids: Sequence[str]) -> list[Household]:
        """The households that exist among `household_ids`, in id order (one query)."""
        ...
    async def replace(self, household: Household) -> None: ...
    async def find(
        self, *, name_contains: str | None = None, limit: int = 50, after_id: str | None = None
    ) -> list[Household]: ...
    async def with_postcode(self, postcode: str, *, limit: int = 50) -> list[Household]:
        """Households whose address postcode equals `postcode`, ignoring case and spaces
        (`1234ab` finds `1234 AB`), in id order."""
        ...


class OrganisationRepo(Protocol):
    async def insert(self, organisation: Organisation) -> None: ...
    async def get(self, organisation_id: str) -> Organisation | None: ...
    async def get_many(self, organisation_ids: Sequence[str]) -> list[Organisation]:
        """The organisations that exist among `organisation_ids`, in id order (one query)."""
        ...
    async def replace(self, organisation: Organisation) -> None: ...
    async def find(
        self, *, name_contains: str | None = None, limit: int = 50, after_id: str | None = None
    ) -> list[Organisation]: ...
    async def with_postcode(self, postcode: str, *, limit: int = 50) -> list[Organisation]:
        """As `HouseholdRepo.with_postcode`."""
        ...


class RoleRepo(Protocol):
    async def insert(self, role: Role) -> None: ...
    async def get(self, role_id: str) -> Role | None: ...
    async def delete(self, role_id: str) -> bool: ...
    async def for_person(self, person_id: str) -> list[Role]: ...
    async def for_persons(self, person_ids: Sequence[str]) -> list[Role]:
        """The roles of all of `person_ids` in one query, in id order (so each person's
        roles come in the order `for_person` gives them)."""
        ...
    async def for_organisation(
        self, organisation_id: str, *, limit: int = 50, after_id: str | None = None
    ) -> list[Role]: ...
    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int:
        """Move every role of one person to another (merge); returns how many moved."""
        ...


class IdentityRepo(Protocol):
    """Addresses; (kind, value) is unique, enforced by the database under concurrent writers."""

    async def insert(self, identity: Identity) -> None:
        """Raises DuplicateKey when (kind, value) already exists, whoever owns it."""
        ...
    async def get(self, kind: AddressKind, value: str) -> Identity | None: ...
    async def for_person(self, person_id: str) -> list[Identity]: ...
    async def delete(self, kind: AddressKind, value: str) -> bool: ...
    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int: ...
    async def delete_for_person(self, person_id: str) -> list[Identity]:
        """Delete and return every identity of a person (erasure)."""
        ...


class EventRepo(Protocol):
    async def append(self, event: Event, *, outbox: Sequence[OutboxEvent] = ()
                     ) -> tuple[Event, bool]:
        """Store `event`; idempotent on (channel, external_id) when external_id is set.

        Returns the stored event and True, or the event already stored under that key and
        False. Safe under concurrent writers: exactly one append of a key returns True.
        `outbox`: outgoing-webhook rows written only when the event went in (in the same
        transaction on SQLite; right after the event on MongoDB), idempotent on their ids.
        """
        ...
    async def append_placing(self, event: Event, plan: ConversationPlan, *,
                             outbox: Sequence[OutboxEvent] = ()
                             ) -> tuple[Event, bool, Conversation | None]:
        """`append`, and when the event went in, the conversation update `plan` makes for it
        in the same transaction: (the stored event, created, the conversation written). A
        store that cannot write both at once (MongoDB without a replica set) only appends and
        returns None for the conversation: the event's listener places it, as for any event.
        """
        ...
    async def append_many(self, events: Sequence[Event]) -> int:
        """Bulk append (imports, demo data); duplicates by key are skipped; returns inserted."""
        ...
    async def get(self, event_id: str) -> Event | None: ...
    async def find_by_external(self, channel: EventChannel, external_id: str) -> Event | None:
        """The event stored under the natural key (channel, external_id), if any."""
        ...
    async def set_external_id(self, event_id: str, external_id: str) -> None:
        """Give a stored event its external id (an outbound message's provider id, known only
        after the send). Raises DuplicateKey when another event on the same channel holds
        `external_id` (setting the id an event already has is a no-op), NotFound when there
        is no event `event_id`."""
        ...
    async def replace(self, event: Event) -> None:
        """Overwrite the event with the same id (e.g. a call enriched by later status
        callbacks). NotFound when absent; DuplicateKey when its (channel, external_id) is
        held by another event."""
        ...
    async def latest_outbound(
        self, person_id: str, channel: EventChannel, since: datetime
    ) -> Event | None:
        """The newest (by occurred_at, then id) outbound event of `person_id` on `channel`
        with occurred_at >= `since`; None when there is none (links a reply to the message
        it answers)."""
        ...
    async def marketing_sent(
        self, person_ids: Sequence[str], *, since: datetime
    ) -> dict[str, int]:
        """Per person, the marketing messages sent to them with occurred_at >= `since`
        (outbound events of a campaign, or marked `data.purpose == "marketing"`), for the
        frequency cap; persons with none are absent."""
        ...
    async def recent_outbound(
        self, channel: EventChannel, *, since: datetime, limit: int
    ) -> list[Event]:
        """Outbound events on `channel` with occurred_at >= `since`, newest first (by
        occurred_at, then id): what the channel status page reads its last success and
        last error from."""
        ...
    async def timeline(
        self, query: TimelineQuery, *, limit: int, before: TimelineCursor | None = None
    ) -> list[Event]:
        """Newest first by (occurred_at, id); with `before`, strictly older than that position.

        Exactly one of `query.person_ids` / `query.organisation_id` is set.
        """
        ...
    async def timeline_json(
        self, query: TimelineQuery, *, limit: int, before: TimelineCursor | None = None
    ) -> list[EventJson]:
        """`timeline`'s page as the API's JSON text per event: each item's `json` is exactly
        `Event.model_dump_json(by_alias=True)` of the event `timeline` returns (a document
        stored in this release's shape is served without a model round-trip)."""
        ...
    async def add_status(self, event_id: str, change: StatusChange) -> Event | None:
        """Append to status_history and set `status`; None when the event does not exist."""
        ...
    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int: ...
    async def reassign_ids(self, event_ids: Sequence[str], to_person_id: str) -> int:
        """Move the named events to a person (an unmerge); returns how many moved."""
        ...
    async def erase_person(self, person_id: str) -> int:
        """Blank PERSONAL_EVENT_FIELDS (and survey comments) on every event of a person, set
        `erased`; keeps ids, channel, direction, times, status and call figures for counts."""
        ...
    async def count_for_person(self, person_id: str) -> int: ...
    async def count_campaign_persons(
        self, campaign_id: str, *, direction: str, channel: EventChannel | None = None
    ) -> int:
        """Distinct persons with an event of `campaign_id` in `direction` (replies: inbound)."""
        ...
    async def for_campaign(
        self, campaign_id: str, *, direction: str, limit: int
    ) -> list[Event]:
        """Events of a campaign in `direction` (replies: inbound), newest first."""
        ...
    async def count_campaign_flagged(self, campaign_id: str, flag: str, *,
                                     direction: str = "inbound") -> int:
        """Distinct persons with an event of `campaign_id` in `direction` whose `data.flags`
        holds `flag` (`hard_bounce`, `complaint`; outbound `refused`: a provider's permanent
        refusal at hand-over): what the deliverability guardrails count."""
        ...
    async def for_form(self, form_id: str, *, limit: int) -> list[Event]:
        """Web-form submissions of one form, newest first."""
        ...
    async def awaiting_reply(self, *, limit: int) -> list[AwaitingReply]:
        """Persons waiting for an answer (the staff inbox), longest wait first.

        A person waits when their newest inbound event on an AWAITING_CHANNELS channel is
        newer than their newest answering event: any outbound event, any call, any system
        event (e.g. "no reply needed", a merge). `since` is the oldest inbound event on those
        channels after that answer; ties by person id."""
        ...


class SuppressionRepo(Protocol):
    async def add(self, suppression: Suppression) -> None:
        """Idempotent: adding a hash twice keeps one record."""
        ...
    async def contains(self, address_hash: str) -> bool: ...


class UserRepo(Protocol):
    async def insert(self, user: User) -> None:
        """Raises DuplicateKey when the (lower-cased) email is taken."""
        ...
    async def get(self, user_id: str) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def replace(self, user: User) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[User]: ...
    async def count(self) -> int: ...


class TokenRepo(Protocol):
    async def insert(self, token: ApiToken) -> None: ...
    async def get_by_hash(self, token_hash: str) -> ApiToken | None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[ApiToken]: ...
    async def revoke(self, token_id: str) -> bool: ...


class StaffSessionRepo(Protocol):
    """Server-side staff sessions: ending one is a write, so a copied cookie stops working."""

    async def insert(self, session: StaffSession) -> None: ...
    async def get(self, session_id: str) -> StaffSession | None: ...
    async def touch(self, session_id: str, at: datetime) -> None:
        """Set `last_seen_at` of a session that has not ended."""
        ...
    async def end(self, session_id: str, at: datetime) -> bool:
        """End one session; False when there is none or it had ended (its end time stays)."""
        ...
    async def end_for_user(self, user_id: str, at: datetime, *, keep: str | None = None) -> int:
        """End every open session of the user except `keep`; returns how many ended."""
        ...
    async def active_for_user(self, user_id: str, now: datetime, *,
                              limit: int = 50) -> list[StaffSession]:
        """Sessions not ended and not expired, most recently seen first."""
        ...


class PasswordResetRepo(Protocol):
    async def insert(self, reset: PasswordReset) -> None: ...
    async def get_by_hash(self, token_hash: str) -> PasswordReset | None: ...
    async def use(self, token_hash: str, now: datetime) -> PasswordReset | None:
        """Atomically mark an unused, unexpired reset used and return it; None otherwise, so
        two concurrent uses of one link give one success."""
        ...
    async def cancel_for_user(self, user_id: str, now: datetime) -> int:
        """Mark every unused reset of the user used (a newer link replaces older ones)."""
        ...


class TransactionRepo(Protocol):
    async def append_many(self, transactions: Sequence[Transaction]) -> int:
        """Idempotent on `external_id`: already stored ones are skipped; returns inserted."""
        ...
    async def count(self) -> int: ...
    async def for_person(self, person_id: str, *, limit: int,
                         after_id: str | None = None) -> list[Transaction]:
        """The person's own transactions (not their household's), in id order."""
        ...
    async def reassign_person(self, from_person_id: str, to_person_id: str) -> int: ...
    async def reassign_ids(self, transaction_ids: Sequence[str], to_person_id: str) -> int:
        """Move the named transactions to a person (an unmerge); returns how many moved."""
    async def replace(self, transaction: Transaction) -> None:
        """Overwrite the stored transaction with the same id (erasure rewrites its reference)."""
        ...


class ChannelStateRepo(Protocol):
    """Small per-channel bookkeeping (IMAP UIDVALIDITY/last UID and the like)."""

    async def get(self, key: str) -> dict[str, Any] | None: ...
    async def put(self, key: str, value: dict[str, Any]) -> None: ...
    async def delete(self, key: str) -> bool:
        """Remove `key` (erasure: keys that name an address); False when it was not there."""
        ...


class QuarantineRepo(Protocol):
    """Raw inbound input that could not be stored as an event. `sha256` (of the raw bytes) is
    unique, enforced by the database: the same mail delivered again is the entry already held,
    not a second one."""

    async def insert(self, entry: QuarantineEntry) -> None:
        """Raises DuplicateKey when the id or the sha256 is taken."""
        ...
    async def get(self, entry_id: str) -> QuarantineEntry | None: ...
    async def get_by_sha256(self, sha256: str) -> QuarantineEntry | None: ...
    async def replace(self, entry: QuarantineEntry) -> None: ...
    async def delete(self, entry_id: str) -> bool:
        """Remove an entry (erasure of the person it came from); False when there was none."""
        ...
    async def find(
        self,
        *,
        status: QuarantineStatus | None = None,
        limit: int = 50,
        after_id: str | None = None,
    ) -> list[QuarantineEntry]:
        """Entries in id order (oldest first), optionally only those with `status`."""
        ...


class FormRepo(Protocol):
    """Form definitions; `slug` is unique, enforced by the database."""

    async def insert(self, form: FormDefinition) -> None:
        """Raises DuplicateKey when the id or the slug is taken."""
        ...
    async def get(self, form_id: str) -> FormDefinition | None: ...
    async def get_by_slug(self, slug: str) -> FormDefinition | None: ...
    async def replace(self, form: FormDefinition) -> None:
        """NotFound when absent; DuplicateKey when the new slug belongs to another form."""
        ...
    async def find(
        self, *, limit: int = 50, after_id: str | None = None
    ) -> list[FormDefinition]: ...


class ThrottleRepo(Protocol):
    """Named slots with an expiry: rate limits ("one automatic mail per address per window")
    and leases ("one worker polls this mailbox")."""

    async def try_acquire(self, key: str, until: datetime, now: datetime) -> bool:
        """Take slot `key` until `until` when it is free or expired (its expiry <= `now`);
        False while it is held. Atomic: of concurrent callers at most one gets True."""
        ...


class SegmentRepo(Protocol):
    async def insert(self, segment: Segment) -> None: ...
    async def get(self, segment_id: str) -> Segment | None: ...
    async def replace(self, segment: Segment) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Segment]: ...


class TemplateRepo(Protocol):
    async def insert(self, template: MessageTemplate) -> None: ...
    async def get(self, template_id: str) -> MessageTemplate | None: ...
    async def replace(self, template: MessageTemplate) -> None: ...
    async def find(
        self, *, limit: int = 50, after_id: str | None = None
    ) -> list[MessageTemplate]: ...


class CampaignRepo(Protocol):
    async def insert(self, campaign: Campaign) -> None: ...
    async def get(self, campaign_id: str) -> Campaign | None: ...
    async def replace(self, campaign: Campaign) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Campaign]: ...
    async def with_status(self, statuses: Sequence[CampaignStatus]) -> list[Campaign]:
        """Campaigns in any of `statuses` (what a dispatch worker works on), in id order."""
        ...
    async def status_of(self, campaign_id: str) -> CampaignStatus | None:
        """The stored status alone (None: no such campaign), read fresh from the store
        without loading the campaign: the dispatch worker asks before every hand-over."""
        ...
    async def set_status(
        self, campaign_id: str, status: CampaignStatus, *, expected: Sequence[CampaignStatus],
        fields: Mapping[str, Any] | None = None,
    ) -> Campaign | None:
        """Move to `status` (setting `fields` too) only when the stored status is one of
        `expected`; atomic. Returns the updated campaign, or None when it was not moved."""
        ...
    async def record_ab_decision(self, campaign_id: str,
                                 decision: AbDecision) -> AbDecision | None:
        """Store the A/B `decision` unless the campaign already has one; atomic, so of two
        workers deciding at once the first write wins. Returns the decision stored (this
        one or the earlier one); None when there is no such campaign."""
        ...


@dataclass(frozen=True, slots=True)
class SendStart:
    """One `start_send` of a `start_send_many`: the delivery (now `sending`), its event and
    the event's outbox rows."""

    delivery: Delivery
    event: Event
    outbox: Sequence[OutboxEvent] = ()


@dataclass(frozen=True, slots=True)
class SendEnd:
    """One `finish_send` of a `finish_send_many`."""

    delivery: Delivery
    provider_id: str | None
    change: StatusChange
    outbox: Sequence[OutboxEvent] = ()


class DeliveryRepo(Protocol):
    """Unique on (campaign_id, person_id), enforced by the database."""

    async def insert_many(self, deliveries: Sequence[Delivery]) -> int:
        """Insert, skipping (campaign, person) pairs already stored; returns how many went in."""
        ...
    async def get(self, delivery_id: str) -> Delivery | None: ...
    async def for_person(self, campaign_id: str, person_id: str) -> Delivery | None: ...
    async def lease(
        self, campaign_id: str, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        """Atomically take up to `limit` deliveries that are `queued` (and due: `not_before`
        unset or <= now) or `leased` with an expired lease, in id order: set `leased`,
        `lease_owner`, `lease_until`. Of concurrent callers (processes too) each delivery goes
        to one only."""
        ...
    async def stale_sending(
        self, campaign_id: str, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        """Atomically take `sending` deliveries whose lease expired (their worker died
        mid-send) for reconciliation, re-leasing them to `owner` until `until`."""
        ...
    async def update(
        self, delivery: Delivery, *, owner: str | None
    ) -> bool:
        """Write `delivery` when its stored `lease_owner` is still `owner` (None: any);
        False when another worker took it over (the caller must then stop)."""
        ...
    async def start_send(self, delivery: Delivery, event: Event, *, owner: str,
                         outbox: Sequence[OutboxEvent] = ()) -> bool:
        """Write `delivery` (now `sending`, its `event_id` set) when `owner` still holds its
        lease and it is still `leased`, and append `event` with it (one transaction on
        SQLite); False, with nothing written, when another worker took it over, or another
        task of the same owner leased it again after the lease ran out and started first.
        `outbox`: outgoing-webhook rows written with the event, only when the send started
        (same transaction on SQLite; after the event on MongoDB), idempotent on their ids."""
        ...
    async def finish_send(self, delivery: Delivery, *, owner: str, provider_id: str | None,
                          change: StatusChange, outbox: Sequence[OutboxEvent] = ()) -> bool:
        """Record `change` (and `provider_id`, when no other event holds it) on the
        delivery's event, then write `delivery` when `owner` still holds its lease.
        `outbox`: the status's outgoing-webhook rows, written whenever the event's status is
        (same transaction on SQLite; after the event on MongoDB), idempotent on their ids."""
        ...
    async def start_send_many(self, starts: Sequence[SendStart], *, owner: str) -> list[bool]:
        """`start_send` of each, in order, each on its own terms (one whose lease was lost
        writes nothing and is False, the others go on): one transaction on SQLite, so a
        chunk of sends costs one commit; the results in the order of `starts`."""
        ...
    async def finish_send_many(self, ends: Sequence[SendEnd], *, owner: str) -> list[bool]:
        """`finish_send` of each, in order, each on its own terms: one transaction on
        SQLite; the results in the order of `ends`."""
        ...
    async def record_sends(self, ends: Sequence[SendEnd], starts: Sequence[SendStart], *,
                           owner: str) -> tuple[list[bool], list[bool]]:
        """`finish_send_many(ends)`, then `start_send_many(starts)`: one transaction on
        SQLite (the ends gathered before a chunk's start share its commit); the results
        of each. Starts that fail raise, and the ends stay recorded."""
        ...
    async def counts(self, campaign_id: str) -> DeliveryCounts: ...
    async def with_status(
        self, campaign_id: str, statuses: Sequence[str], *, limit: int
    ) -> list[Delivery]:
        """Deliveries of a campaign in one of `statuses`, in id order (failures and skips
        with their reasons, for the campaign page)."""
        ...
    async def mark_opted_out(self, campaign_id: str, person_id: str, at: datetime) -> bool: ...
    async def cancel_open(self, campaign_id: str, reason: str) -> int:
        """Mark the campaign's `queued` and `leased` deliveries `cancelled` (a `sending` one
        may be with the provider already: its worker finishes it); returns how many."""
        ...


class AnalyticsRepo(Protocol):
    """Figures the database aggregates (DESIGN §1, issue 7): SQL on SQLite, aggregation
    pipelines on MongoDB; no method loads every transaction or event into Python. Periods
    are half-open [start, end); None leaves that side open."""

    async def revenue_by_party(
        self, level: Level, start: datetime | None, end: datetime | None
    ) -> list[PartyRevenue]:
        """Parties of `level` whose revenue in the period sums to more than 0, biggest first
        (ties by id). A household's revenue is that of transactions naming it plus those of
        persons (now) in it; an organisation's that of transactions naming it."""
        ...
    async def lapsed_parties(self, level: Level, start: datetime, end: datetime) -> list[str]:
        """Parties with revenue before `start` and none in [start, end) (the inactive)."""
        ...
    async def party_count(self, level: Level) -> int:
        """Active persons, or all households / organisations."""
        ...
    async def set_tiers(self, level: Level, tiers: Mapping[str, str], *, default: str) -> int:
        """Store `attributes.pyramid_tier` on every (active) party of `level`: `tiers[id]`, or
        `default` for those not named. Returns how many parties were written."""
        ...
    async def call_figures(self, start: datetime, end: datetime) -> CallFigures: ...
    async def message_counts(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """Message events (email, sms, webform, survey) per channel, then per direction."""
        ...
    async def contact_moments(self, start: datetime, end: datetime) -> list[ContactMoment]:
        """For persons with an inbound email/sms/webform message in the period: those inbound
        messages and the staff answers (outbound messages outside campaigns, calls) from
        `start` on, ordered by person then time (at one instant the inbound message first);
        the service measures response times."""
        ...
    async def consent_changes(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """Consent changes recorded in the period, per channel, then per new status."""
        ...
    async def pyramid_figures(self, level: Level, start: datetime, end: datetime
                              ) -> PyramidFigures:
        """The revenues of `revenue_by_party` (biggest first), how many `lapsed_parties` and
        the `party_count`, in one read."""
        ...
    async def kpi_figures(self, start: datetime, end: datetime) -> KpiFigures:
        """`call_figures`, `message_counts`, the response waits walked from `contact_moments`
        (`hub.domain.analytics.response_waits`) and `consent_changes`, in one read."""
        ...


@dataclass(frozen=True, slots=True)
class ResponseFilter:
    """Which responses of a survey to count: all, or those of persons in a segment, on one
    answer channel, of one campaign, answered in [start, end)."""

    survey_id: str
    predicate: Predicate | None = None
    channel: str | None = None
    campaign_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None


class SurveyRepo(Protocol):
    async def insert(self, survey: Survey) -> None: ...
    async def get(self, survey_id: str) -> Survey | None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Survey]: ...


class SurveyTokenRepo(Protocol):
    async def issue(self, token: SurveyToken) -> SurveyToken:
        """Store `token`, or return the one already issued for the same (survey_id,
        person_id, send_key): a retried send carries the same link."""
        ...
    async def get(self, token: str) -> SurveyToken | None: ...


class SurveyResponseRepo(Protocol):
    async def get_by_key(self, key: str) -> SurveyResponse | None: ...
    async def anonymise_person(self, person_id: str) -> int:
        """Erasure: the person's answers stay as anonymous scores (for NPS and CSAT), without
        comment, person or a key that names them; returns how many."""
        ...
    async def put(self, response: SurveyResponse) -> None:
        """Insert, or replace the response stored under the same `key`."""
        ...
    async def distribution(self, which: ResponseFilter) -> dict[str, dict[int, int]]:
        """Counts per answer channel, then per score, computed by the database."""
        ...
    async def with_comments(self, which: ResponseFilter, *, limit: int) -> list[SurveyResponse]:
        """Responses that carry a comment, newest first."""
        ...
    async def count_for_campaign(self, campaign_id: str) -> int: ...


class TriggerRuleRepo(Protocol):
    async def insert(self, rule: TriggerRule) -> None: ...
    async def get(self, rule_id: str) -> TriggerRule | None: ...
    async def replace(self, rule: TriggerRule) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[TriggerRule]: ...


class TriggerFiringRepo(Protocol):
    """Unique on (rule_id, event_id): a rule fires once per source event."""

    async def insert(self, firing: TriggerFiring) -> None:
        """DuplicateKey when this rule already fired for this event."""
        ...
    async def replace(self, firing: TriggerFiring) -> None: ...
    async def due(self, now: datetime, *, limit: int) -> list[TriggerFiring]:
        """Pending firings whose due time has come, oldest due first."""
        ...
    async def recent_for_person(
        self, rule_id: str, person_id: str, since: datetime, *, exclude_id: str
    ) -> bool:
        """Whether the rule fired for the person (pending or sent) since `since`."""
        ...


class SearchRepo(Protocol):
    """The indexes behind staff search (`hub.domain.search`). The store keeps them current in
    every write of a person, household, organisation or identity (insert, replace, delete,
    merge, erasure): nothing above it maintains them, and merged or erased persons are in
    none. Every method answers distinct ids in ascending order, after `after_id`, at most
    `limit` (keyset paging)."""

    async def phone_suffix(
        self, digits: str, *, limit: int, after_id: str | None = None
    ) -> list[str]:
        """Active persons with a phone number (their own or a role's) whose E.164 digits end
        in `digits`: an index range scan, not a scan of all numbers."""
        ...
    async def containing(
        self, kind: PartyKind, words: Sequence[str], *, limit: int, after_id: str | None = None
    ) -> list[str]:
        """Parties of `kind` with a searchable text that contains every one of `words`
        (folded, as `hub.domain.search.fold` gives them): the name; for persons also each
        email address (their own or a role's); for households and organisations also the
        postcode without spaces."""
        ...
    async def similar_names(
        self, kind: PartyKind, key_groups: Sequence[Sequence[str]], *, limit: int,
        after_id: str | None = None,
    ) -> list[tuple[str, str]]:
        """(id, folded name) of parties of `kind` whose name is indexed under at least one key
        of every group (`hub.domain.search.name_keys`; a group per query word): the
        candidates for a one-typo name match."""
        ...


class JourneyRepo(Protocol):
    """Journeys and their versions; (journey_id, version) is unique."""

    async def insert(self, journey: Journey) -> None: ...
    async def get(self, journey_id: str) -> Journey | None: ...
    async def replace(self, journey: Journey) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Journey]: ...
    async def with_status(self, statuses: Sequence[JourneyStatus]) -> list[Journey]:
        """Journeys in any of `statuses`, in id order."""
        ...
    async def add_version(self, version: JourneyVersion) -> None:
        """DuplicateKey when the journey already has this version."""
        ...
    async def get_version(self, journey_id: str, version: int) -> JourneyVersion | None: ...


class EnrolmentRepo(Protocol):
    """Persons in journeys. (journey_id, entry_key) is unique, enforced by the database: a
    trigger storm enrols each person once per re-entry key. Advancing is leased like campaign
    deliveries: `claim_due` hands each due enrolment to one worker, `save` writes only while
    that worker still holds it."""

    async def enrol(self, enrolment: Enrolment) -> bool:
        """Insert; False (nothing written) when the journey already holds its entry key."""
        ...
    async def enrol_many(self, enrolments: Sequence[Enrolment]) -> int:
        """Insert, skipping taken entry keys; returns how many went in."""
        ...
    async def get(self, enrolment_id: str) -> Enrolment | None: ...
    async def latest_for(self, journey_id: str, person_id: str) -> Enrolment | None:
        """The person's newest enrolment in the journey (by id)."""
        ...
    async def for_person(self, person_id: str, *, limit: int) -> list[Enrolment]:
        """The person's enrolments in every journey, newest first."""
        ...
    async def for_journey(self, journey_id: str, *, states: Sequence[EnrolmentState] = (),
                          limit: int = 50, after_id: str | None = None) -> list[Enrolment]:
        """A journey's enrolments (in `states`, all when empty) in id order after `after_id`."""
        ...
    async def claim_due(self, journey_ids: Sequence[str], *, owner: str, now: datetime,
                        until: datetime, limit: int) -> list[Enrolment]:
        """Atomically lease up to `limit` enrolments of `journey_ids` that are `active` or
        `sending`, due (due_at <= now) and not leased (no lease, or one expired by `now`),
        earliest due first: set `lease_owner` and `lease_until`. Of concurrent callers
        (processes too) each enrolment goes to one only."""
        ...
    async def save(self, enrolment: Enrolment, *, owner: str | None) -> bool:
        """Write `enrolment` when its stored `lease_owner` is `owner` (None: whoever holds
        it, for staff actions); False, nothing written, when another worker holds it."""
        ...
    async def wake(self, person_id: str, now: datetime) -> int:
        """Make the person's waiting enrolments (active, in a wait, not leased) due `now`, so
        an event they wait for is seen at once; returns how many."""
        ...
    async def counts(self, journey_id: str) -> EnrolmentCounts: ...
    async def exit_open(self, journey_id: str, *, reason: str, now: datetime) -> int:
        """End the journey's `active` enrolments (leased or not: the lease is dropped, so a
        worker holding one can no longer save it or claim a send) as `exited` with `reason`;
        a `sending` one is left to its worker. Returns how many."""
        ...
    async def migrate(self, journey_id: str, *, version: int, step_ids: Sequence[str],
                      now: datetime) -> int:
        """Move the journey's `active`, unleased enrolments on an older version whose step is
        one of `step_ids` to `version`, atomically each; returns how many moved."""
        ...
    async def count_open_before(self, journey_id: str, version: int) -> int:
        """The journey's open enrolments on a version older than `version`."""
        ...


class ConversationRepo(Protocol):
    """Conversations (issue 13). At most one unresolved conversation per person, enforced by
    the database (unique `active_key`); every write after the insert compares and sets on
    `version`."""

    async def insert(self, conversation: Conversation) -> None:
        """DuplicateKey when the id is taken or the person already has an unresolved one."""
        ...
    async def get(self, conversation_id: str) -> Conversation | None: ...
    async def update(self, conversation: Conversation, *, expected_version: int) -> bool:
        """Write `conversation` (its `version` already the next one) when the stored version
        is still `expected_version`; False, writing nothing, when another writer came first.
        DuplicateKey when it would make a second unresolved conversation of its person."""
        ...
    async def active_for_person(self, person_id: str) -> Conversation | None:
        """The person's unresolved conversation, if any."""
        ...
    async def with_thread(self, person_id: str, thread_id: str) -> Conversation | None:
        """The person's newest conversation holding `thread_id` among its thread ids."""
        ...
    async def with_event(self, person_id: str, event_id: str) -> Conversation | None:
        """The person's conversation listing `event_id` (a replayed event finds its own)."""
        ...
    async def for_person(self, person_id: str, *, limit: int) -> list[Conversation]:
        """The person's conversations, newest activity first."""
        ...
    async def page(self, query: ConversationQuery, *, sort: SortKey, limit: int,
                   after: tuple[datetime, str] | None = None) -> list[Conversation]:
        """Matching conversations in `sort` order (newest/oldest by last event time, `sla` by
        the SLA due time, earliest first), ties by id; keyset paging: strictly after `after`
        (the sort value and id of the last row of the page before)."""
        ...
    async def count(self, query: ConversationQuery) -> int: ...
    async def wake_snoozed(self, now: datetime) -> int:
        """Snoozed conversations whose `snoozed_until` has come become `open` (version
        bumped); returns how many."""
        ...
    async def stamp(self) -> str:
        """A marker that changes whenever any conversation changes (the live view compares
        it, instead of reading the inbox, once per open tab)."""
        ...


class TeamRepo(Protocol):
    async def insert(self, team: Team) -> None: ...
    async def get(self, team_id: str) -> Team | None: ...
    async def replace(self, team: Team) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Team]: ...


class LabelRepo(Protocol):
    async def insert(self, label: Label) -> None: ...
    async def get(self, label_id: str) -> Label | None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Label]: ...


class CannedResponseRepo(Protocol):
    async def insert(self, canned: CannedResponse) -> None: ...
    async def get(self, canned_id: str) -> CannedResponse | None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None
                   ) -> list[CannedResponse]: ...


class CsatRuleRepo(Protocol):
    async def insert(self, rule: CsatRule) -> None: ...
    async def get(self, rule_id: str) -> CsatRule | None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None
                   ) -> list[CsatRule]: ...


class TopicRepo(Protocol):
    async def insert(self, topic: Topic) -> None: ...
    async def get(self, topic_id: str) -> Topic | None: ...
    async def replace(self, topic: Topic) -> None: ...
    async def find(self, *, limit: int = 50, after_id: str | None = None) -> list[Topic]: ...


class MergeRepo(Protocol):
    """Merge audits (`hub.domain.merges`): what a merge moved, to undo it."""

    async def insert(self, record: MergeRecord) -> None: ...
    async def get(self, merge_id: str) -> MergeRecord | None: ...
    async def replace(self, record: MergeRecord) -> None: ...
    async def for_person(self, person_id: str, *, limit: int = 50) -> list[MergeRecord]:
        """Merges with `person_id` as survivor or duplicate, newest first."""
        ...
    async def delete_for_person(self, person_id: str) -> int:
        """Delete the audits that hold the person's data (erasure); returns how many."""
class WebhookRepo(Protocol):
    """Outgoing webhooks: subscriptions, the outbox of emitted events, and the deliveries.

    `emit` is the one write on the path of the request that caused the event. The worker
    fans each outbox event out into one delivery per matching subscription
    (`add_deliveries`: unique on subscription + event, so a second fan-out after a crash adds
    nothing) and leases deliveries one subscription at a time, oldest event first, with an
    expiry: several worker processes can share one database, and a lease that expired
    (the worker died) is simply taken again. Delivery is at least once."""

    async def add_subscription(self, subscription: WebhookSubscription) -> None: ...
    async def get_subscription(self, subscription_id: str) -> WebhookSubscription | None: ...
    async def subscriptions(self) -> list[WebhookSubscription]: ...
    async def replace_subscription(self, subscription: WebhookSubscription) -> None: ...
    async def delete_subscription(self, subscription_id: str) -> bool:
        """Delete it and cancel its open deliveries."""
        ...

    async def emit(self, event: OutboxEvent) -> None:
        """One insert; idempotent on the event id."""
        ...

    async def emit_many(self, events: Sequence[OutboxEvent]) -> int:
        """`emit` for a batch in one write; returns how many were new."""
        ...

    async def unfanned(self, *, limit: int) -> list[OutboxEvent]:
        """Outbox events not yet fanned out, oldest first."""
        ...

    async def unfanned_ids(self, *, limit: int) -> list[str]:
        """The ids of `unfanned(limit=limit)`, without reading their payloads (what a fan-out
        with no subscription to serve marks)."""
        ...

    async def mark_fanned(self, event_ids: Sequence[str]) -> None:
        """One write for the batch."""
        ...

    async def add_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        """Insert the new ones; (subscription_id, event_id) already there is skipped."""
        ...

    async def fan_out(self, deliveries: Sequence[tuple[str, str, OutboxEvent]], *,
                      fanned: Sequence[str], now: datetime) -> int:
        """`add_deliveries` for (delivery id, subscription id, outbox event) triples, each
        pending from `now` with the event's payload, then `mark_fanned(fanned)`; returns how
        many deliveries were new (a repeat after a crash adds none)."""
        ...

    async def lease(self, subscription_id: str, *, owner: str, now: datetime,
                    until: datetime, limit: int) -> list[LeasedDelivery]:
        """Due deliveries (pending and `next_attempt_at <= now`, or delivering with an
        expired lease) of one subscription, oldest event first, now held by `owner`; only
        what posting needs is read back."""
        ...

    async def finish_many(self, outcomes: Sequence[DeliveryOutcome], *, owner: str,
                          release: Sequence[str] = ()) -> int:
        """Store the outcomes of attempts and put the `release`d deliveries (leased, not
        posted) back to pending as they were, each only while `owner` still holds its lease;
        one write. Returns how many were still held."""
        ...

    async def prune_outbox(self, *, before: datetime) -> int:
        """Delete outbox rows already fanned out whose event is older than `before` (their
        deliveries carry the payload; a repeated emit fans out to nothing new)."""
        ...

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Delete finished deliveries (delivered, failed, cancelled) whose last attempt, and
        last scheduled attempt, were before `before` (with their payloads, once no delivery
        of the event is left); open ones stay whatever their age. Returns how many went."""
        ...

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None: ...
    async def deliveries(self, subscription_id: str, *, limit: int,
                         before: datetime | None = None) -> list[WebhookDelivery]:
        """The delivery log, newest event first."""
        ...

    async def replay(self, subscription_id: str, *, delivery_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     now: datetime) -> int:
        """Queue deliveries again (one, or those whose event time is in [start, end));
        erased ones are never replayed. Returns how many were queued."""
        ...

    async def cancel_open(self, subscription_id: str, reason: str) -> int: ...
    async def erase_person(self, person_id: str) -> int:
        """Drop the payloads of every outbox event and delivery about the person; open
        deliveries are cancelled, and none of them can be replayed."""
        ...



@dataclass(slots=True)
class ContactBatch:
    """What a chunk of imported contact rows writes, in one go: new persons (with their
    addresses in `identities`), changed persons, roles, households, organisations, channel
    state (the import's household keys) and the timeline events (consent proof)."""

    new_persons: list[Person] = field(default_factory=list)
    changed_persons: list[Person] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new_persons or self.changed_persons or self.identities or self.roles
                    or self.households or self.organisations or self.states or self.events)


class ContactBatchRepo(Protocol):
    """The contact import's reads and write per chunk of rows: one query per kind of thing
    looked up, one write per chunk."""

    async def owners(self, addresses: Sequence[tuple[AddressKind, str]]) -> list[Identity]:
        """The stored identities among `addresses` (absent ones are left out)."""
        ...
    async def suppressed(self, hashes: Sequence[str]) -> set[str]:
        """Which of the suppression hashes are stored."""
        ...
    async def states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Channel state of the keys that exist."""
        ...
    async def households_with_postcodes(self, postcodes: Sequence[str]) -> list[Household]:
        """Households whose postcode is one of `postcodes` (spaces and case ignored)."""
        ...
    async def write(self, batch: ContactBatch) -> bool:
        """Write the whole batch; False, with nothing written, when one of its identities is
        already held by a person other than the one the batch gives it to (a concurrent
        writer). Identities already held by the same person are left as they are; changed
        persons must exist (NotFound otherwise, nothing written on SQLite)."""
        ...

class Store(Protocol):
    backend: str
    persons: PersonRepo
    households: HouseholdRepo
    organisations: OrganisationRepo
    roles: RoleRepo
    identities: IdentityRepo
    events: EventRepo
    suppressions: SuppressionRepo
    users: UserRepo
    tokens: TokenRepo
    transactions: TransactionRepo
    channel_state: ChannelStateRepo
    quarantine: QuarantineRepo
    forms: FormRepo
    throttle: ThrottleRepo
    segments: SegmentRepo
    templates: TemplateRepo
    campaigns: CampaignRepo
    deliveries: DeliveryRepo
    analytics: AnalyticsRepo
    surveys: SurveyRepo
    survey_tokens: SurveyTokenRepo
    survey_responses: SurveyResponseRepo
    trigger_rules: TriggerRuleRepo
    trigger_firings: TriggerFiringRepo
    search: SearchRepo
    journeys: JourneyRepo
    enrolments: EnrolmentRepo
    conversations: ConversationRepo
    teams: TeamRepo
    labels: LabelRepo
    canned_responses: CannedResponseRepo
    csat_rules: CsatRuleRepo
    topics: TopicRepo
    merges: MergeRepo
    staff_sessions: StaffSessionRepo
    password_resets: PasswordResetRepo
    webhooks: WebhookRepo
    contact_batches: ContactBatchRepo

    async def ping(self) -> None:
        """Raise StoreUnavailable when the database cannot be reached."""
        ...

    def change_feed(self) -> ChangeFeed | None:
        """What pushes writes of any process to the live views (MongoDB: a change stream);
        None when the views poll a marker instead (SQLite)."""
        ...

    async def close(self) -> None: ...


# --- default message texts ------------------------------------------------------------------


class RenderedText(Protocol):
    @property
    def subject(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str | None: ...


class DefaultTexts(Protocol):
    """The default message texts by name (`templates/messages/<name>/`, an operator's
    HUB_TEMPLATES_DIR first), in the recipient's language, rendered in the sandbox."""

    def render(self, name: str, channel: str, variables: dict[str, Any],
               language: str | None = None) -> RenderedText: ...


# --- channels --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelCapabilities:
    """What a channel can carry; callers decide with data, not with isinstance checks."""

    subject: bool
    html: bool
    media: bool
    threads_by_token: bool = False  # replies find their thread by a token in the address
    reports_status: bool = False  # the provider calls back with delivery statuses
    provider_templates: bool = False  # sends approved templates by id (WhatsApp content_sid)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to one address, already rendered. `event_id` is the outbound event it
    belongs to: adapters may use it as an idempotency key, never to write to the store."""

    event_id: str
    channel: str
    to: str
    text: str
    subject: str | None = None
    html: str | None = None
    reply_token: str | None = None  # email: carried in Reply-To as reply+TOKEN@domain
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe
    status_callback: str | None = None  # sms: where the provider reports delivery
    content_sid: str | None = None  # an approved provider template (Twilio Content API)
    content_variables: Mapping[str, str] = field(default_factory=dict)  # its {"1": "Ann"}
    sender_name: str | None = None  # email: the From display name (an A/B variant's)


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What the provider said: its id for the message (SMTP Message-ID, Twilio MessageSid)."""

    provider_id: str | None
    status: str  # "sent" (handed over) or "queued" (accepted, delivery reported later)
    detail: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"segments": 2}


class ChannelAdapter(Protocol):
    """Sends on one channel. Raises hub.errors.SendFailed (permanent: do not retry) or
    hub.errors.Transient (retry with backoff); vendor exceptions never escape it. It never
    writes to the store: the messaging service records what it returns."""

    name: str
    capabilities: ChannelCapabilities

    async def send(self, message: OutboundMessage) -> SendReceipt: ...

    async def close(self) -> None: ...
