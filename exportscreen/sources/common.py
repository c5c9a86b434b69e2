"""What every loader shares: the parse result, bad-row reporting, stable entry ids and Federal
Register citations. Countries are in ``exportscreen.text.countries``."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from exportscreen.model import Citation, Entry, FrDocument, ListCode, RuleChange
from exportscreen.text.folding import fold


class SourceError(ValueError):
    """A file that cannot be read as the format it claims, pointing at the file, line and field."""

    def __init__(self, file: str | Path, line: int | None, field: str | None, message: str):
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        where = self.file
        if line is not None:
            where += f", line {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row skipped under ``--skip-bad-rows``; the same facts as a SourceError."""

    file: str
    line: int | None
    field: str | None
    message: str

    @classmethod
    def from_error(cls, error: SourceError) -> RowProblem:
        return cls(error.file, error.line, error.field, error.message)

    def __str__(self) -> str:
        return str(SourceError(self.file, self.line, self.field, self.message))


@dataclass(slots=True)
class ParsedSource:
    """The result of parsing one published file (or one set of files, like OFAC's CSV set).

    ``entries`` hold snapshots of whole lists; a file holding several lists (the CSL) yields
    entries of each, and the store makes one version per list. ``changes`` hold the
    instructions of a Federal Register rule, which amend a list rather than restate it.
    """

    format: str
    paths: tuple[Path, ...]
    sha256: str
    as_of: date | None
    entries: list[Entry] = field(default_factory=list)
    changes: list[RuleChange] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Lists the file is the complete publication of, even where it holds no entry of one of them.
    lists: tuple[ListCode, ...] = ()
    source_url: str = ""
    # A Federal Register rule's own document: its pages and dates (the store caches them).
    document: FrDocument | None = None


def sha256_of(paths: Iterable[Path]) -> str:
    """One digest over the bytes of every file, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


# --- stable identity ------------------------------------------------------------------------


def refuse_repeated_ids(path: Path, entries: Sequence[Entry], field: str) -> None:
    """A publisher's record number is the party's identity: a file that uses one twice is
    refused whole (naming ``field`` and the numbers), never loaded with one record lost."""
    counts = Counter(e.id for e in entries)
    twice = sorted(entry_id for entry_id, count in counts.items() if count > 1)
    if twice:
        raise SourceError(path, None, field, f"used twice: {', '.join(twice)}")


def identity_text(text: str) -> str:
    """The form of a name or address that identity keys are built from: ASCII, lower case,
    letters and digits only. Deliberately simpler than the matcher's normalisation, which may
    evolve: an id must never change because the matcher got smarter."""
    return fold(text, compatibility=True)


def entry_id(lst: ListCode, *parts: str) -> str:
    """``<LIST>-<12 hex digits>`` from the identity text of the parts (name, country...)."""
    key = "|".join(identity_text(p) for p in parts)
    return f"{lst.value}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def disambiguate(entries: list[Entry], extra_key: dict[str, str]) -> list[Entry]:
    """Give entries that share an id within one file distinct ids.

    BIS publishes the same person once per address (Denied Persons), so name and country alone
    can collide. Colliding entries get the identity text of ``extra_key[original id + index]``
    hashed in; callers pass the first address of each entry. Non-colliding ids are untouched so
    that they stay stable when a namesake appears or disappears.
    """
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.id] = counts.get(e.id, 0) + 1
    if all(n == 1 for n in counts.values()):
        return entries
    from dataclasses import replace

    result: list[Entry] = []
    seen: dict[str, int] = {}
    for index, e in enumerate(entries):
        if counts[e.id] == 1:
            result.append(e)
            continue
        extra = extra_key.get(f"{e.id}#{index}", "")
        new_id = entry_id(e.list, e.id, extra)
        n = seen.get(new_id, 0)
        seen[new_id] = n + 1
        if n:  # the same name, country and address twice: keep both, numbered in file order
            new_id = f"{new_id}-{n + 1}"
        result.append(replace(e, id=new_id))
    return result


# --- Federal Register citations -------------------------------------------------------------

# "90 FR 14048, 3/28/25", "46 F.R. 46154 9/17/81", "88 FR 13675, 3/6/23", "84 FR 22963, 05/21/2019"
_CITATION = re.compile(
    r"(?P<volume>\d{1,3})\s*F\.?\s*R\.?\s*(?P<page>\d{1,6})"
    r"(?:[,\s]+(?:(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4})))?"
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 4:
        return year
    return 1900 + year if year >= 70 else 2000 + year


def parse_citations(text: str) -> tuple[Citation, ...]:
    """Every Federal Register citation in a cell, in the order printed (cumulative, oldest first
    on the Entity List). Unparseable dates keep the citation with ``date=None``."""
    result: list[Citation] = []
    for m in _CITATION.finditer(text or ""):
        when: date | None = None
        if m.group("y"):
            try:
                when = date(_year(m.group("y")), int(m.group("m")), int(m.group("d")))
            except ValueError:
                when = None
        result.append(
            Citation(
                volume=int(m.group("volume")),
                page=int(m.group("page")),
                date=when,
                raw=m.group(0).strip(),
            )
        )
    return tuple(result)


def split_names(text: str, separator: str = ";") -> tuple[str, ...]:
    """Split a list cell of names, dropping blanks and exact duplicates, keeping order."""
    seen: dict[str, None] = {}
    for part in (text or "").split(separator):
        name = " ".join(part.split())
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def header_problem(found: Sequence[str], layouts: Iterable[Sequence[str]]) -> tuple[str, str]:
    """For a header that is none of a format's ``layouts``: the first required column it lacks
    and a message naming the missing and the unexpected columns (against the closest layout),
    so that a renamed column is reported as such rather than as "not this format"."""
    have = set(found)
    closest = max(layouts, key=lambda layout: len(have & set(layout)))
    missing = [name for name in closest if name not in have]
    extra = [name for name in found if name not in set(closest)]
    if not missing:
        return "", f"columns in an unexpected order: {', '.join(found)}"
    message = f"required column {', '.join(repr(m) for m in missing)} missing"
    if extra:
        message += f" (unexpected: {', '.join(repr(e) for e in extra)}; renamed?)"
    return missing[0], message
