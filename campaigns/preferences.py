"""Topics and the preference centre (`/p/{token}`).

Topics are a short list marketing keeps (newsletter, offers, events); a campaign picks one,
and a person who opted out of it is skipped with a reason (`why_not`'s `topic_id`).

The preference centre is reached from every marketing message (next to the unsubscribe
link) by a personal signed token (`UnsubscribeTokens.preferences`): the token is the
authority, as for `/u/`, so the page needs no login and no cookie. A GET only shows the
choices; a POST changes what differs from what was shown, and records each change as proof:
channel consent through `apply_consent` (source `preference_centre`, the exact text shown,
the client, the time), topic changes as `system` events with `data.topic_consent`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from html import escape

from campaigns.unsubscribe import UnsubscribeTokens
from hub.domain.channels import SENDABLE_CHANNELS, SendableChannel
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event
from hub.domain.parties import Person
from hub.domain.topics import Topic
from hub.errors import Conflict, InvalidInput
from hub.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, supported
from hub.i18n.catalogues import gettext
from hub.ports import Store
from hub.services.consent import apply_consent
from hub.services.outbound import pick_address
from hub.services.timeline import TimelineService

SOURCE = "preference_centre"
FOOTER_LINE = N_("Your preferences (topics, channels, language): %(url)s")
FOOTER_LINK = N_("Your preferences")
MAX_TOPICS = 200


class TopicService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def all(self) -> list[Topic]:
        return await self._store.topics.find(limit=MAX_TOPICS)

    async def create(self, name: str, description: str = "") -> Topic:
        """A new topic; Conflict when one with that name (ignoring case) exists."""
        name = " ".join(name.split())
        if not name:
            raise InvalidInput(N_("give the topic a name"), details={"field": "name"})
        existing = await self.all()
        if any(t.name.casefold() == name.casefold() for t in existing):
            raise Conflict(N_("there is a topic %(name)s already"), params={"name": repr(name)},
                           details={"field": "name"})
        if len(existing) >= MAX_TOPICS:
            raise InvalidInput(N_("at most %(limit)s topics"), params={"limit": MAX_TOPICS},
                               details={"field": "name"})
        topic = Topic(id=new_id(), name=name, description=description.strip())
        await self._store.topics.insert(topic)
        return topic


def mask(address: str) -> str:
    """Enough of an address for its owner to recognise it, not enough to learn it from a
    forwarded link: `a…@example.com`, `…5678`."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}…@{domain}"
    return f"…{address[-4:]}"


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    channel: SendableChannel
    addresses: list[str]  # masked
    enabled: bool  # marketing may use at least one of the person's addresses on it


@dataclass(frozen=True, slots=True)
class TopicChoice:
    topic: Topic
    subscribed: bool


@dataclass(frozen=True, slots=True)
class Preferences:
    person: Person
    campaign_id: str | None
    channels: list[ChannelChoice]
    topics: list[TopicChoice]


@dataclass(frozen=True, slots=True)
class Choices:
    """What the visitor submitted: the channels and topics left ticked, and the language."""

    channels: Collection[str]
    topics: Collection[str]
    language: str | None
    everything: bool = False  # "unsubscribe from everything"


class PreferenceService:
    def __init__(self, store: Store, timeline: TimelineService, tokens: UnsubscribeTokens,
                 topics: TopicService) -> None:
        self._store = store
        self._timeline = timeline
        self._tokens = tokens.preferences
        self._topics = topics

    def link(self, public_url: str, person_id: str, campaign_id: str | None) -> str:
        return f"{public_url}/p/{self._tokens.make(person_id, campaign_id)}"

    async def show(self, token: str) -> Preferences | None:
        """The person's choices as they stand; None for an unknown or forged token. Reads
        only."""
        target = self._tokens.read(token)
        if target is None:
            return None
        person = await self._store.persons.get(target.person_id)
        if person is None or not person.is_active:
            return None
        channels = [ChannelChoice(
            channel, [mask(a) for a in person.addresses_on(channel)],
            pick_address(person, channel, "marketing") is not None)
            for channel in SENDABLE_CHANNELS if person.addresses_on(channel)]
        topics = [TopicChoice(t, t.id not in person.topic_opt_outs)
                  for t in await self._topics.all()]
        return Preferences(person, target.campaign_id, channels, topics)

    async def save(self, token: str, choices: Choices, *, client: str | None,
                   texts: dict[str, str]) -> Preferences | None:
        """Apply what differs from what is shown now; each change recorded with its proof.
        `texts`: the exact sentence shown for each channel (the consent text kept as proof).
        None for an unknown token; InvalidInput for an unknown language."""
        shown = await self.show(token)
        if shown is None:
            return None
        if choices.language is not None and choices.language not in LANGUAGES:
            raise InvalidInput(N_("unknown language %(language)s"),
                               params={"language": repr(choices.language)},
                               details={"field": "language"})
        person = shown.person
        events: list[Event] = []
        for choice in shown.channels:
            wanted = choice.channel in choices.channels and not choices.everything
            if wanted == choice.enabled:
                continue
            change = apply_consent(
                person, choice.channel, "opted_in" if wanted else "opted_out", source=SOURCE,
                text=texts.get(choice.channel), client=client,
                confirmation="personal preference centre link" if wanted else None)
            if change is not None:
                change.campaign_id = shown.campaign_id
                events.append(change)
        for topic_choice in shown.topics:
            topic = topic_choice.topic
            wanted = topic.id in choices.topics and not choices.everything
            if wanted == topic_choice.subscribed:
                continue
            person.topic_opt_outs = ([t for t in person.topic_opt_outs if t != topic.id]
                                     if wanted else [*person.topic_opt_outs, topic.id])
            events.append(self._topic_event(person, topic, wanted, client, shown.campaign_id))
        if choices.language and choices.language != person.language:
            person.language = choices.language
            events.append(Event(
                id=new_id(), person_id=person.id, household_id=person.household_id,
                channel="system", direction="internal", subject="Language changed",
                text=f"Language set to {choices.language} in the preference centre",
                data={"preferences": {"language": choices.language, "source": SOURCE,
                                      "client": client}}))
        if events:
            person.updated_at = utcnow()
            await self._store.persons.replace(person)
            for event in events:
                await self._timeline.record(event)
        return await self.show(token)

    @staticmethod
    def _topic_event(person: Person, topic: Topic, wanted: bool, client: str | None,
                     campaign_id: str | None) -> Event:
        status = "opted_in" if wanted else "opted_out"
        return Event(
            id=new_id(), person_id=person.id, household_id=person.household_id,
            channel="system", direction="internal", campaign_id=campaign_id,
            subject=f"topic {topic.name}: {status.replace('_', ' ')}",
            text=f"{'Subscribed to' if wanted else 'Unsubscribed from'} the topic "
                 f"{topic.name} in the preference centre",
            data={"topic_consent": {"topic_id": topic.id, "topic": topic.name,
                                    "status": status, "source": SOURCE, "client": client}})


def with_preferences_link(text: str, html: str | None, url: str, language: str | None
                          ) -> tuple[str, str | None]:
    """An email's text and HTML with the preference centre's link at the end, unless the
    template placed it itself (`{{ preferences_url }}`), in the recipient's language."""
    language = supported(language) or DEFAULT_LANGUAGE
    line = gettext(language, FOOTER_LINE)
    if url not in text:
        text = f"{text.rstrip()}\n\n{line % {'url': url}}\n"
    if html is not None and url not in html:
        label = escape(gettext(language, FOOTER_LINK))
        link = f'<p><a href="{escape(url)}">{label}</a></p>'
        end = html.lower().rfind("</body>")
        html = f"{html}\n{link}" if end < 0 else f"{html[:end]}{link}\n{html[end:]}"
    return text, html
