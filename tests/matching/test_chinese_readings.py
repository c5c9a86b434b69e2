"""Chinese names read in every way the lists write them (issue 16, "Chinese brand and translated
names"): a run is cut into the words that leave the fewest characters to pinyin, and the words
with several renderings (学院 "institute", "college", "academy") give the query other readings,
each screened (``readings.query_readings``). The Entity List's Chinese universities and
institutes, written in Chinese, reach their entries."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.chinese import (
    MAX_OTHER_READINGS,
    PieceKind,
    other_readings,
    segment,
)
from exportscreen.matching.chinese_terms import renderings
from exportscreen.matching.delta_filter import InvertedMaps, delta_names
from exportscreen.matching.readings import query_readings
from exportscreen.matching.signature import signature
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener, candidate_bound

THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("run", "pieces"),
    [
        # A greedy longest-first cut took 科技 after 中 and left 中 and 术 to pinyin.
        (
            "龙芯中科技术股份有限公司",
            [
                ("龙芯", "loongson"),
                ("中科", "zhongke"),
                ("技术", "technology"),
                ("股份有限公司", "ltd"),
            ],
        ),
        # A direction is its pinyin in the first reading, as in a company's name ("Xibei").
        ("西北工业大学", [("西北", "xibei"), ("工业大学", "institute of technology")]),
        # Pinyin runs stay whole: 东方 is a word, but cutting it out leaves as many characters.
        ("东方希望", [("东方希望", "dongfangxiwang")]),
        ("第十三研究所", [("第十三", "13"), ("研究所", "research institute")]),
    ],
)
def test_segment_leaves_the_fewest_characters_to_pinyin(
    run: str, pieces: list[tuple[str, str]]
) -> None:
    assert [(p.original, p.value) for p in segment(run)] == pieces


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        (
            "哈尔滨工业大学",
            ("harbin polytechnical university", "harbin university of technology"),
        ),
        (
            "西北工业大学",
            (
                "northwestern polytechnical university",
                "northwest university of technology",
                # Each word's renderings alone: 工业大学 with 西北 as first (its pinyin), then
                # 西北 as a direction with 工业大学 as first.
                "xibei polytechnical university",
                "xibei university of technology",
                "northwestern institute of technology",
                "northwest institute of technology",
            ),
        ),
        ("新疆警察学院", ("xinjiang police college", "xinjiang police academy")),
        # Traditional characters read as simplified ones.
        ("新疆警察學院", ("xinjiang police college", "xinjiang police academy")),
        # One word with renderings of its own among others: read alone, the others as first.
        (
            "南方科技大学",
            (
                "southern university of science and technology",
                "south university of science and technology",
                "nanfang university of science and technology",
                "southern university of technology",
                "south university of technology",
            ),
        ),
        # Other text kept as it is.
        ("研发(上海)公司 Co", ("research and development ( shanghai ) corporation Co",)),
        # No Han characters, or no word with another rendering: no other reading.
        ("Harbin Institute of Technology", ()),
        ("北京智谱华章", ()),
    ],
)
def test_other_readings(name: str, readings: tuple[str, ...]) -> None:
    assert tuple(shown for _, shown in other_readings(name)) == readings


def test_pinyin_and_legal_forms_are_written_in_characters() -> None:
    """A reading is analysed from its written form: pinyin words and legal forms stay in
    characters, so that they are compared as Chinese ("jiufang" is not a Latin word one or
    two letters from YIGUANG), translated words and ordinals in English and digits."""
    assert other_readings("九方学院有限公司") == (
        ("九方 college 有限公司", "jiufang college ltd"),
        ("九方 academy 有限公司", "jiufang academy ltd"),
    )
    assert other_readings("第十三研究院")[0][0] == "13 academy"


def test_renderings_are_checked() -> None:
    assert renderings("institute|college") == ("institute", "college")
    with pytest.raises(ValueError, match=r"chinese_terms\.tsv"):
        renderings("institute||college")


def test_query_readings_name_the_chinese_reading() -> None:
    readings = {r.note: r for r in query_readings("新疆东方希望学院")}
    college = readings["Chinese words read as: xinjiang dongfangxiwang college"]
    assert [t.key for t in college.analysis.tokens] == ["xinjiang", "dongfangxiwang", "college"]
    assert not [r for r in query_readings("Xinjiang Police College") if "Chinese" in r.note]


def test_own_pinyin_is_pinyin_in_the_first_reading() -> None:
    assert [p.kind for p in segment("西北")] == [PieceKind.PINYIN]
    assert [p.kind for p in segment("西北", (1, ()))] == [PieceKind.TRANSLATED]


def test_other_readings_are_bounded() -> None:
    """Each reading costs a screening: a name of many words with renderings gets at most
    MAX_OTHER_READINGS, the parallel ones first."""
    found = other_readings("西北东北南方科技学院公司")
    assert len(found) == MAX_OTHER_READINGS
    assert [shown for _, shown in found[:2]] == [
        "northwestern northeastern southern technology college corporation",
        "northwest northeast south technology academy corporation",
    ]


# The Entity List's Chinese universities and institutes, written in Chinese (simplified or
# traditional), and the entry each must reach at the default threshold. Before these readings
# each scored under 0.77 (most under 0.5, several not at all).
@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("哈尔滨工业大学", "Harbin Institute of Technology"),
        ("哈爾濱工業大學", "Harbin Institute of Technology"),
        ("西北工业大学", "Northwestern Polytechnical University"),
        ("北京理工大学", "Beijing Institute of Technology"),
        ("南京理工大学", "Nanjing University of Science and Technology"),
        ("南京航空航天大学", "Nanjing University of Aeronautics and Astronautics"),
        ("新疆警察学院", "Xinjiang Police College"),
        ("广东工业大学", "Guangdong University of Technology"),
        ("南方科技大学", "Southern University of Science and Technology"),
        ("洛阳理工学院", "Luoyang Institute of Technology"),
        ("北京邮电大学", "Beijing University of Posts and Telecommunications (BUPT)"),
        ("北京量子信息科学研究院", "Beijing Academy of Quantum Information Sciences"),
        ("中国运载火箭技术研究院", "CHINA ACADEMY OF LAUNCH VEHICLE TECHNOLOGY"),
        ("军事医学科学院", "Academy of Military Medical Sciences"),
        ("空军工程大学", "Air Force Engineering University"),
        ("中山大学", "Sun Yat-Sen University"),
        # Joining words weigh next to nothing: 0.76 when "of, and, of" weighed like its words.
        ("中国科学技术大学", "University of Science and Technology of China"),
        # Its own name spells BUAA out beside it: 0.77 when BUAA (bu-a-a) read as pinyin.
        ("北京航空航天大学", "Beijing University of Aeronautics and Astronautics (BUAA)"),
        ("中国电子科技集团公司第十三研究所", "CETC Research Institute 13"),
        ("龙芯中科技术股份有限公司", "Loongson Zhongke Technology Co., Ltd"),
        # Names the curated table gives (chinese_names.tsv): the universities' usual short names,
        # and Chinese names whose English adds a word ("of China").
        ("哈工大", "Harbin Institute of Technology"),
        ("西工大", "Northwestern Polytechnical University"),
        ("北航", "Beihang University"),
        ("北理工", "Beijing Institute of Technology"),
        ("国防科大", "National University of Defense Technology (NUDT)"),
        ("电子科技大学", "University of Electronic Science and Technology of China"),
        ("中国科大", "University of Science and Technology of China"),
        ("中国电子科学研究院", "China Academy of Electronics and Information Technology"),
    ],
)
def test_listed_chinese_institutes_are_found(
    real_screener: Screener, query: str, listed: str
) -> None:
    hits = real_screener.screen(query, limit=10)
    names = [(h.matched_name, h.score) for h in hits]
    assert any(
        listed.casefold() in (n.casefold() for n in (h.entry.name, *h.entry.aliases)) for h in hits
    ), names


@pytest.mark.shared
@pytest.mark.parametrize(
    "query",
    [
        # Another university of the same kind in another city, and a company whose name holds a
        # direction: the other readings do not make them listed.
        "合肥工业大学",
        "东方航空物流有限公司",
        "西北电力设计院",
        # Faker's Chinese companies that the readings once took for listed ones by a pinyin
        # word compared as if typed ("jiufang" / YIGUANG).
        "九方科技有限公司",
        "聯發科技股份有限公司",
    ],
)
def test_other_institutes_are_not_taken_for_listed_ones(
    real_screener: Screener, query: str
) -> None:
    hits = real_screener.screen(query, limit=10)
    assert not hits, [(h.matched_name, h.score, h.explanation.summary) for h in hits]


def test_delta_filter_passes_counterparties_by_their_other_readings() -> None:
    """A re-screen after Harbin Institute of Technology is listed must not drop a counterparty
    written 哈尔滨工业大学, which reaches it only by another reading of 工业大学: the signature
    keeps the query's readings (``readings.query_readings``) and the filter walks them."""
    listed = [
        Entry(
            id="EL-1",
            list=ListCode.EL,
            type=EntryType.ENTITY,
            name="Harbin Institute of Technology",
        ),
        Entry(id="EL-2", list=ListCode.EL, type=EntryType.ENTITY, name="Xinjiang Police College"),
        Entry(id="EL-3", list=ListCode.EL, type=EntryType.ENTITY, name="Inspur Group"),
    ]
    screener = Screener.from_entries(listed)
    names = {"a": "哈尔滨工业大学", "b": "新疆警察學院", "c": "浪潮集团", "d": "哈尔滨商业大学"}
    new = {"EL-1", "EL-2"}
    hit = {p for p, n in names.items() if any(h.entry.id in new for h in screener.screen(n))}
    assert hit == {"a", "b"}
    cutoff = settings.DEFAULT_THRESHOLD
    maps = InvertedMaps.build((party, name, signature(name)) for party, name in names.items())
    index = screener.index
    passing = maps.filter(index, delta_names(index, new), cutoff, candidate_bound(cutoff)).passing
    assert hit <= passing
