"""Change notices for the staff UI's live views, from whichever process wrote (DESIGN §7).

A store that can push its writes (MongoDB, by a change stream) hands out a `ChangeFeed`; one
per process follows it and tells a `ChangeListener` (the UI's fan-out to its open SSE
connections). A store that cannot (SQLite) has none: the live views then read one shared
marker a second. A notice only says *what* changed; the views read the rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hub.errors import HubError

LiveCollection = Literal["conversations", "events"]


@dataclass(frozen=True, slots=True)
class LiveChange:
    """A conversation changed (the inbox), or an event was added to (or moved to) a person's
    timeline; `person_id` None means "someone's, not known whose"."""

    collection: LiveCollection
    person_id: str | None = None


class ChangeListener(Protocol):
    def opened(self) -> None:
        """The feed is live: every later write will be told, so polling can stop."""

    def lost(self) -> None:
        """The feed is down (it is being re-opened): poll until `opened` again."""

    def changed(self, change: LiveChange) -> None: ...


class ChangeStreamUnsupported(HubError):
    """The database cannot push changes (a standalone mongod: change streams need a replica
    set); the live views poll instead."""

    code = "change_stream_unsupported"


class ChangeFeed(Protocol):
    async def follow(self, listener: ChangeListener) -> None:
        """Tell `listener` about every change until cancelled, re-opening after errors where
        it left off. Raises `ChangeStreamUnsupported` when the database has no change
        streams at all."""
