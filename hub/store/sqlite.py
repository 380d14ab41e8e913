"""The embedded SQLite store (the zero-setup default): one aiosqlite connection, WAL mode,
JSON documents with indexed columns for what is queried.

Module map: `sqlite_db` (connection, lock, transactions, error translation), `sqlite_schema`
(DDL and migrations), `sqlite_base` (the shared document-table base), and one module per
group of repositories (`sqlite_parties`, `sqlite_events`, `sqlite_staff`, `sqlite_records`).
Raw bytes (mail, attachments) live outside the database, in `blobs.FileBlobStore`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.errors import ConfigError, HubError, StoreUnavailable
from hub.files import create_private_file, make_private_dir
from hub.ports import (
    AnalyticsRepo,
    CampaignRepo,
    CannedResponseRepo,
    ChannelStateRepo,
    ContactBatchRepo,
    ConversationRepo,
    CsatRuleRepo,
    DeliveryRepo,
    EnrolmentRepo,
    EventRepo,
    FormRepo,
    HouseholdRepo,
    IdentityRepo,
    JourneyRepo,
    LabelRepo,
    MergeRepo,
    OrganisationRepo,
    PasswordResetRepo,
    PersonRepo,
    QuarantineRepo,
    RoleRepo,
    SearchRepo,
    SegmentRepo,
    StaffSessionRepo,
    SuppressionRepo,
    SurveyRepo,
    SurveyResponseRepo,
    SurveyTokenRepo,
    TeamRepo,
    TemplateRepo,
    ThrottleRepo,
    TokenRepo,
    TopicRepo,
    TransactionRepo,
    TriggerFiringRepo,
    TriggerRuleRepo,
    UserRepo,
    WebhookRepo,
)
from hub.store.sqlite_analytics import SqliteAnalytics
from hub.store.sqlite_campaigns import (
    SqliteCampaigns,
    SqliteDeliveries,
    SqliteSegments,
    SqliteTemplates,
)
from hub.store.sqlite_contact_batches import SqliteContactBatches
from hub.store.sqlite_conversation_context import SqliteConversationContext
from hub.store.sqlite_conversations import (
    SqliteCannedResponses,
    SqliteConversations,
    SqliteCsatRules,
    SqliteLabels,
    SqliteTeams,
)
from hub.store.sqlite_db import Database
from hub.store.sqlite_events import SqliteEvents, timeline_sql
from hub.store.sqlite_inbound import SqliteInboundLookup
from hub.store.sqlite_journeys import SqliteEnrolments, SqliteJourneys
from hub.store.sqlite_parties import (
    SqliteHouseholds,
    SqliteIdentities,
    SqliteOrganisations,
    SqlitePersons,
    SqliteRoles,
)
from hub.store.sqlite_reader import Reader
from hub.store.sqlite_records import (
    SqliteChannelState,
    SqliteForms,
    SqliteQuarantine,
    SqliteSuppressions,
    SqliteThrottle,
    SqliteTransactions,
)
from hub.store.sqlite_schema import migrate
from hub.store.sqlite_search import SqliteSearch
from hub.store.sqlite_sessions import SqlitePasswordResets, SqliteStaffSessions
from hub.store.sqlite_staff import SqliteTokens, SqliteUsers
from hub.store.sqlite_surveys import (
    SqliteSurveyResponses,
    SqliteSurveys,
    SqliteSurveyTokens,
    SqliteTriggerFirings,
    SqliteTriggerRules,
)
from hub.store.sqlite_trust import SqliteMerges, SqliteTopics
from hub.store.sqlite_webhooks import SqliteWebhooks

__all__ = ["SqliteStore", "database_path", "open_sqlite_store", "timeline_sql"]

URL_PREFIX = "sqlite:///"
MEMORY = ":memory:"


class SqliteStore:
    """The `hub.ports.Store` on one SQLite file."""

    backend = "sqlite"

    def __init__(self, db: Database, reader: Reader | None = None) -> None:
        self._db = db
        self._reader = reader
        persons = SqlitePersons(db, reader)
        self.persons: PersonRepo = persons
        households = SqliteHouseholds(db)
        self.households: HouseholdRepo = households
        organisations = SqliteOrganisations(db)
        self.organisations: OrganisationRepo = organisations
        roles = SqliteRoles(db)
        self.roles: RoleRepo = roles
        self.identities: IdentityRepo = SqliteIdentities(db)
        events = SqliteEvents(db)
        self.events: EventRepo = events
        self.suppressions: SuppressionRepo = SqliteSuppressions(db)
        self.users: UserRepo = SqliteUsers(db)
        self.tokens: TokenRepo = SqliteTokens(db)
        self.transactions: TransactionRepo = SqliteTransactions(db)
        self.channel_state: ChannelStateRepo = SqliteChannelState(db)
        self.quarantine: QuarantineRepo = SqliteQuarantine(db)
        self.forms: FormRepo = SqliteForms(db)
        self.throttle: ThrottleRepo = SqliteThrottle(db)
        self.segments: SegmentRepo = SqliteSegments(db)
        self.templates: TemplateRepo = SqliteTemplates(db)
        self.campaigns: CampaignRepo = SqliteCampaigns(db, reader)
        self.deliveries: DeliveryRepo = SqliteDeliveries(db, events)
        self.analytics: AnalyticsRepo = SqliteAnalytics(db)
        self.surveys: SurveyRepo = SqliteSurveys(db)
        self.survey_tokens: SurveyTokenRepo = SqliteSurveyTokens(db)
        self.survey_responses: SurveyResponseRepo = SqliteSurveyResponses(db)
        self.trigger_rules: TriggerRuleRepo = SqliteTriggerRules(db)
        self.trigger_firings: TriggerFiringRepo = SqliteTriggerFirings(db)
        self.search: SearchRepo = SqliteSearch(db)
        self.journeys: JourneyRepo = SqliteJourneys(db)
        self.enrolments: EnrolmentRepo = SqliteEnrolments(db)
        self.conversations: ConversationRepo = SqliteConversations(db)
        self.teams: TeamRepo = SqliteTeams(db)
        self.labels: LabelRepo = SqliteLabels(db)
        self.canned_responses: CannedResponseRepo = SqliteCannedResponses(db)
        self.csat_rules: CsatRuleRepo = SqliteCsatRules(db)
        self.topics: TopicRepo = SqliteTopics(db)
        self.merges: MergeRepo = SqliteMerges(db)
        self.staff_sessions: StaffSessionRepo = SqliteStaffSessions(db)
        self.password_resets: PasswordResetRepo = SqlitePasswordResets(db)
        self.webhooks: WebhookRepo = SqliteWebhooks(db)
        self.contact_batches: ContactBatchRepo = SqliteContactBatches(
            db, persons, households, organisations, roles, events)
        self.inbound_lookup = SqliteInboundLookup(db)  # see hub/services/inbound_lookup.py
        self.conversation_context = SqliteConversationContext(db)  # services/conversation_context

    @property
    def location(self) -> str:
        return self._db.location

    async def ping(self) -> None:
        try:
            await self._db.value("SELECT 1")
        except (HubError, sqlite3.Error, ValueError) as exc:
            # ValueError: aiosqlite's "Connection closed" when its worker thread is gone.
            raise StoreUnavailable(f"SQLite store {self._db.location} unreachable: {exc}") from exc

    def change_feed(self) -> None:
        return None  # the live views poll one marker a second per process

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        await self._db.close()


def database_path(url: str) -> str:
    """The file behind `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, or
    `sqlite:///:memory:` (a private in-memory database, for tests)."""
    if not url.startswith(URL_PREFIX):
        raise ConfigError(
            "HUB_DATABASE_URL",
            f"expected sqlite:///relative/path.db or sqlite:////absolute/path.db, got {url!r}",
        )
    path = url.removeprefix(URL_PREFIX)
    if not path or path.endswith("/"):
        raise ConfigError("HUB_DATABASE_URL", f"no database file named in {url!r}")
    return path


def prepare_file(path: str) -> str:
    """The absolute path of a database file, its folder (0700) and the file (0600) created
    when missing (start-up only); SQLite gives its WAL and shared-memory files the database
    file's mode."""
    if path == MEMORY:
        return path
    location = Path(path).absolute()
    try:
        make_private_dir(location.parent)
    except OSError as exc:
        problem = f"cannot create the folder for {location}: {exc}"
        raise ConfigError("HUB_DATABASE_URL", problem) from exc
    try:
        create_private_file(location)
    except OSError as exc:
        raise ConfigError("HUB_DATABASE_URL", f"cannot create {location}: {exc}") from exc
    return str(location)


async def open_sqlite_store(url: str) -> SqliteStore:
    """Open (creating it when missing) and migrate the database named by `url`."""
    path = prepare_file(database_path(url))
    try:
        db = await Database.connect(path)
    except sqlite3.Error as exc:
        raise ConfigError("HUB_DATABASE_URL", f"cannot open SQLite file {path}: {exc}") from exc
    try:
        await migrate(db)
        reader = await Reader.open(db)
    except BaseException:
        await db.close()
        raise
    return SqliteStore(db, reader)
