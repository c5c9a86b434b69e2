"""OFAC enhanced XML: a hand-written fixture, then the real CONS_ENHANCED.ZIP (shared data)."""

from __future__ import annotations

import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import Address, EntryType, Identifier, ListCode
from exportscreen.sources import ofac_csv, ofac_xml
from exportscreen.sources.common import ParsedSource, SourceError

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sources" / "ofac_enhanced_small.xml"
NON_SDN = {ListCode.SSI, ListCode.FSE, ListCode.PLC, ListCode.CAP, ListCode.CMIC, ListCode.MBS}


def _zip(source: Path, target: Path, member: str = "CONS_ENHANCED.XML") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(source, member)
    return target


def test_sniff() -> None:
    head = FIXTURE.read_bytes()[:4096]
    assert ofac_xml.sniff(Path("CONS_ENHANCED.XML"), head)
    assert ofac_xml.sniff(Path("sdn_enhanced.zip"), head)
    assert not ofac_xml.sniff(Path("rule.xml"), b"<RULE><PREAMB>")
    assert not ofac_xml.sniff(Path("sdn_advanced.xml"), b'<Sanctions xmlns="http://www.un.org">')


def test_fixture() -> None:
    parsed = ofac_xml.parse(FIXTURE)
    assert parsed.as_of == date(2025, 1, 10) and parsed.problems == []
    assert set(parsed.lists) == NON_SDN  # "Consolidated List": every non-SDN list
    entries = {e.id: e for e in parsed.entries}
    # 301 is on SSI and SDN: the consolidated file publishes only its SSI entry.
    # 302 is on MBS and SSI: one entry per list.
    assert list(entries) == ["SSI-301", "MBS-302", "SSI-302"]

    bank = entries["SSI-301"]
    assert bank.type is EntryType.ENTITY and bank.source_id == "301"
    assert bank.name == "EXAMPLE BANK PUBLIC JOINT STOCK COMPANY"
    assert bank.aliases == ("ПРИМЕР БАНК ПАО", "EXAMPLE BANK OAO")  # other scripts too
    assert bank.addresses == (
        Address(
            street="29, Example str.", city="St. Petersburg", postal_code="190000", country="RU"
        ),
    )
    assert bank.identifiers == (
        Identifier("Tax ID No.", "7702070139", "RU"),
        Identifier("SWIFT/BIC", "EXAMRUMM"),
    )
    assert bank.programs == ("UKRAINE-EO13662", "RUSSIA-EO14024")
    assert "Secondary sanctions risk: Ukraine-/Russia-Related" in bank.remarks

    person = entries["MBS-302"]
    assert person.type is EntryType.INDIVIDUAL
    assert person.dates_of_birth == ("1961-02-12",)
    assert person.nationalities == ("HT",) and person.countries == ("HT",)
    assert "Owned or Controlled By: EXAMPLE BANK PUBLIC JOINT STOCK COMPANY" in person.remarks


def test_zip_reads_like_the_bare_file(tmp_path: Path) -> None:
    zipped = ofac_xml.parse(_zip(FIXTURE, tmp_path / "CONS_ENHANCED.ZIP"))
    assert zipped.entries == ofac_xml.parse(FIXTURE).entries


def test_sdn_file_publishes_only_the_sdn_list(tmp_path: Path) -> None:
    sdn = tmp_path / "SDN_ENHANCED.XML"
    sdn.write_text(
        FIXTURE.read_text(encoding="utf-8").replace(
            '<sanctionsList refId="91512">Consolidated List</sanctionsList>',
            '<sanctionsList refId="1550">SDN List</sanctionsList>',
        ),
        encoding="utf-8",
    )
    parsed = ofac_xml.parse(sdn, skip_bad_rows=True)
    assert parsed.lists == (ListCode.SDN,)
    assert [e.id for e in parsed.entries] == ["SDN-301"]
    # 302 is on no list the file publishes
    assert [(p.field, p.message) for p in parsed.problems] == [
        ("entity 302/sanctionsLists", "on no list this file publishes")
    ]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("Non-SDN Menu-Based Sanctions List", "Some Future List", "entity 302/sanctionsList"),
        ('<entity id="302">', '<entity id="x302">', "entity/@id"),
        (
            '<entityType refId="600">Individual',
            '<entityType refId="600">Robot',
            "entity 302/entityType",
        ),
    ],
)
def test_bad_entity(tmp_path: Path, old: str, new: str, field: str) -> None:
    damaged = tmp_path / "damaged.xml"
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    damaged.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        ofac_xml.parse(damaged)
    assert raised.value.field == field
    parsed = ofac_xml.parse(damaged, skip_bad_rows=True)
    assert [e.id for e in parsed.entries] == ["SSI-301"]
    assert [p.field for p in parsed.problems] == [field]


def test_malformed_xml_reports_the_parser_line(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.xml"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    index = next(i for i, text in enumerate(lines) if text.strip() == "</translation>")
    lines[index] = "</translatio>"
    damaged.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        ofac_xml.parse(damaged, skip_bad_rows=True)
    assert raised.value.line == index + 1 and "malformed XML" in raised.value.message


def test_zip_without_xml(tmp_path: Path) -> None:
    archive = tmp_path / "CONS_ENHANCED.ZIP"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("README.txt", "no data here")
    with pytest.raises(SourceError, match=r"holds no \.xml"):
        ofac_xml.parse(archive)


def test_truncated_zip(tmp_path: Path) -> None:
    archive = _zip(FIXTURE, tmp_path / "full.zip")
    truncated = tmp_path / "CONS_ENHANCED.ZIP"
    truncated.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(SourceError, match="cannot read file"):
        ofac_xml.parse(truncated)


# --- the real file ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cons_xml(raw_dir: Path) -> ParsedSource:
    return ofac_xml.parse(raw_dir / "watchman" / "ofac_cons_enhanced_2025-01" / "CONS_ENHANCED.ZIP")


@pytest.mark.shared
def test_real_cons_enhanced(cons_xml: ParsedSource) -> None:
    assert cons_xml.as_of == date(2025, 1, 10) and cons_xml.problems == []
    assert len({e.source_id for e in cons_xml.entries}) == 443
    # 443 entities, three of them (Russian Agricultural Bank, Gazprom, Transneft) on both SSI
    # and MBS; the 75 SSI entities also on the SDN list yield no SDN entry here.
    assert Counter(e.list for e in cons_xml.entries) == {
        ListCode.SSI: 286,
        ListCode.PLC: 78,
        ListCode.CMIC: 68,
        ListCode.MBS: 12,
        ListCode.CAP: 1,
        ListCode.FSE: 1,
    }
    vtb = next(e for e in cons_xml.entries if e.id == "SSI-17013")
    assert "БАНК ВТБ ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО" in vtb.aliases


@pytest.mark.shared
def test_real_bare_xml(raw_dir: Path, tmp_path: Path, cons_xml: ParsedSource) -> None:
    with zipfile.ZipFile(
        raw_dir / "watchman" / "ofac_cons_enhanced_2025-01" / "CONS_ENHANCED.ZIP"
    ) as z:
        z.extract("CONS_ENHANCED.XML", tmp_path)
    assert ofac_xml.parse(tmp_path / "CONS_ENHANCED.XML").entries == cons_xml.entries


@pytest.mark.shared
@pytest.mark.parametrize(
    ("entry_id", "name"),
    [
        ("PLC-9639", "HANIYA, Ismail Abdul Salah"),
        ("SSI-17013", "VTB BANK PUBLIC JOINT STOCK COMPANY"),
        ("CAP-15268", "BANK OF KUNLUN CO LTD"),
        ("MBS-50476", "MARTELLY, Michel Joseph"),
        ("CMIC-30882", "CHINA TELECOM CORPORATION LIMITED"),
    ],
)
def test_same_entity_same_id_in_csv_and_xml(
    raw_dir: Path, cons_xml: ParsedSource, entry_id: str, name: str
) -> None:
    csv_set = ofac_csv.parse(raw_dir / "watchman" / "ofac_cons_2025-12" / "cons_prim.csv.gz")
    from_csv = {e.id: e for e in csv_set.entries}
    from_xml = {e.id: e for e in cons_xml.entries}
    assert from_csv[entry_id].name == from_xml[entry_id].name == name


@pytest.mark.shared
def test_csv_and_xml_agree_on_lists(raw_dir: Path, cons_xml: ParsedSource) -> None:
    csv_set = ofac_csv.parse(raw_dir / "watchman" / "ofac_cons_2025-12" / "cons_prim.csv.gz")
    csv_ids = {e.id for e in csv_set.entries}
    xml_ids = {e.id for e in cons_xml.entries}
    # Every list the CSV's programs give is one the XML names for the entity ...
    assert csv_ids <= xml_ids
    # ... and what the CSV cannot tell: the second (MBS) list of three SSI entities, and one FSE
    # entity delisted between January and December 2025.
    assert xml_ids - csv_ids == {"MBS-17014", "MBS-17250", "MBS-17254", "FSE-26182"}


@pytest.mark.shared
def test_low_quality_names_are_weak_aliases_as_the_csv_remarks_mark_them(
    raw_dir: Path, cons_xml: ParsedSource
) -> None:
    """The XML's ``isLowQuality`` and the legacy CSV's Remarks a.k.a. are the same mark: on the
    entities both files hold, the weak aliases agree but for the few the list changed between
    the two publications (2025-01 and 2025-12)."""
    from_xml = {e.id: e for e in cons_xml.entries}
    assert set(from_xml["PLC-9647"].weak_aliases) == {"ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"}
    assert from_xml["PLC-9647"].name == "ZAHHAR, Mahmoud Khaled"
    assert from_xml["SSI-17014"].weak_aliases == ("RUSAG",)
    assert (
        sum(len(e.weak_aliases) for e in cons_xml.entries) == 72
    )  # 70 marks; an entity on two lists has its own twice
    csv_set = ofac_csv.parse(raw_dir / "watchman" / "ofac_cons_2025-12" / "cons_prim.csv.gz")
    from_csv = {e.id: e for e in csv_set.entries}
    both = from_xml.keys() & from_csv.keys()
    differ = {i for i in both if set(from_xml[i].weak_aliases) != set(from_csv[i].weak_aliases)}
    assert len(both) > 430 and differ == {"SSI-18290", "SSI-18292", "MBS-34736"}
