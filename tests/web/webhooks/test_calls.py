"""Calls: Twilio voice callbacks, the staff call log and CSV imports, one event per call."""

from __future__ import annotations

from typing import Any

from tests.channels.sms.fake_twilio import ACCOUNT_SID, FROM_NUMBER
from tests.web.webhooks.conftest import Hub

CALLER = "+31612345678"
SID = "CA" + "b" * 32


def voice(status: str, **extra: str) -> dict[str, str]:
    return {"CallSid": SID, "AccountSid": ACCOUNT_SID, "From": CALLER, "To": FROM_NUMBER,
            "Direction": "inbound", "CallStatus": status, "ApiVersion": "2010-04-01", **extra}


async def calls_of(hub: Hub, person_id: str) -> list[dict[str, Any]]:
    return [e for e in await hub.timeline(person_id) if e["channel"] == "call"]


async def import_csv(hub: Hub, text: str, query: str = "", role: str = "service",
                     content_type: str = "text/csv") -> tuple[int, Any]:
    return await hub.api.call("POST", f"/api/v1/calls/import{query}", role=role,
                              data=text.encode(), headers={"Content-Type": content_type})


async def test_voice_callbacks_in_any_order_make_one_call(hub: Hub) -> None:
    person = await hub.person(CALLER)
    for params in (voice("ringing"), voice("completed", CallDuration="95"),
                   voice("in-progress"), voice("completed", CallDuration="95")):
        response = await hub.signer.post("/webhooks/twilio/voice", params)
        assert response.status == 200 and "<Response/>" in await response.text()
    calls = await calls_of(hub, person["id"])
    assert len(calls) == 1
    call = calls[0]
    assert (call["status"], call["direction"], call["from"]) == ("completed", "inbound", CALLER)
    assert call["call"]["duration_s"] == 95 and call["external_id"] == SID
    assert [c["status"] for c in call["status_history"]] == ["ringing", "completed",
                                                             "in-progress"]


async def test_a_withheld_number_is_still_recorded(hub: Hub) -> None:
    response = await hub.signer.post("/webhooks/twilio/voice",
                                     voice("completed", From="anonymous", CallDuration="12"))
    assert response.status == 200
    event = await hub.store.events.find_by_external("call", SID)
    assert event is not None and event.person_id is None and event.call.duration_s == 12


async def test_one_call_whether_by_webhook_staff_log_or_csv(hub: Hub) -> None:
    """The 'Done when' story: the same CallSid arrives three ways and shows once."""
    person = await hub.person(CALLER)
    await hub.signer.post("/webhooks/twilio/voice", voice("completed", CallDuration="95"))
    status, logged = await hub.api.call("POST", "/api/v1/calls", role="service", json={
        "phone": "06 12345678", "direction": "inbound", "started_at": "2026-03-01T09:30:00Z",
        "duration_s": 95, "wait_s": 20, "agent": "Bram", "outcome": "resolved",
        "notes": "Asked about the invoice", "external_id": SID})
    assert status == 200, logged
    status, report = await import_csv(
        hub, "started_at,direction,number,agent,duration_s,wait_s,outcome,external_id\n"
             f"2026-03-01 09:30:00,in,{CALLER},Bram,95,20,resolved,{SID}\n")
    assert status == 200 and report["imported"] == 0 and report["duplicates"] == 1
    calls = await calls_of(hub, person["id"])
    assert len(calls) == 1 and calls[0]["id"] == logged["id"]
    assert calls[0]["call"] == {"duration_s": 95, "wait_s": 20, "agent": "Bram",
                                "outcome": "resolved"}
    assert calls[0]["text"] == "Asked about the invoice"


async def test_staff_log_by_person_id_and_idempotent_external_id(hub: Hub) -> None:
    person = await hub.person(CALLER)
    body = {"person_id": person["id"], "direction": "outbound", "duration_s": "2:05",
            "agent": "Bram", "outcome": "voicemail", "external_id": "pbx-1"}
    status, first = await hub.api.call("POST", "/api/v1/calls", role="service", json=body)
    assert status == 201, first
    assert first["call"]["duration_s"] == 125 and first["to"] == CALLER
    assert first["author"] == "service-test"
    status, again = await hub.api.call("POST", "/api/v1/calls", role="service", json=body)
    assert status == 200 and again["id"] == first["id"]
    assert len(await calls_of(hub, person["id"])) == 1


async def test_bad_call_logs_are_clear_errors(hub: Hub) -> None:
    person = await hub.person(CALLER)
    cases = [
        ({"direction": "inbound"}, 422),
        ({"phone": CALLER, "direction": "sideways"}, 422),
        ({"phone": "not a number", "direction": "inbound"}, 422),
        ({"phone": CALLER, "direction": "inbound", "duration_s": -3}, 422),
        ({"phone": CALLER, "direction": "inbound", "started_at": "yesterday"}, 422),
        ({"person_id": "nobody", "direction": "inbound"}, 404),
        ({"person_id": person["id"], "direction": "inbound", "colour": "red"}, 422),
    ]
    for body, expected in cases:
        status, answer = await hub.api.call("POST", "/api/v1/calls", role="service", json=body)
        assert status == expected, (body, answer)
        assert answer["error"]["message"]
    status, _ = await hub.api.call("POST", "/api/v1/calls", role="marketing",
                                   json={"phone": CALLER, "direction": "inbound"})
    assert status == 403
    assert await calls_of(hub, person["id"]) == []


GOOD_DUP_BROKEN = """started_at,direction,number,agent,duration_s,wait_s,outcome,external_id
2026-03-01T09:00:00Z,inbound,+31612345678,Bram,120,15,resolved,pbx-1
2026-03-01T09:05:00Z,outbound,0687654321,Sara,1:30,,callback,pbx-2
2026-03-01T09:00:00Z,inbound,+31612345678,Bram,120,15,resolved,pbx-1
yesterday,inbound,+31612345678,Bram,120,15,resolved,pbx-3
2026-03-01T09:10:00Z,sideways,+31612345678,Bram,120,15,resolved,pbx-4
2026-03-01T09:15:00Z,inbound,12,Bram,120,15,resolved,pbx-5
2026-03-01T09:20:00Z,inbound,+31612345678,Bram,-5,15,resolved,pbx-6
2026-03-01T09:25:00Z,inbound,+31612345678,Bram,60,5,resolved
"""


async def test_csv_import_reports_each_line(hub: Hub) -> None:
    status, report = await import_csv(hub, GOOD_DUP_BROKEN)
    assert status == 200, report
    assert (report["imported"], report["duplicates"]) == (3, 1)
    assert [r["line"] for r in report["rejected"]] == [5, 6, 7, 8]
    errors = {r["line"]: r["error"] for r in report["rejected"]}
    assert "started_at" in errors[5] and "direction" in errors[6]
    assert "number" in errors[7] and "duration_s" in errors[8]

    status, again = await import_csv(hub, GOOD_DUP_BROKEN)
    assert (again["imported"], again["duplicates"]) == (0, 4)  # nothing new, without ids too
    status, found = await hub.api.call("GET", "/api/v1/persons?phone=%2B31687654321")
    sara_calls = await calls_of(hub, found["items"][0]["id"])
    assert sara_calls[0]["call"] == {"duration_s": 90, "wait_s": None, "agent": "Sara",
                                     "outcome": "callback"}


async def test_csv_import_with_a_column_mapping_and_semicolons(hub: Hub) -> None:
    text = ('Start;Richting;Nummer;Medewerker;Duur;Notitie\n'
            '2026-03-02 10:00;inkomend;06 12345678;Bram;0:02:00;"Klacht over\nlevering"\n')
    mapping = ('{"started_at":"Start","direction":"Richting","number":"Nummer",'
               '"agent":"Medewerker","duration_s":"Duur","notes":"Notitie"}')
    from urllib.parse import quote

    status, report = await import_csv(hub, text, f"?mapping={quote(mapping)}")
    assert status == 200 and report["imported"] == 1, report
    person = (await hub.store.persons.find())[0]
    call = (await calls_of(hub, person.id))[0]
    assert call["text"] == "Klacht over\nlevering" and call["call"]["duration_s"] == 120


async def test_csv_import_refuses_what_it_cannot_read(hub: Hub) -> None:
    status, body = await import_csv(hub, "when,who\n2026-03-01,+31612345678\n")
    assert status == 422 and "started_at" in body["error"]["message"]
    status, body = await import_csv(hub, "")
    assert status == 422
    status, body = await import_csv(hub, GOOD_DUP_BROKEN, content_type="application/json")
    assert status == 415
    status, body = await import_csv(hub, GOOD_DUP_BROKEN, "?mapping=%7Bbroken")
    assert status == 422
    status, body = await import_csv(hub, GOOD_DUP_BROKEN, '?mapping={"colour":"x"}')
    assert status == 422
    status, _ = await import_csv(hub, GOOD_DUP_BROKEN, role="marketing")
    assert status == 403
    assert await hub.store.persons.count() == 0
