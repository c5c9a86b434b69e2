"""Held-out positives for the accuracy benchmark (``--heldout``): variants of issue 16 that the
matcher was not tuned on, reported in categories of their own ("heldout:...").

- ``heldout:initials``: a listed company whose name has dotted or spaced initials ("T.E.G.
  LIMITED") asked with them written solid ("TEG LIMITED"), and an acronym of three to five
  capitals in a name written in mixed case asked dotted ("AVIC Chengdu" -> "A.V.I.C. Chengdu");
- ``heldout:chinese_traditional``: each verified Chinese-script name of the tuning set written
  in traditional characters (OpenCC s2t): the same party, the other script form;
- ``heldout:cjk_person``: listed North Korean and Chinese persons asked in Hangul or Hanja
  (``data/cjk_person_names.csv``, each row with its source): 김정은 and 金正恩 for KIM, Jong Un.

Generated from the lists and the seed like the tuning set; never used to choose a threshold or a
weight.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Sequence
from pathlib import Path

import opencc

from benchmarks.evalset import Query, stratified
from benchmarks.variants import script_of
from exportscreen.model import Entry, EntryType

_INITIALS = re.compile(r"\b(?:[A-Z][. ]\s*){2,}(?=\s|$)")
_ACRONYM = re.compile(r"^[A-Z]{3,5}$")


def _solid_initials(name: str) -> str | None:
    found = _INITIALS.search(name)
    if found is None:
        return None
    letters = "".join(c for c in found.group(0) if c.isalpha())
    return f"{name[: found.start()]}{letters} {name[found.end() :]}".strip()


def _dotted_acronym(name: str) -> str | None:
    """A word of three to five capitals in a name written in mixed case ("AVIC Chengdu
    Aircraft"): an acronym, asked dotted. In a name all in capitals no word stands out."""
    if not any(c.islower() for c in name):
        return None
    words = name.split()
    for i, word in enumerate(words):
        if _ACRONYM.match(word):
            return " ".join([*words[:i], ".".join(word) + ".", *words[i + 1 :]])
    return None


def initials(index: Sequence[Entry], n: int, rng: random.Random) -> list[Query]:
    companies = [e for e in index if e.type is EntryType.ENTITY]
    queries: list[Query] = []
    for entry in stratified(companies, len(companies), rng):
        if len(queries) >= n:
            break
        for name in entry.names:
            text = _solid_initials(name) or _dotted_acronym(name)
            if text and text != name:
                queries.append(
                    Query(text, "heldout:initials", script_of(text), entry.id, entry.type, name)
                )
                break
    return queries


def chinese_traditional(chinese: Sequence[Query]) -> list[Query]:
    convert = opencc.OpenCC("s2t").convert
    queries: list[Query] = []
    for query in chinese:
        text = convert(query.text)
        if text != query.text:
            queries.append(
                Query(
                    text,
                    "heldout:chinese_traditional",
                    query.script,
                    query.expected,
                    query.kind,
                    query.origin,
                )
            )
    return queries


CJK_PERSONS = Path(__file__).parent / "data" / "cjk_person_names.csv"


def cjk_persons(index: Sequence[Entry], path: Path = CJK_PERSONS) -> list[Query]:
    """Listed persons asked in their native script; a row whose person is not in the index (by
    exact primary name) is left out. Several entries of that name: the first by id."""
    by_name: dict[str, list[Entry]] = {}
    for entry in index:
        if entry.type is EntryType.INDIVIDUAL:
            by_name.setdefault(entry.name, []).append(entry)
    queries: list[Query] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found = sorted(by_name.get(row["entry_name"], []), key=lambda e: e.id)
            if found:
                text = row["native"]
                queries.append(
                    Query(
                        text,
                        "heldout:cjk_person",
                        script_of(text),
                        found[0].id,
                        EntryType.INDIVIDUAL,
                        row["entry_name"],
                    )
                )
    return queries


def heldout(index: Sequence[Entry], positives: Sequence[Query], n: int, seed: int) -> list[Query]:
    rng = random.Random(seed + 16)  # issue 16
    chinese = [q for q in positives if q.category in ("chinese", "chinese_translated")]
    return [*initials(index, n, rng), *chinese_traditional(chinese), *cjk_persons(index)]
