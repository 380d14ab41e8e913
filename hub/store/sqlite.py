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
    ChannelStateRepo,
    DeliveryRepo,
    EventRepo,
    FormRepo,
    HouseholdRepo,
    IdentityRepo,
    OrganisationRepo,
    PersonRepo,
    QuarantineRepo,
    RoleRepo,
    SegmentRepo,
    SuppressionRepo,
    SurveyRepo,
    SurveyResponseRepo,
    SurveyTokenRepo,
    TemplateRepo,
    ThrottleRepo,
    TokenRepo,
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
from hub.store.sqlite_db import Database
from hub.store.sqlite_events import SqliteEvents, timeline_sql
from hub.store.sqlite_parties import (
    SqliteHouseholds,
    SqliteIdentities,
    SqliteOrganisations,
    SqlitePersons,
    SqliteRoles,
)
from hub.store.sqlite_records import (
    SqliteChannelState,
    SqliteForms,
    SqliteQuarantine,
    SqliteSuppressions,
    SqliteThrottle,
    SqliteTransactions,
)
from hub.store.sqlite_schema import migrate
from hub.store.sqlite_staff import SqliteTokens, SqliteUsers
from hub.store.sqlite_surveys import (
    SqliteSurveyResponses,
    SqliteSurveys,
    SqliteSurveyTokens,
    SqliteTriggerFirings,
    SqliteTriggerRules,
)
from hub.store.sqlite_webhooks import SqliteWebhooks

__all__ = ["SqliteStore", "database_path", "open_sqlite_store", "timeline_sql"]

URL_PREFIX = "sqlite:///"
MEMORY = ":memory:"


class SqliteStore:
    """The `hub.ports.Store` on one SQLite file."""

    backend = "sqlite"

    def __init__(self, db: Database) -> None:
        self._db = db
        self.persons: PersonRepo = SqlitePersons(db)
        self.households: HouseholdRepo = SqliteHouseholds(db)
        self.organisations: OrganisationRepo = SqliteOrganisations(db)
        self.roles: RoleRepo = SqliteRoles(db)
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
        self.campaigns: CampaignRepo = SqliteCampaigns(db)
        self.deliveries: DeliveryRepo = SqliteDeliveries(db, events)
        self.analytics: AnalyticsRepo = SqliteAnalytics(db)
        self.surveys: SurveyRepo = SqliteSurveys(db)
        self.survey_tokens: SurveyTokenRepo = SqliteSurveyTokens(db)
        self.survey_responses: SurveyResponseRepo = SqliteSurveyResponses(db)
        self.trigger_rules: TriggerRuleRepo = SqliteTriggerRules(db)
        self.trigger_firings: TriggerFiringRepo = SqliteTriggerFirings(db)
        self.webhooks: WebhookRepo = SqliteWebhooks(db)

    @property
    def location(self) -> str:
        return self._db.location

    async def ping(self) -> None:
        try:
            await self._db.value("SELECT 1")
        except (HubError, sqlite3.Error, ValueError) as exc:
            # ValueError: aiosqlite's "Connection closed" when its worker thread is gone.
            raise StoreUnavailable(f"SQLite store {self._db.location} unreachable: {exc}") from exc

    async def close(self) -> None:
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
    except BaseException:
        await db.close()
        raise
    return SqliteStore(db)
