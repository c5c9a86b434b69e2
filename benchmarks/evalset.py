"""The accuracy benchmark's evaluation set: an index of every current list entry, positive queries
derived from those entries (one per entry and variant category), and negative queries that must
not alert.

Everything is generated from a seed, so two runs with the same seed and the same list files ask
exactly the same questions. Positives are sampled stratified by (list, entry type) so that the small
lists are not drowned by the SDN list. Each generator returns ``None`` when a name does not lend
itself to the variant (no legal form to change, a one-word name to reorder...): a query is only
made when the variant is real.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from faker import Faker

from benchmarks.variants import (  # the generators, used by name from here and from tests
    GENERIC_WORDS,
    _informative,
    _simple_key,
    abbreviation,
    arabic,
    cyrillic,
    cyrillic_romanisation,
    dropped_token,
    extra_token,
    joined_split,
    legal_form,
    looks_russian,
    read_chinese_pairs,
    resolve_chinese_pairs,
    script_of,
    typo,
    word_order,
)
from exportscreen import sources
from exportscreen.matching.alias_marks import AliasMarks
from exportscreen.model import Entry, EntryType, ListCode, entry_from_dict, entry_to_dict
from exportscreen.sources.common import identity_text

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20_260_709

# The complete publications the product loads, with the data's own date (from PROVENANCE.md) for
# formats that do not state one; for each list the most recent publication wins, as in the store.
# Partial or sample files (the 2023 CSL subset, the 2025 SDN without sdn.csv) are left out because
# they would replace a full list with a fragment.
INDEX_FILES: tuple[tuple[str, date], ...] = (
    ("watchman/csl/consolidated_2022-05.csv.gz", date(2022, 5, 16)),
    ("nsfreg_ecfr_derived/bis_entity_list.json.gz", date(2026, 7, 9)),
    ("nsfreg_ecfr_derived/bis_meu.json", date(2026, 7, 9)),
    ("nsfreg_ecfr_derived/bis_dpl.json", date(2026, 4, 14)),
    ("watchman/ofac_cons_2025-12/cons_prim.csv.gz", date(2025, 12, 1)),
)

# OFAC's own files of lists the index holds from the CSL: not screened (the CSL's version is newer),
# only read for the aliases OFAC marks weak, which the CSL's rows adopt as the product's store
# adopts them (``screening.index_cache``; the set-up loads this file beside the CSL).
MARK_FILES: tuple[tuple[str, date], ...] = (
    ("watchman/ofac_sdn_2021-07/sdn.csv.gz", date(2021, 7, 1)),
)

# The command-line option of the benchmarks that build their index with ``MARK_FILES``' marks.
WeakMarksOption = Annotated[
    bool,
    typer.Option(
        help="the CSL's rows adopt the weak aliases OFAC's own file marks (evalset.MARK_FILES),"
        " as the store's screener does; --no-weak-marks measures without"
    ),
]

CATEGORIES = (
    "typo",
    "legal_form",
    "abbreviation",
    "dropped_token",
    "extra_token",
    "joined_split",
    "word_order",
    "cyrillic",
    "cyrillic_romanisation",
    "chinese",
    "chinese_translated",
    "arabic",
    "un_fixture",
)


@dataclass(frozen=True, slots=True)
class Query:
    """One name to screen, and what a correct screener does with it."""

    text: str
    category: str  # a variant category for positives; the negative source for negatives
    script: str  # dominant script of ``text``: latin, cyrillic, han, arabic, hangul...
    expected: str | None  # the entry id that must be found; None for a negative
    kind: EntryType  # what the query names, so that pairwise baselines can pick a schema
    origin: str = ""  # the list name the query was derived from, for failure reports


@dataclass(slots=True)
class EvalSet:
    index: list[Entry]
    positives: list[Query]
    negatives: list[Query]
    # Negatives equal to a listed name after simple normalisation, per source: not asked.
    dropped_negatives: dict[str, int] = field(default_factory=dict)
    # Curated Chinese pairs that failed verification, with the reason.
    rejected_chinese: list[str] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.index}


# --- the index ---------------------------------------------------------------------------------


def load_index(raw_dir: Path) -> list[Entry]:
    """Every current entry, as the product would load the shared list files: for each list, the
    entries of the most recent complete publication that holds it."""
    latest: dict[ListCode, tuple[date, list[Entry]]] = {}
    for relative, published in INDEX_FILES:
        parsed = sources.parse(raw_dir / relative)
        as_of = parsed.as_of or published
        by_list: dict[ListCode, list[Entry]] = defaultdict(list)
        for entry in parsed.entries:
            by_list[entry.list].append(entry)
        for lst in set(by_list) | set(parsed.lists):
            if lst not in latest or as_of > latest[lst][0]:
                latest[lst] = (as_of, by_list.get(lst, []))
    return [e for lst in sorted(latest) for e in latest[lst][1]]


def load_marks(raw_dir: Path) -> list[AliasMarks]:
    """The weak-alias marks of ``MARK_FILES``, most recent first."""
    marks = []
    for relative, published in sorted(MARK_FILES, key=lambda f: f[1], reverse=True):
        parsed = sources.parse(raw_dir / relative)
        as_of = parsed.as_of or published
        marks.append(AliasMarks.of(parsed.entries, f"OFAC {Path(relative).name} of {as_of}"))
    return marks


def load_index_cached(raw_dir: Path, cache_dir: Path) -> list[Entry]:
    """``load_index``, kept as JSON under ``cache_dir`` (parsing the CSL takes minutes on a busy
    machine). The cache key covers the list files and the parsers' source, so a parser fix or a
    new file is never hidden by a stale cache."""
    digest = hashlib.sha256()
    for relative, _ in INDEX_FILES:
        stat = (raw_dir / relative).stat()
        digest.update(f"{relative}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for module in sorted(Path(sources.__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    path = cache_dir / f"index-{digest.hexdigest()[:16]}.json"
    if path.exists():
        return [entry_from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]
    entries = load_index(raw_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps([entry_to_dict(e) for e in entries]), encoding="utf-8")
    temporary.replace(path)  # never a half-written cache
    return entries


# --- sampling ----------------------------------------------------------------------------------


def stratified(entries: Sequence[Entry], n: int, rng: random.Random) -> list[Entry]:
    """Up to ``n`` entries, taken round-robin over (list, type) strata in random order, so that
    each list and type is represented even when it is small."""
    strata: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for listed in entries:
        strata[(listed.list.value, listed.type.value)].append(listed)
    queues = []
    for key in sorted(strata):
        members = list(strata[key])
        rng.shuffle(members)
        queues.append(iter(members))
    chosen: list[Entry] = []
    while len(chosen) < n and queues:
        still: list[Iterator[Entry]] = []
        for queue in queues:
            member = next(queue, None)
            if member is not None and len(chosen) < n:
                chosen.append(member)
                still.append(queue)
        queues = still
    return chosen


def _source_name(entry: Entry) -> str:
    return " ".join(entry.name.split())


def _rarity(index: Sequence[Entry]) -> Callable[[str], float]:
    document_frequency: Counter[str] = Counter()
    for entry in index:
        document_frequency.update({_simple_key(t) for n in entry.names for t in n.split()})

    def rarity(token: str) -> float:
        key = _simple_key(token)
        if not key or key in GENERIC_WORDS:
            return -1.0
        return 1.0 / (1 + document_frequency[key])

    return rarity


def positives(index: Sequence[Entry], per_category: int, rng: random.Random) -> list[Query]:
    """One query per sampled (entry, variant category), for the list-derived categories."""
    rarity = _rarity(index)
    named = [e for e in index if e.type in {EntryType.INDIVIDUAL, EntryType.ENTITY}]
    named = [e for e in named if _informative(_source_name(e))]
    people = [e for e in named if e.type is EntryType.INDIVIDUAL]
    companies = [e for e in named if e.type is EntryType.ENTITY]
    russian = [e for e in named if looks_russian(e, _source_name(e))]
    generators: dict[str, tuple[Sequence[Entry], Callable[[Entry], str | None]]] = {
        "typo": (named, lambda e: typo(_source_name(e), rng)),
        "legal_form": (companies, lambda e: legal_form(_source_name(e), rng)),
        "abbreviation": (companies, lambda e: abbreviation(_source_name(e), rng)),
        "dropped_token": (named, lambda e: dropped_token(_source_name(e), rng, rarity)),
        "extra_token": (named, lambda e: extra_token(_source_name(e), e.type, rng)),
        "joined_split": (named, lambda e: joined_split(_source_name(e), rng)),
        "word_order": (named, lambda e: word_order(_source_name(e), e.type)),
        "cyrillic": (russian, lambda e: cyrillic(_source_name(e))),
        "cyrillic_romanisation": (russian, lambda e: cyrillic_romanisation(_source_name(e), rng)),
        "arabic": (people, lambda e: arabic(_source_name(e))),
    }
    queries: list[Query] = []
    for category, (pool, make) in generators.items():
        # Generate over the whole stratified order and keep the first ``per_category`` that
        # apply, so a category's sample is not thinned by names it cannot vary.
        made = 0
        for entry in stratified(pool, len(pool), rng):
            if made >= per_category:
                break
            text = make(entry)
            if text is None or not text.strip() or text == entry.name:
                continue
            queries.append(Query(text, category, script_of(text), entry.id, entry.type, entry.name))
            made += 1
    return queries


def chinese_queries(index: Sequence[Entry]) -> tuple[list[Query], list[str]]:
    kept, rejected = resolve_chinese_pairs(read_chinese_pairs(), index)
    queries = [
        Query(
            text=pair.chinese,
            category="chinese" if pair.basis == "pinyin" else "chinese_translated",
            script=script_of(pair.chinese),
            expected=entry.id,
            kind=entry.type,
            origin=entry.name,
        )
        for pair, entry in kept
    ]
    return queries, rejected


def un_fixture_queries(eval_dir: Path, index: Sequence[Entry]) -> list[Query]:
    """yente's UN Security Council persons, in their "treated" form (typos, reordering...),
    where the untreated name equals exactly one SDN name after simple normalisation."""
    folder = eval_dir / "yente" / "candidate_generation_benchmark"
    untreated_path = folder / "positives_un_untreated.csv"
    treated_path = folder / "positives_un_treated.csv"
    if not untreated_path.exists() or not treated_path.exists():
        return []
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in index:
        if entry.list is ListCode.SDN:
            for name in entry.names:
                owners[identity_text(name)].add(entry.id)
    by_id = {e.id: e for e in index}
    with untreated_path.open(encoding="utf-8") as a, treated_path.open(encoding="utf-8") as b:
        rows = zip(csv.DictReader(a), csv.DictReader(b), strict=True)
        queries = []
        for untreated, treated in rows:
            ids = owners.get(identity_text(untreated["full_name"]), set())
            if len(ids) != 1 or not treated["full_name"].strip():
                continue
            entry = by_id[next(iter(ids))]
            text = treated["full_name"]
            queries.append(
                Query(text, "un_fixture", script_of(text), entry.id, entry.type, entry.name)
            )
    return queries


# --- negatives ---------------------------------------------------------------------------------

FAKER_LOCALES = (
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "ru_RU",
    "uk_UA", "zh_CN", "zh_TW", "ja_JP", "ko_KR", "ar_AA", "fa_IR", "tr_TR", "hi_IN", "vi_VN",
    "id_ID", "th_TH", "el_GR", "he_IL", "es_MX", "cs_CZ", "sv_SE", "en_IN",
)  # fmt: skip


def faker_negatives(n: int, seed: int) -> list[Query]:
    """Synthetic counterparties, half persons and half companies, spread over many locales."""
    queries: list[Query] = []
    for i in range(n):
        locale = FAKER_LOCALES[i % len(FAKER_LOCALES)]
        fake = Faker(locale)
        fake.seed_instance(seed + i)
        if i % 2:
            text, kind = fake.company(), EntryType.ENTITY
        else:
            text, kind = fake.name(), EntryType.INDIVIDUAL
        queries.append(Query(text, f"neg:faker:{locale}", script_of(text), None, kind))
    return queries


def yente_negatives(eval_dir: Path, n: int, rng: random.Random) -> list[Query]:
    path = eval_dir / "yente" / "candidate_generation_benchmark"
    rows: list[str] = []
    for name in ("negatives_global.csv", "negatives_us.csv"):
        if (path / name).exists():
            with (path / name).open(encoding="utf-8") as handle:
                rows.extend(
                    r["full_name"] for r in csv.DictReader(handle) if r["full_name"].strip()
                )
    sample = rng.sample(rows, min(n, len(rows)))
    return [Query(t, "neg:yente", script_of(t), None, EntryType.INDIVIDUAL) for t in sample]


def unlisted_negatives() -> list[Query]:
    path = DATA_DIR / "unlisted_companies.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [Query(t, "neg:unlisted", script_of(t), None, EntryType.ENTITY) for t in names]


def simple_normal(text: str) -> str:
    """ASCII, lower case, letters and digits only, spaces too removed ("Siemens A.G." equals
    "SIEMENS AG"): the normalisation under which a negative counts as a listed name."""
    return identity_text(text).replace(" ", "")


# Listed parties that Faker's word lists produce in another script, which the ASCII comparison in
# drop_listed cannot see. Found by reading the top negative alerts, each checked against the list:
# United Aircraft Corporation is on the Entity List.
LISTED_IN_OTHER_SCRIPTS = frozenset({"Объединенная авиастроительная корпорация"})


def drop_listed(
    negatives: Sequence[Query], index: Sequence[Entry]
) -> tuple[list[Query], Counter[str]]:
    """Negatives that do not equal any listed name after simple normalisation (ASCII folding,
    case, punctuation), nor a listed party known by another script, and how many were dropped
    per source."""
    listed = {simple_normal(name) for entry in index for name in entry.names}
    listed |= {simple_normal(name) for name in LISTED_IN_OTHER_SCRIPTS}
    kept: list[Query] = []
    dropped: Counter[str] = Counter()
    for query in negatives:
        if simple_normal(query.text) in listed:
            dropped[query.category.split(":")[1]] += 1
        else:
            kept.append(query)
    return kept, dropped


# --- the whole set -----------------------------------------------------------------------------


def build(
    raw_dir: Path,
    eval_dir: Path,
    *,
    per_category: int,
    yente: int,
    faker: int,
    seed: int = SEED,
    index: list[Entry] | None = None,
) -> EvalSet:
    """The evaluation set: ``per_category`` positives for each list-derived variant category,
    every verified Chinese pair and tied UN fixture, and ``yente`` + ``faker`` + the curated
    unlisted companies as negatives."""
    rng = random.Random(seed)
    entries = index if index is not None else load_index(raw_dir)
    queries = positives(entries, per_category, rng)
    chinese, rejected = chinese_queries(entries)
    queries.extend(chinese)
    un = un_fixture_queries(eval_dir, entries)
    queries.extend(rng.sample(un, min(per_category, len(un))))
    negatives_all = [
        *yente_negatives(eval_dir, yente, rng),
        *faker_negatives(faker, seed),
        *unlisted_negatives(),
    ]
    negatives, dropped = drop_listed(negatives_all, entries)
    return EvalSet(entries, queries, negatives, dict(dropped), rejected)
