"""The log line: `key=value` fields, quoted only where a value would be misread."""

from __future__ import annotations

import logging

from hub.logs import KeyValueFormatter


def test_values_are_quoted_only_when_they_need_it() -> None:
    record = logging.getLogger("hub.http").makeRecord(
        "hub.http", logging.INFO, __file__, 1, "request", (), None,
        extra={"route": "/webhooks/twilio/sms", "status": 200, "empty": "",
               "reason": 'a "b"=c\nd', "client": "127.0.0.1"})
    line = KeyValueFormatter().format(record)
    assert " level=info logger=hub.http msg=request route=/webhooks/twilio/sms status=200 " \
        'empty="" reason="a \\"b\\"=c\\nd" client=127.0.0.1' in line
    assert "\n" not in line
