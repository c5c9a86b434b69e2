"""Legal text on a page: CFR and Federal Register citations as links, licence cells with their
footnote markers shown as footnote references (never a stray digit), and each listing's
consequence (``decisions.consequence.listing_meaning``) ready for a badge.

Links go to the official texts: the eCFR (``www.ecfr.gov``) for the Code of Federal Regulations
and the Federal Register's citation search (``www.federalregister.gov``) for "84 FR 22963". They
are plain links (no request is made by the page): the analyst follows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup, escape

from exportscreen.decisions.consequence import ListingMeaning, listing_meaning
from exportscreen.model import Entry, Outcome
from exportscreen.sources.terms import clean_cell, footnote_markers

ECFR = "https://www.ecfr.gov/current"
FEDERAL_REGISTER = "https://www.federalregister.gov/citation"
EAR_TITLE = 15  # the EAR are 15 CFR parts 730-774

# One pass over the text: whichever comes first of a title ("15 CFR"), a Federal Register
# citation, a supplement, a part, or a section with its paragraphs.
_CITATION = re.compile(
    r"(?P<fr>\b(?P<fr_volume>\d{2,3}) FR (?P<fr_page>\d{1,6})\b)"
    r"|(?P<supp>\bSupp(?:lement)?\.? No\. ?(?P<supp_no>\d{1,2}) to [Pp]art (?P<supp_part>\d{3})\b)"
    r"|(?P<title>\b(?P<title_no>\d{1,2}) CFR\b(?: (?:[Pp]art )?(?P<title_part>\d{3})(?![\d.]))?)"
    r"|(?P<part>\b[Pp]art (?P<part_no>\d{3})\b(?!\.\d))"
    r"|(?P<section>(?<![\w.])(?P<section_part>\d{3})\.(?P<section_no>\d{1,4})l?"
    r"(?P<paragraphs>(?:\([a-z0-9]{1,4}\))*))"
)


def _title_for(part: int, current: int | None) -> int | None:
    if current is not None:
        return current
    if 730 <= part <= 774:
        return EAR_TITLE
    return None


def _link(url: str, text: str) -> Markup:
    return Markup('<a href="{}" rel="noopener" class="cite">{}</a>').format(url, text)


def section_url(title: int, part: str, section: str, paragraphs: str = "") -> str:
    """``15, "744", "11", "(a)(2)"`` -> the eCFR page of 15 CFR 744.11, at paragraph (a)(2)."""
    number = f"{part}.{section}"
    url = f"{ECFR}/title-{title}/part-{part}/section-{number}"
    if paragraphs:
        url += f"#p-{number}{paragraphs}"
    return url


def supplement_url(title: int, number: str, part: str) -> str:
    name = f"Supplement No. {number} to Part {part}"
    return f"{ECFR}/title-{title}/part-{part}/appendix-{quote(name)}"


def cite(text: str, default_title: int | None = None) -> Markup:
    """``text`` escaped, with every CFR section, part and supplement and every Federal Register
    citation it names made a link. A bare section number counts as a CFR section when a title
    came before it ("31 CFR 560.204"), when ``default_title`` says so (a licence cell's sections
    are the EAR's), or when its part is one of the EAR's (730-774)."""
    out: list[Markup | str] = []
    title = default_title
    last = 0
    for m in _CITATION.finditer(text):
        out.append(escape(text[last : m.start()]))
        last = m.end()
        whole = m.group(0)
        if m.group("fr"):
            url = f"{FEDERAL_REGISTER}/{m.group('fr_volume')}-FR-{m.group('fr_page')}"
            out.append(_link(url, whole))
        elif m.group("title"):
            title = int(m.group("title_no"))
            part = m.group("title_part")
            url = f"{ECFR}/title-{title}" + (f"/part-{part}" if part else "")
            out.append(_link(url, whole))
        elif m.group("supp"):
            part = m.group("supp_part")
            found = _title_for(int(part), title)
            if found is None:
                out.append(escape(whole))
            else:
                out.append(_link(supplement_url(found, m.group("supp_no"), part), whole))
        elif m.group("part"):
            part = m.group("part_no")
            found = _title_for(int(part), title)
            if found is None:
                out.append(escape(whole))
            else:
                out.append(_link(f"{ECFR}/title-{found}/part-{part}", whole))
        else:
            part = m.group("section_part")
            found = _title_for(int(part), title)
            if found is None:
                out.append(escape(whole))
            else:
                url = section_url(found, part, m.group("section_no"), m.group("paragraphs"))
                out.append(_link(url, whole))
    out.append(escape(text[last:]))
    return Markup("").join(out)


def licence_text(raw: str, anchor: str) -> Markup:
    """A licence cell as it should read: its spaces collapsed, each footnote marker a
    superscript reference to the footnote explained below it (``#{anchor}-{n}``), and its EAR
    sections linked."""
    text = clean_cell(raw)
    out: list[Markup] = []
    last = 0
    for marker in footnote_markers(text):
        before = text[last : marker.start].rstrip(" ,") if marker.start > last else ""
        out.append(cite(before, EAR_TITLE))
        out.append(
            Markup('<sup class="fn"><a href="#{}-{}" aria-label="footnote {}">{}</a></sup>').format(
                anchor, marker.number, marker.number, marker.number
            )
        )
        last = marker.end
    out.append(cite(text[last:], EAR_TITLE))
    return Markup("").join(out)


# The badge colour of each outcome: a class of style.css, each checked for contrast.
OUTCOME_CLASSES = {
    Outcome.PROHIBITED: "prohibited",
    Outcome.LICENSE_REQUIRED: "licence",
    Outcome.HOLD: "hold",
    Outcome.NO_LIST_RESTRICTION: "flag",
}
OUTCOME_WORDS = {
    Outcome.PROHIBITED: "PROHIBITED",
    Outcome.LICENSE_REQUIRED: "LICENCE REQUIRED",
    Outcome.HOLD: "HOLD",
    Outcome.NO_LIST_RESTRICTION: "NO LIST RESTRICTION",
}


@dataclass(frozen=True, slots=True)
class Badge:
    text: str
    css: str
    detail: str = ""  # e.g. the review policy of a licence requirement


def meaning_badge(meaning: ListingMeaning) -> Badge:
    return Badge(meaning.badge, OUTCOME_CLASSES[meaning.outcome], meaning.review_label)


def outcome_badge(outcome: Outcome) -> Badge:
    return Badge(OUTCOME_WORDS[outcome], OUTCOME_CLASSES[outcome])


def meaning_of(entry: Entry) -> ListingMeaning:
    return listing_meaning(entry)


__all__ = [
    "OUTCOME_CLASSES",
    "Badge",
    "cite",
    "licence_text",
    "meaning_badge",
    "meaning_of",
    "outcome_badge",
    "section_url",
]
