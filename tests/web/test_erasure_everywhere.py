"""Erasure reaches everywhere a person's data went (GDPR art. 17): a distinctive string
planted in the profile, the household, messages in and out (with an attachment and a
Message-ID), a note, a call, a bounce's bookkeeping, a survey comment, a transaction's
reference and a quarantined mail from them is, after `DELETE /api/v1/persons/{id}` and a WAL
checkpoint, nowhere in the database file, its WAL, anything under `var/` (blobs, the sandbox
outbox) or the log."""

from __future__ import annotations

import io
import logging
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from hub.config import Settings
from hub.domain.common import new_id
from hub.domain.surveys import SurveyResponse
from tests.web.conftest import Api

MARK = "Zqxvormel"  # a word no other data holds
ADDRESS = f"{MARK.lower()}@example.com"


def inbound_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{MARK} <{ADDRESS}>"
    mail["To"] = "hub@localhost"
    mail["Subject"] = f"Question from {MARK}"
    mail["Message-ID"] = f"<{MARK.lower()}-1@example.com>"
    mail.set_content(f"Hello, this is {MARK}.")
    mail.add_attachment(f"attachment of {MARK}".encode(), maintype="application",
                        subtype="octet-stream", filename="note.bin")
    return bytes(mail)


def quarantined_mail() -> bytes:
    """A mail from the person that Hub cannot read (a header over the size cap)."""
    mail = EmailMessage()
    mail["From"] = f"{MARK} <{ADDRESS}>"
    mail["To"] = "hub@localhost"
    mail["Subject"] = f"Complaint from {MARK}"
    mail["X-Padding"] = "x" * (20 * 1024)
    mail.set_content(f"Regards, {MARK}.")
    return bytes(mail)


def holders(settings: Settings, database: Path) -> list[str]:
    """Every file that still holds MARK, after the WAL was checkpointed into the database."""
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = [database, database.with_name(database.name + "-wal")]
    files += [p for p in Path(settings.var_dir).rglob("*") if p.is_file()]
    needle = MARK.encode()
    return [str(p) for p in files if p.is_file() and (
        needle in p.read_bytes() or needle.lower() in p.read_bytes())]


async def test_nothing_of_an_erased_person_is_left_on_disk(
        api: Api, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # the default log level (drivers stay at INFO too)
    status, household = await api.call("POST", "/api/v1/households",
                                       json={"name": f"Family {MARK}"})
    assert status == 201, household
    status, person = await api.call("POST", "/api/v1/persons", json={
        "name": f"Anna {MARK}", "emails": [ADDRESS], "household_id": household["id"],
        "attributes": {"nickname": MARK}})
    assert status == 201, person
    pid = person["id"]
    assert (await api.call("POST", f"/api/v1/persons/{pid}/messages", json={
        "channel": "email", "subject": f"For {MARK}", "text": f"Dear {MARK}"}))[0] == 202
    assert (await api.call("POST", f"/api/v1/persons/{pid}/notes",
                           json={"text": f"{MARK} called"}))[0] == 201
    assert (await api.call("POST", "/api/v1/calls", json={
        "person_id": pid, "direction": "inbound", "duration_s": 30,
        "notes": f"{MARK} asked"}))[0] in (200, 201)
    status, received = await api.call(
        "POST", "/api/v1/inbound/email", data=io.BytesIO(inbound_mail()),
        headers={"Content-Type": "message/rfc822"})
    assert status == 202, received
    await api.store.channel_state.put(f"email-bounces:{ADDRESS}",
                                      {"events": ["e1"], "last_reason": f"550 {ADDRESS}"})
    await api.store.survey_responses.put(SurveyResponse(
        id=new_id(), key=f"s1:{pid}:campaign:c1", survey_id="s1", person_id=pid,
        channel="sms", score=3, comment=f"{MARK} was unhappy", event_id=new_id()))
    status, counts = await api.call("POST", "/api/v1/transactions", role="marketing", json=[{
        "person_id": pid, "amount": "12.50", "occurred_at": "2026-11-01T10:00:00Z",
        "external_id": f"INV-{MARK}-0001"}])
    assert status in (200, 201), counts
    status, held = await api.call(
        "POST", "/api/v1/inbound/email", data=io.BytesIO(quarantined_mail()),
        headers={"Content-Type": "message/rfc822"})
    assert status == 202 and held["kind"] == "quarantine", held
    database = tmp_path / "hub.db"
    assert holders(settings, database)  # the mark is really there before
    searches = (MARK, f"{MARK.lower()}@exa", MARK[:3] + MARK[4:])  # name, email, a typo
    for q in searches:
        _, found = await api.call("GET", "/api/v1/search", params={"q": q})
        assert pid in {item["id"] for item in found["items"]}, q

    status, _ = await api.call("DELETE", f"/api/v1/persons/{pid}")
    assert status == 200
    assert holders(settings, database) == []
    for q in searches:  # the search indexes forgot them too
        _, found = await api.call("GET", "/api/v1/search", params={"q": q})
        assert found["items"] == [], q
    assert search_terms_holding(database, MARK.lower()[:3]) == []
    # aiohttp's access log is the test server's (`hub serve` runs without it): it holds the
    # search queries above, which carry the mark by design
    logged = [f"{r.getMessage()} {vars(r)}" for r in caplog.records
              if r.name != "aiohttp.access"]
    assert not [line for line in logged if MARK.lower() in line.lower()]
    (transaction,) = await api.store.transactions.for_person(pid, limit=5)
    assert transaction.amount_minor == 1250  # revenue figures keep the amount
    assert await api.store.quarantine.find() == []


def search_terms_holding(database: Path, trigram: str) -> list[str]:
    """Terms of the trigram full-text index that hold `trigram` (its own view of what is
    indexed, which raw bytes cannot show: terms are stored prefix-compressed)."""
    with sqlite3.connect(database) as db:
        db.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search_fts, 'row')")
        return [term for (term,) in db.execute(
            "SELECT term FROM temp.terms WHERE term = ?", (trigram,))]
