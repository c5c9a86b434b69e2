"""What the destination means, whoever the parties are: the country controls of Part 746 and the
end-use questions of Part 744, from ``country_controls.yaml``, applied to one transaction.

A rule applies when it is in force on the transaction date and the destination country is one of
its destinations, or one of its regions is named by the transaction's destination region or by a
party's address (Crimea, so-called DNR / LNR). For each item it says covered, not covered or
undecided (what would decide it is not in the data: the CCL's reasons for control, an HTS code
against the supplements to Part 746, an end use not yet answered). Covered gives the rule's
outcome; only undecided items give HOLD with the question to answer; nothing covered, nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from exportscreen.decisions.country_controls import (
    COUNTRY_CONTROLS,
    ControlRule,
    CountryControls,
    ItemReach,
    Region,
)
from exportscreen.decisions.policy import MEU_SUPPLEMENT_2_ECCNS
from exportscreen.decisions.transaction import Item, PartyRole, Transaction
from exportscreen.model import Outcome
from exportscreen.text.folding import fold

_FINAL_ROLES = frozenset({PartyRole.ULTIMATE_CONSIGNEE, PartyRole.END_USER})


@dataclass(frozen=True, slots=True)
class RuleItem:
    eccn: str
    description: str
    covered: bool | None  # None: undecided
    why: str


@dataclass(frozen=True, slots=True)
class ControlGround:
    """One country control or end-use rule that reaches the transaction."""

    rule: str
    citation: str
    title: str
    outcome: Outcome  # now
    if_decided: Outcome  # once the undecided items or the question are resolved against us
    where: str  # "destination IR", "address of end_user X names 'Sevastopol'"
    licence_policy: str
    likely_denial: bool
    licence_exceptions: str
    items: tuple[RuleItem, ...]
    question: str = ""  # the question to answer when the rule waits for an end use
    question_id: str = ""
    answer: bool | None = None
    note: str = ""


def _words(text: str) -> str:
    return f" {fold(text)} "


def _region_named(region: Region, text: str) -> str | None:
    folded = _words(text)
    for keyword in region.keywords:
        if _words(keyword) in folded:
            return keyword
    return None


def _where(rule: ControlRule, tx: Transaction, controls: CountryControls) -> str | None:
    if tx.destination_country in rule.destinations:
        return f"destination {tx.destination_country}"
    for party in tx.parties:
        # Goods for an ultimate consignee or end user in a controlled country go there, whatever
        # the first destination (e.g. shipped to Dubai for a consignee in Iran).
        if party.role in _FINAL_ROLES and party.country in rule.destinations:
            return f"{party.role.value} {party.name!r} is in {party.country}"
    for region_id in rule.regions:
        region = controls.region(region_id)
        if tx.destination_region:
            keyword = _region_named(region, tx.destination_region)
            if keyword:
                return f"destination region {tx.destination_region!r} ({region.name})"
        for party in tx.parties:
            # A region is found in an address only when the address is not plainly elsewhere:
            # "Yalta" in a party address in Ukraine or with no country, not in a US town.
            if party.country not in ("", region.country, "RU"):
                continue
            keyword = _region_named(region, f"{party.address} {party.name}")
            if keyword:
                return (
                    f"address of {party.role.value} {party.name!r} names {keyword!r} "
                    f"({region.name})"
                )
    return None


def _item(rule: ControlRule, item: Item) -> RuleItem:
    def result(covered: bool | None, why: str) -> RuleItem:
        return RuleItem(item.eccn, item.description, covered, why)

    reach = rule.items
    if reach is ItemReach.ALL:
        return result(True, "all items subject to the EAR, EAR99 included")
    if reach is ItemReach.ALL_BUT_EAR99_FOOD_MEDICINE:
        if not item.is_ear99:
            return result(True, "an item on the CCL")
        if item.food_or_medicine:
            return result(False, "food or medicine designated EAR99 is excepted")
        if item.food_or_medicine is None:
            return result(
                True,
                "EAR99 is covered unless the item is food or medicine (not stated: "
                "set food_or_medicine on the item)",
            )
        return result(True, "EAR99, not food or medicine")
    if reach is ItemReach.CCL:
        if item.is_ear99:
            return result(False, "EAR99 is not on the CCL")
        return result(True, "an item on the CCL")
    if reach is ItemReach.CCL_REASON_UNDECIDED:
        if item.is_ear99:
            return result(False, "EAR99 has no reason for control on the CCL")
        return result(
            None,
            f"depends on {item.eccn}'s reasons for control on the CCL, which exportscreen does "
            "not hold: check the ECCN",
        )
    if reach is ItemReach.EAR99_PART746_SUPPLEMENTS:
        if not item.is_ear99:
            return result(False, "an item on the CCL (see the CCL rules)")
        if item.in_part746_supplements is not None:
            listed = item.in_part746_supplements
            return result(
                listed,
                f"HTS {item.hts or '(not given)'} is {'' if listed else 'not '}listed in the "
                "supplements to Part 746, as stated with the item",
            )
        code = f"HTS {item.hts}" if item.hts else "no HTS code given"
        return result(
            None,
            f"EAR99 item, {code}: whether it is listed in the supplements to Part 746 is "
            "undecided (the supplements are not held as data); check the HTS-6 code and set "
            "in_part746_supplements",
        )
    if item.is_ear99:
        return result(False, "EAR99 is not in Supplement No. 2 to Part 744")
    if item.eccn[:5] in MEU_SUPPLEMENT_2_ECCNS:
        return result(True, f"{item.eccn[:5]} is in Supplement No. 2 to Part 744")
    return result(False, f"{item.eccn} is not in Supplement No. 2 to Part 744")


def _ground(
    rule: ControlRule, tx: Transaction, where: str, controls: CountryControls
) -> ControlGround | None:
    items = tuple(_item(rule, item) for item in tx.items)
    if all(i.covered is False for i in items):
        return None
    question = controls.question(rule.when) if rule.when else None
    answer = tx.answers.get(rule.when) if rule.when else None
    if question is not None and answer is False:
        return None
    reached = any(i.covered for i in items)
    outcome = rule.result if reached else min(Outcome.HOLD, rule.result)
    if question is not None and answer is None:
        outcome = min(Outcome.HOLD, rule.result)
    return ControlGround(
        rule=rule.id,
        citation=rule.citation,
        title=rule.title,
        outcome=outcome,
        if_decided=rule.result,
        where=where,
        licence_policy=rule.licence_policy,
        likely_denial=rule.likely_denial,
        licence_exceptions=rule.licence_exceptions,
        items=items,
        question=question.ask if question is not None and answer is None else "",
        question_id=question.id if question is not None else "",
        answer=answer,
        note=rule.note,
    )


def country_controls(
    tx: Transaction, controls: CountryControls = COUNTRY_CONTROLS
) -> tuple[ControlGround, ...]:
    """Every country control and end-use rule that reaches the transaction, worst first."""
    grounds: list[ControlGround] = []
    for rule in controls.rules:
        if not rule.in_force(tx.date):
            continue
        where = _where(rule, tx, controls)
        if where is None:
            continue
        ground = _ground(rule, tx, where, controls)
        if ground is not None:
            grounds.append(ground)
    grounds.sort(key=lambda g: (-g.outcome.severity, -g.if_decided.severity))
    return tuple(grounds)


def open_questions(grounds: Sequence[ControlGround]) -> tuple[str, ...]:
    """The questions still to ask, once each."""
    return tuple(dict.fromkeys(g.question for g in grounds if g.question))
