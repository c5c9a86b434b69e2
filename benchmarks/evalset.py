"""The accuracy benchmark's evaluation set: an index of every current list entry, positive queries
derived from those entries (one per entry and variant category), and negative queries that must
not alert.

Everything is generated from a seed, so two runs with the same seed and the same list files ask
exactly the same questions. Positives are sampled stratified by (list, entry type) so that the small
lists are not drowned by the SDN list. Each generator returns ``None`` when a name does not lend
itself to the variant (no legal form to change, a one-word name to reorder...): a query is only
made when the variant is real.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from anyascii import anyascii
from faker import Faker
from pypinyin import Style, pinyin

from exportscreen import sources
from exportscreen.model import Entry, EntryType, ListCode, entry_from_dict, entry_to_dict
from exportscreen.sources.common import identity_text

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20_260_709

# The complete publications the product loads, with the data's own date (from PROVENANCE.md) for
# formats that do not state one; for each list the most recent publication wins, as in the store.
# Partial or sample files (the 2023 CSL subset, the 2025 SDN without sdn.csv) are left out because
# they would replace a full list with a fragment.
INDEX_FILES: tuple[tuple[str, date], ...] = (
    ("watchman/csl/consolidated_2022-05.csv.gz", date(2022, 5, 16)),
    ("nsfreg_ecfr_derived/bis_entity_list.json.gz", date(2026, 7, 9)),
    ("nsfreg_ecfr_derived/bis_meu.json", date(2026, 7, 9)),
    ("nsfreg_ecfr_derived/bis_dpl.json", date(2026, 4, 14)),
    ("watchman/ofac_cons_2025-12/cons_prim.csv.gz", date(2025, 12, 1)),
)

CATEGORIES = (
    "typo",
    "legal_form",
    "abbreviation",
    "dropped_token",
    "extra_token",
    "joined_split",
    "word_order",
    "cyrillic",
    "cyrillic_romanisation",
    "chinese",
    "chinese_translated",
    "arabic",
    "un_fixture",
)


@dataclass(frozen=True, slots=True)
class Query:
    """One name to screen, and what a correct screener does with it."""

    text: str
    category: str  # a variant category for positives; the negative source for negatives
    script: str  # dominant script of ``text``: latin, cyrillic, han, arabic, hangul...
    expected: str | None  # the entry id that must be found; None for a negative
    kind: EntryType  # what the query names, so that pairwise baselines can pick a schema
    origin: str = ""  # the list name the query was derived from, for failure reports


@dataclass(slots=True)
class EvalSet:
    index: list[Entry]
    positives: list[Query]
    negatives: list[Query]
    # Negatives equal to a listed name after simple normalisation, per source: not asked.
    dropped_negatives: dict[str, int] = field(default_factory=dict)
    # Curated Chinese pairs that failed verification, with the reason.
    rejected_chinese: list[str] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.index}


# --- the index ---------------------------------------------------------------------------------


def load_index(raw_dir: Path) -> list[Entry]:
    """Every current entry, as the product would load the shared list files: for each list, the
    entries of the most recent complete publication that holds it."""
    latest: dict[ListCode, tuple[date, list[Entry]]] = {}
    for relative, published in INDEX_FILES:
        parsed = sources.parse(raw_dir / relative)
        as_of = parsed.as_of or published
        by_list: dict[ListCode, list[Entry]] = defaultdict(list)
        for entry in parsed.entries:
            by_list[entry.list].append(entry)
        for lst in set(by_list) | set(parsed.lists):
            if lst not in latest or as_of > latest[lst][0]:
                latest[lst] = (as_of, by_list.get(lst, []))
    return [e for lst in sorted(latest) for e in latest[lst][1]]


def load_index_cached(raw_dir: Path, cache_dir: Path) -> list[Entry]:
    """``load_index``, kept as JSON under ``cache_dir`` (parsing the CSL takes minutes on a busy
    machine). The cache key covers the list files and the parsers' source, so a parser fix or a
    new file is never hidden by a stale cache."""
    digest = hashlib.sha256()
    for relative, _ in INDEX_FILES:
        stat = (raw_dir / relative).stat()
        digest.update(f"{relative}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for module in sorted(Path(sources.__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    path = cache_dir / f"index-{digest.hexdigest()[:16]}.json"
    if path.exists():
        return [entry_from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]
    entries = load_index(raw_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps([entry_to_dict(e) for e in entries]), encoding="utf-8")
    temporary.replace(path)  # never a half-written cache
    return entries


# --- scripts and tokens ------------------------------------------------------------------------

_SCRIPT_NAMES = {
    "CJK": "han",
    "HIRAGANA": "japanese",
    "KATAKANA": "japanese",
    "HANGUL": "hangul",
}


def script_of(text: str) -> str:
    """The script most of the letters of ``text`` are written in, in lower case."""
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        first = unicodedata.name(char, "UNKNOWN").split()[0]
        counts[_SCRIPT_NAMES.get(first, first.lower())] += 1
    return counts.most_common(1)[0][0] if counts else "none"


def _letters(token: str) -> str:
    return re.sub(r"[\W_]", "", token)


def _simple_key(token: str) -> str:
    return _letters(token).casefold()


def _match_case(template: str, word: str) -> str:
    """``word`` in the case style of ``template`` (SDN names are upper case, BIS names title
    case), so that a variant differs from its source only in what it claims to change."""
    if template.isupper() and len(_letters(template)) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# --- legal forms -------------------------------------------------------------------------------

# Equivalent surface forms of one legal form: abbreviations, spelled-out forms and translations.
# Forms written in Cyrillic are the Russian originals of the transliterated ones.
LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("Co., Ltd.", "Company Limited", "Co. Ltd", "Co Ltd", "Company Ltd."),
    ("Ltd.", "Limited", "Ltd"),
    ("LLC", "L.L.C.", "Limited Liability Company", "OOO", "ООО"),
    ("JSC", "Joint Stock Company", "AO", "АО", "Joint-Stock Company"),
    ("PJSC", "Public Joint Stock Company", "PAO", "ПАО"),
    ("CJSC", "Closed Joint Stock Company", "ZAO", "ЗАО"),
    ("OJSC", "Open Joint Stock Company", "OAO", "ОАО"),
    ("Inc.", "Incorporated", "Inc"),
    ("Corp.", "Corporation", "Corp"),
    ("GmbH", "Gesellschaft mit beschränkter Haftung"),
    ("S.A.", "SA", "Sociedad Anónima", "Société Anonyme"),
    ("FZE", "Free Zone Establishment", "F.Z.E."),
    ("FZCO", "Free Zone Company", "FZC"),
    ("FZ-LLC", "FZ LLC", "Free Zone Limited Liability Company"),
    ("Pvt. Ltd.", "Private Limited", "Pvt Ltd", "Private Ltd."),
    ("Sdn. Bhd.", "Sdn Bhd", "Sendirian Berhad"),
    ("A.Ş.", "AS", "Anonim Şirketi", "A.S."),
    ("PLC", "Public Limited Company", "P.L.C."),
    ("S.A.R.L.", "SARL", "Société à responsabilité limitée"),
    ("Co.", "Company"),
)

_FORM_GROUP: dict[str, int] = {}
for _group_index, _forms in enumerate(LEGAL_FORMS):
    for _form in _forms:
        _FORM_GROUP.setdefault(_simple_key(_form.replace(" ", "")), _group_index)
_MAX_FORM_TOKENS = max(len(f.split()) for forms in LEGAL_FORMS for f in forms)


def find_legal_form(tokens: Sequence[str]) -> tuple[int, int, int] | None:
    """``(start, end, group)`` of the longest legal form at the end (preferred) or the start of
    a tokenised name, or None."""
    n = len(tokens)
    for size in range(min(_MAX_FORM_TOKENS, n - 1), 0, -1):
        for start in (n - size, 0):
            key = _simple_key("".join(tokens[start : start + size]))
            if key in _FORM_GROUP:
                return start, start + size, _FORM_GROUP[key]
    return None


def legal_form(name: str, rng: random.Random) -> str | None:
    """The name with its legal form abbreviated, expanded, translated or dropped."""
    tokens = name.split()
    found = find_legal_form(tokens)
    if found is None:
        return None
    start, end, group = found
    current = _simple_key("".join(tokens[start:end]))
    choices = [f for f in LEGAL_FORMS[group] if _simple_key(f.replace(" ", "")) != current]
    choices.append("")  # removed
    replacement = rng.choice(choices)
    if replacement and any(c.isascii() for c in replacement):
        replacement = _match_case(tokens[start], replacement)
    kept = [*tokens[:start], *replacement.split(), *tokens[end:]]
    if start > 0:  # a trailing form often follows a comma: "Acme, Inc." -> "Acme"
        kept[start - 1] = kept[start - 1].rstrip(",") if not replacement else kept[start - 1]
    result = " ".join(kept)
    return result if result != name and len(_informative(result)) >= 1 else None


# --- generic words and abbreviations -----------------------------------------------------------

ABBREVIATIONS: dict[str, str] = {
    "technology": "Tech",
    "technologies": "Tech",
    "international": "Intl",
    "electronics": "Elec",
    "electronic": "Elec",
    "corporation": "Corp",
    "university": "Univ",
    "institute": "Inst",
    "research": "Res",
    "manufacturing": "Mfg",
    "industry": "Ind",
    "industries": "Inds",
    "industrial": "Indl",
    "engineering": "Eng",
    "information": "Info",
    "development": "Dev",
    "equipment": "Equip",
    "communication": "Comm",
    "communications": "Comms",
    "science": "Sci",
    "sciences": "Sci",
    "academy": "Acad",
    "laboratory": "Lab",
    "group": "Grp",
    "trading": "Trdg",
    "systems": "Sys",
    "services": "Svcs",
    "management": "Mgmt",
    "national": "Natl",
    "brothers": "Bros",
    "association": "Assn",
    "enterprise": "Ent",
    "enterprises": "Ents",
    "shipping": "Shpg",
    "machinery": "Mach",
    "microelectronics": "Microelec",
    "semiconductor": "Semi",
    "semiconductors": "Semis",
    "aeronautics": "Aero",
    "aviation": "Avn",
    "company": "Co",
    "department": "Dept",
    "government": "Govt",
    "petroleum": "Petrol",
    "chemical": "Chem",
    "chemicals": "Chems",
    "mechanical": "Mech",
    "electrical": "Elect",
    "instruments": "Instr",
    "products": "Prods",
    "investment": "Invest",
    "import": "Imp",
    "export": "Exp",
}

# Words that say what kind of organisation a name is rather than which one; a dropped or
# typo'd token is never one of these, and entries made only of them are skipped.
GENERIC_WORDS = frozenset(
    {
        *ABBREVIATIONS,
        *(_simple_key(f) for forms in LEGAL_FORMS for f in forms for f in f.split()),
        "the", "of", "and", "for", "de", "la", "del", "al", "el", "du", "des", "y", "et", "und",
        "co", "ltd", "limited", "bank", "holding", "holdings", "general", "state", "federal",
        "center", "centre", "plant", "factory", "bureau", "design", "scientific", "production",
        "joint", "stock", "public", "open", "closed", "liability", "llc", "oao", "ooo", "zao",
        "beijing", "shanghai", "shenzhen", "china", "chinese", "hong", "kong", "moscow", "iran",
        "russia", "russian", "federation", "republic", "islamic", "middle", "east", "south",
        "north", "west", "new", "energy", "oil", "gas", "power", "military", "ministry",
        "defense", "defence", "office", "branch", "logistics", "shipping", "marine", "air",
        "airlines", "import", "export", "commercial", "business", "solutions", "network",
        "global", "world", "united", "science", "sciences", "institute", "university", "school",
        "college", "research", "laboratory", "group", "company", "corporation", "agency",
        "authority", "organization", "organisation", "foundation", "committee", "council",
        "service", "services", "trade", "trading", "industrial", "industries", "industry",
        "equipment", "electronic", "electronics", "technology", "technologies", "tech",
        "information", "development", "manufacturing", "engineering", "systems", "aviation",
        "aerospace", "academy", "no", "inc", "corp", "sa", "gmbh", "fze", "fzco", "plc",
    }
)  # fmt: skip


def _informative(name: str) -> list[str]:
    """The tokens of a name that identify it: not generic words, not punctuation."""
    return [t for t in name.split() if _letters(t) and _simple_key(t) not in GENERIC_WORDS]


def abbreviation(name: str, rng: random.Random) -> str | None:
    """Common words shortened: Technology -> Tech, International -> Intl..."""
    tokens = name.split()
    positions = [i for i, t in enumerate(tokens) if _simple_key(t) in ABBREVIATIONS]
    if not positions:
        return None
    chosen = [p for p in positions if rng.random() < 0.7] or [rng.choice(positions)]
    out = list(tokens)
    for p in chosen:
        token = tokens[p]
        short = ABBREVIATIONS[_simple_key(token)] + ("." if rng.random() < 0.4 else "")
        trailing = token[len(token.rstrip(",;")) :]
        out[p] = _match_case(token, short) + trailing
    return " ".join(out)


# --- typos -------------------------------------------------------------------------------------

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _edit(word: str, rng: random.Random) -> str:
    """One insert, delete, substitute or transpose, never on the first letter (people rarely
    mistype it, and no screener can be expected to recover a wrong initial reliably)."""
    i = rng.randrange(1, len(word))
    op = rng.choice(("insert", "delete", "substitute", "transpose"))
    letter = rng.choice(_ALPHABET)
    letter = letter.upper() if word[i].isupper() else letter
    if op == "insert":
        return word[:i] + letter + word[i:]
    if op == "delete":
        return word[:i] + word[i + 1 :]
    if op == "transpose" and i + 1 < len(word) and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    while letter.casefold() == word[i].casefold():
        letter = rng.choice(_ALPHABET)
        letter = letter.upper() if word[i].isupper() else letter
    return word[:i] + letter + word[i + 1 :]


_WORD_WITH_PUNCTUATION = re.compile(r"([A-Za-z]{5,})([,.;]?)")


def typo(name: str, rng: random.Random) -> str | None:
    """One or two edits (insert, delete, substitute, transpose) in distinctive words of at
    least five ASCII letters (a trailing comma or full stop is kept as it was)."""
    tokens = name.split()
    targets = [
        i
        for i, t in enumerate(tokens)
        if _WORD_WITH_PUNCTUATION.fullmatch(t) and _simple_key(t) not in GENERIC_WORDS
    ]
    if not targets:
        return None
    out = list(tokens)
    for _ in range(rng.choice((1, 2))):
        i = rng.choice(targets)
        match = _WORD_WITH_PUNCTUATION.fullmatch(out[i]) or _WORD_WITH_PUNCTUATION.fullmatch(
            tokens[i]
        )
        word, punctuation = (match.group(1), match.group(2)) if match else (out[i], "")
        out[i] = _edit(word, rng) + punctuation
    result = " ".join(out)
    return result if result != name else None


# --- tokens dropped, added, joined, split, reordered -------------------------------------------


def dropped_token(name: str, rng: random.Random, rarity: Callable[[str], float]) -> str | None:
    """One token left out: never the rarest token of the name (it is what identifies the
    entry), and only when at least two informative tokens remain."""
    tokens = name.split()
    words = [i for i, t in enumerate(tokens) if _letters(t)]
    if len(words) < 3:
        return None
    rarest = max(words, key=lambda i: rarity(tokens[i]))
    candidates = [i for i in words if i != rarest]
    drop = rng.choice(candidates)
    result = " ".join(t for i, t in enumerate(tokens) if i != drop).strip(" ,")
    return result if len(_informative(result)) >= 2 else None


_COMPANY_EXTRAS = (
    "Trading",
    "Group",
    "Holding",
    "International",
    "Branch",
    "Shanghai Branch",
    "Dubai Branch",
    "(Hong Kong)",
    "Beijing",
    "Moscow",
    "Head Office",
    "Representative Office",
    "Services",
)
_PERSON_EXTRAS = ("Mr.", "Dr.", "Mrs.", "Gen.", "Prof.")


def extra_token(name: str, kind: EntryType, rng: random.Random) -> str | None:
    """A branch, a city, "Trading"... added to a company; a title added to a person."""
    tokens = name.split()
    if kind is EntryType.INDIVIDUAL:
        return f"{rng.choice(_PERSON_EXTRAS)} {name}"
    if kind is not EntryType.ENTITY:
        return None
    extra = _match_case(tokens[0], rng.choice(_COMPANY_EXTRAS))
    found = find_legal_form(tokens)
    if found and found[0] > 0:  # before a trailing legal form: "Acme Trading Co., Ltd."
        start = found[0]
        head = [*tokens[:start]]
        head[-1] = head[-1].rstrip(",")
        return " ".join([*head, extra, *tokens[start:]])
    return f"{name} {extra}"


def joined_split(name: str, rng: random.Random) -> str | None:
    """Two adjacent words joined ("JSC ARGUMENT" -> "JSCARGUMENT"), or one long word split."""
    tokens = name.split()
    joinable = [
        i for i in range(len(tokens) - 1) if tokens[i].isalpha() and tokens[i + 1].isalpha()
    ]
    splittable = [i for i, t in enumerate(tokens) if t.isalpha() and len(t) >= 7]
    if joinable and (not splittable or rng.random() < 0.5):
        i = rng.choice(joinable)
        return " ".join([*tokens[:i], tokens[i] + tokens[i + 1], *tokens[i + 2 :]])
    if splittable:
        i = rng.choice(splittable)
        cut = rng.randrange(3, len(tokens[i]) - 2)
        word = tokens[i]
        return " ".join([*tokens[:i], word[:cut], word[cut:], *tokens[i + 1 :]])
    return None


_LEADING_PLACES = frozenset(
    {
        "beijing", "shanghai", "shenzhen", "guangzhou", "tianjin", "chengdu", "wuhan", "hangzhou",
        "nanjing", "xian", "hefei", "changsha", "chongqing", "harbin", "dalian", "qingdao",
        "xiamen", "suzhou", "wuxi", "zhuhai", "moscow", "tehran", "dubai", "minsk", "kyiv",
        "damascus", "pyongyang", "caracas", "karachi", "lahore", "istanbul",
    }
)  # fmt: skip


def word_order(name: str, kind: EntryType) -> str | None:
    """Persons: "LAST, First Middle" <-> "First Middle LAST". Companies whose name starts with
    a city: the city moved behind the name, as "(City)"."""
    if kind is EntryType.INDIVIDUAL:
        if name.count(",") == 1:
            last, first = (part.strip() for part in name.split(","))
            return f"{first} {last}" if first and last else None
        tokens = name.split()
        if len(tokens) >= 2:
            return f"{tokens[-1]}, {' '.join(tokens[:-1])}"
        return None
    tokens = name.split()
    if kind is EntryType.ENTITY and len(tokens) >= 3 and _simple_key(tokens[0]) in _LEADING_PLACES:
        found = find_legal_form(tokens)
        end = found[0] if found and found[0] > 1 else len(tokens)
        body = [*tokens[1:end]]
        body[-1] = body[-1].rstrip(",")
        return " ".join([*body, f"({tokens[0]})", *tokens[end:]])
    return None


# --- Cyrillic ----------------------------------------------------------------------------------

# BGN/PCGN romanisation (what OFAC and BIS print) read backwards, longest sequence first.
_LATIN_TO_CYRILLIC = (
    ("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
    ("yu", "ю"), ("ya", "я"), ("yo", "ё"), ("yy", "ый"), ("ye", "е"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"),
    ("i", "и"), ("y", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"),
    ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("'", "ь"),
    ("w", "в"), ("h", "х"), ("c", "к"), ("x", "кс"), ("q", "к"), ("j", "дж"),
)  # fmt: skip
_VOWELS_LATIN = set("aeiouy")


def latin_to_cyrillic(word: str) -> str:
    """A BGN-romanised Russian word back in Cyrillic.

    BGN writes я/ю/е/ё as ya/yu/ye/yo and the soft sign before them disappears in the common
    apostrophe-less spelling, so after a consonant "ya" is read ья ("Natalya", "Yuryevich"). A
    lone "y" is й after a vowel, ий at the end of a word after a consonant ("Dmitry") and ы
    elsewhere.
    """
    text = word.casefold()
    out: list[str] = []
    i = 0
    while i < len(text):
        previous = text[i - 1] if i else ""
        after_consonant = bool(previous) and previous.isalpha() and previous not in _VOWELS_LATIN
        if text[i] == "y" and text.startswith(("ya", "yu", "ye", "yo"), i) and after_consonant:
            out.append("ь")
        elif text[i] == "y" and not text.startswith(("yu", "ya", "yo", "ye", "yy"), i):
            if not previous or previous in _VOWELS_LATIN:
                out.append("й")
            elif i == len(text) - 1:
                out.append("ий")
            else:
                out.append("ы")
            i += 1
            continue
        elif text.startswith("ye", i) and previous in _VOWELS_LATIN:
            out.append("е")  # "Andreyevich": ye after a vowel is е, not й+е
            i += 2
            continue
        for latin, cyrillic_letters in _LATIN_TO_CYRILLIC:
            if text.startswith(latin, i):
                out.append(cyrillic_letters)
                i += len(latin)
                break
        else:
            out.append(text[i])
            i += 1
    return _recase(word, "".join(out))


def _recase(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# Non-BGN romanisations of the same Cyrillic, as passports (ICAO 9303), scholars and Ukrainian
# official transliteration write it: Yuliya -> Iuliia / Julija, Kh -> H.
ROMANISATIONS: dict[str, dict[str, str]] = {
    "icao": {"ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "iu",
             "я": "ia", "й": "i", "ы": "y", "ь": "", "ъ": "ie", "е": "e", "ё": "e", "э": "e"},
    "scholarly": {"ж": "zh", "х": "ch", "ц": "c", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "ju",
                  "я": "ja", "й": "j", "ы": "y", "ь": "", "ъ": "", "е": "e", "ё": "jo", "э": "e"},
    "ukrainian": {"ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "iu",
                  "я": "ia", "й": "i", "ы": "y", "ь": "", "ъ": "", "е": "e", "ё": "io", "э": "e",
                  "г": "h", "и": "y"},
}  # fmt: skip
_BASIC = dict(zip("абвгдезиклмнопрстуф", "abvgdeziklmnoprstuf", strict=True))


def romanise(cyrillic_text: str, system: str) -> str:
    """Cyrillic text in Latin script by one of ``ROMANISATIONS``."""
    table = {**_BASIC, **ROMANISATIONS[system]}

    def convert(match: re.Match[str]) -> str:
        word = match.group(0)
        return _recase(word, "".join(table.get(c, c) for c in word.lower()))

    return re.sub(r"[^\W\d_]+", convert, cyrillic_text)


_RUSSIAN_COUNTRIES = frozenset({"RU", "BY", "UA", "KZ", "KG", "TJ", "UZ", "TM", "AZ", "AM", "MD"})
_NON_RUSSIAN_LETTERS = re.compile(r"[wqxj]|th|ph|ee|oo|ck|ou", re.IGNORECASE)


def _cyrillic_form(tokens: Sequence[str]) -> tuple[int, int, str] | None:
    """Where a name's legal form is, and its Russian form in Cyrillic, when it has one."""
    found = find_legal_form(tokens)
    if found is None:
        return None
    start, end, group = found
    russian = [f for f in LEGAL_FORMS[group] if script_of(f) == "cyrillic"]
    return (start, end, russian[0]) if russian else None


def looks_russian(entry: Entry, name: str) -> bool:
    """A Latin name that is very likely a romanised Russian, Belarusian or Ukrainian one: the
    entry is from that region, no word but a Russian legal form is a generic English one, and
    no letter pattern that BGN romanisation never produces occurs."""
    if not set(entry.countries) & _RUSSIAN_COUNTRIES and not any(
        p.startswith(("RUSSIA", "UKRAINE", "BELARUS", "CYBER")) for p in entry.programs
    ):
        return False
    tokens = name.split()
    form = _cyrillic_form(tokens)
    if form is not None:
        tokens = [*tokens[: form[0]], *tokens[form[1] :]]
    words = re.findall(r"[^\W\d_]+", " ".join(tokens))
    if not words or not all(w.isascii() for w in words):
        return False
    return not any(_simple_key(w) in GENERIC_WORDS or _NON_RUSSIAN_LETTERS.search(w) for w in words)


def cyrillic(name: str) -> str:
    """The name in Cyrillic script, its legal form as the Russian abbreviation (ООО, АО...)."""
    tokens = name.split()
    form = _cyrillic_form(tokens)
    if form is not None:
        start, end, russian = form
        tokens = [*tokens[:start], russian, *tokens[end:]]
    text = " ".join(tokens)
    return re.sub(r"[a-zA-Z]+(?:'[a-zA-Z]+)?", lambda m: latin_to_cyrillic(m.group(0)), text)


def cyrillic_romanisation(name: str, rng: random.Random) -> str | None:
    """The name romanised from Cyrillic by another system than the list's (BGN)."""
    system = rng.choice(sorted(ROMANISATIONS))
    result = romanise(cyrillic(name), system)
    return result if result.casefold() != name.casefold() else None


# --- Chinese -----------------------------------------------------------------------------------

# Words of a Chinese company name that a list renders by translation, not by pinyin; they are
# left out when checking that a curated name's pinyin occurs in the entry's Latin names.
CHINESE_GENERIC = (
    "股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "科技", "技术", "信息", "电子",
    "微电子", "产业", "集成电路", "研究所", "研究院", "大学", "开发", "智能", "装备", "设计",
    "计算机", "数字", "通信", "创新", "基因", "空间", "航空", "工业", "硅业", "计算", "股份",
    "软件",
)  # fmt: skip
CHINESE_PLACES = (
    "北京", "上海", "天津", "重庆", "深圳", "广州", "杭州", "南京", "武汉", "成都", "西安",
    "合肥", "长沙", "厦门", "苏州", "无锡", "珠海", "青岛", "沈阳", "浙江", "江苏", "广东",
    "湖南", "湖北", "四川", "河北", "山东", "新疆", "江西", "哈尔滨", "内蒙古", "鄯善", "市",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ChinesePair:
    chinese: str
    list: str
    entry_id: str
    entry_name: str
    basis: str  # "pinyin": the list name is (partly) pinyin; "translation"; "brand"
    note: str


def read_chinese_pairs(path: Path | None = None) -> list[ChinesePair]:
    with (path or DATA_DIR / "chinese_names.csv").open(encoding="utf-8", newline="") as handle:
        return [
            ChinesePair(
                chinese=row["chinese"],
                list=row["list"],
                entry_id=row.get("entry_id", ""),
                entry_name=row["entry_name"],
                basis=row["basis"],
                note=row["note"],
            )
            for row in csv.DictReader(handle)
        ]


def proper_name_syllables(chinese: str) -> list[list[str]]:
    """The pinyin syllables of the distinctive part of a Chinese company name (without its legal
    form, business words and place names, unless nothing else is left), each with every
    reading of its character: 长 is "chang" in 长风 but pypinyin's first guess is "zhang"."""
    core = re.sub(r"[()（）0-9]", "", chinese)
    for word in sorted(CHINESE_GENERIC, key=len, reverse=True):
        core = core.replace(word, "")
    without_places = core
    for place in sorted(CHINESE_PLACES, key=len, reverse=True):
        without_places = without_places.replace(place, "")
    readings = pinyin(without_places or core, style=Style.NORMAL, heteronym=True)
    return [list(dict.fromkeys(r)) for r in readings]


def pinyin_occurs(syllables: Sequence[Sequence[str]], names: Iterable[str]) -> bool:
    """Whether the syllables (any reading of each) occur in order in one of the Latin names,
    spacing and case ignored, so that "Zhongke Xin" and "Zhongkexin" both count."""
    for name in names:
        compact = re.sub(r"[^a-z]", "", anyascii(name).lower())
        position = 0
        for readings in syllables:
            spots = [(compact.find(r, position), r) for r in readings]
            spots = [(at, r) for at, r in spots if at >= 0]
            if not spots:
                break
            at, reading = min(spots)
            position = at + len(reading)
        else:
            return True
    return False


def resolve_chinese_pairs(
    pairs: Sequence[ChinesePair], index: Sequence[Entry]
) -> tuple[list[tuple[ChinesePair, Entry]], list[str]]:
    """The curated pairs tied to loaded entries, and the reasons others were rejected.

    A pair is kept when its entry exists (by id when the file gives one, else by list and exact
    primary name, which must then be unique) and either its basis is "pinyin" and the pinyin of
    the proper-name part occurs in the entry's Latin names, or its basis is a documented
    translation or brand (the note says which).
    """
    by_id = {e.id: e for e in index}
    by_name: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for listed in index:
        by_name[(listed.list.value, listed.name)].append(listed)
    kept: list[tuple[ChinesePair, Entry]] = []
    rejected: list[str] = []
    for pair in pairs:
        if pair.entry_id:
            entry = by_id.get(pair.entry_id)
            if entry is None or entry.name != pair.entry_name:
                rejected.append(
                    f"{pair.chinese}: no entry {pair.entry_id} named {pair.entry_name!r}"
                )
                continue
        else:
            found = by_name.get((pair.list, pair.entry_name), [])
            if len(found) != 1:
                rejected.append(
                    f"{pair.chinese}: {len(found)} {pair.list} entries {pair.entry_name!r}"
                )
                continue
            entry = found[0]
        if pair.basis == "pinyin":
            syllables = proper_name_syllables(pair.chinese)
            if not syllables or not pinyin_occurs(syllables, entry.names):
                spelled = " ".join("/".join(r) for r in syllables)
                rejected.append(f"{pair.chinese}: pinyin {spelled} not in {entry.id}")
                continue
        elif pair.basis not in {"translation", "brand"} or not pair.note:
            rejected.append(f"{pair.chinese}: basis {pair.basis!r} without a documented note")
            continue
        kept.append((pair, entry))
    return kept, rejected


# --- Arabic ------------------------------------------------------------------------------------


@cache
def arabic_tokens() -> dict[str, str]:
    """Romanised Arabic name parts (all the spellings the lists use) -> Arabic script."""
    table: dict[str, str] = {}
    with (DATA_DIR / "arabic_name_tokens.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for latin in row["latin"].split("|"):
                table[latin.strip().casefold()] = row["arabic"]
    return table


def arabic(name: str) -> str | None:
    """A person's name in Arabic script, when every part of it is a known Arabic name part
    (the table in data/arabic_name_tokens.csv); ``None`` otherwise: guessing the short vowels
    of an unknown name backwards would not be credible."""
    table = arabic_tokens()
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", name.replace(",", " "))
    out: list[str] = []
    for word in words:
        key = word.casefold()
        if key in table:
            out.append(table[key])
        elif key.startswith(("al-", "el-")) and key[3:] in table:
            out.append("ال" + table[key[3:]])
        else:
            return None
    if len(out) < 2:
        return None
    if "," in name:  # "LAST, First" -> Arabic order "First ... LAST"
        head = name.split(",", 1)[0]
        n_head = len(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", head))
        out = out[n_head:] + out[:n_head]
    return " ".join(out)


# --- sampling ----------------------------------------------------------------------------------


def stratified(entries: Sequence[Entry], n: int, rng: random.Random) -> list[Entry]:
    """Up to ``n`` entries, taken round-robin over (list, type) strata in random order, so that
    each list and type is represented even when it is small."""
    strata: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for listed in entries:
        strata[(listed.list.value, listed.type.value)].append(listed)
    queues = []
    for key in sorted(strata):
        members = list(strata[key])
        rng.shuffle(members)
        queues.append(iter(members))
    chosen: list[Entry] = []
    while len(chosen) < n and queues:
        still: list[Iterator[Entry]] = []
        for queue in queues:
            member = next(queue, None)
            if member is not None and len(chosen) < n:
                chosen.append(member)
                still.append(queue)
        queues = still
    return chosen


def _source_name(entry: Entry) -> str:
    return " ".join(entry.name.split())


def _rarity(index: Sequence[Entry]) -> Callable[[str], float]:
    document_frequency: Counter[str] = Counter()
    for entry in index:
        document_frequency.update({_simple_key(t) for n in entry.names for t in n.split()})

    def rarity(token: str) -> float:
        key = _simple_key(token)
        if not key or key in GENERIC_WORDS:
            return -1.0
        return 1.0 / (1 + document_frequency[key])

    return rarity


def positives(index: Sequence[Entry], per_category: int, rng: random.Random) -> list[Query]:
    """One query per sampled (entry, variant category), for the list-derived categories."""
    rarity = _rarity(index)
    named = [e for e in index if e.type in {EntryType.INDIVIDUAL, EntryType.ENTITY}]
    named = [e for e in named if _informative(_source_name(e))]
    people = [e for e in named if e.type is EntryType.INDIVIDUAL]
    companies = [e for e in named if e.type is EntryType.ENTITY]
    russian = [e for e in named if looks_russian(e, _source_name(e))]
    generators: dict[str, tuple[Sequence[Entry], Callable[[Entry], str | None]]] = {
        "typo": (named, lambda e: typo(_source_name(e), rng)),
        "legal_form": (companies, lambda e: legal_form(_source_name(e), rng)),
        "abbreviation": (companies, lambda e: abbreviation(_source_name(e), rng)),
        "dropped_token": (named, lambda e: dropped_token(_source_name(e), rng, rarity)),
        "extra_token": (named, lambda e: extra_token(_source_name(e), e.type, rng)),
        "joined_split": (named, lambda e: joined_split(_source_name(e), rng)),
        "word_order": (named, lambda e: word_order(_source_name(e), e.type)),
        "cyrillic": (russian, lambda e: cyrillic(_source_name(e))),
        "cyrillic_romanisation": (russian, lambda e: cyrillic_romanisation(_source_name(e), rng)),
        "arabic": (people, lambda e: arabic(_source_name(e))),
    }
    queries: list[Query] = []
    for category, (pool, make) in generators.items():
        # Generate over the whole stratified order and keep the first ``per_category`` that
        # apply, so a category's sample is not thinned by names it cannot vary.
        made = 0
        for entry in stratified(pool, len(pool), rng):
            if made >= per_category:
                break
            text = make(entry)
            if text is None or not text.strip() or text == entry.name:
                continue
            queries.append(Query(text, category, script_of(text), entry.id, entry.type, entry.name))
            made += 1
    return queries


def chinese_queries(index: Sequence[Entry]) -> tuple[list[Query], list[str]]:
    kept, rejected = resolve_chinese_pairs(read_chinese_pairs(), index)
    queries = [
        Query(
            text=pair.chinese,
            category="chinese" if pair.basis == "pinyin" else "chinese_translated",
            script=script_of(pair.chinese),
            expected=entry.id,
            kind=entry.type,
            origin=entry.name,
        )
        for pair, entry in kept
    ]
    return queries, rejected


def un_fixture_queries(eval_dir: Path, index: Sequence[Entry]) -> list[Query]:
    """yente's UN Security Council persons, in their "treated" form (typos, reordering...),
    where the untreated name equals exactly one SDN name after simple normalisation."""
    folder = eval_dir / "yente" / "candidate_generation_benchmark"
    untreated_path = folder / "positives_un_untreated.csv"
    treated_path = folder / "positives_un_treated.csv"
    if not untreated_path.exists() or not treated_path.exists():
        return []
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in index:
        if entry.list is ListCode.SDN:
            for name in entry.names:
                owners[identity_text(name)].add(entry.id)
    by_id = {e.id: e for e in index}
    with untreated_path.open(encoding="utf-8") as a, treated_path.open(encoding="utf-8") as b:
        rows = zip(csv.DictReader(a), csv.DictReader(b), strict=True)
        queries = []
        for untreated, treated in rows:
            ids = owners.get(identity_text(untreated["full_name"]), set())
            if len(ids) != 1 or not treated["full_name"].strip():
                continue
            entry = by_id[next(iter(ids))]
            text = treated["full_name"]
            queries.append(
                Query(text, "un_fixture", script_of(text), entry.id, entry.type, entry.name)
            )
    return queries


# --- negatives ---------------------------------------------------------------------------------

FAKER_LOCALES = (
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "ru_RU",
    "uk_UA", "zh_CN", "zh_TW", "ja_JP", "ko_KR", "ar_AA", "fa_IR", "tr_TR", "hi_IN", "vi_VN",
    "id_ID", "th_TH", "el_GR", "he_IL", "es_MX", "cs_CZ", "sv_SE", "en_IN",
)  # fmt: skip


def faker_negatives(n: int, seed: int) -> list[Query]:
    """Synthetic counterparties, half persons and half companies, spread over many locales."""
    queries: list[Query] = []
    for i in range(n):
        locale = FAKER_LOCALES[i % len(FAKER_LOCALES)]
        fake = Faker(locale)
        fake.seed_instance(seed + i)
        if i % 2:
            text, kind = fake.company(), EntryType.ENTITY
        else:
            text, kind = fake.name(), EntryType.INDIVIDUAL
        queries.append(Query(text, f"neg:faker:{locale}", script_of(text), None, kind))
    return queries


def yente_negatives(eval_dir: Path, n: int, rng: random.Random) -> list[Query]:
    path = eval_dir / "yente" / "candidate_generation_benchmark"
    rows: list[str] = []
    for name in ("negatives_global.csv", "negatives_us.csv"):
        if (path / name).exists():
            with (path / name).open(encoding="utf-8") as handle:
                rows.extend(
                    r["full_name"] for r in csv.DictReader(handle) if r["full_name"].strip()
                )
    sample = rng.sample(rows, min(n, len(rows)))
    return [Query(t, "neg:yente", script_of(t), None, EntryType.INDIVIDUAL) for t in sample]


def unlisted_negatives() -> list[Query]:
    path = DATA_DIR / "unlisted_companies.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [Query(t, "neg:unlisted", script_of(t), None, EntryType.ENTITY) for t in names]


def simple_normal(text: str) -> str:
    """ASCII, lower case, letters and digits only, spaces too removed ("Siemens A.G." equals
    "SIEMENS AG"): the normalisation under which a negative counts as a listed name."""
    return identity_text(text).replace(" ", "")


# Listed parties that Faker's word lists produce in another script, which the ASCII comparison in
# drop_listed cannot see. Found by reading the top negative alerts, each checked against the list:
# United Aircraft Corporation is on the Entity List.
LISTED_IN_OTHER_SCRIPTS = frozenset({"Объединенная авиастроительная корпорация"})


def drop_listed(
    negatives: Sequence[Query], index: Sequence[Entry]
) -> tuple[list[Query], Counter[str]]:
    """Negatives that do not equal any listed name after simple normalisation (ASCII folding,
    case, punctuation), nor a listed party known by another script, and how many were dropped
    per source."""
    listed = {simple_normal(name) for entry in index for name in entry.names}
    listed |= {simple_normal(name) for name in LISTED_IN_OTHER_SCRIPTS}
    kept: list[Query] = []
    dropped: Counter[str] = Counter()
    for query in negatives:
        if simple_normal(query.text) in listed:
            dropped[query.category.split(":")[1]] += 1
        else:
            kept.append(query)
    return kept, dropped


# --- the whole set -----------------------------------------------------------------------------


def build(
    raw_dir: Path,
    eval_dir: Path,
    *,
    per_category: int,
    yente: int,
    faker: int,
    seed: int = SEED,
    index: list[Entry] | None = None,
) -> EvalSet:
    """The evaluation set: ``per_category`` positives for each list-derived variant category,
    every verified Chinese pair and tied UN fixture, and ``yente`` + ``faker`` + the curated
    unlisted companies as negatives."""
    rng = random.Random(seed)
    entries = index if index is not None else load_index(raw_dir)
    queries = positives(entries, per_category, rng)
    chinese, rejected = chinese_queries(entries)
    queries.extend(chinese)
    un = un_fixture_queries(eval_dir, entries)
    queries.extend(rng.sample(un, min(per_category, len(un))))
    negatives_all = [
        *yente_negatives(eval_dir, yente, rng),
        *faker_negatives(faker, seed),
        *unlisted_negatives(),
    ]
    negatives, dropped = drop_listed(negatives_all, entries)
    return EvalSet(entries, queries, negatives, dict(dropped), rejected)
