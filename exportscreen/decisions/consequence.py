"""What a confirmed match on one list entry means for one party and the transaction's items.

The list's meaning comes from ``lists.yaml`` (through ``policy.LIST_POLICIES``); the entry's own
licence requirement decides which items it reaches. Where the entry's scope depends on something
the data cannot tell (an EAR99 item "listed in supplement no. 7 to part 746" without an HTS check;
"when used in projects specified in § 746.8(a)(4)" without the end use; a carve-out "unless for
Russian government end users" without knowing the end user), the item is undecided and the
consequence is HOLD with the question to answer, never a clear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from exportscreen.decisions.country_controls import COUNTRY_CONTROLS
from exportscreen.decisions.policy import (
    EAR_SDN_PROGRAM_SECTIONS,
    FOOTNOTES,
    LIST_POLICIES,
    MEU_ANY_ITEM_COUNTRIES,
    MEU_SUPPLEMENT_2_ECCNS,
    REVIEW_MEANINGS,
    Footnote,
    ItemScope,
    ListPolicy,
)
from exportscreen.decisions.transaction import Item, PartyRole, Transaction, normalize_eccn
from exportscreen.model import (
    Entry,
    LicenceRequirement,
    LicenceScope,
    ListCode,
    Outcome,
    ReviewPolicy,
)

FORWARDER_NOTE = (
    "A freight forwarder is screened, but is not a party under 15 CFR 748.5(c)-(f) (purchaser, "
    "intermediate consignee, ultimate consignee, end user): Entity List, MEU and Unverified List "
    "requirements do not attach to it, though a listed forwarder is a red flag to resolve. "
    "Denial orders and OFAC blocking still reach it."
)

_EAR99_CARVE_OUT = re.compile(r"\bexcept\b.*\bear ?99\b", re.IGNORECASE)
_OIL_GAS_PROJECTS = re.compile(r"\bwhen used in projects specified in §+ ?746\.8\(a\)\(4\)", re.I)
_SUPPLEMENT_EAR99 = re.compile(r"\blisted in supplement no\. ?\d+ to part 746\b", re.IGNORECASE)
_GOVERNMENT_END_USERS = re.compile(
    r"\bunless for (?:russian|belarusian) .{0,3}government end", re.I
)
# "Policy of denial ... apart from food and medicine (case-by-case)": the leading policy is denial
# and the exceptions are carve-outs, so a licence is still likely to be denied.
_DENIAL_FIRST = re.compile(r"^\W*(?:a\s+)?(?:presumption|policy) of denial\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ItemCoverage:
    eccn: str
    description: str
    # True: the entry's requirement reaches the item; False: it does not; None without a question:
    # needs an analyst's reading, counted as covered; None with a question: undecided (HOLD).
    covered: bool | None
    why: str
    question: str = ""


@dataclass(frozen=True, slots=True)
class Consequence:
    """What a confirmed match on one entry means for one party and the transaction's items."""

    outcome: Outcome
    requirement: str  # the entry's licence requirement text, or the list's effect
    items: tuple[ItemCoverage, ...]
    review_policy: ReviewPolicy
    review_text: str
    review_meaning: str
    likely_denial: bool
    licence_exceptions: str
    notes: tuple[str, ...]
    regulation: str = ""  # the CFR citation of the list's legal effect
    # What it gives once what is undecided (items, the order's terms) is resolved against the
    # transaction; the same as ``outcome`` when nothing is undecided.
    worst: Outcome = Outcome.NO_LIST_RESTRICTION


def eccn_covers(listed: str, item: str) -> bool:
    """Whether an ECCN printed in an entry reaches an item's ECCN: the same, or one within the
    other ("3A001" reaches "3A001.a.1"; an item given only as "1A004" may be "1A004.c")."""
    a, b = normalize_eccn(listed), normalize_eccn(item)
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


def _asked(question_id: str) -> str:
    return COUNTRY_CONTROLS.question(question_id).ask


def _entry_scope(licence: LicenceRequirement, item: Item, tx: Transaction) -> ItemCoverage:
    def result(covered: bool | None, why: str, question: str = "") -> ItemCoverage:
        return ItemCoverage(item.eccn, item.description, covered, why, question)

    if _OIL_GAS_PROJECTS.search(licence.raw):
        answer = tx.answers.get("russia_oil_gas_project")
        if answer is None:
            return result(
                None,
                "the entry covers items only when used in projects specified in 746.8(a)(4): "
                "undecided until the end use is answered",
                _asked("russia_oil_gas_project"),
            )
        if not answer:
            return result(False, "not for projects specified in 746.8(a)(4), as answered")
        return result(True, "for projects specified in 746.8(a)(4), as answered")
    if licence.scope is LicenceScope.ALL_ITEMS:
        carved = [x for x in licence.eccns if eccn_covers(x, item.eccn)]
        if carved:
            if _GOVERNMENT_END_USERS.search(licence.raw):
                answer = tx.answers.get("government_end_user")
                if answer is None:
                    return result(
                        None,
                        f"carved out ({', '.join(carved)}) unless for government end users or "
                        "state-owned enterprises: undecided until the end user is known",
                        _asked("government_end_user"),
                    )
                if answer:
                    return result(True, "for a government end user, as answered: not carved out")
            return result(False, f"carved out of the entry's requirement ({', '.join(carved)})")
        if item.is_ear99 and _EAR99_CARVE_OUT.search(licence.raw):
            if item.food_or_medicine is False:
                return result(True, "EAR99, not food or medicine: not carved out")
            if item.food_or_medicine:
                return result(False, "food or medicine designated EAR99 is carved out")
            return result(
                None,
                "the entry carves some EAR99 items out (e.g. food or medicine): check whether "
                "this item is one; counted as covered until then",
            )
        return result(True, "all items subject to the EAR, which includes EAR99")
    if licence.scope is LicenceScope.LISTED_ECCNS:
        if licence.eccns:
            listed = [x for x in licence.eccns if eccn_covers(x, item.eccn)]
            if listed:
                return result(True, f"listed in the entry ({', '.join(listed)})")
            return result(False, f"not among the entry's ECCNs ({', '.join(licence.eccns)})")
        if item.is_ear99:
            if _SUPPLEMENT_EAR99.search(licence.raw):
                if item.in_part746_supplements is not None:
                    listed_too = item.in_part746_supplements
                    return result(
                        listed_too,
                        f"EAR99 item {'' if listed_too else 'not '}listed in the supplement to "
                        "Part 746 the entry names, as stated with the item",
                    )
                code = f"HTS {item.hts}" if item.hts else "no HTS code given"
                return result(
                    None,
                    "the entry covers EAR99 items listed by HTS code in a supplement to Part 746; "
                    f"{code}: undecided until the HTS code is checked against it",
                    "Is the item's HTS-6 code listed in the supplement to Part 746 the entry "
                    "names? (set in_part746_supplements on the item)",
                )
            return result(False, "the entry covers items on the Commerce Control List, not EAR99")
        return result(True, "the entry covers items on the Commerce Control List")
    printed = licence.raw or "no licence requirement in the list data"
    return result(
        None, f"the scope ({printed}) needs an analyst's reading; counted as covered until then"
    )


def _meu_scope(entry: Entry, item: Item, destination: str) -> ItemCoverage:
    def result(covered: bool, why: str) -> ItemCoverage:
        return ItemCoverage(item.eccn, item.description, covered, why)

    if MEU_ANY_ITEM_COUNTRIES.intersection((*entry.countries, destination)):
        return result(True, "any item subject to the EAR for Russia and Belarus (744.21(a)(2))")
    if item.is_ear99:
        return result(False, "EAR99 is not in Supplement No. 2 to Part 744")
    if item.eccn[:5] in MEU_SUPPLEMENT_2_ECCNS:
        return result(True, f"{item.eccn[:5]} is in Supplement No. 2 to Part 744")
    return result(False, f"{item.eccn} is not in Supplement No. 2 to Part 744")


_STANDARD = frozenset({"y", "yes", "true", "standard"})
_NON_STANDARD = frozenset({"n", "no", "false", "non-standard", "nonstandard", "non standard"})


def denial_order_is_standard(entry: Entry) -> bool | None:
    """Whether a Denied Persons entry is a standard denial order: ``details["standard_order"]``
    (the CSL's Y / N), else the type of denial the eCFR-derived file prints ("Non-Standard;
    Expires: 2029-01-26"). None when the data does not say."""
    flag = entry.details.get("standard_order", "").strip().lower()
    if not flag:
        flag = entry.details.get("type_of_denial", "").split(";")[0].strip().lower()
    if flag in _STANDARD:
        return True
    if flag in _NON_STANDARD:
        return False
    return None


def _items_outcome(listed: Outcome, coverage: Sequence[ItemCoverage]) -> tuple[Outcome, str]:
    """The outcome once the items are considered, and a note when they lower it."""
    if not coverage:
        return listed, ""
    if any(c.covered or (c.covered is None and not c.question) for c in coverage):
        return listed, ""
    if any(c.question for c in coverage):
        return min(Outcome.HOLD, listed), (
            "Whether the entry's licence requirement reaches the items is undecided: answer the "
            "question before proceeding."
        )
    return Outcome.NO_LIST_RESTRICTION, (
        "The entry's licence requirement covers none of the transaction's items."
    )


def likely_denial(policy: ReviewPolicy, text: str) -> bool:
    """Whether the review policy means a licence is likely to be denied. A mixed policy that
    leads with denial and carves exceptions out of it (food and medicine case-by-case) is still
    a likely denial."""
    if policy is ReviewPolicy.MIXED and _DENIAL_FIRST.search(text):
        return True
    return REVIEW_MEANINGS[policy].likely_denial


def _review(entry: Entry, policy: ListPolicy) -> ReviewPolicy:
    """The entry's review policy, or the list's default when the entry states none."""
    review = entry.review.policy
    if review in (ReviewPolicy.NONE, ReviewPolicy.NOT_STATED) and (
        policy.default_review is not ReviewPolicy.NONE
    ):
        return policy.default_review
    return review


NON_STANDARD_ORDER_NOTE = (
    "A non-standard denial order: its terms are set in the order (Federal Register "
    "citation above); read them before proceeding (15 CFR 764.3(a)(2), Supp. No. 1 to "
    "Part 764 for the standard terms)."
)
UVL_STATEMENT_NOTE = (
    "Before a shipment that needs no licence, obtain a UVL statement signed by the "
    "listed party (15 CFR 744.15(b)) and keep it (15 CFR 762.2(b)(52))."
)


def _non_standard_order(entry: Entry) -> bool:
    # A non-standard order sets its own terms (what, for how long, which dealings): until
    # someone has read them, HOLD; they may prohibit this transaction.
    return entry.list is ListCode.DPL and denial_order_is_standard(entry) is False


def _ear_sdn_sections(entry: Entry) -> tuple[str, str]:
    """For an SDN entry of a program the EAR add a licence requirement to: the note saying so
    and the sections, for the regulation citation; ("", "") otherwise."""
    sections = {p: s for p, s in EAR_SDN_PROGRAM_SECTIONS.items() if p in entry.programs}
    if entry.list is not ListCode.SDN or not sections:
        return "", ""
    cited = ", ".join(f"[{p}] 15 CFR {s}" for p, s in sorted(sections.items()))
    note = (
        "The EAR also require a licence for all items subject to the EAR for this SDN "
        f"entry: {cited}."
    )
    return note, "; EAR: 15 CFR " + ", ".join(sorted(set(sections.values())))


def consequence(entry: Entry, role: PartyRole, tx: Transaction) -> Consequence:
    """What a confirmed match on ``entry`` means for a party in ``role`` in ``tx``."""
    policy = LIST_POLICIES[entry.list]
    review = _review(entry, policy)
    meaning = REVIEW_MEANINGS[review]
    notes: list[str] = []
    coverage: tuple[ItemCoverage, ...] = ()
    if policy.items is ItemScope.ENTRY_SCOPE:
        coverage = tuple(_entry_scope(entry.licence, item, tx) for item in tx.items)
    elif policy.items is ItemScope.MEU_SUPPLEMENT_2:
        coverage = tuple(_meu_scope(entry, item, tx.destination_country) for item in tx.items)
    outcome, note = _items_outcome(policy.outcome, coverage)
    worst = policy.outcome if outcome is Outcome.HOLD and note else outcome
    if note:
        notes.append(note)
    if _non_standard_order(entry):
        outcome = min(outcome, Outcome.HOLD)
        worst = Outcome.PROHIBITED
        notes.append(NON_STANDARD_ORDER_NOTE)
    if policy.section_748_5_parties_only and role is PartyRole.FREIGHT_FORWARDER:
        # A forwarder is a red flag where the listing would restrict a 748.5 party, never
        # more restricted than that party would be.
        outcome = min(outcome, Outcome.HOLD)
        worst = min(worst, Outcome.HOLD)
        notes.append(FORWARDER_NOTE)
    if policy.uvl_statement_required:
        notes.append(UVL_STATEMENT_NOTE)
    ear_note, ear_sections = _ear_sdn_sections(entry)
    if ear_note:
        notes.append(ear_note)
    return Consequence(
        outcome=outcome,
        requirement=entry.licence.raw or policy.effect,
        items=coverage,
        review_policy=review,
        review_text=entry.review.raw,
        review_meaning=meaning.meaning,
        likely_denial=likely_denial(review, entry.review.raw),
        licence_exceptions=policy.licence_exceptions,
        notes=tuple(notes),
        regulation=policy.regulation + ear_sections,
        worst=max(worst, outcome),
    )


# --- what a listing means before a transaction is known (a search hit) ---------------------


@dataclass(frozen=True, slots=True)
class ListingMeaning:
    """What a listing means if the party is the one listed, before a transaction says which
    items, end uses and roles are involved: the list's consequence (``badge``, from
    ``lists.yaml``), the entry's licence requirement with its footnotes explained, its review
    policy and what it means, and what the answer still depends on (``conditions``)."""

    outcome: Outcome  # a confirmed match, before items and roles are considered
    worst: Outcome  # once what the data cannot tell (an order's terms) goes against it
    badge: str
    effect: str
    requirement: str  # the entry's licence requirement as printed ("" when it has none)
    review_policy: ReviewPolicy
    review_text: str
    review_meaning: str
    likely_denial: bool
    licence_exceptions: str
    regulation: str
    footnotes: tuple[Footnote, ...]
    conditions: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def review_label(self) -> str:
        """The review policy in a few words, for a licence requirement's badge ("" when the
        list sets no licence requirement)."""
        if self.outcome is not Outcome.LICENSE_REQUIRED:
            return ""
        if self.review_policy in (ReviewPolicy.NONE, ReviewPolicy.NOT_STATED):
            return "review policy not stated"
        if self.review_policy is ReviewPolicy.CROSS_REFERENCE:
            return "review policy per the cited section"
        return self.review_policy.value.replace("-", " ")


def listing_meaning(entry: Entry) -> ListingMeaning:
    """What ``entry`` means for an export if the party is the one listed (``consequence``
    judges it against a transaction's items and roles)."""
    policy = LIST_POLICIES[entry.list]
    review = _review(entry, policy)
    outcome = worst = policy.outcome
    badge = policy.badge
    conditions: list[str] = []
    notes: list[str] = []
    raw = entry.licence.raw
    if policy.items is ItemScope.ENTRY_SCOPE:
        if _OIL_GAS_PROJECTS.search(raw):
            conditions.append(_asked("russia_oil_gas_project"))
        if _GOVERNMENT_END_USERS.search(raw):
            conditions.append(_asked("government_end_user"))
        if entry.licence.scope is LicenceScope.LISTED_ECCNS:
            conditions.append(
                "Which items: the requirement covers only the items the entry names; a "
                "determination checks the transaction's ECCNs against it."
            )
    elif policy.items is ItemScope.MEU_SUPPLEMENT_2:
        conditions.append(
            "Which items: those in Supplement No. 2 to Part 744, or any item subject to the EAR "
            "for Russia and Belarus (15 CFR 744.21(a)); a determination checks the ECCNs."
        )
    if policy.section_748_5_parties_only:
        conditions.append(
            "Which role: the requirement attaches to a purchaser, intermediate or ultimate "
            "consignee or end user (15 CFR 748.5(c)-(f)), not to a freight forwarder."
        )
    if _non_standard_order(entry):
        outcome, worst, badge = Outcome.HOLD, Outcome.PROHIBITED, "HOLD: READ THE ORDER"
        notes.append(NON_STANDARD_ORDER_NOTE)
    if policy.uvl_statement_required:
        notes.append(UVL_STATEMENT_NOTE)
    ear_note, ear_sections = _ear_sdn_sections(entry)
    if ear_note:
        notes.append(ear_note)
    return ListingMeaning(
        outcome=outcome,
        worst=worst,
        badge=badge,
        effect=policy.effect,
        requirement=raw,
        review_policy=review,
        review_text=entry.review.raw,
        review_meaning=REVIEW_MEANINGS[review].meaning if review is not ReviewPolicy.NONE else "",
        likely_denial=likely_denial(review, entry.review.raw),
        licence_exceptions=policy.licence_exceptions,
        regulation=policy.regulation + ear_sections,
        footnotes=tuple(FOOTNOTES[n] for n in entry.licence.footnotes if n in FOOTNOTES),
        conditions=tuple(conditions),
        notes=tuple(notes),
    )
