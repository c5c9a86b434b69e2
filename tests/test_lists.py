"""lists.yaml: one checked row per list, and the tables the rest of the code reads from it."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from exportscreen.decisions.policy import LIST_POLICIES
from exportscreen.lists import (
    LIST_NAMES,
    LISTS,
    ItemScope,
    ListAction,
    ListsFileError,
    lists_published_in,
    parse_lists,
)
from exportscreen.model import ListCode, ReviewPolicy
from exportscreen.sources.csl_json import OFAC_NUMBERED, list_for_source
from exportscreen.sources.fetch import SOURCES


def _shipped() -> dict[str, Any]:
    text = resources.files("exportscreen").joinpath("lists.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _refusal(data: object) -> ListsFileError:
    with pytest.raises(ListsFileError) as caught:
        parse_lists(yaml.safe_dump(data))
    return caught.value


def _row_index(data: dict[str, Any], code: str) -> int:
    return next(i for i, row in enumerate(data["lists"]) if row["code"] == code)


def test_the_shipped_file_declares_every_list_once() -> None:
    assert list(LISTS) == list(ListCode)
    assert len(_shipped()["lists"]) == len(ListCode)


def test_a_missing_row_is_refused_naming_the_list() -> None:
    data = _shipped()
    del data["lists"][_row_index(data, "PLC")]
    error = _refusal(data)
    assert error.field == "lists"
    assert "PLC" in error.message


def test_a_second_row_for_a_list_is_refused() -> None:
    data = _shipped()
    data["lists"].append(dict(data["lists"][0]))
    error = _refusal(data)
    assert error.row == f"{len(ListCode) + 1} (code {data['lists'][0]['code']})"
    assert error.field == "code"


def test_an_unknown_field_is_refused_with_its_row_and_field() -> None:
    data = _shipped()
    index = _row_index(data, "DPL")
    meaning = dict(data["lists"][index]["meaning"])
    meaning["efect"] = "a typo"
    data["lists"][index]["meaning"] = meaning
    error = _refusal(data)
    assert (error.row, error.field) == (f"{index + 1} (code DPL)", "meaning.efect")
    assert str(error).startswith(f"lists.yaml, row {index + 1} (code DPL), field 'meaning.efect'")


def test_a_bad_enum_value_is_refused_with_its_row_and_field() -> None:
    data = _shipped()
    index = _row_index(data, "SDN")
    meaning = dict(data["lists"][index]["meaning"])
    meaning["action"] = "forbidden"
    data["lists"][index]["meaning"] = meaning
    error = _refusal(data)
    assert (error.row, error.field) == (f"{index + 1} (code SDN)", "meaning.action")


def test_an_unknown_list_code_is_refused() -> None:
    data = _shipped()
    data["lists"][0]["code"] = "XYZ"
    assert _refusal(data).field == "code"


def test_a_boolean_spelled_as_text_is_refused() -> None:
    data = _shipped()
    index = _row_index(data, "UVL")
    meaning = dict(data["lists"][index]["meaning"])
    meaning["uvl_statement_required"] = "yes"
    data["lists"][index]["meaning"] = meaning
    assert _refusal(data).field == "meaning.uvl_statement_required"


def test_invalid_yaml_is_refused() -> None:
    with pytest.raises(ListsFileError, match="invalid YAML"):
        parse_lists("lists: [")


def test_the_policy_table_is_the_files_meaning_column() -> None:
    meu = LIST_POLICIES[ListCode.MEU]
    assert (meu.action, meu.items, meu.default_review) == (
        ListAction.LICENSE_REQUIRED,
        ItemScope.MEU_SUPPLEMENT_2,
        ReviewPolicy.PRESUMPTION_OF_DENIAL,
    )
    assert meu.agency == LISTS[ListCode.MEU].agency == "Commerce / BIS"
    assert LIST_NAMES[ListCode.DPL] == "Denied Persons List (BIS)"


def test_csl_spellings_and_numbering_come_from_the_file() -> None:
    assert list_for_source(
        "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department"
    ) == (ListCode.MBS)
    assert list_for_source("NS-MBS") is ListCode.MBS
    assert ListCode.SDN in OFAC_NUMBERED and ListCode.EL not in OFAC_NUMBERED


def test_each_publication_carries_the_lists_the_file_says() -> None:
    by_key = {s.key: s.lists for s in SOURCES}
    assert by_key["ofac-sdn"] == (ListCode.SDN,)
    assert by_key["bis-dpl"] == (ListCode.DPL,)
    # The CSL carries every US list and nothing else; the UN, EU and UK lists come from their own.
    assert set(by_key["csl"]) == set(ListCode) - {ListCode.UN, ListCode.EU, ListCode.UK}
    assert by_key["un-sc"] == (ListCode.UN,)
    assert (by_key["eu-fsf"], by_key["uk-fcdo"]) == ((ListCode.EU,), (ListCode.UK,))
    assert ListCode.SDN not in by_key["ofac-cons"] and ListCode.SSI in by_key["ofac-cons"]
    assert lists_published_in("no-such-source") == ()


def test_collections_reach_their_lists_through_their_children() -> None:
    from exportscreen.lists import COLLECTIONS

    ofac_cons = {"SSI", "FSE", "CAP", "CMIC", "MBS", "PLC"}
    assert COLLECTIONS["us_ofac_cons"] == {ListCode(code) for code in ofac_cons}
    assert COLLECTIONS["default"] == frozenset(ListCode)
    beyond_us = {ListCode.UN, ListCode.EU, ListCode.UK}
    assert COLLECTIONS["us_trade_csl"] == frozenset(ListCode) - beyond_us
    assert beyond_us <= COLLECTIONS["sanctions"]
    # OpenSanctions' names for the UN, EU and UK lists.
    assert [LISTS[c].ftm.dataset for c in (ListCode.UN, ListCode.EU, ListCode.UK)] == [
        "un_sc_sanctions",
        "eu_fsf",
        "gb_fcdo_sanctions",
    ]
    assert LISTS[ListCode.SDN].ftm.dataset == "us_ofac_sdn"  # OpenSanctions' own names
    assert LISTS[ListCode.DPL].ftm.dataset == "us_bis_denied"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda c: c[0]["children"].append("us_nowhere"), "children", "'us_nowhere'"),
        (lambda c: c[0].update(name="us_ofac_sdn"), "name", "already the name"),
        (lambda c: c[-1].update(children=["us_ofac_cons"]), "collections", "every list"),
        (lambda c: c[0].update(extra=1), "collections.0.extra", "Extra inputs"),
    ],
)
def test_a_bad_collection_is_refused(change: Any, field: str, fragment: str) -> None:
    data = _shipped()
    change(data["collections"])
    error = _refusal(data)
    assert error.field == field
    assert fragment in error.message


def test_a_list_of_an_undeclared_jurisdiction_is_refused() -> None:
    data = _shipped()
    index = _row_index(data, "UN")
    data["lists"][index]["jurisdiction"] = "XX"
    error = _refusal(data)
    assert (error.row, error.field) == (f"{index + 1} (code UN)", "jurisdiction")
    assert "'XX' is not among the declared jurisdictions" in error.message
