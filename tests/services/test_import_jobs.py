"""Import jobs live in the store: another web process (another `ImportJobs` on the same store
and folder) shows a job's progress, counts and report; a job whose process stopped shows as
interrupted and resumes."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest

from hub.domain.common import utcnow
from hub.errors import InvalidInput, NotFound
from hub.ports import Store
from hub.services.contact_import import ContactImportService, ImportOptions
from hub.services.identities import IdentityService
from hub.services.import_jobs import JOB_KEY, ImportJob, ImportJobs
from hub.services.timeline import TimelineService

ROWS = "".join(f"P{i},p{i}@example.nl\n" for i in range(30))


def jobs_of(store: Store, tmp_path: Path) -> ImportJobs:
    """One web process's jobs (each process builds its own)."""
    identities = IdentityService(store, default_region="NL", secret_key="k" * 32)
    service = ContactImportService(store, identities, TimelineService(store),
                                   default_region="NL")
    return ImportJobs(service, tmp_path / "imports", store)


async def finished(jobs: ImportJobs, job_id: str) -> ImportJob:
    for _ in range(200):
        job = await jobs.get(job_id)
        if job.state != "running":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish")


async def test_another_process_sees_the_job_and_its_report(store: Store,
                                                           tmp_path: Path) -> None:
    one, other = jobs_of(store, tmp_path), jobs_of(store, tmp_path)
    upload = await one.keep_upload(io.BytesIO(("name,email\n" + ROWS).encode()),
                                   max_bytes=1 << 20)
    job = await one.start(upload, ImportOptions(name="shop"))
    seen = await other.get(job.id)  # stored at the start: the other process knows it at once
    assert seen.upload_id == upload and seen.options == ImportOptions(name="shop")
    await finished(one, job.id)
    done = await finished(other, job.id)
    assert done.to_json()["state"] == "done" and done.rows == 30
    assert done.report is not None and done.report.created == 30
    report = (await other.report_path(job.id)).read_text()
    assert report.count("created") == 30
    with pytest.raises(NotFound):
        await other.get("x" * 32)
    await one.close()


async def test_a_job_whose_process_stopped_is_interrupted_and_resumes(
        store: Store, tmp_path: Path) -> None:
    jobs = jobs_of(store, tmp_path)
    upload = await jobs.keep_upload(io.BytesIO(("name,email\n" + ROWS).encode()),
                                    max_bytes=1 << 20)
    first = await jobs.start(upload, ImportOptions(name="shop"))
    await finished(jobs, first.id)
    # what a process killed mid-run leaves behind: state running, the heartbeat long ago
    stopped = ImportJob(id="s" * 32, upload_id=upload, dry_run=False, total_bytes=100,
                        bytes_read=40, rows=12, options=ImportOptions(name="shop"))
    doc = stopped.to_state() | {"heartbeat": (utcnow() - timedelta(minutes=5)).isoformat()}
    await store.channel_state.put(JOB_KEY + stopped.id, doc)
    elsewhere = jobs_of(store, tmp_path)  # the restarted web process
    seen = await elsewhere.get(stopped.id)
    assert seen.state == "interrupted" and seen.to_json()["resumable"] is True
    resumed = await elsewhere.resume(stopped.id)
    done = await finished(elsewhere, resumed.id)
    assert done.report is not None and (done.report.created, done.report.unchanged) == (0, 30)
    with pytest.raises(InvalidInput):
        await elsewhere.resume(resumed.id)  # done: nothing to resume
    fresh = ImportJob(id="f" * 32, upload_id=upload, dry_run=False, total_bytes=1)
    await store.channel_state.put(JOB_KEY + fresh.id, fresh.to_state())
    assert (await elsewhere.get(fresh.id)).state == "running"  # a live heartbeat
    await jobs.close()
    await elsewhere.close()
