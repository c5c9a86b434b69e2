from __future__ import annotations

import pytest

from exportscreen.matching.analyze import NameRole, TokenKind, analyze
from exportscreen.model import MatchKind


def _keys(name: str, person: bool = False) -> list[str]:
    return [t.key for t in analyze(name, person).tokens]


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("Acme Tech", "Acme Technology"),
        ("Acme Technologies", "Acme Technology"),
        ("Acme Intl", "Acme International"),
        ("Acme Elec", "Acme Electronics"),
        ("Acme Mfg", "Acme Manufacturing"),
        ("Acme Inst", "Acme Institute"),
        ("Acme Res Inst", "Acme Research Institute"),
        ("Acme Univ", "Acme University"),
        ("Acme Sci", "Acme Science"),
        ("Acme Eng", "Acme Engineering"),
        ("Acme Ind", "Acme Industries"),
        ("Acme Dev", "Acme Development"),
        ("Acme Grp", "Acme Group"),
        ("Acme Svcs", "Acme Services"),
        ("Acme Corp", "Acme Corporation"),
        ("Govt of Acme", "Government of Acme"),
        ("Acme Indl", "Acme Industrial"),
        ("Acme Avn", "Acme Aviation"),
        ("Acme Info Ind", "Acme Information Industry"),
        ("Acme Shpg", "Acme Shipping"),
        ("Acme Microelec", "Acme Microelectronics"),
        ("Acme Semis", "Acme Semiconductors"),
        ("Acme Chems", "Acme Chemicals"),
        ("Acme Mech", "Acme Mechanical"),
        ("Acme Elect", "Acme Electrical"),
        ("Acme Imp Expt", "Acme Import Export"),
    ],
)
def test_abbreviations_meet_their_words(short: str, long: str) -> None:
    assert _keys(short) == _keys(long)


def test_abbreviation_is_recorded() -> None:
    token = analyze("Acme Tech").tokens[1]
    assert (token.key, token.via) == ("technology", MatchKind.ABBREVIATION)


def test_chinese_business_words_are_translated_and_the_rest_is_pinyin() -> None:
    tokens = analyze("北京智谱华章科技有限公司").tokens
    assert [t.key for t in tokens] == ["beijing", "zhipuhuazhang", "technology", "ltd"]
    assert [t.via for t in tokens] == [
        MatchKind.TRANSLATED,
        MatchKind.TRANSLITERATED,
        MatchKind.TRANSLATED,
        MatchKind.LEGAL_FORM,
    ]
    assert tokens[1].surface == "智谱华章"


def test_chinese_multi_word_translation() -> None:
    assert _keys("上海集成电路研究所") == [
        "shanghai",
        "integrated",
        "circuit",
        "research",
        "institute",
    ]


def test_cyrillic_is_romanised_and_legal_form_recognised() -> None:
    tokens = analyze("ООО Битривер-Норт").tokens
    assert [(t.key, t.kind) for t in tokens] == [
        ("ltd", TokenKind.LEGAL),
        ("bitriver", TokenKind.WORD),
        ("nort", TokenKind.WORD),
    ]
    assert tokens[1].surface == "битривер"


def test_person_roles_follow_the_lists_comma() -> None:
    tokens = analyze("KHOROSHEV, Dmitry Yuryevich", person=True).tokens
    assert [t.role for t in tokens] == [NameRole.FAMILY, NameRole.GIVEN, NameRole.MIDDLE]
    assert all(t.role is NameRole.OTHER for t in analyze("KHOROSHEV, Dmitry").tokens)


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        ("KHOROSHEV, Dmitry Yuryevich", "FAMILY GIVEN MIDDLE"),
        # Two family names: either is often left out, so each counts less than one alone.
        ("AGUIRRE CARDONA, Armando", "FAMILY_PART FAMILY_PART GIVEN"),
        # A generational suffix after the comma is not a given name.
        ("JOEL PRADO, JR.", "OTHER OTHER OTHER"),
        ("MURRAY, Joseph P., Jr", "FAMILY GIVEN MIDDLE OTHER"),
        # Without a comma the order is unknown.
        ("JAMES MWANGANGI KIILU", "OTHER OTHER OTHER"),
    ],
)
def test_person_roles(name: str, roles: str) -> None:
    assert [t.role.name for t in analyze(name, person=True).tokens] == roles.split()


def test_numbers_are_tokens_of_their_own() -> None:
    tokens = analyze("Vessel No. 013").tokens
    assert [(t.key, t.kind) for t in tokens][-1] == ("13", TokenKind.NUMBER)


def test_arabic_article_is_split() -> None:
    assert _keys("الرشيد")[0] == "al"


def test_emoji_and_punctuation_give_no_tokens() -> None:
    assert analyze("🙂 -- ***").tokens == ()


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("華為技術有限公司", "华为技术有限公司"),
        ("杭州海康威視數字技術股份有限公司", "杭州海康威视数字技术股份有限公司"),
        ("浪潮電子信息產業", "浪潮电子信息产业"),
    ],
)
def test_traditional_characters_read_as_simplified(traditional: str, simplified: str) -> None:
    assert _keys(traditional) == _keys(simplified)
    # The surface keeps the characters as written, for the explanation.
    assert "".join(t.surface for t in analyze(traditional).tokens) == traditional


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("海康威视", ["hikvision"]),  # matching/data/chinese_names.tsv
        ("大疆", ["dji"]),
        ("新华三", ["new", "h3c"]),
        ("浪潮集团", ["inspur", "group"]),
    ],
)
def test_listed_brands_are_read_as_the_lists_write_them(name: str, keys: list[str]) -> None:
    assert _keys(name) == keys


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("中国电子科技集团公司第十四研究所", "14"),
        ("第五十五研究所", "55"),
        ("第一百零八研究所", "108"),
        ("Research Institute 14th", "14"),
    ],
)
def test_ordinals_are_numbers(name: str, number: str) -> None:
    numbers = [t.key for t in analyze(name).tokens if t.kind is TokenKind.NUMBER]
    assert numbers == [number]


# Names whose words recur in other roles and contexts: a word's cached pieces and tokens
# (``analyze._word_pieces``, ``_word_token_of``) must not carry one name's context to another.
RECURRING_WORDS = [
    "الله",
    "عبد الله",
    "الله عبد",
    "محمد عبد الله",
    "ZHANG, Wei",
    "Wei Zhang",
    "WEI, Zhang Li",
    "Acme Co Ltd",
    "Co Acme",
    "LIM ITED Acme",
    "Acme LIMITED",
    "No. 013 Acme",
    "13th Acme",
    "北京 Acme 有限公司",
    "Acme有限公司",
    "नरेन्द्र मोदी",
    "ဦး သန်း",
]


def test_a_words_analysis_does_not_depend_on_the_names_met_before() -> None:
    fresh = analyze.__wrapped__
    forward = [fresh(name, person) for name in RECURRING_WORDS for person in (False, True)]
    backward = [
        fresh(name, person) for name in reversed(RECURRING_WORDS) for person in (True, False)
    ]
    assert forward == list(reversed(backward))


def test_abd_allah_is_one_word_even_after_allah_was_met_alone() -> None:
    assert [t.surface for t in analyze("الله").tokens] == ["ال", "له"]
    assert [t.surface for t in analyze("عبد الله").tokens] == ["عبد الله"]
    assert [t.surface for t in analyze("الله عبد").tokens] == ["ال", "له", "عبد"]
