"""The licence terms of an Entity List (or MEU) entry, read from the cells as BIS prints them.

BIS writes these cells by hand, so the same requirement appears in many spellings ("For all items
subject to the EAR.  (See §744.11 of the EAR)", "All items subject to the EAR. (See § 744.11 of the
EAR)") and foreign-direct-product footnote markers lose their superscript in text exports, ending
up as bare digits glued to the text around them ("734.9(g),3 746.8(a)(3)", "of the EAR) 4",
"EXCEPT2"). Every loader that reads these columns (CSL, BIS JSON, OFAC's neighbours reading Federal
Register tables) goes through ``parse_licence`` and ``parse_review`` so the readings agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from exportscreen.model import LicenceRequirement, LicenceScope, Review, ReviewPolicy

# EAR sections live in parts 730-774 of 15 CFR. BIS sometimes types a lower-case "l" for the digit
# one ("744.2l(b)"), which the optional "l" catches so the reference is not lost.
_SECTION = re.compile(
    r"(?<![\d.])(?P<section>7[3-7]\d\.\d{1,3}l?)(?P<paragraphs>(?:\s?\([a-z0-9]{1,4}\))*)"
)

# A footnote marker glued after a section reference: "(g),3 ", "(g)3,", "(e) 1 and", "(e),1 and".
# Only the digits 1 to 5 exist, and a marker is never followed by another digit, a letter, a dot or
# a parenthesis (that would be a section, an ECCN or a paragraph number).
_MARKER_AFTER_SECTION = re.compile(r"\s?,?\s?(?P<footnote>[1-5])(?![\w.(])")

# A marker after the closing words of the cell: "of the EAR) 4", "EAR)4", "of the EAR 2",
# "EXCEPT2 for technology", and the real superscripts when an export kept them.
_MARKER_AFTER_WORDS = re.compile(
    r"(?:\bEAR\b\.?\)?\.?|\bEXCEPT)\s?(?P<footnote>[1-5])(?![\w.(])", re.IGNORECASE
)
_SUPERSCRIPTS = {"¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5}

# ECCNs: a category digit, a product-group letter, three digits, then optional sub-paragraphs
# ("3A001", "5A992.c", "0A521", "1A004.c", "3B001.a.1").
_ECCN = re.compile(r"\b[0-9][A-E][0-9]{3}(?:\.[a-z](?:\.\d{1,2})?)?\b")

_ALL_ITEMS = re.compile(r"\ball items subjects? to the ear\b")
# Items defined by a control list rather than by "all items": the CCL itself, or the supplements
# that enumerate items by ECCN (Supp. 2 to part 744 for the MEU list, Supp. 7 to part 746 for the
# Russia/Belarus high-diversion-risk addresses).
_LISTED_ITEMS = re.compile(
    r"\bon the ccl\b|\blisted on the commerce control list\b|\bcommerce control list\b"
    r"|\blisted in supplement no\. ?\d+ to part 7\d\d\b"
)

_POLICIES = (
    (ReviewPolicy.PRESUMPTION_OF_DENIAL, re.compile(r"\bpresumption of denial\b")),
    (ReviewPolicy.POLICY_OF_DENIAL, re.compile(r"\bpolicy of denial\b")),
    # "casa-by-case" is a real misprint in the Entity List.
    (ReviewPolicy.CASE_BY_CASE, re.compile(r"\bcas[ea][\s-]+by[\s-]+case\b")),
    (ReviewPolicy.PRESUMPTION_OF_APPROVAL, re.compile(r"\bpresumption of approval\b")),
)
_SEE_SECTION = re.compile(r"§|\bsee\b.*\b7[3-7]\d\.\d")


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _section_name(section: str, paragraphs: str) -> str:
    return section.replace("l", "1") + paragraphs.replace(" ", "")


def _regulations(text: str) -> list[str]:
    regulations: dict[str, None] = {}
    for m in _SECTION.finditer(text):
        regulations.setdefault(_section_name(m.group("section"), m.group("paragraphs")), None)
    return list(regulations)


@dataclass(frozen=True, slots=True)
class FootnoteMarker:
    """A footnote marker in a licence cell: ``text[start:end]`` is the digit (or superscript)."""

    start: int
    end: int
    number: int


def footnote_markers(text: str) -> list[FootnoteMarker]:
    """The foreign-direct-product footnote markers in ``text`` (a licence cell with its spaces
    collapsed, as ``clean_cell`` gives it), in order: what ``parse_licence`` reads as
    ``footnotes``, with where each stands, so that a page can show the marker as a footnote
    reference instead of a stray digit ("of the EAR) 4")."""
    found: dict[int, FootnoteMarker] = {}
    for m in _SECTION.finditer(text):
        marker = _MARKER_AFTER_SECTION.match(text, m.end())
        if marker:
            start, end = marker.span("footnote")
            found[start] = FootnoteMarker(start, end, int(marker.group("footnote")))
    for m in _MARKER_AFTER_WORDS.finditer(text):
        start, end = m.span("footnote")
        found.setdefault(start, FootnoteMarker(start, end, int(m.group("footnote"))))
    for index, char in enumerate(text):
        if char in _SUPERSCRIPTS:
            found.setdefault(index, FootnoteMarker(index, index + 1, _SUPERSCRIPTS[char]))
    return [found[start] for start in sorted(found)]


def clean_cell(text: str | None) -> str:
    """A cell's text with runs of white space collapsed to one space."""
    return _clean(text)


# Cached: a list repeats a handful of distinct cells thousands of times.
@lru_cache(maxsize=4096)
def parse_licence(text: str) -> LicenceRequirement:
    """The License Requirement cell of an Entity List or MEU entry.

    ``scope`` is ALL_ITEMS whenever the cell starts from "all items subject to the EAR", even
    with a carve-out ("except for food or medicine designated as EAR99, or ECCN 5A992.c"); the
    ECCNs a carve-out names are kept in ``eccns``. A cell that names ECCNs or defines the items by
    the Commerce Control List is LISTED_ECCNS; anything else printed is OTHER; an empty cell is
    NONE. ``footnotes`` are the foreign-direct-product designations (domain notes §1).
    """
    raw = (text or "").strip()
    cleaned = _clean(raw)
    if not cleaned or cleaned.lower() in {"none", "null"}:
        return LicenceRequirement(raw=raw)
    lowered = cleaned.lower()
    eccns = tuple(dict.fromkeys(_ECCN.findall(cleaned)))
    if _ALL_ITEMS.search(lowered):
        scope = LicenceScope.ALL_ITEMS
    elif eccns or _LISTED_ITEMS.search(lowered):
        scope = LicenceScope.LISTED_ECCNS
    else:
        scope = LicenceScope.OTHER
    footnotes = {marker.number for marker in footnote_markers(cleaned)}
    return LicenceRequirement(
        raw=raw,
        scope=scope,
        eccns=eccns,
        footnotes=tuple(sorted(footnotes)),
        regulations=tuple(_regulations(cleaned)),
    )


@lru_cache(maxsize=4096)
def parse_review(text: str) -> Review:
    """The License Review Policy cell.

    One policy named -> that policy; several ("presumption of denial ... case-by-case for ...")
    -> MIXED; none, but a pointer to the regulation that sets it ("See §§ 744.2(d), 744.3(d)",
    the MEU's "specified in §744.21(d) and (e)") -> CROSS_REFERENCE; empty -> NONE.
    ReviewPolicy has no OTHER: text naming no known policy and no section is NONE with ``raw``
    kept.
    """
    raw = (text or "").strip()
    lowered = _clean(raw).lower()
    if not lowered or lowered in {"none", "null"}:
        return Review(raw=raw)
    named = [policy for policy, pattern in _POLICIES if pattern.search(lowered)]
    if len(named) > 1:
        return Review(raw=raw, policy=ReviewPolicy.MIXED)
    if named:
        return Review(raw=raw, policy=named[0])
    if _SEE_SECTION.search(lowered):
        return Review(raw=raw, policy=ReviewPolicy.CROSS_REFERENCE)
    # Text naming no policy we know keeps its words in ``raw`` for the analyst; guessing a policy
    # from it would put words in BIS's mouth.
    return Review(raw=raw)


__all__ = ["FootnoteMarker", "clean_cell", "footnote_markers", "parse_licence", "parse_review"]
