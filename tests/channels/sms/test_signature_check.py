"""Our signature check (one HMAC for a genuine request) accepts and refuses exactly what the
Twilio SDK's own `RequestValidator.validate` does (which always computes two)."""

from __future__ import annotations

import itertools

import pytest
from multidict import MultiDict
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator

from channels.sms.webhooks import SIGNATURE_HEADER, signature_valid

TOKEN = "auth-token-0123456789abcdef"
FORM = MultiDict([("MessageSid", "SM" + "a" * 32), ("From", "+31612345678"),
                  ("Body", "Hallo"), ("Body", "twice")])
URLS = ("https://hub.example.nl/webhooks/twilio/sms",
        "https://hub.example.nl:443/webhooks/twilio/sms",
        "http://127.0.0.1:8080/webhooks/twilio/sms?x=1",
        "http://hub.example.nl/webhooks/twilio/sms")
SIGNED_OVER = (*URLS, "https://hub.example.nl:8443/webhooks/twilio/sms")
SETTINGS = (None, "algorithm=HMAC_SHA256", "algorithm=HMAC_MD5")


@pytest.mark.parametrize(("url", "signed_over", "settings"),
                         list(itertools.product(URLS, SIGNED_OVER, SETTINGS)))
def test_the_same_verdict_as_the_sdk(url: str, signed_over: str, settings: str | None) -> None:
    algorithm = "HMAC_SHA256" if settings == "algorithm=HMAC_SHA256" else None
    signature = RequestValidator(TOKEN).compute_signature(signed_over, FORM, algorithm)
    headers = {SIGNATURE_HEADER: signature}
    if settings:
        headers[SIGNATURE_SETTINGS_HEADER] = settings
    sdk = RequestValidator(TOKEN).validate(
        url, FORM, signature, "HMAC_MD5" if settings == "algorithm=HMAC_MD5" else algorithm)
    assert signature_valid(TOKEN, url, FORM, headers) == sdk


def test_the_url_as_configured_is_accepted_and_another_token_is_not() -> None:
    url = URLS[2]
    signature = RequestValidator(TOKEN).compute_signature(url, FORM)
    assert signature_valid(TOKEN, url, FORM, {SIGNATURE_HEADER: signature})
    assert not signature_valid("another-token", url, FORM, {SIGNATURE_HEADER: signature})
    assert not signature_valid(TOKEN, url, FORM, {SIGNATURE_HEADER: "bogus∑signature"})
    assert not signature_valid(TOKEN, url, FORM, {})
    assert not signature_valid(None, url, FORM, {SIGNATURE_HEADER: signature})
