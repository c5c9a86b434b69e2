"""Sound readings: a listed party's Latin-script name written by sound in Han, Hangul, kana or
Hebrew is found (克魯森 is CREWSON), through the index and scorer as every other route, and
words that are Chinese, Korean, Japanese or Hebrew are not read so."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from exportscreen import settings
from exportscreen.matching.analyze import analyze
from exportscreen.matching.chinese import simplified
from exportscreen.matching.delta_filter import InvertedMaps, delta_names
from exportscreen.matching.signature import Signature, signature
from exportscreen.matching.sound import sound_reading, transcription_characters
from exportscreen.matching.sound_keys import (
    MIN_CLASSES,
    SHORT_CLASSES,
    latin_short_keys,
    latin_sound_keys,
    listed_keys,
    pair_similarity,
    sound_words,
)
from exportscreen.model import Entry, EntryType, ListCode, MatchKind
from exportscreen.screening.screener import Screener, candidate_bound

THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("word", "keys"),
    [
        ("crewson", ("KRSN",)),
        ("balabanov", ("PRPNP",)),
        # W and H are silent, SH a sibilant, NG one nasal.
        ("washington", ("SNTN",)),
        # A consonant written twice is one; L is R.
        ("bramlett", ("PRMRT",)),
        # TH is written with S in all four scripts (史密斯, 스미스, スミス), and is one with
        # the S after it.
        ("smithson", ("SMSN",)),
        # The r English leaves unsaid gives a second key.
        ("carson", ("KRSN", "KSN")),
        ("gardner", ("KRTNR", "KTN")),
        # Too short, one syllable (mostly acronyms: HFTC, CNOOC), or not a word in ASCII
        # letters: no key.
        ("lee", ()),
        ("hftc", ()),
        ("cnooc", ()),
        ("schmidt", ()),
        ("ab", ()),
        ("kovač", ()),
        ("14th", ()),
    ],
)
def test_latin_sound_keys(word: str, keys: tuple[str, ...]) -> None:
    assert latin_sound_keys(word) == keys


@pytest.mark.parametrize(
    ("query", "keys", "note"),
    [
        ("克魯森", ("KRSN",), "sound reading of 克魯森: ke lu sen"),  # traditional
        ("克鲁森", ("KRSN",), "sound reading of 克鲁森: ke lu sen"),  # simplified
        ("巴拉巴诺夫", ("PRPNP",), "sound reading of 巴拉巴诺夫: ba la ba nuo fu"),
        # Four characters starting with a surname (马) are not a Chinese name.
        ("马林科夫", ("MRNKP",), "sound reading of 马林科夫: ma lin ke fu"),
        ("워싱턴", ("SNTN",), "sound reading of 워싱턴: wo sing teon"),
        # 스 is the vowel Korean adds to a final consonant: a foreign name.
        ("스미스", ("SMS",), "sound reading of 스미스: seu mi seu"),
        ("로스네프트", ("RSNPT",), "sound reading of 로스네프트: ro seu ne peu teu"),
        ("ブラムレット", ("PRMRT",), "sound reading of ブラムレット: buramuretto"),
        ("קמראס", ("KMRS",), "sound reading of קמראס: kmr's"),
        # Only the words read by sound have a key.
        ("조지 워싱턴", ("", "SNTN"), "sound reading of 워싱턴: wo sing teon"),
        # Pinyin j and q (Q) and kana ch and j (J) stand for several sounds (Putin: 普京
        # "pu jing", プーチン "puchin"). A Han name with the foreign name's dot is read
        # whole, its two-character word and a surname first (谢 of 谢尔盖 Sergei) included.
        (
            "弗拉基米尔·普京",
            ("PRQMR", "PQN"),
            "sound reading of 弗拉基米尔: fu la ji mi er; 普京: pu jing",
        ),
        (
            "谢尔盖·拉夫罗夫",
            ("SRK", "RPRP"),
            "sound reading of 谢尔盖: xie er gai; 拉夫罗夫: la fu luo fu",
        ),
        ("プーチン", ("PJN",), "sound reading of プーチン: puuchin"),
        # A word-initial "ura" is W R (W: V or nothing); elsewhere u is a vowel.
        ("ウラジーミル", ("WRJMR",), "sound reading of ウラジーミル: urajiimiru"),
        ("ウルムチ", ("RMJ",), "sound reading of ウルムチ: urumuchi"),
        # A word of a two-class key (オレグ "oregu", RK) is read beside longer keys of seven
        # classes or more together, and not otherwise.
        (
            "オレグ・デリパスカ",
            ("RK", "TRPSK"),
            "sound reading of オレグ: oregu; デリパスカ: deripasuka",
        ),
        ("オレグ・プーチン", ("", "PJN"), "sound reading of プーチン: puuchin"),
        # A Hangul word of two syllables beside a foreign word (카디로프, its 프 the added ㅡ)
        # is a foreign given name, not a Korean one: read too.
        (
            "람잔 카디로프",
            ("RMSN", "KTRP"),
            "sound reading of 람잔: ram jan; 카디로프: ka di ro peu",
        ),
        ("ブルガーコフ", ("PRKKP",), "sound reading of ブルガーコフ: burugaakofu"),
        ("ウスマノフ", ("SMNP",), "sound reading of ウスマノフ: usumanofu"),
    ],
)
def test_sound_reading(query: str, keys: tuple[str, ...], note: str) -> None:
    found = sound_reading(analyze(query))
    assert found is not None
    assert found[1:] == (keys, note)


@pytest.mark.parametrize(
    "query",
    [
        # Chinese: a translated word (华为 Huawei), a legal form, characters that do not
        # transcribe foreign names, a Chinese person's name of transcription characters.
        "华为技术有限公司",
        "北京",
        "东京",  # two characters of the table, but a Chinese word (Tokyo) more often
        "马丽娜",
        "史密斯",  # 史 is also a surname: Smith written so is read as a Chinese name
        "普京",  # two characters without the foreign name's dot: Chinese (pu jing)
        "张·伟",  # one character a word
        # Korean: a person's name (solid, or apart), a word of two syllables.
        "김정은",
        "상철 주",
        "푸른",
        "람잔",  # two syllables, no other word foreign
        # Japanese in kanji or hiragana.
        "さくら",
        "東京",
        # Hebrew words common in Hebrew text (company, systems, Cohen).
        "חברה",
        "מערכות",
        "כהן",
        # Latin and Cyrillic words are spelled, not heard.
        "Crewson",
        "Пригожин",
    ],
)
def test_not_read_by_sound(query: str) -> None:
    assert sound_reading(analyze(query)) is None


def _screener(*names: str) -> Screener:
    return Screener.from_entries(
        [
            Entry(id=f"SDN-{i}", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name=name)
            for i, name in enumerate(names)
        ]
    )


# Keys of five classes or more (ALERT_CLASSES).
MATCHES = [
    ("巴拉巴诺夫", "BALABANOV"),
    ("马林科夫", "MALENKOV"),
    ("프리고진", "PRIGOZHIN"),
    ("로스네프트", "ROSNEFT"),
    ("ブラムレット", "BRAMLETT"),
    ("랄스턴", "RALSTON"),
]


@pytest.mark.parametrize(("query", "listed"), MATCHES)
def test_found_by_sound(query: str, listed: str) -> None:
    screener = _screener(listed, "Ivan Petrov", "Hikvision")
    hits = screener.screen(query, threshold=THRESHOLD)
    assert [h.entry.name for h in hits] == [listed]
    hit = hits[0]
    # Weaker evidence than a spelling: below an exact match, yet an alert.
    assert THRESHOLD <= hit.score < 0.9
    assert [t.kind for t in hit.explanation.tokens] == [MatchKind.SOUND]
    assert f"sound reading of {query}" in hit.explanation.summary


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("克魯森", "CREWSON"),
        ("קמראס", "CAMRAS"),
        ("ベアディーマン", "BEARDYMAN"),  # PTMN: BEARDYMAN without its unsaid r
        ("סנדלר", "SANDLER"),  # SNTR: one R of two, the other unsaid
    ],
)
def test_short_key_found_below_the_threshold(query: str, listed: str) -> None:
    """A key of four classes (KRSN, KMRS, PTMN) is shared by too many listed words to alert
    alone: found, ranked, below the default threshold."""
    hits = _screener(listed, "Ivan Petrov").screen(query, threshold=0.0)
    assert [(h.entry.name, h.score) for h in hits] == [(listed, 0.72)]
    assert _screener(listed).screen(query, threshold=THRESHOLD) == []


@pytest.mark.parametrize(
    ("query", "found", "alerts"),
    [
        # In Chinese with the foreign name's dot: both words read, Vladimir by a key of five
        # classes, Putin of three.
        ("弗拉基米尔·普京", True, True),
        # In katakana the V of Vladimir is a bare u (ウラ), read as V or nothing: both words
        # agree with the listed name's, together of seven classes or more.
        ("ウラジーミル・プーチン", True, True),
        # Without the dot, 普京 is a Chinese word: Vladimir alone is a given name.
        ("弗拉基米尔普京", False, False),
    ],
)
def test_a_foreign_person_written_in_han_or_kana(query: str, found: bool, alerts: bool) -> None:
    screener = _screener("PUTIN, Vladimir", "POTANIN, Vladimir", "Ivan Petrov")
    hits = screener.screen(query, threshold=0.5)
    assert not alerts or found
    if not found:
        assert all(h.score < THRESHOLD for h in hits)
        return
    assert hits and hits[0].entry.name == "PUTIN, Vladimir"
    assert (hits[0].score >= THRESHOLD) is alerts
    assert {t.kind for t in hits[0].explanation.tokens} == {MatchKind.SOUND}


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # 普京 was once read as a Chinese word, and 基 (ji) never stood for D.
        ("弗拉基米尔·普京", "PUTIN, Vladimir"),
        # Katakana's bare u for V (ウラ) once left Vladimir a class short, under the threshold.
        ("ウラジーミル・プーチン", "PUTIN, Vladimir"),
        # オレグ (RK) was too short to read: DERIPASKA, Oleg Vladimirovich was not found.
        ("オレグ・デリパスカ", "DERIPASKA, Oleg"),
        # 람잔 of two syllables was read as a Korean given name: KADYROV was not found.
        ("람잔 카디로프", "KADYROV, Ramzan"),
    ],
)
def test_real_russians_written_by_sound_alert(
    real_screener: Screener, query: str, listed: str
) -> None:
    """Listed Russians as Chinese, Japanese and Korean write them, on the real lists."""
    hits = real_screener.screen(query)
    assert hits and hits[0].entry.name.upper().startswith(listed.upper()), [
        (h.entry.name, h.score) for h in hits
    ]


def test_whole_name_by_sound_beside_spelled_words() -> None:
    """A name written apart in Hangul: each word read on its own, the Korean surname-like
    first word (조지, too short to read) left unmatched."""
    screener = _screener("George Washington", "Douglas Adams")
    hits = screener.screen("조지 워싱턴", threshold=0.0)
    assert hits and hits[0].entry.name == "George Washington"
    assert hits[0].explanation.tokens[0].kind is MatchKind.SOUND


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # A company in Chinese does not hit a Western surname by sound: its words are
        # translated or not transcription characters.
        ("华为技术有限公司", "HAWAII"),
        ("北京科技有限公司", "BAKKER"),
        ("马可波罗", "MARKOPOULOS"),  # a brand of transcription characters, key too far
        # A Korean name of common syllables is not a foreign name by sound.
        ("상철 주", "SANSRI"),
        ("김민수", "KAMINSKI"),
        # A key of three classes through an r English leaves unsaid: not an alert alone.
        ("푸른", "PLANAR"),
        # One class apart: not an alert alone.
        ("겨레센터", "KHOLTSVUD"),
        # A common English word alone is little evidence, whatever the route.
        ("워싱턴", "WASHINGTON"),
        # Shuffled names of the Wikidata set: other names, other sounds.
        ("克魯森", "BALABANOV"),
        ("ブラムレット", "CAMRAS"),
    ],
)
def test_no_alert_by_sound(query: str, listed: str) -> None:
    assert _screener(listed).screen(query, threshold=THRESHOLD) == []


@pytest.mark.parametrize(
    ("query_key", "listed", "similarity"),
    [
        ("PRPNP", "balabanov", 0.86),
        ("RSNPT", "rosneft", 0.86),
        ("KRSN", "crewson", 0.72),  # four classes: no alert alone
        ("KRSN", "carson", 0.72),
        ("SMR", "shamir", 0.72),
        ("PRN", "planar", 0.72),  # through the unsaid r
        ("KRSNT", "kholtsvud", 0.72),  # one class apart (KRSPT)
        ("TRSNT", "kholtsvud", 0.0),  # two classes apart
        ("RSNPS", "rosneft", 0.72),  # one class apart
        ("PRT", "rodsm", 0.0),  # a listed word of one syllable (an acronym) has no key
        ("KRS", "crewson", 0.0),  # too short to be one class apart
        ("KR", "carr", 0.0),
        # An ambiguous class pairs with any of its sounds: Q is S, T or K, J is S or T.
        ("PRQMR", "vladimir", 0.86),
        ("PQN", "putin", 0.72),
        ("PJN", "putin", 0.72),
        ("RJMR", "vladimir", 0.72),  # one class apart (a V unwritten)
        # W, katakana's word-initial u of "ura", is P or nothing: ウラジーミル "urajimiru".
        ("WRJMR", "vladimir", 0.86),
        ("WRJMR", "radimir", 0.72),  # RTMR: equal, but of four classes
        ("WRNPTR", "ulanbator", 0.86),  # ウランバートル, RNPTR: the u as nothing
        ("WRNPTR", "pranpeter", 0.86),  # PRNPTR: the u as V
        ("WRN", "parana", 0.72),  # PRN; its other reading, RN, too short to be a key
        ("PQN", "paman", 0.0),  # PMN: three classes, one apart
        ("PJN", "pekin", 0.0),  # J is never K
        ("RK", "oleg", 0.0),  # two classes: only beside other words read by sound
    ],
)
def test_pair_similarity(query_key: str, listed: str, similarity: float) -> None:
    assert pair_similarity(query_key, listed) == similarity


@pytest.mark.parametrize(
    ("query_key", "listed", "similarity"),
    [
        # Beside other words read by sound: a key equal to the listed word's counts more.
        ("KRSN", "crewson", 0.8),
        ("PQN", "putin", 0.8),
        ("SMR", "shamir", 0.8),
        # One class apart stays weak; five classes or more pair at SOUND_SIMILARITY anyway.
        ("RJMR", "vladimir", 0.72),
        ("KRSNT", "kholtsvud", 0.72),
        ("PRPNP", "balabanov", 0.86),
        ("TRSNT", "kholtsvud", 0.0),
        # A key of two classes pairs a short listed word of that key, spelt with every r.
        ("RK", "oleg", 0.8),
        ("KR", "igor", 0.8),
        ("KN", "haqqani", 0.0),  # a longer word: met by chance too often (גון "gvn")
        ("PK", "barco", 0.0),  # PRK with its r, PK only without
        ("RK", "orlov", 0.0),  # RPR
    ],
)
def test_pair_similarity_beside_other_words_read_by_sound(
    query_key: str, listed: str, similarity: float
) -> None:
    assert pair_similarity(query_key, listed, joint=True) == similarity


@pytest.mark.parametrize(
    ("query", "listed", "alerts"),
    [
        # Two words read by sound, keys of seven classes together, each equal to a word of one
        # listed person's name: the whole name alerts.
        ("谢尔盖·拉夫罗夫", "LAVROV, Sergey", True),  # SRK + RPRP
        ("발레리 볼로토프", "BOLOTOV, Valery", True),
        # 람잔 read beside the foreign 카디로프 (RMSN + KTRP): once not found at all.
        ("람잔 카디로프", "KADYROV, Ramzan", True),
        # オレグ of two classes beside デリパスカ of five: once not found at all.
        ("オレグ・デリパスカ", "DERIPASKA, Oleg", True),
        # Katakana's bare u for the V of Vladimir read as V: both keys equal (PRTMR, PTN).
        ("ウラジーミル・プーチン", "PUTIN, Vladimir", True),
        # Keys of six classes together (PRT, PSR) agree by chance too often: under.
        ("프레디 베셀리", "BUJAR, Farhad", False),
    ],
)
def test_two_words_read_by_sound_agreeing(query: str, listed: str, alerts: bool) -> None:
    hits = _screener(listed, "Ivan Petrov").screen(query, threshold=0.5)
    assert hits and hits[0].entry.name == listed
    assert (hits[0].score >= THRESHOLD) is alerts, hits[0].score
    assert {t.kind for t in hits[0].explanation.tokens} == {MatchKind.SOUND}


def test_index_reaches_every_word_a_sound_key_pairs(real_screener: Screener) -> None:
    """The index's bound of a name's score counts every word the scorer may pair: a query's
    sound key reaches, through the index's postings, every listed word ``pair_similarity``
    pairs it with (brute force over the whole vocabulary, for keys of listed words and keys
    one class off them)."""
    index = real_screener._match_index
    vocabulary = [w for w in index.words if w.isalpha() and w.isascii()]
    for query in _sample_query_keys(vocabulary):
        paired = {
            index.word_ids[w] for w in vocabulary if pair_similarity(query, w, joint=True) > 0.0
        }
        assert paired == set(sound_words(index.keys, index.words, query)), query
        assert paired  # the queries taken from listed keys pair some word
    assert all(
        (k.startswith(("h:", "hd:")) and len(k.split(":")[1]) >= MIN_CLASSES)
        or (k.startswith("hs:") and len(k.split(":")[1]) == SHORT_CLASSES)
        for w in vocabulary[:2000]
        for k in listed_keys(w)
    )


def _sample_query_keys(vocabulary: list[str]) -> list[str]:
    """Query sound keys to try: keys of listed words, and keys one class off them."""
    keys = sorted({k for w in vocabulary for k in latin_sound_keys(w)})
    rng = random.Random(7)
    queries = rng.sample(keys, 25)
    queries += [k[:i] + k[i + 1 :] for k in rng.sample(keys, 10) for i in (1,) if len(k) > 4]
    queries += [k[:1] + "T" + k[1:] for k in rng.sample(keys, 10)]
    # Ambiguous classes in place of what they stand for (a query key's only).
    queries += [k.replace("T", "Q", 1) for k in rng.sample([k for k in keys if "T" in k], 10)]
    queries += [k.replace("S", "J") for k in rng.sample([k for k in keys if "S" in k], 10)]
    queries += ["W" + k[1:] for k in rng.sample([k for k in keys if k[0] == "P"], 10)]
    # Keys of two classes (オレグ, RK), which pair only beside other words read by sound.
    queries += rng.sample(sorted({k for w in vocabulary for k in latin_short_keys(w)}), 10)
    return queries


def test_sound_words_rank_by_the_most_the_scorer_gives(real_screener: Screener) -> None:
    """Each listed word a sound key reaches is ranked by the most ``pair_similarity`` gives it,
    beside other words read by sound or not: equal keys before keys a class apart."""
    index = real_screener._match_index
    vocabulary = [w for w in index.words if w.isalpha() and w.isascii()]
    for query in _sample_query_keys(vocabulary):
        for word, most in sound_words(index.keys, index.words, query).items():
            listed = index.words[word]
            assert most == max(pair_similarity(query, listed, joint) for joint in (False, True))


@pytest.mark.shared
def test_real_yanukovych_in_katakana_is_found(real_screener: Screener) -> None:
    """ヴィクトル・ヤヌコーヴィチ reaches 127 names by sound; ranked as if each word reached
    matched, YANUKOVYCH, Viktor came 99th, past the 60 scored, and was not found at all."""
    hits = real_screener.screen("ヴィクトル・ヤヌコーヴィチ", threshold=0.5)
    assert hits and hits[0].entry.name.startswith("YANUKOVYCH, Viktor"), hits[:3]


def test_delta_filter_passes_counterparties_read_by_sound() -> None:
    """A re-screen after BALABANOV is listed must not drop a counterparty written 巴拉巴诺夫,
    nor one written ブラムレット after BRAMLETT: the signature keeps the sound key, and the
    filter follows the sound route as the screener does."""
    listed = [
        Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name="BALABANOV"),
        Entry(id="SDN-2", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name="BRAMLETT"),
        Entry(id="SDN-3", list=ListCode.SDN, type=EntryType.ENTITY, name="Inspur Group"),
    ]
    screener = Screener.from_entries(listed)
    names = {
        "a": "巴拉巴诺夫",
        "b": "ブラムレット",
        "c": "Balabanov",
        "d": "华为技术",
        "e": "김연아",
    }
    cutoff = settings.DEFAULT_THRESHOLD
    new = {"SDN-1", "SDN-2"}
    hit = {p for p, n in names.items() if any(h.entry.id in new for h in screener.screen(n))}
    assert hit == {"a", "b", "c"}
    found = signature("巴拉巴诺夫")
    assert [t.arabic for t in found.readings[0].tokens] == ["PRPNP"]
    assert Signature.from_json(found.to_json()) == found
    maps = InvertedMaps.build((party, name, signature(name)) for party, name in names.items())
    index = screener.index
    passing = maps.filter(index, delta_names(index, new), cutoff, candidate_bound(cutoff)).passing
    assert hit <= passing


@pytest.mark.shared
def test_transcription_characters_are_those_of_foreign_names(eval_dir: Path) -> None:
    """The hand-written list of transcription characters (``data/transcription_han.txt``, not
    yet checked against the printed Xinhua tables) against Wikidata's Chinese transliterations
    of foreign names: nearly all its characters occur there, and they make most of those
    transliterations' characters. A character list gone wrong (Chinese business characters
    such as 公 or 司 let in) fails the first figure or grows the list past it."""
    listed = transcription_characters()
    seen: Counter[str] = Counter()
    path = eval_dir / "wikidata_transliteration_merhav_ash" / "wd_chinese_20.tsv"
    with path.open(encoding="utf-8") as rows:
        for row in rows:
            seen.update(simplified(c) for c in row.split("\t")[1].split())
    assert sum(c not in seen for c in listed) <= 3
    covered = sum(n for c, n in seen.items() if c in listed) / sum(seen.values())
    assert covered >= 0.92
    assert not listed & set("公司集团有限技术")  # 科 is 莫斯科 Moscow's "ko"


@pytest.mark.parametrize(
    ("row", "accepted"),
    [
        (("pinyin", "j", "Q"), True),
        (("kana", "ch", "J"), True),
        # The ambiguous classes are a query reading's only: a listed Latin word never has them.
        (("latin", "j", "Q"), False),
        (("latin", "ch", "J"), False),
        (("pinyin", "j", "X"), False),
    ],
)
def test_sound_class_table_is_checked_at_load(
    monkeypatch: pytest.MonkeyPatch, row: tuple[str, str, str], accepted: bool
) -> None:
    from exportscreen.matching import sound_keys

    rows = [(system, "a", "V") for system in sound_keys.SYSTEMS] + [row]
    monkeypatch.setattr(sound_keys, "read_rows", lambda name: rows)
    sound_keys._systems.cache_clear()
    try:
        if accepted:
            assert sound_keys._systems()[row[0]].classes[row[1]] == row[2]
        else:
            with pytest.raises(ValueError, match="unknown class"):
                sound_keys._systems()
    finally:
        monkeypatch.undo()
        sound_keys._systems.cache_clear()
