"""Whose event is this? On a household's or organisation's timeline every event belongs to
one of its people: this names that person and their place there, for the page and the API.

- Organisation: the role the event was made in (`role_id`), else the person's role at that
  organisation (the first, when they hold several); its function ("Inkoper") is the role.
- Household: a household has no roles of its own; the member's life stage (`couple`,
  `living_with_parents`, ...) is what says where they stand in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from hub.domain.event_json import EventJson
from hub.domain.events import Event
from hub.domain.parties import Person, Role
from hub.ports import Store

ROLES_READ = 500
"""Roles at one organisation read to name event owners (more is a directory, not a team)."""


class _Owned(Protocol):
    """An event as far as labelling needs it: whose it is and in which role."""

    @property
    def person_id(self) -> str | None: ...
    @property
    def role_id(self) -> str | None: ...


class TimelineMember(BaseModel):
    """The person an event on a household or organisation timeline belongs to."""

    person_id: str
    name: str = Field(description="empty for an erased person")
    role_id: str | None = Field(default=None, description="organisations: the role")
    function: str | None = Field(default=None, description="organisations: the role's function")
    life_stage: str | None = Field(default=None, description="households: the member's stage")


class MemberEvent(Event):
    """A timeline event with the member it belongs to (household and organisation timelines)."""

    member: TimelineMember | None = None


class TimelineMembers:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def label(self, subject: Literal["household", "organisation"], subject_id: str,
                    events: Sequence[Event]) -> list[MemberEvent]:
        """`events` with their `member` set (None for an event of no person)."""
        members = await self._members(subject, subject_id, events)
        return [MemberEvent.model_validate({**event.to_doc(), "member": member})
                for event, member in zip(events, members, strict=True)]

    async def label_json(self, subject: Literal["household", "organisation"], subject_id: str,
                         events: Sequence[EventJson]) -> list[str]:
        """`label` as JSON text: each event's object with `"member"` as its last field,
        exactly what `MemberEvent.model_dump_json` writes (MemberEvent is Event plus that
        field), without a model round-trip per event."""
        members = await self._members(subject, subject_id, events)
        texts: dict[int, str] = {}  # one serialisation per member object on the page
        labelled: list[str] = []
        for event, member in zip(events, members, strict=True):
            text = "null" if member is None else texts.get(id(member))
            if text is None and member is not None:
                text = texts[id(member)] = member.model_dump_json()
            labelled.append(f'{event.json[:-1]},"member":{text}}}')
        return labelled

    async def _members(self, subject: Literal["household", "organisation"], subject_id: str,
                       events: Sequence[_Owned]) -> list[TimelineMember | None]:
        """Per event, its member (one object per distinct person and role on the page)."""
        person_ids = list(dict.fromkeys(e.person_id for e in events if e.person_id))
        persons = {p.id: p for p in await self._store.persons.get_many(person_ids)}
        roles: dict[str, Role] = {}
        by_person: dict[str, Role] = {}
        if subject == "organisation" and person_ids:
            for role in await self._store.roles.for_organisation(subject_id, limit=ROLES_READ):
                roles[role.id] = role
                by_person.setdefault(role.person_id, role)
        made: dict[tuple[str, str | None], TimelineMember] = {}
        members: list[TimelineMember | None] = []
        for event in events:
            person = persons.get(event.person_id or "")
            if person is None:
                members.append(None)
                continue
            held = roles.get(event.role_id or "") or by_person.get(person.id)
            key = (person.id, held.id if held else None)
            if key not in made:
                made[key] = _member(person, held) if subject == "organisation" else \
                    TimelineMember(person_id=person.id, name=person.name,
                                   life_stage=person.life_stage)
            members.append(made[key])
        return members


def _member(person: Person, role: Role | None) -> TimelineMember:
    return TimelineMember(person_id=person.id, name=person.name,
                          role_id=role.id if role else None,
                          function=(role.function or None) if role else None)
