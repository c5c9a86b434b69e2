"""The variants the accuracy benchmark asks: each generator turns a listed name into the way a
customer file might spell it (a typo, another legal form, an abbreviation, dropped, extra,
joined or reordered words, Cyrillic, Chinese or Arabic script), or returns ``None`` when the name
does not lend itself to that variant."""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from anyascii import anyascii
from pypinyin import Style, pinyin

from exportscreen.model import Entry, EntryType

DATA_DIR = Path(__file__).resolve().parent / "data"


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
