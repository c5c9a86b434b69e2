"""The determination page: a transaction (parties with their roles, items, destination, date,
answers to the end-use questions) judged as the CLI's ``determine`` and ``POST /v1/determine``
judge it (``api.trail.record_determination``: the same function, the same audit record), the
result shown with its grounds, citations, warnings and the questions still to answer.

A form without JavaScript: a fixed number of party and item rows; empty rows are left out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from exportscreen.api.as_of import describe
from exportscreen.api.auth import CSRF_FIELD, Principal
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.trail import record_determination
from exportscreen.casework.audit_trail import Interface
from exportscreen.casework.evidence import reference
from exportscreen.decisions.country_controls import COUNTRY_CONTROLS
from exportscreen.decisions.transaction import PartyRole, Transaction
from exportscreen.web.legal import outcome_badge
from exportscreen.web.pages import Found, User, check_csrf, render

router = APIRouter(prefix="/ui", include_in_schema=False)

PARTY_ROWS = 5
ITEM_ROWS = 4
MAX_FIELD = 500  # any one text field (a party's address is the longest the API takes)
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
        if len(value) > MAX_FIELD
    ]
    parties: list[dict[str, Any]] = []
    for number, row in enumerate(_rows(form, "party", PARTY_ROWS, PARTY_FIELDS), start=1):
        if not any(row[f].strip() for f in ("name", "country", "address")):
            continue
        if not row["name"].strip():
            problems.append(f"Party {number}: a name is required (or leave the row empty).")
        if len(row["name"]) > MAX_NAME_LENGTH:
            problems.append(f"Party {number}, name: at most {MAX_NAME_LENGTH} characters.")
        parties.append({k: v.strip() for k, v in row.items()})
    items: list[dict[str, Any]] = []
    for number, row in enumerate(_rows(form, "item", ITEM_ROWS, ITEM_FIELDS), start=1):
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
    page = render(
        request,
        "determine.html",
        principal,
        active="determine",
        form=form,
        parties=_rows(form, "party", PARTY_ROWS, PARTY_FIELDS),
        items=_rows(form, "item", ITEM_ROWS, ITEM_FIELDS),
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


@router.post("/determine")
async def determine_submit(request: Request, principal: User, found: Found) -> HTMLResponse:
    submitted = await request.form()
    form = {k: v for k, v in submitted.items() if isinstance(v, str) and k != CSRF_FIELD}
    token = submitted.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else "")
    data, problems = transaction_data(form)
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
        record_determination, found, principal, transaction, Interface.UI
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
