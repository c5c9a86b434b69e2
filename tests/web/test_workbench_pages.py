"""The evidence, lists, changes and audit pages, server-side: who may see and do what, and that
what they show is the store's and the trail's own (counts, dates, references, PDFs)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import pypdf
import pytest
from fastapi.testclient import TestClient

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import parse_reference, reference
from exportscreen.model import ListCode
from exportscreen.ops.accounts import create_key
from exportscreen.store import Store, VersionReview
from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
from tests.store.factories import el_entry, parsed
from tests.web.test_views import csrf, login, ui

__all__ = ["ui"]  # the fixture, shared with test_views

UI = tuple[TestClient, Store]
_REFERENCE = re.compile(r'class="ref">(ES-\d{6,}-\d{2})<')


def _screen(client: TestClient, name: str) -> str:
    page = client.get("/ui/search", params={"q": name}).text
    found = _REFERENCE.search(page)
    assert found is not None, "the search page shows no reference"
    return found.group(1)


def _pdf_text(data: bytes) -> tuple[str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


# --- evidence -----------------------------------------------------------------------------------


def test_a_search_has_a_reference_and_printable_evidence(ui: UI) -> None:
    client, store = ui
    login(client, "viewer")
    ref = _screen(client, "Acme Optical")
    record = audit.records(store.engine)[-1]
    assert parse_reference(ref) == record.seq and record.payload["interface"] == "ui"
    page = client.get(f"/ui/evidence/{ref}")
    assert page.status_code == 200
    text = page.text
    assert f'Evidence of a screening <span class="ref">{ref}</span>' in text
    assert "<td>viewer <span" in text  # who
    assert record.created_at.strftime("%Y-%m-%d %H:%M:%S") in text  # when
    # Which list versions, with their data dates, and each hit with its consequence.
    assert re.search(r"<td>3</td>\s*<td><time>2025-04-01</time>", text)
    assert "EL-acme01" in text and "LICENSE_REQUIRED" in text and "744.11" in text
    assert "the hash recomputes from the record" in text


def test_the_evidence_pdf_is_a_pdf_with_the_record_attached(ui: UI) -> None:
    client, store = ui
    login(client, "viewer")
    ref = _screen(client, "Acme Optical")
    response = client.get(f"/ui/evidence/{ref}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="{ref}.pdf"' in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF-")
    text, reader = _pdf_text(response.content)
    for expected in (ref, "viewer", "2025-04-01", "EL-acme01", "LICENSE_REQUIRED", "15 CFR 762.6"):
        assert expected in text, expected
    attached = json.loads(reader.attachments[f"{ref}.json"][0])
    record = audit.records(store.engine)[-1]
    assert (attached["reference"], attached["hash"]) == (ref, record.hash)
    assert attached["payload"]["screenings"][0]["query"]["name"] == "Acme Optical"


def test_a_name_no_pdf_font_can_show_is_transliterated_not_dropped(ui: UI) -> None:
    client, _ = ui
    login(client, "viewer")
    ref = _screen(client, "浪潮软件股份有限公司")
    text, _ = _pdf_text(client.get(f"/ui/evidence/{ref}.pdf").content)
    # With a CJK font installed the name prints as it is; without one, transliterated.
    assert "浪潮软件股份有限公司" in text or (
        "LangChaoRuanJian" in re.sub(r"\s", "", text) and "transliterated" in text
    )


def test_evidence_is_the_users_own_unless_they_review_others(ui: UI) -> None:
    client, _ = ui
    login(client, "analyst")
    analysts = _screen(client, "Acme Optical")
    login(client, "viewer")
    own = _screen(client, "Acme Optical")
    assert client.get(f"/ui/evidence/{own}").status_code == 200
    refused = client.get(f"/ui/evidence/{analysts}.pdf")
    assert refused.status_code == 403
    login(client, "analyst")
    assert client.get(f"/ui/evidence/{own}").status_code == 200


def test_a_mistyped_reference_is_a_404_saying_so(ui: UI) -> None:
    client, _ = ui
    login(client, "admin")
    ref = _screen(client, "Acme Optical")
    number, check = ref.rsplit("-", 1)
    wrong = f"{number}-{(int(check) + 1) % 100:02d}"
    response = client.get(f"/ui/evidence/{wrong}")
    assert response.status_code == 404 and "check number does not match" in response.text
    typed = client.get("/ui/evidence", params={"reference": ref.lower()}, follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/ui/evidence/{ref}"


def test_the_api_answers_with_the_reference_and_serves_its_evidence(ui: UI) -> None:
    client, store = ui
    viewer = {"Authorization": f"Bearer {create_key(store, 'viewer', 'evidence')}"}
    analyst = {"Authorization": f"Bearer {create_key(store, 'analyst', 'evidence')}"}
    screened = client.post("/v1/screen", json={"name": "Acme Optical"}, headers=viewer).json()
    ref = screened["reference"]
    assert ref == reference(screened["audit_seq"])
    body = client.get(f"/v1/evidence/{ref}", headers=viewer).json()
    assert body["user"] == "viewer" and body["interface"] == "api"
    assert {(v["list"], v["as_of"]) for v in body["list_versions"]} == {
        ("EL", "2025-04-01"),
        ("SDN", "2025-04-01"),
    }
    hit = body["screenings"][0]["hits"][0]
    assert (hit["entry"], hit["outcome_if_true_match"]) == ("EL-acme01", "LICENSE_REQUIRED")
    pdf = client.get(f"/v1/evidence/{ref}.pdf", headers=viewer)
    assert pdf.headers["content-type"] == "application/pdf" and ref in _pdf_text(pdf.content)[0]
    tx = {
        "date": "2025-05-01",
        "destination_country": "CN",
        "items": [{"eccn": "EAR99"}],
        "parties": [{"role": "ultimate_consignee", "name": "Acme Photonics", "country": "CN"}],
    }
    determined = client.post("/v1/determine", json=tx, headers=analyst).json()
    assert client.get(f"/v1/evidence/{determined['reference']}", headers=viewer).status_code == 403
    found = client.get(f"/v1/evidence/{determined['reference']}", headers=analyst).json()
    assert found["kind"] == "licence determination" and found["payload"]["outcome"] == "HOLD"


def test_a_determinations_evidence_shows_its_transaction_and_outcome(ui: UI) -> None:
    client, store = ui
    analyst = {"Authorization": f"Bearer {create_key(store, 'analyst', 'determine')}"}
    tx = {
        "id": "PO-42",
        "date": "2025-05-01",
        "destination_country": "CN",
        "items": [{"eccn": "EAR99", "description": "Cables"}],
        "parties": [{"role": "ultimate_consignee", "name": "Acme Photonics", "country": "CN"}],
    }
    ref = client.post("/v1/determine", json=tx, headers=analyst).json()["reference"]
    login(client, "analyst")
    page = client.get(f"/ui/evidence/{ref}").text
    assert "Evidence of a licence determination" in page
    assert '<strong class="outcome outcome-hold">HOLD</strong>' in page
    assert "<h2>Transaction PO-42</h2>" in page and "EAR99 Cables" in page
    assert "<td>ultimate_consignee</td><td>Acme Photonics</td><td><strong>HOLD</strong>" in page
    text, _ = _pdf_text(client.get(f"/ui/evidence/{ref}.pdf").content)
    for expected in (ref, "licence determination", "PO-42", "HOLD", "Acme Photonics"):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("method", "path", "payload", "kind"),
    [
        (
            "post",
            "/match/default",
            {"queries": {"q1": {"schema": "Company", "properties": {"name": ["Acme Optical"]}}}},
            audit.MATCH,
        ),
        (
            "get",
            "/consolidated_screening_list/v1/search?name=Acme%20Optical",
            None,
            audit.CSL_SEARCH,
        ),
        ("get", "/search/default?q=Acme", None, audit.SCREEN),
    ],
    ids=["yente-match", "csl-search", "yente-search"],
)
def test_fixed_shape_apis_name_the_reference_in_a_header(
    ui: UI, method: str, path: str, payload: object, kind: str
) -> None:
    client, store = ui
    viewer = {"Authorization": f"Bearer {create_key(store, 'viewer', 'header')}"}
    response = client.request(method, path, json=payload, headers=viewer)
    assert response.status_code == 200, response.text
    ref = response.headers["x-screening-reference"]
    last = audit.records(store.engine)[-1]
    assert (parse_reference(ref), last.action) == (last.seq, kind)
    assert client.get(f"/v1/evidence/{ref}", headers=viewer).json()["reference"] == ref


# --- lists --------------------------------------------------------------------------------------


def _stage_a_cut(store: Store) -> int:
    full = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
    store.import_source(parsed(full, name="full.csv", as_of=date(2025, 5, 1), lists=(ListCode.EL,)))
    (staged,) = store.import_source(
        parsed(full[:30], name="cut.csv", as_of=date(2025, 5, 2), lists=(ListCode.EL,)),
        plausibility=DEFAULT_PLAUSIBILITY,
    ).staged
    return int(staged.id)


def test_what_a_staged_version_would_change_is_one_link_away(ui: UI) -> None:
    client, store = ui
    staged = _stage_a_cut(store)
    login(client, "viewer")
    assert f"/ui/changes?list=EL&amp;to={staged}" in client.get("/ui/lists").text
    page = client.get("/ui/changes", params={"list": "EL", "to": staged}).text
    assert "0 added · 0 changed · 10 removed" in page
    assert re.search(rf"version (\d+) of 2025-05-01 → {staged} of 2025-05-02", page)


def test_the_lists_page_shows_ages_against_the_freshness_limits(ui: UI) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/lists").text
    # The fixture data is of 2025-04-01: far past 7 and 30 days.
    age = (date.today() - date(2025, 4, 1)).days
    assert f'<td class="age-stale">{age:,} days' in page
    assert "older than 30 days: a clear is HOLD" in page
    assert "None: every loaded version passed its checks" in page


def test_only_an_admin_accepts_a_staged_version_with_a_reason(ui: UI) -> None:
    client, store = ui
    staged = _stage_a_cut(store)
    login(client, "viewer")
    page = client.get("/ui/lists").text
    assert f"Version {staged}: data of 2025-05-02, 30 entries" in page
    assert "removes 10 of the 40 entries" in page
    assert 'value="accept"' not in page  # no buttons for a viewer
    token = csrf(client, "/ui/lists")
    form = {"csrf_token": token, "decision": "accept", "reason": "checked against BIS"}
    assert client.post(f"/ui/lists/versions/{staged}/review", data=form).status_code == 403
    login(client, "admin")
    token = csrf(client, "/ui/lists")
    forged = {**form, "csrf_token": "x" * 20}
    assert client.post(f"/ui/lists/versions/{staged}/review", data=forged).status_code == 403
    no_reason = {**form, "csrf_token": token, "reason": "  "}
    response = client.post(f"/ui/lists/versions/{staged}/review", data=no_reason)
    assert response.status_code == 422 and "give the reason" in response.text
    assert store.version(staged).review is VersionReview.PENDING
    response = client.post(
        f"/ui/lists/versions/{staged}/review", data={**form, "csrf_token": token}
    )
    assert response.status_code == 200
    assert f"Version {staged} of EL (data of 2025-05-02) accepted" in response.text
    assert store.version(staged).review is VersionReview.ACCEPTED
    record = audit.records(store.engine)[-1]
    assert (record.actor, record.action) == ("admin", "version.accept")
    assert record.payload["reason"] == "checked against BIS"
    again = client.post(f"/ui/lists/versions/{staged}/review", data={**form, "csrf_token": token})
    assert again.status_code == 409


# --- changes ------------------------------------------------------------------------------------


def _add_many(store: Store, count: int) -> None:
    entries = [el_entry(f"n{n:03d}", f"Northwind Component Works {n:03d}") for n in range(count)]
    store.import_source(
        parsed(entries, name="big.csv", as_of=date(2025, 6, 1), lists=(ListCode.EL,))
    )


def test_every_change_is_paged_not_cut_and_exported_whole(ui: UI) -> None:
    client, store = ui
    _add_many(store, 230)
    login(client, "viewer")
    overview = client.get("/ui/changes", params={"since": "2025-05-01"}).text
    assert "230 added · 0 changed · 3 removed" in overview
    first = client.get("/ui/changes", params={"since": "2025-05-01", "list": "EL"}).text
    assert "Rows 1–100 of 233" in first and "page 1 of 3" in first
    last = client.get("/ui/changes", params={"since": "2025-05-01", "list": "EL", "page": 3}).text
    assert "Rows 201–233 of 233" in last
    shown = set(re.findall(r"Northwind Component Works \d{3}", first + last))
    middle = client.get("/ui/changes", params={"since": "2025-05-01", "list": "EL", "page": 2})
    shown |= set(re.findall(r"Northwind Component Works \d{3}", middle.text))
    assert len(shown) == 230
    exported = client.get("/ui/changes/EL.csv", params={"since": "2025-05-01"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["section"] for r in rows].count("added") == 230
    assert [r["section"] for r in rows].count("removed") == 3


def test_a_change_shows_its_legal_label_with_old_and_new_values(ui: UI) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/changes", params={"since": "2025-02-01", "list": "EL"}).text
    assert re.search(
        r"<td>Federal Register citations</td>\s*<td>89 FR 1234, 2024-06-01</td>"
        r"<td>89 FR 1234, 2024-06-01; 90 FR 14048, 2025-03-28</td>",
        page,
    )
    assert "licence.raw" not in page and "citations</td>" not in page.replace(
        "Federal Register citations</td>", ""
    )


def test_an_empty_period_is_one_line_not_empty_cards(ui: UI) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/changes", params={"since": "2026-01-01"}).text
    assert "No change since 2026-01-01:" in page
    assert "changes-overview" not in page
    assert not re.search(r"version (\d+) of [\d-]+ → \1 of", page)
    one = client.get("/ui/changes", params={"since": "2026-01-01", "list": "EL"}).text
    assert "EL: no new version in the period since 2026-01-01." in one


def test_charts_are_svg_images_without_script_under_the_strict_policy(ui: UI) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/changes", params={"since": "2025-02-01", "list": "EL"})
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert '<img class="chart" src="/ui/changes/charts/EL-size.svg"' in page.text
    for kind, title in (("size", "EL: entries per version"), ("churn", "EL: added, removed")):
        svg = client.get(f"/ui/changes/charts/EL-{kind}.svg")
        assert svg.headers["content-type"] == "image/svg+xml"
        root = ET.fromstring(svg.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<script" not in svg.content and b"http://kozea" not in svg.content
        assert title in svg.text
    assert client.get("/ui/changes/charts/XX-size.svg").status_code == 404


# --- audit --------------------------------------------------------------------------------------


def test_the_audit_page_is_for_admins(ui: UI) -> None:
    client, _ = ui
    for user in ("viewer", "analyst"):
        login(client, user)
        assert client.get("/ui/audit").status_code == 403
        assert client.get("/ui/audit/export.csv").status_code == 403


def test_the_audit_trail_is_searched_by_user_kind_date_and_reference(ui: UI) -> None:
    client, store = ui
    login(client, "viewer")
    ref = _screen(client, "Acme Optical")
    _screen(client, "Nordstar")
    login(client, "admin")
    by_user = client.get("/ui/audit", params={"user": "viewer", "kind": audit.SCREEN}).text
    assert "Records 1–2 of 2" in by_user
    by_ref = client.get("/ui/audit", params={"reference": ref}).text
    assert "Records 1–1 of 1" in by_ref and f'href="/ui/evidence/{ref}"' in by_ref
    today = date.today().isoformat()
    dated = client.get("/ui/audit", params={"start": today, "end": today}).text
    total = len(audit.records(store.engine))
    assert f"of {total:,}, newest first" in dated
    none = client.get("/ui/audit", params={"end": "2020-01-01"}).text
    assert "No record matches" in none
    bad = client.get("/ui/audit", params={"start": "2025-13-01"})
    assert bad.status_code == 200 and "from: expected a date as YYYY-MM-DD" in bad.text


def test_the_audit_export_holds_every_match_in_chain_order(ui: UI) -> None:
    client, store = ui
    login(client, "viewer")
    for name in ("Acme Optical", "Nordstar", "Zenith"):
        _screen(client, name)
    login(client, "admin")
    exported = client.get("/ui/audit/export.csv", params={"user": "viewer", "kind": audit.SCREEN})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [json.loads(r["payload"])["screenings"][0]["query"]["name"] for r in rows] == [
        "Acme Optical",
        "Nordstar",
        "Zenith",
    ]
    stored = {r.seq: r.hash for r in audit.records(store.engine)}
    assert all(stored[int(r["seq"])] == r["hash"] for r in rows)
    as_json = client.get("/ui/audit/export.json").json()
    assert [r["seq"] for r in as_json] == sorted(stored)


def test_verify_says_intact_only_when_a_signature_vouches_for_the_tail(ui: UI) -> None:
    client, store = ui
    login(client, "admin")
    page = client.get("/ui/audit", params={"verify": "true"}).text
    result = audit.verify(store.engine)
    assert result.verdict[1] in page
    # The key signs every write in this setting: the tail is vouched for.
    assert "verdict-ok" in page and "audit trail intact:" in page


@pytest.mark.parametrize(
    ("ok", "records", "sealed", "state", "wording"),
    [
        (True, 7, 7, "intact", "audit trail intact: 7 records, signed through record 7"),
        (
            True,
            7,
            5,
            "unvouched",
            "audit chain unbroken, tail not vouched for: 7 records, signed through record 5",
        ),
        (
            True,
            7,
            None,
            "unvouched",
            "audit chain unbroken, tail not vouched for: 7 records, no checked signature",
        ),
        (False, 3, 2, "broken", "audit trail broken at record 4: hash mismatch (3 records"),
    ],
)
def test_the_verdict_wording_is_the_clis(
    ok: bool, records: int, sealed: int | None, state: str, wording: str
) -> None:
    from exportscreen.casework.audit_verify import VerifyResult

    result = VerifyResult(ok, records, None if ok else 4, "" if ok else "hash mismatch", (), sealed)
    assert result.verdict[0] == state
    assert result.verdict[1].startswith(wording)
