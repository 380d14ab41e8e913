"""Raw bytes (whole mails, attachments) on disk, addressed by their SHA-256.

Documents name blobs by key and never hold the bytes themselves: a raw mail can be bigger
than a MongoDB document may be (16 MB), and the same bytes stored twice take one file.

Layout: `root/ab/cd/<sha256 hex>`, `ab` and `cd` being the key's first two byte pairs, so no
folder grows past 65 536 entries. A blob is written to a temporary file in its folder,
flushed to disk and renamed into place (`os.replace`), so a reader sees the whole blob or
none. Folders are 0700 and files 0600 (`mkstemp`'s mode): mail is personal data. Keys are
checked (64 lower-case hex digits) before they become a path, so no key can name a file
outside the root. File I/O runs in a worker thread (`asyncio.to_thread`).

A disk that refuses a write (full, read-only, a file where a folder should be) is a temporary
failure: every OSError becomes `StoreUnavailable`, so the CLI exits 75 and the MTA retries,
and the web answers 503. `check()` proves the root can be written (for `/healthz`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from hub.errors import InvalidInput, NotFound, StoreUnavailable
from hub.files import make_private_dir

KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


def blob_key(data: bytes) -> str:
    """The key `put(data)` stores `data` under: its SHA-256, lower-case hex."""
    return hashlib.sha256(data).hexdigest()


class FileBlobStore:
    """A content-addressed store of immutable blobs under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file of `key`; InvalidInput when `key` is not a SHA-256 hex digest."""
        if not isinstance(key, str) or KEY_PATTERN.fullmatch(key) is None:
            raise InvalidInput("a blob key is 64 lower-case hex digits", details={"key": key})
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        """Store `data` (idempotent: the same bytes again write nothing); returns its key."""
        return await asyncio.to_thread(self.put_here, data)

    def put_here(self, data: bytes) -> str:
        """`put` on the calling thread, for a caller already off the event loop (inbound mail
        keeps its attachments in the thread that parsed them: no second hand-over)."""
        key = blob_key(data)
        path = self.path(key)
        try:
            self._write(path, data)
        except OSError as exc:
            raise _unavailable("write", exc) from exc
        return key

    async def get(self, key: str) -> bytes:
        """The bytes stored under `key`; NotFound when there are none."""
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise NotFound(f"no blob {key}", details={"key": key}) from exc
        except OSError as exc:
            raise _unavailable("read", exc) from exc

    async def delete(self, key: str) -> bool:
        """Remove the blob (erasure); False when there was none."""
        path = self.path(key)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise _unavailable("delete", exc) from exc
        return True

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def check(self) -> None:
        """StoreUnavailable unless a file can be created in the root (made if missing)."""
        try:
            await asyncio.to_thread(self._probe)
        except OSError as exc:
            raise _unavailable("write", exc) from exc

    def _probe(self) -> None:
        make_private_dir(self.root)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".probe")
        os.close(fd)
        os.unlink(name)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.is_file():
            return  # content-addressed: a file under this name already holds these bytes
        make_private_dir(path.parent)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        _sync_folder(path.parent)


def _unavailable(action: str, exc: OSError) -> StoreUnavailable:
    reason = exc.strerror or type(exc).__name__
    return StoreUnavailable(f"cannot {action} the blob store: {reason}",
                            details={"errno": exc.errno})


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
