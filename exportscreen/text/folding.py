"""ASCII folding: any script to lower-case ASCII letters and digits, in one place.

anyascii romanises every script ("Müller" -> "Muller", "Москва" -> "Moskva", "北京" -> "BeiJing"),
then everything but a-z and 0-9 separates words. The callers differ only in how they join the
words and in whether compatibility characters are normalised first, and both are named options:

- the matcher folds one token at a time and joins its pieces (``separator=""``);
- the CSL exact search and identity keys keep words apart (``separator=" "``, the default);
- identity keys (entry ids) also apply NFKC first (``compatibility=True``), as they always have:
  an id must never change because folding changed, so their form is pinned by a test;
- country spellings keep their punctuation (``keep_punctuation=True``): the alias table tells
  "Congo, Republic of the" from "Democratic Republic of the Congo" by it.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_WORD = re.compile(r"[a-z0-9]+")


def folded_words(text: str, *, compatibility: bool = False) -> list[str]:
    """The ASCII words of a text: romanised, lower case, split on anything but letters and
    digits. ``compatibility`` applies NFKC first (ligatures, full-width and circled forms)."""
    if compatibility:
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():  # most listed names are ASCII already: skip the romanisation
        text = anyascii(text)
    return _WORD.findall(text.lower())


def fold(
    text: str, *, separator: str = " ", compatibility: bool = False, keep_punctuation: bool = False
) -> str:
    """``folded_words`` joined by ``separator``: ``fold("Sa'id Ltd.")`` is ``"sa id ltd"``,
    ``fold("Sa'id", separator="")`` is ``"said"``. With ``keep_punctuation`` the text is only
    romanised and lower-cased (``"Côte d'Ivoire"`` -> ``"cote d'ivoire"``)."""
    if keep_punctuation:
        if compatibility:
            text = unicodedata.normalize("NFKC", text)
        return (text if text.isascii() else anyascii(text)).lower()
    return separator.join(folded_words(text, compatibility=compatibility))
