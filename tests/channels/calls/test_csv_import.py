"""The streamed CSV reader: records across chunk boundaries, quoted newlines, bad lines."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator, Iterable

import pytest

from channels.calls.csv_import import CsvRow, read_calls
from hub.errors import InvalidInput
from hub.services.csv_stream import MAX_RECORD_BYTES

HEADER = b"started_at,direction,number,agent,duration_s,wait_s,outcome,external_id\n"


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def rows(data: bytes, size: int = 7, **kwargs: object) -> list[CsvRow]:
    return [row async for row in read_calls(chunks(data, size), **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [1, 7, 64 * 1024])
async def test_records_survive_any_chunking(size: int) -> None:
    data = (b"\xef\xbb\xbf" + HEADER.replace(b"\n", b"\r\n")
            + b'2026-03-01T09:00:00Z,in,+31612345678,"Smit, Bram",60,5,'
            + b'"said ""hi""\nthen left",x1\r\n'
            + b"\r\n"
            + b"2026-03-01T10:00:00+01:00,out,+31612345678,,1:00:00,,,x2")
    found = await rows(data, size)
    assert [r.line for r in found] == [2, 5]
    first, second = (r.call for r in found)
    assert first is not None and second is not None
    assert first.agent == "Smit, Bram" and first.outcome == 'said "hi"\nthen left'
    assert second.direction == "outbound" and second.duration_s == 3600
    assert second.started_at.isoformat() == "2026-03-01T09:00:00+00:00"


async def test_bad_lines_are_reported_and_reading_goes_on() -> None:
    data = (HEADER
            + b"2026-03-01T09:00:00Z,in,+31612345678\n"
            + b"2026-03-01T09:00:00Z,in,\x81\x8d\n"  # neither UTF-8 nor Windows-1252
            + b"x" * (MAX_RECORD_BYTES + 10) + b"\n"
            + b"2026-03-01T09:00:00Z,in,+31612345678,a,b\n"
            + b"2026-03-01T09:00:00Z,in,+31612345678\n"
            + b'2026-03-01T09:00:00Z,in,"+316123')
    found = await rows(data, 4096)
    assert [(r.line, r.call is not None) for r in found] == [
        (2, True), (3, False), (4, False), (5, False), (6, True), (7, False)]
    reasons = [r.error for r in found if r.error]
    assert "UTF-8" in reasons[0] and "longer" in reasons[1]
    assert "duration_s" in reasons[2] and "never closed" in reasons[3]


async def test_header_problems_stop_before_anything() -> None:
    with pytest.raises(InvalidInput, match="number"):
        await rows(b"started_at,direction,phone\n2026-03-01,in,+31612345678\n")
    with pytest.raises(InvalidInput, match="empty"):
        await rows(b"\n\n")
    found = await rows(b"Begin,Dir,Phone\n2026-03-01T09:00:00Z,in,+31612345678\n",
                       mapping={"started_at": "begin", "direction": "DIR", "number": "Phone"})
    assert found[0].call is not None


def lines(count: int) -> Iterable[bytes]:
    yield HEADER
    for i in range(count):
        row = f"2026-03-01T09:00:00Z,in,+316{i:08d},Agent {i % 7},{i % 900},{i % 60},ok,x{i}\n"
        yield row.encode()


async def stream(count: int) -> AsyncIterator[bytes]:
    batch: list[bytes] = []
    for line in lines(count):
        batch.append(line)
        if len(batch) == 1000:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


async def test_a_100k_line_file_is_read_line_by_line() -> None:
    count = 0
    async for row in read_calls(stream(100_000)):
        assert row.call is not None
        count += 1
    assert count == 100_000


async def test_memory_does_not_grow_with_the_file() -> None:
    """Peak memory while reading 1,000 and 10,000 lines is about the same (a chunk and a
    record), not ten times more."""
    peaks = []
    for count in (1_000, 10_000):
        tracemalloc.start()
        try:
            async for _ in read_calls(stream(count)):
                pass
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 2
