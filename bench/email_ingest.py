"""Inbound email: CPU a message through the MTA-pipe path against the bare parser, measured
side by side.

Builds a mix of plain, HTML and multipart mail (from a pool of senders, some replies) and
cuts it into chunks (`--chunk`, 100 messages). Each chunk is parsed bare, then ingested by
the hub, then parsed bare twice more, so the hub and its floor are measured at the same
moment and a change of load on the machine moves both; the chunk's floor is the median of
its three bare runs. The `re` module's cache is emptied before each run: the parser compiles a
pattern for each multipart boundary (some 0.15 ms), and in real traffic every boundary is new,
so no run may find those an earlier run of the same chunk compiled. Printed:

  (a) CPU a message (every thread of the process: the store's and the worker threads'
      included) through `EmailIngest.ingest` (the path `POST /api/v1/inbound/email`,
      `hub ingest-eml` and the IMAP poller share: parse, sanitise, resolve the sender,
      keep the attachments, store the event) on a fresh SQLite store, and messages/s;
  (b) the same for the bare `email` parser (`BytesParser(policy=default)` and decoding
      every leaf part) on the same bytes;
  (c) the ratio hub / bare over the run: the sum of the hub's CPU over the sum of the
      chunks' floors (the goal is <= 2x; steadier than the median of the chunks' ratios,
      printed with their range, as a chunk's cost varies with what the store does in it:
      the first chunks create the senders' persons, a WAL checkpoint falls in some);
  (d) the hub's CPU split: the read alone (`read_mail`: parse, sanitise, classify; no
      store), timed on each chunk after the hub's run; the attachments' blob writes (timed
      in the hub's run, on the worker thread's clock); the rest (`InboxService.record`:
      resolve the sender, store the event; the hand-overs to the threads);
  (e) peak Python memory (tracemalloc) while ingesting one message with a 20 MB attachment,
      and that peak as a multiple of the raw message size.

    python bench/email_ingest.py                 # 2,000 messages in chunks of 100
    python bench/email_ingest.py --messages 500 --big-mb 20
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_facts import print_run_facts

from channels.email.ingest import DEFAULT_ATTACHMENT_LIMIT, EmailIngest, read_mail
from hub.config import load_settings
from hub.services.inbox import InboxService
from hub.store import create_store
from hub.wiring import assemble


def make_mix(count: int, senders: int = 200) -> list[bytes]:
    mails: list[bytes] = []
    for n in range(count):
        mail = EmailMessage()
        mail["From"] = f"Klant {n % senders} <klant{n % senders}@example.com>"
        mail["To"] = "support@hub.example"
        mail["Subject"] = f"Vraag {n} over bestelling €{n}"
        mail["Message-ID"] = f"<bench-{n}@example.com>"
        mail["Date"] = "Mon, 2 Mar 2026 10:00:00 +0100"
        text = f"Hallo,\n\nIk heb een vraag over bestelling {n}.\n\nGroet,\nKlant\n"
        kind = n % 3
        if kind == 0:
            mail.set_content(text + "\nOn Mon, Hub wrote:\n> eerdere mail\n> tweede regel\n")
        elif kind == 1:
            mail.set_content(f"<html><body><p>{text}</p><img src='https://t.example/{n}.gif'>"
                             "<script>alert(1)</script></body></html>", subtype="html")
        else:
            mail.set_content(text)
            mail.add_alternative(f"<p>{text}</p>", subtype="html")
            mail.add_attachment(os.urandom(2048), maintype="application", subtype="pdf",
                                filename=f"factuur-{n}.pdf")
        mails.append(bytes(mail))
    return mails


def big_mail(megabytes: int) -> bytes:
    payload = base64.encodebytes(os.urandom(megabytes * 1024 * 1024))
    return (b"From: big@example.com\r\nTo: support@hub.example\r\nSubject: big\r\n"
            b"Message-ID: <big@example.com>\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            b'Content-Disposition: attachment; filename="big.bin"\r\n\r\n' + payload +
            b"\r\n--b--\r\n")


def bare_parse(mails: list[bytes]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process) to parse and decode every message."""
    parser = BytesParser(policy=policy.default)
    re.purge()
    started, cpu = time.perf_counter(), time.process_time()
    for raw in mails:
        mail = parser.parsebytes(raw)
        for part in mail.walk():
            if not part.is_multipart():
                part.get_payload(decode=True)
    return time.perf_counter() - started, time.process_time() - cpu


def read_only(mails: list[bytes]) -> float:
    """CPU seconds of the hub's read of every message (`read_mail`), nothing stored."""
    re.purge()
    cpu = time.process_time()
    for raw in mails:
        read_mail(raw, DEFAULT_ATTACHMENT_LIMIT)
    return time.process_time() - cpu


class BlobClock:
    """The CPU the hub's blob writes take (each in a worker thread, on that thread's clock):
    wraps `InboxService.keep_blob_here`."""

    def __init__(self, inbox: InboxService) -> None:
        self.cpu = 0.0
        self._keep = inbox.keep_blob_here
        inbox.keep_blob_here = self.keep  # type: ignore[method-assign]

    def keep(self, data: bytes) -> str:
        started = time.thread_time()
        try:
            return self._keep(data)
        finally:
            self.cpu += time.thread_time() - started


@dataclass
class Chunk:
    """One chunk's figures: the hub's wall and CPU, its floor's (median of three bare runs)
    and the read alone's CPU."""

    hub_s: float
    hub_cpu: float
    bare_s: float
    bare_cpu: float
    read_cpu: float


async def ingest_all(ingest: EmailIngest, mails: list[bytes]) -> tuple[float, float]:
    re.purge()
    started, cpu = time.perf_counter(), time.process_time()
    for raw in mails:
        result = await ingest.ingest(raw, source="mta")
        assert result.event is not None
    return time.perf_counter() - started, time.process_time() - cpu


async def side_by_side(ingest: EmailIngest, chunk: list[bytes]) -> Chunk:
    """Bare, hub, bare, bare on the same chunk, then the read alone."""
    bare_runs = [bare_parse(chunk)]
    hub_s, hub_cpu = await ingest_all(ingest, chunk)
    bare_runs += [bare_parse(chunk), bare_parse(chunk)]
    return Chunk(hub_s, hub_cpu, statistics.median(wall for wall, _ in bare_runs),
                 statistics.median(cpu for _, cpu in bare_runs), read_only(chunk))


async def run(count: int, chunk_size: int, big_mb: int) -> None:
    mails = make_mix(count)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                                  "HUB_VAR_DIR": f"{folder}/var", "HUB_SECRET_KEY": "b" * 32,
                                  "HUB_LOG_LEVEL": "WARNING"}, dotenv=None)
        store = await create_store(settings)
        try:
            inbox = assemble(store, settings, {}).services.inbox
            blobs = BlobClock(inbox)
            ingest = EmailIngest(inbox)
            chunks = [await side_by_side(ingest, mails[start:start + chunk_size])
                      for start in range(0, count, chunk_size)]
            blob_cpu = blobs.cpu
            big = big_mail(big_mb)
            tracemalloc.start()
            result = await ingest.ingest(big, source="mta")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert result.event is not None
        finally:
            await store.close()
    ratios = sorted(c.hub_cpu / c.bare_cpu for c in chunks)
    wall_ratio = statistics.median(c.hub_s / c.bare_s for c in chunks)
    hub_cpu, bare_cpu = sum(c.hub_cpu for c in chunks), sum(c.bare_cpu for c in chunks)
    read_cpu = sum(c.read_cpu for c in chunks)
    print(f"mix: {count} messages (plain with quote / HTML with script+pixel / "
          f"multipart with attachment), {sum(map(len, mails)) // count} bytes on average; "
          f"{len(chunks)} chunks of {chunk_size}, each: bare, hub, bare, bare")
    print(f"hub MTA-pipe path (parse, sanitise, resolve, store): "
          f"{count / sum(c.hub_s for c in chunks):8.0f} msg/s")
    print(f"bare email parser on the same bytes (median of 3):  "
          f"{count / sum(c.bare_s for c in chunks):8.0f} msg/s")
    print(f"CPU per message (all threads): hub {hub_cpu / count * 1000:.2f} ms, "
          f"bare parse {bare_cpu / count * 1000:.2f} ms; of the hub's, the read alone "
          f"(parse, sanitise, classify) {read_cpu / count * 1000:.2f} ms "
          f"({read_cpu / bare_cpu:.2f}x the bare parse), the attachments' blob writes "
          f"(fsynced, worker thread) {blob_cpu / count * 1000:.2f} ms, the rest (resolve, "
          f"store the event, hand-overs) {(hub_cpu - read_cpu - blob_cpu) / count * 1000:.2f} ms")
    print(f"ratio hub CPU / bare parse CPU: {hub_cpu / bare_cpu:.2f}x over the run (the chunks' "
          f"sums; goal <= 2x); per chunk {statistics.median(ratios):.2f}x median, "
          f"{ratios[0]:.2f}x-{ratios[-1]:.2f}x; wall {wall_ratio:.2f}x (median of the chunks)")
    print(f"peak memory ingesting a {big_mb} MB attachment ({len(big) / 2**20:.1f} MB raw): "
          f"{peak / 2**20:.0f} MB ({peak / len(big):.1f}x the raw message; goal <= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chunk", type=int, default=100,
                        help="messages measured side by side with their floor")
    parser.add_argument("--big-mb", type=int, default=20)
    args = parser.parse_args()
    print_run_facts()
    asyncio.run(run(args.messages, args.chunk, args.big_mb))


if __name__ == "__main__":
    main()
