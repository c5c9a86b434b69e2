"""Delta re-screening: after a list update, screening only the counterparties the filter passes
against the added and changed entries raises exactly the alerts a full re-screen raises, and
alerts on removed entries are closed."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from exportscreen import sources
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Counterparty, Register
from exportscreen.casework.rescreen import (
    DATA_KEY,
    RescreenReport,
    SignatureCache,
    last_screening,
    load_parties,
    rescreen,
    save_signatures,
    signature_version,
)
from exportscreen.matching.delta_filter import delta_names
from exportscreen.matching.index_build import build_index
from exportscreen.matching.signature import Signature, signature
from exportscreen.model import Address, Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store, StoreError

V1_DATE = date(2026, 6, 1)
V2_DATE = date(2026, 7, 9)
THRESHOLD = 0.8
SEED = 5


def publish(store: Store, entries: Sequence[Entry], on: date, lists: Sequence[ListCode]) -> None:
    body = "".join(e.content_hash() for e in entries).encode()
    store.import_source(
        ParsedSource(
            format="test",
            paths=(Path(f"lists-{on.isoformat()}.json"),),
            sha256=hashlib.sha256(body).hexdigest(),
            as_of=on,
            entries=list(entries),
            lists=tuple(lists),
        )
    )


def current_screener(store: Store) -> Screener:
    return Screener(build_index(store.entries()), store.current_version_ids())


def pairs(register: Register, status: str | None = "open") -> set[tuple[str, str]]:
    return {(a.counterparty.external_id, a.entry_id) for a in register.alerts(status)}


def write_register(path: Path, rows: Sequence[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows(rows)
    return path


# --- signatures and the cache, on small fixtures --------------------------------------------

GAZPROMBANK = Entry(
    id="SDN-1", list=ListCode.SDN, type=EntryType.ENTITY, name="Gazprombank", countries=("RU",)
)
INSPUR = Entry(
    id="EL-inspur-software",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Inspur Software Co., Ltd.",
    aliases=("Shandong Langchao Cheeloosoft Co., Ltd",),
    countries=("CN",),
)
ZHIPU = Entry(
    id="EL-zhipu",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Beijing Zhipu Huazhang Technology Co., Ltd.",
    aliases=("Zhipu AI",),
    countries=("CN",),
)
KHOROSHEV = Entry(
    id="SDN-2",
    list=ListCode.SDN,
    type=EntryType.INDIVIDUAL,
    name="KHOROSHEV, Dmitriy Yuryevich",
    countries=("RU",),
)
STEADY = Entry(
    id="EL-steady",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Nettrix Information Industry (Beijing) Co., Ltd.",
    countries=("CN",),
)

TATNEFT = Entry(
    id="SSI-1", list=ListCode.SSI, type=EntryType.ENTITY, name="Tatneft", countries=("RU",)
)
NEW_ENTRIES = (GAZPROMBANK, INSPUR, ZHIPU, KHOROSHEV, TATNEFT)
# Each reaches a new entry by another route of the index: a typo or a part of a word the lists
# use (near words), two words joined (only route from "Tat Neft": both words are too short or
# too far from "Tatneft" to be near words), Chinese script, another romanisation, the exact name.
SMALL_REGISTER = [
    ("near", "Gazprom Bank"),
    ("joined", "Tat Neft"),
    ("typo", "Inspurr Software Company Limited"),
    ("chinese", "北京智谱华章科技有限公司"),
    ("romanised", "Dmitrii Horoshev"),
    ("exact", "Gazprombank"),
    ("steady", "Nettrix Information Industry Beijing"),
    ("negative-1", "Müller Logistik GmbH"),
    ("negative-2", "John Smith"),
    ("negative-3", "Pacific Rim Trading LLC"),
]


@pytest.fixture()
def small(tmp_path: Path) -> Iterator[tuple[Store, Register]]:
    with Store.open(f"sqlite:///{tmp_path / 'small.db'}") as store:
        publish(store, [STEADY], V1_DATE, [ListCode.EL, ListCode.SDN, ListCode.SSI])
        register = Register(store, actor="tester", threshold=THRESHOLD)
        register.import_file(write_register(tmp_path / "register.csv", SMALL_REGISTER))
        register.screen(current_screener(store))
        publish(store, [STEADY, *NEW_ENTRIES], V2_DATE, [ListCode.EL, ListCode.SDN, ListCode.SSI])
        yield store, register


def test_small_delta_hits_exactly_the_full_screen(small: tuple[Store, Register]) -> None:
    store, register = small
    screener = current_screener(store)
    delta = {e.id for e in NEW_ENTRIES}
    expected = {
        (external_id, hit.entry.id)
        for external_id, name in SMALL_REGISTER
        for hit in screener.screen(name, threshold=THRESHOLD)
        if hit.entry.id in delta
    }
    # The fixture is meant to exercise each route; check that the screener agrees it hits.
    assert {p for p, _ in expected} >= {"near", "joined", "typo", "chinese", "romanised", "exact"}

    # Added after the last screening: screened against every entry, not only the new ones.
    register.add(Counterparty("late", "Nettrix Information Industry Beijing Company Limited"))
    expected |= {
        ("late", hit.entry.id)
        for hit in screener.screen(
            "Nettrix Information Industry Beijing Company Limited", threshold=THRESHOLD
        )
    }
    assert ("late", STEADY.id) in expected

    report = rescreen(store, register, screener)

    assert report.fresh == 1
    assert {(h.external_id, h.entry_id) for h in report.hits} == expected
    assert pairs(register) >= expected
    assert report.screened < len(SMALL_REGISTER)
    assert {d.list: (len(d.added), len(d.changed), len(d.removed)) for d in report.lists} == {
        ListCode.EL: (2, 0, 0),
        ListCode.SDN: (2, 0, 0),
        ListCode.SSI: (1, 0, 0),
    }


def test_cache_stores_signatures_and_recomputes_changed_ones(
    small: tuple[Store, Register],
) -> None:
    _, register = small
    version = signature_version(Screener.algorithm)
    first = SignatureCache(version)
    stats = first.sync(register)
    assert (stats.computed, stats.written, stats.loaded) == (len(SMALL_REGISTER),) * 2 + (0,)
    assert first.sync(register).kept == len(SMALL_REGISTER)  # nothing to do when warm

    restarted = SignatureCache(version)
    stats = restarted.sync(register)
    assert (stats.loaded, stats.computed) == (len(SMALL_REGISTER), 0)

    register.add(Counterparty("typo", "Inspur Software Group"))
    stats = restarted.sync(register)
    assert (stats.kept, stats.computed, stats.written) == (len(SMALL_REGISTER) - 1, 1, 1)
    stored = {p.external_id: p for p in register.counterparties()}
    assert stored["typo"].name == "Inspur Software Group"

    # Another matcher algorithm: stored signatures are not trusted.
    other = SignatureCache(signature_version("another-matcher/2"))
    assert other.sync(register, persist=False).computed == len(SMALL_REGISTER)


def test_stored_signature_sits_beside_the_register_hash(small: tuple[Store, Register]) -> None:
    store, register = small
    SignatureCache(signature_version(Screener.algorithm)).sync(register)
    import sqlalchemy as sa

    from exportscreen.store.schema import counterparties

    with store.engine.connect() as conn:
        data = conn.execute(
            sa.select(counterparties.c.data).where(counterparties.c.external_id == "near")
        ).scalar_one()
    party = Counterparty("near", "Gazprom Bank")
    assert data["hash"] == party.state_hash()
    assert data[DATA_KEY]["hash"] == party.state_hash()
    assert Signature.from_json(data[DATA_KEY]) == signature("Gazprom Bank")


def test_never_screened_register_needs_a_date(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'fresh.db'}") as store:
        publish(store, [STEADY], V1_DATE, [ListCode.EL])
        register = Register(store, actor="tester", threshold=THRESHOLD)
        register.import_file(write_register(tmp_path / "register.csv", SMALL_REGISTER))
        assert last_screening(register) is None
        with pytest.raises(StoreError, match="never screened"):
            rescreen(store, register, current_screener(store))
        # From a date before any version: every entry is new.
        report = rescreen(store, register, current_screener(store), since=date(2020, 1, 1))
        assert [(d.list, d.from_version, len(d.added)) for d in report.lists] == [
            (ListCode.EL, None, 1)
        ]
        assert pairs(register) == {("steady", STEADY.id)}


def test_a_screener_of_old_lists_is_refused(small: tuple[Store, Register]) -> None:
    store, register = small
    old = Screener(build_index([STEADY]), {})
    with pytest.raises(ValueError, match="rebuild"):
        rescreen(store, register, old)
    stale_ids = {code: number - 1 for code, number in store.current_version_ids().items()}
    with pytest.raises(ValueError, match="other list versions"):
        rescreen(store, register, Screener(build_index(store.entries()), stale_ids))


# --- the real Entity List: version 1 and version 2 ------------------------------------------

# Chinese names of Entity List parties (the registered names; the list gives the pinyin or the
# English): the register holds them in Chinese script.
CHINESE_NAMES = {
    "Beijing Zhipu Huazhang Technology Co., Ltd.": "北京智谱华章科技有限公司",
    "Hangzhou Zhipu Huazhang Technology Co., Ltd.": "杭州智谱华章科技有限公司",
    "Beijing Zhipu Qingyan Technology Co., Ltd.": "北京智谱清言科技有限公司",
    "Inspur Software Co., Ltd.": "浪潮软件股份有限公司",
    "Harbin Institute of Technology": "哈尔滨工业大学",
    "Harbin Engineering University": "哈尔滨工程大学",
    "Yangtze Memory Technologies Co., Ltd.": "长江存储科技有限责任公司",
}
# Persian names of Entity List parties (the list gives them in Latin letters), as a register in
# Iran would hold them: reached by their consonants only.
ARABIC_SCRIPT_NAMES = {
    "Hassan Seifi": "حسن سیفی",
    "Mahmood Akbari": "محمود اکبری",
    "Kamran Daneshjou": "کامران دانشجو",
    "Iraj Najmi": "ایرج نجمی",
    "Farhad Maani": "فرهاد معانی",
    "Hamid Sepehrian": "حمید سپهریان",
    "Mehdi Teranchi": "مهدی ترانچی",
    "Behnaz Moazen": "بهناز موذن",
    "Iran Air": "ایران ایر",  # "rn" and "r": reached by skeletons of one and two consonants
}
# Entity List parties whose words are too short to be found by spelling: written as one word
# ("LuoJie", "OEMHub"), only MatchIndex.split_words leads to them.
SHORT_WORD_NAMES = ("Luo Jie", "OEM Hub Co Ltd", "Tam Wai Tak", "PT Air")
ADDED = 40
ALIAS_EDITS = 10
ADDRESS_EDITS = 5
MEU_REMOVED = 5
FAKER_NEGATIVES = 600
_LEGAL_TAIL = re.compile(r",?\s*(Co\.,?\s*Ltd\.?|Co\.? Ltd\.?|Ltd\.?|Inc\.?|LLC)\s*$", re.I)


def _typo(name: str, rng: random.Random) -> str:
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 6:
        return name
    cut = rng.randrange(2, len(word) - 2)
    words[longest] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def _legal_form(name: str) -> str:
    if _LEGAL_TAIL.search(name):
        return _LEGAL_TAIL.sub(" Company Limited", name)
    return f"{name} Limited"


def _joined(name: str) -> str:
    words = _LEGAL_TAIL.sub("", name).split()
    if len(words) < 2:
        return name
    return " ".join([words[0] + words[1], *words[2:]])


def _one_word(name: str) -> str:
    """The name without its legal form written as one word, when it has two or three words (the
    most the matcher splits an unknown word into)."""
    words = _LEGAL_TAIL.sub("", name).split()
    return "".join(words) if 2 <= len(words) <= 3 else name


def _dropped(name: str) -> str:
    words = name.split()
    return " ".join(words[:1] + words[2:]) if len(words) >= 4 else name


def variants(name: str, rng: random.Random) -> list[tuple[str, str]]:
    """(style, variant) of a listed name, as customer files write it."""
    return [
        ("exact", name.upper()),
        ("typo", _typo(name, rng)),
        ("legal", _legal_form(name)),
        ("joined", _joined(name)),
        ("dropped", _dropped(name)),
        ("one-word", _one_word(name)),
    ]


@dataclass(frozen=True)
class Scenario:
    v1: list[Entry]
    v2: list[Entry]
    added: frozenset[str]
    changed: frozenset[str]
    removed: frozenset[str]
    register_csv: Path
    styles: dict[str, str]  # external id -> how the name was written

    @property
    def delta(self) -> frozenset[str]:
        return self.added | self.changed


def _edited(entry: Entry, alias: bool) -> Entry:
    """The entry as version 1 published it."""
    if alias:
        return replace(entry, aliases=entry.aliases[:-1])
    country = entry.countries[0] if entry.countries else ""
    return replace(entry, addresses=(Address(street="No. 1 Old Road", country=country),))


@pytest.fixture(scope="module")
def scenario(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    rng = random.Random(SEED)
    el = sources.parse(raw_dir / "nsfreg_ecfr_derived" / "bis_entity_list.json.gz").entries
    meu = sources.parse(raw_dir / "nsfreg_ecfr_derived" / "bis_meu.json").entries
    by_name = {e.name: e for e in el}
    # KeyError: the list no longer has them.
    chosen = [by_name[n] for n in (*CHINESE_NAMES, *ARABIC_SCRIPT_NAMES, *SHORT_WORD_NAMES)]
    others = [e for e in el if e not in chosen and e.type is EntryType.ENTITY]
    rng.shuffle(others)
    added = chosen + others[: ADDED - len(chosen)]
    with_aliases = [e for e in others[ADDED:] if len(e.aliases) >= 2]
    alias_edits = with_aliases[:ALIAS_EDITS]
    address_edits = [e for e in others[ADDED:] if e not in alias_edits][:ADDRESS_EDITS]
    added_ids = {e.id for e in added}
    edits = {e.id: _edited(e, True) for e in alias_edits}
    edits.update({e.id: _edited(e, False) for e in address_edits})
    removed = meu[:MEU_REMOVED]
    v1 = [edits.get(e.id, e) for e in el if e.id not in added_ids] + meu
    v2 = el + meu[MEU_REMOVED:]

    rows: list[tuple[str, str]] = []
    styles: dict[str, str] = {}

    def add(style: str, name: str) -> None:
        external_id = f"P{len(rows):05d}"
        rows.append((external_id, name))
        styles[external_id] = style

    for entry in added:
        for style, name in variants(entry.name, rng):
            add(style, name)
        if entry.name in CHINESE_NAMES:
            add("chinese", CHINESE_NAMES[entry.name])
        if entry.name in ARABIC_SCRIPT_NAMES:
            add("arabic", ARABIC_SCRIPT_NAMES[entry.name])
    for entry in alias_edits:  # the alias version 2 adds, and the name itself
        add("new-alias", entry.aliases[-1])
        add("exact", entry.name)
    for entry in address_edits:
        add("exact", entry.name)
    for entry in removed:
        add("removed", entry.name)
    unchanged = [e for e in others[ADDED:] if e.id not in edits]
    for entry in unchanged[:140]:
        for style, name in variants(entry.name, rng)[:4]:
            add(f"unchanged-{style}", name)
    from faker import Faker

    fakers = [Faker(locale) for locale in ("en_US", "de_DE", "zh_CN", "ru_RU")]
    for i, faker in enumerate(fakers):
        faker.seed_instance(SEED + i)
    for i in range(FAKER_NEGATIVES):
        faker = fakers[i % len(fakers)]
        add("negative", faker.company() if i % 2 else faker.name())

    folder = tmp_path_factory.mktemp("rescreen")
    return Scenario(
        v1=v1,
        v2=v2,
        added=frozenset(added_ids),
        changed=frozenset(edits),
        removed=frozenset(e.id for e in removed),
        register_csv=write_register(folder / "register.csv", rows),
        styles=styles,
    )


def build_state(url: str, scenario: Scenario) -> tuple[Store, Register]:
    """Version 1 loaded, the register screened in full against it, then version 2 loaded."""
    store = Store.open(url)
    lists = (ListCode.EL, ListCode.MEU)
    publish(store, scenario.v1, V1_DATE, lists)
    register = Register(store, actor="tester", threshold=THRESHOLD)
    register.import_file(scenario.register_csv)
    register.screen(current_screener(store))
    publish(store, scenario.v2, V2_DATE, lists)
    return store, register


@dataclass(frozen=True)
class SqliteState:
    path: Path
    screener: Screener  # of version 2
    opened_at_v1: frozenset[tuple[str, str]]


@pytest.fixture(scope="module")
def sqlite_state(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> SqliteState:
    path = tmp_path_factory.mktemp("state") / "state.db"
    store, register = build_state(f"sqlite:///{path}", scenario)
    state = SqliteState(path, current_screener(store), frozenset(pairs(register)))
    store.close()
    return state


def copy_of(state: SqliteState, folder: Path) -> tuple[Store, Register]:
    target = folder / f"copy-{len(list(folder.iterdir()))}.db"
    shutil.copy(state.path, target)
    store = Store.open(f"sqlite:///{target}")
    return store, Register(store, actor="tester", threshold=THRESHOLD)


@dataclass(frozen=True)
class FullRescreen:
    raised: frozenset[tuple[str, str]]
    closed: frozenset[tuple[str, str]]


@pytest.fixture(scope="module")
def full_rescreen(
    scenario: Scenario, sqlite_state: SqliteState, tmp_path_factory: pytest.TempPathFactory
) -> FullRescreen:
    """What a full re-screen against version 2 raises and closes, on a copy of the state."""
    store, register = copy_of(sqlite_state, tmp_path_factory.mktemp("full"))
    with store:
        run = register.screen(sqlite_state.screener, only_entries=scenario.delta)
        closed = register.close_removed({e.id for e in scenario.v2})
        by_id = {a.id: (a.counterparty.external_id, a.entry_id) for a in register.alerts(None)}
        return FullRescreen(
            frozenset(by_id[i] for i in run.raised), frozenset(by_id[i] for i in closed)
        )


def check_rescreen(
    report: RescreenReport,
    register: Register,
    scenario: Scenario,
    full: FullRescreen,
) -> None:
    raised = {(h.external_id, h.entry_id) for h in report.hits}
    assert raised == full.raised
    assert len(report.alerts_raised) == len(full.raised)
    closed = {
        (a.counterparty.external_id, a.entry_id)
        for a in register.alerts("closed")
        if a.closed_reason == "the entry was removed from its list"
    }
    assert closed == full.closed
    assert len(report.alerts_closed) == len(full.closed)
    assert {d.list: (len(d.added), len(d.changed), len(d.removed)) for d in report.lists} == {
        ListCode.EL: (ADDED, ALIAS_EDITS + ADDRESS_EDITS, 0),
        ListCode.MEU: (0, 0, MEU_REMOVED),
    }
    last = audit.records(register.engine)[-1]
    assert last.action == "register.rescreen"
    assert last.payload["alerts_raised"] == report.alerts_raised
    assert audit.verify(register.engine).ok


@pytest.mark.shared
def test_delta_rescreen_raises_what_a_full_rescreen_raises(
    scenario: Scenario, sqlite_state: SqliteState, full_rescreen: FullRescreen, tmp_path: Path
) -> None:
    # The comparison means something only if the full re-screen raises and closes plenty, by
    # several routes of the index, and on changed entries as well as added ones.
    assert len(full_rescreen.raised) >= 36
    styles = {scenario.styles[p] for p, _ in full_rescreen.raised}
    assert {"exact", "typo", "legal", "joined", "chinese", "new-alias"} <= styles
    assert {e for _, e in full_rescreen.raised} & scenario.changed
    assert len(full_rescreen.closed) >= MEU_REMOVED
    assert {e for _, e in full_rescreen.closed} <= scenario.removed

    store, register = copy_of(sqlite_state, tmp_path)
    with store:
        report = rescreen(store, register, sqlite_state.screener)
        check_rescreen(report, register, scenario, full_rescreen)
        assert report.fresh == 0
        # A sixth of the register is written from delta names; little else is screened.
        assert report.screened <= report.counterparties // 4
        assert report.screened < report.within_reach < report.reached
        assert json.loads(json.dumps(report.to_dict()))["lists"][0]["added"] == ADDED
        text = report.lines()
        assert any(
            line.startswith("  EL (version")
            and line.endswith(f"{ADDED} added, {ALIAS_EDITS + ADDRESS_EDITS} changed, 0 removed")
            for line in text
        )
        assert sum(" score " in line for line in text) == len(report.hits)

        # Nothing changed since: the next re-screen finds no delta and raises nothing.
        again = rescreen(store, register, sqlite_state.screener)
        assert (again.screened, again.hits, again.alerts_closed) == (0, [], [])
        assert all(d.from_version == d.to_version for d in again.lists)


@pytest.mark.shared
def test_since_a_date_is_the_versions_in_force_then(
    scenario: Scenario, sqlite_state: SqliteState, full_rescreen: FullRescreen, tmp_path: Path
) -> None:
    store, register = copy_of(sqlite_state, tmp_path)
    with store:
        report = rescreen(store, register, sqlite_state.screener, since=V1_DATE)
        assert report.since == V1_DATE
        check_rescreen(report, register, scenario, full_rescreen)


@pytest.mark.shared
@pytest.mark.postgres
def test_delta_rescreen_on_postgresql(
    scenario: Scenario, sqlite_state: SqliteState, full_rescreen: FullRescreen, pg_url: str
) -> None:
    store, register = build_state(pg_url, scenario)
    with store:
        assert frozenset(pairs(register)) == sqlite_state.opened_at_v1
        screener = current_screener(store)
        report = rescreen(store, register, screener)
        check_rescreen(report, register, scenario, full_rescreen)
        restarted = SignatureCache(signature_version(screener.algorithm)).sync(register)
        assert restarted.loaded == report.counterparties


@pytest.mark.shared
@pytest.mark.parametrize("threshold", [0.6, THRESHOLD])
def test_filter_passes_every_counterparty_a_full_screen_hits(
    scenario: Scenario, sqlite_state: SqliteState, threshold: float, tmp_path: Path
) -> None:
    """Screen a sample in full: each one with a hit on a delta entry must pass the filter. A
    lower threshold than the register's makes many more hits, and a harder test. The sample
    holds delta names in Latin, Chinese and Arabic script, with typos, other legal forms, words
    dropped or joined, and the whole name written as one word."""
    screener = sqlite_state.screener
    rows = list(csv.DictReader(scenario.register_csv.open(encoding="utf-8")))
    rng = random.Random(SEED)
    sample = [r for r in rows if scenario.styles[r["id"]] != "negative"]
    sample += rng.sample([r for r in rows if scenario.styles[r["id"]] == "negative"], 200)
    cache = SignatureCache("test")
    hit: set[str] = set()
    index = screener.index
    for row in sample:
        if any(
            h.entry.id in scenario.delta for h in screener.screen(row["name"], threshold=threshold)
        ):
            hit.add(row["id"])
    assert len(hit) >= 30
    # Each script and variant style the matcher has its own route for is among the hits.
    assert {"exact", "typo", "joined", "one-word", "chinese", "arabic"} <= {
        scenario.styles[p] for p in hit
    }
    with Store.open(f"sqlite:///{tmp_path / 'sample.db'}") as store:
        register = Register(store, actor="tester", threshold=threshold)
        for row in sample:
            register.add(Counterparty(row["id"], row["name"]))
        cache.sync(register, persist=False)
    found = cache.filter(index, delta_names(index, scenario.delta), threshold)
    names = {row["id"]: row["name"] for row in sample}
    assert hit <= found.passing, [names[p] for p in sorted(hit - found.passing)]
    assert len(found.passing) < found.within_reach < found.reached


def test_a_signature_is_not_stored_over_a_newer_edit(small: tuple[Store, Register]) -> None:
    _, register = small
    read = {p.party.external_id: p for p in load_parties(register)}
    register.add(Counterparty("near", "Gazprom Neft"))  # edited after the read
    written = save_signatures(
        register,
        [
            (read["near"], signature("Gazprom Bank")),
            (read["typo"], signature(read["typo"].party.name)),
        ],
        "v",
    )
    assert written == 1
    stored = {p.party.external_id: p.data for p in load_parties(register)}
    assert DATA_KEY not in stored["near"]
    assert stored["near"]["hash"] == Counterparty("near", "Gazprom Neft").state_hash()
    assert stored["typo"][DATA_KEY]["version"] == "v"
