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


def test_each_line_has_its_own_time_to_the_millisecond() -> None:
    formatter = KeyValueFormatter()
    lines = []
    for created in (1_700_000_000.25, 1_700_000_000.5, 1_700_000_061.0):
        record = logging.getLogger("hub.http").makeRecord(
            "hub.http", logging.INFO, __file__, 1, "request", (), None, extra={"ms": 1.5})
        record.created, record.msecs = created, (created - int(created)) * 1000
        lines.append(formatter.format(record))
    assert [line.split(" ")[0] for line in lines] == [
        "ts=2023-11-14T22:13:20.250Z", "ts=2023-11-14T22:13:20.500Z",
        "ts=2023-11-14T22:14:21.000Z"]
    assert all(line.endswith(" ms=1.5") for line in lines)
