"""`hub import contacts FILE.csv`: the contact import with a progress bar on stderr, the summary
and rejected lines on stdout, and optionally the per-row report as CSV. Exit 1 when rows were
rejected (or the file was refused)."""

from __future__ import annotations

import csv
import sys
from collections.abc import AsyncIterator
from typing import BinaryIO, TextIO

from hub.services.contact_import import (
    MAX_IMPORT_BYTES,
    ContactImportService,
    ImportOptions,
    RowResult,
)

CHUNK = 256 * 1024
REPORT_COLUMNS = ("line", "outcome", "person_id", "reason")


async def _chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def too_large(size: int, limit: int) -> str | None:
    if size <= limit:
        return None
    return f"the file is {size:,} bytes, over the import limit of {limit:,} bytes; split it"


async def contacts_command(
    service: ContactImportService, handle: BinaryIO, size: int, options: ImportOptions, *,
    report_file: TextIO | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
) -> int:
    """Run the import from an open file of `size` bytes (checked against the limit first)."""
    refused = too_large(size, options.max_bytes)
    if refused:
        print(f"hub: {refused}", file=err)
        return 1

    def bar(done: int, rows: int) -> None:
        width = 30
        filled = width * done // max(size, 1)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {rows:,} rows", end="", file=err,
              flush=True)

    writer = csv.writer(report_file) if report_file else None
    if writer:
        writer.writerow(REPORT_COLUMNS)

    async def keep(result: RowResult) -> None:
        if writer:
            writer.writerow((result.line, result.outcome, result.person_id or "",
                             result.reason))

    report = await service.run(_chunks(handle), options, on_row=keep, progress=bar)
    print(file=err)
    for warning in report.warnings:
        print(f"warning: {warning}", file=out)
    for rejected in report.rejected:
        print(f"line {rejected['line']}: rejected: {rejected['error']}", file=out)
    if report.rejected_total > len(report.rejected):
        print(f"... and {report.rejected_total - len(report.rejected)} more rejected lines",
              file=out)
    prefix = "Dry run, nothing written: " if options.dry_run else ""
    print(f"{prefix}{report.created} created, {report.updated} updated, {report.unchanged} "
          f"unchanged, {report.rejected_total} rejected", file=out)
    return 0 if report.rejected_total == 0 else 1


__all__ = ["MAX_IMPORT_BYTES", "contacts_command"]
