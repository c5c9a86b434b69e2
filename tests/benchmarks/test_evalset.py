"""The evaluation set's generators make the variants they claim, and its negatives are unlisted."""

from __future__ import annotations

import random
import re
from pathlib import Path

import jellyfish
import pytest
from anyascii import anyascii

from benchmarks import evalset, variants
from exportscreen.model import Entry, EntryType, ListCode

NAMES = (
    "Beijing Zhipu Huazhang Technology Co., Ltd.",
    "Inspur Electronic Information Industry Co., Ltd.",
    "LIMITED LIABILITY COMPANY BITRIVER-NORT",
    "Semiconductor Manufacturing International Corporation",
    "Harbin Institute of Technology",
    "Mahan Air Services FZE",
    "KHOROSHEV, Dmitry Yuryevich",
    "ABU BAKR, Muhammad Hassan",
)


def _entry(name: str, kind: EntryType = EntryType.ENTITY, countries: tuple[str, ...] = ()) -> Entry:
    return Entry(
        id=f"EL-{abs(hash(name)) % 10**12:012d}",
        list=ListCode.EL,
        type=kind,
        name=name,
        countries=countries,
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("name", NAMES)
def test_typo_is_one_or_two_edits_of_a_distinctive_word(name: str, seed: int) -> None:
    variant = variants.typo(name, random.Random(seed))
    if variant is None:
        return
    before, after = name.split(), variant.split()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert 1 <= len(changed) <= 2
    for original, typed in changed:
        assert original[0] == typed[0], "the first letter is never mistyped"
        assert original.casefold().strip(",.") not in variants.GENERIC_WORDS
    total = jellyfish.damerau_levenshtein_distance(name, variant)
    assert 1 <= total <= 2


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Beijing Zhipu Huazhang Technology Co., Ltd.", "Co., Ltd."),
        ("LIMITED LIABILITY COMPANY BITRIVER-NORT", "LLC"),
        ("Mahan Air Services FZE", "FZE"),
        ("Acme Trading Limited", "Ltd."),
        ("Gazprom Neft PJSC", "PJSC"),
    ],
)
def test_legal_form_changes_only_the_legal_form(name: str, group: str, seed: int) -> None:
    variant = variants.legal_form(name, random.Random(seed))
    assert variant is not None and variant != name
    forms = next(f for f in variants.LEGAL_FORMS if group in f)
    form_words = {w for f in forms for w in _words(f)}
    core = [w for w in _words(name) if w not in form_words]
    assert [w for w in _words(variant) if w not in form_words] == core
    # The new form (if any) is another surface of the same legal form, not something else.
    tokens = variant.split()
    found = variants.find_legal_form(tokens)
    if found is not None and len(_words(variant)) > len(core):
        assert variants.LEGAL_FORMS[found[2]] == forms


def test_legal_form_is_none_without_a_legal_form() -> None:
    assert variants.legal_form("Harbin Institute of Technology", random.Random(1)) is None


@pytest.mark.parametrize("seed", range(10))
def test_abbreviation_shortens_known_words_only(seed: int) -> None:
    name = "Semiconductor Manufacturing International Corporation"
    variant = variants.abbreviation(name, random.Random(seed))
    assert variant is not None and variant != name
    for original, short in zip(name.split(), variant.split(), strict=True):
        if original != short:
            assert (
                short.rstrip(".").casefold()
                == variants.ABBREVIATIONS[original.casefold()].casefold()
            )


@pytest.mark.parametrize("seed", range(20))
def test_dropped_token_keeps_the_rarest_word(seed: int) -> None:
    name = "Beijing Zhipu Huazhang Qingyan Technology Co., Ltd."
    rarity = {"zhipu": 1.0}.get
    variant = variants.dropped_token(name, random.Random(seed), lambda t: rarity(t.casefold(), 0.1))
    assert variant is not None
    assert "Zhipu" in variant
    assert len(variant.split()) == len(name.split()) - 1
    assert set(variant.replace(",", "").split()) <= set(name.replace(",", "").split())


@pytest.mark.parametrize("seed", range(10))
def test_extra_token_adds_without_removing(seed: int) -> None:
    company = variants.extra_token("Inspur Group Co., Ltd.", EntryType.ENTITY, random.Random(seed))
    assert company is not None
    assert company.endswith("Co., Ltd."), "added before the legal form"
    assert len(company.split()) > 4
    person = variants.extra_token("KHOROSHEV, Dmitry", EntryType.INDIVIDUAL, random.Random(seed))
    assert person is not None and person.endswith("KHOROSHEV, Dmitry")


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("name", NAMES)
def test_joined_split_keeps_every_letter_in_order(name: str, seed: int) -> None:
    variant = variants.joined_split(name, random.Random(seed))
    if variant is None:
        return
    assert variant.replace(" ", "") == name.replace(" ", "")
    assert abs(len(variant.split()) - len(name.split())) == 1


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("KHOROSHEV, Dmitry Yuryevich", EntryType.INDIVIDUAL, "Dmitry Yuryevich KHOROSHEV"),
        ("Dmitry Khoroshev", EntryType.INDIVIDUAL, "Khoroshev, Dmitry"),
        (
            "Beijing Zhipu Huazhang Technology Co., Ltd.",
            EntryType.ENTITY,
            "Zhipu Huazhang Technology (Beijing) Co., Ltd.",
        ),
        ("Inspur Group Co., Ltd.", EntryType.ENTITY, None),
        ("Madonna", EntryType.INDIVIDUAL, None),
    ],
)
def test_word_order(name: str, kind: EntryType, expected: str | None) -> None:
    assert variants.word_order(name, kind) == expected


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Yuliya", "Юлия"),
        ("Dmitry", "Дмитрий"),
        ("Dmitriy", "Дмитрий"),
        ("Yuryevich", "Юрьевич"),
        ("Andreyevich", "Андреевич"),
        ("Khoroshev", "Хорошев"),
        ("Shchukin", "Щукин"),
        ("Vasilyev", "Васильев"),
        ("Zhukovskiy", "Жуковский"),
        ("Natalya", "Наталья"),
        ("KHOROSHEV", "ХОРОШЕВ"),
    ],
)
def test_latin_to_cyrillic_reverses_bgn(latin: str, cyrillic: str) -> None:
    assert variants.latin_to_cyrillic(latin) == cyrillic


def test_cyrillic_uses_the_russian_legal_form() -> None:
    assert variants.cyrillic("LIMITED LIABILITY COMPANY BITRIVER-NORT") == "ООО БИТРИВЕР-НОРТ"
    assert variants.script_of(variants.cyrillic("KHOROSHEV, Dmitry Yuryevich")) == "cyrillic"


@pytest.mark.parametrize(
    ("system", "expected"),
    [("icao", "Iuliia"), ("scholarly", "Julija"), ("ukrainian", "Iulyia")],
)
def test_romanisations_differ_from_bgn(system: str, expected: str) -> None:
    assert variants.romanise("Юлия", system) == expected
    assert variants.romanise("Хорошев", "scholarly") == "Choroshev"


def test_looks_russian_needs_the_region_and_no_english_words() -> None:
    person = _entry("KHOROSHEV, Dmitry Yuryevich", EntryType.INDIVIDUAL, ("RU",))
    assert variants.looks_russian(person, person.name)
    company = _entry("LIMITED LIABILITY COMPANY BITRIVER-NORT", countries=("RU",))
    assert variants.looks_russian(company, company.name)
    english = _entry("Moscow Trading Company", countries=("RU",))
    assert not variants.looks_russian(english, english.name)
    elsewhere = _entry("KHOROSHEV, Dmitry", EntryType.INDIVIDUAL, ("DE",))
    assert not variants.looks_russian(elsewhere, elsewhere.name)


def test_arabic_only_for_known_name_parts_and_in_arabic_order() -> None:
    assert variants.arabic("ABU BAKR, Muhammad Hassan") == "محمد حسن أبو بكر"
    assert variants.arabic("AL-HASAN, Ali") == "علي الحسن"
    assert variants.arabic("AL-ZAWAHIRI, Ayman") is None, "Zawahiri is not in the table"
    assert variants.arabic("KHOROSHEV, Dmitry") is None
    assert variants.script_of(variants.arabic("Hassan Ali") or "") == "arabic"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Inspur Group", "latin"),
        ("浪潮集团", "han"),
        ("ООО Ромашка", "cyrillic"),
        ("محمد علي", "arabic"),
        ("삼성전자", "hangul"),
        ("トヨタ自動車", "japanese"),
        ("123", "none"),
    ],
)
def test_script_of(text: str, script: str) -> None:
    if script == "japanese":  # kana and kanji mixed: kana must not be outvoted by 3 kanji
        assert variants.script_of(text) in {"japanese", "han"}
    else:
        assert variants.script_of(text) == script


def test_proper_name_syllables_drop_business_words_and_places() -> None:
    zhipu = variants.proper_name_syllables("北京智谱华章科技有限公司")
    assert [r[0] for r in zhipu] == ["zhi", "pu", "hua", "zhang"]
    assert [r[0] for r in variants.proper_name_syllables("四川大学")] == ["si", "chuan"]
    # a character with several readings keeps them all: 长风 is "Changfeng"
    changfeng = variants.proper_name_syllables("苏州长风航空电子有限公司")
    assert "chang" in changfeng[0] and "zhang" in changfeng[0]
    assert variants.pinyin_occurs(changfeng, ["Suzhou Changfeng Avionics"])
    assert not variants.pinyin_occurs(changfeng, ["Suzhou Zhengfeng Avionics"])


def test_chinese_pair_verification() -> None:
    zhipu = _entry("Beijing Zhipu Huazhang Technology Co., Ltd.")
    inspur = Entry(
        id="EL-inspur",
        list=ListCode.EL,
        type=EntryType.ENTITY,
        name="Inspur Group Co., Ltd.",
        aliases=("Inspur Group",),
    )
    pairs = [
        variants.ChinesePair("北京智谱华章科技有限公司", "EL", "", zhipu.name, "pinyin", ""),
        # pinyin claimed but absent: 浪潮 is "langchao", the entry only says "Inspur"
        variants.ChinesePair("浪潮集团有限公司", "EL", "", inspur.name, "pinyin", ""),
        variants.ChinesePair("浪潮集团有限公司", "EL", "", inspur.name, "brand", "Inspur = 浪潮"),
        variants.ChinesePair("某某公司", "EL", "", "No Such Company", "translation", "x"),
        variants.ChinesePair("浪潮集团", "EL", "EL-inspur", inspur.name, "translation", ""),
    ]
    kept, rejected = variants.resolve_chinese_pairs(pairs, [zhipu, inspur])
    assert [(p.basis, e.id) for p, e in kept] == [("pinyin", zhipu.id), ("brand", "EL-inspur")]
    assert len(rejected) == 3


def test_stratified_sampling_reaches_every_stratum() -> None:
    entries = [
        *(_entry(f"Big Company {i}") for i in range(100)),
        Entry(id="DPL-1", list=ListCode.DPL, type=EntryType.INDIVIDUAL, name="John Smith"),
    ]
    sample = evalset.stratified(entries, 5, random.Random(3))
    assert len(sample) == 5
    assert any(e.list is ListCode.DPL for e in sample)


def test_drop_listed_removes_negatives_equal_to_a_listed_name() -> None:
    index = [_entry("Siemens AG"), _entry("Huawei Technologies Co., Ltd.")]
    negatives = [
        evalset.Query("SIEMENS A.G.", "neg:unlisted", "latin", None, EntryType.ENTITY),
        evalset.Query("Bosch GmbH", "neg:unlisted", "latin", None, EntryType.ENTITY),
    ]
    kept, dropped = evalset.drop_listed(negatives, index)
    assert [q.text for q in kept] == ["Bosch GmbH"]
    assert dropped == {"unlisted": 1}


def test_faker_negatives_are_seeded_and_span_scripts() -> None:
    first = evalset.faker_negatives(60, seed=7)
    assert first == evalset.faker_negatives(60, seed=7)
    assert {"latin", "cyrillic", "han", "arabic", "hangul"} <= {q.script for q in first}
    assert all(q.expected is None for q in first)


def test_curated_files_are_well_formed() -> None:
    pairs = variants.read_chinese_pairs()
    assert len(pairs) >= 60
    assert {p.basis for p in pairs} <= {"pinyin", "translation", "brand"}
    assert all(variants.script_of(p.chinese) == "han" for p in pairs)
    assert all(p.note for p in pairs if p.basis != "pinyin")
    assert len(evalset.unlisted_negatives()) >= 100
    table = variants.arabic_tokens()
    assert all(variants.script_of(v) == "arabic" for v in table.values())
    assert all(anyascii(k) == k for k in table)


# --- on the real lists -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(raw_dir: Path) -> list[Entry]:
    return evalset.load_index_cached(raw_dir, evalset.DATA_DIR.parent / "out")


@pytest.mark.shared
def test_index_takes_the_latest_publication_of_each_list(index: list[Entry]) -> None:
    lists = {e.list for e in index}
    assert {ListCode.SDN, ListCode.EL, ListCode.DPL, ListCode.MEU, ListCode.SSI} <= lists
    # The Entity List comes from the 2026 eCFR file (3,409 entries and the 31 parties named
    # inside them), not the 2022 CSL (2,001).
    assert sum(e.list is ListCode.EL for e in index) == 3409 + 31
    assert 15_000 < len(index) < 16_500
    assert len({e.id for e in index}) == len(index)


@pytest.mark.shared
def test_every_curated_chinese_pair_verifies(index: list[Entry]) -> None:
    kept, rejected = variants.resolve_chinese_pairs(variants.read_chinese_pairs(), index)
    assert rejected == []
    pinyin = [(p, e) for p, e in kept if p.basis == "pinyin"]
    assert len(pinyin) >= 50
    for pair, entry in pinyin:
        syllables = variants.proper_name_syllables(pair.chinese)
        assert variants.pinyin_occurs(syllables, entry.names)
        # ...and not in the names of some other, unrelated entry
        assert not variants.pinyin_occurs(syllables, ["Siemens Aktiengesellschaft"])


@pytest.mark.shared
def test_positives_name_real_entries_and_differ_from_them(index: list[Entry]) -> None:
    queries = evalset.positives(index, 30, random.Random(evalset.SEED))
    by_id = {e.id: e for e in index}
    categories = {q.category for q in queries}
    assert {"typo", "legal_form", "abbreviation", "word_order", "cyrillic"} <= categories
    for query in queries:
        assert query.expected in by_id
        entry = by_id[query.expected]
        assert query.text != entry.name
        if query.category == "cyrillic":
            assert query.script == "cyrillic"
        if query.category == "typo":
            assert 1 <= jellyfish.damerau_levenshtein_distance(query.text, entry.name) <= 2


@pytest.mark.shared
def test_negatives_are_not_listed_names(raw_dir: Path, eval_dir: Path, index: list[Entry]) -> None:
    built = evalset.build(raw_dir, eval_dir, per_category=5, yente=300, faker=100, index=index)
    listed = {evalset.simple_normal(n) for e in index for n in e.names}
    assert built.negatives
    assert all(evalset.simple_normal(q.text) not in listed for q in built.negatives)
    assert all(q.expected is None for q in built.negatives)
    assert {q.category.split(":")[1] for q in built.negatives} == {"yente", "faker", "unlisted"}
