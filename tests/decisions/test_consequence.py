"""What a confirmed match on one entry means for the items and the party's role, where the
entry's scope needs more than the list data: EAR99 items listed by HTS code, scopes conditional on
an end use, carve-outs conditional on the end user, mixed review policies, forwarders and ITAR
debarment."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from exportscreen.decisions.consequence import consequence, likely_denial
from exportscreen.decisions.transaction import PartyRole, Transaction
from exportscreen.model import Entry, EntryType, ListCode, Outcome, ReviewPolicy
from exportscreen.sources.terms import parse_licence, parse_review

# As printed in the 2026 Entity List (eCFR-derived file in shared/data).
SUPP_7 = "For items on the CCL and EAR99 items listed in supplement no. 7 to part 746 of the EAR"
OIL_GAS = (
    "For all items subject to the EAR when used in projects specified in § 746.8(a)(4) of the EAR"
)
GOVERNMENT = (
    "All items subject to the EAR except for food or medicine designated as EAR99, or ECCN "
    "5A992.c and 5D992.c unless for Russian “government end users” and Russian state-owned "
    "enterprises (SoEs) to Russia.  (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)."
)


def entry(licence: str, lst: ListCode = ListCode.EL, review: str = "Policy of denial.") -> Entry:
    return Entry(
        id="EL-test",
        list=lst,
        type=EntryType.ENTITY,
        name="Listed",
        countries=("RU",),
        licence=parse_licence(licence),
        review=parse_review(review),
    )


def tx(*items: dict[str, Any], answers: dict[str, bool] | None = None) -> Transaction:
    return Transaction.model_validate(
        {
            "date": date(2026, 12, 4),
            "destination_country": "RU",
            "items": list(items),
            "parties": [{"role": "end_user", "name": "Listed"}],
            "answers": answers or {},
        }
    )


EAR99 = {"eccn": "EAR99"}
CASES = [
    # (name, licence text, items, answers, outcome, undecided question fragment)
    ("Supp. 7: EAR99 without HTS is undecided", SUPP_7, [EAR99], {}, Outcome.HOLD, "HTS-6"),
    ("Supp. 7: EAR99 stated as listed", SUPP_7,
     [{"eccn": "EAR99", "hts": "847130", "in_part746_supplements": True}], {},
     Outcome.LICENSE_REQUIRED, ""),
    ("Supp. 7: EAR99 stated as not listed", SUPP_7,
     [{"eccn": "EAR99", "hts": "090111", "in_part746_supplements": False}], {},
     Outcome.NO_LIST_RESTRICTION, ""),
    ("Supp. 7: an item on the CCL is covered", SUPP_7, [{"eccn": "3A991"}], {},
     Outcome.LICENSE_REQUIRED, ""),
    ("746.8(a)(4) scope without the end use", OIL_GAS, [EAR99], {}, Outcome.HOLD, "oil or gas"),
    ("746.8(a)(4) scope, oil and gas project", OIL_GAS, [EAR99],
     {"russia_oil_gas_project": True}, Outcome.LICENSE_REQUIRED, ""),
    ("746.8(a)(4) scope, other end use", OIL_GAS, [EAR99], {"russia_oil_gas_project": False},
     Outcome.NO_LIST_RESTRICTION, ""),
    ("carve-out unless government end user, unknown", GOVERNMENT, [{"eccn": "5A992.c"}], {},
     Outcome.HOLD, "government end user"),
    ("carve-out, for a government end user", GOVERNMENT, [{"eccn": "5A992.c"}],
     {"government_end_user": True}, Outcome.LICENSE_REQUIRED, ""),
    ("carve-out, not a government end user", GOVERNMENT, [{"eccn": "5A992.c"}],
     {"government_end_user": False}, Outcome.NO_LIST_RESTRICTION, ""),
    ("carve-out of EAR99 food", GOVERNMENT, [{"eccn": "EAR99", "food_or_medicine": True}], {},
     Outcome.NO_LIST_RESTRICTION, ""),
    ("EAR99 not food is covered", GOVERNMENT, [{"eccn": "EAR99", "food_or_medicine": False}], {},
     Outcome.LICENSE_REQUIRED, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("licence", "items", "answers", "expected", "question"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_conditional_scopes_are_undecided_until_answered(
    licence: str,
    items: list[dict[str, Any]],
    answers: dict[str, bool],
    expected: Outcome,
    question: str,
) -> None:
    effect = consequence(entry(licence), PartyRole.END_USER, tx(*items, answers=answers))
    assert effect.outcome is expected
    asked = [c.question for c in effect.items if c.question]
    if question:
        assert asked and question in asked[0]
    else:
        assert asked == []


def test_a_listed_forwarder_is_never_more_restricted_than_a_listed_end_user() -> None:
    # MEU, EAR99 to China: not in Supp. No. 2 to Part 744, so the end user is not restricted;
    # the forwarder, to whom 744.21 does not attach at all, must not come out worse.
    meu = Entry(id="MEU-x", list=ListCode.MEU, type=EntryType.ENTITY, name="M", countries=("CN",))
    china = tx(EAR99).model_copy(update={"destination_country": "CN"})
    end_user = consequence(meu, PartyRole.END_USER, china)
    forwarder = consequence(meu, PartyRole.FREIGHT_FORWARDER, china)
    assert end_user.outcome is Outcome.NO_LIST_RESTRICTION
    assert forwarder.outcome is Outcome.NO_LIST_RESTRICTION
    covered = tx({"eccn": "3A991"}).model_copy(update={"destination_country": "CN"})
    assert consequence(meu, PartyRole.END_USER, covered).outcome is Outcome.LICENSE_REQUIRED
    assert consequence(meu, PartyRole.FREIGHT_FORWARDER, covered).outcome is Outcome.HOLD


def test_an_itar_debarment_is_escalated_for_ear_items_not_prohibited() -> None:
    debarred = Entry(id="DTC-x", list=ListCode.DTC, type=EntryType.INDIVIDUAL, name="D")
    effect = consequence(debarred, PartyRole.END_USER, tx(EAR99))
    assert effect.outcome is Outcome.HOLD
    assert effect.regulation == "22 CFR 127.7"


@pytest.mark.parametrize(
    ("text", "denial"),
    [
        ("Policy of denial apart from food and medicine (case-by-case).", True),
        ("Presumption of denial, except case-by-case for items for civil end uses.", True),
        ("Case-by-case review, except presumption of denial for 3A001.", False),
        ("Policy of denial.", True),
        ("Case-by-case review.", False),
    ],
)
def test_a_mixed_policy_that_leads_with_denial_is_a_likely_denial(text: str, denial: bool) -> None:
    review = parse_review(text)
    assert likely_denial(review.policy, review.raw) is denial
    if review.policy is ReviewPolicy.MIXED:
        assert "case-by-case" in text.lower()


def test_an_sdn_program_names_its_own_ear_section() -> None:
    # [IRAQ2]: E.O. 13315 persons, 15 CFR 744.18 (not 746.3, the Iraq destination control).
    sdn = Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.ENTITY, name="S", programs=("IRAQ2",))
    effect = consequence(sdn, PartyRole.END_USER, tx(EAR99))
    assert effect.regulation.endswith("; EAR: 15 CFR 744.18")
    assert any("[IRAQ2] 15 CFR 744.18" in n for n in effect.notes)


@pytest.mark.parametrize(
    ("details", "expected", "worst"),
    [
        ({"standard_order": "Y"}, Outcome.PROHIBITED, Outcome.PROHIBITED),
        ({"standard_order": "y"}, Outcome.PROHIBITED, Outcome.PROHIBITED),
        ({"standard_order": "N"}, Outcome.HOLD, Outcome.PROHIBITED),
        # The eCFR-derived file's own words, until the flag is carried as standard_order.
        ({"type_of_denial": "Non-Standard; Expires: 2029-01-26"}, Outcome.HOLD, Outcome.PROHIBITED),
        (
            {"type_of_denial": "Standard; Expires: 2029-01-26"},
            Outcome.PROHIBITED,
            Outcome.PROHIBITED,
        ),
        ({}, Outcome.PROHIBITED, Outcome.PROHIBITED),  # unknown: the standard terms, the worst
    ],
)
def test_a_non_standard_denial_order_holds_until_its_terms_are_read(
    details: dict[str, str], expected: Outcome, worst: Outcome
) -> None:
    denied = Entry(id="DPL-x", list=ListCode.DPL, type=EntryType.ENTITY, name="D", details=details)
    effect = consequence(denied, PartyRole.END_USER, tx(EAR99))
    assert (effect.outcome, effect.worst) == (expected, worst)
