"""Field provenance (``store.provenance``): a source that does not carry a field keeps its last
known value and the store says which source version stated each value; on SQLite and PostgreSQL,
and on the real files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import Review, ReviewPolicy
from exportscreen.sources import fields
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store
from tests.store.factories import INSPUR_TAIWAN, NETTRIX, parsed

FORMATS = (
    "csl_csv", "csl_json", "bis_json", "federal_register", "dpl_tsv", "ofac_csv", "ofac_xml",
    "un_xml", "eu_fsf_xml", "uk_fcdo_xml", "ftm_json",
)  # fmt: skip
DENIAL = Review(raw="Policy of denial.", policy=ReviewPolicy.POLICY_OF_DENIAL)


def test_every_format_declares_what_it_carries() -> None:
    import importlib

    from exportscreen import sources

    loaders = {importlib.import_module(m).FORMAT for m in sources._FORMAT_MODULES}
    assert set(fields.declared_formats()) == loaders == set(FORMATS)
    # The eCFR-derived Entity List has no review-policy column; its DPL has dates and orders.
    from exportscreen.model import ListCode

    assert "review" not in fields.carried("bis_json", ListCode.EL)
    assert {"start_date", "end_date", "standard_order"} <= fields.carried("bis_json", ListCode.DPL)
    assert fields.carried("csl_csv", ListCode.EL) == frozenset(fields.LEGAL_FIELDS)


def _load(store: Store, source: ParsedSource) -> None:
    store.import_source(source)


def test_a_source_without_the_field_keeps_the_last_known_value(store: Store) -> None:
    csl = parsed([NETTRIX], name="csl.csv", as_of=date(2025, 4, 1), file_format="csl_csv")
    # The eCFR-derived file: no review policy (parsed as none), a new alias; a new party.
    newer = replace(NETTRIX, review=Review(), aliases=("Nettrix",))
    bis = parsed(
        [newer, replace(INSPUR_TAIWAN, review=Review())],
        name="bis.json",
        as_of=date(2026, 7, 9),
        file_format="bis_json",
    )
    _load(store, csl)
    _load(store, bis)
    nettrix = store.entry(NETTRIX.id)
    assert nettrix is not None
    assert nettrix.review == DENIAL  # kept, not "none"
    assert nettrix.aliases == ("Nettrix",)  # carried by the newer file: its value
    sources = {s.field: s for s in store.field_sources(nettrix)}
    assert sources["review"].describe() == "from csl.csv (csl_csv), 2025-04-01"
    assert sources["aliases"].describe() == "from bis.json (bis_json), 2026-07-09"
    # The name was stated by both files: the latest statement is shown; on a date before the
    # newer file, the CSL's.
    assert sources["name"].describe() == "from bis.json (bis_json), 2026-07-09"
    earlier = {s.field: s for s in store.field_sources(nettrix, as_of=date(2025, 6, 1))}
    assert earlier["name"].describe() == "from csl.csv (csl_csv), 2025-04-01"
    inspur = store.entry(INSPUR_TAIWAN.id)
    assert inspur is not None and inspur.review.policy is ReviewPolicy.NOT_STATED
    sources = {s.field: s for s in store.field_sources(inspur)}
    assert sources["review"].describe() == "not stated by any loaded source"
    assert store.diff("EL").changed[0].entry_id == NETTRIX.id  # the alias, not the review


def test_a_value_a_source_states_as_empty_is_a_change(store: Store) -> None:
    _load(store, parsed([NETTRIX], name="csl1.csv", as_of=date(2025, 4, 1), file_format="csl_csv"))
    emptied = replace(NETTRIX, review=Review())
    _load(store, parsed([emptied], name="csl2.csv", as_of=date(2025, 5, 1), file_format="csl_csv"))
    nettrix = store.entry(NETTRIX.id)
    assert nettrix is not None and nettrix.review == Review()
    (change,) = store.diff("EL").changed
    assert "review.policy" in {f.field for f in change.fields}
    sources = {s.field: s for s in store.field_sources(nettrix)}
    assert sources["review"].describe() == "from csl2.csv (csl_csv), 2025-05-01"


@pytest.mark.shared
def test_real_files_keep_the_review_policies_the_2026_entity_list_lacks(
    raw_dir: Path, tmp_path: Path
) -> None:
    from exportscreen.decisions.determination import consequence
    from exportscreen.decisions.transaction import PartyRole, Transaction
    from exportscreen.ops.loading import load_paths

    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for name in (
            "watchman/csl/consolidated_2022-05.csv.gz",
            "federal_register/2023-03929_88FR12170_entity_list_additions.xml",
            "nsfreg_ecfr_derived",
        ):
            load_paths(store, [raw_dir / name])
        csl, rule, bis = store.versions("EL")
        assert (csl.source_format, rule.source_format, bis.source_format) == (
            "csl_csv",
            "federal_register",
            "bis_json",
        )
        then = {e.id: e for e in store.entries(version_id=csl.id)}
        now = store.entries(version_id=bis.id)
        # Every CSL-era entry still listed keeps the CSL's review policy (1,763 of the 2,001
        # keep their ids across the two formats; the rest were removed or renamed).
        kept = [e for e in now if e.id in then]
        assert len(kept) >= 1700
        assert all(e.review == then[e.id].review for e in kept)
        # "none" only where the CSL itself printed an empty policy cell (Chengdu GaStone, linked
        # to its CSL record by name): a stated empty value is kept, never invented.
        empty = [e.id for e in now if e.review.policy is ReviewPolicy.NONE]
        assert all(then[i].review.policy is ReviewPolicy.NONE for i in empty), empty
        assert len(empty) <= 1
        # CPUNTO: added by the 2023 rule, whose review-policy cell it keeps.
        (cpunto,) = [e for e in now if e.name == "CPUNTO Inc."]
        assert cpunto.review.raw.startswith("Policy of denial for all items subject to the EAR")
        sources = {s.field: s for s in store.field_sources(cpunto)}
        assert sources["review"].file_name == "2023-03929_88FR12170_entity_list_additions.xml"
        assert sources["licence"].source_format == "bis_json"
        # Inspur Taiwan: added in 2025; no loaded source states its review policy.
        (inspur,) = [e for e in now if e.name == "Inspur Taiwan"]
        assert inspur.review.policy is ReviewPolicy.NOT_STATED
        sources = {s.field: s for s in store.field_sources(inspur)}
        assert sources["review"].describe() == "not stated by any loaded source"
        tx = Transaction.model_validate(
            {
                "date": "2026-07-10",
                "destination_country": "TW",
                "items": [{"eccn": "EAR99"}],
                "parties": [{"role": "end_user", "name": "Inspur Taiwan", "country": "TW"}],
            }
        )
        effect = consequence(inspur, PartyRole.END_USER, tx)
        assert effect.review_policy is ReviewPolicy.NOT_STATED
        assert effect.review_meaning.startswith("Review policy not stated by any loaded source")
