"""Where an inbound webhook's CPU goes (`bench/webhooks.py --profile`).

The event loop's thread is sampled on the process's CPU clock (ITIMER_PROF, every 0.5 ms of
CPU). Each sample's Python stack is walked from the innermost frame out, and the first frame
that names a part decides (so pydantic inside the lookup counts as the lookup, aiosqlite's
queue inside it as the hand-over). A sample taken while the loop waits in `select` is CPU
another thread used (SQLite's), and is left out; the parts are scaled to the loop thread's
measured CPU per request, and the other threads' CPU is printed beside it. Sampling costs a
few per cent; the figures are for comparing parts, the bench's own run is the one to quote.
"""

from __future__ import annotations

import collections
import gc
import signal
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

# (part, frames it is recognised by: "dir/file.py:function" suffixes, or "dir/file.py:" for
# any function of that file); the innermost frame that matches one decides
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("load clients (the bench's own; the floor pays them too)",
     ("bench/webhooks.py:client", "aiohttp/client.py:", "aiohttp/client_reqrep.py:",
      "aiohttp/client_proto.py:", "aiohttp/connector.py:", "aiohttp/formdata.py:")),
    ("request log line", ("logging/__init__.py:", "hub/logs.py:", "middleware.py:request_log")),
    ("signature check (one HMAC)", ("sms/webhooks.py:signature_valid",
                                    "twilio/request_validator.py:")),
    ("form: read and parse the body", ("aiohttp/web_request.py:", "webhooks/twilio.py:",
                                       "sms/webhooks.py:", "sms/keywords.py:")),
    ("lookup: known MessageSid, sender and person", ("inbound_lookup.py:",
                                                     "sqlite_inbound.py:")),
    ("thread: the last message sent to them", ("inbox.py:_original",)),
    ("survey answer listener", ("surveys.py:on_inbound",)),
    ("trigger rules listener", ("triggers.py:", "rule_cache.py:")),
    ("conversation listener", ("conversations.py:", "conversation_context.py:",
                               "sqlite_conversation_context.py:", "sqlite_conversations.py:")),
    ("journey listener (wake waiting enrolments)", ("journeys/service.py:",
                                                     "sqlite_journeys.py:")),
    ("live changes listener", ("live_changes.py:",)),
    ("append: event and outbox rows", ("timeline.py:record", "webhook_emit.py:",
                                      "sqlite_events.py:", "sqlite_webhooks.py:")),
    ("inbox: build the event, listeners' loop", ("inbox.py:", "services/sms.py:",
                                                 "timeline.py:")),
    ("store hand-overs (aiosqlite queue, futures, lock)", ("aiosqlite/core.py:",
                                                           "sqlite_db.py:")),
    ("background work (outbox fan-out, workers)", ("hub/web/background.py:",
                                                   "services/webhooks.py:",
                                                   "webhook_poster.py:")),
    ("other middleware (locale, headers, errors)", ("web/locale.py:", "middleware.py:",
                                                    "web/errors.py:")),
    ("floor: its handler (form fields, the Event)", ("bench/webhooks.py:handler",
                                                     "bench/webhooks.py:person_of")),
    ("aiohttp server: HTTP parsing, routing, response", ("aiohttp/web_protocol.py:",
                                                         "aiohttp/web_app.py:",
                                                         "aiohttp/web_urldispatcher.py:",
                                                         "aiohttp/web_response.py:",
                                                         "aiohttp/http_parser.py:",
                                                         "aiohttp/http_writer.py:",
                                                         "aiohttp/web_middlewares.py:")),
)
OTHER = "event loop: callbacks, sockets, tasks"


def _matches(where: str, mark: str) -> bool:
    """`dir/file.py:` any function of that file; `dir/file.py:function` that one."""
    return mark in where if mark.endswith(":") else where.endswith(mark)


def _part(frame: FrameType | None) -> str:
    while frame is not None:
        where = f"{frame.f_code.co_filename}:{frame.f_code.co_name}"
        for part, marks in PARTS:
            if any(_matches(where, mark) for mark in marks):
                return part
        frame = frame.f_back
    return OTHER


class LoopSampler:
    def __init__(self) -> None:
        self.parts: collections.Counter[str] = collections.Counter()
        self.waiting = 0
        self.collections = 0
        self.collecting_s = 0.0
        self._collecting = 0.0

    def _sample(self, signum: int, frame: FrameType | None) -> None:
        if frame is not None and frame.f_code.co_name in ("select", "poll") and (
                "selectors" in frame.f_code.co_filename):
            self.waiting += 1
            return
        self.parts[_part(frame)] += 1

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, 0.0005, 0.0005)
        gc.callbacks.append(self._collection)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        gc.callbacks.remove(self._collection)

    def _collection(self, phase: str, info: dict[str, Any]) -> None:
        """The garbage collector's runs and their time (within the parts above too)."""
        if phase == "start":
            self._collecting = time.thread_time()
        else:
            self.collections += 1
            self.collecting_s += time.thread_time() - self._collecting


@dataclass(frozen=True, slots=True)
class Profile:
    """CPU per request (ms): the event loop thread's by part, the other threads' in one."""

    cpu_ms: float
    loop_ms: float
    parts: dict[str, float]
    collector_ms: float
    collections: int

    @property
    def other_threads_ms(self) -> float:
        return self.cpu_ms - self.loop_ms

    @classmethod
    def of(cls, sampler: LoopSampler, *, requests: int, cpu_s: float, loop_cpu_s: float
           ) -> Profile:
        busy = sum(sampler.parts.values())
        loop_ms = loop_cpu_s * 1000 / requests
        scale = loop_ms / busy if busy else 0.0
        return cls(cpu_s * 1000 / requests, loop_ms,
                   {part: count * scale for part, count in sampler.parts.most_common()},
                   sampler.collecting_s * 1000 / requests, sampler.collections)


def side_by_side(hub: Profile, bare: Profile) -> None:
    print("profile, CPU ms per request (sampling included)       hub   floor  hub-floor")
    rows = [("all threads", hub.cpu_ms, bare.cpu_ms),
            ("SQLite's and other threads", hub.other_threads_ms, bare.other_threads_ms),
            ("event loop thread", hub.loop_ms, bare.loop_ms)]
    rows += [(f"  {part}", ms, bare.parts.get(part, 0.0)) for part, ms in hub.parts.items()]
    rows += [(f"  {part}", 0.0, ms) for part, ms in bare.parts.items() if part not in hub.parts]
    for name, mine, floor in rows:
        print(f"  {name[:50]:<50} {mine:6.3f} {floor:6.3f} {mine - floor:+7.3f}")
    print(f"  of which the garbage collector: hub {hub.collector_ms:.3f} ms "
          f"({hub.collections} collections), floor {bare.collector_ms:.3f} ms "
          f"({bare.collections}); `--gc default` to compare")
