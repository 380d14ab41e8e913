"""A blob store that cannot be written (disk full, read-only, a file where a folder should
be) is a temporary failure: the inbound route answers 503 (the MTA retries) and /healthz
says so."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.channels.email.conftest import MakeApi, post_mail

UNPARSEABLE = b"no headers here\r\n"  # quarantined: its raw bytes go to the blob store


async def test_inbound_mail_answers_503_when_blobs_cannot_be_written(
        make_api: MakeApi, tmp_path: Path) -> None:
    api = await make_api()
    (tmp_path / "var").mkdir(exist_ok=True)
    (tmp_path / "var" / "blobs").write_text("a file where the blob folder should be")
    status, body = await post_mail(api, UNPARSEABLE)
    assert status == 503, body
    assert body["error"]["code"] == "store_unavailable"
    status, listed = await api.call("GET", "/api/v1/quarantine")
    assert status == 200 and listed["items"] == []


async def test_healthz_reports_a_blob_store_that_cannot_be_written(
        make_api: MakeApi, tmp_path: Path) -> None:
    api = await make_api()
    healthy = await api.client.get("/healthz")
    assert healthy.status == 200 and (await healthy.json())["status"] == "ok"
    (tmp_path / "var").mkdir(exist_ok=True)
    blobs = tmp_path / "var" / "blobs"
    if blobs.is_dir():
        blobs.rename(tmp_path / "var" / "blobs-moved")
    blobs.write_text("a file where the blob folder should be")
    broken = await api.client.get("/healthz")
    assert broken.status == 503
    assert (await broken.json())["status"] == "unavailable"


async def test_a_blob_write_that_fails_mid_way_is_503(
        make_api: MakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mock (last resort): a disk that fills up while a blob is written cannot be made in a
    test, so flushing the file to disk raises ENOSPC, as a full disk does."""
    api = await make_api()

    def disk_full_mock(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("hub.store.blobs.os.fsync", disk_full_mock)
    status, body = await post_mail(api, UNPARSEABLE)
    assert status == 503, body
    assert "No space left" in body["error"]["message"]
    left = [p for p in (tmp_path / "var" / "blobs").rglob("*") if p.is_file()]
    assert left == []  # no half-written temporary file stays behind
