"""The outbound path's rules, as a table: who may be sent what on which channel, for a service
reply and for marketing; and what `prepare` puts on the event and the adapter's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.config import load_settings
from hub.domain.common import utcnow
from hub.domain.consent import ConsentState
from hub.domain.parties import Person
from hub.services.outbound import Content, Extras, OutboundPath, Purpose, why_not
from hub.services.reply_tokens import ReplyTokens
from hub.wiring import build_adapters

ANNA = "anna@example.com"
PHONE = "+31612345678"


def person(**fields: Any) -> Person:
    return Person(id="p1", name="Anna", **{"emails": [ANNA], "phones": [PHONE], **fields})


def consent(**statuses: str) -> dict[str, ConsentState]:
    return {channel: ConsentState(status=status) for channel, status in statuses.items()}  # type: ignore[arg-type]


CASES: list[tuple[str, dict[str, Any], str, Purpose, bool, str | None]] = [
    ("reachable, service", {}, "email", "service", False, None),
    ("reachable, marketing", {}, "sms", "marketing", False, None),
    ("no email address", {"emails": []}, "email", "service", False, "no email address"),
    ("no phone number", {"phones": []}, "sms", "marketing", False, "no phone number"),
    ("erased", {"erased_at": utcnow()}, "email", "service", False, "erased or merged"),
    ("merged", {"merged_into": "p2"}, "sms", "marketing", False, "erased or merged"),
    ("bounced address, service", {"attributes": {"email_undeliverable": ANNA}}, "email",
     "service", False, "undeliverable"),
    ("bounced address, marketing", {"attributes": {"email_undeliverable": ANNA}}, "email",
     "marketing", False, "undeliverable"),
    ("an older address bounced", {"attributes": {"email_undeliverable": "old@example.com"}},
     "email", "marketing", False, None),
    ("email opt-out, service reply", {"consent": consent(email="opted_out")}, "email",
     "service", False, None),
    ("email opt-out, marketing", {"consent": consent(email="opted_out")}, "email",
     "marketing", False, "opted out of email"),
    ("SMS STOP blocks a service reply too", {"consent": consent(sms="opted_out")}, "sms",
     "service", False, "opted out of SMS"),
    ("no opt-in, campaign requires one", {}, "email", "marketing", True, "no opt-in for email"),
    ("opted in, campaign requires one", {"consent": consent(sms="opted_in")}, "sms",
     "marketing", True, None),
    ("opt-in requirement is marketing's only", {}, "email", "service", True, None),
    ("a channel nothing is sent on", {}, "call", "service", False, "nothing can be sent"),
]


@pytest.mark.parametrize(("fields", "channel", "purpose", "require_opt_in", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_who_may_be_sent_what(fields: dict[str, Any], channel: str, purpose: Purpose,
                              require_opt_in: bool, expected: str | None) -> None:
    why = why_not(person(**fields), channel, purpose, require_opt_in=require_opt_in)
    if expected is None:
        assert why is None
    else:
        assert why is not None and expected in why


@pytest.fixture
def path(tmp_path: Path) -> OutboundPath:
    settings = load_settings({"HUB_VAR_DIR": str(tmp_path)}, dotenv=None)
    return OutboundPath(None, build_adapters(settings),  # type: ignore[arg-type]
                        ReplyTokens("k" * 32), senders={"email": "hub@shop.example"},
                        status_callback_url="https://hub.example/webhooks/twilio/status")


def test_prepare_gives_email_a_reply_token_and_keeps_its_subject_and_html(
        path: OutboundPath) -> None:
    prepared = path.prepare(person(household_id="h1"), "email",
                            Content(text="Hi", subject="News", html="<p>Hi</p>"),
                            Extras(campaign_id="c1", headers={"List-Unsubscribe": "<x>"}))
    event, message = prepared.event, prepared.message
    assert (event.to, event.subject, event.data["html"]) == (ANNA, "News", "<p>Hi</p>")
    assert event.household_id == "h1" and event.campaign_id == "c1"
    assert event.status == "queued" and event.from_ == "hub@shop.example"
    assert message.reply_token and ReplyTokens("k" * 32).event_id(message.reply_token) == event.id
    assert message.status_callback is None and message.headers == {"List-Unsubscribe": "<x>"}


def test_prepare_drops_what_an_sms_cannot_carry_and_asks_for_status_reports(
        path: OutboundPath) -> None:
    prepared = path.prepare(person(), "sms", Content(text="Hi", subject="News", html="<b>"))
    assert prepared.event.subject is None and "html" not in prepared.event.data
    assert prepared.message.to == PHONE and prepared.message.reply_token is None
    assert prepared.message.status_callback == "https://hub.example/webhooks/twilio/status"
