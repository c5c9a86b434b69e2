"""Country controls (15 CFR Part 746) and end-use questions (Part 744 catch-alls), declared as data.

The rules are read from ``decisions/data/country_controls.yaml`` when this module is imported and
checked like ``lists.yaml``: an unknown field, a bad date or country, an unknown region, question
or item scope is refused with the file, line and field. Code elsewhere looks rules up here; a
change in the law is a change in that file. ``destination.py`` applies them to a transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from exportscreen.decisions.policy import IsoDate, load_document
from exportscreen.model import Outcome
from exportscreen.text.countries import country_code

CONTROLS_FILE = "decisions/data/country_controls.yaml"


class ItemReach(enum.StrEnum):
    """Which of a transaction's items a rule reaches (see the data file's header)."""

    ALL = "all"
    ALL_BUT_EAR99_FOOD_MEDICINE = "all-but-ear99-food-medicine"
    CCL = "ccl"
    CCL_REASON_UNDECIDED = "ccl-reason-undecided"
    EAR99_PART746_SUPPLEMENTS = "ear99-part746-supplements"
    MEU_SUPPLEMENT_2 = "meu-supplement-2"


class RuleOutcome(enum.StrEnum):
    PROHIBITED = "prohibited"
    LICENSE_REQUIRED = "license-required"
    HOLD = "hold"


RULE_OUTCOMES: Mapping[RuleOutcome, Outcome] = {
    RuleOutcome.PROHIBITED: Outcome.PROHIBITED,
    RuleOutcome.LICENSE_REQUIRED: Outcome.LICENSE_REQUIRED,
    RuleOutcome.HOLD: Outcome.HOLD,
}


def _country(value: str) -> str:
    code = country_code(value)
    if not code or code != value:
        raise ValueError(f"expected an ISO 3166-1 alpha-2 code, got {value!r}")
    return code


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    id: str
    name: str
    country: str
    keywords: tuple[str, ...] = Field(min_length=1)

    @field_validator("country")
    @classmethod
    def _code(cls, value: str) -> str:
        return _country(value)


class Question(_Strict):
    id: str
    citation: str
    ask: str


class ControlRule(_Strict):
    id: str
    citation: str
    title: str
    effective_from: IsoDate
    effective_to: IsoDate | None = None
    destinations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    items: ItemReach
    when: str | None = None
    outcome: RuleOutcome
    licence_policy: str
    likely_denial: bool
    licence_exceptions: str = ""
    note: str = ""

    @field_validator("destinations")
    @classmethod
    def _destinations(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_country(v) for v in value)

    @model_validator(mode="after")
    def _where(self) -> Self:
        if not self.destinations and not self.regions:
            raise ValueError("a rule needs destinations or regions")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    @property
    def result(self) -> Outcome:
        return RULE_OUTCOMES[self.outcome]

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class CountryControls(_Strict):
    verified_on: IsoDate
    regions: tuple[Region, ...]
    questions: tuple[Question, ...]
    rules: tuple[ControlRule, ...]

    @model_validator(mode="after")
    def _references(self) -> Self:
        for kind, ids in (
            ("region", [r.id for r in self.regions]),
            ("question", [q.id for q in self.questions]),
            ("rule", [r.id for r in self.rules]),
        ):
            seen = [i for n, i in enumerate(ids) if i in ids[:n]]
            if seen:
                raise ValueError(f"the {kind} id {seen[0]!r} is declared twice")
        regions = {r.id for r in self.regions}
        questions = {q.id for q in self.questions}
        for rule in self.rules:
            unknown = [r for r in rule.regions if r not in regions]
            if unknown:
                raise ValueError(f"rule {rule.id!r} names an unknown region {unknown[0]!r}")
            if rule.when is not None and rule.when not in questions:
                raise ValueError(f"rule {rule.id!r} names an unknown question {rule.when!r}")
        return self

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)

    def region(self, region_id: str) -> Region:
        return next(r for r in self.regions if r.id == region_id)

    @classmethod
    def from_file(cls, path: str | Path) -> CountryControls:
        return load_document(path, cls)


def _load() -> CountryControls:
    path = Path(str(resources.files("exportscreen").joinpath(CONTROLS_FILE)))
    return CountryControls.from_file(path)


COUNTRY_CONTROLS: CountryControls = _load()
QUESTION_IDS: frozenset[str] = frozenset(q.id for q in COUNTRY_CONTROLS.questions)
