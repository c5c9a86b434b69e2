"""Which jurisdictions a determination checks: a hit on a list of a jurisdiction not checked is
reported but decides nothing; the setting is refused when it names an unknown jurisdiction."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from exportscreen.decisions.determination import MatchStatus, checked_jurisdictions, determine
from exportscreen.decisions.freshness import ListVersionUsed
from exportscreen.decisions.policy import (
    CHECKED_JURISDICTIONS,
    LIST_POLICIES,
    ItemScope,
    ListAction,
)
from exportscreen.decisions.result import GroundType
from exportscreen.lists import JURISDICTIONS, LISTS, jurisdiction_of, parse_jurisdictions
from exportscreen.model import Disposition, Entry, ListCode, Outcome
from tests.decisions.test_determination import TableScreener, judge, make_entry, transaction

UN_ENTRY = make_entry(ListCode.UN, "Listed Co.")
SDN_ENTRY = make_entry(ListCode.SDN, "Listed Co.", programs=("SDGT",))


def test_us_is_checked_by_default() -> None:
    assert {"US"} == CHECKED_JURISDICTIONS


def test_every_list_declares_a_jurisdiction_with_its_legal_basis() -> None:
    beyond_us = {ListCode.UN: "UN", ListCode.EU: "EU", ListCode.UK: "UK"}
    assert {jurisdiction_of(code) for code in ListCode if code not in beyond_us} == {"US"}
    assert {code: jurisdiction_of(code) for code in beyond_us} == beyond_us
    assert list(JURISDICTIONS) == ["US", "UN", "EU", "UK"]
    assert "Art. 41" in JURISDICTIONS["UN"].basis and "member state" in JURISDICTIONS["UN"].bound
    assert "Article 215 TFEU" in JURISDICTIONS["EU"].basis
    assert "Sanctions and Anti-Money Laundering Act 2018" in JURISDICTIONS["UK"].basis
    assert "s. 21" in JURISDICTIONS["UK"].bound
    # The UN, EU and UK lists, like the US blocking lists, prohibit any dealing: asset freezes.
    for code in beyond_us:
        assert LIST_POLICIES[code].action is ListAction.PROHIBITED
        assert LIST_POLICIES[code].items is ItemScope.ANY_DEALING
    assert LISTS[ListCode.UN].meaning.regulation.startswith("UN Charter Chapter VII")
    assert "asset freeze" in LISTS[ListCode.EU].meaning.effect
    assert "Regulation (EU) No 269/2014, Art. 2" in LISTS[ListCode.EU].meaning.regulation
    assert "regs. 11-15: asset freeze" in LISTS[ListCode.UK].meaning.regulation


# (case, checked jurisdictions, entry, analyst's decision, party outcome, reported as checked)
CASES = [
    ("UN confirmed, US only", ["US"], UN_ENTRY, Disposition.TRUE_MATCH,
     Outcome.NO_LIST_RESTRICTION, False),
    ("UN potential, US only", ["US"], UN_ENTRY, None, Outcome.NO_LIST_RESTRICTION, False),
    ("UN confirmed, UN checked", ["US", "UN"], UN_ENTRY, Disposition.TRUE_MATCH,
     Outcome.PROHIBITED, True),
    ("UN potential, UN checked", ["US", "UN"], UN_ENTRY, None, Outcome.HOLD, True),
    ("UN confirmed, UN only", ["UN"], UN_ENTRY, Disposition.TRUE_MATCH, Outcome.PROHIBITED, True),
    ("SDN confirmed, UN only", ["UN"], SDN_ENTRY, Disposition.TRUE_MATCH,
     Outcome.NO_LIST_RESTRICTION, False),
    ("SDN confirmed, US", ["US"], SDN_ENTRY, Disposition.TRUE_MATCH, Outcome.PROHIBITED, True),
    ("EU confirmed, US and UN", ["US", "UN"], make_entry(ListCode.EU), Disposition.TRUE_MATCH,
     Outcome.NO_LIST_RESTRICTION, False),
    ("EU confirmed, EU checked", ["US", "EU"], make_entry(ListCode.EU), Disposition.TRUE_MATCH,
     Outcome.PROHIBITED, True),
    ("UK potential, all four", ["US", "UN", "EU", "UK"], make_entry(ListCode.UK), None,
     Outcome.HOLD, True),
    ("UK confirmed, EU only", ["EU"], make_entry(ListCode.UK), Disposition.TRUE_MATCH,
     Outcome.NO_LIST_RESTRICTION, False),
    ("false positive on UN, UN checked", ["UN"], UN_ENTRY, Disposition.FALSE_POSITIVE,
     Outcome.NO_LIST_RESTRICTION, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("jurisdictions", "entry", "decision", "expected", "checked"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_only_checked_jurisdictions_decide(
    jurisdictions: list[str],
    entry: Entry,
    decision: Disposition | None,
    expected: Outcome,
    checked: bool,
) -> None:
    result = judge(entry, transaction("EAR99"), decision, jurisdictions=jurisdictions)
    (party,) = result.parties
    (reason,) = party.listings  # reported whatever the jurisdiction
    assert reason.checked is checked
    assert reason.jurisdiction == LIST_POLICIES[reason.list].jurisdiction
    assert (party.outcome, result.outcome) == (expected, expected)
    assert result.jurisdictions == tuple(sorted(jurisdictions))
    listing_grounds = [g for g in result.grounds if g.kind is GroundType.LISTING]
    if checked and reason.status is not MatchStatus.FALSE_POSITIVE:
        assert [g.entry_id for g in listing_grounds] == [entry.id]
    else:
        assert listing_grounds == []
    if not checked:
        assert "not checked for jurisdiction" in reason.note
        assert reason.if_confirmed is Outcome.NO_LIST_RESTRICTION
        assert result.if_confirmed is None  # nothing pending could raise it


def test_a_checked_jurisdiction_with_no_list_loaded_holds_a_clear() -> None:
    screener = TableScreener()
    loaded = [ListVersionUsed(ListCode.SDN, 1, date(2025, 5, 30))]
    tx = transaction("EAR99", name="Nobody Ltd")
    clear = determine(tx, screener, list_versions=loaded, as_of=date(2025, 6, 1))
    assert clear.outcome is Outcome.NO_LIST_RESTRICTION
    held = determine(
        tx, screener, list_versions=loaded, as_of=date(2025, 6, 1), jurisdictions=["US", "UN"]
    )
    assert held.outcome is Outcome.HOLD
    (ground,) = held.grounds
    assert ground.kind is GroundType.UNLOADED_JURISDICTION
    assert "jurisdiction UN" in ground.text
    with_un = [*loaded, ListVersionUsed(ListCode.UN, 2, date(2025, 5, 30))]
    cleared = determine(
        tx, screener, list_versions=with_un, as_of=date(2025, 6, 1), jurisdictions=["US", "UN"]
    )
    assert cleared.outcome is Outcome.NO_LIST_RESTRICTION


def test_an_unchecked_lists_age_does_not_hold_a_clear() -> None:
    versions = [
        ListVersionUsed(ListCode.SDN, 1, date(2025, 5, 30)),
        ListVersionUsed(ListCode.UN, 2, date(2024, 1, 1)),  # far past the hold limit
    ]
    tx = transaction("EAR99", name="Nobody Ltd")
    us_only = determine(tx, TableScreener(), list_versions=versions, as_of=date(2025, 6, 1))
    assert us_only.outcome is Outcome.NO_LIST_RESTRICTION
    with_un = determine(
        tx,
        TableScreener(),
        list_versions=versions,
        as_of=date(2025, 6, 1),
        jurisdictions=["US", "UN"],
    )
    assert with_un.outcome is Outcome.HOLD
    assert [g.kind for g in with_un.grounds] == [GroundType.STALE_LIST]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("US", {"US"}),
        ("us, un", {"US", "UN"}),
        ("UN,US,", {"US", "UN"}),
    ],
)
def test_the_setting_is_parsed(setting: str, expected: set[str]) -> None:
    assert parse_jurisdictions(setting) == expected


@pytest.mark.parametrize(
    ("setting", "message"),
    [("US,XX", "unknown jurisdiction 'XX'"), ("", "names no jurisdiction")],
)
def test_a_bad_setting_is_refused_naming_it(setting: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_jurisdictions(setting)
    assert str(caught.value).startswith("EXPORTSCREEN_JURISDICTIONS")
    with pytest.raises(ValueError, match="jurisdictions: unknown"):
        checked_jurisdictions(["US", "XX"])


def test_the_environment_sets_the_default() -> None:
    code = (
        "from exportscreen.decisions.policy import CHECKED_JURISDICTIONS as c;"
        "print(','.join(sorted(c)))"
    )
    env_run = subprocess.run(
        [sys.executable, "-c", code],
        env={"EXPORTSCREEN_JURISDICTIONS": "US,UN", **_pythonpath()},
        capture_output=True,
        text=True,
        check=True,
    )
    assert env_run.stdout.strip() == "UN,US"
    refused = subprocess.run(
        [sys.executable, "-c", code],
        env={"EXPORTSCREEN_JURISDICTIONS": "US,EUR", **_pythonpath()},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "EXPORTSCREEN_JURISDICTIONS: unknown jurisdiction 'EUR'" in refused.stderr


def _pythonpath() -> dict[str, str]:
    """The worktree first on the path, as the tests run it."""
    return {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
