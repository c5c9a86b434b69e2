"""Every per-list fact, read once from ``lists.yaml`` and checked when this module is imported.

A list's name, agency, the meaning of a match on it, its FollowTheMoney topic and yente dataset,
its spelling in the Consolidated Screening List and the publications that carry it are declared in
one data file, so that adding a list or correcting a legal text is one edit. A file that does not
hold exactly one valid row per ``ListCode`` stops the import with a ``ListsFileError`` naming the
row and the field: a list without a declared meaning must never be screened as if it had none.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from exportscreen import settings
from exportscreen.model import BUILT_IN_LIST_CODES, ListCode, ReviewPolicy, declare_list_code

LISTS_FILE = "lists.yaml"


class ListAction(enum.StrEnum):
    """The tool action of domain notes §3. ESCALATE and FLAG have no Outcome of their own."""

    PROHIBITED = "prohibited"
    LICENSE_REQUIRED = "license-required"
    HOLD = "hold"
    ESCALATE = "escalate"  # a specialist must read the listing: its effect is set record by record
    FLAG = "flag"  # a restriction that is not an export restriction (e.g. investment bans)


class ItemScope(enum.StrEnum):
    """Which items a confirmed match restricts."""

    ANY_DEALING = "any-dealing"  # the restriction does not depend on the items
    ENTRY_SCOPE = "entry-scope"  # the entry's own License Requirement column (Entity List)
    MEU_SUPPLEMENT_2 = "meu-supplement-2"  # items in Supp. No. 2 to Part 744 (§744.21)


class _Row(BaseModel):
    # A typo'd field is refused rather than ignored; strings and booleans are strict (a bare
    # number is not a text, "yes" is not a boolean).
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListMeaning(_Row):
    """What a confirmed match on the list means for a transaction (``decisions.policy``)."""

    action: ListAction
    # The consequence in a few capital words, as a hit's badge shows it ("BLOCKED" for the SDN
    # list, "INVESTMENT RESTRICTION" for CMIC): the action says how it counts, this what it is.
    badge: StrictStr = Field(min_length=1, max_length=40)
    items: ItemScope
    effect: StrictStr = Field(min_length=1)  # what a true match means, for the analyst
    regulation: StrictStr = Field(min_length=1)
    # EL, MEU and UVL requirements attach when the listed person is a party under §748.5(c)-(f):
    # purchaser, intermediate consignee, ultimate consignee, end user; not a freight forwarder.
    section_748_5_parties_only: StrictBool = False
    licence_exceptions: StrictStr = ""
    uvl_statement_required: StrictBool = False
    # The review policy to show when the entry itself states none (MEU entries point to §744.21).
    default_review: ReviewPolicy = ReviewPolicy.NONE


class FtmFacts(_Row):
    """How the list appears to FollowTheMoney / yente clients."""

    topic: StrictStr = Field(min_length=1)  # an FtM topic, checked against FtM's own in api.ftm
    dataset: StrictStr = Field(pattern=r"^[a-z0-9_]+$")


class CslFacts(_Row):
    """How the trade.gov Consolidated Screening List names the list."""

    source: StrictStr = Field(min_length=1)  # the full `source` cell, e.g. "Entity List (EL) - ..."
    other_codes: tuple[StrictStr, ...] = ()  # codes besides the ListCode ("NS-MBS" for MBS)
    ofac_numbered: StrictBool = False  # its entity_number is OFAC's ent_num
    typed: StrictBool = (
        True  # its CSL records carry a `type` (BIS and State records leave it empty)
    )


class Jurisdiction(_Row):
    """A legal order whose lists exportscreen holds: who it binds, on what legal basis."""

    code: StrictStr = Field(pattern=r"^[A-Z]{2}$")  # "US", "UN", "EU", "UK"
    name: StrictStr = Field(min_length=1)
    bound: StrictStr = Field(min_length=1)  # who must comply
    basis: StrictStr = Field(min_length=1)  # the law that makes a listing bind them


class ListFacts(_Row):
    code: ListCode
    name: StrictStr = Field(min_length=1)
    agency: StrictStr = Field(min_length=1)
    # Whose law a match engages (a ``jurisdictions`` row): determinations decide on the lists of
    # the jurisdictions they check, and report the others.
    jurisdiction: StrictStr = Field(pattern=r"^[A-Z]{2}$")
    meaning: ListMeaning
    ftm: FtmFacts
    csl: CslFacts
    # sources.registry keys; none for a list declared by a deployment (loaded from its files)
    published_in: tuple[StrictStr, ...] = ()


class Collection(_Row):
    """A yente dataset grouping others (lists' datasets or collections declared before it)."""

    name: StrictStr = Field(pattern=r"^[a-z0-9_]+$")
    title: StrictStr = Field(min_length=1)
    children: tuple[StrictStr, ...] = Field(min_length=1)


class _ListsFile(_Row):
    lists: tuple[ListFacts, ...]
    jurisdictions: tuple[Jurisdiction, ...] = Field(min_length=1)
    collections: tuple[Collection, ...] = ()


class _DeclaredFile(_Row):
    """A deployment's file of lists (``EXPORTSCREEN_LISTS_DIR``): rows in lists.yaml's form, and
    the jurisdictions they name that lists.yaml does not declare."""

    lists: tuple[ListFacts, ...] = Field(min_length=1)
    jurisdictions: tuple[Jurisdiction, ...] = ()


_Document = TypeVar("_Document", bound=_Row)


class ListsFileError(ValueError):
    """``lists.yaml`` (or a deployment's declared lists file) is not a valid declaration."""

    def __init__(
        self, row: str | None, field: str | None, message: str, file: str = LISTS_FILE
    ) -> None:
        self.row = row
        self.field = field
        self.message = message
        self.file = file
        where = file
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


def _row_label(data: Any, index: int) -> str:
    """``3 (code DPL)`` when the row's code can be read, else the row number alone."""
    rows = data.get("lists") if isinstance(data, dict) else None
    if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], dict):
        code = rows[index].get("code")
        if code is not None:
            return f"{index + 1} (code {code})"
    return str(index + 1)


def parse_lists(text: str) -> Mapping[ListCode, ListFacts]:
    """The facts of every list from the YAML text of a lists file, or a ListsFileError."""
    return parse_lists_file(text)[0]


def parse_lists_file(
    text: str,
) -> tuple[Mapping[ListCode, ListFacts], tuple[Collection, ...], Mapping[str, frozenset[ListCode]]]:
    """The lists, the collections as declared, and the lists each collection reaches (by
    name), or a ListsFileError."""
    lists, collections, reached, _ = _parse(text)
    return lists, collections, reached


def _validated(model: type[_Document], data: Any, file: str) -> _Document:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = list(first["loc"])
        row: str | None = None
        if len(location) >= 2 and location[0] == "lists" and isinstance(location[1], int):
            row = _row_label(data, location[1])
            location = location[2:]
        field = ".".join(str(part) for part in location) or None
        raise ListsFileError(row, field, first["msg"], file) from error


def _yaml(text: str, file: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ListsFileError(None, None, f"invalid YAML: {error}", file) from error


# A declared list's code: upper case, as the store and the CLI spell list codes.
_DECLARED_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")


def check_declared(path: Path) -> None:
    """Check one deployment file of lists as exportscreen would read it at start, without adding
    its codes to ``ListCode`` (a ListsFileError names the file, row and field)."""
    _read_declared(path, register=False)


def _read_declared(path: Path, *, register: bool) -> _DeclaredFile:
    """One deployment file of lists, checked: its codes are new upper-case codes (with
    ``register``, added to ``ListCode``), and its rows are in lists.yaml's form with no
    publication (a declared list is loaded from files the deployment has, e.g. a FollowTheMoney
    stream of its dataset). Without ``register`` the rows are checked under a stand-in code, so
    that checking a file changes nothing in the process."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ListsFileError(None, None, f"cannot read: {error}", file) from error
    data = _yaml(text, file)
    rows = data.get("lists") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ListsFileError(None, "lists", "declares no list", file)
    for index, row in enumerate(rows):
        code = row.get("code") if isinstance(row, dict) else None
        if not isinstance(code, str) or not _DECLARED_CODE.match(code):
            message = "a list code is 2-20 upper-case letters, digits or _, starting with a letter"
            raise ListsFileError(str(index + 1), "code", message, file)
        if code in BUILT_IN_LIST_CODES:
            raise ListsFileError(
                _row_label(data, index), "code", "a list lists.yaml declares", file
            )
        if isinstance(row.get("name"), str) and "csl" not in row:
            # The CSL endpoint names a record's list by this text.
            row["csl"] = {"source": f"{row['name']} ({code})", "ofac_numbered": False}
        if register:
            declare_list_code(code)
    checked = data
    if not register:
        stand_in = next(iter(ListCode)).value
        checked = {**data, "lists": [{**row, "code": stand_in} for row in rows]}
    document = _validated(_DeclaredFile, checked, file)
    for index, facts in enumerate(document.lists):
        if facts.published_in:
            message = "a declared list is loaded from files, not downloaded: no publication"
            raise ListsFileError(_row_label(data, index), "published_in", message, file)
    return document


def _declared_files(folder: str) -> list[Path]:
    if not folder:
        return []
    path = Path(folder)
    if not path.is_dir():
        raise ListsFileError(None, None, "EXPORTSCREEN_LISTS_DIR names no folder", file=str(path))
    return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _parse(
    text: str, declared: tuple[_DeclaredFile, ...] = ()
) -> tuple[
    Mapping[ListCode, ListFacts],
    tuple[Collection, ...],
    Mapping[str, frozenset[ListCode]],
    Mapping[str, Jurisdiction],
]:
    data = _yaml(text, LISTS_FILE)
    document = _validated(_ListsFile, data, LISTS_FILE)
    for index, facts in enumerate(document.lists):
        if not facts.published_in:
            raise ListsFileError(_row_label(data, index), "published_in", "names no publication")
    if declared:
        # Declared lists join the shipped ones, and yente's `default` collection reaches them.
        added = [facts for d in declared for facts in d.lists]
        collections = tuple(
            c.model_copy(update={"children": (*c.children, *(f.ftm.dataset for f in added))})
            if c.name == "default"
            else c
            for c in document.collections
        )
        document = _ListsFile(
            lists=(*document.lists, *added),
            jurisdictions=(
                *document.jurisdictions,
                *(j for d in declared for j in d.jurisdictions),
            ),
            collections=collections,
        )
    table: dict[ListCode, ListFacts] = {}
    for index, facts in enumerate(document.lists):
        if facts.code in table:
            raise ListsFileError(_row_label(data, index), "code", "a second row for this list")
        table[facts.code] = facts
    missing = [code.value for code in ListCode if code not in table]
    if missing:  # a new ListCode must come with its meaning
        raise ListsFileError(None, "lists", f"no row for {', '.join(missing)}")
    datasets = [facts.ftm.dataset for facts in table.values()]
    if len(set(datasets)) != len(datasets):
        raise ListsFileError(None, "ftm.dataset", "two lists share a dataset name")
    jurisdictions = {j.code: j for j in document.jurisdictions}
    if len(jurisdictions) != len(document.jurisdictions):
        raise ListsFileError(None, "jurisdictions", "a jurisdiction declared twice")
    for index, facts in enumerate(document.lists):
        if facts.jurisdiction not in jurisdictions:
            raise ListsFileError(
                _row_label(data, index),
                "jurisdiction",
                f"{facts.jurisdiction!r} is not among the declared jurisdictions "
                f"({', '.join(jurisdictions)})",
            )
    # Keep ListCode order, whatever the file's order: displays iterate these tables.
    ordered = {code: table[code] for code in ListCode}
    reached = _collections(document.collections, ordered)
    return ordered, document.collections, reached, jurisdictions


def _collections(
    declared: tuple[Collection, ...], lists: Mapping[ListCode, ListFacts]
) -> dict[str, frozenset[ListCode]]:
    """Each collection's lists. A child must be a list's dataset or a collection declared
    above; a name may not be both; ``default`` must reach every list (yente's default scope:
    a list left out of it would never be screened by a client that names no dataset)."""
    members: dict[str, frozenset[ListCode]] = {
        facts.ftm.dataset: frozenset({code}) for code, facts in lists.items()
    }
    for index, collection in enumerate(declared):
        row = f"collections {index + 1} ({collection.name})"
        if collection.name in members:
            raise ListsFileError(row, "name", "already the name of a dataset or collection")
        reached: set[ListCode] = set()
        for child in collection.children:
            if child not in members:
                raise ListsFileError(
                    row, "children", f"{child!r} is no list dataset or earlier collection"
                )
            reached |= members[child]
        members[collection.name] = frozenset(reached)
    if members.get("default") != frozenset(lists):
        raise ListsFileError(None, "collections", "a 'default' collection must reach every list")
    return {c.name: members[c.name] for c in declared}


def _load() -> tuple[
    Mapping[ListCode, ListFacts],
    tuple[Collection, ...],
    Mapping[str, frozenset[ListCode]],
    Mapping[str, Jurisdiction],
]:
    text = resources.files("exportscreen").joinpath(LISTS_FILE).read_text(encoding="utf-8")
    declared = tuple(
        _read_declared(path, register=True) for path in _declared_files(settings.LISTS_DIR)
    )
    return _parse(text, declared)


LISTS, DECLARED_COLLECTIONS, COLLECTIONS, JURISDICTIONS = _load()
COLLECTION_TITLES: Mapping[str, str] = {c.name: c.title for c in DECLARED_COLLECTIONS}
COLLECTION_CHILDREN: Mapping[str, tuple[str, ...]] = {
    c.name: c.children for c in DECLARED_COLLECTIONS
}

# Views kept under the names the rest of the code has always used.
LIST_NAMES: Mapping[ListCode, str] = {code: facts.name for code, facts in LISTS.items()}


def jurisdiction_of(code: ListCode) -> str:
    """The jurisdiction whose law a match on the list engages ("US", "UN", "EU", "UK")."""
    return LISTS[code].jurisdiction


def parse_jurisdictions(text: str, setting: str = "EXPORTSCREEN_JURISDICTIONS") -> frozenset[str]:
    """The jurisdictions named in a comma-separated setting ("US,UN,EU,UK"), or a ValueError
    naming the setting and the unknown code: a typo must not silently leave a jurisdiction
    unchecked."""
    codes = [part.strip().upper() for part in text.split(",") if part.strip()]
    if not codes:
        raise ValueError(
            f"{setting}: names no jurisdiction (one or more of {', '.join(JURISDICTIONS)})"
        )
    unknown = [c for c in codes if c not in JURISDICTIONS]
    if unknown:
        raise ValueError(
            f"{setting}: unknown jurisdiction {', '.join(map(repr, unknown))}; "
            f"the lists' jurisdictions are {', '.join(JURISDICTIONS)}"
        )
    return frozenset(codes)


def lists_published_in(source_key: str) -> tuple[ListCode, ...]:
    """The lists a publication (a ``sources.fetch`` key) carries, in ListCode order."""
    return tuple(code for code, facts in LISTS.items() if source_key in facts.published_in)
