"""Countries as the lists print them, to ISO codes; the alias file is checked when read."""

from __future__ import annotations

import pytest

from exportscreen.text.countries import COUNTRY_ALIASES, country_code, country_named, parse_aliases


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("CHINA, PEOPLE'S REPUBLIC OF", "CN"),
        ("Korea, North", "KP"),
        ("korea, south", "KR"),
        ("Burma", "MM"),
        ("Region: Crimea", "UA"),
        ("Côte d'Ivoire", "CI"),  # folded to ASCII before the alias lookup
        ("Kosovo", "XK"),
        ("XK", "XK"),
        ("IR", "IR"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("  United   Kingdom. ", "GB"),
    ],
)
def test_printed_countries_become_iso_codes(printed: str, code: str) -> None:
    assert country_code(printed) == code


@pytest.mark.parametrize("printed", ["", "Sichuan", "Hamburg", "ZZ", "Atlantis"])
def test_what_is_not_a_country_has_no_code(printed: str) -> None:
    assert country_code(printed) == ""


def test_a_country_name_counts_in_an_address_but_a_short_code_does_not() -> None:
    assert country_named("Belarus.") == "BY"
    assert country_named("BY") == ""  # could be a state or postal abbreviation


def test_every_shipped_alias_is_folded_text_naming_a_known_country() -> None:
    assert COUNTRY_ALIASES["burma"] == "MM"
    assert all(spelling == spelling.lower() for spelling in COUNTRY_ALIASES)


def test_an_alias_to_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="'atlantis' maps to 'QQ'"):
        parse_aliases('"atlantis": QQ\n')


def test_an_alias_that_is_not_folded_text_is_refused() -> None:
    with pytest.raises(ValueError, match="not lower-case folded text"):
        parse_aliases('"Burma": MM\n')


def test_an_unquoted_norway_code_read_as_a_boolean_is_refused() -> None:
    # YAML 1.1 reads a bare NO as false: the file must quote it, and an unquoted one fails.
    with pytest.raises(ValueError):
        parse_aliases("norge: NO\n")
