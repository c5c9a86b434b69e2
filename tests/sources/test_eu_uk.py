"""The EU Financial Sanctions Files (XML export) and the UK Sanctions List (FCDO XML) loaders, on
small fixtures written from the published formats; their schema contracts; their downloads from
the official URLs (a local mirror); and a load and a screening through the CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.model import Address, EntryType, Identifier, ListCode
from exportscreen.ops.updater import run_update
from exportscreen.sources import detect, eu_fsf_xml, fetch, uk_fcdo_xml
from exportscreen.sources.common import SourceError
from exportscreen.store import Store
from tests import httpserver
from tests.httpserver import MirrorServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"
EU_FIXTURE = FIXTURES / "eu_fsf_small.xml"
UK_FIXTURE = FIXTURES / "uk_sanctions_small.xml"
runner = CliRunner()


# --- EU ---------------------------------------------------------------------------------------


def test_eu_file_is_recognised_by_its_namespace_whatever_its_name(tmp_path: Path) -> None:
    served_as = tmp_path / "content"  # the name the official URL gives the download
    served_as.write_bytes(EU_FIXTURE.read_bytes())
    assert detect(served_as) is eu_fsf_xml
    assert detect(EU_FIXTURE) is eu_fsf_xml


def test_eu_entities() -> None:
    parsed = eu_fsf_xml.parse(EU_FIXTURE)
    assert (parsed.as_of, parsed.lists, parsed.problems) == (date(2026, 2, 20), (ListCode.EU,), [])
    by_id = {e.id: e for e in parsed.entries}
    assert list(by_id) == ["EU-13", "EU-153245", "EU-140001"]

    saddam = by_id["EU-13"]
    assert saddam.type is EntryType.INDIVIDUAL and saddam.source_id == "EU.27.28"
    assert saddam.name == "Saddam Hussein Al-Tikriti"
    assert saddam.aliases == ("Abu Ali", "Abou Ali")
    assert saddam.weak_aliases == ("Abu Ali", "Abou Ali")  # strong="false"
    assert saddam.dates_of_birth == ("1937-04-28",)
    assert saddam.places_of_birth == ("al-Awja, near Tikrit, IRAQ",)
    assert saddam.citizenships == ("IQ",) and saddam.countries == ("IQ",)
    assert saddam.programs == ("IRQ",) and saddam.start_date == date(2003, 7, 8)
    assert saddam.details["united_nations_id"] == "IQi.001"

    plant = by_id["EU-153245"]
    assert plant.type is EntryType.ENTITY and plant.weak_aliases == ()
    assert plant.aliases == ("АО «Пример Машиностроительный Завод»",)
    assert plant.addresses == (
        Address(street="ul. Primernaya 12", city="Tula", postal_code="300001", country="RU"),
    )
    assert plant.identifiers == (
        Identifier(
            "Registration Number", "1027100000000", "RU", "Main State Registration Number (OGRN)"
        ),
    )

    official = by_id["EU-140001"]
    assert official.dates_of_birth == ("circa 1968",)  # a year, circa; country "00" unknown
    assert official.places_of_birth == ()
    assert official.start_date == date(2022, 3, 15)  # the first of its two regulations
    assert official.details["regulations"] == "2022/427 (OJ L87); 2023/571 (OJ L75I)"
    assert official.details["function"] == "Deputy Minister of Industry"
    (passport,) = official.identifiers
    assert (passport.value, passport.notes) == ("720000001", "known expired")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda t: t.replace('logicalId="153245"', ""),
            "logicalId",
            "sanctionEntity 2 lacks required element(s) logicalId",
        ),
        (
            lambda t: re.sub(r'<subjectType code="enterprise"[^>]*/>', "", t),
            "subjectType",
            "sanctionEntity 2 (EU.8120.73) lacks required element(s) subjectType",
        ),
        (
            lambda t: t.replace('wholeName="Ivan Petrovich EXAMPLOV"', 'wholeName=""'),
            "nameAlias/@wholeName",
            "sanctionEntity 3 (EU.5525.12) lacks required element(s) nameAlias/@wholeName",
        ),
        (
            lambda t: t.replace(' generationDate="2026-02-20T17:05:11.123+01:00"', ""),
            "generationDate",
            "has no date",
        ),
        (lambda t: t.replace('logicalId="140001"', 'logicalId="13"'), "logicalId", "used twice"),
    ],
    ids=["no-logical-id", "no-subject-type", "no-name", "no-date", "id-twice"],
)
def test_eu_schema_contract(tmp_path: Path, change: object, field: str, message: str) -> None:
    assert callable(change)
    path = tmp_path / "eu.xml"
    path.write_text(change(EU_FIXTURE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        eu_fsf_xml.parse(path)
    assert caught.value.field == field
    assert message in str(caught.value)


# --- UK ---------------------------------------------------------------------------------------


def test_uk_designations() -> None:
    assert detect(UK_FIXTURE) is uk_fcdo_xml
    parsed = uk_fcdo_xml.parse(UK_FIXTURE)
    assert (parsed.as_of, parsed.lists, parsed.problems) == (date(2026, 2, 20), (ListCode.UK,), [])
    by_id = {e.id: e for e in parsed.entries}
    assert list(by_id) == ["UK-AFG0006", "UK-RUS3602", "UK-RUS3800"]

    akhund = by_id["UK-AFG0006"]
    assert akhund.type is EntryType.INDIVIDUAL and akhund.name == "MOHAMMAD HASSAN AKHUND"
    assert akhund.aliases == (
        "Mohammad Hassan Akhund",
        "Haji Mohammad Hassan",
        "Mullah Hassan",
        "محمد حسن آخوند",
    )
    assert akhund.weak_aliases == ("Mullah Hassan",)  # "Low quality a.k.a" (NameType "ALias")
    assert akhund.dates_of_birth == ("1958", "1955")  # "dd/mm/1958": the year alone
    assert akhund.places_of_birth == ("Kandahar, Afghanistan",)
    assert akhund.nationalities == ("AF",) and akhund.title == "Mullah"
    assert [(i.type, i.value) for i in akhund.identifiers] == [
        ("Passport", "OA 123456"),
        ("National Identification Number", "1234567"),
    ]
    assert akhund.start_date == date(2001, 2, 23)
    assert akhund.details["designation_source"] == "UN"
    assert akhund.details["un_reference_number"] == "TAi.002"
    assert akhund.details["sanctions_imposed"] == "Asset freeze|Arms embargo|Travel ban"

    exchange = by_id["UK-RUS3602"]
    assert exchange.type is EntryType.ENTITY and exchange.aliases == ("EXAMPLE EXCHANGE LTD",)
    assert exchange.addresses == (
        Address(street="2 Kingdom Street", city="LONDON", postal_code="W2 6JP", country="GB"),
    )
    assert Identifier("Business Registration Number", "UK Company number - 11655602") in (
        exchange.identifiers
    )
    assert "reasonable grounds to suspect" in exchange.remarks  # the statement of reasons

    ship = by_id["UK-RUS3800"]
    assert ship.type is EntryType.VESSEL
    assert ship.identifiers == (Identifier("IMO", "9274800"),)
    assert ship.details["vessel_flag"] == "Gabon" and ship.countries == ("GA",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("25/03/1967", "1967-03-25"), ("dd/03/1967", "1967-03"), ("dd/mm/1945", "1945")],
)
def test_uk_dates(text: str, expected: str) -> None:
    assert uk_fcdo_xml.uk_date(text) == expected


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda t: t.replace("<UniqueID>RUS3602</UniqueID>", ""),
            "UniqueID",
            "Designation 2 lacks required element(s) UniqueID",
        ),
        (
            lambda t: t.replace(
                "<RegimeName>The Afghanistan (Sanctions) (EU Exit) Regulations 2020</RegimeName>",
                "",
            ).replace("<DateDesignated>23/02/2001</DateDesignated>", ""),
            "RegimeName",
            "Designation 1 (AFG0006) lacks required element(s) RegimeName, DateDesignated",
        ),
        (
            lambda t: t.replace("<DateGenerated>20/02/2026</DateGenerated>", ""),
            "DateGenerated",
            "required element DateGenerated missing",
        ),
        (
            lambda t: t.replace("<IndividualEntityShip>Ship<", "<IndividualEntityShip>Plane<"),
            "IndividualEntityShip",
            "unknown kind 'plane'",
        ),
        (lambda t: t.replace("RUS3800", "RUS3602"), "UniqueID", "used twice: UK-RUS3602"),
    ],
    ids=["no-unique-id", "no-regime-no-date", "no-date-generated", "unknown-kind", "id-twice"],
)
def test_uk_schema_contract(tmp_path: Path, change: object, field: str, message: str) -> None:
    assert callable(change)
    path = tmp_path / "UK-Sanctions-List.xml"
    path.write_text(change(UK_FIXTURE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        uk_fcdo_xml.parse(path)
    assert caught.value.field == field
    assert message in str(caught.value)


# --- downloads and screening ------------------------------------------------------------------


def test_default_sources_follow_the_jurisdictions_checked() -> None:
    assert fetch.default_sources(["US"]) == fetch.DEFAULT_SOURCES
    assert fetch.default_sources(["US", "UN"]) == fetch.DEFAULT_SOURCES
    assert fetch.default_sources(["US", "UN", "EU", "UK"]) == (
        *fetch.DEFAULT_SOURCES,
        "eu-fsf",
        "uk-fcdo",
    )
    assert fetch.source("eu-fsf").primary.url == eu_fsf_xml.OFFICIAL_URL
    assert fetch.source("uk-fcdo").primary.url == uk_fcdo_xml.OFFICIAL_URL


def test_update_downloads_eu_and_uk_and_check_screens_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    db = tmp_path / "store.db"
    with MirrorServer(tmp_path) as server:
        server.route_official(
            eu_fsf_xml.OFFICIAL_URL, httpserver.body(EU_FIXTURE.read_bytes(), "application/xml")
        )
        server.route_official(
            uk_fcdo_xml.OFFICIAL_URL, httpserver.body(UK_FIXTURE.read_bytes(), "application/xml")
        )
        with Store.open(f"sqlite:///{db}") as store:
            report = run_update(
                store, sources=["eu-fsf", "uk-fcdo"], mirror=server.url, timeout=5, retries=0
            )
            assert report.exit_code == 0, [s.error for s in report.sources]
            assert {s.source: s.counts for s in report.sources} == {
                "eu-fsf": {ListCode.EU: 3},
                "uk-fcdo": {ListCode.UK: 3},
            }
            assert {s.list: s.entry_count for s in store.lists()} == {
                ListCode.EU: 3,
                ListCode.UK: 3,
            }
        assert server.hits(eu_fsf_xml.OFFICIAL_URL) == server.hits(uk_fcdo_xml.OFFICIAL_URL) == 1

    def check(name: str) -> list[str]:
        result = runner.invoke(
            app,
            ["--db", str(db), "check", name, "--json"],
            env={"EXPORTSCREEN_USER": "alice"},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return [hit["entry"]["id"] for hit in json.loads(result.stdout)["hits"]]

    assert check("Saddam Hussein Al-Tikriti")[0] == "EU-13"
    assert check("Mohammad Hassan Akhund")[0] == "UK-AFG0006"
    assert check("Example Exchange Ltd")[0] == "UK-RUS3602"
