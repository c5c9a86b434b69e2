"""OFAC's weak-alias marks adopted by the CSL's rows of the SDN list (issue 16).

The CSL merges OFAC's weak a.k.a. into ``alt_names`` unmarked; OFAC's own sdn.csv of 2021-07 marks
them (in single quotes in the Remarks). Screening the 2022 CSL with the marks of that older file,
per party id and alias compared folded, caps the aliases OFAC marks weak and names the file in the
explanation; the aliases it gives strong stay strong."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen import settings
from exportscreen.matching.alias_marks import AliasMarks, adopted_weak
from exportscreen.matching.score import WEAK_ALIAS_CAP
from exportscreen.model import Entry, Hit, ListCode
from exportscreen.screening.screener import Screener

pytestmark = pytest.mark.shared

THRESHOLD = settings.DEFAULT_THRESHOLD
SOURCE = "OFAC sdn.csv.gz of 2021-07-01"


@pytest.fixture(scope="module")
def csl_sdn(raw_dir: Path) -> list[Entry]:
    from exportscreen import sources

    parsed = sources.parse(raw_dir / "watchman" / "csl" / "consolidated_2022-05.csv.gz")
    return [e for e in parsed.entries if e.list is ListCode.SDN]


@pytest.fixture(scope="module")
def ofac_marks(raw_dir: Path) -> AliasMarks:
    from exportscreen import sources

    parsed = sources.parse(raw_dir / "watchman" / "ofac_sdn_2021-07" / "sdn.csv.gz")
    return AliasMarks.of(parsed.entries, SOURCE)


@pytest.fixture(scope="module")
def marked(csl_sdn: list[Entry], ofac_marks: AliasMarks) -> Screener:
    return Screener.from_entries(csl_sdn, [ofac_marks])


def _hit(hits: list[Hit], entry_id: str) -> Hit:
    found = [h for h in hits if h.entry.id == entry_id]
    assert found, f"{entry_id} not reached: {[h.entry.id for h in hits]}"
    return found[0]


def test_mohammad_ali_no_longer_alerts_on_kony_ali(csl_sdn: list[Entry], marked: Screener) -> None:
    """The issue's example: the CSL's KONY, Ali carries OFAC's weak a.k.a. MOHAMMED, Ali unmarked,
    and "Mohammad Ali" (Iran) alerted on it; with OFAC's marks it is capped below the threshold.
    Without them, on the same CSL row, it alerts (what the marks change)."""
    kony = next(e for e in csl_sdn if e.id == "SDN-19930")
    assert "MOHAMMED, Ali" in kony.aliases and not kony.weak_aliases
    unmarked = Screener.from_entries([kony]).screen("Mohammad Ali", country="IR", threshold=0.3)
    assert unmarked and unmarked[0].score >= THRESHOLD
    hits = marked.screen("Mohammad Ali", country="IR", threshold=0.3, limit=50)
    assert all(h.score < THRESHOLD for h in hits if h.entry.id == "SDN-19930")
    # Still found by its strong names.
    found = marked.screen("Ali Kony")
    assert found[0].entry.id == "SDN-19930" and found[0].score >= THRESHOLD


# Aliases the 2022 CSL gives unmarked and OFAC's 2021 sdn.csv marks weak: screened exactly, each
# reaches its party only through that alias (the party's other names share no word with it), so
# the hit is the alias capped at WEAK_ALIAS_CAP, with OFAC's file named.
@pytest.mark.parametrize(
    ("entry_id", "alias"),
    [
        ("SDN-19930", "Caesar"),  # KONY, Ali
        ("SDN-15012", "BARBAS"),  # YARZA, Aitzol Iriondo: a nickname
        ("SDN-22949", "tahersaedi"),  # SAEDI, Nader: a handle
        ("SDN-19680", "AL SCOTLANDI, Qari"),  # MCLINTOCK, James Alexander
        # OFAC writes 'FOOPIE' (quoted within the remark), the CSL "FOOPIE": equal folded.
        ("SDN-6925", '"FOOPIE"'),  # GHAILANI, Ahmed Khalfan
    ],
)
def test_real_weak_aliases_are_capped_with_their_source(
    csl_sdn: list[Entry], marked: Screener, entry_id: str, alias: str
) -> None:
    entry = next(e for e in csl_sdn if e.id == entry_id)
    assert alias in entry.aliases and not entry.weak_aliases
    unmarked = _hit(Screener.from_entries([entry]).screen(alias, threshold=0.3), entry_id)
    assert unmarked.score >= THRESHOLD, unmarked.explanation.summary
    hit = _hit(marked.screen(alias, threshold=0.3, limit=50), entry_id)
    assert hit.matched_name == alias
    assert hit.score == pytest.approx(WEAK_ALIAS_CAP)
    notes = [p.reason for p in hit.explanation.penalties if p.feature == "weak_alias"]
    assert notes and f"marked low quality by {SOURCE}" in notes[0]


@pytest.mark.parametrize(
    ("entry_id", "alias"),
    [
        # In OFAC's alt.csv: a strong a.k.a.
        ("SDN-19930", "LALOBO, Ali"),
        # OFAC's Remarks give THET NAING WIN as a weak a.k.a., but it is OFAC's primary name
        # THET, Naing Win with another punctuation: a name OFAC gives strong stays strong.
        ("SDN-11269", "THET NAING WIN"),
    ],
)
def test_an_alias_ofac_gives_strong_stays_strong(
    csl_sdn: list[Entry], ofac_marks: AliasMarks, marked: Screener, entry_id: str, alias: str
) -> None:
    entry = next(e for e in csl_sdn if e.id == entry_id)
    assert alias in entry.aliases
    assert alias not in adopted_weak(entry, [ofac_marks])
    hit = _hit(marked.screen(alias, threshold=0.3), entry_id)
    assert hit.score >= THRESHOLD
    assert "weak_alias" not in [p.feature for p in hit.explanation.penalties]


def test_a_party_or_alias_ofac_does_not_list_is_unchanged(
    csl_sdn: list[Entry], ofac_marks: AliasMarks
) -> None:
    """The OFAC file is older than the CSL: parties listed since keep every alias strong, and
    so do aliases OFAC's file does not give (a CSL row of KONY, Ali with other aliases)."""
    later = [e for e in csl_sdn if e.id not in ofac_marks.strong and e.aliases]
    assert later  # the CSL of 2022 lists parties the 2021 file did not
    assert all(adopted_weak(e, [ofac_marks]) == {} for e in later)
    kony = next(e for e in csl_sdn if e.id == "SDN-19930")
    aliases = ("MOHAMMED, Alias", "LALOBO, Ali")
    renamed = Entry(id=kony.id, list=kony.list, type=kony.type, name=kony.name, aliases=aliases)
    assert adopted_weak(renamed, [ofac_marks]) == {}


def test_the_marks_survive_the_index_round_trip(marked: Screener) -> None:
    copy = Screener.from_bytes(marked.to_bytes())
    hit = _hit(copy.screen("Caesar", threshold=0.3, limit=50), "SDN-19930")
    assert hit.score == pytest.approx(WEAK_ALIAS_CAP)
    assert any(SOURCE in p.reason for p in hit.explanation.penalties)
