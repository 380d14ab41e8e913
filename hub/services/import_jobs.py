"""Contact imports run as background jobs for the staff page: an uploaded file kept under
`var/imports/`, a job per run (dry or real) with its progress, and the per-row report written
to a CSV file beside it as the rows go, so memory stays flat in the file size.

Jobs live in this process (the web process that took the upload); their reports stay on disk.
A real run of a file whose import stopped (a crash, a restart) is simply started again: the
import is idempotent, so rows already stored come back `unchanged`.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from hub.domain.common import utcnow
from hub.errors import HubError, InvalidInput, NotFound
from hub.i18n import N_
from hub.services.contact_import import ContactImportService, ImportOptions, ImportReport, RowResult
from hub.services.csv_stream import CsvStream

log = logging.getLogger("hub.imports")
CHUNK = 256 * 1024
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
REPORT_COLUMNS = ("line", "outcome", "person_id", "reason")
HEADER_PEEK = 64 * 1024
JOBS_KEPT = 50


@dataclass(slots=True)
class ImportJob:
    id: str
    upload_id: str
    dry_run: bool
    total_bytes: int
    bytes_read: int = 0
    rows: int = 0
    state: str = "running"  # running / done / failed
    error: str | None = None
    report: ImportReport | None = None
    options: ImportOptions | None = None  # what the run was started with (the page shows it)
    started_at: str = field(default_factory=lambda: utcnow().isoformat())

    @property
    def progress(self) -> float:
        if self.state == "done":
            return 1.0
        return round(min(1.0, self.bytes_read / self.total_bytes), 4) if self.total_bytes \
            else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "upload_id": self.upload_id, "dry_run": self.dry_run,
                "state": self.state, "progress": self.progress, "rows": self.rows,
                "error": self.error, "report": self.report.to_json() if self.report else None}


def _token() -> str:
    return secrets.token_urlsafe(24)


class ImportJobs:
    def __init__(self, service: ContactImportService, directory: Path) -> None:
        self._service = service
        self._directory = directory
        self._jobs: dict[str, ImportJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _path(self, token: str, suffix: str) -> Path:
        if not TOKEN.match(token):
            raise NotFound(N_("no such import"))
        return self._directory / f"{token}{suffix}"

    async def keep_upload(self, source: IO[bytes], *, max_bytes: int) -> str:
        """Copy an uploaded file under var/imports/; its id. InvalidInput when empty."""
        upload_id = _token()
        self._directory.mkdir(parents=True, exist_ok=True)
        target = self._path(upload_id, ".csv")

        def copy() -> int:
            written = 0
            with target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    if written > max_bytes:
                        raise InvalidInput(N_("the file is larger than %(max_bytes)s bytes"),
                                           params={"max_bytes": max_bytes})
                    out.write(chunk)
            return written

        try:
            size = await asyncio.to_thread(copy)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if size == 0:
            target.unlink(missing_ok=True)
            raise InvalidInput(N_("the file is empty"))
        return upload_id

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

    def start(self, upload_id: str, options: ImportOptions) -> ImportJob:
        size = self.upload_size(upload_id)
        job = ImportJob(id=_token(), upload_id=upload_id, dry_run=options.dry_run,
                        total_bytes=size, options=options)
        self._jobs[job.id] = job
        for old in list(self._jobs)[:-JOBS_KEPT]:
            if self._jobs[old].state != "running":
                del self._jobs[old]
        task = asyncio.create_task(self._run(job, replace(options, max_bytes=max(size, 1))))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def get(self, job_id: str) -> ImportJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(N_("no such import job (they are kept until the server restarts)"))
        return job

    def report_path(self, job_id: str) -> Path:
        job = self.get(job_id)
        path = self._path(job.id, ".report.csv")
        if job.state == "running" or not path.exists():
            raise NotFound(N_("the report is not ready"))
        return path

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

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _chunks(path: Path, size: int) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk
            await asyncio.sleep(0)  # let the page's polls in between
