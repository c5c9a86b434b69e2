"""What identity linking compares: the keys of a party's names and how close two records are.

``store.identity`` links the records of a new list version to those of the version before it;
this module holds the pieces it compares them with. Deliberately simpler than the screening
matcher (which lives above the store, in ``matching``): an id must not change because the
matcher got smarter. Text is folded by ``text.folding``, strings compared by rapidfuzz.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process

from exportscreen.model import Entry, EntryType
from exportscreen.text.folding import fold


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that tell nothing about which party a name is: legal forms in the languages the lists use
# and the glue words of BIS's prose. Dropped from identity keys, so that "SPECTOR INTERNATIONAL"
# and "Spector International, Inc." key alike.
_NOISE: Final = _words(
    """
    co company companies ltd limited inc incorporated llc l c corp corporation plc pte pvt
    private gmbh ag sa s a sarl srl bv b v nv oy ab as aps kft sro spa jsc ojsc cjsc pjsc
    oao zao ooo ao pao tov llp lp fzc fze fzco est the and of k aka fka f
    liability joint stock obshchestvo s ogranichennoi otvetstvennostyu aktsionernoe
    otkrytoe zakrytoe publichnoe
    """
)
# Words that make a name's tail a party of its own rather than its place.
_ORGANISATION: Final = _words(
    """
    institute research center centre lab laboratory factory plant branch office academy
    department bureau university school division group
    """
)
# Hong Kong and Macau parties appear under China in the Entity List since 2020, under their own
# codes in the CSL: for identity they agree.
_SAME_COUNTRY: Final = {"HK": "CN", "MO": "CN"}
# A trailing parenthesis is an acronym or a short name ("Huawei Technologies Co., Ltd. (Huawei)");
# one inside a name tells entities apart ("Huawei Device (Shenzhen) Co., Ltd."), so it stays.
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)[\s.]*$")
# An alias in parentheses anywhere: "PEARL (A.K.A. NEI-CHIEN CHU) LI".
_ALIAS_PARENTHESIS = re.compile(r"\(\s*[af]\.?\s?k\.?\s?a\.?[^()]*\)", re.IGNORECASE)
# Candidates for the fuzzy step: a name variant at least this close (Indel ratio, 0..100, of the
# names as written or with their words sorted).
_CANDIDATE_CUTOFF: Final = 75


# A name with a place glued on scores just above the link threshold (``identity.ACCEPT``).
PLACE_GLUED: Final = 0.93


_AKA = re.compile(r",?\s*\(?\b[af]\.?\s?k\.?\s?a\.?\b", re.IGNORECASE)


def name_key(text: str) -> str:
    """A name's identity key: folded words without legal forms and glue words."""
    words = [w for w in fold(text, compatibility=True).split() if w not in _NOISE]
    return " ".join(words)


def _keys_of(
    text: str,
    place_words: frozenset[str] = frozenset(),
    more_places: frozenset[str] = frozenset(),
) -> set[str]:
    """A name's keys: its key; without a trailing parenthesis ("Huawei Technologies Co., Ltd.
    (Huawei)"); cut before an "a.k.a." or an unclosed parenthesis ("Rosneft (a.k.a. Open
    Joint-Stock Company"); and cut before a comma when the rest is a place ("Chengdu Huawei
    Technologies Co., Ltd., Chengdu, Sichuan" in the 2022 CSL)."""
    keys = {name_key(text), name_key(_TRAILING_PARENTHESIS.sub(" ", text))}
    keys.add(name_key(_ALIAS_PARENTHESIS.sub(" ", text)))
    head, bracket, tail = text.partition("(")
    if bracket and ")" not in tail:
        keys.add(name_key(head))
    aka = _AKA.search(text)
    if aka and aka.start() > 0:
        keys.add(name_key(text[: aka.start()]))
    if (place_words or more_places) and "," in text:
        parts = text.split(",")
        for cut in range(1, len(parts)):
            if _is_place(parts[cut:], place_words, more_places):
                keys.add(name_key(",".join(parts[:cut])))
                break
    keys.discard("")
    return keys


def _is_place(
    parts: Sequence[str], place_words: frozenset[str], more_places: frozenset[str]
) -> bool:
    """Whether the comma-separated tail of a name is a place: short parts, none naming an
    organisation ("Beijing Research Institute" is a party of its own), one of them among the
    words of the addresses."""
    words = [fold(part, compatibility=True).split() for part in parts]
    if not all(0 < len(w) <= 3 and not set(w) & _ORGANISATION for w in words):
        return False
    return any(set(w) & place_words or set(w) & more_places for w in words)


def _place_words(entry: Entry) -> frozenset[str]:
    words: set[str] = set()
    for address in entry.addresses:
        words.update(fold(address.one_line(), compatibility=True).split())
    return frozenset(words)


def primary_keys(entry: Entry, places: frozenset[str] = frozenset()) -> set[str]:
    """The keys of a record's name (``places``: address words of the records compared, for
    names with a place glued on)."""
    if entry.type is EntryType.ADDRESS_ONLY:
        # The placeholder ("Address 01") is renumbered between publications: the address is
        # what the entry is.
        return {name_key(a.one_line()) for a in entry.addresses} - {""}
    return _keys_of(entry.name, _place_words(entry), places)


def alias_keys(entry: Entry) -> set[str]:
    keys: set[str] = set()
    for alias in entry.aliases:
        keys |= _keys_of(alias)
    return keys


def countries_of(entry: Entry) -> frozenset[str]:
    codes = set(entry.countries) | {a.country for a in entry.addresses if a.country}
    return frozenset(_SAME_COUNTRY.get(c, c) for c in codes)


def agree(a: frozenset[str], b: frozenset[str]) -> bool:
    return not a or not b or bool(a & b)


def countriesagree(a: Entry, b: Entry) -> bool:
    """True unless both records state countries and none is shared."""
    return agree(countries_of(a), countries_of(b))


@dataclass(slots=True)
class Record:
    """A record with what linking compares, computed once."""

    entry: Entry
    keys: frozenset[str]  # of the name
    alias_keys: frozenset[str]
    countries: frozenset[str]
    addresses: tuple[str, ...]  # folded
    place_words: frozenset[str]

    @classmethod
    def of(cls, entry: Entry, places: frozenset[str]) -> Record:
        addresses = tuple(
            t for t in (fold(a.one_line(), compatibility=True) for a in entry.addresses) if t
        )
        own_places = frozenset(w for a in addresses for w in a.split())
        if entry.type is EntryType.ADDRESS_ONLY:
            keys = {name_key(a.one_line()) for a in entry.addresses} - {""}
        else:
            keys = _keys_of(entry.name, own_places, places)
        return cls(
            entry,
            frozenset(keys),
            frozenset(alias_keys(entry)),
            countries_of(entry),
            addresses,
            own_places,
        )

    @property
    def variants(self) -> frozenset[str]:
        return self.keys | self.alias_keys

    @property
    def text(self) -> str:
        """Every name, alias and address, folded: what "named in the text" searches."""
        parts = [name_key(n) for n in self.entry.names] + [name_key(a) for a in self.addresses]
        return " | ".join(parts)


def address_similarity(a: Record, b: Record) -> float | None:
    """The best match between two records' addresses, 0..1; None when one has none."""
    if not a.addresses or not b.addresses:
        return None
    return max(fuzz.token_set_ratio(x, y) for x in a.addresses for y in b.addresses) / 100.0


def _tail_is_place(short: str, long: str, places: frozenset[str]) -> bool:
    """Whether ``long`` is ``short`` with a place or a street glued on ("Yuzhno-Kirinskoye
    Field, in the Sea of Okhotsk"; "... J.S. Co. 5 Zavodskaya St."; "Shenzhen HiSilicon
    Technologies Co., Electrical Research Center" where the other record's address says
    "Electrical Research Center"): two words or more, then words that are no organisation's,
    or all found in ``places``."""
    head, tail = short.split(), long.split()
    if len(head) < 2 or len(tail) <= len(head) or tail[: len(head)] != head:
        return False
    extra = set(tail[len(head) :])
    return not extra & _ORGANISATION or extra <= places


def _numbers(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if any(c.isdigit() for c in w))


def name_similarity(a: Record, b: Record, common: frozenset[str] = frozenset()) -> float:
    """The best token-sort ratio between the records' names, 0..1. Where both names have words
    outside ``common`` (words frequent among the records compared: "technology", "shenzhen"),
    those words must match too, so that two companies do not look alike by their generic
    words alone."""
    best = 0.0
    for x in a.variants:
        for y in b.variants:
            if x.replace(" ", "") == y.replace(" ", ""):  # "32Group" and "32 Group"
                return 1.0
            score = max(fuzz.token_sort_ratio(x, y), fuzz.ratio(x, y)) / 100.0
            rare_x = " ".join(w for w in x.split() if w not in common)
            rare_y = " ".join(w for w in y.split() if w not in common)
            if rare_x and rare_y:
                rare = max(
                    fuzz.token_sort_ratio(rare_x, rare_y),
                    fuzz.ratio(rare_x, rare_y),
                    fuzz.ratio(rare_x.replace(" ", ""), rare_y.replace(" ", "")),
                )
                score = min(score, (score + rare / 100.0) / 2)
            elif rare_x or rare_y:
                score *= 0.9
            if _numbers(x) != _numbers(y):  # "9th Academy 772" is not "1st Academy 702"
                score = min(score, 0.5)
            if _tail_is_place(x, y, a.place_words) or _tail_is_place(y, x, b.place_words):
                score = max(score, PLACE_GLUED)
            best = max(best, score)
    return best


def confidence(a: Record, b: Record, common: frozenset[str] = frozenset()) -> float:
    """How sure it is that two records name one party: name similarity, raised by matching
    addresses and lowered by clearly different ones or by countries that disagree."""
    if not agree(a.countries, b.countries):
        return 0.0
    score = name_similarity(a, b, common)
    addresses = address_similarity(a, b)
    if addresses is None:
        return score * 0.97
    if addresses >= 0.85:
        return min(1.0, score + 0.08)
    if addresses < 0.4:
        return score - 0.08
    return score


def _as_is(text: str) -> str:
    return text


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def candidate_pairs(left: Sequence[Record], right: Sequence[Record]) -> dict[int, set[int]]:
    """For each left record, the right records with a name close enough to score: every name
    variant against every other, in rapidfuzz's C loop (``cdist``)."""
    left_texts = [(i, v) for i, r in enumerate(left) for v in sorted(r.variants)]
    right_texts = [(j, v) for j, r in enumerate(right) for v in sorted(r.variants)]
    pairs: dict[int, set[int]] = defaultdict(set)
    if not left_texts or not right_texts:
        return pairs
    for scorer_input in (_as_is, _sorted_words):
        matrix = process.cdist(
            [scorer_input(v) for _, v in left_texts],
            [scorer_input(v) for _, v in right_texts],
            scorer=fuzz.ratio,
            score_cutoff=_CANDIDATE_CUTOFF,
        )
        rows, columns = matrix.nonzero()
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            pairs[left_texts[row][0]].add(right_texts[column][0])
    joined: dict[str, set[int]] = defaultdict(set)  # "32Group China" and "32 Group China"
    for j, text in right_texts:
        joined[text.replace(" ", "")].add(j)
    for i, text in left_texts:
        pairs[i] |= joined.get(text.replace(" ", ""), set())
    # Place-glued names ("X, in the Sea of Okhotsk") score low on the whole string.
    by_head: dict[str, set[int]] = defaultdict(set)
    for j, text in right_texts:
        words = text.split()
        for n in range(2, len(words)):
            by_head[" ".join(words[:n])].add(j)
    for i, text in left_texts:
        pairs[i] |= by_head.get(text, set())
    return pairs
