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

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._stamp = ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:  # one strftime per second of lines, not one per line
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        parts = [f"ts={self._stamp}.{int(record.msecs):03d}Z",
                 f"level={record.levelname.lower()}", f"logger={_quote(record.name)}",
                 f"msg={_quote(record.getMessage())}"]
        parts += [f"{k}={_quote(v)}" for k, v in vars(record).items() if k not in RESERVED]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _quote(value: Any) -> str:
    if type(value) is int or type(value) is float:  # a status, a duration: never quoted
        return str(value)
    text = str(value)
    if text and _NEEDS_QUOTES.search(text) is None:  # a regex: a tenth of a generator's cost
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    # The line holds none of a record's caller, thread or process fields: not collecting
    # them saves a stack walk and three look-ups per record (the logging docs' advice).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # we log requests ourselves
    for driver in QUIET_DRIVERS:  # their DEBUG lines carry every query's parameters
        logging.getLogger(driver).setLevel(max(logging.INFO, root.level))
