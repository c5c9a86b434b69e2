"""Countries as ISO 3166-1 alpha-2 codes, from the names and codes the lists print.

pycountry knows the ISO names and codes; ``data/country_aliases.yaml`` adds the spellings the lists
use that ISO does not ("Korea, North", "Burma", "Region: Crimea"...). The alias file is checked
when this module is imported: every key must be folded text and every code a country pycountry
knows (or Kosovo's user-assigned XK), so a typo fails loudly instead of clearing a country.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

import pycountry
import yaml
from pydantic import StrictStr, TypeAdapter

from exportscreen.text.folding import fold

# Codes the lists use that are not (or no longer) ISO 3166-1 assignments pycountry lists as current.
USER_ASSIGNED_CODES = frozenset({"XK"})  # Kosovo, by every US list
ALIASES_FILE = "country_aliases.yaml"


def _known_code(code: str) -> bool:
    if code in USER_ASSIGNED_CODES:
        return True
    if pycountry.countries.get(alpha_2=code) is not None:
        return True
    return pycountry.historic_countries.get(alpha_2=code) is not None


def parse_aliases(text: str) -> Mapping[str, str]:
    """The alias table from the YAML text of an alias file; a ValueError names a bad row."""
    table = TypeAdapter(dict[StrictStr, StrictStr]).validate_python(yaml.safe_load(text))
    for spelling, code in table.items():
        if spelling != " ".join(spelling.lower().split()) or not spelling.isascii():
            raise ValueError(f"{ALIASES_FILE}: {spelling!r} is not lower-case folded text")
        if not _known_code(code):
            raise ValueError(f"{ALIASES_FILE}: {spelling!r} maps to {code!r}, not a country code")
    return table


def _load_aliases() -> Mapping[str, str]:
    data = resources.files("exportscreen.text").joinpath("data", ALIASES_FILE)
    return parse_aliases(data.read_text(encoding="utf-8"))


COUNTRY_ALIASES: Mapping[str, str] = _load_aliases()


# Every ISO 3166-1 alpha-2 code ``country_code`` takes as such (Kosovo's user-assigned XK too).
ISO_ALPHA_2: tuple[str, ...] = tuple(sorted({str(c.alpha_2) for c in pycountry.countries} | {"XK"}))


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 for a country as lists print it ("CHINA, PEOPLE'S REPUBLIC OF",
    "Iran", "IR", "Korea, North"), or "" when it is not a country we can name."""
    text = " ".join(value.strip().strip(".").split())
    if not text:
        return ""
    # The lookup key keeps punctuation ("korea, north", "u.s."): only case and script are folded.
    lowered = fold(text, keep_punctuation=True)
    if lowered in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[lowered]
    if len(text) == 2 and text.isalpha():
        found = pycountry.countries.get(alpha_2=text.upper())
        return found.alpha_2 if found else ("XK" if text.upper() == "XK" else "")
    if len(text) == 3 and text.isalpha() and text.isupper():
        found = pycountry.countries.get(alpha_3=text.upper())
        if found:
            return str(found.alpha_2)
    # Exact names only: pycountry's fuzzy search also matches provinces and cities ("Sichuan",
    # "Hamburg"), which would put addresses in the wrong country.
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return ""


@lru_cache(maxsize=8192)
def country_named(text: str) -> str:
    """ISO code for text that is a country's name, and only a country's name: the last part of
    an address may be one. Codes ("DE", "USA") are too short to tell from a state or a postal
    abbreviation there, so only names of four letters or more count."""
    cleaned = " ".join(text.strip().strip(".").split())
    return country_code(cleaned) if len(cleaned) >= 4 else ""
