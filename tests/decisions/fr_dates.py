"""Entry dating as ``determine`` gets it from the store: from the Federal Register documents
``update`` caches (here the API fixtures of ``fixtures/sources/fr_api``)."""

from __future__ import annotations

import json
from pathlib import Path

from exportscreen.decisions.determination import EntryDating
from exportscreen.decisions.policy import EffectiveDates
from exportscreen.model import FrDocument
from exportscreen.sources import fr_api

FR_API_FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources" / "fr_api"


def fr_documents() -> list[FrDocument]:
    found: list[FrDocument] = []
    for path in sorted(FR_API_FIXTURES.glob("documents_*.json")):
        found += fr_api.parse_documents(json.loads(path.read_text()), path.name)[0]
    return found


FR_DATES = EffectiveDates(fr_documents())
FR_DATING = EntryDating(effective_dates=FR_DATES)
