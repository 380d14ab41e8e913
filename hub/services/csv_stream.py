"""CSV files as people save them, read as a stream of records.

One physical line at a time (a quoted field may span lines), so memory stays flat in the file
size. What spreadsheets produce is accepted: a UTF-8 byte order mark, Windows-1252 text (Dutch
Excel's "CSV (puntkomma gescheiden)"), `;` or tab instead of `,` (sniffed from the header),
CR/LF line ends. What cannot be read is a reason for that record, never the end of the file;
only a file over the size limit stops the read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from hub.errors import InvalidInput, PayloadTooLarge
from hub.i18n import N_

MAX_RECORD_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff_delimiter(header: str) -> str:
    """The delimiter the header row uses most outside quotes (`,` on a tie)."""
    outside = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    return max(DELIMITERS, key=outside.count)


@dataclass(slots=True)
class CsvStream:
    """Reads records from byte chunks; `warnings` says what was guessed (encoding)."""

    max_bytes: int
    delimiter: str | None = None
    bytes_read: int = 0
    legacy_lines: int = 0
    first_legacy_line: int | None = None
    warnings: list[str] = field(default_factory=list)

    async def _physical_lines(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes | None]:
        """Lines without their `\\n`; None for a line longer than MAX_RECORD_BYTES."""
        buffer = b""
        skipping = False
        async for chunk in chunks:
            self.bytes_read += len(chunk)
            if self.bytes_read > self.max_bytes:
                raise PayloadTooLarge(self.max_bytes)
            buffer += chunk
            start = 0
            while True:
                end = buffer.find(b"\n", start)
                if end < 0:
                    break
                line = buffer[start:end]
                start = end + 1
                if skipping:
                    skipping = False
                    continue
                yield line if len(line) <= MAX_RECORD_BYTES else None
            buffer = buffer[start:]
            if len(buffer) > MAX_RECORD_BYTES and not skipping:
                yield None
                skipping = True
            if skipping:
                buffer = b""
        if buffer and not skipping:
            yield buffer if len(buffer) <= MAX_RECORD_BYTES else None

    def _decode(self, raw: bytes, number: int) -> str | None:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return None
        self.legacy_lines += 1
        if self.first_legacy_line is None:
            self.first_legacy_line = number
        return text

    def finish(self) -> None:
        """Add the encoding warning once the whole file is read."""
        if self.legacy_lines:
            self.warnings.append(
                f"{self.legacy_lines} line(s) were not UTF-8 and were read as Windows-1252 "
                f"(first: line {self.first_legacy_line}); save the file as CSV UTF-8 to be sure")

    async def records(
        self, chunks: AsyncIterator[bytes]
    ) -> AsyncIterator[tuple[int, list[str] | str]]:
        """(starting line, fields) per record, or (line, reason) for one that cannot be read;
        the header is line 1."""
        number = 0
        pending: str | None = None
        start = 0
        async for raw in self._physical_lines(chunks):
            number += 1
            if raw is None:
                pending = None
                yield number, f"the line is longer than {MAX_RECORD_BYTES} bytes"
                continue
            if number == 1:
                if raw.startswith(UTF16_BOMS):
                    raise InvalidInput(N_("the file is UTF-16 text: save it as CSV (UTF-8 or "
                                          "Windows-1252)"))
                raw = raw.removeprefix(UTF8_BOM)
            text = self._decode(raw, number)
            if text is None:
                pending = None
                yield number, "the line is neither UTF-8 nor Windows-1252 text"
                continue
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
            self.delimiter = self.delimiter or sniff_delimiter(pending)
            try:
                fields = next(csv.reader(io.StringIO(pending, newline=""),
                                         delimiter=self.delimiter, strict=True))
            except (csv.Error, StopIteration) as exc:
                yield start, f"not valid CSV: {exc}"
            else:
                yield start, fields
            pending = None
        if pending is not None:
            yield start, "a quoted field is never closed"
        self.finish()
