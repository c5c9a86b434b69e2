"""One module per published list format; each parses a file into ``ParsedSource``.

Every format module exposes the same three names:

``FORMAT``
    a short name ("csl_csv", "ofac_csv"...) recorded with each list version;
``sniff(path, head) -> bool``
    whether the file is of this format, judged from its name and its first bytes (already
    decompressed when the file is gzipped);
``parse(path, *, skip_bad_rows=False) -> ParsedSource``
    the whole file. A bad row raises ``SourceError`` (file, line, field), or with
    ``skip_bad_rows`` is left out and reported in ``ParsedSource.problems``.

A format made of several files (OFAC's legacy CSV set) is parsed from its primary file, which finds
its companions beside it; the companions on their own are claimed by ``companion(path)``.
"""

from __future__ import annotations

import gzip
import importlib
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from exportscreen.sources.common import ParsedSource, SourceError

# Most specific first: the first module whose sniff() accepts a file parses it.
_FORMAT_MODULES = (
    "exportscreen.sources.federal_register",
    "exportscreen.sources.un_xml",
    "exportscreen.sources.eu_fsf_xml",
    "exportscreen.sources.uk_fcdo_xml",
    "exportscreen.sources.ftm_json",
    "exportscreen.sources.ofac_xml",
    "exportscreen.sources.ofac_csv",
    "exportscreen.sources.bis_json",
    "exportscreen.sources.csl_json",
    "exportscreen.sources.dpl_tsv",
    "exportscreen.sources.csl_csv",
)

HEAD_BYTES = 64 * 1024


def _modules() -> Iterator[ModuleType]:
    for name in _FORMAT_MODULES:
        yield importlib.import_module(name)


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a file's content: gunzipped for .gz, the first member for .zip."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(4)
        if magic[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as handle:
                return handle.read(size)
        if magic == b"PK\x03\x04":
            with zipfile.ZipFile(path) as archive:
                members = archive.namelist()
                if not members:
                    raise SourceError(path, None, None, "empty zip archive")
                with archive.open(members[0]) as handle:
                    return handle.read(size)
        with path.open("rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as error:
        raise SourceError(path, None, None, f"cannot read file: {error}") from error


def detect(path: Path) -> ModuleType:
    """The format module for a file, or a SourceError saying no known format fits."""
    head = read_head(path)
    if not head.strip():
        raise SourceError(path, None, None, "the file is empty")
    for module in _modules():
        if module.sniff(path, head):
            return module
    raise SourceError(path, None, None, "not a list format exportscreen knows")


def expand(paths: Iterable[Path], *, skip_orphans: bool = False) -> list[Path]:
    """Files to parse: directories are walked, and companion files of a multi-file format are
    dropped when their primary file is being parsed too. A companion without its primary is an
    error, or with ``skip_orphans`` (walking a folder of downloads) left out."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".")
            )
        elif path.exists():
            files.append(path)
        else:
            raise SourceError(path, None, None, "no such file or directory")
    files = [f for f in files if _looks_like_data(f)]
    ofac = importlib.import_module("exportscreen.sources.ofac_csv")
    primaries = {f for f in files if ofac.sniff(f, b"")}
    result = []
    for f in files:
        if ofac.companion(f):
            orphan = not any(ofac.companion_of(p) == ofac.companion_of(f) for p in primaries)
            if orphan and not skip_orphans:
                raise SourceError(
                    f, None, None, "an OFAC companion file: load its sdn.csv or cons_prim.csv"
                )
            continue
        result.append(f)
    return result


def _looks_like_data(path: Path) -> bool:
    # Folders of downloaded lists carry notes beside the data (PROVENANCE.md, LICENSE...); the
    # BIS Denied Persons file itself is a .txt, so only notes are skipped, by name.
    name = path.name.lower()
    return not (name.endswith(".md") or name.startswith(("readme", "license")))


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """Parse one file in whatever list format it is."""
    module = detect(path)
    result: ParsedSource = module.parse(path, skip_bad_rows=skip_bad_rows)
    return result


__all__ = ["ParsedSource", "SourceError", "detect", "expand", "parse", "read_head"]
