"""Chinese (and kanji) names: business words translated, legal forms recognised, the rest read as
toneless pinyin.

Listed Chinese companies are written in English with a pinyin core: 北京智谱华章科技有限公司 is
"Beijing Zhipu Huazhang Technology Co., Ltd.". A run of Han characters is cut greedily, longest
first, into known words (translated through ``chinese_terms.tsv``), legal forms, and the
characters between them, which become one pinyin word ("zhipuhuazhang"): the scorer compares it
join-insensitively with "Zhipu Huazhang".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin import lazy_pinyin

from exportscreen.matching.legal_forms import legal_forms
from exportscreen.matching.tables import read_pairs


class PieceKind(enum.Enum):
    TRANSLATED = "translated"  # a business word or place: value is its English words
    LEGAL = "legal"  # a legal form: value is its class
    PINYIN = "pinyin"  # anything else: value is the toneless pinyin, syllables joined


@dataclass(frozen=True, slots=True)
class Piece:
    original: str
    kind: PieceKind
    value: str


@cache
def _terms() -> tuple[dict[str, tuple[PieceKind, str]], int]:
    terms: dict[str, tuple[PieceKind, str]] = {
        chars: (PieceKind.TRANSLATED, english) for chars, english in read_pairs("chinese_terms.tsv")
    }
    table = legal_forms()
    for chars, form_class in table.native.items():
        terms[chars] = (PieceKind.LEGAL, form_class)
    return terms, max(len(k) for k in terms)


def _pinyin(chars: str) -> str:
    return "".join(lazy_pinyin(chars)).lower()


@lru_cache(maxsize=4096)
def segment(run: str) -> tuple[Piece, ...]:
    """Cut a run of Han characters into translated words, legal forms and pinyin words."""
    terms, longest = _terms()
    pieces: list[Piece] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chars = "".join(pending)
            pieces.append(Piece(chars, PieceKind.PINYIN, _pinyin(chars)))
            pending.clear()

    position = 0
    while position < len(run):
        for length in range(min(longest, len(run) - position), 0, -1):
            found = terms.get(run[position : position + length])
            if found is not None:
                flush()
                kind, value = found
                pieces.append(Piece(run[position : position + length], kind, value))
                position += length
                break
        else:
            pending.append(run[position])
            position += 1
    flush()
    return tuple(pieces)
