"""Licence determination on hand-made entries: what each list means for a party, its role and the
items; analysts' decisions; dates; ownership; ECCN coverage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from exportscreen.decisions.country_controls import QUESTION_IDS
from exportscreen.decisions.determination import (
    FORWARDER_NOTE,
    NOTICE,
    Determination,
    EntryDating,
    MatchStatus,
    determine,
    eccn_covers,
)
from exportscreen.decisions.ownership import GroundKind, OwnershipGraph, Regime, Stake
from exportscreen.decisions.transaction import PartyRole, Transaction, load_transaction
from exportscreen.model import (
    Citation,
    Disposition,
    Entry,
    EntryType,
    Explanation,
    Hit,
    LicenceRequirement,
    LicenceScope,
    ListCode,
    Outcome,
    Review,
    ReviewPolicy,
)
from exportscreen.sources.common import identity_text
from tests.decisions.fr_dates import FR_DATES, FR_DATING

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decisions"
# These tests are about what the lists mean: every end-use question answered "no", so that the
# destination's catch-alls (tests/decisions/test_destination.py) stay out of the way.
NO_END_USE = dict.fromkeys(QUESTION_IDS, False)


@dataclass
class TableScreener:
    """Returns preset hits for a name, whatever its spelling; records what it was asked."""

    hits: dict[str, list[Hit]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def add(self, name: str, entry: Entry, score: float = 0.95) -> None:
        hit = Hit(entry, score, entry.name, Explanation())
        self.hits.setdefault(identity_text(name), []).append(hit)

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        self.asked.append(name)
        return list(self.hits.get(identity_text(name), []))[:limit]


ALL_ITEMS = LicenceRequirement(
    raw="For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4",
    scope=LicenceScope.ALL_ITEMS,
    footnotes=(4,),
    regulations=("734.9(e)(2)", "744.11"),
)
LISTED = LicenceRequirement(
    raw="For ECCNs 1A004.c, 1A004.d and 1A995.",
    scope=LicenceScope.LISTED_ECCNS,
    eccns=("1A004.c", "1A004.d", "1A995"),
)
CARVE_OUT = LicenceRequirement(
    raw="All items subject to the EAR except for food or medicine designated as EAR99, or ECCN "
    "5A992.c and 5D992.c.",
    scope=LicenceScope.ALL_ITEMS,
    eccns=("5A992.c", "5D992.c"),
)
DENIAL = Review(raw="Policy of denial.", policy=ReviewPolicy.POLICY_OF_DENIAL)
NO_LICENCE = LicenceRequirement()
NO_REVIEW = Review()
FR_14048 = Citation(90, 14048, date(2025, 3, 28), "90 FR 14048, 3/28/25")


def make_entry(
    lst: ListCode,
    name: str = "Listed Co.",
    *,
    licence: LicenceRequirement = NO_LICENCE,
    review: Review = NO_REVIEW,
    programs: tuple[str, ...] = (),
    countries: tuple[str, ...] = ("CN",),
    citations: tuple[Citation, ...] = (),
    start: date | None = None,
    end: date | None = None,
) -> Entry:
    return Entry(
        id=f"{lst.value}-{identity_text(name).replace(' ', '-')}",
        list=lst,
        type=EntryType.ENTITY,
        name=name,
        countries=countries,
        programs=programs,
        licence=licence,
        review=review,
        citations=citations,
        start_date=start,
        end_date=end,
    )


def transaction(
    *eccns: str,
    role: PartyRole = PartyRole.END_USER,
    on: date = date(2025, 6, 1),
    destination: str = "CN",
    name: str = "Listed Co.",
) -> Transaction:
    return Transaction.model_validate(
        {
            "date": on,
            "destination_country": destination,
            "items": [{"eccn": e} for e in eccns],
            "parties": [{"role": role, "name": name, "country": destination}],
            "answers": NO_END_USE,
        }
    )


def judge(
    entry: Entry,
    tx: Transaction,
    decision: Disposition | None = Disposition.TRUE_MATCH,
    score: float = 0.95,
    **kwargs: object,
) -> Determination:
    screener = TableScreener()
    screener.add(tx.parties[0].name, entry, score)
    confirmed = {(tx.parties[0].name, entry.id): decision} if decision else {}
    kwargs.setdefault("dating", FR_DATING)  # dates from the FR API fixtures, as update caches
    return determine(tx, screener, threshold=0.8, confirmed=confirmed, **kwargs)  # type: ignore[arg-type]


# --- what a confirmed match means, list by list ---------------------------------------------

CONFIRMED_CASES = [
    ("denied person", make_entry(ListCode.DPL), ("EAR99",), "CN", Outcome.PROHIBITED),
    ("EL all items covers EAR99", make_entry(ListCode.EL, licence=ALL_ITEMS), ("EAR99",), "CN",
     Outcome.LICENSE_REQUIRED),
    ("EL listed ECCN", make_entry(ListCode.EL, licence=LISTED), ("1A004.c.1",), "CN",
     Outcome.LICENSE_REQUIRED),
    ("EL listed ECCNs miss EAR99", make_entry(ListCode.EL, licence=LISTED), ("EAR99", "3A001"),
     "CN", Outcome.NO_LIST_RESTRICTION),
    # (In China: to Russia 746.8(a)(1) requires a licence for 5A992.c whatever the entry says.)
    ("EL carve-out ECCN", make_entry(ListCode.EL, licence=CARVE_OUT), ("5A992.c",), "CN",
     Outcome.NO_LIST_RESTRICTION),
    ("EL carve-out of some EAR99 counts until read", make_entry(ListCode.EL, licence=CARVE_OUT),
     ("EAR99",), "RU", Outcome.LICENSE_REQUIRED),
    ("EL with unreadable scope counts", make_entry(ListCode.EL, licence=LicenceRequirement(
        raw="For all items subject to the EAR when used in projects specified in §746.5",
        scope=LicenceScope.OTHER)), ("EAR99",), "CN", Outcome.LICENSE_REQUIRED),
    ("MEU, Supp. 2 item", make_entry(ListCode.MEU), ("3A991.a",), "CN", Outcome.LICENSE_REQUIRED),
    ("MEU, EAR99", make_entry(ListCode.MEU), ("EAR99",), "CN", Outcome.NO_LIST_RESTRICTION),
    ("MEU, item outside Supp. 2", make_entry(ListCode.MEU), ("3A001",), "CN",
     Outcome.NO_LIST_RESTRICTION),
    ("MEU in Russia, any item", make_entry(ListCode.MEU, countries=("RU",)), ("EAR99",), "RU",
     Outcome.LICENSE_REQUIRED),
    ("unverified", make_entry(ListCode.UVL), ("EAR99",), "CN", Outcome.HOLD),
    ("SDN", make_entry(ListCode.SDN, programs=("SDGT",)), ("EAR99",), "CN", Outcome.PROHIBITED),
    ("sectoral sanctions escalate", make_entry(ListCode.SSI), ("EAR99",), "RU", Outcome.HOLD),
    ("CMIC is not an export restriction", make_entry(ListCode.CMIC), ("3A001",), "CN",
     Outcome.NO_LIST_RESTRICTION),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "eccns", "destination", "expected"),
    [c[1:] for c in CONFIRMED_CASES],
    ids=[c[0] for c in CONFIRMED_CASES],
)
def test_a_confirmed_match_gives_the_lists_outcome(
    entry: Entry, eccns: tuple[str, ...], destination: str, expected: Outcome
) -> None:
    result = judge(entry, transaction(*eccns, destination=destination))
    (party,) = result.parties
    (reason,) = party.listings
    assert reason.status is MatchStatus.CONFIRMED
    assert (reason.outcome, party.outcome, result.outcome) == (expected, expected, expected)


def test_an_entity_list_reason_carries_scope_review_footnotes_and_citations() -> None:
    entry = make_entry(ListCode.EL, licence=ALL_ITEMS, review=DENIAL, citations=(FR_14048,))
    (reason,) = judge(entry, transaction("EAR99", "5A992.c")).parties[0].listings
    assert reason.consequence.requirement == ALL_ITEMS.raw
    assert [(c.eccn, c.covered) for c in reason.consequence.items] == [
        ("EAR99", True),
        ("5A992.c", True),
    ]
    assert "includes EAR99" in reason.consequence.items[0].why
    assert reason.consequence.review_policy is ReviewPolicy.POLICY_OF_DENIAL
    assert reason.consequence.likely_denial
    assert "likely to be denied" in reason.consequence.review_meaning
    assert "744.16(b)" in reason.consequence.licence_exceptions
    assert [(f.number, f.regulation) for f in reason.footnotes] == [
        (4, "15 CFR 734.9(e)(2), 744.11(a)(2)(iv)")
    ]
    assert reason.citations == ("90 FR 14048, 2025-03-28",)
    assert reason.effective_date == date(2025, 3, 25)  # the rule's, not the publication's


def test_listed_eccns_say_which_item_is_covered() -> None:
    entry = make_entry(ListCode.EL, licence=LISTED)
    (reason,) = judge(entry, transaction("1A995", "EAR99")).parties[0].listings
    assert [(c.eccn, c.covered) for c in reason.consequence.items] == [
        ("1A995", True),
        ("EAR99", False),
    ]
    assert reason.outcome is Outcome.LICENSE_REQUIRED


def test_meu_review_policy_defaults_to_744_21() -> None:
    (reason,) = judge(make_entry(ListCode.MEU), transaction("9A991")).parties[0].listings
    assert reason.consequence.review_policy is ReviewPolicy.PRESUMPTION_OF_DENIAL
    assert "GOV" in reason.consequence.licence_exceptions


def test_unverified_party_needs_a_uvl_statement() -> None:
    (reason,) = judge(make_entry(ListCode.UVL), transaction("EAR99")).parties[0].listings
    assert any("UVL statement" in n for n in reason.consequence.notes)


def test_sdn_with_an_ear_program_says_the_ear_also_require_a_licence() -> None:
    entry = make_entry(ListCode.SDN, programs=("IRAN", "NPWMD"))
    (reason,) = judge(entry, transaction("EAR99")).parties[0].listings
    # [NPWMD]: 15 CFR 744.8 (the section of each program, not one range for all).
    assert any("[NPWMD] 15 CFR 744.8." in n for n in reason.consequence.notes)
    assert reason.consequence.regulation.endswith("; EAR: 15 CFR 744.8")
    (plain,) = (
        judge(make_entry(ListCode.SDN, programs=("IRAN",)), transaction("EAR99"))
        .parties[0]
        .listings
    )
    assert not plain.consequence.notes


# --- analysts' decisions and the threshold --------------------------------------------------

DECISION_CASES = [
    (None, MatchStatus.POTENTIAL, Outcome.HOLD),
    (Disposition.NEEDS_INFO, MatchStatus.POTENTIAL, Outcome.HOLD),
    (Disposition.ESCALATED, MatchStatus.POTENTIAL, Outcome.HOLD),
    (Disposition.TRUE_MATCH, MatchStatus.CONFIRMED, Outcome.PROHIBITED),
    (Disposition.FALSE_POSITIVE, MatchStatus.FALSE_POSITIVE, Outcome.NO_LIST_RESTRICTION),
]


@pytest.mark.parametrize(("decision", "status", "expected"), DECISION_CASES)
def test_decisions_turn_a_potential_match_into_an_outcome(
    decision: Disposition | None, status: MatchStatus, expected: Outcome
) -> None:
    result = judge(make_entry(ListCode.DPL), transaction("EAR99"), decision)
    (reason,) = result.parties[0].listings
    assert (reason.status, reason.outcome, result.outcome) == (status, expected, expected)
    assert reason.if_confirmed is Outcome.PROHIBITED
    assert reason.disposition is decision


def test_a_potential_match_whose_confirmation_would_restrict_nothing_does_not_hold() -> None:
    entry = make_entry(ListCode.EL, licence=LISTED)
    result = judge(entry, transaction("EAR99"), None)
    (reason,) = result.parties[0].listings
    assert (reason.status, reason.outcome) == (MatchStatus.POTENTIAL, Outcome.NO_LIST_RESTRICTION)


def test_hits_below_the_threshold_are_not_reasons() -> None:
    result = judge(make_entry(ListCode.DPL), transaction("EAR99"), None, score=0.79)
    assert result.parties[0].listings == ()
    assert result.outcome is Outcome.NO_LIST_RESTRICTION


def test_decisions_are_keyed_by_party_name_whatever_its_spelling() -> None:
    entry = make_entry(ListCode.DPL)
    tx = transaction("EAR99", name="LISTED CO")
    screener = TableScreener()
    screener.add("listed co", entry)
    result = determine(tx, screener, confirmed={("Listed Co.", entry.id): Disposition.TRUE_MATCH})
    assert result.parties[0].listings[0].status is MatchStatus.CONFIRMED


# --- roles -----------------------------------------------------------------------------------

ROLE_CASES = [
    (ListCode.EL, PartyRole.END_USER, Outcome.LICENSE_REQUIRED),
    (ListCode.EL, PartyRole.INTERMEDIATE_CONSIGNEE, Outcome.LICENSE_REQUIRED),
    (ListCode.EL, PartyRole.FREIGHT_FORWARDER, Outcome.HOLD),
    (ListCode.MEU, PartyRole.FREIGHT_FORWARDER, Outcome.HOLD),
    (ListCode.DPL, PartyRole.FREIGHT_FORWARDER, Outcome.PROHIBITED),
    (ListCode.SDN, PartyRole.FREIGHT_FORWARDER, Outcome.PROHIBITED),
]


@pytest.mark.parametrize(("lst", "role", "expected"), ROLE_CASES)
def test_the_freight_forwarder_is_not_a_748_5_party(
    lst: ListCode, role: PartyRole, expected: Outcome
) -> None:
    entry = make_entry(lst, licence=ALL_ITEMS)
    party = judge(entry, transaction("3A991", role=role)).parties[0]
    assert party.outcome is expected
    forwarder = role is PartyRole.FREIGHT_FORWARDER
    assert (FORWARDER_NOTE in party.notes) is forwarder
    if forwarder and lst in (ListCode.EL, ListCode.MEU):
        assert FORWARDER_NOTE in party.listings[0].consequence.notes


# --- dates -----------------------------------------------------------------------------------

INSPUR_TAIWAN = make_entry(
    ListCode.EL, "Inspur Taiwan", licence=ALL_ITEMS, countries=("TW",), citations=(FR_14048,)
)

DATE_CASES = [
    ("before the effective date", INSPUR_TAIWAN, date(2025, 3, 20), MatchStatus.NOT_IN_FORCE,
     Outcome.NO_LIST_RESTRICTION, "effective 2025-03-25"),
    ("effective before publication", INSPUR_TAIWAN, date(2025, 3, 26), MatchStatus.CONFIRMED,
     Outcome.LICENSE_REQUIRED, ""),
    ("after publication", INSPUR_TAIWAN, date(2025, 4, 1), MatchStatus.CONFIRMED,
     Outcome.LICENSE_REQUIRED, ""),
    ("a denial order that expired", make_entry(ListCode.DPL, start=date(2020, 1, 1),
     end=date(2024, 12, 31)), date(2025, 1, 1), MatchStatus.NOT_IN_FORCE,
     Outcome.NO_LIST_RESTRICTION, "ended 2024-12-31"),
    ("on the last day of a denial order", make_entry(ListCode.DPL, start=date(2020, 1, 1),
     end=date(2024, 12, 31)), date(2024, 12, 31), MatchStatus.CONFIRMED, Outcome.PROHIBITED, ""),
    ("an undated entry counts", make_entry(ListCode.DPL), date(1990, 1, 1),
     MatchStatus.CONFIRMED, Outcome.PROHIBITED, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "on", "status", "expected", "note"),
    [c[1:] for c in DATE_CASES],
    ids=[c[0] for c in DATE_CASES],
)
def test_entries_count_from_their_effective_date_to_their_end(
    entry: Entry, on: date, status: MatchStatus, expected: Outcome, note: str
) -> None:
    result = judge(entry, transaction("EAR99", on=on, destination="TW", name=entry.name))
    (reason,) = result.parties[0].listings
    assert (reason.status, result.outcome) == (status, expected)
    assert note in reason.note


def test_the_start_date_counts_when_earlier_than_the_citation() -> None:
    # Denial orders take effect before their Federal Register publication.
    entry = make_entry(ListCode.DPL, start=date(2022, 2, 10), citations=(
        Citation(87, 9030, date(2022, 2, 17)),))  # fmt: skip
    assert EntryDating().effective_date(entry) == date(2022, 2, 10)


def test_first_seen_is_asked_only_for_undated_entries() -> None:
    asked: list[str] = []

    def first_seen(entry: Entry) -> date:
        asked.append(entry.id)
        return date(2024, 5, 1)

    dating = EntryDating(effective_dates=FR_DATES, first_seen=first_seen)
    undated = make_entry(ListCode.UVL, "Undated")
    assert not dating(undated, date(2024, 4, 30))
    assert dating(undated, date(2024, 5, 1))
    assert dating.effective_date(INSPUR_TAIWAN) == date(2025, 3, 25)
    assert asked == [undated.id, undated.id]


def test_a_custom_in_force_rule_replaces_the_default() -> None:
    result = judge(
        make_entry(ListCode.DPL), transaction("EAR99"), entries_in_force=lambda e, d: False
    )
    assert result.parties[0].listings[0].status is MatchStatus.NOT_IN_FORCE
    assert result.outcome is Outcome.NO_LIST_RESTRICTION


# --- several parties, output ----------------------------------------------------------------


def test_the_overall_outcome_is_the_most_restrictive_party() -> None:
    tx = load_transaction(FIXTURES / "transaction_servers.yaml")
    screener = TableScreener()
    screener.add("Inspur Taiwan", INSPUR_TAIWAN)
    forwarder = make_entry(ListCode.UVL, "Harbor Freight Forwarding Co.")
    screener.add("Harbor Freight Forwarding Co.", forwarder, 0.88)
    result = determine(
        tx, screener, confirmed={("Inspur Taiwan", INSPUR_TAIWAN.id): Disposition.TRUE_MATCH}
    )
    assert [p.outcome for p in result.parties] == [
        Outcome.LICENSE_REQUIRED,
        Outcome.NO_LIST_RESTRICTION,
        Outcome.HOLD,
    ]
    assert result.outcome is Outcome.LICENSE_REQUIRED
    assert result.notice == NOTICE
    assert "supports, and does not replace, a compliance decision" in result.notice


def test_to_dict_is_json_with_outcome_names() -> None:
    result = judge(INSPUR_TAIWAN, transaction("EAR99", name="Inspur Taiwan", destination="TW"))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["outcome"] == "LICENSE_REQUIRED"
    assert "does not replace" in data["notice"]
    assert data["transaction"]["date"] == "2025-06-01"
    reason = data["parties"][0]["listings"][0]
    assert reason["list"] == "EL"
    assert reason["status"] == "confirmed"
    assert reason["if_confirmed"] == "LICENSE_REQUIRED"
    assert reason["consequence"]["items"][0]["covered"] is True
    assert reason["effective_date"] == "2025-03-25"


# --- ownership -------------------------------------------------------------------------------

PARENT = make_entry(ListCode.EL, "Listed Parent Group", licence=ALL_ITEMS, review=DENIAL)


def owned_subsidiary(on: date, decision: Disposition | None) -> Determination:
    graph = OwnershipGraph(
        [
            Stake(
                "Listed Parent Group",
                "Quiet Subsidiary Ltd",
                Decimal(60),
                date(2025, 6, 30),
                "registry",
            )
        ]
    )
    screener = TableScreener()
    screener.add("Listed Parent Group", PARENT, 0.97)
    confirmed = {("Listed Parent Group", PARENT.id): decision} if decision else {}
    tx = transaction("EAR99", on=on, name="Quiet Subsidiary Ltd")
    return determine(tx, screener, confirmed=confirmed, ownership=graph)


# (date, owner decision, kind, outcome, worst case): while the rule is not in force, ownership by
# a listed party is a red flag (HOLD) that stays one; an unconfirmed owner could mean a licence.
OWNERSHIP_CASES = [
    (date(2025, 9, 1), Disposition.TRUE_MATCH, GroundKind.RULE_NOT_IN_FORCE, Outcome.HOLD, None),
    (date(2025, 10, 1), Disposition.TRUE_MATCH, GroundKind.RESTRICTED, Outcome.LICENSE_REQUIRED,
     None),
    (date(2026, 1, 15), Disposition.TRUE_MATCH, GroundKind.RULE_NOT_IN_FORCE, Outcome.HOLD, None),
    (date(2026, 11, 10), Disposition.TRUE_MATCH, GroundKind.RESTRICTED, Outcome.LICENSE_REQUIRED,
     None),
    (date(2026, 11, 10), None, GroundKind.RED_FLAG, Outcome.HOLD, Outcome.LICENSE_REQUIRED),
]  # fmt: skip


@pytest.mark.parametrize(("on", "decision", "kind", "expected", "worst"), OWNERSHIP_CASES)
def test_a_60_percent_subsidiary_of_an_entity_list_party(
    on: date,
    decision: Disposition | None,
    kind: GroundKind,
    expected: Outcome,
    worst: Outcome | None,
) -> None:
    result = owned_subsidiary(on, decision)
    (party,) = result.parties
    assert party.listings == ()
    (reason,) = party.ownership
    assert (reason.regime, reason.kind, reason.outcome) == (Regime.BIS_AFFILIATES, kind, expected)
    assert party.outcome is expected
    assert party.if_confirmed is worst
    assert "by Listed Parent Group (60%, as of 2025-06-30)" in reason.text
    assert [(o.owner, o.percent) for o in reason.owners] == [("Listed Parent Group", "60")]


def test_an_inherited_restriction_keeps_the_owners_terms() -> None:
    (reason,) = owned_subsidiary(date(2026, 12, 1), Disposition.TRUE_MATCH).parties[0].ownership
    assert "restricted through ownership by Listed Parent Group (60%, as of 2025-06-30)" in (
        reason.text
    )
    (inherited,) = reason.inherited
    assert inherited.entry_id == PARENT.id
    assert inherited.consequence.likely_denial


def test_only_the_owners_of_the_parties_are_screened() -> None:
    graph = OwnershipGraph(
        [
            Stake("Owner A", "Party Co", Decimal(60), date(2025, 1, 1)),
            Stake("Unrelated Owner", "Unrelated Co", Decimal(60), date(2025, 1, 1)),
        ]
    )
    screener = TableScreener()
    determine(transaction("EAR99", name="Party Co"), screener, ownership=graph)
    assert sorted(screener.asked) == ["Owner A", "Party Co"]


ECCN_CASES = [
    ("3A001", "3A001", True),
    ("3A001", "3a001.A.1", True),
    ("1A004.c", "1A004", True),  # an item given less precisely may be the listed paragraph
    ("1A004.c", "1A004.d", False),
    ("3A001", "3A001.a", True),
    ("3A00", "3A001", None),
    ("5A992.c", "5A992", True),
    ("3A001", "3A991", False),
    ("3A001", "EAR99", False),
]


@pytest.mark.parametrize(("listed", "item", "expected"), ECCN_CASES)
def test_eccn_covers(listed: str, item: str, expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="expected an ECCN"):
            eccn_covers(listed, item)
    else:
        assert eccn_covers(listed, item) is expected


# --- the worst case, and every ground with its citation ------------------------------------


def test_a_potential_sdn_match_beside_a_confirmed_el_party_is_prohibited_if_confirmed() -> None:
    tx = Transaction.model_validate(
        {
            "date": date(2025, 6, 1),
            "destination_country": "TW",
            "items": [{"eccn": "EAR99"}],
            "parties": [
                {"role": "ultimate_consignee", "name": "Inspur Taiwan", "country": "TW"},
                {"role": "end_user", "name": "Harbour Gate Shipping", "country": "TW"},
            ],
            "answers": NO_END_USE,
        }
    )
    screener = TableScreener()
    screener.add("Inspur Taiwan", INSPUR_TAIWAN)
    sdn = make_entry(ListCode.SDN, "Harbour Gate Shipping Ltd")
    screener.add("Harbour Gate Shipping", sdn, 0.86)
    confirmed = {("Inspur Taiwan", INSPUR_TAIWAN.id): Disposition.TRUE_MATCH}
    result = determine(tx, screener, confirmed=confirmed)
    assert result.outcome is Outcome.LICENSE_REQUIRED
    assert result.if_confirmed is Outcome.PROHIBITED
    assert result.parties[1].if_confirmed is Outcome.PROHIBITED
    data = result.to_dict()
    assert (data["outcome"], data["if_confirmed"]) == ("LICENSE_REQUIRED", "PROHIBITED")
    sdn_ground = next(g for g in data["grounds"] if g["list"] == "SDN")
    assert (sdn_ground["outcome"], sdn_ground["if_confirmed"]) == ("HOLD", "PROHIBITED")
    assert all(g["citation"] for g in data["grounds"])


def test_an_exact_sdn_match_holds_and_says_prohibited_if_confirmed() -> None:
    result = judge(make_entry(ListCode.SDN), transaction("EAR99"), decision=None, score=1.0)
    assert (result.outcome, result.if_confirmed) == (Outcome.HOLD, Outcome.PROHIBITED)


def test_nothing_pending_means_no_if_confirmed() -> None:
    result = judge(make_entry(ListCode.DPL), transaction("EAR99"))
    assert (result.outcome, result.if_confirmed) == (Outcome.PROHIBITED, None)


def test_a_60_percent_ssi_owned_entity_is_held_with_the_ssi_ground() -> None:
    bank = make_entry(ListCode.SSI, "Sectoral Bank", programs=("UKRAINE-EO13662",))
    graph = OwnershipGraph(
        [Stake("Sectoral Bank", "Bank Leasing LLC", Decimal(60), date(2025, 1, 1))]
    )
    screener = TableScreener()
    screener.add("Sectoral Bank", bank, 0.99)
    tx = transaction("EAR99", name="Bank Leasing LLC", destination="KZ")
    result = determine(
        tx,
        screener,
        ownership=graph,
        confirmed={("Sectoral Bank", bank.id): Disposition.TRUE_MATCH},
    )
    (party,) = result.parties
    (ground,) = [o for o in party.ownership if o.regime is Regime.OFAC_SSI_50_PERCENT]
    assert (ground.kind, ground.outcome) == (GroundKind.RESTRICTED, Outcome.HOLD)
    assert "E.O. 13662" in ground.citation
    assert result.outcome is Outcome.HOLD


def test_an_sdn_owner_is_a_licence_requirement_under_the_bis_ground_and_blocked_under_ofacs() -> (
    None
):
    owner = make_entry(ListCode.SDN, "Proliferator", programs=("NPWMD",))
    graph = OwnershipGraph([Stake("Proliferator", "Front Co", Decimal(60), date(2025, 1, 1))])
    screener = TableScreener()
    screener.add("Proliferator", owner)
    result = determine(
        transaction("EAR99", name="Front Co", on=date(2026, 12, 1), destination="KZ"),
        screener,
        ownership=graph,
        confirmed={("Proliferator", owner.id): Disposition.TRUE_MATCH},
    )
    by_regime = {o.regime: o for o in result.parties[0].ownership}
    assert by_regime[Regime.BIS_AFFILIATES].outcome is Outcome.LICENSE_REQUIRED
    assert by_regime[Regime.OFAC_50_PERCENT].outcome is Outcome.PROHIBITED
    assert result.outcome is Outcome.PROHIBITED
    bis = by_regime[Regime.BIS_AFFILIATES]
    assert bis.verified_on == date(2025, 11, 12)
    assert "assumed, not verified" in bis.rule_status
