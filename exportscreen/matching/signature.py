"""Signatures: what the candidate index can ever see of a counterparty's name.

A signature is a name's analysed tokens with the keys of each route in the route table
(``routes.ROUTES``) that a query word looks keys up by, plus its adjacent words joined and its
whole-name exact key. None of it depends on the lists, so a register's signatures are computed
once and kept (``casework.rescreen`` stores them beside each counterparty); the delta re-screen
filter (``delta_filter``) inverts them to walk the routes backwards from the listed words of a
list update.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exportscreen.matching.analyze import AnalyzedName, TokenKind, analyze
from exportscreen.matching.normalize import Script
from exportscreen.matching.readings import query_readings
from exportscreen.matching.routes import CONSONANTS, PHONETIC, SKELETON, KeyRoute
from exportscreen.matching.translit import arabic_consonants

# Bump when the signature's content or meaning changes: stored signatures of another format are
# recomputed rather than trusted.
# 2: Arabic-script consonants; 3: readings of CJK person names; 4: Japanese readings, Hanja read
# from Unihan (a stored signature of a Japanese name lacks its readings); 5: words keep their
# combining marks, Brahmic words their inherent vowels (नरेन्द्र was "nr", "n", "d", "r"), and
# Burmese words are split into syllables; 6: sound readings (``sound``), their sound keys kept
# as ``SignatureToken.arabic``; 7: sound keys with ambiguous classes (pinyin j/q, kana ch/j) and
# dotted Han names read whole by sound; 8: Arab names in Hebrew letters read back into Arabic
# script (``hebrew_arabic``); 9: katakana's word-initial "ura" read with a P and without
# (class W), Hangul words beside a foreign Hangul word read by sound, words of two-class keys
# read beside longer ones (オレグ・デリパスカ), names in katakana read back into Arabic letters
# (``kana_arabic``)
SIGNATURE_FORMAT = 9


@dataclass(frozen=True, slots=True)
class SignatureToken:
    """One analysed query token and the keys the index could reach vocabulary words through."""

    key: str
    kind: TokenKind
    skeleton: str = ""  # romanisation skeleton; "" unless a word
    consonants: str = ""
    phonetic: str = ""
    # A word in Arabic script: its consonants read letter by letter from the original script; a
    # word read by sound: its sound key (what ``Screener.screen`` gives the index as
    # ``QueryKey.arabic_consonants``, the route such a word takes alone); "" otherwise.
    arabic: str = ""

    def route_key(self, route: KeyRoute) -> str:
        """The token's key for one of the table's key routes ("" unless a word)."""
        if route is SKELETON:
            return self.skeleton
        if route is CONSONANTS:
            return self.consonants
        if route is PHONETIC:
            return self.phonetic
        raise ValueError(f"a signature keeps no key for route {route.prefix!r}")


@dataclass(frozen=True, slots=True)
class Signature:
    """What the candidate index can ever see of a counterparty's name, independent of the lists."""

    tokens: tuple[SignatureToken, ...]
    joined: tuple[str, ...]  # adjacent words written together ("gazprom bank" -> "gazprombank")
    exact_key: str
    # The name's other readings (``readings.query_readings``: 김정은 as "Kim Jong Un"), each
    # screened as a query of its own, so each with a signature of its own.
    readings: tuple[Signature, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "tokens": [
                [t.key, int(t.kind), t.skeleton, t.consonants, t.phonetic, t.arabic]
                for t in self.tokens
            ],
            "joined": list(self.joined),
            "exact": self.exact_key,
            "readings": [reading.to_json() for reading in self.readings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Signature:
        return cls(
            tokens=tuple(
                SignatureToken(str(k), TokenKind(int(kind)), str(s), str(c), str(p), str(a))
                for k, kind, s, c, p, a in data["tokens"]
            ),
            joined=tuple(str(j) for j in data["joined"]),
            exact_key=str(data["exact"]),
            readings=tuple(cls.from_json(r) for r in data.get("readings", ())),
        )


def signature(name: str) -> Signature:
    """The signature of a counterparty name, analysed as ``Screener.screen`` analyses a query,
    with the signatures of its other readings (``readings.query_readings``)."""
    analysis = analyze(name)
    readings = tuple(_signature(r.analysis, r.sounds) for r in query_readings(name, analysis))
    return dataclasses.replace(_signature(analysis), readings=readings)


def _signature(analysis: AnalyzedName, sounds: tuple[str, ...] = ()) -> Signature:
    tokens: list[SignatureToken] = []
    for position, token in enumerate(analysis.tokens):
        if sounds and sounds[position]:
            tokens.append(SignatureToken(token.key, token.kind, arabic=sounds[position]))
        elif token.kind is TokenKind.WORD:
            tokens.append(
                SignatureToken(
                    token.key,
                    token.kind,
                    SKELETON.key_of(token.key),
                    CONSONANTS.key_of(token.key),
                    PHONETIC.key_of(token.key),
                    arabic_consonants(token.surface) if token.script is Script.ARABIC else "",
                )
            )
        else:
            tokens.append(SignatureToken(token.key, token.kind))
    joined = tuple(
        left.key + right.key
        for left, right in itertools.pairwise(tokens)
        if left.kind is TokenKind.WORD and right.kind is TokenKind.WORD
    )
    return Signature(tuple(tokens), joined, analysis.exact_key)
