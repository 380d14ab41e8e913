"""Structured logging: one `key=value` line per record, no secrets, no message bodies at INFO."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

QUIET_DRIVERS = ("aiosqlite", "pymongo")
"""Database drivers whose DEBUG records hold query parameters (personal data): never below
INFO, whatever HUB_LOG_LEVEL says."""
_NEEDS_QUOTES = re.compile(r'[ "=\n]')
RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… logger=… msg="…" key=value …` with extras given via `extra={...}`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        fields: dict[str, Any] = {"ts": f"{ts}.{int(record.msecs):03d}Z",
                                  "level": record.levelname.lower(), "logger": record.name,
                                  "msg": record.getMessage()}
        fields.update({k: v for k, v in vars(record).items() if k not in RESERVED})
        line = " ".join(f"{k}={_quote(v)}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _quote(value: Any) -> str:
    text = str(value)
    if text and _NEEDS_QUOTES.search(text) is None:  # a regex: a tenth of a generator's cost
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # we log requests ourselves
    for driver in QUIET_DRIVERS:  # their DEBUG lines carry every query's parameters
        logging.getLogger(driver).setLevel(max(logging.INFO, root.level))
