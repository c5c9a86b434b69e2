from __future__ import annotations

import pytest

from exportscreen.matching.translit import (
    arabic_consonants,
    consonant_skeleton,
    romanisation_skeleton,
)


@pytest.mark.parametrize(
    "variants",
    [
        ("yuliya", "iuliia", "julija", "yulia"),
        ("khoroshev", "horoshev"),
        ("dmitriy", "dmitrii", "dmitry", "dmitrij"),
        ("yuryevich", "iurievich", "jurjevich"),
        ("shchukin", "schukin"),
        ("tsarev", "tzarev"),
        ("zhukov", "zukov"),
        ("aleksandr", "alexandr"),
        ("vladimir", "wladimir"),
    ],
)
def test_romanisations_share_a_skeleton(variants: tuple[str, ...]) -> None:
    assert len({romanisation_skeleton(v) for v in variants}) == 1


@pytest.mark.parametrize(("a", "b"), [("yuliya", "yakov"), ("petrov", "ivanov")])
def test_different_names_keep_different_skeletons(a: str, b: str) -> None:
    assert romanisation_skeleton(a) != romanisation_skeleton(b)


@pytest.mark.parametrize("variant", ["muhammad", "mohammed", "mohamed", "mhmd", "muhammed"])
def test_arabic_vowel_variants_share_consonants(variant: str) -> None:
    assert consonant_skeleton(variant) == "mhmd"


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("محمد", "Muhammad"),
        ("طاهر", "Taher"),  # ط + ه, not ث ("th")
        ("ثابت", "Thabit"),  # ث is "th"
        ("أسامة", "Usama"),  # tā' marbūṭa is the final -a
        ("قاسم", "Qasim"),
        ("خالد", "Khaled"),
        ("عبد", "Abdul"),  # the article Latin glues to Abd-
        ("عبدالله", "Abdallah"),
        ("حافظ", "Hafez"),
        ("جواد", "Jawad"),
    ],
)
def test_arabic_script_meets_its_latin_spellings(arabic: str, latin: str) -> None:
    assert arabic_consonants(arabic) == consonant_skeleton(latin.lower())


@pytest.mark.parametrize(("arabic", "latin"), [("طاهر", "yasar"), ("محمود", "ahmad")])
def test_arabic_script_keeps_other_names_apart(arabic: str, latin: str) -> None:
    assert arabic_consonants(arabic) != consonant_skeleton(latin)
