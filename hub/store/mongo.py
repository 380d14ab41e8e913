"""The MongoDB store, on PyMongo's native async API (`pymongo.AsyncMongoClient`).

Records are stored as `record.to_doc()` with `id` as `_id`; datetimes stay BSON dates (the
client is opened with `tz_aware=True`, so they come back aware UTC). Indexes are created at
start-up, idempotently, under explicit names; a `meta` document holds the schema version.
The repositories live in `mongo_repos.py` and `mongo_events.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.errors import ConfigurationError, PyMongoError

from hub.domain.common import utcnow
from hub.domain.consent import CONSENT_CHANNELS
from hub.errors import ConfigError, HubError, StoreUnavailable
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
from hub.store.mongo_analytics import MongoAnalyticsRepo
from hub.store.mongo_base import Doc, Sort, driver_errors
from hub.store.mongo_campaigns import (
    MongoCampaignRepo,
    MongoDeliveryRepo,
    MongoSegmentRepo,
    MongoTemplateRepo,
)
from hub.store.mongo_changes import MongoChangeFeed
from hub.store.mongo_contact_batches import MongoContactBatches
from hub.store.mongo_conversations import (
    MongoCannedResponseRepo,
    MongoConversationRepo,
    MongoCsatRuleRepo,
    MongoLabelRepo,
    MongoTeamRepo,
)
from hub.store.mongo_events import NEWEST_FIRST, MongoEventRepo
from hub.store.mongo_journeys import MongoEnrolmentRepo, MongoJourneyRepo
from hub.store.mongo_repos import (
    MongoChannelStateRepo,
    MongoFormRepo,
    MongoHouseholdRepo,
    MongoIdentityRepo,
    MongoOrganisationRepo,
    MongoPersonRepo,
    MongoQuarantineRepo,
    MongoRoleRepo,
    MongoSuppressionRepo,
    MongoThrottleRepo,
    MongoTokenRepo,
    MongoTransactionRepo,
    MongoUserRepo,
)
from hub.store.mongo_search import MongoSearchRepo, backfill
from hub.store.mongo_sessions import MongoPasswordResetRepo, MongoStaffSessionRepo
from hub.store.mongo_surveys import (
    MongoSurveyRepo,
    MongoSurveyResponseRepo,
    MongoSurveyTokenRepo,
    MongoTriggerFiringRepo,
    MongoTriggerRuleRepo,
)
from hub.store.mongo_trust import MongoMergeRepo, MongoTopicRepo
from hub.store.mongo_webhooks import MongoOutbox, MongoWebhookRepo

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

DEFAULT_DATABASE = "hub"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Index:
    collection: str
    name: str
    keys: Sort
    unique: bool = False
    partial: dict[str, Any] | None = None

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"name": self.name}
        if self.unique:
            options["unique"] = True
        if self.partial is not None:
            options["partialFilterExpression"] = self.partial
        return options


def _asc(*fields: str) -> Sort:
    return [(name, ASCENDING) for name in fields]


INDEXES: tuple[Index, ...] = (
    Index("persons", "persons_household", _asc("household_id")),
    Index("persons", "persons_name", _asc("name")),
    Index("roles", "roles_person", _asc("person_id")),
    Index("roles", "roles_organisation", _asc("organisation_id")),
    Index("identities", "identities_kind_value", _asc("kind", "value"), unique=True),
    Index("identities", "identities_person", _asc("person_id")),
    Index("events", "events_person_timeline", _asc("person_id") + NEWEST_FIRST),
    Index("events", "events_organisation_timeline", _asc("organisation_id") + NEWEST_FIRST),
    Index(
        "events",
        "events_person_direction",
        _asc("person_id", "channel", "direction") + NEWEST_FIRST,
    ),
    Index(
        "events",
        "events_channel_external_id",
        _asc("channel", "external_id"),
        unique=True,
        partial={"external_id": {"$type": "string"}},
    ),
    Index("users", "users_email", _asc("email_key"), unique=True),
    Index("tokens", "tokens_token_hash", _asc("token_hash"), unique=True),
    Index("transactions", "transactions_external_id", _asc("external_id"), unique=True),
    Index("transactions", "transactions_person", _asc("person_id")),
    Index("quarantine", "quarantine_status", _asc("status", "_id")),
    Index("quarantine", "quarantine_sha256", _asc("sha256"), unique=True),
    Index("forms", "forms_slug", _asc("slug"), unique=True),
    Index("campaigns", "campaigns_status", _asc("status", "_id")),
    Index("deliveries", "deliveries_campaign_person", _asc("campaign_id", "person_id"),
          unique=True),
    Index("deliveries", "deliveries_campaign_household", _asc("campaign_id", "household_key"),
          unique=True, partial={"household_key": {"$type": "string"}}),
    Index("deliveries", "deliveries_campaign_status", _asc("campaign_id", "status", "_id")),
    Index("events", "events_campaign", _asc("campaign_id", "direction", "channel", "person_id"),
          partial={"campaign_id": {"$type": "string"}}),
    # analytics and surveys (issue 7)
    Index("transactions", "transactions_person_period",
          _asc("person_id", "occurred_at", "amount_minor")),
    Index("transactions", "transactions_organisation_period",
          _asc("organisation_id", "occurred_at", "amount_minor")),
    Index("transactions", "transactions_period", _asc("occurred_at")),
    Index("events", "events_channel_time", _asc("channel", "occurred_at", "direction")),
    Index("survey_tokens", "survey_tokens_token", _asc("token"), unique=True),
    Index("survey_tokens", "survey_tokens_send", _asc("survey_id", "person_id", "send_key"),
          unique=True),
    Index("survey_responses", "survey_responses_key", _asc("key"), unique=True),
    Index("survey_responses", "survey_responses_survey", _asc("survey_id", "answered_at")),
    Index("survey_responses", "survey_responses_campaign", _asc("campaign_id")),
    Index("trigger_firings", "trigger_firings_rule_event", _asc("rule_id", "event_id"),
          unique=True),
    Index("trigger_firings", "trigger_firings_due", _asc("status", "due_at")),
    Index("trigger_firings", "trigger_firings_person", _asc("rule_id", "person_id",
                                                            "created_at")),
    # staff search (issue 13): see mongo_search.py
    Index("persons", "persons_search_grams", _asc("search.grams")),
    Index("persons", "persons_search_keys", _asc("search.keys")),
    Index("households", "households_search_grams", _asc("search.grams")),
    Index("households", "households_search_keys", _asc("search.keys")),
    Index("organisations", "organisations_search_grams", _asc("search.grams")),
    Index("organisations", "organisations_search_keys", _asc("search.keys")),
    Index("identities", "identities_search_grams", _asc("search.grams")),
    Index("identities", "identities_search_suffix", _asc("search.suffix", "person_id"),
          partial={"search.suffix": {"$type": "string"}}),
    # journeys (issue 17)
    Index("journeys", "journeys_status", _asc("status", "_id")),
    Index("journey_versions", "journey_versions_key", _asc("journey_id", "version"),
          unique=True),
    Index("enrolments", "enrolments_entry", _asc("journey_id", "entry_key"), unique=True),
    Index("enrolments", "enrolments_due", _asc("state", "due_at")),
    Index("enrolments", "enrolments_person", _asc("person_id", "journey_id")),
    Index("enrolments", "enrolments_journey", _asc("journey_id", "state", "step_id")),
    # conversations (issue 13)
    Index("conversations", "conversations_active_key", _asc("active_key"), unique=True,
          partial={"active_key": {"$type": "string"}}),
    Index("conversations", "conversations_person", _asc("person_id", "last_event_at")),
    Index("conversations", "conversations_status_time", _asc("status", "last_event_at", "_id")),
    Index("conversations", "conversations_status_sla", _asc("status", "sla_sort", "_id")),
    Index("conversations", "conversations_assignee",
          _asc("assignee_id", "status", "last_event_at", "_id")),
    Index("conversations", "conversations_team",
          _asc("team_id", "status", "last_event_at", "_id")),
    Index("conversations", "conversations_snoozed", _asc("status", "snoozed_until")),
    Index("conversations", "conversations_updated", _asc("updated_at")),
    Index("merges", "merges_survivor", _asc("survivor_id")),
    Index("merges", "merges_duplicate", _asc("duplicate_id")),
    # staff sessions and password reset links (issue 15)
    Index("staff_sessions", "staff_sessions_user", _asc("user_id", "last_seen_at")),
    Index("password_resets", "password_resets_token_hash", _asc("token_hash"), unique=True),
    Index("password_resets", "password_resets_user", _asc("user_id")),
    # outgoing webhooks (issue 18)
    Index("webhook_outbox", "webhook_outbox_unfanned", _asc("fanned_out", "occurred_at")),
    Index("webhook_outbox", "webhook_outbox_person", _asc("person_ids")),
    Index("webhook_deliveries", "webhook_deliveries_event", _asc("subscription_id", "event_id"),
          unique=True),
    Index("webhook_deliveries", "webhook_deliveries_due",
          _asc("subscription_id", "state", "occurred_at")),
    Index("webhook_deliveries", "webhook_deliveries_person", _asc("person_ids")),
    # segment counts (issue 20): the person fields filters use most (SQLite: SEGMENT_INDEXES)
    *(Index("persons", f"persons_consent_{channel}", _asc(f"consent.{channel}.status"))
      for channel in CONSENT_CHANNELS),
    Index("persons", "persons_pyramid_tier", _asc("attributes.pyramid_tier")),
    Index("persons", "persons_birth_date", _asc("birth_date")),
    Index("persons", "persons_customer_status", _asc("customer_status")),
    Index("persons", "persons_tags", _asc("tags")),  # multikey: "tagged vip" is one range
    # pruning the webhook delivery log (issue 18)
    Index("webhook_deliveries", "webhook_deliveries_finished", _asc("state", "next_attempt_at")),
)
"""Every index the backend relies on. Changing one means a new name (or dropping the old one):
MongoDB refuses an existing name with different options."""


class MongoStore:
    backend = "mongodb"

    def __init__(
        self, database: AsyncDatabase[Doc], *, client: AsyncMongoClient[Doc] | None = None
    ) -> None:
        self._database = database
        self._client = client
        self.persons: PersonRepo = MongoPersonRepo(database["persons"])
        self.households: HouseholdRepo = MongoHouseholdRepo(database["households"])
        self.organisations: OrganisationRepo = MongoOrganisationRepo(database["organisations"])
        self.roles: RoleRepo = MongoRoleRepo(database["roles"])
        self.identities: IdentityRepo = MongoIdentityRepo(database["identities"])
        events = MongoEventRepo(database["events"], MongoOutbox(database["webhook_outbox"]))
        self.events: EventRepo = events
        self.suppressions: SuppressionRepo = MongoSuppressionRepo(database["suppressions"])
        self.users: UserRepo = MongoUserRepo(database["users"])
        self.tokens: TokenRepo = MongoTokenRepo(database["tokens"])
        self.transactions: TransactionRepo = MongoTransactionRepo(database["transactions"])
        self.channel_state: ChannelStateRepo = MongoChannelStateRepo(database["channel_state"])
        self._quarantine = MongoQuarantineRepo(database["quarantine"])
        self.quarantine: QuarantineRepo = self._quarantine
        self.forms: FormRepo = MongoFormRepo(database["forms"])
        self.throttle: ThrottleRepo = MongoThrottleRepo(database["throttle"])
        self.segments: SegmentRepo = MongoSegmentRepo(database["segments"])
        self.templates: TemplateRepo = MongoTemplateRepo(database["templates"])
        self.campaigns: CampaignRepo = MongoCampaignRepo(database["campaigns"])
        self.deliveries: DeliveryRepo = MongoDeliveryRepo(database["deliveries"],
                                                            events=events)
        self.analytics: AnalyticsRepo = MongoAnalyticsRepo(database)
        self.surveys: SurveyRepo = MongoSurveyRepo(database["surveys"])
        self.survey_tokens: SurveyTokenRepo = MongoSurveyTokenRepo(database["survey_tokens"])
        self.survey_responses: SurveyResponseRepo = MongoSurveyResponseRepo(
            database["survey_responses"])
        self.trigger_rules: TriggerRuleRepo = MongoTriggerRuleRepo(database["trigger_rules"])
        self.trigger_firings: TriggerFiringRepo = MongoTriggerFiringRepo(
            database["trigger_firings"])
        self.search: SearchRepo = MongoSearchRepo(database)
        self.journeys: JourneyRepo = MongoJourneyRepo(database["journeys"],
                                                      database["journey_versions"])
        self.enrolments: EnrolmentRepo = MongoEnrolmentRepo(database["enrolments"])
        self.conversations: ConversationRepo = MongoConversationRepo(database["conversations"])
        self.teams: TeamRepo = MongoTeamRepo(database["teams"])
        self.labels: LabelRepo = MongoLabelRepo(database["labels"])
        self.canned_responses: CannedResponseRepo = MongoCannedResponseRepo(
            database["canned_responses"])
        self.csat_rules: CsatRuleRepo = MongoCsatRuleRepo(database["csat_rules"])
        self.topics: TopicRepo = MongoTopicRepo(database["topics"])
        self.merges: MergeRepo = MongoMergeRepo(database["merges"])
        self.staff_sessions: StaffSessionRepo = MongoStaffSessionRepo(database["staff_sessions"])
        self.password_resets: PasswordResetRepo = MongoPasswordResetRepo(
            database["password_resets"])
        self.webhooks: WebhookRepo = MongoWebhookRepo(database)
        self.contact_batches: ContactBatchRepo = MongoContactBatches(
            persons=MongoPersonRepo(database["persons"]),
            households=MongoHouseholdRepo(database["households"]),
            organisations=MongoOrganisationRepo(database["organisations"]),
            roles=MongoRoleRepo(database["roles"]), identities=MongoIdentityRepo(
                database["identities"]), events=events,
            suppressions=MongoSuppressionRepo(database["suppressions"]),
            states=MongoChannelStateRepo(database["channel_state"]))

    async def ping(self) -> None:
        try:
            await self._database.command("ping")
        except PyMongoError as e:
            raise StoreUnavailable(f"MongoDB did not answer a ping: {e}") from e

    def change_feed(self) -> MongoChangeFeed:
        return MongoChangeFeed(self._database)

    async def close(self) -> None:
        """Close the client this store opened; a database handed in stays its owner's."""
        if self._client is not None:
            await self._client.close()

    async def prepare(self) -> None:
        """Create the indexes and record the schema version; safe to run on every start."""
        await self.ping()
        with driver_errors("quarantine"):
            existing = await self._database["quarantine"].index_information()
        if "quarantine_sha256" not in existing:
            await self._quarantine.drop_duplicates()
        by_collection: dict[str, list[IndexModel]] = {}
        for index in INDEXES:
            by_collection.setdefault(index.collection, []).append(
                IndexModel(index.keys, **index.options()))
        for collection, models in by_collection.items():  # one createIndexes per collection
            with driver_errors(collection):
                await self._database[collection].create_indexes(models)
        await backfill(self._database)
        meta = self._database["meta"]
        with driver_errors("meta"):
            await meta.update_one(
                {"_id": "schema"},
                {"$max": {"version": SCHEMA_VERSION}, "$setOnInsert": {"created_at": utcnow()}},
                upsert=True,
            )
            doc = await meta.find_one({"_id": "schema"})
        stored = (doc or {}).get("version", SCHEMA_VERSION)
        if stored > SCHEMA_VERSION:
            raise HubError(
                f"the database has schema version {stored}, this release knows up to "
                f"{SCHEMA_VERSION}: run a newer hub against it"
            )


async def open_mongo_database_store(database: AsyncDatabase[Doc]) -> MongoStore:
    """A store on an already-opened async database (its client should be `tz_aware`).

    The caller keeps the client: `close()` on this store leaves it open.
    """
    store = MongoStore(database)
    await store.prepare()
    return store


async def open_mongo_store(url: str) -> MongoStore:
    """Connect to `url` (`mongodb://` or `mongodb+srv://`); the database is the URL's path."""
    try:
        client: AsyncMongoClient[Doc] = AsyncMongoClient(url, tz_aware=True)
    except (ConfigurationError, ValueError) as e:  # InvalidURI; a bad port is a ValueError
        raise ConfigError("HUB_DATABASE_URL", f"not a usable MongoDB URL: {e}") from e
    try:
        try:
            database = client.get_default_database(DEFAULT_DATABASE)
        except PyMongoError as e:  # InvalidName
            raise ConfigError("HUB_DATABASE_URL", f"no usable database name: {e}") from e
        store = MongoStore(database, client=client)
        await store.prepare()
    except BaseException:
        await client.close()
        raise
    return store
