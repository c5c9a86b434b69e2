"""A word in Arabic script against a listed Latin word, by consonants (``score.compare``).

Arabic script leaves short vowels out, so its romanisation matching a Latin word letter for
letter ("سل" / "SL") is chance: the two are compared by their consonants
(``translit.arabic_consonants`` and ``consonant_skeleton``: محمد and Muhammad are both "mhmd").
It writes its long vowels, though, and a Latin spelling of the same word spells them: a listed
word that spells another vowel there, or none, is another word (``translit.written_vowels_differ``:
دورسي, "Dorsey", is not DARWISH).
"""

from __future__ import annotations

from exportscreen.matching.translit import written_vowels_differ

CONSONANT_SIMILARITY = 0.88
MIN_CONSONANTS = 3
# Arabic names are short in consonants (علي "Ali" is one, عمر "Omar" two): shorter skeletons
# are matched too, but they meet by chance more often, so they count for less.
SHORT_CONSONANT_SIMILARITY = (0.0, 0.75, 0.82)


def consonant_similarity(
    arabic: str, consonants: str, listed: str, listed_consonants: str
) -> float:
    """The similarity of the Arabic-script word ``arabic`` (its consonants ``consonants``) and
    the listed word ``listed`` (``listed_consonants``): 0.0 unless their consonants are equal
    and the vowels the Arabic writes are the listed word's."""
    if not consonants or consonants != listed_consonants:
        return 0.0
    if written_vowels_differ(arabic, listed):
        return 0.0
    if len(consonants) >= MIN_CONSONANTS:
        return CONSONANT_SIMILARITY
    return SHORT_CONSONANT_SIMILARITY[len(consonants)]
