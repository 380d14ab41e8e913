"""Telephony exports as CSV, read as a stream: one physical line at a time, quoted fields may
span lines, so a 100,000-line file never sits in memory. Each data line becomes a `CsvCall`
or a reason why not; the header names the columns, mapped to call fields (by default the
field names themselves, case-insensitive)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from channels.calls.fields import CALL_FIELDS, REQUIRED_CSV_FIELDS, CsvCall
from hub.errors import InvalidInput

MAX_RECORD_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # the physical line the record starts on; the header is line 1
    call: CsvCall | None
    error: str | None


async def _physical_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes | None]:
    """Lines without their `\\n`; None for a line longer than MAX_RECORD_BYTES (skipped)."""
    buffer = b""
    skipping = False
    async for chunk in chunks:
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line, buffer = buffer[:end], buffer[end + 1:]
            if skipping:
                skipping = False
                continue
            yield line if len(line) <= MAX_RECORD_BYTES else None
        if len(buffer) > MAX_RECORD_BYTES and not skipping:
            yield None
            skipping = True
        if skipping:
            buffer = b""
    if buffer and not skipping:
        yield buffer if len(buffer) <= MAX_RECORD_BYTES else None


def _detect_delimiter(header: str) -> str:
    return max(DELIMITERS, key=header.count)


async def csv_records(
    chunks: AsyncIterator[bytes], delimiter: str | None = None
) -> AsyncIterator[tuple[int, list[str] | str]]:
    """(starting line, fields) per record, or (line, reason) for one that cannot be read."""
    number = 0
    pending: str | None = None
    start = 0
    async for raw in _physical_lines(chunks):
        number += 1
        if raw is None:
            pending = None
            yield number, f"the line is longer than {MAX_RECORD_BYTES} bytes"
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pending = None
            yield number, "the line is not UTF-8 text"
            continue
        if number == 1:
            text = text.removeprefix("\ufeff")
        text = text.removesuffix("\r")
        if pending is None:
            if not text.strip():
                continue
            pending, start = text, number
        else:
            pending += "\n" + text
        if pending.count('"') % 2:
            if len(pending) > MAX_RECORD_BYTES:
                yield start, "a quoted field is never closed"
                pending = None
            continue
        delimiter = delimiter or _detect_delimiter(pending)
        try:
            fields = next(csv.reader(io.StringIO(pending, newline=""), delimiter=delimiter,
                                     strict=True))
        except (csv.Error, StopIteration) as exc:
            yield start, f"not valid CSV: {exc}"
        else:
            yield start, fields
        pending = None
    if pending is not None:
        yield start, "a quoted field is never closed"


def column_indexes(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Which column holds each call field; raises InvalidInput naming what is missing."""
    unknown = sorted(set(mapping) - set(CALL_FIELDS))
    if unknown:
        raise InvalidInput(f"the mapping names unknown call fields: {', '.join(unknown)}",
                           details={"known_fields": list(CALL_FIELDS)})
    positions = {name.strip().lower(): i for i, name in enumerate(header)}
    indexes: dict[str, int] = {}
    for field in CALL_FIELDS:
        column = mapping.get(field, field).strip().lower()
        if column in positions:
            indexes[field] = positions[column]
    missing = [f for f in REQUIRED_CSV_FIELDS if f not in indexes]
    if missing:
        names = [mapping.get(f, f) for f in missing]
        raise InvalidInput(f"the header row has no column {', '.join(names)}",
                           details={"missing_columns": names, "header": header[:50]})
    return indexes


def _reason(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


async def read_calls(
    chunks: AsyncIterator[bytes], mapping: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> AsyncIterator[CsvRow]:
    """Every data line as a call or a reason; InvalidInput when the header does not fit."""
    indexes: dict[str, int] | None = None
    async for line, record in csv_records(chunks, delimiter):
        if indexes is None:
            if isinstance(record, str):
                raise InvalidInput(f"the header row cannot be read: {record}")
            indexes = column_indexes(record, mapping or {})
            continue
        if isinstance(record, str):
            yield CsvRow(line, None, record)
            continue
        values = {f: record[i] for f, i in indexes.items() if i < len(record)}
        try:
            yield CsvRow(line, CsvCall.model_validate(values), None)
        except ValidationError as exc:
            yield CsvRow(line, None, _reason(exc))
    if indexes is None:
        raise InvalidInput("the file is empty: expected a header row")
