"""Address similarity: one place written differently is alike, another place is not."""

from __future__ import annotations

import pytest

from exportscreen.matching.addresses import address_similarity, address_tokens

# Entity List "Address 09" (89 FR 68548).
LISTED = "Room 1003, 10/F, Lippo Centre Tower 1, 89 Queensway, Admiralty, Hong Kong"


@pytest.mark.parametrize(
    ("query", "same_place"),
    [
        (LISTED, True),
        ("Rm 1003 10F Lippo Centre Tower One 89 Queensway Hong Kong", True),
        ("Room 1003, Lippo Center Tower 1, 89 Queens Way, Admiralty, HK", True),
        # Another room of the same tower, another building, a street alone: not that address.
        ("Room 1205, 12/F, Lippo Centre Tower 2, 89 Queensway, Admiralty, Hong Kong", False),
        ("Unit D, 16/F One Capital Place, 18 Luard Rd, Wan Chai, Hong Kong", False),
        ("89 Queensway", False),
        ("Room 10, Nathan Road, Hong Kong", False),
    ],
)
def test_same_place_however_written(query: str, same_place: bool) -> None:
    assert (address_similarity(query, LISTED) >= 0.8) is same_place


def test_common_words_alone_are_no_place() -> None:
    assert address_similarity("Room 5, Road, Hong Kong", "Room 7, Road, Hong Kong") == 0.0


def test_numbers_are_read_through_their_spelling() -> None:
    assert address_tokens("10/F Tower One").tokens == ("10", "f", "tower", "1")
