"""The wizard's send time is read in the viewer's zone (HUB_TIMEZONE, or the user's own), shown
in it, and stored as UTC; a Dutch-style date is accepted, an unreadable one says what format
it expects."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.i18n.parsing import local_input_value, parse_datetime
from hub.web.keys import CAMPAIGNS, STORE
from tests.web.ui.conftest import Ui


async def _segment(ui: Ui) -> str:
    """A segment and an email template; returns "segment_id template_id"."""
    kit = ui.client.app[CAMPAIGNS]
    saved = await kit.segments.create("Dutch", {"field": "language", "op": "eq", "value": "nl"})
    template = await kit.templates.create(MessageTemplate(
        id=new_id(), name="Hello", channel="email", subject="Hi", body="Hello"))
    return f"{saved.id} {template.id}"


async def _create(ui: Ui, ids: str, send_at: str, **headers: str):  # type: ignore[no-untyped-def]
    segment_id, template_id = ids.split()
    token = await ui.csrf("/campaigns/new")
    return await ui.client.post("/campaigns", data={
        "name": "Winter", "segment_id": segment_id, "channel_0": "email",
        "template_email": template_id, "send_at": send_at, "csrf_token": token},
        allow_redirects=False, headers=headers)


async def _stored_send_at(ui: Ui, location: str) -> datetime | None:
    campaign = await ui.client.app[CAMPAIGNS].campaigns.get(location.rsplit("/", 1)[-1])
    return campaign.send_at


async def test_dutch_style_time_is_amsterdam_time_stored_as_utc(ui: Ui) -> None:
    ids = await _segment(ui)
    await ui.login("marketing")
    created = await _create(ui, ids, "31-12-2026 09:00")
    assert created.status == 303, await created.text()
    assert await _stored_send_at(ui, created.headers["Location"]) == datetime(
        2026, 12, 31, 8, 0, tzinfo=UTC)  # CET is UTC+1
    page = await (await ui.client.get(created.headers["Location"])).text()
    assert "31-12-2026, 09:00" in page  # shown in Amsterdam time again
    summer = await _create(ui, ids, "2026-07-01T09:00")  # a datetime-local value
    assert await _stored_send_at(ui, summer.headers["Location"]) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC)  # CEST is UTC+2


async def test_the_users_own_zone_reads_the_time(ui: Ui) -> None:
    ids = await _segment(ui)
    user = await ui.client.app[STORE].users.get_by_email("marketing@example.org")
    assert user is not None
    await ui.client.app[STORE].users.replace(user.model_copy(update={"timezone": "UTC"}))
    await ui.login("marketing")
    wizard = await (await ui.client.get("/campaigns/new")).text()
    assert "tijd in UTC" in wizard
    created = await _create(ui, ids, "31-12-2026 09:00")
    assert await _stored_send_at(ui, created.headers["Location"]) == datetime(
        2026, 12, 31, 9, 0, tzinfo=UTC)


async def test_an_unreadable_time_says_what_it_expects(ui: Ui) -> None:
    ids = await _segment(ui)
    await ui.login("marketing")
    bad = await _create(ui, ids, "next friday")
    assert bad.status == 422
    text = await bad.text()
    assert "is geen datum en tijd; schrijf het als 31-12-2026 09:00" in text
    assert 'value="next friday"' in text  # shown again as typed
    assert await ui.client.app[CAMPAIGNS].campaigns.find(limit=10) == []
    english = await _create(ui, ids, "32-12-2026 09:00", **{"Accept-Language": "en"})
    assert "write it as 31-12-2026 09:00 (day-month-year" in await english.text()


def test_parsing_local_times() -> None:
    amsterdam = "Europe/Amsterdam"
    assert parse_datetime("1-7-2026 9.30", amsterdam) == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert parse_datetime("31/12/2026", amsterdam) == datetime(2026, 12, 30, 23, tzinfo=UTC)
    assert parse_datetime("2026-07-01T09:00Z", amsterdam) == datetime(2026, 7, 1, 9,
                                                                       tzinfo=UTC)
    assert parse_datetime("2026-07-01T09:00+02:00", "UTC") == datetime(2026, 7, 1, 7,
                                                                        tzinfo=UTC)
    for bad in ("", "next friday", "31-02-2026 09:00", "12:00", "2026-13-01T09:00"):
        assert parse_datetime(bad, amsterdam) is None
    assert local_input_value(datetime(2026, 12, 31, 8, tzinfo=UTC), amsterdam) == \
        "2026-12-31T09:00"
    assert local_input_value(None, amsterdam) == ""
