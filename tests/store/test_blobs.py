"""hub.store.blobs.FileBlobStore: content-addressed raw bytes on disk."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest

from hub.errors import InvalidInput, NotFound
from hub.store import blobs as blobs_module
from hub.store.blobs import FileBlobStore, blob_key

RAW_MAIL = b"From: anna@example.org\r\nSubject: hi\r\n\r\nHello\r\n"


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_put_returns_the_sha256_and_get_gives_the_bytes(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    key = await blobs.put(RAW_MAIL)
    assert key == hashlib.sha256(RAW_MAIL).hexdigest() == blob_key(RAW_MAIL)
    assert await blobs.get(key) == RAW_MAIL
    assert await blobs.exists(key) is True


async def test_layout_is_one_level_of_prefix_folders(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    key = await FileBlobStore(root).put(RAW_MAIL)
    assert files_under(root) == [root / key[:2] / key]


def write_in_two_level_layout(root: Path, data: bytes) -> Path:
    """A blob as the store wrote it before the one-level layout: `root/ab/cd/<hex>`."""
    key = blob_key(data)
    path = root / key[:2] / key[2:4] / key
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path


async def test_a_blob_in_the_two_level_layout_is_still_read(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    earlier = write_in_two_level_layout(root, RAW_MAIL)
    blobs = FileBlobStore(root)
    key = blob_key(RAW_MAIL)
    assert await blobs.exists(key) is True
    assert await blobs.get(key) == RAW_MAIL
    assert await blobs.put(RAW_MAIL) == key  # already held: nothing written again
    assert files_under(root) == [earlier]
    assert await blobs.delete(key) is True
    assert files_under(root) == []
    assert await blobs.exists(key) is False
    with pytest.raises(NotFound):
        await blobs.get(key)
    assert await blobs.delete(key) is False


async def test_a_new_folder_is_made_durable_in_its_parent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spy (a crash cannot be staged in a test): the folders whose entries were fsynced. A
    blob in a new folder syncs the root (the new folder's entry) and the folder (the blob's);
    a second blob in that folder syncs the folder only."""
    synced: list[Path] = []
    real = blobs_module._sync_folder
    monkeypatch.setattr(blobs_module, "_sync_folder",
                        lambda folder: (synced.append(folder), real(folder))[1])
    root = tmp_path / "blobs"
    root.mkdir()
    blobs = FileBlobStore(root)
    first = await blobs.put(b"one")
    assert synced == [root, root / first[:2]]
    second = next(data for data in (b"%d" % n for n in range(100_000))
                  if blob_key(data)[:2] == first[:2] and data != b"one")
    synced.clear()
    await blobs.put(second)
    assert synced == [root / first[:2]]


async def test_put_is_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    blobs = FileBlobStore(root)
    first = await blobs.put(RAW_MAIL)
    path = blobs.path(first)
    mtime = path.stat().st_mtime_ns
    assert await blobs.put(RAW_MAIL) == first
    assert path.stat().st_mtime_ns == mtime
    assert files_under(root) == [path]


async def test_concurrent_puts_of_the_same_bytes_leave_one_file(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    blobs = FileBlobStore(root)
    keys = await asyncio.gather(*(blobs.put(RAW_MAIL) for _ in range(20)))
    assert set(keys) == {blob_key(RAW_MAIL)}
    assert files_under(root) == [blobs.path(keys[0])]  # no temporary files left behind
    assert await blobs.get(keys[0]) == RAW_MAIL


async def test_different_bytes_get_different_keys(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path)
    a, b = await blobs.put(b"a"), await blobs.put(b"b")
    assert a != b
    assert (await blobs.get(a), await blobs.get(b)) == (b"a", b"b")


async def test_empty_and_big_blobs_round_trip(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path)
    big = os.urandom(17 * 1024 * 1024)  # bigger than a MongoDB document may be
    for data in (b"", big):
        key = await blobs.put(data)
        assert await blobs.get(key) == data


async def test_a_write_that_takes_part_of_the_bytes_still_stores_them_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mock (last resort): a short write (a pipe, a signal, a near-full disk) cannot be
    staged on a local disk, so each write takes at most 1,000 bytes, as one may."""
    real_write = os.write
    monkeypatch.setattr(blobs_module.os, "write",
                        lambda fd, data: real_write(fd, bytes(data[:1000])))
    blobs = FileBlobStore(tmp_path)
    data = os.urandom(10_500)
    key = await blobs.put(data)
    monkeypatch.undo()
    assert await blobs.get(key) == data


async def test_missing_blob_raises_not_found(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "never-created")
    key = blob_key(b"nothing stored")
    assert await blobs.exists(key) is False
    with pytest.raises(NotFound):
        await blobs.get(key)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "abc",
        "../" + "a" * 61,
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "/" + "a" * 63,
        "a" * 62 + "/.",
        "a" * 64 + "\n",
    ],
)
async def test_malformed_keys_are_refused(tmp_path: Path, key: str) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(InvalidInput):
        await blobs.get(key)
    with pytest.raises(InvalidInput):
        await blobs.exists(key)
    with pytest.raises(InvalidInput):
        blobs.path(key)
