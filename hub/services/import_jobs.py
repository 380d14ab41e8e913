"""Contact imports run as background jobs for the staff page: an uploaded file kept under
`var/imports/`, a job per run (dry or real) with its progress, and the per-row report written
to a CSV file beside it as the rows go, so memory stays flat in the file size.

A job's state (progress, counts, status, where its report is) lives in the store (channel
state, `import-job:<id>`), written by the process that runs it at least every
HEARTBEAT_S seconds, so any web process can show it. A job whose state says `running` but
whose heartbeat stopped (its process was restarted or died) is shown as `interrupted`; a real
run is resumed by starting the same file again with the same options (`resume`): the import is
idempotent, so rows already stored come back `unchanged`. The upload and the report files are
under `var/imports/`, which the web processes of one installation share.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from hub.domain.common import utcnow
from hub.errors import HubError, InvalidInput, NotFound, PayloadTooLarge
from hub.i18n import N_
from hub.ports import Store
from hub.services.contact_import import ContactImportService, ImportOptions, ImportReport, RowResult
from hub.services.csv_stream import CsvStream

log = logging.getLogger("hub.imports")
CHUNK = 256 * 1024
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
REPORT_COLUMNS = ("line", "outcome", "person_id", "reason")
HEADER_PEEK = 64 * 1024
JOBS_KEPT = 50
JOB_KEY = "import-job:"
HEARTBEAT_S = 2.0
STALE_S = 30.0  # a running job's state older than this: its process is gone


@dataclass(slots=True)
class ImportJob:
    id: str
    upload_id: str
    dry_run: bool
    total_bytes: int
    bytes_read: int = 0
    rows: int = 0
    state: str = "running"  # running / done / failed / interrupted (read from a stale one)
    error: str | None = None
    report: ImportReport | None = None
    options: ImportOptions | None = None  # what the run was started with (the page shows it)
    started_at: str = field(default_factory=lambda: utcnow().isoformat())
    heartbeat: str = field(default_factory=lambda: utcnow().isoformat())

    def to_state(self) -> dict[str, Any]:
        """The stored form (channel state)."""
        report = self.report
        return {"id": self.id, "upload_id": self.upload_id, "dry_run": self.dry_run,
                "total_bytes": self.total_bytes, "bytes_read": self.bytes_read,
                "rows": self.rows, "state": self.state, "error": self.error,
                "report": {**asdict(report)} if report else None,
                "options": _options_doc(self.options) if self.options else None,
                "started_at": self.started_at, "heartbeat": utcnow().isoformat(),
                "report_file": f"{self.id}.report.csv"}

    @classmethod
    def from_state(cls, doc: dict[str, Any], now: datetime) -> ImportJob:
        job = cls(id=str(doc["id"]), upload_id=str(doc["upload_id"]),
                  dry_run=bool(doc["dry_run"]), total_bytes=int(doc["total_bytes"]),
                  bytes_read=int(doc["bytes_read"]), rows=int(doc["rows"]),
                  state=str(doc["state"]), error=doc.get("error"),
                  report=ImportReport(**doc["report"]) if doc.get("report") else None,
                  options=ImportOptions(**doc["options"]) if doc.get("options") else None,
                  started_at=str(doc["started_at"]), heartbeat=str(doc["heartbeat"]))
        beat = datetime.fromisoformat(job.heartbeat)
        if job.state == "running" and now - beat > timedelta(seconds=STALE_S):
            job.state = "interrupted"
            job.error = "the server restarted or stopped while the import ran"
        return job

    @property
    def progress(self) -> float:
        if self.state == "done":
            return 1.0
        return round(min(1.0, self.bytes_read / self.total_bytes), 4) if self.total_bytes \
            else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "upload_id": self.upload_id, "dry_run": self.dry_run,
                "resumable": self.state in ("interrupted", "failed") and not self.dry_run,
                "state": self.state, "progress": self.progress, "rows": self.rows,
                "error": self.error, "report": self.report.to_json() if self.report else None}


def _token() -> str:
    return secrets.token_urlsafe(24)


def _options_doc(options: ImportOptions) -> dict[str, Any]:
    doc = asdict(options)
    doc["columns"] = dict(options.columns)
    doc.pop("max_bytes", None)  # set per run from the file's size
    return doc


class ImportJobs:
    def __init__(self, service: ContactImportService, directory: Path, store: Store) -> None:
        self._service = service
        self._directory = directory
        self._store = store
        self._jobs: dict[str, ImportJob] = {}  # the ones this process runs
        self._tasks: set[asyncio.Task[None]] = set()

    def _path(self, token: str, suffix: str) -> Path:
        if not TOKEN.match(token):
            raise NotFound(N_("no such import"))
        return self._directory / f"{token}{suffix}"

    async def keep_upload(self, source: IO[bytes], *, max_bytes: int) -> str:
        """Copy an uploaded file (the page's) under var/imports/ as `keep_stream` does."""

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await asyncio.to_thread(source.read, CHUNK):
                yield chunk

        return await self.keep_stream(chunks(), max_bytes=max_bytes)

    async def keep_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> str:
        """Store a streamed body (the API's) under var/imports/ like an upload; its id.
        PayloadTooLarge past `max_bytes`, InvalidInput when empty; nothing kept then."""
        upload_id = _token()
        self._directory.mkdir(parents=True, exist_ok=True)
        target = self._path(upload_id, ".csv")
        written = 0
        try:
            with target.open("wb") as out:
                async for chunk in chunks:
                    written += len(chunk)
                    if written > max_bytes:
                        raise PayloadTooLarge(max_bytes)
                    await asyncio.to_thread(out.write, chunk)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if written == 0:
            target.unlink(missing_ok=True)
            raise InvalidInput(N_("the file is empty: expected a header row"))
        return upload_id

    def discard_upload(self, upload_id: str) -> None:
        """Remove an upload that will not be imported (its header was refused)."""
        self._path(upload_id, ".csv").unlink(missing_ok=True)

    def upload_size(self, upload_id: str) -> int:
        path = self._path(upload_id, ".csv")
        if not path.exists():
            raise NotFound(N_("no such upload"))
        return path.stat().st_size

    async def header(self, upload_id: str) -> tuple[list[str], list[str]]:
        """The upload's header row (as read: BOM, encoding, delimiter) and what was guessed."""
        path = self._path(upload_id, ".csv")
        if not path.exists():
            raise NotFound(N_("no such upload"))
        stream = CsvStream(max_bytes=HEADER_PEEK * 4)
        async for _, record in stream.records(_chunks(path, HEADER_PEEK)):
            if isinstance(record, str):
                raise InvalidInput(N_("the header row cannot be read: %(record)s"),
                                   params={"record": record})
            return [h.strip() for h in record], list(stream.warnings)
        raise InvalidInput(N_("the file is empty: expected a header row"))

    async def start(self, upload_id: str, options: ImportOptions) -> ImportJob:
        size = self.upload_size(upload_id)
        job = ImportJob(id=_token(), upload_id=upload_id, dry_run=options.dry_run,
                        total_bytes=size, options=options)
        await self._save(job)
        self._jobs[job.id] = job
        for old in list(self._jobs)[:-JOBS_KEPT]:
            if self._jobs[old].state != "running":
                del self._jobs[old]
        task = asyncio.create_task(self._run(job, replace(options, max_bytes=max(size, 1))))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def resume(self, job_id: str) -> ImportJob:
        """Run an interrupted or failed real import again, same file and options: what it
        stored comes back `unchanged`, the rest is imported."""
        job = await self.get(job_id)
        if job.dry_run or job.options is None or job.state not in ("interrupted", "failed"):
            raise InvalidInput(N_("only an interrupted or failed import can be resumed"))
        return await self.start(job.upload_id, job.options)

    async def get(self, job_id: str) -> ImportJob:
        """The job from this process, or from the store (another web process runs or ran
        it); NotFound when there is none."""
        if job_id in self._jobs:
            return self._jobs[job_id]
        if not TOKEN.match(job_id):
            raise NotFound(N_("no such import job"))
        doc = await self._store.channel_state.get(JOB_KEY + job_id)
        if doc is None:
            raise NotFound(N_("no such import job"))
        return ImportJob.from_state(doc, utcnow())

    async def report_path(self, job_id: str) -> Path:
        job = await self.get(job_id)
        path = self._path(job.id, ".report.csv")
        if job.state == "running" or not path.exists():
            raise NotFound(N_("the report is not ready"))
        return path

    async def _save(self, job: ImportJob) -> None:
        await self._store.channel_state.put(JOB_KEY + job.id, job.to_state())

    async def _heartbeat(self, job: ImportJob) -> None:
        """Progress into the store while the job runs (other web processes read it there)."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await self._save(job)
            except HubError as exc:  # the store is busy or away: the next beat tries again
                log.warning("import job state not saved", extra={"job": job.id,
                                                                 "error": exc.code})

    async def _run(self, job: ImportJob, options: ImportOptions) -> None:
        path = self._path(job.upload_id, ".csv")
        report_path = self._path(job.id, ".report.csv")
        handle = report_path.open("w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)

        async def on_row(result: RowResult) -> None:
            writer.writerow((result.line, result.outcome, result.person_id or "", result.reason))

        def progress(bytes_read: int, rows: int) -> None:
            job.bytes_read, job.rows = bytes_read, rows

        beating = asyncio.create_task(self._heartbeat(job))
        try:
            job.report = await self._service.run(_chunks(path, CHUNK), options, on_row=on_row,
                                                 progress=progress)
            job.rows = job.report.rows
            job.state = "done"
        except HubError as exc:
            job.state, job.error = "failed", exc.message
        except Exception:  # a bug: the page says so, the log has it
            log.exception("contact import job failed", extra={"job": job.id})
            job.state, job.error = "failed", "an internal error stopped the import"
        finally:
            handle.close()
            beating.cancel()
            await asyncio.gather(beating, return_exceptions=True)
        if job.state != "running":
            await self._save(job)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _chunks(path: Path, size: int) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk
            await asyncio.sleep(0)  # let the page's polls in between
