"""Field-by-field comparison of two states of an entry."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from exportscreen.model import ChangeKind, Citation, FieldChange, LicenceScope, ReviewPolicy
from exportscreen.store.diff import ListFieldChange, entry_change, field_changes
from tests.store.factories import INSPUR_TAIWAN, NETTRIX, PETROV, moved

BASE = INSPUR_TAIWAN
NEW_CITATION = Citation(90, 99999, None, "90 FR 99999")


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            replace(BASE, name="Inspur Taiwan Co."),
            [FieldChange("name", "Inspur Taiwan", "Inspur Taiwan Co.")],
            id="name",
        ),
        pytest.param(
            replace(BASE, aliases=(*BASE.aliases, "Inspur (Taiwan)")),
            [
                ListFieldChange(
                    "aliases",
                    list(BASE.aliases),
                    [*BASE.aliases, "Inspur (Taiwan)"],
                    added=("Inspur (Taiwan)",),
                    removed=(),
                )
            ],
            id="alias-added",
        ),
        pytest.param(
            replace(BASE, aliases=("Inspur TW Ltd.",)),
            [
                ListFieldChange(
                    "aliases",
                    list(BASE.aliases),
                    ["Inspur TW Ltd."],
                    added=(),
                    removed=("浪潮台灣",),
                )
            ],
            id="alias-removed",
        ),
        pytest.param(
            replace(BASE, aliases=tuple(reversed(BASE.aliases))),
            [
                ListFieldChange(
                    "aliases",
                    list(BASE.aliases),
                    list(reversed(BASE.aliases)),
                    added=(),
                    removed=(),
                )
            ],
            id="aliases-reordered",
        ),
        pytest.param(
            replace(BASE, licence=replace(BASE.licence, footnotes=(1, 4))),
            [ListFieldChange("licence.footnotes", [4], [1, 4], added=(1,), removed=())],
            id="footnote-added",
        ),
        pytest.param(
            replace(BASE, licence=replace(BASE.licence, scope=LicenceScope.LISTED_ECCNS)),
            [FieldChange("licence.scope", "all-items-subject-to-the-EAR", "listed-eccns")],
            id="licence-scope",
        ),
        pytest.param(
            replace(BASE, review=replace(BASE.review, policy=ReviewPolicy.CASE_BY_CASE)),
            [FieldChange("review.policy", "policy-of-denial", "case-by-case")],
            id="review-policy",
        ),
        pytest.param(
            replace(BASE, details={"call_sign": "BXYZ"}),
            [FieldChange("details.call_sign", None, "BXYZ")],
            id="detail-appears",
        ),
        pytest.param(
            replace(BASE, citations=(*BASE.citations, NEW_CITATION)),
            [
                ListFieldChange(
                    "citations",
                    [
                        {
                            "volume": 90,
                            "page": 14048,
                            "date": "2025-03-28",
                            "raw": "90 FR 14048, 3/28/25",
                        }
                    ],
                    [
                        {
                            "volume": 90,
                            "page": 14048,
                            "date": "2025-03-28",
                            "raw": "90 FR 14048, 3/28/25",
                        },
                        {"volume": 90, "page": 99999, "date": None, "raw": "90 FR 99999"},
                    ],
                    added=({"volume": 90, "page": 99999, "date": None, "raw": "90 FR 99999"},),
                    removed=(),
                )
            ],
            id="citation-appended",
        ),
        pytest.param(
            replace(BASE, end_date=BASE.start_date, remarks="Removed."),
            [FieldChange("end_date", None, "2025-03-25"), FieldChange("remarks", "", "Removed.")],
            id="two-fields-in-field-order",
        ),
    ],
)
def test_field_changes_name_each_changed_field(after: Any, expected: list[FieldChange]) -> None:
    assert list(field_changes(BASE, after)) == expected


def test_a_repeated_alias_dropped_once_is_reported_removed() -> None:
    before = replace(BASE, aliases=("Inspur", "Inspur", "Inspur TW"))
    after = replace(BASE, aliases=("Inspur", "Inspur TW"))
    (change,) = field_changes(before, after)
    assert isinstance(change, ListFieldChange)
    assert (change.added, change.removed) == ((), ("Inspur",))


def test_a_moved_address_is_one_address_removed_and_one_added() -> None:
    (change,) = field_changes(BASE, moved(BASE, "No. 1 New Street"))
    assert isinstance(change, ListFieldChange)
    assert change.field == "addresses"
    assert [a["street"] for a in change.added] == ["No. 1 New Street"]
    assert [a["street"] for a in change.removed] == [BASE.addresses[0].street]


def test_equal_entries_have_no_changes() -> None:
    assert field_changes(PETROV, replace(PETROV)) == ()
    assert entry_change(PETROV, replace(PETROV)) is None


def test_entry_change_kinds() -> None:
    added = entry_change(None, NETTRIX)
    removed = entry_change(NETTRIX, None)
    changed = entry_change(NETTRIX, replace(NETTRIX, name="Nettrix"))
    assert added is not None and (added.kind, added.before, added.after) == (
        ChangeKind.ADDED,
        None,
        NETTRIX,
    )
    assert removed is not None and (removed.kind, removed.after) == (ChangeKind.REMOVED, None)
    assert changed is not None and changed.kind is ChangeKind.CHANGED
    assert [f.field for f in changed.fields] == ["name"]


def test_entry_change_refuses_two_different_entries() -> None:
    with pytest.raises(ValueError, match="two different entries"):
        entry_change(NETTRIX, BASE)
    with pytest.raises(ValueError, match="at least one side"):
        entry_change(None, None)
