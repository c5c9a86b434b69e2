"""Answers first, server side: what a hit means (badges from the list table, footnotes explained,
citations linked), hits grouped by party, and the search page showing them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.decisions.consequence import listing_meaning
from exportscreen.model import (
    Address,
    Entry,
    EntryType,
    Explanation,
    Hit,
    ListCode,
    Outcome,
    ReviewPolicy,
)
from exportscreen.screening.party_groups import SAME_NAME, SAME_OFAC_RECORD, group_by_party
from exportscreen.sources.terms import parse_licence, parse_review
from exportscreen.store import Store
from exportscreen.web.legal import cite, licence_text
from tests.api.support import add_users, build_app, config_for, load_fixture_lists, running
from tests.web.test_views import login

# --- citations as links: (text, the links it must carry) -------------------------------------

ECFR = "https://www.ecfr.gov/current"
CITATIONS = [
    (
        "15 CFR 744.11, 744.16 and Supp. No. 4 to Part 744",
        [
            f"{ECFR}/title-15",
            f"{ECFR}/title-15/part-744/section-744.11",
            f"{ECFR}/title-15/part-744/section-744.16",
            f"{ECFR}/title-15/part-744/appendix-Supplement%20No.%204%20to%20Part%20744",
        ],
    ),
    (
        "31 CFR 560.204; 15 CFR 746.7(e)",
        [
            f"{ECFR}/title-31",
            f"{ECFR}/title-31/part-560/section-560.204",
            f"{ECFR}/title-15",
            f"{ECFR}/title-15/part-746/section-746.7#p-746.7(e)",
        ],
    ),
    ("22 CFR 127.7", [f"{ECFR}/title-22", f"{ECFR}/title-22/part-127/section-127.7"]),
    ("31 CFR 594 / 597", [f"{ECFR}/title-31/part-594"]),
    # A bare EAR section (parts 730-774) is 15 CFR; a paragraph is the eCFR's anchor.
    (
        "see 744.11(a)(2)(iv) of the EAR",
        [f"{ECFR}/title-15/part-744/section-744.11#p-744.11(a)(2)(iv)"],
    ),
    ("84 FR 22963", ["https://www.federalregister.gov/citation/84-FR-22963"]),
    # Not citations: an executive order, an ECCN, a score.
    ("Executive Order 13959, as amended by 14032", []),
    ("ECCN 5A992.c at score 0.89", []),
]


@pytest.mark.parametrize(("text", "links"), CITATIONS, ids=[c[0] for c in CITATIONS])
def test_citations_become_links_to_the_official_texts(text: str, links: list[str]) -> None:
    html = str(cite(text))
    assert re.findall(r'href="([^"]+)"', html) == links
    assert re.sub(r"<[^>]+>", "", html) == text.replace("&", "&amp;")


# --- licence cells: footnote markers as references, never a stray digit -----------------------

CELLS = [
    # (cell as BIS prints it, text that must read, footnotes)
    (
        "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4",
        "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4",
        ["4"],
    ),
    (
        "For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2",
        "For all items subject to the EAR, see §§ 734.9(e)1 and 744.11 of the EAR2",
        ["1", "2"],
    ),
    (
        "For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.11 of the EAR)",
        "For all items subject to the EAR. (See §§ 734.9(g)3 746.8(a)(3), and 744.11 of the EAR)",
        ["3"],
    ),
    ("For all items subject to the EAR.", "For all items subject to the EAR.", []),
]


@pytest.mark.parametrize(("cell", "reads", "markers"), CELLS, ids=[c[0][-30:] for c in CELLS])
def test_licence_footnote_markers_become_references(
    cell: str, reads: str, markers: list[str]
) -> None:
    html = str(licence_text(cell, "fn"))
    found = re.findall(r'<sup class="fn"><a href="#fn-(\d)"[^>]*>(\d)</a></sup>', html)
    assert [number for number, _ in found] == markers
    assert [shown for _, shown in found] == markers
    assert re.sub(r"<[^>]+>", "", html) == reads
    # Every marker parse_licence reads is shown as a reference, and no other.
    assert sorted(int(m) for m in markers) == list(parse_licence(cell).footnotes)


# --- what a listing means: the law as a table --------------------------------------------------


def _entry(code: ListCode, **fields: object) -> Entry:
    base: dict[str, object] = {
        "id": f"{code.value}-1",
        "list": code,
        "type": EntryType.ENTITY,
        "name": "Example Trading Co.",
    }
    return Entry(**{**base, **fields})  # type: ignore[arg-type]


EL_CELL = "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4"
MEANINGS = [
    # (entry, badge, outcome, review label, a citation the meaning must give)
    (
        _entry(
            ListCode.EL,
            licence=parse_licence(EL_CELL),
            review=parse_review("Presumption of denial."),
        ),
        "LICENCE REQUIRED",
        Outcome.LICENSE_REQUIRED,
        "presumption of denial",
        "744.11",
    ),
    (
        _entry(ListCode.MEU),
        "LICENCE REQUIRED",
        Outcome.LICENSE_REQUIRED,
        "presumption of denial",
        "744.21",
    ),
    (_entry(ListCode.SDN, programs=("SDGT",)), "BLOCKED", Outcome.PROHIBITED, "", "744.12"),
    (_entry(ListCode.CMIC), "INVESTMENT RESTRICTION", Outcome.NO_LIST_RESTRICTION, "", "13959"),
    (_entry(ListCode.DPL), "PROHIBITED: DENIAL ORDER", Outcome.PROHIBITED, "", "764.3(a)(2)"),
    (
        _entry(ListCode.DPL, details={"standard_order": "N"}),
        "HOLD: READ THE ORDER",
        Outcome.HOLD,
        "",
        "764.3(a)(2)",
    ),
    (_entry(ListCode.UVL), "HOLD: UVL STATEMENT", Outcome.HOLD, "", "744.15"),
    (_entry(ListCode.SSI), "HOLD: SECTORAL DIRECTIVE", Outcome.HOLD, "", "13662"),
    (_entry(ListCode.DTC), "HOLD: ITAR DEBARRED", Outcome.HOLD, "", "127.7"),
    (_entry(ListCode.FSE), "PROHIBITED", Outcome.PROHIBITED, "", "13608"),
]


@pytest.mark.parametrize(
    ("entry", "badge", "outcome", "review", "law"),
    MEANINGS,
    ids=[f"{m[0].list.value}-{m[1]}" for m in MEANINGS],
)
def test_what_a_listing_means(
    entry: Entry, badge: str, outcome: Outcome, review: str, law: str
) -> None:
    meaning = listing_meaning(entry)
    assert (meaning.badge, meaning.outcome, meaning.review_label) == (badge, outcome, review)
    said = " ".join((meaning.regulation, *meaning.notes, meaning.effect))
    assert law in said


def test_a_listing_explains_its_footnotes_and_conditions() -> None:
    meaning = listing_meaning(
        _entry(
            ListCode.EL,
            licence=parse_licence(
                "For all items subject to the EAR when used in projects specified in § 746.8(a)(4)"
                " of the EAR"
            ),
            review=parse_review("See §746.5(b) of the EAR"),
        )
    )
    assert meaning.review_policy is ReviewPolicy.CROSS_REFERENCE
    assert any("oil or gas" in c for c in meaning.conditions)
    assert any("748.5(c)-(f)" in c for c in meaning.conditions)
    footnoted = listing_meaning(_entry(ListCode.EL, licence=parse_licence(EL_CELL)))
    assert [(f.number, f.regulation) for f in footnoted.footnotes] == [
        (4, "15 CFR 734.9(e)(2), 744.11(a)(2)(iv)")
    ]


# --- hits grouped by party -------------------------------------------------------------------


def _hit(entry: Entry, score: float = 0.9) -> Hit:
    return Hit(entry, score, entry.name, Explanation(summary=f"score {score:.2f}"))


def test_one_party_on_several_lists_is_one_group() -> None:
    sdn = _entry(ListCode.SDN, id="SDN-18299", name="ROSNEFT TRADING S.A.", source_id="18299",
                 countries=("CH",))  # fmt: skip
    ssi = _entry(ListCode.SSI, id="SSI-18299", name="ROSNEFT TRADING S.A.", source_id="18299",
                 countries=("CH",))  # fmt: skip
    el = _entry(ListCode.EL, id="EL-r", name="Rosneft Trading S.A.", countries=("CH",))
    other_country = _entry(ListCode.EL, id="EL-x", name="Rosneft Trading SA", countries=("CY",))
    affiliate = _entry(
        ListCode.EL,
        id="EL-aff",
        name="Rosneft Trading S.A.",
        countries=("CH",),
        details={"parent_id": "EL-r", "parent_name": "Rosneft Trading S.A."},
    )
    groups = group_by_party([_hit(e) for e in (el, sdn, other_country, ssi, affiliate)])
    assert [[h.entry.id for h in g.hits] for g in groups] == [
        ["EL-r", "SDN-18299", "SSI-18299"],
        ["EL-x"],
        ["EL-aff"],
    ]
    assert set(groups[0].reasons) == {SAME_NAME, SAME_OFAC_RECORD}


def test_a_company_and_a_person_of_one_name_are_two_parties() -> None:
    company = _entry(ListCode.EL, id="EL-1", name="Ali Trading", countries=("AE",))
    person = _entry(ListCode.SDN, id="SDN-9", name="Ali Trading", type=EntryType.INDIVIDUAL,
                    countries=("AE",), addresses=(Address(country="AE"),))  # fmt: skip
    assert len(group_by_party([_hit(company), _hit(person)])) == 2


# --- the search page ---------------------------------------------------------------------------


@pytest.fixture()
def ui(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    with Store.open(f"sqlite:///{tmp_path / 'ui.db'}") as store:
        load_fixture_lists(store)
        add_users(store)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            yield client, store


def test_search_shows_each_hits_consequence(ui: tuple[TestClient, Store]) -> None:
    client, store = ui
    login(client, "viewer")
    page = client.get("/ui/search", params={"q": "Ivan Petrov"}).text
    assert '<span class="consequence consequence-prohibited">BLOCKED</span>' in page
    page = client.get("/ui/search", params={"q": "Acme Photonics"}).text
    assert '<span class="consequence consequence-licence">LICENCE REQUIRED</span>' in page
    assert f'href="{ECFR}/title-15/part-744/section-744.11"' in page
    from exportscreen.casework import audit_trail as audit

    screened = [r for r in audit.records(store.engine) if r.action == audit.SCREEN]
    assert screened[-1].payload["interface"] == "ui"


def test_search_filters_by_list_and_refuses_an_unknown_one(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    login(client, "viewer")
    everywhere = client.get("/ui/search", params={"q": "Acme Photonics", "threshold": "0.5"}).text
    only_sdn = client.get(
        "/ui/search", params={"q": "Acme Photonics", "threshold": "0.5", "list": "SDN"}
    ).text
    assert "EL-acme01" in everywhere and "EL-acme01" not in only_sdn
    assert "on the Specially Designated Nationals (OFAC) only" in only_sdn
    wrong = client.get("/ui/search", params={"q": "Acme", "list": "XYZ"}).text
    assert "list: &#39;XYZ&#39; is not one of" in wrong
