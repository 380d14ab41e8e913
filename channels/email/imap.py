"""The IMAP poller: imap-tools (blocking) in worker threads, so the event loop never blocks.

Exactly once: messages are read in UID order with `BODY.PEEK[]` (nothing is marked on read);
each is stored (event or quarantine) before it is flagged `\\Seen` and before the stored last
UID moves past it. Restarted, the poller resumes from the stored (UIDVALIDITY, last UID); a
message that was stored but not yet counted is recognised by its Message-ID (or raw hash) and
not stored again. The last UID is saved with the next message's state write (the one before
storing it) and once at the end of a batch, not once more a message: a crash in between reads
the messages since the saved UID again, with that same dedupe. When UIDVALIDITY changes, the
whole mailbox is read again with that same dedupe, so nothing is duplicated and nothing new
is skipped. Quarantined messages are kept by raw hash in the state, and an id is reserved
before quarantining, so a crash in between does not quarantine one message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import imaplib
import logging
from datetime import timedelta
from typing import Any

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from channels.email.config import ServerConfig
from channels.email.ingest import EmailIngest
from hub.domain.common import new_id, utcnow
from hub.errors import Transient
from hub.ports import Store

log = logging.getLogger("hub.email.imap")
BATCH = 100
TIMEOUT_S = 30.0
MAX_QUARANTINED_REMEMBERED = 1000
STATUS_KEY = "status:imap"
"""channel_state key of the poller's last success and last error (the channel status page)."""


class ImapPoller:
    def __init__(self, server: ServerConfig, ingest: EmailIngest, store: Store, *,
                 poll_seconds: float = 60.0, batch: int = BATCH) -> None:
        self._server = server
        self._ingest = ingest
        self._store = store
        self._interval = poll_seconds
        self._batch = batch
        self._box: BaseMailBox | None = None
        self.key = f"imap:{server.username}@{server.host}:{server.port}/{server.mailbox}"
        self.source = f"imap:{server.mailbox}"[:200]

    # --- blocking parts, run in a worker thread --------------------------------------------

    def _connect(self) -> BaseMailBox:
        server = self._server
        box: BaseMailBox
        if server.implicit_tls:
            box = MailBox(server.host, server.port, timeout=TIMEOUT_S)
        elif server.starttls:
            box = MailBoxStartTls(server.host, server.port, timeout=TIMEOUT_S)
        else:
            box = MailBoxUnencrypted(server.host, server.port, timeout=TIMEOUT_S)
        box.login(server.username or "", server.password or "", initial_folder=server.mailbox)
        return box

    def _new_uids(self, last_uid: int) -> tuple[int, list[int]]:
        box = self._box_or_connect()
        status = box.folder.status(self._server.mailbox, ["UIDVALIDITY", "UIDNEXT"])
        box.client.noop()  # lets the server report new mail to this session
        typ, data = box.client.uid("SEARCH", f"UID {last_uid + 1}:*")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"UID SEARCH failed: {data!r}")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)
        return int(status["UIDVALIDITY"]), uids

    def _fetch(self, uid: int) -> bytes | None:
        box = self._box_or_connect()
        typ, data = box.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"UID FETCH {uid} failed")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # expunged meanwhile

    def _mark_seen(self, uid: int) -> None:
        self._box_or_connect().client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")

    def _box_or_connect(self) -> BaseMailBox:
        if self._box is None:
            self._box = self._connect()
        return self._box

    def _disconnect(self) -> None:
        box, self._box = self._box, None
        if box is not None:
            try:
                box.logout()
            except Exception:  # the connection is already gone: close our end of it
                log.debug("IMAP logout failed", exc_info=True)
                with contextlib.suppress(Exception):
                    box.client.shutdown()

    # --- the loop ------------------------------------------------------------------------

    async def poll_once(self) -> int:
        """Read and store every new message; returns how many were handled this round.

        Raises Transient when the server or the store cannot be reached."""
        try:
            return await self._poll()
        except Transient:
            await asyncio.to_thread(self._disconnect)
            raise
        except Exception as exc:  # imaplib, socket and imap-tools errors alike
            await asyncio.to_thread(self._disconnect)
            raise Transient(f"IMAP {self._server.host}: {type(exc).__name__}: {exc}") from exc

    async def _poll(self) -> int:
        state: dict[str, Any] = await self._store.channel_state.get(self.key) or {}
        await self._settle_pending(state)
        last_uid = int(state.get("last_uid", 0))
        uidvalidity, uids = await asyncio.to_thread(self._new_uids, last_uid)
        if state.get("uidvalidity") != uidvalidity:
            if "uidvalidity" in state:
                log.warning("UIDVALIDITY changed: reading the mailbox again",
                            extra={"mailbox": self.key})
                uidvalidity, uids = await asyncio.to_thread(self._new_uids, 0)
            state.update(uidvalidity=uidvalidity, last_uid=0)
            await self._store.channel_state.put(self.key, state)
        handled = 0
        for uid in uids[: self._batch]:
            raw = await asyncio.to_thread(self._fetch, uid)
            if raw is not None:
                await self._store_one(state, uid, raw)  # its state write saves the UID before
                await asyncio.to_thread(self._mark_seen, uid)
            state["last_uid"] = uid
            handled += 1
        if handled:
            await self._store.channel_state.put(self.key, state)
        return handled

    async def _store_one(self, state: dict[str, Any], uid: int, raw: bytes) -> None:
        digest = hashlib.sha256(raw).hexdigest()
        quarantined: dict[str, str] = state.setdefault("quarantined", {})
        if digest in quarantined:
            return  # held already (a re-read after a crash or a UIDVALIDITY change)
        state["pending"] = {"uid": uid, "sha256": digest, "quarantine_id": new_id()}
        await self._store.channel_state.put(self.key, state)
        result = await self._ingest.ingest(raw, source=self.source,
                                           quarantine_id=state["pending"]["quarantine_id"])
        if result.quarantine is not None:
            self._remember(state, digest, result.quarantine.id)
        state.pop("pending", None)

    async def _settle_pending(self, state: dict[str, Any]) -> None:
        """After a crash between quarantining a message and saving the state."""
        pending = state.pop("pending", None)
        if pending and await self._store.quarantine.get(pending["quarantine_id"]) is not None:
            self._remember(state, pending["sha256"], pending["quarantine_id"])

    @staticmethod
    def _remember(state: dict[str, Any], digest: str, entry_id: str) -> None:
        quarantined: dict[str, str] = state.setdefault("quarantined", {})
        quarantined[digest] = entry_id
        while len(quarantined) > MAX_QUARANTINED_REMEMBERED:
            quarantined.pop(next(iter(quarantined)))

    async def run(self) -> None:
        """Poll until cancelled; one worker per mailbox at a time (a lease in the store)."""
        while True:
            now = utcnow()
            lease_until = now + timedelta(seconds=max(self._interval * 0.9, 0.05))
            try:
                if await self._store.throttle.try_acquire(f"lease:{self.key}", lease_until, now):
                    while await self.poll_once() >= self._batch:
                        pass  # a full batch: more may be waiting
                    await self.note_status(error=None)
            except Transient as exc:
                log.warning("IMAP poll failed; retrying next round: %s", exc.message)
                await self.note_status(error=exc.message)
            except Exception as exc:  # never let the poller die; the next round tries again
                log.exception("IMAP poll crashed; retrying next round")
                await self.note_status(error=f"{type(exc).__name__}")
            await asyncio.sleep(self._interval)

    async def note_status(self, *, error: str | None) -> None:
        """Record this round's outcome under STATUS_KEY: the time of the last success, or of
        the last error with its message (never the password: errors name host and type)."""
        with contextlib.suppress(Exception):  # the status is a courtesy; polling goes on
            state = await self._store.channel_state.get(STATUS_KEY) or {}
            now = utcnow().isoformat().replace("+00:00", "Z")
            state["mailbox"] = self.source
            if error is None:
                state["last_success_at"] = now
            else:
                state.update(last_error_at=now, last_error=error[:300])
            await self._store.channel_state.put(STATUS_KEY, state)

    async def close(self) -> None:
        await asyncio.to_thread(self._disconnect)
