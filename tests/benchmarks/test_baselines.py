"""The logic-v2 baseline is given the lists' weak aliases as OpenSanctions gives them to yente."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.baselines import LogicV2Scorer
from exportscreen.matching.alias_marks import AliasMarks
from exportscreen.model import Entry, EntryType, ListCode

MOGE = Entry(
    id="SDN-MOGE",
    list=ListCode.SDN,
    type=EntryType.ENTITY,
    name="MYANMA OIL AND GAS ENTERPRISE",
    aliases=("MOGE", "M.O.G.E."),
    weak_aliases=("MOGE", "M.O.G.E."),
)
# The CSL's copy of the same party: OFAC's marks lost, laid over again from OFAC's file.
MOGE_ON_CSL = dataclasses.replace(MOGE, weak_aliases=())
OFAC_MARKS = AliasMarks.of([MOGE], "OFAC sdn.csv")


# (entry, marks, query, expected logic-v2 score): nomenklatura's weak_alias_match scores a
# query equal to a weakAlias 0.8 (its weight); name_match never compares a weakAlias (FtM
# declares it not matchable), so a near spelling of one scores nothing.
CASES = [
    (MOGE, (), "MOGE", 0.8),
    (MOGE_ON_CSL, (OFAC_MARKS,), "MOGE", 0.8),
    (MOGE, (), "MOGEE", 0.0),
    (MOGE, None, "MOGE", 1.0),  # marks=None: every alias a plain name, the old comparison
    (MOGE_ON_CSL, (), "MOGE", 1.0),  # no marks to adopt: a plain alias
    (MOGE, (), "Myanma Oil and Gas Enterprise", 1.0),  # the primary name is never weak
]


@pytest.mark.parametrize(("entry", "marks", "query", "expected"), CASES)
def test_logic_v2_compares_weak_aliases_as_yente_does(
    entry: Entry, marks: tuple[AliasMarks, ...] | None, query: str, expected: float
) -> None:
    scorer = LogicV2Scorer(marks)
    assert scorer.entry_score(query, EntryType.ENTITY, entry) == pytest.approx(expected)


def test_two_scorers_in_one_process_do_not_share_cached_entities() -> None:
    # logic-v2 caches features by entity id: ids must differ across scorers.
    plain, marked = LogicV2Scorer(None), LogicV2Scorer(())
    assert plain.entry_score("MOGE", EntryType.ENTITY, MOGE) == pytest.approx(1.0)
    assert marked.entry_score("MOGE", EntryType.ENTITY, MOGE) == pytest.approx(0.8)
