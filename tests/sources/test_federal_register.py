"""Federal Register Entity List rules: a hand-written rule, then FR Doc 2023-03929 (shared)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import ChangeKind, Citation, LicenceScope, ListCode, ReviewPolicy
from exportscreen.sources import federal_register
from exportscreen.sources.common import SourceError, entry_id

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sources" / "fr_entity_list_rule.xml"
RULE_2023 = "federal_register/2023-03929_88FR12170_entity_list_additions.xml"


def test_sniff() -> None:
    assert federal_register.sniff(FIXTURE, FIXTURE.read_bytes()[:4096])
    assert not federal_register.sniff(Path("x.xml"), b"<sanctionsData>")


def test_fixture_rule() -> None:
    parsed = federal_register.parse(FIXTURE)
    assert parsed.entries == [] and parsed.problems == []
    assert parsed.lists == (ListCode.EL,)
    assert parsed.as_of == date(2025, 3, 25)  # DATES, not the publication date
    citation = Citation(volume=90, page=14046, date=date(2025, 3, 28), raw="90 FR 14046")
    changes = {(c.kind, c.entry.name): c for c in parsed.changes}
    assert list(changes) == [
        (ChangeKind.ADDED, "Example Computing Co., Ltd."),
        (ChangeKind.ADDED, "Example Optics"),
        (ChangeKind.CHANGED, "Example Drone Parts Company"),
        (ChangeKind.REMOVED, "Example Removed Inc."),
    ]
    assert all(c.citation == citation and c.effective_date == parsed.as_of for c in parsed.changes)

    computing = changes[(ChangeKind.ADDED, "Example Computing Co., Ltd.")].entry
    assert computing.id == entry_id(ListCode.EL, "Example Computing Co., Ltd.", "CN")
    assert computing.countries == ("CN",)
    assert computing.aliases == ("Example Computing", "ECC Ltd.")
    assert [a.street for a in computing.addresses] == [
        "Room 9, 9th Floor, No. 1 Example Road, Beijing",
        "No. 2 Example Road, Shanghai",
    ]
    assert computing.licence.scope is LicenceScope.ALL_ITEMS
    assert computing.licence.footnotes == (4,)
    assert computing.review.policy is ReviewPolicy.PRESUMPTION_OF_DENIAL
    assert computing.citations == (citation,)

    optics = changes[(ChangeKind.ADDED, "Example Optics")].entry
    assert optics.aliases == () and [a.street for a in optics.addresses] == [
        "No. 3 Example Road, Wuhan"
    ]
    assert optics.review.policy is ReviewPolicy.POLICY_OF_DENIAL

    revised = changes[(ChangeKind.CHANGED, "Example Drone Parts Company")].entry
    assert revised.countries == ("IR",) and revised.aliases == ("EDPC",)
    # the address sits in a continuation row below the entry
    assert [a.street for a in revised.addresses] == ["No. 4 Example Street, Tehran"]
    # cumulative: the earlier rule, then this one
    assert [c.volume for c in revised.citations] == [85, 90]

    removed = changes[(ChangeKind.REMOVED, "Example Removed Inc.")].entry
    assert removed.id == entry_id(ListCode.EL, "Example Removed Inc.", "CA")
    assert removed.countries == ("CA",)


def _damaged(tmp_path: Path, old: str, new: str) -> Path:
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "rule.xml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, start=1) if needle in text)


def test_alias_count_mismatch(tmp_path: Path) -> None:
    path = _damaged(tmp_path, "<LI>—ECC Ltd.</LI>", "")
    with pytest.raises(SourceError) as raised:
        federal_register.parse(path)
    assert raised.value.field == "Entity"
    # the <ROW> holding the entry: three lines above its text in the fixture
    assert raised.value.line == _line_of(path, "Example Computing Co., Ltd., a.k.a.") - 3
    assert "announces 2 aliases, lists 1" in raised.value.message
    parsed = federal_register.parse(path, skip_bad_rows=True)
    # the entry is not half-read: its instruction has no table entry left and is reported too
    assert [c.entry.name for c in parsed.changes] == [
        "Example Optics",
        "Example Drone Parts Company",
        "Example Removed Inc.",
    ]
    assert [p.field for p in parsed.problems] == ["Entity", "AMDPAR"]


def test_row_no_instruction_names(tmp_path: Path) -> None:
    path = _damaged(tmp_path, "<ENT>Example Optics, No. 3", "<ENT>Other Optics, No. 3")
    with pytest.raises(SourceError, match="no amendment instruction") as raised:
        federal_register.parse(path)
    assert raised.value.line == _line_of(path, "Other Optics") - 2


def test_wrong_cell_count(tmp_path: Path) -> None:
    path = _damaged(tmp_path, "<ENT>Policy of denial.</ENT>", "")
    with pytest.raises(SourceError, match="expected 5 cells, found 4"):
        federal_register.parse(path)


def test_malformed_xml_reports_the_parser_line(tmp_path: Path) -> None:
    path = _damaged(tmp_path, "<ENT>Presumption of denial.</ENT>", "<ENT>Presumption of denial.")
    with pytest.raises(SourceError, match="malformed XML") as raised:
        federal_register.parse(path, skip_bad_rows=True)
    # expat notices at the </ROW> that closes the row while the cell is still open
    unclosed = _line_of(path, "Presumption of denial.")
    lines = path.read_text(encoding="utf-8").splitlines()
    row_end = next(i for i in range(unclosed, len(lines)) if "</ROW>" in lines[i]) + 1
    assert raised.value.line == row_end


# --- FR Doc 2023-03929, 88 FR 12170 ------------------------------------------------------------

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


@pytest.mark.shared
def test_real_rule(raw_dir: Path) -> None:
    path = raw_dir / RULE_2023
    parsed = federal_register.parse(path)
    assert parsed.problems == [] and parsed.entries == []
    assert parsed.as_of == date(2023, 2, 24)
    assert len(parsed.changes) == 13
    assert all(c.kind is ChangeKind.ADDED for c in parsed.changes)
    assert Counter(c.entry.countries[0] for c in parsed.changes) == {
        "CA": 2,
        "CN": 5,
        "FR": 1,
        "LU": 1,
        "NL": 1,
        "RU": 3,
    }
    assert len({c.entry.name for c in parsed.changes}) == 10  # 10 entities under 13 entries
    rule = Citation(volume=88, page=12170, date=date(2023, 2, 27), raw="88 FR 12170")
    for change in parsed.changes:
        entry = change.entry
        assert change.citation == rule and entry.citations == (rule,)
        assert change.effective_date == date(2023, 2, 24)
        assert entry.list is ListCode.EL
        assert entry.id == entry_id(ListCode.EL, entry.name, entry.countries[0])
        assert entry.licence.scope is LicenceScope.ALL_ITEMS and entry.licence.footnotes == (3,)
        assert entry.addresses, entry.name

    # Alias counts, in table order, as the text announces them ("the following six aliases").
    announced = [
        _WORDS[m]
        for m in re.findall(r"the following (\w+) alias", path.read_text(encoding="utf-8"))
    ]
    assert [len(c.entry.aliases) for c in parsed.changes] == announced

    electronic = next(c.entry for c in parsed.changes if c.entry.name == "Electronic Network Inc.")
    assert "Electronic's Network & Technology Corp." in electronic.aliases
    assert [a.street for a in electronic.addresses] == [
        "145 Montee De Liesse Ste 10 St. Laurent, Quebec H4T 1T9 Canada"
    ]
    spacety_cn = next(
        c.entry
        for c in parsed.changes
        if c.entry.name == "Spacety Co., Ltd." and "CN" in c.entry.countries
    )
    assert "Spacety Luxembourg S.A." in spacety_cn.aliases
    assert len(spacety_cn.addresses) == 2
    assert "Room 445, 9th Floor" in spacety_cn.addresses[1].street
