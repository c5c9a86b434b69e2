from __future__ import annotations

from exportscreen.matching.analyze import analyze
from exportscreen.matching.equivalences import mine


def _mine(*entries: tuple[str, list[str]]) -> dict[str, dict[str, str]]:
    return mine((entry_id, [(n, analyze(n)) for n in names]) for entry_id, names in entries)


def test_one_word_swap_between_aliases_is_learned_both_ways() -> None:
    learned = _mine(
        (
            "EL-1",
            [
                "Inspur (Beijing) Electronic Information Industry Co., Ltd.",
                "Langchao (Beijing) Electronic Information Industry Co., Ltd.",
            ],
        )
    )
    assert "langchao" in learned["inspur"]
    assert "EL-1" in learned["langchao"]["inspur"]


def test_single_word_names_of_one_entry_are_equivalent() -> None:
    assert "shuguang" in _mine(("EL-2", ["Sugon", "Shuguang"]))["sugon"]


def test_generic_and_spelling_variant_swaps_are_not_learned() -> None:
    learned = _mine(
        ("EL-3", ["Acme Trading Co", "Acme Logistics Co"]),  # both words generic
        ("EL-4", ["Acme Trading Co", "Akme Trading Co"]),  # a spelling variant
        ("EL-5", ["Acme Foo Bar", "Zenith Qux Bar"]),  # two words differ
        ("EL-7", ["Samson Shipping", "Sam Shipping"]),  # a truncation
    )
    assert learned == {}


def test_enumerated_sub_units_teach_nothing() -> None:
    units = ["Tangshan", "Lunan", "Jinan", "Southeast", "Wuxi", "Xiamen"]
    names = ["Example University"] + [f"Example University, {u} Research Institute" for u in units]
    assert _mine(("EL-6", names)) == {}
