"""An event as the API's JSON text, and the stamp that says a stored document already is it.

A timeline page is the API's hottest read. Validating each stored document into an `Event` and
serialising it back costs more than the rest of the request together, and gives back the very
text the store holds whenever that text was written by `Event.model_dump_json` of this release:
the SQLite store keeps `doc` as exactly that dump, and its in-place edits (`json_set` of a
status, a person id, erasure defaults) keep it byte for byte (`tests/contracts/
test_event_json.py` proves it for every edit). So a row carries `EVENT_SHAPE`, a fingerprint of
the JSON shape it was written in; a row whose stamp matches is served as stored, any other
(written by an older or newer release) goes through the model, exactly as before.

The fingerprint covers what decides the dump's bytes: the serialisation schema (field names,
aliases, order, types, defaults, nested records) and the dump of a sample event that exercises
times, floats, escapes and non-ASCII text (catching a changed `iso()` or a serialiser that
formats numbers or strings differently). A change to either gives a new stamp, and rows
written before it simply take the model path.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, cast

from hub.domain.events import CallInfo, Event, FormInfo, StatusChange, SurveyInfo


class _Unread(Enum):
    UNREAD = "unread"


UNREAD: Final = _Unread.UNREAD
"""A field the store did not hand over separately: read from the JSON when asked for."""


class EventJson:
    """One event as its API JSON object (`json`). Its keyset position (for the next cursor)
    and owner (for household and organisation labels) are read from that JSON when first
    asked for, so a page whose only position needed is its last item's parses one object
    (the store may hand over the owner it has at hand instead)."""

    __slots__ = ("_fields", "_person_id", "_role_id", "json")

    def __init__(self, json_text: str, *, person_id: str | _Unread | None = UNREAD,
                 role_id: str | _Unread | None = UNREAD) -> None:
        self.json = json_text
        self._person_id = person_id
        self._role_id = role_id
        self._fields: dict[str, Any] | None = None

    @classmethod
    def of(cls, event: Event) -> EventJson:
        """Through the model: what a stored document of another shape becomes."""
        return cls(event.model_dump_json(by_alias=True), person_id=event.person_id,
                   role_id=event.role_id)

    def _field(self, name: str) -> Any:
        if self._fields is None:
            self._fields = json.loads(self.json)
        return self._fields[name]

    @property
    def id(self) -> str:
        return str(self._field("id"))

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromisoformat(self._field("occurred_at"))

    @property
    def person_id(self) -> str | None:
        found = self._field("person_id") if self._person_id is UNREAD else self._person_id
        return cast(str | None, found)

    @property
    def role_id(self) -> str | None:
        found = self._field("role_id") if self._role_id is UNREAD else self._role_id
        return cast(str | None, found)

    def __repr__(self) -> str:
        return f"EventJson({self.json!r})"


def _sample() -> Event:
    moment = datetime(2001, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
    text = 'Zeg "hallo" \\ tab\t regel\n € é 😀 \u2028 <b>&amp;</b> \x01 \x7f'
    return Event(
        id="sample", person_id="p", household_id="h", organisation_id="o", role_id="r",
        channel="email", direction="inbound", occurred_at=moment, recorded_at=moment,
        subject=text, text=text, from_="a@example.org", to="b@example.org", status="sent",
        status_history=[StatusChange(status="sent", at=moment, detail=text)],
        campaign_id="c", thread_id="t", external_id="x", author="s",
        call=CallInfo(duration_s=61, wait_s=0, agent="a", outcome="answered"),
        form=FormInfo(form_id="f", fields={"n": 1.5, "big": 1e16, "small": 1e-7, "t": text}),
        survey=SurveyInfo(survey_id="s", score=9, comment=text),
        data={"float": 0.1, "whole": 3.0, "neg": -0.0, "huge": 1.7976931348623157e308,
              "int": 2**63, "list": [True, None, "x"], "nested": {"k": text}},
        erased=False,
    )


def _fingerprint() -> str:
    schema = json.dumps(Event.model_json_schema(mode="serialization", by_alias=True))
    basis = schema + "\n" + _sample().model_dump_json(by_alias=True)
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


EVENT_SHAPE = _fingerprint()
"""The stamp of a stored event document that is, byte for byte, this release's API JSON."""
