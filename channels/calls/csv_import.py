"""Telephony exports as CSV, read as a stream by the same reader as contact imports
(`hub.services.csv_stream`: UTF-8 or Windows-1252, `,`/`;`/tab, quoted fields may span lines),
so a 100,000-line file never sits in memory. Each data line becomes a `CsvCall`
or a reason why not; the header names the columns, mapped to call fields (by default the
field names themselves, case-insensitive)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from channels.calls.fields import CALL_FIELDS, REQUIRED_CSV_FIELDS, CsvCall
from hub.errors import InvalidInput
from hub.services.csv_stream import CsvStream

MAX_FILE_BYTES = 1024 * 1024 * 1024  # the web body limit is far smaller


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # the physical line the record starts on; the header is line 1
    call: CsvCall | None
    error: str | None


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
    async for line, record in CsvStream(MAX_FILE_BYTES, delimiter).records(chunks):
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
