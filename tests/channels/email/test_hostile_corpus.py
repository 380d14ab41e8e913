"""The hostile corpus: every message ends as an event or a quarantine entry, never a 500."""

from __future__ import annotations

import io
from typing import Any

from tests.channels.email.conftest import MakeApi, post_mail
from tests.channels.email.corpus import corpus


async def _timeline_event(api: Any, event_id: str, person_id: str) -> dict[str, Any]:
    status, page = await api.call("GET", f"/api/v1/persons/{person_id}/timeline")
    assert status == 200
    return next(e for e in page["items"] if e["id"] == event_id)


async def test_every_hostile_message_is_kept(make_api: MakeApi) -> None:
    api = await make_api(HUB_MAX_BODY_BYTES=str(64 * 1024 * 1024),
                         HUB_EMAIL_ATTACHMENT_LIMIT_BYTES=str(32 * 1024 * 1024))
    outcomes: dict[str, dict[str, Any]] = {}
    for name, raw, expected in corpus():
        if not raw:
            status, body = await post_mail(api, raw)
            assert status == 422, name  # an empty body is refused, and nothing is stored
            continue
        status, body = await post_mail(api, raw)
        assert status == 202, (name, body)
        assert body["kind"] == expected, (name, body)
        outcomes[name] = body
    counts = {kind: sum(1 for b in outcomes.values() if b["kind"] == kind)
              for kind in ("event", "quarantine")}
    print(f"hostile corpus: {counts}")  # figures for the issue note
    status, listed = await api.call("GET", "/api/v1/quarantine?limit=100")
    assert status == 200 and len(listed["items"]) == counts["quarantine"]
    assert all(item["reason"] and item["size"] > 0 for item in listed["items"])

    def event(name: str) -> dict[str, Any]:
        return dict(outcomes[name]["event"])

    crlf = event("subject with encoded CR/LF")
    assert "\r" not in crlf["subject"] and "\n" not in crlf["subject"]
    assert crlf["subject"] == "Hello Bcc: victim@example.org"

    html = event("HTML with scripts and tracking pixel")
    safe = html["data"]["html"]
    for bad in ("<script", "alert", "onload", "javascript:", "<style", "<form", "<input",
                "<iframe", "data:", "track.example"):
        assert bad not in safe, bad
    assert 'href="https://ok.example/"' in safe
    assert html["data"]["remote_images"] == ["https://track.example/pixel.gif?u=1"]
    assert "Hello" in html["text"] and "alert" not in html["text"]
    assert html["subject"] == "<script>alert(1)</script>"  # kept as text; pages escape it

    svg = event("SVG with script")
    for bad in ("<svg", "<math", "<script", "alert", "javascript:"):
        assert bad not in svg["data"]["html"], bad

    assert "auto_reply" in event("out of office")["data"]["flags"]
    assert event("NUL bytes")["text"] == "abc"
    assert event("no text at all")["data"]["no_text"] is True
    assert event("8-bit in headers")["subject"] == "Grüße — ☃"
    assert event("no Message-ID, no Date, no Subject")["external_id"].startswith("sha256:")
    attachment = event("only an attachment")["data"]["attachments"][0]
    assert attachment["name"] == ".._.._etc_p.pdf" and attachment["kept"]

    big = event("20 MB attachment")
    [listed_big] = big["data"]["attachments"]
    assert listed_big["size"] == 20 * 1024 * 1024 and listed_big["kept"]
    assert big["text"] == "see attached"

    # sending the same message again stores nothing new
    name, raw, _ = corpus(include_big=False)[8]
    status, again = await post_mail(api, raw)
    assert status == 202 and again["created"] is False
    assert again["event"]["id"] == outcomes[name]["event"]["id"]


async def test_the_inbound_route_checks_role_and_type(make_api: MakeApi) -> None:
    api = await make_api()
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n"
    status, _ = await post_mail(api, raw, role="marketing")
    assert status == 403
    status, body = await api.call("POST", "/api/v1/inbound/email", data=raw,
                                  headers={"Content-Type": "application/json"})
    assert status == 415, body
    too_big = io.BytesIO(b"x" * 2_000_000)
    status, body = await api.call("POST", "/api/v1/inbound/email", data=too_big,
                                  headers={"Content-Type": "message/rfc822"})
    assert status == 413, body


async def test_a_quarantined_message_can_be_retried(make_api: MakeApi) -> None:
    api = await make_api()
    status, body = await post_mail(api, b"Subject: nobody\r\n\r\nhello\r\n")
    assert body["kind"] == "quarantine"
    entry_id = body["quarantine"]["id"]
    status, again = await api.call("POST", f"/api/v1/quarantine/{entry_id}/retry")
    assert status == 200 and again["kind"] == "quarantine"
    assert again["quarantine"]["status"] == "failed_again"
    assert again["quarantine"]["attempts"] == 1
    status, _ = await api.call("POST", "/api/v1/quarantine/000000000000000000000000/retry")
    assert status == 404
    status, _listed = await api.call("GET", "/api/v1/quarantine?cursor=bad")
    assert status == 422


async def test_the_same_raw_mail_again_is_the_same_quarantine_entry(make_api: MakeApi) -> None:
    api = await make_api()
    raw = b"Subject: nobody\r\n\r\nthe same bytes, delivered twice\r\n"
    _, first = await post_mail(api, raw)
    status, second = await post_mail(api, raw)
    assert status == 202 and second["kind"] == "quarantine"
    assert second["quarantine"]["id"] == first["quarantine"]["id"]
    assert (first["created"], second["created"]) == (True, False)
    _, listed = await api.call("GET", "/api/v1/quarantine")
    assert [item["id"] for item in listed["items"]] == [first["quarantine"]["id"]]
    _, other = await post_mail(api, raw + b"a different tail\r\n")
    assert other["quarantine"]["id"] != first["quarantine"]["id"]
