"""Where the official list files are published: the download registry, as data.

One ``Source`` per publication, each made of one or more ``RemoteFile`` (OFAC's legacy CSV set is
four files that only make sense together), with what its first and last bytes must look like;
``DEFAULT_SOURCES`` and ``default_sources`` say what `update` fetches when no source is named.
``exportscreen.sources.fetch`` downloads them (and re-exports these names).

Mirror layout
-------------
Air-gapped deployments (and the tests) point ``mirror`` at an internal HTTP server instead of the
official hosts. The mirror serves every file at ``<mirror>/<official host>/<official path>``, byte
for byte, e.g.::

    <mirror>/data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv
    <mirror>/sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV
    <mirror>/www.bis.doc.gov/dpl/dpl.txt

This is the tree ``wget --mirror`` (or ``wget -x``) writes when pointed at the official URLs, so a
mirror can be filled with one command and served by any static web server. (The query of an
official URL, such as the EU file's public token, is not part of its place on a mirror.)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from exportscreen import settings
from exportscreen.lists import LISTS, lists_published_in, parse_jurisdictions
from exportscreen.model import ListCode


class Compression(enum.StrEnum):
    """How the publisher packs the file itself (not the HTTP transfer encoding)."""

    NONE = "none"
    GZIP = "gzip"
    ZIP = "zip"


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One published file.

    ``expect`` is matched against the file's first bytes (decompressed when the file is a gzip or
    zip archive, a UTF-8 byte-order mark and leading blanks removed): it catches a server that
    answers with something other than the list, e.g. a maintenance page or a different file.
    """

    url: str
    compression: Compression
    expect: re.Pattern[bytes]
    # Matched against the file's last bytes (decompressed), for formats that mark their end:
    # a download cut short, even at a line boundary and with a Content-Length that matches the
    # cut, lacks it. None for formats with no end marker (CSV, TSV): the plausibility checks
    # under the write lock (``store.plausibility``) catch those cuts by what they remove.
    ending: re.Pattern[bytes] | None = None

    @property
    def name(self) -> str:
        """The file name the publisher uses, kept on disk so that parsers recognise it."""
        return PurePosixPath(urlsplit(self.url).path).name

    def url_from(self, mirror: str | None) -> str:
        """The URL to fetch: the official one, or its place on a mirror (see the module doc)."""
        if not mirror:
            return self.url
        return mirror.rstrip("/") + mirror_path(self.url)


@dataclass(frozen=True, slots=True)
class Source:
    """One publication: the lists it holds, the parser format it needs, and its files.

    The first file is the one handed to the parser; the others are its companions, which the
    parser finds beside it by name.
    """

    key: str
    lists: tuple[ListCode, ...]
    format: str
    files: tuple[RemoteFile, ...]
    description: str = ""

    @property
    def primary(self) -> RemoteFile:
        return self.files[0]


def mirror_path(official_url: str) -> str:
    """Where a mirror serves an official URL: ``/<host>/<path>``."""
    parts = urlsplit(official_url)
    return f"/{parts.netloc}{parts.path}"


def _expect(pattern: bytes) -> re.Pattern[bytes]:
    return re.compile(pattern, re.IGNORECASE)


_OFAC_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
_CSL_DOWNLOADS = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/"

# OFAC's legacy CSVs have no header: every record starts with its numeric ent_num.
_OFAC_RECORD = _expect(rb'"?\d+"?,')


# OFAC ends each legacy CSV with an 0x1A (SUB, the DOS end-of-file byte) after the last CRLF.
_OFAC_END = re.compile(rb"\x1a\s*\Z")
# A JSON document ends with the bracket that closes it; an XML one with its root's closing tag.
_JSON_END = re.compile(rb"[}\]]\s*\Z")
_XML_END = re.compile(rb"</[A-Za-z_][\w:.-]*>\s*\Z")


def _xml_root(name: bytes) -> re.Pattern[bytes]:
    """An XML document whose root element is ``name`` (after the declaration and comments)."""
    return re.compile(rb"(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<" + name + rb"[\s>]", re.DOTALL)


def _ofac_csv(name: str, *, marked: bool = True) -> RemoteFile:
    return RemoteFile(
        _OFAC_EXPORTS + name, Compression.NONE, _OFAC_RECORD, _OFAC_END if marked else None
    )


# The remarks-continuation files are not held to the end byte: published copies exist without
# it (the July 2021 SDN_COMMENTS.CSV in shared/ ends with its last CRLF), and a cut there loses
# remarks, not entries, names or addresses.
_OFAC_UNMARKED = frozenset({"SDN_COMMENTS.CSV", "CONS_COMMENTS.CSV"})


# Order matters: when several sources publish the same list, the updater takes it from the first
# selected source that publishes it. The agencies' own files come before the Consolidated
# Screening List, which is a convenience copy, not the system of record (docs/domain.md §3).
SOURCES: tuple[Source, ...] = (
    Source(
        key="ofac-sdn",
        lists=lists_published_in("ofac-sdn"),
        format="ofac_csv",
        files=tuple(
            _ofac_csv(n, marked=n not in _OFAC_UNMARKED)
            for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")
        ),
        description="OFAC Specially Designated Nationals, legacy CSV set",
    ),
    Source(
        key="ofac-cons",
        lists=lists_published_in("ofac-cons"),
        format="ofac_csv",
        files=tuple(
            _ofac_csv(n, marked=n not in _OFAC_UNMARKED)
            for n in ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")
        ),
        description="OFAC Consolidated (non-SDN) lists, legacy CSV set",
    ),
    Source(
        key="ofac-cons-enhanced",
        lists=lists_published_in("ofac-cons-enhanced"),
        format="ofac_xml",
        files=(
            RemoteFile(
                _OFAC_EXPORTS + "CONS_ENHANCED.ZIP", Compression.ZIP, _expect(rb"<\?xml"), _XML_END
            ),
        ),
        description="OFAC Consolidated (non-SDN) lists, enhanced XML (an alternative to ofac-cons)",
    ),
    Source(
        key="bis-dpl",
        lists=lists_published_in("bis-dpl"),
        format="dpl_tsv",
        files=(
            RemoteFile(
                "https://www.bis.doc.gov/dpl/dpl.txt",
                Compression.NONE,
                _expect(rb'"?Name"?\t"?Street_Address"?\t'),
            ),
        ),
        description="BIS Denied Persons List, tab-separated",
    ),
    Source(
        key="csl",
        lists=lists_published_in("csl"),
        format="csl_csv",
        files=(
            RemoteFile(
                _CSL_DOWNLOADS + "consolidated.csv",
                Compression.NONE,
                _expect(rb"(?:_id,)?source,entity_number,"),
            ),
        ),
        description="trade.gov Consolidated Screening List, CSV",
    ),
    Source(
        key="csl-json",
        lists=lists_published_in("csl-json"),
        format="csl_json",
        files=(
            RemoteFile(
                _CSL_DOWNLOADS + "consolidated.json",
                Compression.NONE,
                _expect(rb"[\[{]"),
                _JSON_END,
            ),
        ),
        description="trade.gov Consolidated Screening List, JSON (an alternative to csl)",
    ),
    Source(
        key="un-sc",
        lists=lists_published_in("un-sc"),
        format="un_xml",
        files=(
            RemoteFile(
                "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
                Compression.NONE,
                _xml_root(b"CONSOLIDATED_LIST"),
                _XML_END,
            ),
        ),
        description="UN Security Council Consolidated List, XML (sc-sanctions.xsd)",
    ),
    Source(
        key="eu-fsf",
        lists=lists_published_in("eu-fsf"),
        format="eu_fsf_xml",
        files=(
            RemoteFile(
                # The public token the Commission's Financial Sanctions Files page links to.
                "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
                "content?token=dG9rZW4tMjAxNw",
                Compression.NONE,
                _xml_root(b"export"),
                _XML_END,
            ),
        ),
        description="EU Consolidated Financial Sanctions List, XML (FSF export format)",
    ),
    Source(
        key="uk-fcdo",
        lists=lists_published_in("uk-fcdo"),
        format="uk_fcdo_xml",
        files=(
            RemoteFile(
                "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
                Compression.NONE,
                _xml_root(b"Designations"),
                _XML_END,
            ),
        ),
        description="UK Sanctions List (FCDO), XML",
    ),
)

# What `update` fetches when no source is named: every US list once, each from its own agency
# where the agency publishes a machine-readable file, the rest from the CSL, and the UN list; then
# (``default_sources``) the own publication of every list of a jurisdiction the determinations
# check (EXPORTSCREEN_JURISDICTIONS), so that a deployment checking EU or UK law keeps those lists
# current and one that does not is spared their 20-odd MB files.
DEFAULT_SOURCES: tuple[str, ...] = ("ofac-sdn", "ofac-cons", "bis-dpl", "csl", "un-sc")
# Lists `update` fetches by default whatever the jurisdictions checked.
_ALWAYS_FETCHED_JURISDICTIONS = frozenset({"US", "UN"})


def default_sources(jurisdictions: Iterable[str] | None = None) -> tuple[str, ...]:
    """The sources `update` fetches when none is named: ``DEFAULT_SOURCES``, and the own
    publication of each list of a checked jurisdiction they do not carry, in registry order.
    ``jurisdictions``: the checked ones (default: EXPORTSCREEN_JURISDICTIONS)."""
    checked = (
        parse_jurisdictions(settings.JURISDICTIONS)
        if jurisdictions is None
        else frozenset(jurisdictions)
    )
    chosen = set(DEFAULT_SOURCES)
    carried = {code for s in SOURCES if s.key in chosen for code in s.lists}
    for code, facts in LISTS.items():
        if facts.jurisdiction in checked and code not in carried and facts.published_in:
            chosen.add(facts.published_in[0])
            carried |= set(source(facts.published_in[0]).lists)
    return tuple(s.key for s in SOURCES if s.key in chosen)


def _check_publications() -> None:
    """lists.yaml names publications by key: a key that is not a source here, a source that
    carries no list, or a list whose system of record `update` would not fetch by default (for
    the US and UN lists: always; for the others: when their jurisdiction is checked) is a
    mistake in that file or in this one, and fails the import."""
    keys = {s.key for s in SOURCES}
    for code, facts in LISTS.items():
        unknown = sorted(set(facts.published_in) - keys)
        if unknown:
            raise RuntimeError(f"lists.yaml, list {code}: unknown publication {unknown}")
        if (
            facts.published_in  # none: a list a deployment declared, loaded from its files
            and facts.jurisdiction in _ALWAYS_FETCHED_JURISDICTIONS
            and facts.published_in[0] not in DEFAULT_SOURCES
        ):
            raise RuntimeError(
                f"lists.yaml, list {code}: its own publication {facts.published_in[0]!r} is not "
                "among the default sources"
            )
    empty = [s.key for s in SOURCES if not s.lists]
    if empty:
        raise RuntimeError(f"no list in lists.yaml is published in {empty}")


_check_publications()


def source(key: str) -> Source:
    """The registry entry for a key, or a ValueError listing the known keys."""
    for candidate in SOURCES:
        if candidate.key == key:
            return candidate
    known = ", ".join(s.key for s in SOURCES)
    raise ValueError(f"unknown source {key!r} (known: {known})")
