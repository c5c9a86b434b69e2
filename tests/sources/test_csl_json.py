"""The CSL JSON loader: the same records as the CSV fixture, written in the API's JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportscreen.model import ListCode
from exportscreen.sources import csl_csv, csl_json
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"
JSON_FIXTURE = FIXTURES / "csl_sample.json"


def test_json_and_csv_of_the_same_records_give_equal_entries() -> None:
    from_json = csl_json.parse(JSON_FIXTURE)
    from_csv = csl_csv.parse(FIXTURES / "csl_sample.csv")
    assert len(from_json.entries) == 5
    assert from_json.entries == from_csv.entries
    assert from_json.as_of == from_csv.as_of
    assert from_json.lists == from_csv.lists


def _results() -> list[dict[str, object]]:
    results: list[dict[str, object]] = json.loads(JSON_FIXTURE.read_text())["results"]
    return results


@pytest.mark.parametrize("shape", ["bare-list", "results-only"])
def test_other_document_shapes(tmp_path: Path, shape: str) -> None:
    document: object = _results() if shape == "bare-list" else {"results": _results()}
    path = tmp_path / "csl.json"
    path.write_text(json.dumps(document))
    assert csl_json.parse(path).entries == csl_json.parse(JSON_FIXTURE).entries


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department", ListCode.MBS),
        ("Military End User (MEU) List - Bureau of Industry and Security", ListCode.MEU),
        ("Capta List (CAP) - Treasury Department", ListCode.CAP),
        ("SDN", ListCode.SDN),
        ("Some Other List (XYZ) - Nobody", None),
    ],
)
def test_list_for_source(source: str, expected: ListCode | None) -> None:
    assert csl_json.list_for_source(source) is expected


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    text = JSON_FIXTURE.read_text().replace('"total": 5,', '"total": 5,,')
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(SourceError) as caught:
        csl_json.parse(path)
    assert caught.value.line == 2


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    data = JSON_FIXTURE.read_bytes().replace(b"RIM, Ryong Nam", b"RIM, Ryong \xff Nam")
    line = data[: data.index(b"\xff")].count(b"\n") + 1
    path = tmp_path / "bytes.json"
    path.write_bytes(data)
    with pytest.raises(SourceError) as caught:
        csl_json.parse(path)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("index", "key", "value", "field"),
    [
        (4, "name", "", "results[4].name"),
        (4, "start_date", "7 April 2022", "results[4].start_date"),
        (1, "entity_number", "", "results[1].entity_number"),
        (3, "addresses", ["not an object"], "results[3].addresses[0]"),
    ],
)
def test_bad_records(tmp_path: Path, index: int, key: str, value: object, field: str) -> None:
    results = _results()
    results[index][key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"results": results}))
    with pytest.raises(SourceError) as caught:
        csl_json.parse(path)
    assert caught.value.field == field
    parsed = csl_json.parse(path, skip_bad_rows=True)
    assert len(parsed.entries) == 4
    assert [p.field for p in parsed.problems] == [field]


# (field renamed by the publisher, what it would silently have changed)
RENAMED = [
    ("license_requirement", "every Entity List and MEU licence requirement"),
    ("federal_register_notice", "every Federal Register citation"),
    ("addresses", "every address, and with the countries every BIS and State id"),
    ("alt_names", "every alias"),
]


@pytest.mark.parametrize(("field", "lost"), RENAMED, ids=[r[0] for r in RENAMED])
def test_a_renamed_field_is_refused_naming_it(tmp_path: Path, field: str, lost: str) -> None:
    results = _results()
    for record in results:
        if field in record:
            record[f"{field}_v2"] = record.pop(field)
    path = tmp_path / "csl.json"
    path.write_text(json.dumps({"results": results}))
    with pytest.raises(SourceError, match=rf"required field '{field}' is in no \w+ record") as e:
        csl_json.parse(path)
    assert e.value.field == f"results[].{field}", lost
