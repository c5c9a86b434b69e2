"""The evidence of a screening or determination as a PDF an auditor can file (fpdf2).

The PDF carries the same facts as the printable page (``web/evidence.py``): reference, who, when,
what was screened, the list versions with their data dates and checksums, the result and each
hit's consequence. The audit record itself is attached as JSON (with its hash), so the exact
names, in any script, travel with the paper and can be checked against the trail.

Fonts: DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew...) and a CJK font where one is
installed, or those named by ``EXPORTSCREEN_PDF_FONTS``. A character that no font covers would
print as an empty box; such text is printed transliterated with a note instead, never dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from anyascii import anyascii
from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from exportscreen import settings
from exportscreen.casework.evidence import Evidence

_DEFAULT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
_CORE_FONT = "helvetica"  # Latin-1 only: used when no TrueType font is found
NOTICE = (
    "exportscreen supports, and does not replace, a compliance decision. Keep this record for at "
    "least five years (15 CFR 762.6). The audit record is attached to this PDF as JSON; its hash "
    "can be checked against the audit trail (exportscreen audit verify)."
)


@cache
def _fonts() -> tuple[tuple[str, Path, frozenset[int]], ...]:
    """(family, file, code points covered) of each usable font, the main one first."""
    named = [p for p in settings.PDF_FONTS.split(os.pathsep) if p] or list(_DEFAULT_FONTS)
    found: list[tuple[str, Path, frozenset[int]]] = []
    for index, name in enumerate(named):
        path = Path(name)
        if not path.is_file():
            continue
        try:
            font = TTCollection(str(path)).fonts[0] if path.suffix == ".ttc" else TTFont(str(path))
            cmap = frozenset(font.getBestCmap() or {})
        except Exception:  # an unreadable font file is skipped like a missing one
            continue
        found.append((f"f{index}", path, cmap))
    return tuple(found)


class _Document(FPDF):
    def __init__(self, reference: str):
        super().__init__(format="A4")
        self.reference = reference
        self.covered: frozenset[int] = frozenset()
        fonts = _fonts()
        if fonts:
            for family, path, _cmap in fonts:
                self.add_font(family, "", str(path))
                # DejaVuSans-Bold.ttf beside DejaVuSans.ttf; else bold is the regular face.
                bold = path.with_name(f"{path.stem}-Bold{path.suffix}")
                self.add_font(family, "B", str(bold if bold.is_file() else path))
            self.main = fonts[0][0]
            self.covered = frozenset().union(*(cmap for _, _, cmap in fonts))
            if len(fonts) > 1:
                self.set_fallback_fonts([family for family, _, _ in fonts[1:]])
        else:
            self.main = _CORE_FONT
            self.covered = frozenset(range(256))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.set_title(f"Screening evidence {reference}")
        self.set_creator("exportscreen")
        self.set_author("exportscreen")

    def header(self) -> None:
        self.set_font(self.main, "", 8)
        self.cell(0, 5, f"exportscreen · evidence {self.reference}", align="R")
        self.ln(7)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.main, "", 7)
        self.cell(0, 5, f"{self.reference} · page {self.page_no()}/{{nb}}", align="C")

    def text_of(self, value: Any) -> str:
        """``value`` as printable text; what no font can show is transliterated, with a note."""
        text = "" if value is None else str(value)
        missing = {c for c in text if ord(c) not in self.covered and not c.isspace()}
        if not missing:
            return text
        return f"{anyascii(text)} [transliterated: the original is in the attached record]"

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(self.main, "B", 12)
        self.multi_cell(0, 7, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.main, "", 9)

    def paragraph(self, text: str, size: int = 9) -> None:
        self.set_font(self.main, "", size)
        self.multi_cell(0, 5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rows(
        self,
        header: Sequence[str] | None,
        rows: Iterable[Sequence[Any]],
        widths: Sequence[int],
        size: int = 8,
    ) -> None:
        """A table; ``header`` None for a table of facts (name, value)."""
        self.set_font(self.main, "", size)
        with self.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=self.font_size * 1.5,
            first_row_as_headings=header is not None,
        ) as table:
            if header is not None:
                first = table.row()
                for cell in header:
                    first.cell(cell)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.text_of(value))
        self.ln(2)


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def render_pdf(found: Evidence) -> bytes:
    """The evidence as PDF bytes."""
    record = found.record
    payload = found.payload
    pdf = _Document(found.reference)
    pdf.add_page()
    pdf.set_font(pdf.main, "B", 16)
    pdf.multi_cell(
        0, 9, f"Evidence of a {found.kind}: {found.reference}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    facts: list[tuple[str, Any]] = [
        ("Reference", found.reference),
        ("What", found.kind),
        ("When (UTC)", record.created_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("User", record.actor),
        (
            "Through",
            f"{found.interface or '?'}"
            + (f" (role {payload['role']})" if payload.get("role") else ""),
        ),
        ("Algorithm", payload.get("algorithm", "")),
        ("Threshold", payload.get("threshold", "")),
        ("Audit record", f"no. {record.seq}, hash {record.hash}"),
        (
            "Record check",
            "the hash recomputes from the record"
            if found.hash_checks
            else "THE RECORD DOES NOT MATCH ITS HASH",
        ),
    ]
    if found.outcome:
        facts.insert(2, ("Outcome", found.outcome))
    pdf.rows(None, facts, (35, 145), size=9)

    pdf.heading("List versions screened against")
    pdf.rows(
        ("List", "Version", "Data date", "File", "SHA-256"),
        (
            (
                f"{v.list} · {v.list_name}",
                v.version_id,
                v.as_of.isoformat() if v.as_of else "not in this store",
                v.file_name,
                v.sha256,
            )
            for v in found.versions
        ),
        (45, 15, 22, 40, 58),
        size=7,
    )

    if found.screenings:
        pdf.heading("What was screened and what was found")
        for screening in found.screenings:
            query = ", ".join(
                f"{k}: {v}" for k, v in screening.query.items() if v not in (None, "")
            )
            found_text = (
                f"{screening.hit_count} hit(s)"
                if screening.hit_count
                else "no hit: no listed party at or above the threshold"
            )
            pdf.paragraph(f"{query} - {found_text}")
            if screening.hits:
                pdf.rows(
                    ("Score", "Entry", "Matched name", "If a true match", "Licence requirement"),
                    (
                        (
                            _score(h.score),
                            f"{h.list} {h.entry_id}\n{h.entry_name}",
                            h.matched_name,
                            f"{h.outcome}: {h.effect} ({h.regulation})",
                            h.licence_requirement,
                        )
                        for h in screening.hits
                    ),
                    (13, 42, 35, 55, 35),
                    size=7,
                )
            if screening.hit_count > len(screening.hits):
                pdf.paragraph(
                    f"The record keeps the first {len(screening.hits)} of "
                    f"{screening.hit_count} hits."
                )
    if "rows" in payload:
        pdf.heading("File screened")
        pdf.rows(
            None,
            [
                ("File", payload.get("file", "")),
                ("Rows read", payload.get("rows", "")),
                ("Rows screened", payload.get("screened", "")),
                ("Hits written", payload.get("hits", "")),
                ("Bad rows", payload.get("bad_rows", "")),
            ],
            (35, 145),
            size=9,
        )
    if "transaction" in payload:
        _determination(pdf, payload)

    pdf.ln(4)
    pdf.paragraph(NOTICE, size=7)
    attached = json.dumps(found.to_dict(), ensure_ascii=False, indent=2, default=str)
    pdf.embed_file(
        bytes=attached.encode("utf-8"),
        basename=f"{found.reference}.json",
        desc="The audit record of this screening, with its hash",
        modification_date=record.created_at,
    )
    return bytes(pdf.output())


def _determination(pdf: _Document, payload: Any) -> None:
    transaction = payload.get("transaction") or {}
    pdf.heading("Transaction")
    pdf.rows(
        None,
        [
            ("Transaction", transaction.get("id") or ""),
            ("Date", transaction.get("date") or ""),
            ("Destination", transaction.get("destination_country") or ""),
            (
                "Items",
                "; ".join(
                    f"{i.get('eccn', '')} {i.get('description', '')}".strip()
                    for i in transaction.get("items") or ()
                ),
            ),
            ("Outcome", payload.get("outcome", "")),
            ("If pending matches are confirmed", payload.get("if_confirmed") or "-"),
        ],
        (45, 135),
        size=9,
    )
    pdf.heading("Parties")
    pdf.rows(
        ("Role", "Name", "Outcome"),
        ((p.get("role"), p.get("name"), p.get("outcome")) for p in payload.get("parties") or ()),
        (40, 100, 40),
    )
    if payload.get("grounds"):
        pdf.heading("Grounds")
        for ground in payload["grounds"]:
            pdf.paragraph(f"- {ground}")
    if payload.get("warnings"):
        pdf.heading("Warnings")
        for warning in payload["warnings"]:
            pdf.paragraph("- " + ", ".join(f"{k}: {v}" for k, v in warning.items()))
