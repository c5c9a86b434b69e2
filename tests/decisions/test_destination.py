"""Country controls (15 CFR Part 746) and end-use questions (Part 744), rule by rule, written
from the regulations' text: input transaction, expected outcome, expected citation. The parties
are unlisted (the screener finds nothing), so every outcome here comes from the destination."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from exportscreen.decisions.country_controls import (
    COUNTRY_CONTROLS,
    QUESTION_IDS,
    CountryControls,
)
from exportscreen.decisions.destination import country_controls
from exportscreen.decisions.determination import determine
from exportscreen.decisions.transaction import Transaction
from exportscreen.model import Outcome
from exportscreen.sources.common import SourceError
from tests.decisions.test_determination import TableScreener

NO = dict.fromkeys(QUESTION_IDS, False)


def tx(
    destination: str,
    *items: dict[str, Any] | str,
    on: date = date(2026, 12, 4),
    address: str = "",
    country: str | None = None,
    region: str = "",
    answers: dict[str, bool] | None = None,
) -> Transaction:
    return Transaction.model_validate(
        {
            "date": on,
            "destination_country": destination,
            "destination_region": region,
            "items": [{"eccn": i} if isinstance(i, str) else i for i in items or ("EAR99",)],
            "parties": [
                {
                    "role": "ultimate_consignee",
                    "name": "Unlisted Trading Co",
                    "country": destination if country is None else country,
                    "address": address,
                }
            ],
            "answers": NO if answers is None else answers,
        }
    )


EAR99_FOOD = {"eccn": "EAR99", "food_or_medicine": True}
EAR99_OTHER = {"eccn": "EAR99", "food_or_medicine": False}

# (name, transaction, expected outcome, the rule that decides it, its citation)
CASES = [
    # 746.2(a): a licence for all items subject to the EAR to Cuba, EAR99 included.
    ("Cuba, EAR99", tx("CU"), Outcome.LICENSE_REQUIRED, "cuba", "15 CFR 746.2(a)"),
    (
        "Cuba, EAR99 food still needs a licence",
        tx("CU", EAR99_FOOD),
        Outcome.LICENSE_REQUIRED,
        "cuba",
        "15 CFR 746.2(a)",
    ),
    # 31 CFR 560.204 (and 746.7(e)): exportation to Iran is prohibited unless OFAC authorizes it.
    ("Iran, EAR99", tx("IR"), Outcome.PROHIBITED, "iran_itsr", "31 CFR 560.204; 15 CFR 746.7(e)"),
    (
        "Iran, ECCN",
        tx("IR", "3A991"),
        Outcome.PROHIBITED,
        "iran_itsr",
        "31 CFR 560.204; 15 CFR 746.7(e)",
    ),
    # 746.4(a): North Korea, any item except food and medicines classified EAR99.
    (
        "North Korea, EAR99 not food",
        tx("KP", EAR99_OTHER),
        Outcome.LICENSE_REQUIRED,
        "north_korea",
        "15 CFR 746.4(a)",
    ),
    (
        "North Korea, EAR99 unstated counts",
        tx("KP"),
        Outcome.LICENSE_REQUIRED,
        "north_korea",
        "15 CFR 746.4(a)",
    ),
    ("North Korea, EAR99 food", tx("KP", EAR99_FOOD), Outcome.NO_LIST_RESTRICTION, "", ""),
    # 746.9(a) before 90 FR 42315: all items except EAR99 food and medicine, policy of denial.
    (
        "Syria 2024, EAR99",
        tx("SY", on=date(2024, 6, 1)),
        Outcome.LICENSE_REQUIRED,
        "syria_2004",
        "15 CFR 746.9(a)",
    ),
    # From 2025-09-02: a licence still required; EAR99 under License Exception SPP if eligible.
    (
        "Syria 2026, EAR99",
        tx("SY"),
        Outcome.HOLD,
        "syria_2025_ear99",
        "15 CFR 746.9(a) as amended by 90 FR 42315; License Exception SPP",
    ),
    (
        "Syria 2026, ECCN",
        tx("SY", "5A992.c"),
        Outcome.LICENSE_REQUIRED,
        "syria_2025_ccl",
        "15 CFR 746.9(a) as amended by 90 FR 42315 (FR Doc 2025-16724, effective 2025-09-02)",
    ),
    # 746.6(a)(1)(i): Crimea, by a party's address (the destination country is Ukraine).
    (
        "Crimea address",
        tx("UA", address="ul. Lenina 12, Sevastopol"),
        Outcome.LICENSE_REQUIRED,
        "crimea",
        "15 CFR 746.6(a)(1)(i)",
    ),
    (
        "Crimea in Cyrillic",
        tx("UA", address="ул. Ленина 12, Симферополь, Крым"),
        Outcome.LICENSE_REQUIRED,
        "crimea",
        "15 CFR 746.6(a)(1)(i)",
    ),
    (
        "Crimea as destination region",
        tx("UA", region="Crimea"),
        Outcome.LICENSE_REQUIRED,
        "crimea",
        "15 CFR 746.6(a)(1)(i)",
    ),
    (
        # The Crimea requirement dates from 80 FR 4778 (2015-01-29), before today's 746.6 text.
        "Crimea in 2018",
        tx("UA", address="Sevastopol", on=date(2018, 6, 1)),
        Outcome.LICENSE_REQUIRED,
        "crimea",
        "15 CFR 746.6(a)(1)(i)",
    ),
    (
        "Crimea in 2014, before the rule",
        tx("UA", address="Sevastopol", on=date(2014, 6, 1)),
        Outcome.NO_LIST_RESTRICTION,
        "",
        "",
    ),
    (
        "Crimea, EAR99 medicine",
        tx("UA", EAR99_FOOD, address="Yalta"),
        Outcome.NO_LIST_RESTRICTION,
        "",
        "",
    ),
    # 746.6(a)(2): the so-called DNR and LNR regions.
    (
        "Donetsk address",
        tx("UA", address="pr. Illicha 5, Donetsk"),
        Outcome.LICENSE_REQUIRED,
        "dnr_lnr",
        "15 CFR 746.6(a)(2)",
    ),
    (
        "Kyiv address is not a covered region",
        tx("UA", address="Khreshchatyk 1, Kyiv"),
        Outcome.NO_LIST_RESTRICTION,
        "",
        "",
    ),
    # 746.8(a)(1): Russia, any item on the CCL.
    (
        "Russia, ECCN",
        tx("RU", "5A992.c"),
        Outcome.LICENSE_REQUIRED,
        "russia_belarus_ccl",
        "15 CFR 746.8(a)(1)",
    ),
    # 746.8(a)(5)-(8): EAR99 items listed by HTS code: undecided without the check.
    (
        "Russia, EAR99 without HTS",
        tx("RU"),
        Outcome.HOLD,
        "russia_belarus_hts_supplements",
        "15 CFR 746.8(a)(5)-(8); Supp. Nos. 4, 5 and 6 to Part 746",
    ),
    (
        "Belarus, EAR99 listed by HTS",
        tx("BY", {"eccn": "EAR99", "hts": "847130", "in_part746_supplements": True}),
        Outcome.LICENSE_REQUIRED,
        "russia_belarus_hts_supplements",
        "15 CFR 746.8(a)(5)-(8); Supp. Nos. 4, 5 and 6 to Part 746",
    ),
    (
        "Russia, EAR99 not listed",
        tx("RU", {"eccn": "EAR99", "hts": "090111", "in_part746_supplements": False}),
        Outcome.NO_LIST_RESTRICTION,
        "",
        "",
    ),
    # 746.8(a)(4): oil and gas projects; "unable to determine" counts, so unanswered is undecided.
    (
        "Russia, oil and gas project",
        tx(
            "RU",
            {"eccn": "EAR99", "in_part746_supplements": False},
            answers={**NO, "russia_oil_gas_project": True},
        ),
        Outcome.LICENSE_REQUIRED,
        "russia_belarus_oil_gas",
        "15 CFR 746.8(a)(4)",
    ),
    # 746.1(b): UN arms embargo: items with a UN reason for control (needs the CCL).
    (
        "Libya, ECCN undecided",
        tx("LY", "0A501"),
        Outcome.HOLD,
        "un_arms_embargo",
        "15 CFR 746.1(b)",
    ),
    ("Libya, EAR99", tx("LY"), Outcome.NO_LIST_RESTRICTION, "", ""),
    # 746.3(a)(4): Iraq, military end use or user, any item.
    (
        "Iraq, military end use",
        tx("IQ", answers={**NO, "military_end_use": True}),
        Outcome.LICENSE_REQUIRED,
        "iraq_military_end_use",
        "15 CFR 746.3(a)(4)",
    ),
    ("Iraq, EAR99 civil", tx("IQ"), Outcome.NO_LIST_RESTRICTION, "", ""),
    # 744.21(a)(1): China, military end use, Supp. No. 2 items only.
    (
        "China, MEU Supp. 2 item",
        tx("CN", "3A991.a", answers={**NO, "military_end_use": True}),
        Outcome.LICENSE_REQUIRED,
        "military_end_use_supp2",
        "15 CFR 744.21(a)(1)",
    ),
    (
        "China, MEU EAR99",
        tx("CN", answers={**NO, "military_end_use": True}),
        Outcome.NO_LIST_RESTRICTION,
        "",
        "",
    ),
    # 744.23: supercomputer or advanced-node IC end use.
    (
        "China, supercomputer end use",
        tx("CN", "4A994", answers={**NO, "supercomputer_or_advanced_ic": True}),
        Outcome.LICENSE_REQUIRED,
        "supercomputer_advanced_ic",
        "15 CFR 744.23",
    ),
    # 744.2-744.4 and 744.6, answered yes.
    (
        "Pakistan, WMD end use",
        tx("PK", answers={**NO, "wmd_end_use": True}),
        Outcome.LICENSE_REQUIRED,
        "wmd_end_use",
        "15 CFR 744.2, 744.3, 744.4",
    ),
    (
        "China, US-person support",
        tx("CN", answers={**NO, "us_person_support": True}),
        Outcome.LICENSE_REQUIRED,
        "us_person_support",
        "15 CFR 744.6",
    ),
    # A destination without Part 746 controls and no question asked there.
    ("Germany", tx("DE", answers={}), Outcome.NO_LIST_RESTRICTION, "", ""),
]


@pytest.mark.parametrize(
    ("transaction", "expected", "rule", "citation"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_country_control(
    transaction: Transaction, expected: Outcome, rule: str, citation: str
) -> None:
    result = determine(transaction, TableScreener(), as_of=date(2026, 12, 4))
    assert result.outcome is expected
    grounds = country_controls(transaction)
    if rule:
        assert grounds[0].rule == rule
        assert (grounds[0].outcome, grounds[0].citation) == (expected, citation)
        assert any(g.citation == citation for g in result.grounds)
    else:
        assert grounds == ()


@pytest.mark.parametrize("destination", ["IR", "CU", "KP", "SY"])
def test_ear99_to_an_embargoed_destination_is_never_clear(destination: str) -> None:
    # The finding: EAR99 with an unlisted consignee gave NO_LIST_RESTRICTION.
    result = determine(tx(destination, answers={}), TableScreener())
    assert result.outcome is not Outcome.NO_LIST_RESTRICTION
    assert any("746." in g.citation or "560.204" in g.citation for g in result.grounds)


QUESTIONS = [
    # (destination, item, question id that must be asked)
    ("CN", "3A991", "military_end_use"),
    ("CN", "4A994", "supercomputer_or_advanced_ic"),
    ("RU", "EAR99", "military_end_use"),
    ("RU", "EAR99", "russia_oil_gas_project"),
    ("IQ", "EAR99", "military_end_use"),
    ("CN", "EAR99", "wmd_end_use"),
    ("CN", "EAR99", "us_person_support"),
]


@pytest.mark.parametrize(("destination", "eccn", "question_id"), QUESTIONS)
def test_an_unanswered_question_that_matters_holds_and_says_what_to_ask(
    destination: str, eccn: str, question_id: str
) -> None:
    item = {"eccn": eccn, "in_part746_supplements": False}
    answered = {k: v for k, v in NO.items() if k != question_id}
    result = determine(tx(destination, item, answers=answered), TableScreener())
    ask = COUNTRY_CONTROLS.question(question_id).ask
    assert ask in result.questions
    assert result.outcome is Outcome.HOLD
    assert result.if_confirmed is Outcome.LICENSE_REQUIRED
    # Answered "no", the question no longer holds the transaction.
    cleared = determine(tx(destination, item, answers=NO), TableScreener())
    assert ask not in cleared.questions


def test_a_question_that_does_not_matter_for_the_items_is_not_asked() -> None:
    # 744.21(a)(1) reaches only Supp. No. 2 items in China: EAR99 does not raise it.
    result = determine(
        tx("CN", answers={k: False for k in NO if k != "military_end_use"}), TableScreener()
    )
    assert COUNTRY_CONTROLS.question("military_end_use").ask not in result.questions


def test_a_crimea_town_in_another_country_is_not_crimea() -> None:
    # "Yalta" in a US address is not the Crimea region.
    result = determine(tx("US", address="12 Main St, Yalta, CA", answers={}), TableScreener())
    assert result.outcome is Outcome.NO_LIST_RESTRICTION


def test_an_unknown_answer_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="unknown question 'military_use'"):
        tx("CN", answers={"military_use": True})


def test_the_controls_file_is_checked_at_load(tmp_path: Path) -> None:
    bad = tmp_path / "controls.yaml"
    bad.write_text(
        "verified_on: 2025-09-02\nregions: []\nquestions: []\nrules:\n"
        "  - id: x\n    citation: c\n    title: t\n    effective_from: 2020-01-01\n"
        "    destinations: [Cuba]\n    items: all\n    outcome: license-required\n"
        "    licence_policy: p\n    likely_denial: true\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as error:
        CountryControls.from_file(bad)
    assert "controls.yaml" in str(error.value) and "destinations" in str(error.value)
    assert error.value.line == 9  # the destinations line
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        "verified_on: 2025-09-02\nregions: []\nquestions: []\nrules:\n"
        "  - id: x\n    citation: c\n    title: t\n    effective_from: 2020-01-01\n"
        "    destinations: [CU]\n    items: all\n    when: nobody_asked\n"
        "    outcome: license-required\n    licence_policy: p\n    likely_denial: true\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match="unknown question 'nobody_asked'"):
        CountryControls.from_file(unknown)


def test_every_rule_has_a_cfr_citation_and_a_licence_policy() -> None:
    for rule in COUNTRY_CONTROLS.rules:
        assert "CFR" in rule.citation, rule.id
        assert rule.licence_policy.strip(), rule.id


def test_an_end_user_in_an_embargoed_country_brings_its_controls_whatever_the_first_stop() -> None:
    via_dubai = Transaction.model_validate(
        {
            "date": "2026-12-04",
            "destination_country": "AE",
            "items": [{"eccn": "EAR99"}],
            "parties": [
                {"role": "intermediate_consignee", "name": "Jebel Ali Logistics", "country": "AE"},
                {"role": "end_user", "name": "Tehran Textile Co", "country": "IR"},
            ],
            "answers": NO,
        }
    )
    result = determine(via_dubai, TableScreener())
    assert result.outcome is Outcome.PROHIBITED
    (ground,) = [g for g in result.country_controls if g.rule == "iran_itsr"]
    assert ground.where == "end_user 'Tehran Textile Co' is in IR"
    # A purchaser in Iran does not by itself make Iran the destination of the goods.
    purchaser = via_dubai.model_copy(
        update={
            "parties": (
                via_dubai.parties[0],
                via_dubai.parties[1].model_copy(update={"role": "purchaser"}),
            )
        }
    )
    assert all(g.rule != "iran_itsr" for g in country_controls(purchaser))
