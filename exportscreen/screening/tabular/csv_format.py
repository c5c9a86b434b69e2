"""Which encoding and delimiter a CSV file uses, decided from its first bytes.

Customer files come out of Excel, ERPs and scripts: UTF-8 with or without a BOM, UTF-16 (Excel's
"Unicode text"), or Windows-1252 (Excel's "CSV" in Western locales). A general charset guesser
would happily answer "mac_roman" or "cp1250" for a short sample of names, and a wrong guess
silently garbles every name it then screens. So the choice is narrowed to those four and each is
taken only on evidence in the bytes; anything else is refused with a message naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from exportscreen.sources.common import SourceError

# Enough to see a few hundred rows; a file whose first non-UTF-8 byte comes later is read as
# UTF-8 and the rows holding such bytes are reported as undecodable, not silently garbled.
SAMPLE_BYTES = 1 << 20
DELIMITERS = ",;\t|"
_SAMPLE_LINES = 200

# One well-formed multi-byte UTF-8 sequence (RFC 3629 table 3-7, without overlongs/surrogates).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


@dataclass(frozen=True, slots=True)
class CsvFormat:
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16 or cp1252
    delimiter: str


def detect_encoding(path: Path, head: bytes) -> str:
    """The codec for a file whose first bytes are ``head``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and picks the byte order
    if b"\x00" in head:
        raise SourceError(
            path,
            None,
            None,
            "cannot tell the encoding: the file holds NUL bytes (UTF-16 without a byte-order "
            "mark, or not a text file); save it as UTF-8",
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    non_ascii = sum(1 for byte in head if byte >= 0x80)
    utf8_bytes = sum(len(m.group(0)) for m in _UTF8_SEQUENCE.finditer(head))
    if utf8_bytes * 2 > non_ascii:
        # Mostly well-formed UTF-8 with a few stray bytes: reading it as Windows-1252 would garble
        # every accented name, so read it as UTF-8 and let the damaged rows be reported.
        return "utf-8"
    try:
        head.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SourceError(
            path,
            None,
            None,
            f"cannot tell the encoding: byte 0x{head[error.start]:02x} at offset {error.start} is "
            "neither UTF-8 nor Windows-1252; save the file as UTF-8",
        ) from error
    return "cp1252"


def _sample_lines(text: str) -> list[str]:
    lines = text.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the sample cut the last line short
    return [line for line in lines[:_SAMPLE_LINES] if line.strip()]


def detect_delimiter(path: Path, text: str) -> str:
    """The delimiter of a CSV sample: the one candidate that splits every sampled line into the
    header's number of fields; failing that (a file with a few broken rows), csv.Sniffer's
    frequency-based guess, whose misfits are then reported as bad rows."""
    lines = _sample_lines(text)
    if not lines:
        raise SourceError(path, None, None, "the file is empty")
    if not any(d in lines[0] for d in DELIMITERS):
        return ","  # a single-column file (just names): any delimiter reads it the same
    consistent = [d for d in DELIMITERS if _splits_evenly(lines, d)]
    if len(consistent) == 1:
        return consistent[0]
    if len(consistent) > 1:
        both = " and ".join(repr(d) for d in consistent)
        raise SourceError(
            path, 1, None, f"cannot tell the delimiter: {both} both split every line evenly"
        )
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in lines[0]:
        return delimiter
    tried = ", ".join(repr(d) for d in DELIMITERS)
    raise SourceError(
        path, 1, None, f"cannot tell the delimiter: none of {tried} splits the lines consistently"
    )


def _splits_evenly(lines: list[str], delimiter: str) -> bool:
    # Joined back into one stream so that a quoted field spanning lines is read as one field.
    rows = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    counts: set[int] = set()
    while True:
        try:
            counts.add(len(next(rows)))
        except StopIteration:
            break
        except csv.Error:
            continue  # an oversized field: a bad row for the reader, no clue about the delimiter
    return len(counts) == 1 and counts.pop() > 1


def detect_csv_format(path: Path, head: bytes | None = None) -> CsvFormat:
    """The format of ``path``, from ``head`` (its first bytes, once decompressed) when given."""
    if head is None:
        try:
            with path.open("rb") as handle:
                head = handle.read(SAMPLE_BYTES)
        except OSError as error:
            raise SourceError(path, None, None, f"cannot read file: {error}") from error
    head = head[:SAMPLE_BYTES]
    encoding = detect_encoding(path, head)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    return CsvFormat(encoding=encoding, delimiter=detect_delimiter(path, text.lstrip("\ufeff")))
