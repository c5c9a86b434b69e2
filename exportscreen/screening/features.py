"""Screening features, one small class per check, and the ``MatcherConfig`` that collects them
with their weights: the adjustments of the name score itself (generic words only, numbers and
legal forms that differ), then the qualifiers, what a query says besides the name (entity type,
country, date of birth, identifiers) checked against the listed entry.

The features live in screening, not in matching: the qualifiers compare a query's facts with a
listed ``Entry`` (its type, countries, dates of birth, identifiers) after the name has been
scored, while ``matching`` scores names and knows nothing else about a party; and the
configuration is what a screening request chooses. The name-level checks stay in
``matching.score`` (they look at the words the alignment left over), which takes their weights
as arguments and names their penalties as the classes here do. Each feature has a stable
``name`` (used in APIs and in every ``Penalty`` it produces), a default ``weight``, the
``bounds`` a request may move that weight within, and a docstring saying what it checks and why;
the docstrings are the documentation of ``docs/matcher.md``, written by

    python -m exportscreen.screening.features --markdown > docs/matcher.md
"""

from __future__ import annotations

import abc
import argparse
import inspect
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, NamedTuple

from exportscreen import settings
from exportscreen.matching.addresses import address_similarity
from exportscreen.matching.analyze import AnalyzedName, TokenKind
from exportscreen.matching.guesses import (
    CJK_NAME_IN_PART_FEATURE,
    CONSONANT_GUESS_FEATURE,
    GUESS_CAP,
    OWN_WORDS_FEATURE,
)
from exportscreen.matching.score import (
    GENERIC_ONLY_CAP,
    GENERIC_ONLY_FEATURE,
    LEGAL_FORM_MISMATCH_FEATURE,
    LEGAL_FORM_MISMATCH_PENALTY,
    LITTLE_EVIDENCE_CAP,
    LITTLE_EVIDENCE_FEATURE,
    LONE_PERSON_NAME_CAP,
    LONE_PERSON_NAME_FEATURE,
    NUMBER_MISMATCH_FEATURE,
    NUMBER_MISMATCH_PENALTY,
    WEAK_ALIAS_CAP,
    WEAK_ALIAS_FEATURE,
)
from exportscreen.model import Entry, EntryType, MatchKind, Penalty, TokenMatch
from exportscreen.text.countries import country_code

ALGORITHM = "exportscreen-match/2"
TYPE_MISMATCH_PENALTY = 0.15
COUNTRY_MISMATCH_PENALTY = 0.1
BIRTH_YEAR_MISMATCH_PENALTY = 0.15
NATIONALITY_MISMATCH_PENALTY = 0.1
IDENTIFIER_MATCH_SCORE = 0.95
ADDRESS_MATCH_RAISE = 0.1
# Addresses this alike (``matching.addresses.address_similarity``) are one place.
SAME_ADDRESS = 0.8

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)\s*(?:to|-|–)\s*(1[89]\d\d|20\d\d)(?!\d)")


def birth_years(texts: Iterable[str]) -> set[int]:
    """Every year a date of birth as printed may mean ("1960 to 1962" is three years)."""
    years: set[int] = set()
    for text in texts:
        for start, end in _YEAR_RANGE.findall(text):
            years.update(range(int(start), int(end) + 1))
        years.update(int(y) for y in _YEAR.findall(text))
    return years


# A date of birth as a qualifier is a short text ("1961", "1961-04-12", "1960 to 1962").
MAX_DATE_OF_BIRTH = 40
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_of_birth_problem(text: str) -> str | None:
    """Why ``text`` cannot be kept as a date of birth qualifier (None: it can): it must name a
    year ``birth_years`` reads, the only part of it the BirthYearMismatch check uses, and what
    looks like a full date (YYYY-MM-DD) must be a real day. Stored parties (the register) are
    checked with this at input, so that a mistyped date does not silently qualify nothing."""
    if len(text) > MAX_DATE_OF_BIRTH:
        return f"at most {MAX_DATE_OF_BIRTH} characters"
    if not birth_years([text]):
        return f"no year from 1800 to 2099 in {text!r} (a year, a date as YYYY-MM-DD or a range)"
    for found in _ISO_DATE.findall(text):
        try:
            date.fromisoformat(found)
        except ValueError:
            return f"{found!r} is no date"
    return None


def entry_countries(entry: Entry) -> set[str]:
    """The entry's countries with those of its nationalities and citizenships, as ISO codes."""
    found = {c for c in entry.countries if c}
    for value in (*entry.nationalities, *entry.citizenships):
        if code := country_code(value):
            found.add(code)
    return found


@dataclass(frozen=True, slots=True)
class QueryFacts:
    """What a query says of the party besides its name, read once per query."""

    analysis: AnalyzedName
    type: EntryType | None = None
    country: str = ""  # ISO alpha-2; "" when not given
    date_of_birth: str = ""  # as typed; "" when not given
    nationality: str = ""  # ISO alpha-2; "" when not given
    address: str = ""  # as typed; "" when not given


@dataclass(slots=True)
class Qualified:
    """One hit's score as the features adjust it, with what each adjustment adds to the
    explanation."""

    score: float
    penalties: list[Penalty] = field(default_factory=list)
    tokens: list[TokenMatch] = field(default_factory=list)


class Feature:
    """One check of the matcher: its name, default weight, the bounds of a request's weight,
    and its docstring as its documentation."""

    name: ClassVar[str]
    weight: ClassVar[float]
    bounds: ClassVar[tuple[float, float]]
    applies_to: ClassVar[str]

    @classmethod
    def description(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


class NameFeature(Feature):
    """A check of the name comparison itself, made by ``matching.score.score_name`` after the
    alignment; ``parameter`` is the argument of ``score_name`` that takes its weight ("" when
    the weight is fixed)."""

    applies_to = "name"
    parameter: ClassVar[str]


class OnlyGenericWordsMatched(NameFeature):
    """Only generic words matched (legal forms, "trading", "international", "group"...) and the
    query is not the whole listed name: the name score is capped at this weight. Generic words
    are shared by thousands of unrelated companies, so without a distinctive word in common a
    name stays below the alert threshold. Fixed: it is a ceiling, not a penalty, and it is what
    keeps such names under the threshold the accuracy benchmark chose."""

    name = GENERIC_ONLY_FEATURE
    weight = GENERIC_ONLY_CAP
    bounds = (GENERIC_ONLY_CAP, GENERIC_ONLY_CAP)
    parameter = ""


class TooLittleEvidence(NameFeature):
    """The words that matched tell too little of a party: the name score is capped at this
    weight, below the default alert threshold, unless the query is the whole listed name (of
    more than one word, or of an organisation: a person's one-word alias such as SANTOS is
    checked too). Each matched word counts its IDF weight over the lists, the similarity of its
    pair and its rarity in the population (its frequency in English, Spanish, Portuguese,
    French, German, Italian, Dutch, Polish and Turkish text, wordfreq): "Prime" in "Prime
    Logistics" / "Prime International" is a rare word on the lists and a common one in the
    world; a number alone ("7" / "07") or a near spelling of a word people use ("Smith" /
    "SMOOTH", "Farias" / FARIS; a family name rarer in text, from Zipf 2 in the large lists
    of those languages: "Mitter" / MYTEL, "Allain" / ALAMIR; typed with letters beyond ASCII, a word
    of any language written in Latin letters as it is spelt there: "Pavlík" / PAWLIN, "Tichý"
    / TIMI, Czech) tells little, and so does a sound alike alone ("Allain" /
    ALANNA: a typo keeps most letters and is found by spelling). A near spelling alone of a
    word read from another script that changes letters beyond a romanisation variant ("Нуклин"
    / NUCLIN changes none) counts the letters the two words keep in common, in full from 8:
    two short names a letter or two apart ("Салій" / SALMI, "कदम" / KARDIAM) meet by chance. A
    word typed in Latin letters keeps its full evidence, since a typist's slip in a short brand
    ("Inspor" / INSPUR) is the listed party. An Arabic word matched by its
    consonants alone counts as the guess it is when more than 20 listed words share those
    consonants. The poorer side counts, and it must reach MIN_EVIDENCE (0.6: more than half a
    distinctive word matched exactly, so that one word as common as "Khan", "Roche" or "Vargas"
    does not alert alone). Two words in common exempt a name whose one side matched whole,
    but an initial is not a word in common ("Toyota Motor Corporation" against T-MOTOR).
    Fixed: it is a ceiling, not a penalty."""

    name = LITTLE_EVIDENCE_FEATURE
    weight = LITTLE_EVIDENCE_CAP
    bounds = (LITTLE_EVIDENCE_CAP, LITTLE_EVIDENCE_CAP)
    parameter = ""


class OneNameOfAPerson(NameFeature):
    """A single word of the listed name matched, and the query has a distinctive word of its
    own, where the listed party is a person, a vessel, or the alias is an acronym of three
    letters or fewer: "Mauro Gallardo" against the alias MAURO, "Lena Persson" against the
    vessel LENA, "Hồng Mai" against MAI (the Moscow Aviation Institute). Beside such a short
    acronym any word or legal form of the query's own counts ("Mai Lê", "Mai Công ty TNHH": the
    Vietnamese name Mai, not the institute). Two who share a given name are two parties; the
    name score is capped at this weight, below the default alert threshold. Fixed: it is a
    ceiling, not a penalty."""

    name = LONE_PERSON_NAME_FEATURE
    weight = LONE_PERSON_NAME_CAP
    bounds = (LONE_PERSON_NAME_CAP, LONE_PERSON_NAME_CAP)
    parameter = ""


class ConsonantGuess(NameFeature):
    """The one distinctive word matched is an Arabic-script word read by its consonants alone,
    and the reading is a guess: fewer than three consonants, or a listed name that keeps words
    of its own ("ايرانيت" against URANTIA SERVICES S.A., "الماني Ltd" against AMANA FUEL CO.),
    or a listed acronym, no word of English text (المفتي against MFTI: مفتي is mufti), or a
    listed word without a vowel where the Arabic writes a long one between two consonants or
    after the last ("ايرانيت", Iranit, against RENTA A.S.: none between n and t).
    Arabic script leaves short vowels out, so a skeleton of consonants is many words; a listed
    name matched whole by a word of three consonants (حماس / HAMAS), or two words read ("بانک
    تات" / TAT BANK), is a reading and is left alone; but two words read of fewer than three
    consonants each, against an organisation ("آیلین ایروانی" against ORION ELEVEN PVT. LTD.,
    "اسما نوری" against ISSAM ANWAR), are two guesses. The name score is capped at this weight,
    below the default alert threshold. Fixed: it is a ceiling, not a penalty."""

    name = CONSONANT_GUESS_FEATURE
    weight = GUESS_CAP
    bounds = (GUESS_CAP, GUESS_CAP)
    parameter = ""


class OneWordAndWordsOfTheirOwn(NameFeature):
    """One word in common, itself a guess, while the query and the listed name each keep words
    of their own: an acronym of three letters or fewer ("MBP软件科技有限公司", MBP Software
    Technology, against the alias "MBP Trading Ltd.") or a pinyin reading of Chinese characters
    that other characters share ("天益信息有限公司" against TIANYI INTERNATIONAL DALIAN). Two
    companies that share such a word are two companies; a translation the dictionaries know
    (中芯国际 / SMIC) is not a guess. The name score is capped at this weight, below the default
    alert threshold. Fixed: it is a ceiling, not a penalty."""

    name = OWN_WORDS_FEATURE
    weight = GUESS_CAP
    bounds = (GUESS_CAP, GUESS_CAP)
    parameter = ""


class CjkNameInPart(NameFeature):
    """A listed person matched by a name written in Chinese characters (or in Hangul, read as
    ``matching.cjk_names`` reads it) in part only. Such a name is a surname and a given name,
    each one whole: a syllable left over on either side is another given name ("韦娜", Wei Na,
    against WEI, Lin Na; "健 阳 张" against ZHANG, Jian), and a reading whose surname pairs with
    the listed given name is another person ("秦柳", Jin Ryu in Korean, against RYU, Jin). The
    name score is capped at this weight, below the default alert threshold. Fixed: it is a
    ceiling, not a penalty."""

    name = CJK_NAME_IN_PART_FEATURE
    weight = GUESS_CAP
    bounds = (GUESS_CAP, GUESS_CAP)
    parameter = ""


class NumberMismatch(NameFeature):
    """A number left unmatched in the query and another one in the listed name ("CETC 13" /
    "CETC 14"): sibling institutes and numbered subsidiaries are listed separately, and the
    number is what tells them apart, so the name score is lowered by this weight."""

    name = NUMBER_MISMATCH_FEATURE
    weight = NUMBER_MISMATCH_PENALTY
    bounds = (0.0, 0.5)
    parameter = "number_mismatch"


class LegalFormMismatch(NameFeature):
    """The query's legal forms and the listed name's have none in common ("GmbH" / "LLC"): a
    little evidence of another company of the same name, often a mistyped or translated form,
    so the name score is lowered only slightly."""

    name = LEGAL_FORM_MISMATCH_FEATURE
    weight = LEGAL_FORM_MISMATCH_PENALTY
    bounds = (0.0, 0.1)
    parameter = "legal_form_mismatch"


class WeakAlias(NameFeature):
    """The name matched is an alias its list marks weak or low quality (OFAC's "weak a.k.a.",
    ``isLowQuality`` in its XML and the a.k.a. names of its CSV's remarks; the UN's "Low"
    quality): the name score is capped at this weight, below the default alert threshold. The
    CSL prints OFAC's lists without the mark: its rows take it from the latest OFAC file the
    store holds for the same party and alias, and the explanation names that file. Such aliases
    are broad ("MOHAMMED, Ali", "Bashir") and OFAC does not expect them screened alone: a weak
    alias alerts only with other evidence, an address in common (which raises the score) or an
    equal identifier; the entry's other names score as usual. A request may raise the cap up to
    1 (no cap). A weak alias that the party's own strong name spells out as an acronym ("MOGE",
    "M.O.G.E.": MYANMA OIL AND GAS ENTERPRISE; four letters or more, not a common word, never a
    person's) is the party's usual short name: its cap is 0.1 higher (0.8 by default, over the
    threshold), and the explanation names the spelling name."""

    name = WEAK_ALIAS_FEATURE
    weight = WEAK_ALIAS_CAP
    bounds = (0.5, 1.0)
    parameter = "weak_alias"


class Qualifier(Feature):
    """A check of a query's facts against one listed entry, applied to the entry's best name
    score. ``identifier`` is the query's identifier equal to one of the entry's, if any."""

    applies_to = "entry"

    @abc.abstractmethod
    def apply(
        self,
        weight: float,
        facts: QueryFacts,
        entry: Entry,
        identifier: str | None,
        qualified: Qualified,
    ) -> None: ...


class PenaltyQualifier(Qualifier):
    """A qualifier that lowers the score by its weight when the query and the entry disagree;
    agreement, or a fact missing on either side, leaves the score as it is. A disagreement
    weighed at 0 is still shown in the explanation: the analyst sees what was checked."""

    @abc.abstractmethod
    def disagreement(self, facts: QueryFacts, entry: Entry) -> str | None:
        """Why the query and the entry disagree, as analysts read it; None if they do not."""

    def apply(
        self,
        weight: float,
        facts: QueryFacts,
        entry: Entry,
        identifier: str | None,
        qualified: Qualified,
    ) -> None:
        reason = self.disagreement(facts, entry)
        if reason is not None:
            qualified.penalties.append(Penalty(reason, weight, self.name))
            qualified.score -= weight


_NOT_COMPANIES = {
    EntryType.INDIVIDUAL: "a person",
    EntryType.VESSEL: "a vessel",
    EntryType.AIRCRAFT: "an aircraft",
}


class TypeMismatch(PenaltyQualifier):
    """The query names another kind of party than the listed one: a person against a company,
    a vessel against an aircraft. Without a type in the query, a legal form in the name ("Ltd",
    "GmbH", "有限公司") says it names a company, so a listed person, vessel or aircraft is a
    mismatch too ("Al Noor Trading LLC" is not the vessel once called NOOR). A listed
    address (an address-only entry) matches every type. People and companies share names
    ("Ford", "Siemens"): the type tells them apart, but a typed type can be wrong, so a mismatch
    lowers the score rather than dropping the hit."""

    name = "type_mismatch"
    weight = TYPE_MISMATCH_PENALTY
    bounds = (0.0, 0.3)

    def disagreement(self, facts: QueryFacts, entry: Entry) -> str | None:
        wanted = facts.type
        if wanted is not None:
            if entry.type in (wanted, EntryType.ADDRESS_ONLY):
                return None
            return f"type mismatch: {wanted.value} vs {entry.type.value}"
        if entry.type not in _NOT_COMPANIES:
            return None
        form = next((t for t in facts.analysis.tokens if t.kind is TokenKind.LEGAL), None)
        if form is None:
            return None
        return (
            f"type mismatch: legal form {form.surface!r} names a company, "
            f"the listed party is {_NOT_COMPANIES[entry.type]}"
        )


class CountryMismatch(PenaltyQualifier):
    """The query's country is none of the listed party's countries (those of its addresses, its
    nationalities and citizenships). An entry without a country is not a mismatch. Listed
    parties trade through other countries than their own, so a mismatch lowers the score a
    little and never clears a strong name match on its own."""

    name = "country_mismatch"
    weight = COUNTRY_MISMATCH_PENALTY
    bounds = (0.0, 0.2)

    def disagreement(self, facts: QueryFacts, entry: Entry) -> str | None:
        if not facts.country:
            return None
        listed = entry_countries(entry)
        if not listed or facts.country in listed:
            return None
        return f"country mismatch: {facts.country} vs {'/'.join(sorted(listed))}"


class NationalityMismatch(PenaltyQualifier):
    """The query's nationality is none of the listed person's nationalities and citizenships
    (or, for a party without either, none of its countries). A listed party without any is not
    a mismatch. People hold several passports and lists are incomplete, so a mismatch lowers
    the score as a country mismatch does; a customer file's nationality column is what rules
    out most common-name alerts on people born elsewhere."""

    name = "nationality_mismatch"
    weight = NATIONALITY_MISMATCH_PENALTY
    bounds = (0.0, 0.2)

    def disagreement(self, facts: QueryFacts, entry: Entry) -> str | None:
        if not facts.nationality:
            return None
        listed = {
            code
            for value in (*entry.nationalities, *entry.citizenships)
            if (code := country_code(value))
        } or {c for c in entry.countries if c}
        if not listed or facts.nationality in listed:
            return None
        return f"nationality mismatch: {facts.nationality} vs {'/'.join(sorted(listed))}"


class BirthYearMismatch(PenaltyQualifier):
    """No year the query's date of birth may mean is a year the listed person may have been
    born in. Lists print dates loosely ("circa 1960", "1960 to 1962", several dates), so only
    years are compared, a range counting every year in it, and a date without a year on either
    side is not a mismatch."""

    name = "birth_year_mismatch"
    weight = BIRTH_YEAR_MISMATCH_PENALTY
    bounds = (0.0, 0.3)

    def disagreement(self, facts: QueryFacts, entry: Entry) -> str | None:
        if not facts.date_of_birth:
            return None
        wanted = birth_years([facts.date_of_birth])
        listed = birth_years(entry.dates_of_birth)
        if not wanted or not listed or wanted & listed:
            return None
        shown = "/".join(str(y) for y in sorted(listed)[:4])
        return f"birth year mismatch: {facts.date_of_birth} vs {shown}"


def best_address(query_address: str, entry: Entry) -> tuple[float, str]:
    """The listed address most like the query's, and how alike (0 without an address)."""
    best = (0.0, "")
    for address in entry.addresses:
        listed = address.one_line()
        if listed:
            best = max(best, (address_similarity(query_address, listed), listed))
    return best


class AddressMatch(Qualifier):
    """The query's address is one of the listed party's (``matching.addresses``: words and
    numbers in common, numbers and rare words counting most, at least SAME_ADDRESS alike): the
    score is raised by this weight, up to 1. A listed party's address is evidence that a similar
    name is that party; a different address is no evidence against it (parties move, lists keep
    old addresses), so a disagreement never lowers a score. An address-only entry (the Entity
    List's "Address NN") is a hit on its address alone, scored by the similarity."""

    name = "address_match"
    weight = ADDRESS_MATCH_RAISE
    bounds = (0.0, 0.2)

    def apply(
        self,
        weight: float,
        facts: QueryFacts,
        entry: Entry,
        identifier: str | None,
        qualified: Qualified,
    ) -> None:
        if not facts.address:
            return
        similarity, listed = best_address(facts.address, entry)
        if similarity < SAME_ADDRESS:
            return
        qualified.tokens.append(
            TokenMatch(facts.address, listed, MatchKind.FUZZY, similarity, weight, "address match")
        )
        qualified.score = min(1.0, qualified.score + weight)


class IdentifierMatch(Qualifier):
    """An identifier of the query (passport, registration, IMO number) equals one of the listed
    party's, compared without spaces, punctuation or case: the score is raised to at least this
    weight, whatever the name and the other features say. An equal identifier is the strongest
    evidence there is, so it is applied last and its floor may not be set below 0.9, where it
    could fall under a deployment's alert threshold."""

    name = "identifier_match"
    weight = IDENTIFIER_MATCH_SCORE
    bounds = (0.9, 1.0)

    def apply(
        self,
        weight: float,
        facts: QueryFacts,
        entry: Entry,
        identifier: str | None,
        qualified: Qualified,
    ) -> None:
        if identifier is None:
            return
        qualified.tokens.append(
            TokenMatch(identifier, identifier, MatchKind.EXACT, 1.0, 1.0, "identifier match")
        )
        qualified.score = max(qualified.score, weight)


# In the order they are applied: the name score's own, the qualifiers' penalties, then the
# identifier's floor over them.
FEATURES: tuple[Feature, ...] = (
    OnlyGenericWordsMatched(),
    TooLittleEvidence(),
    OneNameOfAPerson(),
    ConsonantGuess(),
    OneWordAndWordsOfTheirOwn(),
    CjkNameInPart(),
    NumberMismatch(),
    LegalFormMismatch(),
    WeakAlias(),
    TypeMismatch(),
    CountryMismatch(),
    NationalityMismatch(),
    BirthYearMismatch(),
    AddressMatch(),
    IdentifierMatch(),
)


class Weighted(NamedTuple):
    feature: Feature
    weight: float


def _default_weights() -> tuple[Weighted, ...]:
    return tuple(Weighted(f, f.weight) for f in FEATURES)


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    """How the screener scores: its algorithm, the default alert threshold, and the features
    it applies after the name score with their weights. ``with_weights`` gives the
    configuration a request asks for; ``describe`` lists the features for clients."""

    algorithm: str = ALGORITHM
    threshold: float = field(default_factory=lambda: settings.DEFAULT_THRESHOLD)
    features: tuple[Weighted, ...] = field(default_factory=_default_weights)

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {self.threshold}")

    def weight(self, name: str) -> float:
        for feature, weight in self.features:
            if feature.name == name:
                return weight
        raise ValueError(f"unknown feature {name!r}; expected one of {_names(self.features)}")

    def with_weights(self, weights: Mapping[str, float]) -> MatcherConfig:
        """This configuration with some features' weights replaced. A name that is no feature,
        or a weight outside the feature's bounds, is a ValueError naming the feature: a request
        must not silently screen with another weight than it asked for."""
        known = {f.name: f for f, _ in self.features}
        for name, value in weights.items():
            feature = known.get(name)
            if feature is None:
                raise ValueError(
                    f"unknown feature {name!r}; expected one of {_names(self.features)}"
                )
            low, high = feature.bounds
            if low == high and value != low:
                raise ValueError(f"weight of {name!r} is fixed at {low}, not {value!r}")
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not low <= value <= high
            ):
                raise ValueError(
                    f"weight of {name!r} must be a number from {low} to {high}, not {value!r}"
                )
        return MatcherConfig(
            self.algorithm,
            self.threshold,
            tuple(
                Weighted(f, float(weights[f.name]) if f.name in weights else w)
                for f, w in self.features
            ),
        )

    def name_weights(self) -> dict[str, float]:
        """The weights of the name-level features, as ``score_name``'s keyword arguments."""
        return {
            f.parameter: weight
            for f, weight in self.features
            if isinstance(f, NameFeature) and f.parameter
        }

    def describe(self) -> list[dict[str, Any]]:
        """The features as JSON-ready values, in the order they are applied: name, what it
        applies to (the name comparison or the listed entry), description (the feature's
        docstring), default weight, weight in this configuration, and the bounds a request may
        set the weight within (equal bounds: fixed)."""
        return [
            {
                "name": feature.name,
                "applies_to": feature.applies_to,
                "description": feature.description(),
                "default_weight": feature.weight,
                "weight": weight,
                "bounds": [feature.bounds[0], feature.bounds[1]],
            }
            for feature, weight in self.features
        ]


def _names(features: Sequence[Weighted]) -> str:
    return ", ".join(f.name for f, _ in features)


DEFAULT_CONFIG = MatcherConfig()


def qualify(
    config: MatcherConfig,
    facts: QueryFacts,
    entry: Entry,
    identifier: str | None,
    score: float,
) -> Qualified:
    """The configured qualifiers applied in order to one entry's best name score (the name
    features are already in it)."""
    qualified = Qualified(score)
    for feature, weight in config.features:
        if isinstance(feature, Qualifier):
            feature.apply(weight, facts, entry, identifier, qualified)
    return qualified


def markdown(config: MatcherConfig = DEFAULT_CONFIG) -> str:
    """``docs/matcher.md``: the features of ``config`` as their docstrings describe them."""
    lines = [
        "# Matcher features",
        "",
        "<!-- Written by `python -m exportscreen.screening.features --markdown`"
        " from the features' docstrings; a test checks it is up to date. -->",
        "",
        f"Algorithm `{config.algorithm}`. A hit's score is its name score (token alignment, see"
        " `exportscreen/matching/score.py`) with the name features, then the entry features"
        " (qualifiers), in this order. A request may set a feature's weight within its bounds"
        " (`MatcherConfig.with_weights`); each penalty in an explanation names its feature.",
        "",
        "| feature | applies to | weight | bounds |",
        "|---|---|---|---|",
    ]
    lines.extend(
        f"| `{f.name}` | {f.applies_to} | {f.weight} | "
        + ("fixed" if f.bounds[0] == f.bounds[1] else f"{f.bounds[0]} to {f.bounds[1]}")
        + " |"
        for f, _ in config.features
    )
    for feature, _ in config.features:
        lines.extend(["", f"## `{feature.name}`", "", feature.description()])
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The screening features, documented.")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--markdown", action="store_true", help="docs/matcher.md, to stdout")
    shown.add_argument("--json", action="store_true", help="MatcherConfig.describe(), as JSON")
    args = parser.parse_args(argv)
    if args.json:
        sys.stdout.write(json.dumps(DEFAULT_CONFIG.describe(), indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
