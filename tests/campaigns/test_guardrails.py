"""Deliverability guardrails: a campaign to a list where 10% of the addresses bounce hard
pauses itself (DSNs come back through the real inbound mail path while it sends), with the
reason on the campaign and a system event for staff; a spam complaint (ARF) opts the person
out and counts; the rules and the warm-up ramp on their own."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest

from campaigns.guardrails import (
    Feedback,
    Guardrails,
    judge,
    judge_rolling,
    keep_checkpoints,
    warmup_allowance,
)
from hub.config import Settings
from hub.domain.campaigns import Campaign
from hub.domain.common import utcnow
from tests.campaigns.conftest import campaign_settings, wait_for_status
from tests.channels.email.servers import SmtpSink, smtp_server
from tests.web.conftest import Api

__all__ = ["smtp_server"]  # a fixture
M = "marketing"
PEOPLE = 100


@pytest.fixture
def settings(tmp_path: Path, smtp_server: tuple[SmtpSink, int]) -> Settings:
    """Campaign mail goes to a real SMTP server (aiosmtpd), whose Message-IDs the DSNs
    quote."""
    return campaign_settings(tmp_path, HUB_GUARD_WINDOW="20", HUB_MARKETING_CAP="off",
                             HUB_QUIET_HOURS="off", HUB_QUIET_DAYS="off",
                             HUB_SMTP_URL=f"smtp://127.0.0.1:{smtp_server[1]}")


def dsn(address: str, message_id: str, n: int) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: news@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{n}@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: news@shop.example\r\nTo: {address}\r\nMessage-ID: <{message_id}>\r\n"
        "\r\n--B--\r\n").encode()


def arf(address: str, message_id: str) -> bytes:
    return (
        "From: feedbackloop@mailbox.example\r\nTo: fbl@shop.example\r\n"
        "Subject: FW: Spring sale\r\nMessage-ID: <arf-1@mailbox.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
        "--F\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: SomeFBL/1.0\r\nVersion: 1\r\n"
        f"Original-Rcpt-To: {address}\r\n\r\n"
        "--F\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: news@shop.example\r\nTo: {address}\r\nMessage-ID: <{message_id}>\r\n"
        "\r\n--F--\r\n").encode()


async def post_mail(api: Api, raw: bytes) -> tuple[int, object]:
    return await api.call("POST", "/api/v1/inbound/email", role="service",
                          data=io.BytesIO(raw), headers={"Content-Type": "message/rfc822"})


async def launch(api: Api, people: int, rate: int) -> str:
    for i in range(people):
        status, _ = await api.call("POST", "/api/v1/persons", json={
            "name": f"P{i}", "emails": [f"p{i}@{'gone' if i % 10 == 3 else 'ok'}.example"],
            "consent": {"email": "opted_in"}})
        assert status == 201
    _, mail = await api.call("POST", "/api/v1/templates", role=M, json={
        "name": "Sale", "channel": "email", "subject": "Spring sale", "body": "Hi"})
    status, campaign = await api.call("POST", "/api/v1/campaigns", role=M, json={
        "name": "Spring", "filter": {"field": "email", "op": "exists", "value": True},
        "channels": ["email"], "templates": {"email": mail["id"]}, "rate_per_minute": rate})
    assert status == 201, campaign
    assert (await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/launch", role=M))[0] \
        == 200
    return str(campaign["id"])


async def test_ten_percent_hard_bounces_pause_the_campaign(api: Api) -> None:
    campaign_id = await launch(api, PEOPLE, rate=1200)
    bounced: set[str] = set()

    async def mail_server_returns_dsns() -> None:
        """What the receiving side does: a DSN for each message to a dead mailbox."""
        while True:
            for event in await api.store.events.for_campaign(campaign_id, direction="outbound",
                                                             limit=1000):
                if event.to and "@gone." in event.to and event.external_id and \
                        event.id not in bounced:
                    bounced.add(event.id)
                    status, got = await post_mail(api, dsn(event.to, event.external_id,
                                                         len(bounced)))
                    assert status == 202 and got["kind"] == "event", got  # type: ignore[index]
            await asyncio.sleep(0.05)

    bouncer = asyncio.create_task(mail_server_returns_dsns())
    try:
        paused = await wait_for_status(api, campaign_id, "paused", within_s=30)
    finally:
        bouncer.cancel()
    guard = paused["paused_guard"]
    assert guard["kind"] == "hard_bounce" and guard["rate"] > 0.05 and guard["sent"] >= 20
    assert "hard bounce rate" in paused["paused_reason"]
    assert paused["stats"]["sent"] < PEOPLE and paused["stats"]["queued"] > 0
    [event] = await api.store.events.for_campaign(campaign_id, direction="internal", limit=5)
    assert event.channel == "system" and event.data["guardrail"]["kind"] == "hard_bounce"
    await asyncio.sleep(0.5)  # paused means paused: nothing more goes out
    _, later = await api.call("GET", f"/api/v1/campaigns/{campaign_id}", role=M)
    assert later["stats"]["sent"] == paused["stats"]["sent"]
    # staff looked at the list and resume: the guardrails count afresh from here
    status, resumed = await api.call("POST", f"/api/v1/campaigns/{campaign_id}/resume", role=M)
    assert status == 200 and resumed["paused_guard"] is None
    assert resumed["guard_baseline"]["hard_bounce"] >= guard["count"]


async def test_a_spam_complaint_opts_out_and_counts(api: Api) -> None:
    campaign_id = await launch(api, 3, rate=6000)
    await wait_for_status(api, campaign_id, "completed")
    [event, *_] = await api.store.events.for_campaign(campaign_id, direction="outbound",
                                                      limit=10)
    assert event.to and event.external_id and event.person_id
    status, result = await post_mail(api, arf(event.to, event.external_id))
    assert status == 202, result
    assert await api.store.events.count_campaign_flagged(campaign_id, "complaint") == 1
    status, person = await api.call("GET", f"/api/v1/persons/{event.person_id}")
    assert person["consent"]["email"]["status"] == "opted_out"
    assert person["consent"]["email"]["source"] == "complaint"
    _, campaign = await api.call("GET", f"/api/v1/campaigns/{campaign_id}", role=M)
    assert campaign["stats"]["opted_out"] == 1


def test_rules_wait_for_a_window_and_pause_past_a_limit() -> None:
    rules = Guardrails(hard_bounce_rate=0.05, complaint_rate=0.001, unsubscribe_rate=None,
                       window=100)
    assert judge(rules, Feedback(sent=99, hard_bounce=50)) is None  # too few to judge
    assert judge(rules, Feedback(sent=100, hard_bounce=5)) is None  # at the limit
    breach = judge(rules, Feedback(sent=100, hard_bounce=6))
    assert breach is not None and breach.kind == "hard_bounce" and breach.rate == 0.06
    complaint = judge(rules, Feedback(sent=1000, complaint=2))
    assert complaint is not None and complaint.kind == "complaint"
    assert judge(rules, Feedback(sent=1000, unsubscribe=900)) is None  # that rule is off
    fresh = Feedback(sent=150, hard_bounce=10).since({"sent": 100, "hard_bounce": 10})
    assert fresh == Feedback(sent=50) and judge(rules, fresh) is None


def test_warmup_ramp_is_a_daily_cumulative_cap() -> None:
    launched = utcnow() - timedelta(days=1, hours=2)
    campaign = Campaign(id="c", name="Warm", warmup=[100, 200, 400], launched_at=launched)
    now = utcnow()
    assert warmup_allowance(campaign, now, started=250) == 50  # day 1: 100 + 200
    assert warmup_allowance(campaign, now, started=400) == 0
    assert warmup_allowance(campaign, now + timedelta(days=2), started=400) is None
    assert warmup_allowance(Campaign(id="d", name="Cold"), now, started=0) is None


async def test_smtp_refusals_at_hand_over_count_as_hard_bounces(
        api: Api, smtp_server: tuple[SmtpSink, int]) -> None:
    """The relay refuses 10% of the addresses with a 5xx at RCPT (no DSN will ever come):
    the campaign pauses on the hard-bounce rate all the same."""
    sink, _ = smtp_server
    for i in range(PEOPLE):
        if i % 10 == 3:
            sink.refuse[f"p{i}@gone.example"] = "550 5.1.1 <user unknown>"
    campaign_id = await launch(api, PEOPLE, rate=1200)
    paused = await wait_for_status(api, campaign_id, "paused", within_s=30)
    guard = paused["paused_guard"]
    assert guard["kind"] == "hard_bounce" and guard["rate"] > 0.05 and guard["count"] >= 2
    assert paused["stats"]["queued"] > 0
    refused = [e for e in await api.store.events.for_campaign(
        campaign_id, direction="outbound", limit=1000) if "refused" in e.data.get("flags", [])]
    assert refused and all(e.to and "@gone." in e.to and e.status == "failed" for e in refused)


def test_the_window_rolls_over_the_last_sends() -> None:
    """Judged over the last `window` sends: a clean start does not hide a bad stretch later
    (counted since launch, 10 bounces in 300 sends would be 3.3%, under the limit)."""
    rules = Guardrails(hard_bounce_rate=0.05, complaint_rate=None, unsubscribe_rate=None,
                       window=100)
    checkpoints = [Feedback()]
    breaches = []
    for sent in range(10, 310, 10):  # the worker checks every 10 sends
        bounces = 0 if sent <= 200 else sent - 200 - (sent - 200) * 9 // 10
        now = Feedback(sent=sent, hard_bounce=bounces)
        breaches.append(judge_rolling(rules, now, checkpoints))
        checkpoints = keep_checkpoints(checkpoints, now, rules.window)
        assert len(checkpoints) <= 12  # bounded: one per step back to the window's start
    assert breaches[:9] == [None] * 9  # fewer than 100 sends: not judged yet
    assert all(b is None for b in breaches[9:25])  # the clean first 200 and a few bad ones
    last = breaches[-1]
    assert last is not None and last.sent == 100 and last.count == 10
    assert judge(rules, Feedback(sent=300, hard_bounce=10)) is None  # what cumulative says


def test_first_window_counts_from_the_resume() -> None:
    rules = Guardrails(hard_bounce_rate=0.05, window=100)
    resumed = Feedback(sent=500, hard_bounce=40)  # the figures that paused it
    assert judge_rolling(rules, Feedback(sent=599, hard_bounce=90), [resumed]) is None
    breach = judge_rolling(rules, Feedback(sent=600, hard_bounce=46), [resumed])
    assert breach is not None and (breach.sent, breach.count) == (100, 6)
