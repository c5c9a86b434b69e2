"""A name resting on one word matched by a near spelling: another name more often than a typo
when the word typed is one people use, whether the spelling is near by letters ("Bachmann" /
BAHMAN) or by a romanisation key ("Baron" / BAROON); a typo that makes a
word nobody uses, or a word read from another script, still finds the listed name (issue 16:
Faker negatives). On the real lists."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.screening.screener import Screener

pytestmark = pytest.mark.shared
THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("query", "listed", "alerts"),
    [
        # Faker negatives that alerted: a word in use, equal to a listed word by its
        # romanisation skeleton only (doubled letters, ck / q).
        ("Baron", "BAROON SHIPPING COMPANY LIMITED", False),
        # Typos make words nobody uses: still found.
        ("Hikvisoin", "HIKVISION", True),
        ("Gasprom", "GAZPROM", True),
        # Read from another script: the consonants are all there is (حماس is HAMAS).
        ("حماس", "HAMAS", True),
        ("Роснефть", "ROSNEFT", True),
        # Beside another matched word, a romanisation variant counts in full.
        ("Baroon Shiping Company", "BAROON SHIPPING COMPANY LIMITED", True),
    ],
)
def test_lone_near_pairs(real_screener: Screener, query: str, listed: str, alerts: bool) -> None:
    hits = real_screener.screen(query, threshold=0.3, limit=20)
    scores = [h.score for h in hits if listed in h.entry.names]
    assert scores, f"{query!r} should reach {listed!r} at 0.3"
    assert (max(scores) >= THRESHOLD) is alerts, [(h.matched_name, h.score) for h in hits[:3]]
