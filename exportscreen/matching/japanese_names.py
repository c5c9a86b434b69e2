"""Japanese person names written in kanji or kana, read in Hepburn romanisation as the lists write
Japanese nationals ("GOTO, Tadamasa", "SHINODA, Kenichi": surname first, long vowels unmarked).

Kanji do not spell their sound: 清司 is Seiji or Kiyoshi, 後藤 is Goto. The reading comes from
UniDic (``unidic-lite``, BSD; the National Institute for Japanese Language and Linguistics'
dictionary, which marks surnames and given names), through the MeCab tokenizer ``fugashi`` (MIT);
its kana are romanised by ``cutlet``'s Hepburn table (MIT). pykakasi, the usual library, is
GPL-3.0 and this project is Apache-2.0.

A name is read only when UniDic's best analysis of the whole name is one surname word followed by
one given-name word; then its next analyses of the same shape are read too (at most
``MAX_READINGS``: 寺岡修 is Teraoka Osamu or Teraoka Shu), since the dictionary's first guess at
a name's reading need not be the person's. It can be wrong all the same (高山清司 is listed as
TAKAYAMA, Kiyoshi; UniDic reads Seiji). A run UniDic does not take for a person's name
(a company, a place, most Chinese names in simplified characters) is not read.

Long vowels are written as the lists and Japanese passports write them, without a mark: UniDic's
pronunciation field marks a long vowel (ゴトー for the kana ゴトウ), and the vowel letter it
lengthens is dropped (Goto, Jiro, Otomo), while a written vowel pair that is not one long vowel
stays (Inoue, Seiji).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cutlet
import fugashi
import jaconv

MAX_READINGS = 2
_CANDIDATES = 4  # UniDic analyses looked at, best first
_PERSON, _SURNAME, _GIVEN = "人名", "姓", "名"
_LONG_MARK = "ー"
_SMALL_KANA = "ゃゅょぁぃぅぇぉャュョァィゥェォ"
_local = threading.local()


@dataclass(frozen=True, slots=True)
class JapaneseName:
    """A reading: the surname and the given name as written and in Hepburn ("goto",
    "tadamasa")."""

    surname: str
    given: str
    surname_romaji: str
    given_romaji: str
    surname_kana: str

    @property
    def surname_morae(self) -> int:
        """The surname's length in morae (キョウ is two): a kanji's Sino-Japanese sound is one
        or two."""
        return sum(1 for c in self.surname_kana if c not in _SMALL_KANA)


def _tools() -> tuple[Any, Any]:
    # A MeCab tagger is not safe to share between threads (the API screens from several).
    tools: tuple[Any, Any] | None = getattr(_local, "tools", None)
    if tools is None:
        tagger = fugashi.Tagger()  # UniDic from the installed unidic-lite package
        romaniser = cutlet.Cutlet("hepburn")
        tools = _local.tools = (tagger, romaniser)
    return tools


def passport_kana(kana: str, pronunciation: str) -> str:
    """``kana`` with each vowel letter that only lengthens the vowel before it left out: UniDic's
    pronunciation writes such a vowel ー (kana ゴトウ, pronunciation ゴトー: ゴト). A kana ー is
    left out too. Without an aligned pronunciation, the kana less its ー."""
    if len(kana) != len(pronunciation):
        return kana.replace(_LONG_MARK, "")
    return "".join(
        k
        for k, p in zip(kana, pronunciation, strict=True)
        if k != _LONG_MARK and not (p == _LONG_MARK and k in "ウオウゥォ")
    )


def _is_kana(word: str) -> bool:
    return all("\u3041" <= c <= "\u30fa" or c == _LONG_MARK for c in word)


# The vowel letters that lengthen a vowel of the same column before them: おう, おお, うう.
_LENGTHENING = {
    "お": "おこごそぞとどのほぼぽもよろょ",
    "う": "うくぐすずつづぬふぶぷむゆるゅおこごそぞとどのほぼぽもよろょ",
}
_VOWELS = "あいうえお"


def _kana_passport(word: str) -> str:
    """Kana written by hand, without UniDic's pronunciation: a う or お after a kana of the o or
    u column is a long vowel and left out (ごとう: goto), unless a vowel follows it, when it
    starts the next syllable (いのうえ: inoue)."""
    hira = jaconv.kata2hira(word).replace(_LONG_MARK, "")
    kept = []
    for i, char in enumerate(hira):
        before = hira[i - 1] if i else ""
        after = hira[i + 1] if i + 1 < len(hira) else ""
        lengthens = char in _LENGTHENING and bool(before) and before in _LENGTHENING[char]
        if lengthens and not (after and after in _VOWELS):
            continue
        kept.append(char)
    return "".join(kept)


def hepburn(kana: str) -> str:
    """Katakana or hiragana in Hepburn, lower case, without the apostrophe after n
    (ケンイチ is "kenichi", as SHINODA, Kenichi is listed)."""
    _, romaniser = _tools()
    return str(romaniser.map_kana(jaconv.kata2hira(kana))).replace("'", "").lower()


def _is_name(nodes: list[Any]) -> bool:
    """Whether an analysis is one surname word then one given-name word. A given name cut into
    several words is not taken: UniDic reads its characters one by one then (高山清司 as
    清 Kiyoshi + 司 Tsukasa), which no one is called."""
    kinds = []
    for node in nodes:
        feature = node.feature
        if feature.pos2 != "固有名詞" or feature.pos3 != _PERSON or not feature.kana:
            return False
        kinds.append(feature.pos4)
    return kinds == [_SURNAME, _GIVEN]


def _romaji(node: Any) -> str:
    return hepburn(passport_kana(node.feature.kana, node.feature.pron or ""))


def japanese_names(written: list[str]) -> list[JapaneseName]:
    """The readings of a name written in kanji and kana, as one word (後藤忠政) or as surname and
    given name apart (後藤 忠政), as a Japanese surname and given name, best first; [] when
    UniDic's best analysis is not a person's name (or, written apart, not split where the space
    is)."""
    if not 1 <= len(written) <= 2:
        return []
    if len(written) == 2 and all(_is_kana(word) for word in written):
        # Kana spell their sound: written apart (ごとう ただまさ), the name needs no dictionary,
        # which reads run-together hiragana poorly anyway.
        surname, given = (hepburn(_kana_passport(word)) for word in written)
        if surname.isalpha() and given.isalpha():
            return [JapaneseName(written[0], written[1], surname, given, written[0])]
        return []
    tagger, _ = _tools()
    found: list[JapaneseName] = []
    for rank, nodes in enumerate(tagger.nbestToNodeList("".join(written), _CANDIDATES)):
        surname, given = nodes[0], nodes[-1]
        if not _is_name(nodes) or (len(written) == 2 and surname.surface != written[0]):
            if rank == 0:
                return []  # the best analysis is not a name: no guessing from worse ones
            continue
        name = JapaneseName(
            surname.surface,
            given.surface,
            _romaji(surname),
            _romaji(given),
            surname.feature.kana,
        )
        romaji = (name.surname_romaji, name.given_romaji)
        if not all(part.isascii() and part.isalpha() for part in romaji):
            continue
        if all((f.surname_romaji, f.given_romaji) != romaji for f in found):
            found.append(name)
        if len(found) == MAX_READINGS:
            break
    return found
