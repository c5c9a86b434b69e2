"""FollowTheMoney entity streams: a dataset is loaded as a list of its own once a deployment has
declared it (EXPORTSCREEN_LISTS_DIR); an undeclared one is refused. Declarations are read when
exportscreen is imported, so the declared-list tests run exportscreen in a child process with
the setting, as a deployment would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from exportscreen.lists import ListsFileError, check_declared
from exportscreen.model import ListCode
from exportscreen.sources import detect, ftm_json
from exportscreen.sources.common import SourceError

ROOT = Path(__file__).resolve().parents[2]

DECLARATION: dict[str, Any] = {
    "lists": [
        {
            "code": "ACME",
            "name": "ACME Watch List",
            "agency": "ACME Group Compliance",
            "jurisdiction": "US",
            "meaning": {
                "action": "hold",
                "badge": "HOLD: ACME REVIEW",
                "items": "any-dealing",
                "effect": "ACME Watch List: hold the transaction until compliance has reviewed it.",
                "regulation": "ACME Group sanctions policy, section 4",
            },
            "ftm": {"topic": "sanction", "dataset": "acme_watch"},
        }
    ]
}

PERSON = {
    "id": "acme-person-1",
    "schema": "Person",
    "properties": {
        "name": ["Viktor Examplenko"],
        "alias": ["Viktor Primerenko"],
        "weakAlias": ["The Accountant"],
        "birthDate": ["1971-05-04"],
        "nationality": ["ru"],
        "passportNumber": ["750000123"],
    },
    "datasets": ["acme_watch"],
    "target": True,
    "last_change": "2026-02-01T10:00:00",
}
COMPANY = {
    "id": "acme-company-1",
    "schema": "Company",
    "properties": {
        "name": ["Examplenko Trading LLC"],
        "country": ["ae"],
        "registrationNumber": ["DMCC-12345"],
        "address": ["Unit 1, Example Tower, Dubai"],
    },
    "datasets": ["acme_watch"],
    "target": True,
    "last_change": "2026-02-03T10:00:00",
}
OWNERSHIP = {
    "id": "acme-own-1",
    "schema": "Ownership",
    "properties": {
        "owner": ["acme-person-1"],
        "asset": ["acme-company-1"],
        "percentage": ["75"],
        "startDate": ["2019"],
    },
    "datasets": ["acme_watch"],
}
SANCTION = {
    "id": "acme-sanction-1",
    "schema": "Sanction",
    "properties": {
        "entity": ["acme-company-1"],
        "program": ["ACME-RU"],
        "listingDate": ["2024-06-01"],
    },
    "datasets": ["acme_watch"],
}


def write_stream(path: Path, *entities: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def declare(folder: Path, declaration: dict[str, Any] = DECLARATION) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.yaml").write_text(yaml.safe_dump(declaration), encoding="utf-8")
    return folder


def run(
    script: str, tmp_path: Path, lists_dir: Path | None, *args: str
) -> subprocess.CompletedProcess[str]:
    """exportscreen in a child process, with the lists of ``lists_dir`` declared."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EXPORTSCREEN_CACHE": str(tmp_path / "cache"),
        "EXPORTSCREEN_USER": "alice",
        "EXPORTSCREEN_LISTS_DIR": str(lists_dir) if lists_dir else "",
    }
    return subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=600
    )


# --- without a declaration --------------------------------------------------------------------


def test_an_undeclared_dataset_is_refused_naming_it(tmp_path: Path) -> None:
    stream = write_stream(tmp_path / "entities.ftm.json", PERSON, COMPANY)
    assert detect(stream) is ftm_json
    with pytest.raises(SourceError) as caught:
        ftm_json.parse(stream)
    assert caught.value.line == 1 and caught.value.field == "datasets"
    assert "dataset 'acme_watch' is not declared" in caught.value.message
    assert "EXPORTSCREEN_LISTS_DIR" in caught.value.message


def test_an_unknown_schema_is_refused_with_its_line(tmp_path: Path) -> None:
    stream = write_stream(tmp_path / "entities.ftm.json", {**PERSON, "schema": "Persn"}, COMPANY)
    with pytest.raises(SourceError) as caught:
        ftm_json.parse(stream)
    assert (caught.value.line, caught.value.field) == (1, "schema")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda row: row.update(code="SDN"), "code", "a list lists.yaml declares"),
        (lambda row: row.update(code="acme"), "code", "upper-case"),
        (lambda row: row.update(published_in=["csl"]), "published_in", "loaded from files"),
        (lambda row: row["meaning"].update(action="forbid"), "meaning.action", "Input should be"),
        (lambda row: row.pop("meaning"), "meaning", "Field required"),
    ],
    ids=["built-in-code", "lower-case-code", "publication", "bad-action", "no-meaning"],
)
def test_a_bad_declaration_is_refused_naming_file_row_and_field(
    tmp_path: Path, change: Any, field: str, message: str
) -> None:
    declaration = json.loads(json.dumps(DECLARATION))
    change(declaration["lists"][0])
    folder = declare(tmp_path / "lists.d", declaration)
    with pytest.raises(ListsFileError) as caught:
        check_declared(folder / "acme.yaml")
    assert caught.value.file == str(folder / "acme.yaml")
    assert caught.value.field == field and message in caught.value.message
    assert str(caught.value).startswith(f"{folder / 'acme.yaml'}, row 1")
    assert "ACME" not in ListCode.__members__  # checking a file changes nothing in the process


def test_a_good_declaration_passes_the_check(tmp_path: Path) -> None:
    check_declared(declare(tmp_path / "lists.d") / "acme.yaml")
    assert "ACME" not in ListCode.__members__


def test_a_bad_declaration_stops_the_import(tmp_path: Path) -> None:
    declaration = json.loads(json.dumps(DECLARATION))
    declaration["lists"][0]["jurisdiction"] = "XX"
    folder = declare(tmp_path / "lists.d", declaration)
    result = run("import exportscreen.lists", tmp_path, folder)
    assert result.returncode != 0
    assert "'XX' is not among the declared jurisdictions" in result.stderr


# --- declared: load, screen, export -----------------------------------------------------------

SCRIPT = """
import json, sys
from pathlib import Path
from typer.testing import CliRunner
from exportscreen.cli.app import app
from exportscreen.lists import COLLECTIONS, LISTS
from exportscreen.model import ListCode
from exportscreen.sources import ftm_json

stream, relations, db, export = (Path(a) for a in sys.argv[1:5])
runner = CliRunner()

def cli(*args):
    result = runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout

acme = ListCode("ACME")
out = {"codes": [c.value for c in ListCode], "in_default": acme in COLLECTIONS["default"],
       "name": LISTS[acme].name}
parsed = ftm_json.parse(stream)
out["lists"] = [c.value for c in parsed.lists]
out["as_of"] = str(parsed.as_of)
out["entries"] = [
    {"id": e.id, "list": e.list.value, "type": e.type.value, "name": e.name,
     "aliases": list(e.aliases), "weak": list(e.weak_aliases), "countries": list(e.countries),
     "dob": list(e.dates_of_birth), "ids": [[i.type, i.value] for i in e.identifiers],
     "addresses": [a.one_line() for a in e.addresses]}
    for e in parsed.entries
]
related = {e.id: e for e in ftm_json.parse(relations).entries}
out["relations"] = {k: json.loads(e.details.get("relations", "[]")) for k, e in related.items()}
out["programs"] = {k: [list(e.programs), str(e.start_date)] for k, e in related.items()}
cli("load", str(stream))
out["hits"] = [
    h["entry"]["id"] for h in json.loads(cli("check", "Viktor Examplenko", "--json"))["hits"]
]
out["company_hits"] = [
    h["entry"]["id"] for h in json.loads(cli("check", "Examplenko Trading", "--json"))["hits"]
]
cli("export-ftm", "ACME", "--output", str(export))
print(json.dumps(out))
"""


def test_a_declared_two_entity_stream_loads_as_its_own_list_and_screens(tmp_path: Path) -> None:
    folder = declare(tmp_path / "lists.d")
    stream = write_stream(tmp_path / "entities.ftm.json", PERSON, COMPANY)
    relations = write_stream(tmp_path / "related.ftm.json", PERSON, COMPANY, OWNERSHIP, SANCTION)
    export = tmp_path / "export.ftm.json"
    db = tmp_path / "store.db"
    result = run(SCRIPT, tmp_path, folder, str(stream), str(relations), str(db), str(export))
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert out["codes"][-1] == "ACME" and out["in_default"]
    assert out["name"] == "ACME Watch List"
    assert out["lists"] == ["ACME"] and out["as_of"] == "2026-02-03"
    person, company = out["entries"]
    assert person == {
        "id": "ACME-acme-person-1",
        "list": "ACME",
        "type": "individual",
        "name": "Viktor Examplenko",
        "aliases": ["Viktor Primerenko", "The Accountant"],
        "weak": ["The Accountant"],
        "countries": ["RU"],
        "dob": ["1971-05-04"],
        "ids": [["Passport number", "750000123"]],
        "addresses": [],
    }
    assert company["type"] == "entity" and company["countries"] == ["AE"]
    assert company["ids"] == [["Registration number", "DMCC-12345"]]
    assert company["addresses"] == ["Unit 1, Example Tower, Dubai"]

    # Relations are kept on both parties; a Sanction gives the programme and listing date.
    assert out["relations"]["ACME-acme-person-1"] == [
        {
            "kind": "Ownership",
            "role": "owner",
            "other_role": "owned",
            "other_id": "acme-company-1",
            "other_name": "Examplenko Trading LLC",
            "percentage": "75",
            "start_date": "2019",
        }
    ]
    assert out["relations"]["ACME-acme-company-1"][0]["role"] == "owned"
    assert out["programs"]["ACME-acme-company-1"] == [["ACME-RU"], "2024-06-01"]

    # Screened like the other lists.
    assert out["hits"][0] == "ACME-acme-person-1"
    assert out["company_hits"][0] == "ACME-acme-company-1"

    # Exported back through FtM, the weak alias stays weak.
    exported = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    by_id = {e["id"]: e for e in exported}
    assert set(by_id) == {"ACME-acme-person-1", "ACME-acme-company-1"}
    viktor = by_id["ACME-acme-person-1"]
    assert viktor["schema"] == "Person" and viktor["datasets"] == ["acme_watch"]
    assert viktor["properties"]["weakAlias"] == ["The Accountant"]
    assert viktor["properties"]["alias"] == ["Viktor Primerenko"]
