"""The transaction file reader: JSON and YAML, normalised, and refused with file, line and
field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from exportscreen.decisions.transaction import Party, PartyRole, load_transaction
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decisions"


def test_load_transaction_reads_and_normalises_yaml() -> None:
    tx = load_transaction(FIXTURES / "transaction_servers.yaml")
    assert tx.id == "TX-2025-0042"
    assert tx.date == date(2025, 4, 1)
    assert tx.destination_country == "TW"
    assert [i.eccn for i in tx.items] == ["5A992.c", "EAR99"]
    assert [(p.role, p.country) for p in tx.parties] == [
        (PartyRole.PURCHASER, "TW"),
        (PartyRole.END_USER, "TW"),
        (PartyRole.FREIGHT_FORWARDER, "HK"),
    ]


def test_load_transaction_reads_json() -> None:
    tx = load_transaction(FIXTURES / "transaction_minimal.json")
    assert tx.parties[0] == Party(
        role=PartyRole.ULTIMATE_CONSIGNEE,
        name="Nettrix Information Industry Co., Ltd.",
        country="CN",
    )


def test_load_transaction_names_file_line_and_field_of_a_bad_eccn() -> None:
    path = FIXTURES / "transaction_bad_eccn.yaml"
    with pytest.raises(SourceError) as raised:
        load_transaction(path)
    assert (raised.value.file, raised.value.line, raised.value.field) == (
        str(path),
        5,
        "items[1].eccn",
    )
    assert "3Z001" in raised.value.message


BAD_DOCUMENTS = [
    ("missing date", {"date": None}, "date", None),
    ("integer date", {"date": 20250401}, "date", "YYYY-MM-DD"),
    ("unknown country", {"destination_country": "Atlantis"}, "destination_country", "Atlantis"),
    ("no items", {"items": []}, "items", None),
    ("unknown role", {"parties": [{"role": "banker", "name": "X"}]}, "parties[0].role", None),
    ("blank name", {"parties": [{"role": "end_user", "name": "  "}]}, "parties[0].name", None),
    ("unknown field", {"incoterm": "FOB"}, "incoterm", "Extra inputs"),
]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [b[1:] for b in BAD_DOCUMENTS],
    ids=[b[0] for b in BAD_DOCUMENTS],
)
def test_load_transaction_rejects_bad_fields(
    tmp_path: Path, change: dict[str, object], field: str, message: str | None
) -> None:
    document = json.loads((FIXTURES / "transaction_minimal.json").read_text())
    document.update(change)
    document = {k: v for k, v in document.items() if v is not None}
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(document, indent=2))
    with pytest.raises(SourceError) as raised:
        load_transaction(path)
    assert raised.value.field == field
    assert raised.value.line is not None
    if message:
        assert message in raised.value.message


def test_load_transaction_reports_syntax_errors_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "tx.json"
    path.write_text('{\n  "date": "2025-04-01",\n  "items": [\n}\n')
    with pytest.raises(SourceError) as raised:
        load_transaction(path)
    assert raised.value.line == 4
    other = tmp_path / "tx.txt"
    other.write_text("date: 2025-04-01")
    with pytest.raises(SourceError, match=r"\.json, \.yaml or \.yml"):
        load_transaction(other)


def test_the_readme_example_is_a_valid_transaction_with_every_role(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Transaction files", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    transaction = load_transaction(path)
    assert [p.role for p in transaction.parties] == list(PartyRole)
    assert transaction.answers["wmd_end_use"] is False
    assert transaction.parties[2].counterparty_id == "C-HK-1"
    assert transaction.items[1].in_part746_supplements is False
