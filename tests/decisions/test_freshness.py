"""The freshness gate: every determination names the list versions it used with their dates and
ages; a list older than the configured age warns (``stale_list``), and past the second limit a
clear becomes HOLD."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from exportscreen.decisions.country_controls import QUESTION_IDS
from exportscreen.decisions.determination import determine
from exportscreen.decisions.freshness import FreshnessLimits, ListVersionUsed, freshness
from exportscreen.decisions.transaction import Transaction
from exportscreen.model import ListCode, Outcome
from tests.decisions.test_determination import TableScreener

CLEAN = Transaction.model_validate(
    {
        "date": "2026-12-04",
        "destination_country": "DE",
        "items": [{"eccn": "EAR99"}],
        "parties": [{"role": "end_user", "name": "Unlisted GmbH", "country": "DE"}],
        "answers": dict.fromkeys(QUESTION_IDS, False),
    }
)


AGES = [
    # (data date, determination date, warning?, clear becomes HOLD?) with limits 7 and 30 days
    (date(2026, 12, 1), date(2026, 12, 4), False, False),
    (date(2026, 11, 27), date(2026, 12, 4), False, False),  # 7 days: at the limit
    (date(2026, 11, 26), date(2026, 12, 4), True, False),  # 8 days
    (date(2026, 11, 4), date(2026, 12, 4), True, False),  # 30 days
    (date(2026, 11, 3), date(2026, 12, 4), True, True),  # 31 days
]


@pytest.mark.parametrize(("as_of", "on", "warns", "holds"), AGES)
def test_the_age_of_a_list_warns_then_holds(
    as_of: date, on: date, warns: bool, holds: bool
) -> None:
    versions = [ListVersionUsed(ListCode.SDN, 12, as_of)]
    result = determine(
        CLEAN,
        TableScreener(),
        list_versions=versions,
        as_of=on,
        freshness_limits=FreshnessLimits(stale_days=7, hold_days=30),
    )
    age = (on - as_of).days
    assert [(v.list, v.version_id, v.as_of, v.age_days) for v in result.list_versions] == [
        (ListCode.SDN, 12, as_of, age)
    ]
    expected = [
        {
            "code": "stale_list",
            "list": "SDN",
            "version_id": 12,
            "as_of": as_of.isoformat(),
            "age_days": age,
            "limit_days": 7,
        }
    ]
    assert list(result.warnings) == (expected if warns else [])
    assert result.outcome is (Outcome.HOLD if holds else Outcome.NO_LIST_RESTRICTION)
    assert any(g.kind == "stale_list" for g in result.grounds) is holds


def test_old_lists_do_not_lower_a_restriction() -> None:
    versions = [ListVersionUsed(ListCode.SDN, 1, date(2022, 4, 21))]
    iran = CLEAN.model_copy(update={"destination_country": "IR"})
    result = determine(iran, TableScreener(), list_versions=versions, as_of=date(2026, 12, 4))
    assert result.outcome is Outcome.PROHIBITED
    assert result.warnings[0]["age_days"] == 1688


def test_the_default_limits_come_from_settings() -> None:
    from exportscreen import settings

    assert FreshnessLimits() == FreshnessLimits(
        settings.STALE_LIST_DAYS, settings.STALE_LIST_HOLD_DAYS
    )
    assert settings.STALE_LIST_DAYS == 7


@pytest.mark.shared
def test_a_determination_on_2026_12_04_warns_of_the_2022_lists(
    raw_dir: Path, tmp_path: Path
) -> None:
    """The shared lists: the 2022 CSL (SDN, SSI, UVL, DTC... of 2022) and the 2026 Entity List."""
    from exportscreen.screening.screener import Screener
    from exportscreen.sources import parse
    from exportscreen.store import Store

    with Store.open(f"sqlite:///{tmp_path / 'fresh.db'}") as store:
        store.import_source(parse(raw_dir / "watchman" / "csl" / "consolidated_2022-05.csv.gz"))
        store.import_source(parse(raw_dir / "nsfreg_ecfr_derived" / "bis_entity_list.json.gz"))
        versions = [ListVersionUsed(s.list, s.version_id, s.as_of) for s in store.lists()]
        screener = Screener.from_entries(store.entries())
    result = determine(CLEAN, screener, list_versions=versions, as_of=date(2026, 12, 4))
    stale = {w["list"]: w for w in result.warnings}
    for code in ("SDN", "SSI", "UVL", "DTC"):
        assert stale[code]["as_of"].startswith("2022-")
        assert stale[code]["age_days"] > 1600
    assert result.outcome is Outcome.HOLD  # a clear from 2022 data is not a clear
    data = result.to_dict()
    assert {
        "outcome",
        "if_confirmed",
        "grounds",
        "list_versions",
        "warnings",
        "decisions_applied",
    } <= set(data)
    assert {v["list"] for v in data["list_versions"]} >= {"SDN", "EL"}
    assert all(v["age_days"] >= 0 for v in data["list_versions"])


def test_freshness_orders_the_lists_by_code() -> None:
    ages = freshness(
        [
            ListVersionUsed(ListCode.SDN, 2, date(2026, 1, 1)),
            ListVersionUsed(ListCode.EL, 1, date(2026, 1, 1)),
        ],
        date(2026, 1, 2),
    )
    assert [a.list for a in ages.lists] == [ListCode.EL, ListCode.SDN]
