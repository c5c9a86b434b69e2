"""One ASCII folding, with the options its callers need; each caller's form is pinned."""

from __future__ import annotations

import pytest

from exportscreen.api.csl_format import folded
from exportscreen.matching.normalize import ascii_fold
from exportscreen.sources.common import identity_text
from exportscreen.text.folding import fold, folded_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Müller GmbH", ["muller", "gmbh"]),
        ("Sa'id Al-Hasan", ["sa", "id", "al", "hasan"]),
        ("Москва", ["moskva"]),
        ("北京", ["beijing"]),
        ("  --  ", []),
    ],
)
def test_any_script_folds_to_lower_case_ascii_words(text: str, words: list[str]) -> None:
    assert folded_words(text) == words
    assert fold(text) == " ".join(words)
    assert fold(text, separator="") == "".join(words)


def test_compatibility_normalises_ligatures_and_circled_digits_first() -> None:
    assert fold("ﬁrm ①", compatibility=True) == "firm 1"


def test_keep_punctuation_only_romanises_and_lowers() -> None:
    assert fold("Côte d'Ivoire, Republic of", keep_punctuation=True) == "cote d'ivoire, republic of"


def test_the_callers_forms() -> None:
    # The matcher keys one token with its pieces joined; the CSL search and ids keep words apart;
    # ids also normalise compatibility characters (an id must not change with folding).
    assert ascii_fold("O'Brien-Smith") == "obriensmith"
    assert folded("Müller, Hans") == "muller hans"
    assert identity_text("ＡＣＭＥ Co., Ltd.") == "acme co ltd"
