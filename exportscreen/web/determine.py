"""The determination page: a transaction (parties with their roles, items, destination, date,
answers to the end-use questions) judged as the CLI's ``determine`` and ``POST /v1/determine``
judge it (``api.trail.record_determination``: the same function, the same audit record), the
result shown with its grounds, citations, warnings and the questions still to answer.

A form without JavaScript: it starts with ``PARTY_ROWS`` party and ``ITEM_ROWS`` item rows, and
its "Add a party" / "Add an item" buttons post it back to be shown with one more row, all
entered values kept (up to ``MAX_PARTIES`` / ``MAX_ITEMS``); empty rows are left out. An optional
ownership CSV (``decisions.ownership``, as the CLI's ``--ownership``) applies the 50% rule; it is
kept in the form while rows are added, since a browser cannot fill in a file field again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from exportscreen.api.as_of import describe
from exportscreen.api.auth import CSRF_FIELD, Principal
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.routers.determine import MAX_PARTIES as API_MAX_PARTIES
from exportscreen.api.trail import record_determination
from exportscreen.casework.audit_trail import Interface
from exportscreen.casework.evidence import reference
from exportscreen.decisions.country_controls import COUNTRY_CONTROLS
from exportscreen.decisions.ownership import OwnershipGraph
from exportscreen.decisions.transaction import PartyRole, Transaction
from exportscreen.sources.common import SourceError
from exportscreen.web.legal import outcome_badge
from exportscreen.web.pages import Found, User, check_csrf, render

router = APIRouter(prefix="/ui", include_in_schema=False)

PARTY_ROWS = 5
ITEM_ROWS = 4
# The API's own limit on parties; items are capped lower than its 200, a form being typed in.
MAX_PARTIES = API_MAX_PARTIES
MAX_ITEMS = 50
MAX_FIELD = 500  # any one text field (a party's address is the longest the API takes)
MAX_OWNERSHIP_BYTES = 256 * 1024
OWNERSHIP_FIELDS = ("ownership_csv", "ownership_name")  # the kept upload, not typed fields
ACTIONS = ("determine", "add_party", "add_item", "drop_ownership")
PARTY_FIELDS = ("role", "name", "country", "address")
ITEM_FIELDS = ("eccn", "description", "hts", "food_or_medicine", "in_part746_supplements")
YES_NO = {"": None, "yes": True, "no": False}

# What the example link fills in: a server sale to Taiwan whose consignee is on the Entity List.
EXAMPLE: dict[str, str] = {
    "id": "PO-4711",
    "destination_country": "TW",
    "party-0-role": "ultimate_consignee",
    "party-0-name": "Inspur Taiwan",
    "party-0-country": "TW",
    "party-1-role": "purchaser",
    "party-1-name": "Acme Distribution B.V.",
    "party-1-country": "NL",
    "item-0-eccn": "5A992.c",
    "item-0-description": "Rack servers",
}


def _questions() -> list[dict[str, str]]:
    return [{"id": q.id, "ask": q.ask, "citation": q.citation} for q in COUNTRY_CONTROLS.questions]


def _rows(form: dict[str, str], kind: str, count: int, fields: tuple[str, ...]) -> list[Any]:
    return [{f: form.get(f"{kind}-{i}-{f}", "") for f in fields} for i in range(count)]


def row_counts(form: dict[str, str]) -> tuple[int, int]:
    """How many party and item rows the form has: as many as it was shown with (its hidden
    counts), never fewer than the defaults nor more than the caps."""

    def count(key: str, default: int, cap: int) -> int:
        text = form.get(key, "")
        shown = int(text) if text.isdigit() and len(text) < 4 else default
        return min(max(shown, default), cap)

    return count("party_rows", PARTY_ROWS, MAX_PARTIES), count("item_rows", ITEM_ROWS, MAX_ITEMS)


def _label(loc: tuple[int | str, ...]) -> str:
    """Where a transaction's validation error points, as the form names it."""
    names = {
        "parties": "Party",
        "items": "Item",
        "destination_country": "Destination country",
        "date": "Date",
        "answers": "End-use answers",
        "id": "Reference",
        "destination_region": "Destination region",
    }
    parts: list[str] = []
    for index, key in enumerate(loc):
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]} {key + 1}"
        elif index == 0:
            parts.append(names.get(key, key))
        else:
            parts.append(key.replace("_", " "))
    return ", ".join(parts) or "Transaction"


def transaction_data(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The form as a transaction document (``Transaction``'s fields), and the problems that are
    the form's own (a row with a name missing, a field too long)."""
    problems = [
        f"{key.replace('-', ' ')}: at most {MAX_FIELD} characters, please."
        for key, value in form.items()
        if len(value) > MAX_FIELD and key not in OWNERSHIP_FIELDS
    ]
    party_rows, item_rows = row_counts(form)
    parties: list[dict[str, Any]] = []
    for number, row in enumerate(_rows(form, "party", party_rows, PARTY_FIELDS), start=1):
        if not any(row[f].strip() for f in ("name", "country", "address")):
            continue
        if not row["name"].strip():
            problems.append(f"Party {number}: a name is required (or leave the row empty).")
        if len(row["name"]) > MAX_NAME_LENGTH:
            problems.append(f"Party {number}, name: at most {MAX_NAME_LENGTH} characters.")
        parties.append({k: v.strip() for k, v in row.items()})
    items: list[dict[str, Any]] = []
    for number, row in enumerate(_rows(form, "item", item_rows, ITEM_FIELDS), start=1):
        if not any(row[f].strip() for f in ("eccn", "description", "hts")):
            continue
        if not row["eccn"].strip():
            problems.append(f"Item {number}: an ECCN (or EAR99) is required.")
        item: dict[str, Any] = {f: row[f].strip() for f in ("eccn", "description", "hts")}
        for flag in ("food_or_medicine", "in_part746_supplements"):
            if YES_NO.get(row[flag]) is not None:
                item[flag] = YES_NO[row[flag]]
        items.append(item)
    answers = {
        q["id"]: YES_NO[form.get(f"answer-{q['id']}", "")]
        for q in _questions()
        if YES_NO.get(form.get(f"answer-{q['id']}", "")) is not None
    }
    data: dict[str, Any] = {
        "id": form.get("id", "").strip(),
        "date": form.get("date", "").strip() or date.today().isoformat(),
        "destination_country": form.get("destination_country", "").strip(),
        "destination_region": form.get("destination_region", "").strip(),
        "parties": parties,
        "items": items,
        "answers": answers,
    }
    return data, problems


def _page(
    request: Request,
    principal: Principal,
    form: dict[str, str],
    status_code: int = status.HTTP_200_OK,
    **context: Any,
) -> HTMLResponse:
    party_rows, item_rows = row_counts(form)
    page = render(
        request,
        "determine.html",
        principal,
        active="determine",
        form=form,
        parties=_rows(form, "party", party_rows, PARTY_FIELDS),
        items=_rows(form, "item", item_rows, ITEM_FIELDS),
        max_parties=MAX_PARTIES,
        max_items=MAX_ITEMS,
        roles=[r.value for r in PartyRole],
        questions=_questions(),
        outcome_badge=outcome_badge,
        **context,
    )
    page.status_code = status_code
    return page


@router.get("/determine")
def determine_form(request: Request, principal: User, example: bool = False) -> HTMLResponse:
    form = {"date": date.today().isoformat(), **(EXAMPLE if example else {})}
    return _page(request, principal, form)


def _add_row(form: dict[str, str], action: str) -> str:
    """One more party or item row in ``form`` (its hidden count); what the page says."""
    party_rows, item_rows = row_counts(form)
    if action == "add_party":
        if party_rows >= MAX_PARTIES:
            return f"A transaction has at most {MAX_PARTIES} parties: no row was added."
        form["party_rows"] = str(party_rows + 1)
        return f"Party row {party_rows + 1} added."
    if item_rows >= MAX_ITEMS:
        return f"At most {MAX_ITEMS} items can be entered here: no row was added."
    form["item_rows"] = str(item_rows + 1)
    return f"Item row {item_rows + 1} added."


async def _take_ownership(upload: UploadFile | None, form: dict[str, str]) -> str | None:
    """Keep a newly uploaded ownership file's text in ``form``; the problem, if it has one."""
    if upload is None or not upload.filename:
        return None
    name = Path(upload.filename).name[:100] or "ownership.csv"
    body = await upload.read(MAX_OWNERSHIP_BYTES + 1)
    if len(body) > MAX_OWNERSHIP_BYTES:
        return f"{name}: an ownership file of at most {MAX_OWNERSHIP_BYTES // 1024} KiB, please."
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: not UTF-8 text; save the ownership file as CSV (UTF-8)."
    form["ownership_csv"], form["ownership_name"] = text, name
    return None


def ownership_graph(form: dict[str, str]) -> tuple[OwnershipGraph | None, str | None]:
    """The kept ownership file as a graph, or the problem with it (naming its line and field)."""
    text, name = form.get("ownership_csv", ""), form.get("ownership_name") or "ownership.csv"
    if not text.strip():
        return None, None
    try:
        return OwnershipGraph.from_text(name, text), None
    except SourceError as error:
        return None, f"Ownership file {error}"


@router.post("/determine")
async def determine_submit(request: Request, principal: User, found: Found) -> HTMLResponse:
    submitted = await request.form()
    form = {k: v for k, v in submitted.items() if isinstance(v, str) and k != CSRF_FIELD}
    token = submitted.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else "")
    action = form.pop("action", "determine")
    upload = submitted.get("ownership")
    problem = await _take_ownership(upload if isinstance(upload, UploadFile) else None, form)
    if action == "drop_ownership":
        form.pop("ownership_csv", None)
        form.pop("ownership_name", None)
    if action in ("add_party", "add_item", "drop_ownership") or action not in ACTIONS:
        note = _add_row(form, action) if action in ("add_party", "add_item") else None
        return _page(request, principal, form, problems=[problem] if problem else [], note=note)
    data, problems = transaction_data(form)
    graph, graph_problem = ownership_graph(form)
    problems += [p for p in (problem, graph_problem) if p]
    transaction: Transaction | None = None
    if not problems:
        try:
            transaction = Transaction.model_validate(data)
        except ValidationError as error:
            problems = [f"{_label(tuple(e['loc']))}: {e['msg']}" for e in error.errors()[:8]]
    if transaction is None:
        return _page(
            request,
            principal,
            form,
            problems=problems,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    result, record, history = await run_in_threadpool(
        record_determination,
        found,
        principal,
        transaction,
        Interface.UI,
        graph,
        form.get("ownership_name") if graph is not None else None,
    )
    return _page(
        request,
        principal,
        form,
        result=result,
        record=record,
        reference=reference(record.seq),
        lists_as_of=describe(history),
    )
