"""End to end through the real routes: a web-form submission enrols a prospect, who gets a
welcome mail; one replies by SMS (through the signed Twilio webhook) and lands in the staff
inbox; one who stays silent gets an SMS reminder (through the real twilio SDK and the local
Twilio stand-in) three days later, moved in milliseconds; one who buys leaves the journey."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from hub.domain.clock import MovableClock
from hub.web.keys import COMPONENTS, JOURNEY_CLOCK, RUN_WORKERS
from hub.wiring import build_journey_engine
from tests.support.twilio_hub import ClientFactory, ServerFactory, twilio_hub
from tests.web.conftest import Api

FORM = {"slug": "proefles", "title": "Proefles", "consent_text": "Ja, mail me.",
        "consent_channels": ["email"],
        "fields": [{"name": "name", "label": "Naam", "type": "text", "required": True},
                   {"name": "email", "label": "E-mail", "type": "email", "required": True},
                   {"name": "phone", "label": "Telefoon", "type": "phone"}]}


async def journey_mails(api: Api, person_id: str, channel: str) -> list[dict[str, Any]]:
    code, body = await api.call("GET", f"/api/v1/persons/{person_id}/timeline?channel={channel}")
    assert code == 200, body
    return [m for m in body["items"]
            if m["direction"] == "outbound" and m["data"].get("journey_id")]


async def test_form_to_welcome_to_reply_inbox_reminder_and_purchase(
        tmp_path: Path, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory) -> None:
    clock = MovableClock()

    def prepare(app: web.Application) -> None:
        app[RUN_WORKERS] = False  # the test drives the journey worker itself
        app[JOURNEY_CLOCK] = clock

    async with twilio_hub(tmp_path, aiohttp_server, aiohttp_client, {
            "HUB_EMAIL_FROM": "hallo@shop.example", "HUB_QUIET_HOURS": "off",
            "HUB_QUIET_DAYS": "off"}, retry_delays=(0.01,), prepare=prepare) as hub:
        api, signer, twilio, store = hub.api, hub.signer, hub.twilio, hub.store
        client, app = api.client, api.client.app
        code, form = await api.call("POST", "/api/v1/forms", json=FORM)
        assert code == 201, form
        code, sales = await api.call("POST", "/api/v1/teams", json={"name": "Verkoop"})
        assert code == 201, sales
        ids = {}
        for name, channel, body in (("mail_nl", "email", "Welkom {{ person.first_name }}!"),
                                    ("mail_en", "email", "Welcome {{ person.first_name }}!"),
                                    ("sms_nl", "sms", "Nog vragen? Antwoord gerust."),
                                    ("sms_en", "sms", "Questions? Just reply.")):
            code, made = await api.call("POST", "/api/v1/templates", json={
                "name": name, "channel": channel, "body": body,
                "subject": "Welkom bij de proefles" if channel == "email" else None})
            assert code == 201, made
            ids[name] = made["id"]
        code, journey = await api.call("POST", "/api/v1/journeys", role="marketing", json={
            "name": "Welkomstreeks", "definition": {
                "trigger": {"kind": "event",
                            "event": {"kind": "form_submitted", "form_id": form["id"]}},
                "start": "welcome",
                "steps": [
                    {"type": "send", "id": "welcome", "channel": "email",
                     "templates": {"nl": ids["mail_nl"], "en": ids["mail_en"]},
                     "next": "listen"},
                    {"type": "wait", "id": "listen", "event": {"kind": "message_received"},
                     "timeout_minutes": 3 * 24 * 60, "next": "replied",
                     "on_timeout": "replied"},
                    {"type": "branch", "id": "replied", "test": "replied", "yes": "staff",
                     "no": "reminder"},
                    {"type": "notify", "id": "staff", "team": "verkoop",
                     "note": "Reageerde op de welkomstmail"},
                    {"type": "send", "id": "reminder", "channel": "sms",
                     "templates": {"nl": ids["sms_nl"], "en": ids["sms_en"]}}],
                "goals": [{"kind": "transaction_recorded"}]}})
        assert code == 201, journey
        code, _ = await api.call("PATCH", f"/api/v1/journeys/{journey['id']}",
                                 role="marketing", json={"status": "active"})
        assert code == 200
        engine = build_journey_engine(app[COMPONENTS])

        people = {}
        for name, phone in (("Anna", "+31612345678"), ("Bram", "+31623456789"),
                            ("Carla", "+31634567890")):
            response = await client.post("/f/proefles", data={
                "name": name, "email": f"{name.lower()}@example.org", "phone": phone,
                "consent": "on"})
            assert response.status == 200, await response.text()
            code, found = await api.call("GET", f"/api/v1/persons?email={name.lower()}"
                                                "@example.org")
            people[name] = found["items"][0]
            assert people[name]["customer_status"] == "prospect"
        await engine.run_until_idle()
        for name, person in people.items():
            [welcome] = await journey_mails(api, person["id"], "email")
            assert welcome["text"] == f"Welkom {name}!"

        response = await signer.inbound_sms("+31612345678", "Ja graag, bel me")
        assert response.status == 200
        code, _ = await api.call("POST", "/api/v1/transactions", role="marketing", json=[{
            "person_id": people["Carla"]["id"], "amount": "120.00",
            "occurred_at": datetime.now(UTC).isoformat(), "external_id": "ORDER-1"}])
        assert code == 200
        await engine.run_until_idle()

        waiting = await store.events.awaiting_reply(limit=10)
        assert people["Anna"]["id"] in [w.person_id for w in waiting]
        code, conversations = await api.call(
            "GET", f"/api/v1/persons/{people['Anna']['id']}/conversations", role="service")
        [conversation] = conversations["items"]
        assert conversation["status"] == "open" and conversation["team_id"] == sales["id"]
        code, anna = await api.call("GET", f"/api/v1/persons/{people['Anna']['id']}/journeys",
                                    role="service")
        assert anna["items"][0]["state"] == "done"
        assert [h["outcome"] for h in anna["items"][0]["history"]][-2:] == ["yes", "notified"]

        assert twilio.messages == []  # nobody got the reminder yet
        clock.move(timedelta(days=3, minutes=1))
        await engine.run_until_idle()
        assert [m.to for m in twilio.messages] == ["+31623456789"]  # Bram only
        [reminder] = await journey_mails(api, people["Bram"]["id"], "sms")
        assert reminder["text"] == "Nog vragen? Antwoord gerust."
        code, carla = await api.call("GET", f"/api/v1/persons/{people['Carla']['id']}/journeys")
        assert carla["items"][0]["state"] == "exited"
        assert carla["items"][0]["exit_reason"] == "goal reached"

        code, stats = await api.call("GET", f"/api/v1/journeys/{journey['id']}/stats",
                                     role="marketing")
        assert stats["enrolments"] == {"done": 2, "exited": 1}
