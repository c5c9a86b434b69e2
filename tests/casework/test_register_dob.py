"""A counterparty's date of birth: kept in the register, screened as the batch's date of birth
qualifier, and left out of the state hash of the parties that have none (so that adding it
re-screens nobody)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportscreen.casework.register import Counterparty, Register
from exportscreen.model import Disposition, Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener
from exportscreen.sources.common import SourceError
from exportscreen.store import Store
from tests.casework.clearing import clear

# A listed person born in 1961 (the shape of an SDN individual's record).
PETROV = Entry(
    id="SDN-petrov",
    list=ListCode.SDN,
    type=EntryType.INDIVIDUAL,
    name="Ivan Sergeyevich Petrov",
    countries=("RU",),
    dates_of_birth=("12 Apr 1961",),
)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'dob.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    with Store.open(url) as opened:
        yield opened


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "parties.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_party_without_a_date_of_birth_hashes_as_before_the_column() -> None:
    # The hash every stored alert, decision and signature was made with before 0010.
    party = Counterparty("C1", "Acme Widgets GmbH", "DE", "company", "Hauptstr. 1, Berlin")
    body = json.dumps(["Acme Widgets GmbH", "DE", "company", "Hauptstr. 1, Berlin"])
    assert party.state_hash() == hashlib.sha256(body.encode()).hexdigest()
    born = Counterparty("C1", party.name, party.country, party.type, party.address, "1961")
    assert born.state_hash() != party.state_hash()
    other_year = Counterparty("C1", party.name, party.country, party.type, party.address, "1962")
    assert born.state_hash() != other_year.state_hash()


def test_import_reads_years_and_dates_and_refuses_a_date_of_birth_naming_no_year(
    store: Store, tmp_path: Path
) -> None:
    register = Register(store, actor="alice")
    bad = write(
        tmp_path,
        "id,name,type,date_of_birth\n"
        "P1,Ivan Petrov,person,1961\n"
        "P2,Olga Petrova,person,1961-04-12\n"
        "P3,Anna Ivanova,person,unknown\n"
        "P4,Boris Ivanov,person,1961-02-30\n",
    )
    with pytest.raises(SourceError) as caught:
        register.import_file(bad)
    assert (caught.value.line, caught.value.field) == (4, "date_of_birth")
    assert register.counterparties() == []  # all or nothing
    report = register.import_file(bad, skip_bad_rows=True)
    assert [(p.line, p.field) for p in report.problems] == [
        (4, "date_of_birth"),
        (5, "date_of_birth"),
    ]
    assert "1961-02-30" in str(report.problems[1])
    assert {p.external_id: p.date_of_birth for p in register.counterparties()} == {
        "P1": "1961",
        "P2": "1961-04-12",
    }


def test_a_named_column_is_read_and_a_changed_date_of_birth_is_an_update(
    store: Store, tmp_path: Path
) -> None:
    register = Register(store, actor="alice")
    path = write(tmp_path, "id,name,born\nP1,Ivan Petrov,1961\n")
    assert register.import_file(path, dob_col="born").added == 1
    assert register.import_file(path, dob_col="born").unchanged == 1
    path = write(tmp_path, "id,name,born\nP1,Ivan Petrov,1985\n")
    assert register.import_file(path, dob_col="born").updated == 1
    [party] = register.counterparties()
    assert party.date_of_birth == "1985"
    with pytest.raises(ValueError, match="date_of_birth"):
        register.add(Counterparty("P2", "Olga Petrova", date_of_birth="sometime"))


def test_a_register_without_dates_of_birth_raises_nothing_new_after_the_column(
    store: Store, tmp_path: Path
) -> None:
    """A file without the column, and one with it empty, leave each party as it was: its alert
    stays the one alert and its clearance keeps suppressing."""
    register = Register(store, actor="alice", threshold=0.8)
    register.import_file(write(tmp_path, "id,name,country\nP1,Ivan Petrov,RU\n"))
    screener = Screener.from_entries([PETROV])
    [alert_id] = register.screen(screener).raised
    clear(register, alert_id, "Different person: other patronymic", user="bob")
    again = register.import_file(
        write(tmp_path, "id,name,country,date_of_birth\nP1,Ivan Petrov,RU,\n")
    )
    assert again.unchanged == 1
    run = register.screen(screener)
    assert (run.raised, run.suppressed) == ([], 1)


def test_a_date_of_birth_lowers_the_hit_as_in_a_batch(store: Store, tmp_path: Path) -> None:
    screener = Screener.from_entries([PETROV])
    register = Register(store, actor="alice", threshold=0.5)
    register.import_file(
        write(
            tmp_path,
            "id,name,country,type,date_of_birth\n"
            "same,Ivan Petrov,RU,person,1961-04-12\n"
            "other,Ivan Petrov,RU,person,1985\n"
            "none,Ivan Petrov,RU,person,\n",
        )
    )
    run = register.screen(screener)
    scores = {a.counterparty.external_id: a.score for a in register.alerts() if a.id in run.raised}
    # The score a batch row with the same cells gets (Screener.screen's qualifier).
    for external_id, born in (("same", "1961-04-12"), ("other", "1985"), ("none", None)):
        [hit] = screener.screen(
            "Ivan Petrov", country="RU", type="person", threshold=0.5, date_of_birth=born
        )
        assert scores[external_id] == pytest.approx(hit.score)
    assert scores["other"] < scores["none"] == scores["same"]
    [other] = [a for a in register.alerts() if a.counterparty.external_id == "other"]
    assert "birth year mismatch" in json.dumps(other.explanation)
    assert other.counterparty.date_of_birth == "1985"


def test_a_date_of_birth_that_rules_the_person_out_suppresses_the_alert(
    store: Store, tmp_path: Path
) -> None:
    screener = Screener.from_entries([PETROV])
    [hit] = screener.screen("Ivan Petrov", country="RU", type="person", threshold=0.0)
    [lowered] = screener.screen(
        "Ivan Petrov", country="RU", type="person", threshold=0.0, date_of_birth="1985"
    )
    # A threshold between the two scores: the year alone decides.
    threshold = (hit.score + lowered.score) / 2
    register = Register(store, actor="alice", threshold=threshold)
    register.import_file(
        write(tmp_path, "id,name,country,type,date_of_birth\nP1,Ivan Petrov,RU,person,1985\n")
    )
    assert register.screen(screener).raised == []
    # The date corrected to the listed person's year: now it alerts.
    register.import_file(
        write(tmp_path, "id,name,country,type,date_of_birth\nP1,Ivan Petrov,RU,person,1961\n")
    )
    [alert_id] = register.screen(screener).raised
    decided = register.alert(alert_id)
    assert decided is not None and decided.counterparty.date_of_birth == "1961"
    # A decision is bound to the party with its date of birth: a later change unbinds it.
    register.decide(alert_id, Disposition.TRUE_MATCH, "Same person", user="bob")
    [bound] = register.bound_decisions()
    assert bound.counterparty_unchanged
    register.import_file(
        write(tmp_path, "id,name,country,type,date_of_birth\nP1,Ivan Petrov,RU,person,1962\n")
    )
    [bound] = register.bound_decisions()
    assert not bound.counterparty_unchanged


def test_a_rescreen_after_a_list_update_weighs_the_date_of_birth(
    store: Store, tmp_path: Path
) -> None:
    """The delta re-screen (``casework.rescreen``) screens through ``Register.screen``: a person
    added to the SDN list alerts on the registered namesake born that year, not on the one whose
    year rules the listed person out."""
    from datetime import date

    from exportscreen.casework.rescreen import rescreen
    from tests.casework.test_rescreen import STEADY, current_screener, publish

    lists = [ListCode.EL, ListCode.SDN]
    publish(store, [STEADY], date(2026, 6, 1), lists)
    [hit] = Screener.from_entries([PETROV]).screen("Ivan Petrov", country="RU", type="person")
    [lowered] = Screener.from_entries([PETROV]).screen(
        "Ivan Petrov", country="RU", type="person", date_of_birth="1985", threshold=0.0
    )
    register = Register(store, actor="alice", threshold=(hit.score + lowered.score) / 2)
    register.import_file(
        write(
            tmp_path,
            "id,name,country,type,date_of_birth\n"
            "born-then,Ivan Petrov,RU,person,1961\n"
            "ruled-out,Ivan Petrov,RU,person,1985\n",
        )
    )
    register.screen(current_screener(store))
    assert register.alerts() == []
    publish(store, [STEADY, PETROV], date(2026, 7, 9), lists)
    report = rescreen(store, register, current_screener(store))
    assert report.screened == 2  # both reach the new entry by name; the year decides
    assert {(h.external_id, h.entry_id) for h in report.hits} == {("born-then", PETROV.id)}
