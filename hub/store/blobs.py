"""Raw bytes (whole mails, attachments) on disk, addressed by their SHA-256.

Documents name blobs by key and never hold the bytes themselves: a raw mail can be bigger
than a MongoDB document may be (16 MB), and the same bytes stored twice take one file.

Layout: `root/ab/<sha256 hex>`, `ab` being the key's first two hex digits: 256 folders, each made
once (and its entry fsynced in the root), so writing a blob makes no folder after the first
few hundred; at ten million blobs a folder holds some 40,000 entries, which ext4's and XFS's
hashed folders look up directly. Blobs written under the earlier two-level layout
(`root/ab/cd/<hex>`) are still found there: `get`, `exists` and `delete` look in both places,
and `put` of bytes held there writes nothing new.

A blob is written to a temporary file in its folder, flushed to disk and renamed into place
(`os.replace`), and the folder is fsynced, so a reader sees the whole blob or none and a
crash after `put` returns loses nothing. Folders are 0700 and files 0600 (`mkstemp`'s mode):
mail is personal data. Keys are checked (64 lower-case hex digits) before they become a path,
so no key can name a file outside the root. File I/O runs in a worker thread
(`asyncio.to_thread`).

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
        return self.root / key[:2] / key

    def _paths(self, key: str) -> tuple[Path, Path]:
        """Where `key` is written, then where the two-level layout wrote it."""
        path = self.path(key)
        return path, path.parent / key[2:4] / key

    async def put(self, data: bytes) -> str:
        """Store `data` (idempotent: the same bytes again write nothing); returns its key."""
        return await asyncio.to_thread(self.put_here, data)

    def put_here(self, data: bytes) -> str:
        """`put` on the calling thread, for a caller already off the event loop (inbound mail
        keeps its attachments in the thread that parsed them: no second hand-over)."""
        key = blob_key(data)
        path, earlier = self._paths(key)
        try:
            if not (path.is_file() or earlier.is_file()):  # content-addressed: already held
                _write(path, data)
        except OSError as exc:
            raise _unavailable("write", exc) from exc
        return key

    async def get(self, key: str) -> bytes:
        """The bytes stored under `key`; NotFound when there are none."""
        paths = self._paths(key)
        try:
            return await asyncio.to_thread(_read_first, paths)
        except FileNotFoundError as exc:
            raise NotFound(f"no blob {key}", details={"key": key}) from exc
        except OSError as exc:
            raise _unavailable("read", exc) from exc

    async def delete(self, key: str) -> bool:
        """Remove the blob (erasure), wherever a layout put it; False when there was none."""
        paths = self._paths(key)
        try:
            return await asyncio.to_thread(_unlink_all, paths)
        except OSError as exc:
            raise _unavailable("delete", exc) from exc

    async def exists(self, key: str) -> bool:
        paths = self._paths(key)
        return await asyncio.to_thread(_any_file, paths)

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


def _unavailable(action: str, exc: OSError) -> StoreUnavailable:
    reason = exc.strerror or type(exc).__name__
    return StoreUnavailable(f"cannot {action} the blob store: {reason}",
                            details={"errno": exc.errno})


def _write(path: Path, data: bytes) -> None:
    _make_folder(path.parent)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _sync_folder(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    """`data` written whole to the file `fd` (a write may take less than it is given),
    without a copy nor a buffered file object (whose set-up cost a sixth to a quarter of a
    small blob's write)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _make_folder(folder: Path) -> None:
    """`folder`, and the root above it, made (0700) when missing, each new folder's entry
    fsynced in its parent: a crash must not lose the folder of a blob `put` called durable."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    if not missing:
        return
    make_private_dir(missing[0])
    for created in reversed(missing):
        _sync_folder(created.parent)


def _read_first(paths: tuple[Path, ...]) -> bytes:
    """The first of `paths` that exists, read; FileNotFoundError when none does."""
    for path in paths[:-1]:
        with contextlib.suppress(FileNotFoundError):
            return path.read_bytes()
    return paths[-1].read_bytes()


def _any_file(paths: tuple[Path, ...]) -> bool:
    return any(path.is_file() for path in paths)


def _unlink_all(paths: tuple[Path, ...]) -> bool:
    removed = False
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed = True
    return removed


def _sync_folder(folder: Path) -> None:
    """Make a change to `folder`'s entries (a rename into it, a new folder in it) durable
    (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
