"""The worker's signer gives the signature the `standardwebhooks` reference library gives,
and the library verifies its headers; a tampered body does not verify."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hub.services.webhooks import Signer, new_secret, signed_headers


def test_signatures_are_the_reference_librarys_and_verify() -> None:
    secret = new_secret()
    body = json.dumps({"type": "event.sms.inbound", "data": {"text": "Hoi, waar blijft het?"}},
                      ensure_ascii=False)
    now = int(time.time())
    headers = Signer(secret).headers("msg_1", now, body)
    at = datetime.fromtimestamp(now, UTC)
    assert headers["webhook-signature"] == Webhook(secret).sign("msg_1", at, body)
    assert headers == signed_headers(secret, "msg_1", at, body)
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("Hoi", "Hey"), headers)
    signer = Signer(secret)  # the pre-keyed MAC is copied, never consumed: signs again alike
    assert signer.headers("msg_2", now, body) == signer.headers("msg_2", now, body)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        Signer("whsec_")
