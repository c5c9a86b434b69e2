"""FollowTheMoney entity streams (``entities.ftm.json``), as OpenSanctions and yente publish them.

One JSON entity per line: ``{"id", "schema", "properties": {...}, "datasets": [...], "target"...}``,
read with the ``followthemoney`` package's model, so schemata and property names are FtM's own
and an unknown schema or property is refused with its line. Each dataset is a list of its own:
the deployment declares it, and what a match on it means, in a file of its lists folder
(``EXPORTSCREEN_LISTS_DIR``, see ``exportscreen.lists``); an entity of a dataset no one declared
is refused, naming the dataset and the line, rather than screened with no meaning.

What becomes of the entities:

- parties (Person, Organization, Company, PublicBody, LegalEntity, Vessel, Airplane) become
  entries, one per declared dataset they belong to, unless the stream marks them as no target
  (OpenSanctions keeps the owners and relatives of listed parties, who are not listed);
- names: the caption is the entry's name, the other ``name``, ``alias`` and ``previousName``
  values its aliases, ``weakAlias`` values weak aliases; countries, nationalities, citizenships,
  birth dates and places, addresses (text and Address entities), identifiers (every property of
  FtM's identifier type, and Passport/Identification entities), programmes and listing dates
  (Sanction entities);
- relations (Ownership, Directorship, Family, Associate, UnknownLink) are kept on both parties'
  entries, ``details["relations"]`` as JSON: kind, role, the other party's id and name, share.

An entry's id is ``<LIST>-<FtM id>``: FtM ids are stable by the publisher's design.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import EntityProxy
from followthemoney import model as ftm_model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.types import registry

from exportscreen.lists import LISTS
from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.common import ParsedSource, SourceError, sha256_of
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import read_lines
from exportscreen.text.countries import country_code

FORMAT = "ftm_json"

# FtM schemata of listed parties, most specific first (a Company is an Organization).
_PARTY_TYPES: tuple[tuple[str, EntryType], ...] = (
    ("Person", EntryType.INDIVIDUAL),
    ("Vessel", EntryType.VESSEL),
    ("Airplane", EntryType.AIRCRAFT),
    ("Organization", EntryType.ENTITY),
    ("LegalEntity", EntryType.ENTITY),
)
# Relation schemata: (schema, first party's property, its role, second's, its role).
RELATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("Ownership", "owner", "owner", "asset", "owned"),
    ("Directorship", "director", "director", "organization", "organization"),
    ("Family", "person", "person", "relative", "relative"),
    ("Associate", "person", "person", "associate", "associate"),
    ("UnknownLink", "subject", "subject", "object", "object"),
)
_DOCUMENTS = ("Passport", "Identification")
_NAME_PROPERTIES = ("name", "alias", "previousName")
_NOT_PARTY_IDENTIFIERS = frozenset({"programId"})


def sniff(path: Path, head: bytes) -> bool:
    """One JSON object per line with FtM's ``schema`` and ``properties`` keys."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"schema"' in first and b'"properties"' in first


@dataclass(slots=True)
class _Stream:
    """The stream's entities, parties and the entities that describe them."""

    parties: list[tuple[int, EntityProxy, tuple[str, ...], bool]] = field(default_factory=list)
    by_id: dict[str, EntityProxy] = field(default_factory=dict)
    # Entities (Sanction, Passport, Address, relations) pointing at a party, by the party's id.
    about: defaultdict[str, list[EntityProxy]] = field(default_factory=lambda: defaultdict(list))


def _datasets_by_name() -> Mapping[str, ListCode]:
    return {facts.ftm.dataset: code for code, facts in LISTS.items() if not facts.published_in}


def _read(path: Path, bad_rows: BadRows) -> _Stream:
    stream = _Stream()
    declared = _datasets_by_name()
    for line, text, problem in read_lines(path):
        if not text.strip():
            continue
        with bad_rows.guard():
            if problem:
                raise SourceError(path, line, None, problem)
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                raise SourceError(path, line, None, f"invalid JSON: {error.msg}") from error
            if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
                raise SourceError(path, line, "id", "not an FtM entity (no id or schema)")
            try:
                proxy = ftm_model.get_proxy(data, cleaned=False)
            except (FollowTheMoneyException, TypeError, ValueError) as error:
                raise SourceError(
                    path, line, "schema", f"not a valid FtM entity: {error}"
                ) from error
            stream.by_id[str(proxy.id)] = proxy
            if _party_type(proxy) is not None:
                datasets = tuple(str(d) for d in data.get("datasets") or ())
                if not datasets:
                    raise SourceError(path, line, "datasets", f"entity {proxy.id} names no dataset")
                undeclared = [d for d in datasets if d not in declared]
                if undeclared:
                    raise SourceError(
                        path,
                        line,
                        "datasets",
                        f"entity {proxy.id}: dataset {', '.join(map(repr, undeclared))} is not "
                        "declared; declare it and what a match on it means in a lists file "
                        "of EXPORTSCREEN_LISTS_DIR (lists.yaml's form)",
                    )
                stream.parties.append(
                    (line, proxy, datasets, data.get("target", True) is not False)
                )
            else:
                for prop, value in proxy.itervalues():
                    if prop.type == registry.entity:
                        stream.about[str(value)].append(proxy)
    return stream


def _party_type(proxy: EntityProxy) -> EntryType | None:
    for schema, kind in _PARTY_TYPES:
        if proxy.schema.is_a(schema):
            return kind
    return None


def _countries(values: list[str]) -> list[str]:
    return [c for c in (country_code(v) for v in values) if c]


def _address(proxy: EntityProxy) -> Address:
    country = _countries(proxy.get("country", quiet=True))
    street = ", ".join(proxy.get("street", quiet=True) or proxy.get("full", quiet=True))
    return Address(
        street=street,
        city=", ".join(proxy.get("city", quiet=True)),
        state=", ".join(proxy.get("state", quiet=True) or proxy.get("region", quiet=True)),
        postal_code=", ".join(proxy.get("postalCode", quiet=True)),
        country=country[0] if country else "",
    )


def _name_of(stream: _Stream, entity_id: str) -> str:
    other = stream.by_id.get(entity_id)
    return other.caption if other is not None else ""


def _relations(stream: _Stream, party_id: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for linked in stream.about[party_id]:
        for schema, first, first_role, second, second_role in RELATIONS:
            if not linked.schema.is_a(schema):
                continue
            for mine, role, theirs, other_role in (
                (first, first_role, second, second_role),
                (second, second_role, first, first_role),
            ):
                if party_id not in linked.get(mine, quiet=True):
                    continue
                for other_id in linked.get(theirs, quiet=True):
                    relation = {
                        "kind": schema,
                        "role": role,
                        "other_role": other_role,
                        "other_id": other_id,
                        "other_name": _name_of(stream, other_id),
                        "percentage": ", ".join(linked.get("percentage", quiet=True)),
                        "relationship": ", ".join(
                            linked.get("relationship", quiet=True) or linked.get("role", quiet=True)
                        ),
                        "start_date": ", ".join(linked.get("startDate", quiet=True)),
                    }
                    found.append({k: v for k, v in relation.items() if v})
    return found


def _entries(
    stream: _Stream, line: int, proxy: EntityProxy, datasets: tuple[str, ...]
) -> list[Entry]:
    party_id = str(proxy.id)
    kind = _party_type(proxy)
    assert kind is not None
    names = [n for p in _NAME_PROPERTIES for n in proxy.get(p)]
    primary = proxy.caption if proxy.caption in names else (names[0] if names else "")
    if not primary:
        raise ValueError(f"line {line}: entity {party_id} has no name")
    weak = list(dict.fromkeys(proxy.get("weakAlias", quiet=True)))
    aliases = tuple(dict.fromkeys(n for n in [*names, *weak] if n != primary))
    identifiers = [
        Identifier(type=prop.label, value=str(value))
        for prop, value in proxy.itervalues()
        if prop.type == registry.identifier and prop.name not in _NOT_PARTY_IDENTIFIERS
    ]
    addresses = [Address(street=a) for a in proxy.get("address", quiet=True)]
    programs: list[str] = []
    listed: list[date] = []
    remarks = list(proxy.get("notes", quiet=True))
    for linked in stream.about[party_id]:
        if linked.schema.is_a("Sanction"):
            programs += linked.get("program", quiet=True)
            remarks += linked.get("reason", quiet=True)
            for text in linked.get("listingDate", quiet=True) + linked.get("startDate", quiet=True):
                try:
                    listed.append(date.fromisoformat(text[:10]))
                except ValueError:
                    continue
        elif any(linked.schema.is_a(d) for d in _DOCUMENTS):
            for number in linked.get("number", quiet=True):
                country = _countries(linked.get("country", quiet=True))
                identifiers.append(
                    Identifier(linked.schema.label, number, country[0] if country else "")
                )
    for address_id in proxy.get("addressEntity", quiet=True):
        address_entity = stream.by_id.get(address_id)
        if address_entity is not None:
            addresses.append(_address(address_entity))
    nationalities = _countries(proxy.get("nationality", quiet=True))
    citizenships = _countries(proxy.get("citizenship", quiet=True))
    countries = _countries(
        proxy.get("country", quiet=True)
        + proxy.get("jurisdiction", quiet=True)
        + proxy.get("mainCountry", quiet=True)
        + proxy.get("flag", quiet=True)
    )
    relations = _relations(stream, party_id)
    details = {
        "ftm_schema": proxy.schema.name,
        "topics": ", ".join(proxy.get("topics", quiet=True)),
        "position": "; ".join(proxy.get("position", quiet=True)),
        "gender": ", ".join(proxy.get("gender", quiet=True)),
        "relations": json.dumps(relations, ensure_ascii=False, sort_keys=True) if relations else "",
    }
    declared = _datasets_by_name()
    codes = dict.fromkeys(declared[d] for d in datasets)
    return [
        Entry(
            id=f"{code.value}-{party_id}",
            list=code,
            type=kind,
            name=primary,
            source_id=party_id,
            aliases=aliases,
            weak_aliases=tuple(w for w in weak if w in aliases),
            addresses=tuple(dict.fromkeys(a for a in addresses if a != Address())),
            countries=tuple(
                dict.fromkeys(
                    c
                    for c in [*countries, *nationalities, *citizenships]
                    + [a.country for a in addresses]
                    if c
                )
            ),
            identifiers=tuple(dict.fromkeys(identifiers)),
            programs=tuple(dict.fromkeys(programs)),
            start_date=min(listed) if listed else None,
            remarks="; ".join(dict.fromkeys(r for r in remarks if r)),
            source_url=next(iter(proxy.get("sourceUrl", quiet=True)), ""),
            title="; ".join(proxy.get("title", quiet=True)),
            dates_of_birth=tuple(dict.fromkeys(proxy.get("birthDate", quiet=True))),
            places_of_birth=tuple(dict.fromkeys(proxy.get("birthPlace", quiet=True))),
            nationalities=tuple(dict.fromkeys(nationalities)),
            citizenships=tuple(dict.fromkeys(citizenships)),
            details={k: v for k, v in details.items() if v},
        )
        for code in codes
    ]


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """Every listed party of the stream, one entry per declared dataset it belongs to."""
    bad_rows = BadRows(skip_bad_rows)
    stream = _read(path, bad_rows)
    entries: list[Entry] = []
    lists: dict[ListCode, None] = {}
    for line, proxy, datasets, target in stream.parties:
        declared = _datasets_by_name()
        lists.update(dict.fromkeys(declared[d] for d in datasets))
        if not target:
            continue  # an owner or relative of a listed party, kept as a relation only
        with bad_rows.guard():
            try:
                entries.extend(_entries(stream, line, proxy, datasets))
            except ValueError as error:
                raise SourceError(path, line, "name", str(error)) from error
    if not stream.parties and not bad_rows.problems:
        raise SourceError(path, None, None, "the stream holds no party (Person, Company...)")
    # The newest change any entity records; a stream that records none has no date of its own,
    # and the store then asks for one (--as-of) rather than guess.
    days = [d for d in map(_day, _raw_last_seen(path)) if d is not None]
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=max(days, default=None),
        entries=entries,
        problems=bad_rows.problems,
        lists=tuple(lists),
    )


def _raw_last_seen(path: Path) -> Iterator[str]:
    """Each entity's ``last_change`` or ``last_seen``: the stream's data date is the newest."""
    for _, text, _ in read_lines(path):
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            stamp = data.get("last_change") or data.get("last_seen")
            if isinstance(stamp, str):
                yield stamp


def _day(stamp: str) -> date | None:
    try:
        return date.fromisoformat(stamp[:10])
    except ValueError:
        return None


__all__ = ["FORMAT", "RELATIONS", "parse", "sniff"]
