from __future__ import annotations

from exportscreen.matching.analyze import analyze
from exportscreen.matching.equivalences import Learned, mine, reads_as_pinyin


def _mine(*entries: tuple[str, list[str]], given_names: frozenset[str] = frozenset()) -> Learned:
    return mine(
        ((entry_id, [(n, analyze(n)) for n in names]) for entry_id, names in entries), given_names
    )


def _all(learned: Learned) -> dict[str, set[str]]:
    pairs: dict[str, set[str]] = {}
    for word, others in [*learned.shared.items(), *learned.local.items()]:
        pairs.setdefault(word, set()).update(others)
    return pairs


def test_one_entry_teaches_a_swap_for_itself_only() -> None:
    learned = _mine(
        (
            "EL-1",
            [
                "Inspur (Beijing) Electronic Information Industry Co., Ltd.",
                "Langchao (Beijing) Electronic Information Industry Co., Ltd.",
            ],
        )
    )
    assert learned.shared == {}
    assert set(learned.local["inspur"]["langchao"]) == {"EL-1"}
    assert "EL-1" in learned.local["langchao"]["inspur"]["EL-1"]  # the note names the entry


def test_single_word_names_of_one_entry_are_equivalent_for_that_entry() -> None:
    assert set(_mine(("EL-2", ["Sugon", "Shuguang"])).local["sugon"]["shuguang"]) == {"EL-2"}


def test_independent_entries_and_a_pinyin_reading_make_a_pair_shared() -> None:
    learned = _mine(
        ("EL-a", ["Beifang Industries", "Northern Industries"]),
        ("EL-b", ["Beifang Optics Corporation", "Northern Optics Corporation"]),
    )
    assert "northern" in learned.shared["beifang"]
    assert "EL-a" in learned.shared["beifang"]["northern"]


def test_nonsense_pairs_stay_with_their_entry() -> None:
    learned = _mine(
        # One party listed twice (two countries) is not independent support.
        ("EL-x", ["David Lee", "Sam Lee"]),
        ("EL-y", ["David Lee", "Sam Lee"]),
        # Two real words, neither read as pinyin: no transliteration relation.
        ("SDN-1", ["Iranian Police", "Iranian Mobile"]),
        ("SDN-2", ["Police Unit Nine", "Mobile Unit Nine"]),
    )
    assert learned.shared == {}
    assert set(learned.local["david"]["sam"]) == {"EL-x", "EL-y"}


def test_given_names_never_become_shared() -> None:
    learned = _mine(
        ("EL-a", ["Anvik Hudson", "Anvik Wangwei"]),
        ("EL-b", ["Hudson Trading Partners", "Wangwei Trading Partners"]),
        given_names=frozenset({"hudson"}),
    )
    assert learned.shared == {}
    assert "wangwei" in learned.local["hudson"]


def test_generic_and_spelling_variant_swaps_are_not_learned() -> None:
    learned = _mine(
        ("EL-3", ["Acme Trading Co", "Acme Logistics Co"]),  # both words generic
        ("EL-4", ["Acme Trading Co", "Akme Trading Co"]),  # a spelling variant
        ("EL-5", ["Acme Foo Bar", "Zenith Qux Bar"]),  # two words differ
        ("EL-7", ["Samson Shipping", "Sam Shipping"]),  # a truncation
    )
    assert _all(learned) == {}


def test_enumerated_sub_units_teach_nothing() -> None:
    units = ["Tangshan", "Lunan", "Jinan", "Southeast", "Wuxi", "Xiamen"]
    names = ["Example University"] + [f"Example University, {u} Research Institute" for u in units]
    assert _all(_mine(("EL-6", names))) == {}


def test_pinyin_reading() -> None:
    assert reads_as_pinyin("langchao") and reads_as_pinyin("kaishitong")
    assert not reads_as_pinyin("inspur") and not reads_as_pinyin("northern")
