"""Files and folders the hub writes (database, outbox, blobs, secret key) are its own user's
only: folders 0700, files 0600. The CLI narrows the umask at start (`private_umask`), so
whatever a library creates is covered; the helpers here set the modes explicitly as well, for
processes started another way (tests, an embedding app)."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_umask() -> None:
    """New files 0600 and folders 0700 in this process, whoever creates them."""
    os.umask(0o077)


def make_private_dir(path: Path) -> None:
    """`mkdir -p` where every folder it creates is 0700; existing ones are left as they are.
    OSError when a parent is a file or cannot be written (callers map it)."""
    missing: list[Path] = []
    folder = Path(path)
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not created.is_dir():
                raise
            continue
        os.chmod(created, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists (then it is left untouched), so
    whoever opens it next (SQLite) does not create it world-readable."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` (created 0600, or truncated)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
