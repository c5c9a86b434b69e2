"""References and evidence of screenings: every interface's record has one, a mistyped one is
refused, and the evidence names the list versions with their data dates and each hit's meaning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from stdnum.iso7064 import mod_97_10

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import (
    InvalidReference,
    evidence,
    parse_reference,
    reference,
)
from exportscreen.casework.recorded import python_caller, screen_and_record
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from exportscreen.store.schema import audit_log
from tests.api.support import load_fixture_lists


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'evidence.db'}") as opened:
        load_fixture_lists(opened)
        yield opened


def _screener(store: Store) -> Screener:
    return Screener(Screener.from_entries(store.entries()).index, store.current_version_ids())


# ISO 7064 MOD 97-10 over the record number (the check IBANs use): worked by hand,
# 123 * 100 = 12300, 12300 mod 97 = 78, 98 - 78 = 20.
@pytest.mark.parametrize(
    ("seq", "expected"),
    [(1, "ES-000001-95"), (42, "ES-000042-69"), (123, "ES-000123-20"), (1234567, "ES-1234567-51")],
)
def test_a_reference_is_the_record_number_with_a_check(seq: int, expected: str) -> None:
    assert reference(seq) == expected
    assert parse_reference(expected) == seq


def test_the_check_is_the_standard_one_for_every_number() -> None:
    # The check is computed by arithmetic; the standard's own implementation is the oracle,
    # over the first hundred thousand records and some far beyond.
    numbers = [*range(1, 100_001), 10**9 + 7, 2**40, 10**15 - 1]
    assert [reference(n).rsplit("-", 1)[1] for n in numbers] == [
        mod_97_10.calc_check_digits(str(n)) for n in numbers
    ]


@pytest.mark.parametrize(
    ("typed", "seq"),
    [("es-000123-20", 123), (" ES-123-20 ", 123), ("ES00012320", 123)],
)
def test_a_reference_is_read_however_it_is_typed(typed: str, seq: int) -> None:
    assert parse_reference(typed) == seq


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("ES-000132-20", "check number does not match"),  # two digits swapped
        ("ES-000124-20", "check number does not match"),  # one digit wrong
        ("123", "not a screening reference"),
        ("ES-ABC-20", "not a screening reference"),
        ("", "not a screening reference"),
    ],
)
def test_a_mistyped_reference_is_refused_not_taken_for_another(typed: str, says: str) -> None:
    with pytest.raises(InvalidReference, match=says):
        parse_reference(typed)


def test_a_python_screening_has_a_reference_naming_its_evidence(store: Store) -> None:
    screened = screen_and_record(
        _screener(store), audit.StoreSink(store.engine), python_caller("carol"), "Acme Optical"
    )
    assert screened.reference == reference(screened.record.seq)
    found = evidence(store, screened.reference)
    assert found.kind == "screening"
    assert (found.record.actor, found.interface) == ("carol", "python")
    # The list versions screened against, each with its data date and file from the store.
    assert [(v.list, v.version_id, v.as_of) for v in found.versions] == [
        ("EL", 3, date(2025, 4, 1)),
        ("SDN", 4, date(2025, 4, 1)),
    ]
    assert all(v.sha256 and v.file_name == "lists.json" for v in found.versions)
    [screening] = found.screenings
    assert screening.query["name"] == "Acme Optical"
    [hit] = screening.hits
    assert (hit.entry_id, hit.entry_name, hit.matched_name) == (
        "EL-acme01",
        "Acme Photonics Co., Ltd.",
        "Acme Optical",
    )
    # What a true match on the Entity List means, from the list-meaning table.
    assert hit.outcome == "LICENSE_REQUIRED"
    assert "744.11" in hit.regulation
    assert hit.licence_requirement == "For all items subject to the EAR."
    assert found.hash_checks


def test_a_screening_without_hits_has_evidence_too(store: Store) -> None:
    screened = screen_and_record(
        _screener(store), audit.StoreSink(store.engine), python_caller("carol"), "Quiet Meadow"
    )
    assert screened.hits == []
    [screening] = evidence(store, screened.reference).screenings
    assert (screening.hit_count, screening.hits) == (0, ())


def test_references_name_only_screenings_and_determinations(store: Store) -> None:
    other = audit.append(store.engine, "admin", "user.add", {"user": "x"})
    with pytest.raises(InvalidReference, match="names no screening"):
        evidence(store, reference(other.seq))
    with pytest.raises(InvalidReference, match="names no screening"):
        evidence(store, reference(other.seq + 100))


def test_evidence_of_an_edited_record_says_its_hash_fails(store: Store) -> None:
    screened = screen_and_record(
        _screener(store), audit.StoreSink(store.engine), python_caller("carol"), "Acme Optical"
    )
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.seq == screened.record.seq)
            .values(actor="mallory")
        )
    assert not evidence(store, screened.reference).hash_checks
