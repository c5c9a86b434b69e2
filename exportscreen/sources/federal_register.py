"""A Federal Register rule amending the Entity List, in GPO's FR XML (``<RULE>`` documents).

A rule is read as instructions, not as a list: its amendatory paragraphs (``AMDPAR``) say which
entries are added, revised or removed under which country ("b. Under CHINA, PEOPLE'S REPUBLIC OF,
by adding, in alphabetical order, entries for “A”; and “B”;"), and the ``GPOTABLE`` that follows
prints the full text of every added or revised entry. Each instruction becomes a ``RuleChange``
carrying the entry as the rule prints it; ``ParsedSource.entries`` stays empty because a rule
amends a list rather than restating it.

The rule's own citation comes from the document (volume from the citation cells, first page from
the page markers), because the table cells hold only a placeholder until publication. The
effective date comes from DATES, which can precede publication (domain notes §2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from exportscreen.model import (
    Address,
    ChangeKind,
    Citation,
    Entry,
    EntryType,
    FrDocument,
    ListCode,
    RuleChange,
)
from exportscreen.sources.common import (
    ParsedSource,
    SourceError,
    entry_id,
    identity_text,
    parse_citations,
    sha256_of,
)
from exportscreen.sources.problems import BadRows
from exportscreen.sources.subparties import link_parents, named_parties
from exportscreen.sources.terms import parse_licence, parse_review
from exportscreen.text.countries import country_code

FORMAT = "federal_register"

# The Federal Register's volume 1 is 1936: volume = year - 1935.
_FIRST_VOLUME_YEAR = 1935


def sniff(path: Path, head: bytes) -> bool:
    return (
        path.name.lower().endswith(".xml")
        and b"<RULE" in head
        and (b"Entity List" in head or b"15 CFR Part 744" in head)
    )


# --- reading the XML with line numbers -------------------------------------------------------


def _read_tree(path: Path) -> tuple[Element, dict[Element, int]]:
    """The document and the line each element starts on (ElementTree keeps no line numbers, so
    the file is fed to a pull parser line by line)."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start",))
    lines: dict[Element, int] = {}
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                parser.feed(raw)
                for event in parser.read_events():
                    elem = event[-1]
                    if isinstance(elem, Element):
                        lines.setdefault(elem, number)
        parser.close()
    except ParseError as error:
        line, column = error.position
        raise SourceError(path, line, None, f"malformed XML (column {column}): {error}") from error
    except OSError as error:
        raise SourceError(path, None, None, f"cannot read file: {error}") from error
    if not lines:
        raise SourceError(path, None, None, "the file holds no XML element")
    root = next(iter(lines))  # the first element started is the document element
    return root, lines


_SUPERSCRIPT_DIGITS = str.maketrans("12345", "¹²³⁴⁵")


def _render(elem: Element, *, skip: str = "") -> str:
    """The text of an element as printed, whitespace collapsed. ``SU`` superscripts are glued to
    the word before ("9<SU>th</SU>" -> "9th") and footnote digits become superscript digits,
    which the licence parser reads as foreign-direct-product markers."""
    pieces: list[str] = [elem.text or ""]
    for child in elem:
        if child.tag == skip:
            pieces.append(" ")
        elif child.tag == "SU":
            mark = (child.text or "").strip()
            pieces[-1] = pieces[-1].rstrip()
            pieces.append(mark.translate(_SUPERSCRIPT_DIGITS) if mark.isdigit() else mark)
        else:
            pieces.append(" " + _render(child) + " ")
        pieces.append(child.tail or "")
    return " ".join("".join(pieces).split())


# --- the rule's dates and citation -----------------------------------------------------------

_LONG_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(\d{1,2}),\s*(\d{4})"
)
# "88 FR [INSERT FR PAGE NUMBER AND 2/27/2023]": the volume is known before the page is.
_PLACEHOLDER = re.compile(r"(?P<volume>\d{1,3})\s*FR\s*\[(?P<note>INSERT[^\]]*)\]", re.IGNORECASE)
_SHORT_DATE = re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})")


def _long_date(text: str) -> date | None:
    m = _LONG_DATE.search(text)
    if m is None:
        return None
    return datetime.strptime(" ".join(m.groups()), "%B %d %Y").date()


def _effective_date(root: Element) -> date | None:
    for dates in root.iter("EFFDATE"):
        text = _render(dates)
        after = text.lower().find("effective")
        return _long_date(text[after:] if after >= 0 else text)
    return None


def _rule_citation(root: Element, cells: list[str]) -> Citation | None:
    """The rule's own citation: the first page is the one before the first page marker (a rule
    starts part-way down a page), the volume and date come from the placeholder the citation
    cells hold for this rule (the real citations in those cells are earlier rules')."""
    volume: int | None = None
    published: date | None = None
    for cell in cells:
        m = _PLACEHOLDER.search(cell)
        if m:
            volume = int(m.group("volume"))
            when = _SHORT_DATE.search(m.group("note"))
            if when:
                published = date(int(when["y"]), int(when["m"]), int(when["d"]))
            break
    for elem in root.iter("DATE"):  # a rule cut from a whole issue keeps the date
        published = published or _long_date(_render(elem))
    if volume is None and published is not None:
        volume = published.year - _FIRST_VOLUME_YEAR
    pages = [int(p.get("P", "0")) for p in root.iter("PRTPAGE") if p.get("P", "").isdigit()]
    if volume is None or not pages:
        return None
    first = min(pages) - 1
    return Citation(volume=volume, page=first, date=published, raw=f"{volume} FR {first}")


_FRDOC = re.compile(r"FR\s+Doc\.?\s+(?P<number>[\d-]+)", re.IGNORECASE)


def _document(
    root: Element, citation: Citation | None, effective: date | None, path: Path
) -> FrDocument | None:
    """The rule's own Federal Register document: number (FRDOC), pages (PRTPAGE markers), dates."""
    if citation is None or citation.date is None:
        return None
    number = ""
    for elem in root.iter("FRDOC"):
        m = _FRDOC.search(_render(elem))
        if m:
            number = m.group("number")
    pages = [int(p.get("P", "0")) for p in root.iter("PRTPAGE") if p.get("P", "").isdigit()]
    title = next((_render(e) for e in root.iter("SUBJECT")), "")
    return FrDocument(
        document_number=number,
        volume=citation.volume,
        start_page=citation.page,
        end_page=max([citation.page, *pages]),
        publication_date=citation.date,
        effective_on=effective,
        title=title,
        source=f"rule file {path.name}",
    )


# --- the amendment instructions ------------------------------------------------------------

_VERBS = {
    "adding": ChangeKind.ADDED,
    "revising": ChangeKind.CHANGED,
    "removing": ChangeKind.REMOVED,
}
_VERB = re.compile(r"\b(adding|revising|removing)\b", re.IGNORECASE)
# "Under CHINA, PEOPLE'S REPUBLIC OF, by adding": upper-case words, possibly comma-separated.
_UNDER = re.compile(r"\b[Uu]nder\s+(?P<country>[A-Z][A-Z'’.()-]*(?:,?\s+[A-Z][A-Z'’.()-]*)*)")
_QUOTED = re.compile(r"[“\"]\s*(?P<name>[^”\"]+?)\s*[”\"]")


@dataclass(frozen=True, slots=True)
class _Instruction:
    kind: ChangeKind
    country: str  # as printed
    name: str
    line: int


def _instructions(root: Element, lines: dict[Element, int]) -> list[_Instruction]:
    found: list[_Instruction] = []
    for paragraph in root.iter("AMDPAR"):
        text = _render(paragraph)
        verbs = list(_VERB.finditer(text))
        for index, verb in enumerate(verbs):
            end = verbs[index + 1].start() if index + 1 < len(verbs) else len(text)
            clause = text[verb.start() : end]
            under = _UNDER.search(clause) or _UNDER.search(text[: verbs[0].start()])
            names = [m.group("name").rstrip(",;") for m in _QUOTED.finditer(clause)]
            if not under or not names:
                continue
            for name in names:
                found.append(
                    _Instruction(
                        kind=_VERBS[verb.group(1).lower()],
                        country=under.group("country"),
                        name=name,
                        line=lines.get(paragraph, 0),
                    )
                )
    return found


# --- the Entity List table -----------------------------------------------------------------

_NUMBERS = {
    word: n
    for n, word in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
            *("seventeen", "eighteen", "nineteen", "twenty"),
        )
    )
}
_ALIAS_COUNT = re.compile(r"the following (?P<count>\w+) alias(?:es)?", re.IGNORECASE)
_AKA = re.compile(r",?\s*a\.k\.a\.?,?", re.IGNORECASE)
_SEE_ALSO = re.compile(r"\s*\(See alternate address(?:es)? under [^)]*\)\.?", re.IGNORECASE)
# Company-form abbreviations whose final dot belongs to the name, not to the sentence.
_ABBREVIATIONS = {"co", "corp", "inc", "ltd", "pte", "pvt", "bhd", "jsc", "llc", "plc", "sa", "ag"}


def _blank(text: str) -> bool:
    return not text.replace("*", "").strip()


def _strip_name(text: str) -> str:
    """An alias without its list punctuation ("—HEAD France; and" -> "HEAD France")."""
    name = text.strip().lstrip("—-–").strip()
    name = re.sub(r"[;,]?\s*(?:and)?\s*$", "", name).strip()
    name = re.sub(r"\s+and$", "", name).rstrip(";,").strip()
    if name.endswith("."):
        last = name[:-1].rsplit(" ", 1)[-1]
        if "." not in last and last.lower() not in _ABBREVIATIONS:
            name = name[:-1]
    return name


def _split_addresses(text: str) -> list[str]:
    text = _SEE_ALSO.sub("", text)
    parts = re.split(r";\s*(?:and\s+)?", text)
    return [p.strip().rstrip(".").strip() for p in parts if p.strip().rstrip(".").strip()]


@dataclass(slots=True)
class _Row:
    """One entry of the table, with the continuation rows that carry more of its addresses."""

    line: int
    country: str
    head: str
    aliases: list[str]
    alias_count: int | None
    addresses: list[str]
    licence: str
    review: str
    citation: str
    name: str = ""
    extra: list[str] = field(default_factory=list)


def _entity_cell(cell: Element) -> tuple[str, list[str], list[str]]:
    """(head text, alias lines, address lines) of an Entity cell."""
    head = _render(cell, skip="LI")
    aliases: list[str] = []
    addresses: list[str] = []
    for item in cell.iter("LI"):
        text = _render(item)
        if text.startswith(("—", "–")):
            aliases.append(_strip_name(text))
        elif text:
            addresses.append(text)
    return head, aliases, addresses


# The Entity List's columns as a rule's table heads them (Supp. No. 4 to part 744). The table is
# read by position, so a heading row that names other columns is refused, naming the one missing.
HEADINGS = (
    "Country",
    "Entity",
    "License requirement",
    "License review policy",
    "Federal Register citation",
)


def _heading_key(text: str) -> str:
    return " ".join(text.lower().replace("licence", "license").split()).rstrip(".")


def _check_headings(cells: list[str], line: int, path: Path) -> None:
    found = [_heading_key(c) for c in cells]
    for index, heading in enumerate(HEADINGS):
        if index >= len(found) or found[index] != _heading_key(heading):
            got = repr(cells[index]) if index < len(cells) else "nothing"
            raise SourceError(
                path,
                line,
                heading,
                f"required column {heading!r} missing: column {index + 1} of the table's heading "
                f"row is {got} (the Entity List's columns: {', '.join(HEADINGS)}); renamed?",
            )
    if len(found) > len(HEADINGS):
        raise SourceError(
            path, line, None, f"the table's heading row has {len(found)} columns, not 5: {cells}"
        )


def _check_tables(root: Element, lines: dict[Element, int], path: Path) -> None:
    """Refuse a rule whose table heads other columns than the Entity List's (a whole-file
    fault, so never skipped as a bad row)."""
    for table in root.iter("GPOTABLE"):
        for row in table.iter("ROW"):
            texts = [_render(c) for c in row.findall("ENT")]
            if _is_heading_row(texts):
                _check_headings(texts, lines.get(row, 0), path)


def _is_heading_row(cells: list[str]) -> bool:
    """A row that heads the columns: at least three cells read as Entity List headings (so a
    renamed one is still recognised as a heading, and reported)."""
    keys = {_heading_key(h) for h in HEADINGS}
    return sum(_heading_key(c) in keys for c in cells) >= 3


def _table_rows(root: Element, lines: dict[Element, int], path: Path) -> list[_Row]:
    rows: list[_Row] = []
    country = ""
    for table in root.iter("GPOTABLE"):
        for row in table.iter("ROW"):
            cells = row.findall("ENT")
            if not cells:
                continue
            texts = [_render(c) for c in cells]
            if _is_heading_row(texts):
                continue  # checked by _check_tables
            first = texts[0]
            if first and not _blank(first):
                country = first
            if len(cells) < 2 or _blank(_render(cells[1])):
                continue
            line = lines.get(row, 0)
            head, aliases, addresses = _entity_cell(cells[1])
            if len(cells) == 2:
                # A row holding only more of the Entity cell: the addresses of the entry above.
                if not rows or rows[-1].country != country:
                    raise SourceError(path, line, "Entity", "continuation row with no entry above")
                rows[-1].extra.append(head)
                rows[-1].extra.extend(addresses)
                continue
            if len(cells) != 5:
                raise SourceError(path, line, None, f"expected 5 cells, found {len(cells)}")
            if not country:
                raise SourceError(path, line, "Country", "entry before any country heading")
            count = _ALIAS_COUNT.search(head)
            alias_count = None
            if count:
                word = count.group("count").lower()
                alias_count = int(word) if word.isdigit() else _NUMBERS.get(word)
            rows.append(
                _Row(
                    line=line,
                    country=country,
                    head=head,
                    aliases=aliases,
                    alias_count=alias_count,
                    addresses=addresses,
                    licence=_render(cells[2]),
                    review=_render(cells[3]),
                    citation=_render(cells[4]),
                )
            )
    return rows


def _name_of(row: _Row, candidates: list[str]) -> str:
    """The instruction name the Entity cell starts with (the longest, so "Spacety Co., Ltd." wins
    over "Spacety"), or "" if none."""
    head = identity_text(row.head)
    best = ""
    for name in candidates:
        key = identity_text(name)
        if (head == key or head.startswith(key + " ")) and len(key) > len(identity_text(best)):
            best = name
    return best


def _entry(row: _Row, country: str, citation: Citation | None, effective: date | None) -> Entry:
    # Text after the name and before any a.k.a. is the address of an entry without aliases.
    rest = row.head[len(row.name) :] if row.head.startswith(row.name) else ""
    rest = rest.lstrip(" ,")
    if _AKA.match(rest) or _ALIAS_COUNT.search(rest):
        rest = ""
    address_lines = [rest, *row.addresses, *row.extra]
    addresses = tuple(
        Address(street=text, country=country)
        for line in address_lines
        for text in _split_addresses(line)
    )
    # The cell lists the entry's earlier rules, then a placeholder for this one (cumulative).
    earlier = parse_citations(row.citation)
    return Entry(
        id=entry_id(ListCode.EL, row.name, country),
        list=ListCode.EL,
        type=EntryType.ENTITY,
        name=row.name,
        aliases=tuple(dict.fromkeys(a for a in row.aliases if a and a != row.name)),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=(country,) if country else (),
        licence=parse_licence(row.licence),
        review=parse_review(row.review),
        citations=earlier + ((citation,) if citation else ()),
        start_date=effective,
    )


# --- the whole rule --------------------------------------------------------------------------


def _with_ids(records: list[Entry]) -> list[Entry]:
    """The entry keeps its id; a party named in it gets one from its name and country."""
    head, *named = records
    country = head.countries[0] if head.countries else ""
    return [head, *(replace(r, id=entry_id(ListCode.EL, r.name, country)) for r in named)]


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """The Entity List instructions of one FR rule, as RuleChanges."""
    root, lines = _read_tree(path)
    rule = root if root.tag == "RULE" else next(root.iter("RULE"), None)
    if rule is None:
        raise SourceError(path, None, None, "no <RULE> document in the file")
    bad_rows = BadRows(skip_bad_rows)
    report = bad_rows.report

    # The elements a rule's changes are read from: refused, naming the one missing, rather than
    # read as a rule that changes nothing, or changes entries from no date.
    if next(rule.iter("AMDPAR"), None) is None:
        raise SourceError(
            path, lines.get(rule), "AMDPAR", "no amendatory instruction (<AMDPAR>) in the rule"
        )
    _check_tables(rule, lines, path)
    instructions = _instructions(rule, lines)
    rows: list[_Row] = []
    try:
        rows = _table_rows(rule, lines, path)
    except SourceError as error:
        report(error)
    effective = _effective_date(rule)
    if effective is None:
        dates = next(rule.iter("EFFDATE"), None)
        raise SourceError(
            path,
            lines.get(dates if dates is not None else rule),
            "EFFDATE",
            "no effective date: the rule's DATES (<EFFDATE>) must say when it is effective"
            if dates is not None
            else "required element <EFFDATE> (the rule's DATES) missing",
        )
    citation = _rule_citation(rule, [r.citation for r in rows])
    if citation is None and any(i.kind is not ChangeKind.REMOVED for i in instructions):
        raise SourceError(
            path,
            lines.get(rule),
            "PRTPAGE",
            "the rule's own citation cannot be read: no page markers (<PRTPAGE>) or no volume "
            "in its table's citation cells",
        )

    # Table rows by (country, name), named after the instruction they print.
    printed: dict[tuple[str, str], _Row] = {}
    for row in rows:
        row_country = country_code(row.country)
        candidates = [
            i.name
            for i in instructions
            if i.kind is not ChangeKind.REMOVED and country_code(i.country) == row_country
        ]
        row.name = _name_of(row, candidates)
        if not row.name:
            report(
                SourceError(
                    path, row.line, "Entity", "no amendment instruction adds or revises this entry"
                )
            )
            continue
        found = len(row.aliases)
        if row.alias_count is not None and row.alias_count != found:
            report(
                SourceError(
                    path,
                    row.line,
                    "Entity",
                    f"{row.name!r}: the text announces {row.alias_count} aliases, lists {found}",
                )
            )
            continue
        printed[(row_country, identity_text(row.name))] = row

    changes: list[RuleChange] = []
    for instruction in instructions:
        country = country_code(instruction.country)
        if not country:
            report(
                SourceError(
                    path, instruction.line, "AMDPAR", f"unknown country {instruction.country!r}"
                )
            )
            continue
        if instruction.kind is ChangeKind.REMOVED:
            entry = Entry(
                id=entry_id(ListCode.EL, instruction.name, country),
                list=ListCode.EL,
                type=EntryType.ENTITY,
                name=instruction.name,
                countries=(country,),
            )
        else:
            match = printed.get((country, identity_text(instruction.name)))
            if match is None:
                report(
                    SourceError(
                        path,
                        instruction.line,
                        "AMDPAR",
                        f"no table entry for {instruction.name!r} under {instruction.country}",
                    )
                )
                continue
            entry = _entry(match, country, citation, effective)
        # A party the entry names in its text is added, revised or removed with it.
        for record in link_parents(_with_ids(named_parties(entry))):
            changes.append(RuleChange(instruction.kind, record, effective, citation))

    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=effective,
        changes=changes,
        problems=bad_rows.problems,
        lists=(ListCode.EL,),
        document=_document(rule, citation, effective, path),
    )


__all__ = ["FORMAT", "parse", "sniff"]
