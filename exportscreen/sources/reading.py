"""Reading published list files: transparent gzip, and errors that name the line.

Shared by the BIS, State and CSL loaders (JSON, CSV and TSV alike), so that a truncated download
or a bad byte is reported the same way whichever format it arrives in.
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from io import BufferedIOBase
from pathlib import Path
from typing import Any

from exportscreen.sources.common import SourceError

_DECODE_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


@contextmanager
def open_binary(path: Path) -> Iterator[BufferedIOBase]:
    """The file's bytes, gunzipped when it is gzip (by its magic number, not its name)."""
    try:
        with path.open("rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        if gzipped:
            with gzip.open(path, "rb") as unzipped:
                yield unzipped
        else:
            with path.open("rb") as plain:
                yield plain
    except OSError as error:
        # gzip.BadGzipFile is an OSError too, but its callers report it with a line number.
        if isinstance(error, gzip.BadGzipFile):
            raise
        raise SourceError(path, None, None, f"cannot open: {error}") from error


def read_bytes(path: Path) -> bytes:
    with open_binary(path) as handle:
        try:
            return handle.read()
        except _DECODE_ERRORS as error:
            raise SourceError(
                path, None, None, f"truncated or corrupt gzip data: {error}"
            ) from error


def read_json(path: Path) -> Any:
    """The parsed document; undecodable bytes and JSON syntax errors name their line."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(path, line, None, f"invalid UTF-8 at byte {error.start}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(path, error.lineno, None, f"invalid JSON: {error.msg}") from error


def read_lines(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line number, text, decoding problem) for each line, decoding line by line so that a bad
    byte is reported on its own line and the rest of the file still reads."""
    number = 0
    with open_binary(path) as handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield number, raw.decode("utf-8"), None
                except UnicodeDecodeError as error:
                    problem = f"invalid UTF-8 at byte {error.start} of the line"
                    yield number, raw.decode("utf-8", errors="replace"), problem
        except _DECODE_ERRORS as error:
            raise SourceError(
                path, number + 1, None, f"truncated or corrupt gzip data: {error}"
            ) from error


def delimited_rows(
    path: Path, delimiter: str
) -> Iterator[tuple[int, list[str], tuple[int, None, str] | None]]:
    """(first line, fields, decoding problem as (line, field, message)) for each CSV/TSV row.

    The csv module runs in its lenient mode: a row cut short by a truncated file comes out with
    too few fields, which the caller reports (or skips) as that row's problem rather than losing
    the whole file to a csv.Error.
    """
    problems: dict[int, str] = {}

    def texts() -> Iterator[str]:
        for number, text, problem in read_lines(path):
            if problem:
                problems[number] = problem
            yield text

    reader = csv.reader(texts(), delimiter=delimiter, quotechar='"')
    start = 1
    try:
        for fields in reader:
            end = reader.line_num
            bad = next((n for n in range(start, end + 1) if n in problems), None)
            yield start, fields, (bad, None, problems[bad]) if bad is not None else None
            start = end + 1
    except csv.Error as error:
        raise SourceError(path, reader.line_num, None, f"malformed row: {error}") from error


__all__ = ["delimited_rows", "open_binary", "read_bytes", "read_json", "read_lines"]
