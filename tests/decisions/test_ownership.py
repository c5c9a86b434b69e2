"""The ownership graph reader and the 50% fixpoint under OFAC's and BIS's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from exportscreen.decisions.ownership import (
    GroundKind,
    Listing,
    OwnershipGraph,
    Regime,
    Stake,
    restricted_through_ownership,
)
from exportscreen.decisions.policy import AffiliatesRuleSchedule, RulePeriod, RuleStatus
from exportscreen.model import Entry, EntryType, ListCode, Outcome
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decisions"
AS_OF = date(2025, 1, 31)
AFTER_REINSTATEMENT = date(2026, 12, 1)


def entry(lst: ListCode, name: str, programs: tuple[str, ...] = ()) -> Entry:
    return Entry(
        id=f"{lst.value}-{name.lower().replace(' ', '-')}",
        list=lst,
        type=EntryType.ENTITY,
        name=name,
        programs=programs,
    )


def stake(owner: str, owned: str, percent: str | None, as_of: date = AS_OF) -> Stake:
    return Stake(owner, owned, None if percent is None else Decimal(percent), as_of, "test")


SDN = entry(ListCode.SDN, "Sdn Owner", ("UKRAINE-EO13662",))
SDN_B = entry(ListCode.SDN, "Sdn Owner B", ("IRAN",))
SDN_NPWMD = entry(ListCode.SDN, "Proliferator", ("NPWMD",))
EL = entry(ListCode.EL, "Listed Parent")
MEU = entry(ListCode.MEU, "Military Parent")
SSI = entry(ListCode.SSI, "Sectoral Bank", ("UKRAINE-EO13662",))


@dataclass(frozen=True)
class Case:
    name: str
    stakes: list[Stake]
    listed: dict[str, list[Listing]]
    on: date
    # party -> {regime: (kind, outcome)}; parties absent here must be absent from the result
    expected: dict[str, dict[Regime, tuple[GroundKind, Outcome]]]
    texts: dict[str, list[str]] = field(default_factory=dict)


OFAC = Regime.OFAC_50_PERCENT
BIS = Regime.BIS_AFFILIATES
SSI_RULE = Regime.OFAC_SSI_50_PERCENT
BLOCKED = (GroundKind.RESTRICTED, Outcome.PROHIBITED)
RED_FLAG = (GroundKind.RED_FLAG, Outcome.HOLD)
# Ownership by a listed party stays a red flag while the Affiliates Rule is not in force
# (Supp. No. 3 to Part 732): HOLD, never a clear.
NOT_IN_FORCE = (GroundKind.RULE_NOT_IN_FORCE, Outcome.HOLD)
LICENCE = (GroundKind.RESTRICTED, Outcome.LICENSE_REQUIRED)

CASES = [
    Case(
        "direct 60% by a blocked owner",
        [stake("A", "B", "60")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {"B": {OFAC: BLOCKED}},
        {"B": ["restricted through ownership by A (60%, as of 2025-01-31)", "blocked"]},
    ),
    Case(
        "two blocked owners, 30% + 25%, add up",
        [stake("A", "C", "30"), stake("B", "C", "25"), stake("Clean", "C", "45")],
        {"A": [Listing(SDN)], "B": [Listing(SDN_B)]},
        AS_OF,
        {"C": {OFAC: BLOCKED}},
        {"C": ["A (30%, as of 2025-01-31) and B (25%, as of 2025-01-31): 55% in aggregate"]},
    ),
    Case(
        "two blocked owners, 30% + 19.99%, stay below 50%",
        [stake("A", "C", "30"), stake("B", "C", "19.99")],
        {"A": [Listing(SDN)], "B": [Listing(SDN_B)]},
        AS_OF,
        {},
    ),
    Case(
        "exactly 50% counts",
        [stake("A", "B", "50.00")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {"B": {OFAC: BLOCKED}},
        {"B": ["A (50%, as of"]},
    ),
    Case(
        "indirect through a blocked 60% holding",
        [stake("A", "Hold", "60"), stake("Hold", "Sub", "50")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {"Hold": {OFAC: BLOCKED}, "Sub": {OFAC: BLOCKED}},
        {"Sub": ["Hold (50%, as of 2025-01-31), itself restricted through ownership"]},
    ),
    Case(
        "indirect through an unblocked 40% intermediary does not count for OFAC",
        [stake("A", "Mid", "40"), stake("Mid", "Sub", "100"), stake("A", "Sub", "10")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {},
    ),
    Case(
        "a cycle through a blocked owner ends and blocks both",
        [stake("A", "B", "50"), stake("B", "C", "60"), stake("C", "B", "10")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {"B": {OFAC: BLOCKED}, "C": {OFAC: BLOCKED}},
    ),
    Case(
        "a cycle of unlisted parties restricts nobody",
        [stake("X", "Y", "60"), stake("Y", "X", "60")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {},
    ),
    Case(
        "a blocked owner's unknown stake is Red Flag 29",
        [stake("A", "B", None), stake("Clean", "B", "20")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {"B": {OFAC: RED_FLAG}},
        {"B": ["A (unknown %, as of 2025-01-31)", "Red Flag 29"]},
    ),
    Case(
        "an unknown stake of an unlisted owner is no flag",
        [stake("Clean", "B", None), stake("A", "B", "10")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {},
    ),
    Case(
        "a red flag passes down a 100% chain",
        [stake("A", "B", None), stake("B", "C", "100")],
        {"A": [Listing(SDN)]},
        AS_OF,
        {"B": {OFAC: RED_FLAG}, "C": {OFAC: RED_FLAG}},
    ),
    Case(
        "an owner matched but not confirmed is a red flag, not a block",
        [stake("A", "B", "80")],
        {"A": [Listing(SDN, confirmed=False, score=0.86)]},
        AS_OF,
        {"B": {OFAC: RED_FLAG}},
        {"B": ["not yet confirmed"]},
    ),
    Case(
        "Affiliates Rule: before 2025-09-29 it is not in force",
        [stake("Parent", "Sub", "60")],
        {"Parent": [Listing(EL)]},
        date(2025, 9, 28),
        {"Sub": {BIS: NOT_IN_FORCE}},
    ),
    Case(
        "Affiliates Rule: in force from 2025-09-29",
        [stake("Parent", "Sub", "60")],
        {"Parent": [Listing(EL)]},
        date(2025, 9, 29),
        {"Sub": {BIS: LICENCE}},
        {"Sub": ["BIS Affiliates Rule: restricted through ownership by Parent (60%", "Entity"]},
    ),
    Case(
        "Affiliates Rule: suspended on 2026-01-15",
        [stake("Parent", "Sub", "60")],
        {"Parent": [Listing(EL)]},
        date(2026, 1, 15),
        {"Sub": {BIS: NOT_IN_FORCE}},
        {"Sub": ["not in force", "suspended", "red flag"]},
    ),
    Case(
        "Affiliates Rule: still suspended on 2026-11-09",
        [stake("Parent", "Sub", "60")],
        {"Parent": [Listing(EL)]},
        date(2026, 11, 9),
        {"Sub": {BIS: NOT_IN_FORCE}},
    ),
    Case(
        "Affiliates Rule: in force again from 2026-11-10",
        [stake("Parent", "Sub", "60")],
        {"Parent": [Listing(EL)]},
        date(2026, 11, 10),
        {"Sub": {BIS: LICENCE}},
    ),
    Case(
        "Affiliates Rule: EL 30% and MEU 25% add up and both are inherited",
        [stake("Parent", "Sub", "30"), stake("Mil", "Sub", "25")],
        {"Parent": [Listing(EL)], "Mil": [Listing(MEU)]},
        AFTER_REINSTATEMENT,
        {"Sub": {BIS: LICENCE}},
        {"Sub": ["Entity List (BIS): Listed Parent", "Military End-User List (BIS): Military"]},
    ),
    Case(
        "Affiliates Rule: indirect through a restricted affiliate",
        [stake("Parent", "Mid", "51"), stake("Mid", "Sub", "70")],
        {"Parent": [Listing(EL)]},
        AFTER_REINSTATEMENT,
        {"Mid": {BIS: LICENCE}, "Sub": {BIS: LICENCE}},
        {"Sub": ["Mid (70%", "itself restricted through ownership", "Listed Parent"]},
    ),
    Case(
        "Affiliates Rule reaches SDN owners of the 744.8 programs, OFAC blocks as well",
        [stake("Prolif", "Sub", "60")],
        {"Prolif": [Listing(SDN_NPWMD)]},
        AFTER_REINSTATEMENT,
        # The EAR consequence of an SDN owner is a licence requirement (744.8); OFAC's
        # prohibition is its own ground.
        {"Sub": {OFAC: BLOCKED, BIS: LICENCE}},
    ),
    Case(
        "an entity 60% owned by an SSI-listed bank takes on the directive restrictions",
        [stake("Sectoral Bank", "Sub", "60")],
        {"Sectoral Bank": [Listing(SSI)]},
        AS_OF,
        {"Sub": {SSI_RULE: (GroundKind.RESTRICTED, Outcome.HOLD)}},
        {"Sub": ["SSI directive restrictions", "Sectoral Bank (60%"]},
    ),
    Case(
        "SSI owners at 40% do not reach the 50% rule",
        [stake("Sectoral Bank", "Sub", "40")],
        {"Sectoral Bank": [Listing(SSI)]},
        AS_OF,
        {},
    ),
    Case(
        "an SDN owner outside the 744.8 programs is OFAC's business only",
        [stake("A", "Sub", "60")],
        {"A": [Listing(SDN)]},
        AFTER_REINSTATEMENT,
        {"Sub": {OFAC: BLOCKED}},
    ),
    Case(
        "an Entity List owner does not block under OFAC's rule",
        [stake("Parent", "Sub", "100")],
        {"Parent": [Listing(EL)]},
        AS_OF,
        {"Sub": {BIS: NOT_IN_FORCE}},
    ),
    Case(
        "stakes are read as of the date: sold down from 60% to 10%",
        [stake("A", "B", "60", date(2024, 1, 1)), stake("A", "B", "10", date(2025, 6, 1))],
        {"A": [Listing(SDN)]},
        date(2025, 7, 1),
        {},
    ),
    Case(
        "stakes are read as of the date: before the sale",
        [stake("A", "B", "60", date(2024, 1, 1)), stake("A", "B", "10", date(2025, 6, 1))],
        {"A": [Listing(SDN)]},
        date(2025, 1, 1),
        {"B": {OFAC: BLOCKED}},
        {"B": ["A (60%, as of 2024-01-01)"]},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_restricted_through_ownership(case: Case) -> None:
    graph = OwnershipGraph(case.stakes)
    findings = restricted_through_ownership(graph, case.listed, case.on)
    got = {
        party: {g.regime: (g.kind, g.outcome) for g in finding.grounds}
        for party, finding in findings.items()
    }
    assert got == case.expected
    for party, fragments in case.texts.items():
        for fragment in fragments:
            assert fragment in findings[party].text


def test_restricted_through_ownership_inherits_the_confirmed_listings_only() -> None:
    graph = OwnershipGraph([stake("Parent", "Sub", "60"), stake("Maybe", "Sub", "30")])
    listed = {"Parent": [Listing(EL)], "Maybe": [Listing(MEU, confirmed=False)]}
    finding = restricted_through_ownership(graph, listed, AFTER_REINSTATEMENT)["Sub"]
    (ground,) = finding.grounds
    assert ground.kind is GroundKind.RESTRICTED
    assert [x.entry.id for x in ground.inherited] == [EL.id]
    assert ground.aggregate == Decimal(60)


def test_restricted_through_ownership_follows_a_deployment_schedule() -> None:
    schedule = AffiliatesRuleSchedule(
        (
            RulePeriod(date(2025, 9, 29), RuleStatus.IN_FORCE),
            RulePeriod(date(2025, 11, 10), RuleStatus.SUSPENDED),
            RulePeriod(date(2026, 11, 10), RuleStatus.SUSPENDED, "suspension extended"),
        )
    )
    graph = OwnershipGraph([stake("Parent", "Sub", "60")])
    finding = restricted_through_ownership(
        graph, {"Parent": [Listing(EL)]}, AFTER_REINSTATEMENT, schedule
    )["Sub"]
    assert finding.outcome is Outcome.HOLD  # still a red flag, never a clear
    assert "suspension extended" in finding.text
    assert "not dated as verified" in finding.text


def test_the_built_in_schedule_says_when_it_was_verified_and_what_is_assumed() -> None:
    graph = OwnershipGraph([stake("Parent", "Sub", "60")])
    suspended = restricted_through_ownership(graph, {"Parent": [Listing(EL)]}, date(2026, 1, 15))
    assert "status as verified on 2025-11-12" in suspended["Sub"].text
    assert "assumed" not in suspended["Sub"].text
    from exportscreen.decisions.policy import DEFAULT_AFFILIATES_SCHEDULE

    note = DEFAULT_AFFILIATES_SCHEDULE.status_note(AFTER_REINSTATEMENT)
    assert "status as verified on 2025-11-12" in note
    assert "assumed, not verified" in note


def test_graph_names_are_matched_whatever_the_case_and_punctuation() -> None:
    graph = OwnershipGraph([stake("Alpha Holdings Ltd.", "Beta Trading Co.", "60")])
    findings = restricted_through_ownership(graph, {"ALPHA HOLDINGS LTD": [Listing(SDN)]}, AS_OF)
    assert set(findings) == {"Beta Trading Co."}
    assert graph.find("beta trading co") == "Beta Trading Co."
    assert graph.find("Gamma") is None


# --- reading the CSV -------------------------------------------------------------------------


def test_from_csv_reads_stakes_with_unknown_percentages() -> None:
    graph = OwnershipGraph.from_csv(FIXTURES / "ownership_small.csv")
    assert [(s.owner, s.owned, s.percent, s.as_of, s.line) for s in graph.stakes] == [
        ("Alpha Holdings Ltd.", "Beta Trading Co.", Decimal(60), date(2025, 1, 31), 2),
        ("Gamma Capital", "Beta Trading Co.", None, date(2025, 1, 31), 3),
        ("Beta Trading Co.", "Delta Logistics", Decimal("55.5"), date(2024, 12, 31), 4),
        ("Epsilon Partners", "Delta Logistics", None, date(2024, 12, 31), 5),
    ]
    assert graph.stakes[0].source == "annual report 2024"
    assert graph.ancestors(["Delta Logistics"]) == {
        "Alpha Holdings Ltd.",
        "Gamma Capital",
        "Beta Trading Co.",
        "Epsilon Partners",
    }


def test_from_csv_fixture_chain_is_restricted_through_the_parent() -> None:
    graph = OwnershipGraph.from_csv(FIXTURES / "ownership_small.csv")
    findings = restricted_through_ownership(graph, {"Alpha Holdings Ltd.": [Listing(SDN)]}, AS_OF)
    assert {p: f.outcome for p, f in findings.items()} == {
        "Beta Trading Co.": Outcome.PROHIBITED,
        "Delta Logistics": Outcome.PROHIBITED,
    }
    assert "Beta Trading Co. (55.5%, as of 2024-12-31)" in findings["Delta Logistics"].text


def test_from_csv_rejects_a_percent_above_100_naming_file_line_and_field() -> None:
    path = FIXTURES / "ownership_bad_percent.csv"
    with pytest.raises(SourceError) as raised:
        OwnershipGraph.from_csv(path)
    assert (raised.value.file, raised.value.line, raised.value.field) == (str(path), 3, "percent")
    assert "0 to 100" in str(raised.value)


BAD_ROWS = [
    ("minus", "A,B,-1,2025-01-01,x", "percent", "0 to 100"),
    ("not a number", "A,B,sixty,2025-01-01,x", "percent", "not a number"),
    ("infinite", "A,B,Infinity,2025-01-01,x", "percent", "0 to 100"),
    ("bad date", "A,B,60,31/01/2025,x", "as_of", "YYYY-MM-DD"),
    ("no date", "A,B,60,,x", "as_of", "YYYY-MM-DD"),
    ("no owner", ",B,60,2025-01-01,x", "owner", "required"),
    ("owns itself", "A,a.,60,2025-01-01,x", "owned", "cannot own itself"),
    ("duplicate", "A,B,60,2025-01-01,x\nA,B,40,2025-01-01,y", "as_of", "first on line 2"),
    ("extra cell", "A,B,60,2025-01-01,x,surplus", None, "more cells"),
]


@pytest.mark.parametrize(
    ("row", "field", "message"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS]
)
def test_from_csv_rejects_bad_rows(
    tmp_path: Path, row: str, field: str | None, message: str
) -> None:
    path = tmp_path / "graph.csv"
    path.write_text("owner,owned,percent,as_of,source\n" + row + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        OwnershipGraph.from_csv(path)
    assert raised.value.field == field
    assert raised.value.line == row.count("\n") + 2
    assert message in raised.value.message


def test_from_csv_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "graph.csv"
    path.write_text("owner,owned,share\nA,B,60\n", encoding="utf-8")
    with pytest.raises(SourceError, match="missing column"):
        OwnershipGraph.from_csv(path)
