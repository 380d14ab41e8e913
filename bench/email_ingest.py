"""Inbound email: messages per second through the MTA-pipe path against the bare parser.

Builds a mix of plain, HTML and multipart mail (from a pool of senders, some replies), then
prints in one run:

  (a) messages/s through `EmailIngest.ingest` (the path `POST /api/v1/inbound/email`,
      `hub ingest-eml` and the IMAP poller share: parse, sanitise, resolve the sender, store
      the event) on a fresh SQLite store;
  (b) messages/s of the bare `email` parser (`BytesParser(policy=default)` and walking the
      parts) on the same bytes, and the ratio;
  (c) peak Python memory (tracemalloc) while ingesting one message with a 20 MB attachment,
      and that peak as a multiple of the raw message size.

    python bench/email_ingest.py                 # 2,000 messages
    python bench/email_ingest.py --messages 500 --big-mb 20
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_facts import print_run_facts

from channels.email.ingest import EmailIngest
from hub.config import load_settings
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
    started, cpu = time.perf_counter(), time.process_time()
    for raw in mails:
        mail = parser.parsebytes(raw)
        for part in mail.walk():
            if not part.is_multipart():
                part.get_payload(decode=True)
    return time.perf_counter() - started, time.process_time() - cpu


async def run(count: int, big_mb: int) -> None:
    mails = make_mix(count)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"HUB_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                                  "HUB_VAR_DIR": f"{folder}/var", "HUB_SECRET_KEY": "b" * 32,
                                  "HUB_LOG_LEVEL": "WARNING"}, dotenv=None)
        store = await create_store(settings)
        try:
            ingest = EmailIngest(assemble(store, settings, {}).services.inbox)
            started, cpu = time.perf_counter(), time.process_time()
            for raw in mails:
                result = await ingest.ingest(raw, source="mta")
                assert result.event is not None
            hub_s, hub_cpu = time.perf_counter() - started, time.process_time() - cpu
            big = big_mail(big_mb)
            tracemalloc.start()
            result = await ingest.ingest(big, source="mta")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert result.event is not None
        finally:
            await store.close()
    bare_runs = [bare_parse(mails) for _ in range(3)]
    bare_s = statistics.median(wall for wall, _ in bare_runs)
    bare_cpu = statistics.median(cpu for _, cpu in bare_runs)
    print(f"mix: {count} messages (plain with quote / HTML with script+pixel / "
          f"multipart with attachment), {sum(map(len, mails)) // count} bytes on average")
    print(f"hub MTA-pipe path (parse, sanitise, resolve, store): {count / hub_s:8.0f} msg/s")
    print(f"bare email parser on the same bytes (median of 3):  {count / bare_s:8.0f} msg/s")
    print(f"CPU per message (all threads): hub {hub_cpu / count * 1000:.2f} ms, "
          f"bare parse {bare_cpu / count * 1000:.2f} ms")
    print(f"ratio hub time / bare parse time: {hub_s / bare_s:.1f}x wall, "
          f"{hub_cpu / bare_cpu:.1f}x CPU of the process (all threads; what a busy machine "
          "does not distort) (goal <= 2x)")
    print(f"peak memory ingesting a {big_mb} MB attachment ({len(big) / 2**20:.1f} MB raw): "
          f"{peak / 2**20:.0f} MB ({peak / len(big):.1f}x the raw message; goal <= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--big-mb", type=int, default=20)
    args = parser.parse_args()
    print_run_facts()
    asyncio.run(run(args.messages, args.big_mb))


if __name__ == "__main__":
    main()
