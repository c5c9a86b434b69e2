"""The declared meaning of each list, review policies, effective dates and the Affiliates Rule
schedule."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from exportscreen.decisions.policy import (
    DEFAULT_AFFILIATES_SCHEDULE,
    DEFAULT_EFFECTIVE_DATES,
    LIST_POLICIES,
    MEU_SUPPLEMENT_2_ECCNS,
    REVIEW_MEANINGS,
    AffiliatesRuleSchedule,
    EffectiveDates,
    ItemScope,
    ListAction,
    RuleStatus,
)
from exportscreen.model import (
    Citation,
    FrDocument,
    ListCode,
    Outcome,
    ReviewPolicy,
)
from exportscreen.sources import fr_api
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decisions"
FR_API_FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources" / "fr_api"

# Domain notes §3, "Tool action" column.
LIST_CASES = [
    (ListCode.DPL, ListAction.PROHIBITED, Outcome.PROHIBITED, ItemScope.ANY_DEALING),
    (ListCode.EL, ListAction.LICENSE_REQUIRED, Outcome.LICENSE_REQUIRED, ItemScope.ENTRY_SCOPE),
    (ListCode.UVL, ListAction.HOLD, Outcome.HOLD, ItemScope.ANY_DEALING),
    (ListCode.MEU, ListAction.LICENSE_REQUIRED, Outcome.LICENSE_REQUIRED,
     ItemScope.MEU_SUPPLEMENT_2),
    (ListCode.SDN, ListAction.PROHIBITED, Outcome.PROHIBITED, ItemScope.ANY_DEALING),
    (ListCode.FSE, ListAction.PROHIBITED, Outcome.PROHIBITED, ItemScope.ANY_DEALING),
    (ListCode.SSI, ListAction.ESCALATE, Outcome.HOLD, ItemScope.ANY_DEALING),
    (ListCode.ISN, ListAction.ESCALATE, Outcome.HOLD, ItemScope.ANY_DEALING),
    # 22 CFR 127.7 debars from ITAR exports; for EAR items it is escalated (held), not prohibited.
    (ListCode.DTC, ListAction.ESCALATE, Outcome.HOLD, ItemScope.ANY_DEALING),
    (ListCode.CAP, ListAction.ESCALATE, Outcome.HOLD, ItemScope.ANY_DEALING),
    (ListCode.MBS, ListAction.ESCALATE, Outcome.HOLD, ItemScope.ANY_DEALING),
    (ListCode.CMIC, ListAction.FLAG, Outcome.NO_LIST_RESTRICTION, ItemScope.ANY_DEALING),
    (ListCode.PLC, ListAction.PROHIBITED, Outcome.PROHIBITED, ItemScope.ANY_DEALING),
]  # fmt: skip


@pytest.mark.parametrize(("code", "action", "outcome", "items"), LIST_CASES)
def test_each_list_means_what_the_domain_notes_say(
    code: ListCode, action: ListAction, outcome: Outcome, items: ItemScope
) -> None:
    policy = LIST_POLICIES[code]
    assert (policy.code, policy.action, policy.outcome, policy.items) == (
        code,
        action,
        outcome,
        items,
    )
    assert policy.effect and policy.agency


def test_every_list_has_a_policy_and_every_review_policy_a_meaning() -> None:
    assert set(LIST_POLICIES) == set(ListCode)
    assert set(REVIEW_MEANINGS) == set(ReviewPolicy)


def test_only_the_bis_party_lists_are_limited_to_748_5_parties() -> None:
    limited = {c for c, p in LIST_POLICIES.items() if p.section_748_5_parties_only}
    assert limited == {ListCode.EL, ListCode.MEU, ListCode.UVL}
    assert [c for c, p in LIST_POLICIES.items() if p.uvl_statement_required] == [ListCode.UVL]


@pytest.mark.parametrize(
    ("policy", "likely_denial"),
    [
        (ReviewPolicy.PRESUMPTION_OF_DENIAL, True),
        (ReviewPolicy.POLICY_OF_DENIAL, True),
        (ReviewPolicy.CASE_BY_CASE, False),
        (ReviewPolicy.PRESUMPTION_OF_APPROVAL, False),
    ],
)
def test_denial_policies_mean_a_licence_is_likely_denied(
    policy: ReviewPolicy, likely_denial: bool
) -> None:
    meaning = REVIEW_MEANINGS[policy]
    assert meaning.likely_denial is likely_denial
    assert ("likely to be denied" in meaning.meaning) is likely_denial


def test_meu_supplement_2_holds_well_formed_eccns() -> None:
    assert all(re.fullmatch(r"[0-9][A-E][0-9]{3}", e) for e in MEU_SUPPLEMENT_2_ECCNS)
    assert {"3A991", "4A994", "5A992", "9A991"} <= MEU_SUPPLEMENT_2_ECCNS
    assert "3A001" not in MEU_SUPPLEMENT_2_ECCNS


# --- effective dates ---------------------------------------------------------------------------


def fr_documents() -> list[FrDocument]:
    """The documents of the Federal Register API fixtures (as ``update`` caches them)."""
    found: list[FrDocument] = []
    for path in sorted(FR_API_FIXTURES.glob("documents_*.json")):
        found += fr_api.parse_documents(json.loads(path.read_text()), path.name)[0]
    return found


EFFECTIVE_CASES = [
    (Citation(90, 14035, date(2025, 3, 28)), date(2025, 3, 25)),
    (Citation(90, 14048, date(2025, 3, 28)), date(2025, 3, 25)),
    (Citation(88, 12170, date(2023, 2, 27)), date(2023, 2, 24)),
    # The eCFR cites the 2023 rule by the page CPUNTO's row is on: the same document.
    (Citation(88, 12171, date(2023, 2, 27)), date(2023, 2, 24)),
    # A document that states no effective date: its publication date.
    (Citation(88, 12176, None), date(2023, 2, 27)),
    (Citation(88, 13675, date(2023, 3, 6)), date(2023, 3, 6)),  # no document known: published
    (Citation(88, 13675, None), None),
]


@pytest.mark.parametrize(("citation", "expected"), EFFECTIVE_CASES)
def test_effective_dates_of_citations(citation: Citation, expected: date | None) -> None:
    assert EffectiveDates(fr_documents()).effective_date(citation) == expected


def test_no_built_in_table_dates_a_citation() -> None:
    # Without documents, a citation is dated by its own (publication) date.
    assert len(DEFAULT_EFFECTIVE_DATES) == 0
    assert DEFAULT_EFFECTIVE_DATES.effective_date(Citation(90, 14048, date(2025, 3, 28))) == (
        date(2025, 3, 28)
    )


@pytest.mark.shared
def test_a_loaded_rule_file_dates_its_own_pages(raw_dir: Path) -> None:
    from exportscreen.sources import federal_register

    rule = raw_dir / "federal_register" / "2023-03929_88FR12170_entity_list_additions.xml"
    document = federal_register.parse(rule).document
    assert document is not None
    dates = DEFAULT_EFFECTIVE_DATES.with_documents([document])
    assert dates.effective_date(Citation(88, 12171, date(2023, 2, 27))) == date(2023, 2, 24)
    assert dates.effective_date(Citation(88, 12176, date(2023, 2, 27))) == date(2023, 2, 27)


# --- the Affiliates Rule -------------------------------------------------------------------------

SCHEDULE_CASES = [
    (date(2025, 9, 28), RuleStatus.NOT_IN_FORCE),
    (date(2025, 9, 29), RuleStatus.IN_FORCE),
    (date(2025, 11, 9), RuleStatus.IN_FORCE),
    (date(2025, 11, 10), RuleStatus.SUSPENDED),
    (date(2026, 1, 15), RuleStatus.SUSPENDED),
    (date(2026, 11, 9), RuleStatus.SUSPENDED),
    (date(2026, 11, 10), RuleStatus.IN_FORCE),
    (date(2030, 1, 1), RuleStatus.IN_FORCE),
]


@pytest.mark.parametrize(("day", "status"), SCHEDULE_CASES)
def test_the_default_affiliates_schedule(day: date, status: RuleStatus) -> None:
    assert DEFAULT_AFFILIATES_SCHEDULE.period_on(day).status is status
    assert DEFAULT_AFFILIATES_SCHEDULE.in_force(day) is (status is RuleStatus.IN_FORCE)


def test_a_deployment_overrides_the_schedule_from_yaml() -> None:
    path = FIXTURES / "affiliates_extended.yaml"
    schedule = AffiliatesRuleSchedule.from_file(path)
    assert schedule.source == str(path)
    assert [(d, schedule.in_force(d)) for d in (date(2026, 12, 1), date(2027, 11, 10))] == [
        (date(2026, 12, 1), False),
        (date(2027, 11, 10), True),
    ]
    assert schedule.period_on(date(2026, 12, 1)).note == "suspension extended (hypothetical)"


def test_a_deployment_overrides_the_schedule_from_json() -> None:
    schedule = AffiliatesRuleSchedule.from_file(FIXTURES / "affiliates_schedule.json")
    assert not schedule.in_force(date(2027, 1, 1))
    assert schedule.in_force(date(2025, 10, 1))


def test_a_bad_schedule_names_file_line_and_field() -> None:
    path = FIXTURES / "affiliates_bad_status.yaml"
    with pytest.raises(SourceError) as raised:
        AffiliatesRuleSchedule.from_file(path)
    assert (raised.value.file, raised.value.line, raised.value.field) == (
        str(path),
        5,
        "affiliates_rule[1].status",
    )


def test_two_periods_starting_the_same_day_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(
        "affiliates_rule:\n"
        "  - {start: 2025-09-29, status: in_force}\n"
        "  - {start: 2025-09-29, status: suspended}\n"
    )
    with pytest.raises(SourceError, match="same day"):
        AffiliatesRuleSchedule.from_file(path)


def test_a_datetime_is_not_a_start_date(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(f"affiliates_rule:\n  - {{start: {datetime(2025, 9, 29, 12).isoformat()}, "
                    "status: in_force}\n")  # fmt: skip
    with pytest.raises(SourceError) as raised:
        AffiliatesRuleSchedule.from_file(path)
    assert raised.value.field == "affiliates_rule[0].start"


def test_a_deployment_schedule_carries_its_verified_date(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(
        "verified_on: 2026-11-20\naffiliates_rule:\n"
        "  - {start: 2025-09-29, status: in_force}\n"
        "  - {start: 2025-11-10, status: suspended}\n"
        "  - {start: 2026-11-10, status: suspended, note: extended to 2027-11-09}\n",
        encoding="utf-8",
    )
    schedule = AffiliatesRuleSchedule.from_file(path)
    assert schedule.verified_on == date(2026, 11, 20)
    note = schedule.status_note(date(2026, 12, 1))
    assert note.startswith("extended to 2027-11-09; status as verified on 2026-11-20")
    assert "assumed" not in note
    bad = tmp_path / "bad.yaml"
    bad.write_text("verified_on: last week\naffiliates_rule: []\n", encoding="utf-8")
    with pytest.raises(SourceError, match="verified_on"):
        AffiliatesRuleSchedule.from_file(bad)
