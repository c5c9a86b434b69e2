"""Parties named inside another entry's text, made records of their own.

BIS folds affiliates and subordinate institutions into the entry of the party they belong to, in
whatever column the drafting put them:

- the address column of the eCFR text: the Huawei entry lists about twenty affiliates as
  "Name, address." sentences after its own addresses; CETC 14 and CETC 38 list their subordinate
  institutions before "The following addresses apply to the entity and ... subordinate
  institutions:"; the Ministries of Defence of Russia and Belarus begin "including the Armed
  Forces of ... and all operating units";
- the name column, in the CSL and the eCFR alike: "Huawei Technologies Co., Ltd. (Huawei).
  Affiliated Entity: Huawei Mobile Technology Ltd.", "... (CETC 13) subordinate institution:
  Envoltek", "Pakistan Atomic Energy Commission (PAEC), and subordinate entity National
  Development Complex (NDC)", "Department of Atomic Energy entity: Indian Rare Earths".

Each such party is listed by law as the entry that names it (same licence requirement, review
policy and citations), so each becomes a record of the same list that screening can find, with
``details``: ``parent_name`` and ``parent_id`` (the entry that names it), ``named_in`` (the
column it was found in), and a remark an analyst reads on a hit: "Named in the entry for Huawei
Technologies Co., Ltd., 84 FR 22963". A record that was only its parent's prefix plus a child
("X. Affiliated Entity: Y") is the child, with the printed text kept in ``printed_name``.

Loaders call ``split_named_parties`` before giving ids and ``link_parents`` after.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from exportscreen.model import Address, Entry, EntryType
from exportscreen.sources.common import identity_text
from exportscreen.text.countries import country_named

# Name-column forms: "<parent>. Affiliated Entity: <child>" and its relatives.
_NAMED_CHILD: Final = (
    re.compile(r"^(?P<parent>.+?)\.?\s+Affiliated Entity:\s*(?P<child>.*)$", re.IGNORECASE),
    re.compile(
        r"^(?P<parent>.+?)\.?\s+Subordinate Institution\s*(?:[-:\u2013\u2014]\s*)(?P<child>.*)$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<parent>.+?),?\s+and subordinate entity\s+(?P<child>.+)$", re.IGNORECASE),
    re.compile(r"^(?P<parent>Department of Atomic Energy) entity:\s*(?P<child>.+)$", re.IGNORECASE),
)
# "..., including the Armed Forces of Russia and all operating units wherever located. ..."
_INCLUDING: Final = re.compile(
    r"(?:^|,\s*)including\s+(?:the\s+)?(?P<child>[^.,]+?)\s+and all operating units",
    re.IGNORECASE,
)
# CETC 14 / 38: names, then "The following addresses apply to the entity and ... subordinate
# institutions:".
_APPLY_TO_SUBORDINATES: Final = re.compile(
    r"^(?P<names>.+?)\s*The following addresses apply to the entity and (?:to )?the [a-z]+ "
    r"subordinate institutions?:",
    re.IGNORECASE | re.DOTALL,
)
_SUBORDINATE_PREFIX: Final = re.compile(r"^Subordinate institution\s+", re.IGNORECASE)
# A sentence boundary; the text splits only where the sentence ends in a country ("...,
# Hangzhou, China. Name, ..."), not after "Co., Ltd. Chengdu Research Institute".
_SENTENCE_END: Final = re.compile(r"\.\s+(?=[A-Z])")
# Words that end a company name (the affiliate sentences start with one).
_ORGANISATION_END: Final = re.compile(
    r"\b(?:Co|Ltd|Limited|Inc|Corporation|Company|Enterprises?|Technolog(?:y|ies)|Institute|"
    r"Lab|Laboratory|Service|Services|Software|Communications?|Investment|Tech)\.?$",
    re.IGNORECASE,
)
_LEGAL_TAIL: Final = re.compile(r"^(?:Ltd|Limited|Inc)\b", re.IGNORECASE)
_ADDRESS_START: Final = re.compile(
    r"^(?:\d|No\b|Room|Rm\b|Building|Floor|Zone|Unit|Suite|R&D|[A-Z]\d)", re.IGNORECASE
)


def _child_record(
    parent: Entry,
    name: str,
    aliases: Sequence[str] = (),
    addresses: Sequence[Address] = (),
    named_in: str = "address",
) -> Entry:
    cited = f", {parent.citations[-1]}" if parent.citations else ""
    return replace(
        parent,
        id="",
        type=EntryType.ENTITY,
        name=name,
        source_id="",
        aliases=tuple(a for a in dict.fromkeys(aliases) if a and a != name),
        addresses=tuple(addresses),
        identifiers=(),
        remarks=f"Named in the entry for {parent.name}{cited}",
        details={"parent_name": parent.name, "named_in": named_in},
    )


def _sentences(text: str) -> list[str]:
    """The text cut after each address that ends in a country name."""
    result: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        sentence = text[start : m.start()]
        if country_named(sentence.rpartition(",")[2].strip()):
            result.append(sentence.strip())
            start = m.end()
    result.append(text[start:].strip())
    return [s for s in result if s]


def _affiliate_sentence(sentence: str) -> tuple[list[str], str] | None:
    """``(names, address)`` when a sentence is "Name[; Alias; and Alias], address"."""
    head, _, rest = sentence.partition(", ")
    parts = [head]
    remaining = rest
    # "Huawei Technology Co., Ltd. Chengdu Research Institute, No. 1899, ...": legal tails
    # belong to the name.
    while remaining and _LEGAL_TAIL.match(remaining):
        piece, _, remaining = remaining.partition(", ")
        parts.append(piece)
    name_text = ", ".join(parts)
    if ";" in name_text:  # "HMN Technologies; Huahai Zhihui Technology Co., Ltd.; and HMN Tech"
        names = [re.sub(r"^and\s+", "", n.strip()) for n in name_text.split(";")]
        last, dot, address_head = names[-1].partition(". ")
        if dot and _ADDRESS_START.match(address_head):
            names[-1] = last + "."
            remaining = f"{address_head}, {remaining}" if remaining else address_head
    else:
        names = [name_text]
    names = [n.strip() for n in names if n.strip()]
    if not names or not remaining.strip():
        return None
    if not _ORGANISATION_END.search(names[0].rstrip(".,")):
        return None
    if any(_ADDRESS_START.match(n) or country_named(n) for n in names):
        return None
    return names, remaining


def _from_address(entry: Entry, text: str) -> tuple[list[Entry], bool]:
    """Records for the parties named in an entry's address text, and whether the text is only
    about them (then it is not the entry's own address)."""
    country = entry.countries[0] if entry.countries else ""
    including = _INCLUDING.search(text)
    if including and text.lstrip().lower().startswith("including"):
        child = including.group("child").strip()
        return [_child_record(entry, child)], True
    subordinates = _APPLY_TO_SUBORDINATES.match(text)
    if subordinates:
        names = [
            _SUBORDINATE_PREFIX.sub("", n).strip(" .")
            for n in re.split(r"\.\s+", subordinates.group("names"))
        ]
        return [_child_record(entry, n) for n in names if n], False
    children: list[Entry] = []
    sentences = _sentences(text)
    for sentence in sentences[1:]:
        found = _affiliate_sentence(sentence)
        if found is None:
            continue
        names, address = found
        children.append(
            _child_record(
                entry,
                names[0].rstrip(",") if not names[0].endswith(".") else names[0],
                names[1:],
                (Address(street=address.strip(" ."), country=country),),
            )
        )
    return children, False


def _from_name(entry: Entry) -> Entry | None:
    """The record as the child it names, when its name is "<parent>. Affiliated Entity: <child>"
    or a relative; None when it is not."""
    for pattern in _NAMED_CHILD:
        m = pattern.match(entry.name)
        if m is None:
            continue
        parent = m.group("parent").strip(" .,")
        child = m.group("child").strip(" .,")
        aliases = entry.aliases
        if not child and aliases:  # "... (CETC 13) subordinate institution:" + one alias
            child, aliases = aliases[0], aliases[1:]
        if not child or not parent:
            return None
        cited = f", {entry.citations[-1]}" if entry.citations else ""
        remarks = "; ".join(
            r for r in (f"Named in the entry for {parent}{cited}", entry.remarks) if r
        )
        return replace(
            entry,
            name=child,
            aliases=tuple(a for a in aliases if a != child),
            remarks=remarks,
            details={
                **entry.details,
                "parent_name": parent,
                "named_in": "name",
                "printed_name": entry.name,
            },
        )
    return None


def split_named_parties(
    entries: Sequence[Entry], address_texts: Sequence[str] | None = None
) -> list[Entry]:
    """The entries, each followed by the records of the parties its text names.
    ``address_texts`` are the address cells as printed, where the loader has them (the split
    addresses lose the sentences); otherwise the addresses are read joined by "; "."""
    result: list[Entry] = []
    for index, entry in enumerate(entries):
        text = address_texts[index] if address_texts is not None else None
        result.extend(named_parties(entry, text))
    return result


def named_parties(entry: Entry, address_text: str | None = None) -> list[Entry]:
    """The entry (renamed when its name is "<parent>. Affiliated Entity: <child>"), then the
    records of the parties its text names."""
    if entry.type is not EntryType.ENTITY:
        return [entry]
    renamed = _from_name(entry)
    if renamed is not None:
        return [renamed]
    children: list[Entry] = []
    including = _INCLUDING.search(entry.name)
    if including:  # the 2022 CSL prints the clause in the name
        clause = entry.name[including.start() :].strip(" ,")
        entry = replace(
            entry,
            name=entry.name[: including.start()].strip(" ,"),
            remarks="; ".join(r for r in (clause, entry.remarks) if r),
        )
        children.append(_child_record(entry, including.group("child").strip(), named_in="name"))
    text = address_text
    if text is None:
        text = "; ".join(a.street for a in entry.addresses)
    if text:
        found, only_them = _from_address(entry, text)
        children.extend(found)
        if only_them:
            entry = replace(
                entry,
                addresses=(),
                remarks="; ".join(r for r in (text, entry.remarks) if r),
            )
    return [entry, *children]


def _parent_keys(name: str) -> tuple[str, ...]:
    """The name as printed, then without its parenthesised parts ("Huawei Technologies Co., Ltd.
    (Huawei)" names the entry printed "Huawei Technologies Co., Ltd.")."""
    return tuple(dict.fromkeys((identity_text(name), identity_text(_BRACKETS.sub(" ", name)))))


_BRACKETS: Final = re.compile(r"\([^)]*\)")


def link_parents(entries: Sequence[Entry]) -> list[Entry]:
    """``details["parent_id"]`` for every named party: the entry whose text named it (the one
    before it), or for a row printed as "<parent>. Affiliated Entity: <child>" the record of the
    file with the parent's name, in the same country where there is one."""
    by_name: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        if "parent_name" not in entry.details:
            for key in _parent_keys(entry.name):
                by_name.setdefault((entry.list.value, key), []).append(entry)
    result: list[Entry] = []
    parent: Entry | None = None  # the last entry that is not a named party
    for entry in entries:
        details = entry.details
        if "parent_name" not in details:
            parent = entry
        elif "parent_id" not in details:
            found: Entry | None = None
            if "printed_name" not in details:
                found = parent
            else:
                for key in _parent_keys(details["parent_name"]):
                    named = by_name.get((entry.list.value, key), [])
                    same = [e for e in named if set(e.countries) & set(entry.countries)]
                    found = next(iter(same or named), None)
                    if found is not None:
                        break
            if found is not None:
                entry = replace(entry, details={**details, "parent_id": found.id})
        result.append(entry)
    return result


__all__ = ["link_parents", "named_parties", "split_named_parties"]
