"""Page forms read by pydantic models (a bad value is a 4xx page that names the field), and
errors a page handler raises rendered by the one error middleware: an HTML page with the
error's own status for the browser, JSON for the API."""

from __future__ import annotations

from typing import Annotated

import pytest
from multidict import MultiDict, MultiDictProxy

from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.errors import InvalidInput
from hub.services.persons import PersonInput
from hub.web.keys import CAMPAIGNS, SERVICES
from hub.web.ui.form_input import Blank, Checkbox, Commas, Cut, Lines, PageForm, form_model
from tests.web.ui.conftest import Ui
from tests.web.ui.helpers import make_person


class Sample(PageForm):
    name: Annotated[str, Cut(5)] = ""
    note: Annotated[str | None, Cut(100), Blank] = None
    count: Annotated[int | None, Blank] = None
    picked: list[str] = []
    tags: Annotated[list[str], Commas(100)] = []
    emails: Annotated[list[str], Lines(100)] = []
    urgent: Checkbox = False


def _posted(*pairs: tuple[str, str]) -> MultiDictProxy[str]:
    return MultiDictProxy(MultiDict(pairs))


def test_a_posted_form_becomes_the_model() -> None:
    form = form_model(Sample, _posted(
        ("name", "  Annabel  "), ("note", "   "), ("count", "3"), ("picked", "a"),
        ("picked", "b"), ("tags", "vip, , late "), ("emails", "a@x.org\n\n b@x.org \n"),
        ("urgent", "on"), ("csrf_token", "ignored")))
    assert form == Sample(name="Annab", note=None, count=3, picked=["a", "b"],
                          tags=["vip", "late"], emails=["a@x.org", "b@x.org"], urgent=True)
    empty = form_model(Sample, _posted())
    assert empty.urgent is False and empty.picked == [] and empty.count is None


def test_a_bad_value_is_invalid_input_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        form_model(Sample, _posted(("count", "many")))
    assert refused.value.message.startswith("count: ")
    assert refused.value.details[0]["field"] == "count"
    assert refused.value.status == 422


async def test_a_form_model_error_comes_back_as_the_form_with_a_422(ui: Ui) -> None:
    await ui.login("admin")
    token = await ui.csrf("/admin")
    response = await ui.client.post("/admin/users", data={
        "email": "new@example.org", "role": "wizard", "csrf_token": token})
    assert response.status == 422
    html = await response.text()
    assert "role: Kies een rol." in html and 'action="/admin/users"' in html  # the form again
    person = await ui.client.app[SERVICES].persons.create(PersonInput(name="Anna"))
    await ui.client.post("/logout", data={"csrf_token": await ui.csrf("/admin")})
    await ui.login("service")
    token = await ui.csrf(f"/people/{person.id}")
    call = await ui.client.post(f"/people/{person.id}/calls", data={
        "direction": "inbound", "duration_s": "long", "csrf_token": token})
    assert call.status == 422 and "duration_s" in await call.text()


async def test_errors_raised_by_page_handlers_are_html_pages_with_their_status(ui: Ui) -> None:
    await ui.login("admin")
    token = await ui.csrf("/admin")
    for path, status, words in (
            ("/admin/users/nope/toggle", 404, "There is no such user"),
            ("/admin/tokens/nope/revoke", 404, "There is no such token"),
            ("/quarantine/nope/retry", 404, "no quarantine entry nope")):
        response = await ui.client.post(path, data={"csrf_token": token},
                                        headers={"Accept-Language": "en"})
        assert response.status == status, path
        assert response.content_type == "text/html", path
        html = await response.text()
        assert words in html and "<html" in html.lower(), path
    inbox = ui.client.app[SERVICES].inbox
    sms = await inbox.quarantine(source="twilio:sms", raw=b"x", reason="unreadable")
    refused = await ui.client.post(f"/quarantine/{sms.id}/retry", data={"csrf_token": token})
    # the service's error, in the viewer's language
    assert refused.status == 409 and "kunnen hier niet opnieuw geprobeerd worden" in \
        await refused.text()
    # the API answers the same service error as JSON
    api = await ui.client.post("/api/v1/quarantine/nope/retry")
    assert api.status == 401 and api.content_type == "application/json"


async def test_a_session_that_ended_is_a_401_page(ui: Ui) -> None:
    token = await ui.csrf("/login")
    response = await ui.client.post("/people/p1/notes", data={"csrf_token": token})
    assert response.status == 401 and response.content_type == "text/html"
    assert "Log opnieuw in" in await response.text()  # Dutch unless asked otherwise
    english = await ui.client.post("/people/p1/notes", data={"csrf_token": token},
                                   headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Log in again" in await english.text()


async def test_a_test_send_whose_template_fails_names_the_person(ui: Ui) -> None:
    kit = ui.client.app[CAMPAIGNS]
    await make_person(ui, name="Karin", emails=["karin@example.org"], language="nl")
    segment = await kit.segments.create("Dutch", {"field": "language", "op": "eq",
                                                  "value": "nl"})
    template = await kit.templates.create(MessageTemplate(
        id=new_id(), name="Broken", channel="email", subject="Hi",
        body="Your code: {{ person.attributes.code }}"))
    await ui.login("marketing")
    token = await ui.csrf("/campaigns/new")
    created = await ui.client.post("/campaigns", data={
        "name": "Codes", "segment_id": segment.id, "channel_0": "email",
        "template_email": template.id, "csrf_token": token}, allow_redirects=False)
    assert created.status == 303
    path = created.headers["Location"]
    tested = await ui.client.post(path + "/test", data={"csrf_token": await ui.csrf(path)})
    assert tested.status == 422
    assert "Het sjabloon werkt niet voor Karin" in await tested.text()
