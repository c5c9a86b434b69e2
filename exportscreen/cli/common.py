"""What every command shares: the Typer app, the consoles, the store and user options, and
the small helpers that turn bad options into one-line errors.

Every command takes the store from ``--db`` (an SQLAlchemy URL or a SQLite file path), else
``EXPORTSCREEN_DB``, else a SQLite file in the user's data directory. ``--json`` prints machine-
readable output on stdout; tables and progress go to the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from exportscreen import settings
from exportscreen.model import ListCode, to_json_data

if TYPE_CHECKING:
    from exportscreen.casework.audit_trail import Caller

app = typer.Typer(
    name="exportscreen",
    help="Export-control screening against every US list, versioned and explained.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)

state: dict[str, Any] = {"db": None, "user": None}


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL or SQLite file (default: EXPORTSCREEN_DB, else a file "
            "in the user data directory).",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="Act as this API key's user in the audit trail (default: "
            "EXPORTSCREEN_API_KEY; without a key: EXPORTSCREEN_USER as an administrator "
            "configured it, else the operating-system account).",
        ),
    ] = None,
) -> None:
    state["db"] = db
    state["user"] = _acting_user(key or settings.cli_api_key())


def _acting_user(key: str) -> str:
    """Who the audit trail names: the user of a valid key, else ``settings.default_actor()``.
    There is no option to name someone else: decisions are recorded under a name the store or
    the operating system vouches for."""
    if not key:
        return settings.default_actor()
    from exportscreen.ops.accounts import authenticate_key
    from exportscreen.store import Store

    store = Store.open(db_url())
    try:
        account = authenticate_key(store.engine, key)
    finally:
        store.close()
    if account is None:
        raise fail("the API key is not valid (revoked, its user disabled, or unknown)")
    return account.user


def db_url() -> str:
    return settings.db_url(state["db"])


@contextmanager
def open_store() -> Iterator[Any]:
    from exportscreen.store import Store

    store = Store.open(db_url())
    try:
        yield store
    finally:
        store.close()


_PG_DISK_FULL = "53100"


@contextmanager
def known_failures(what: str = "nothing was imported") -> Iterator[None]:
    """Turn the failures an operator can act on into one-line errors (no traceback): a store
    error (busy store, a rule with no Entity List in force to apply it to...), a full disk, a
    database that cannot be reached. ``what`` says what became of the work (nothing written)."""
    import errno

    from exportscreen.store import StoreError
    from exportscreen.store.errors import DatabaseUnavailable

    try:
        yield
    except StoreError as error:
        raise fail(f"{error}\n{what}.") from error
    except DatabaseUnavailable as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        # PostgreSQL's disk_full (SQLSTATE 53100) says "could not extend file ...: wrote only
        # 4096 of 8192 bytes" when a partial write ran out of space: no "disk" in the words.
        disk_full = getattr(error.orig, "sqlstate", None) == _PG_DISK_FULL
        if disk_full or "disk is full" in reason or "No space left" in reason:
            reason = f"the disk is full ({reason}): free space and run it again"
        raise fail(f"the store failed: {reason}\n{what}.") from error
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        where = f" writing {error.filename}" if error.filename else ""
        raise fail(
            f"the disk is full{where} ({error.strerror}): free space and run it again\n{what}."
        ) from error


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_json_data(data), ensure_ascii=False, indent=2) + "\n")


def parse_when(value: str | None) -> int | date | None:
    """A version id ("12") or a date ("2025-03-01")."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{value!r} is neither a version id nor a date (YYYY-MM-DD)") from error


def parse_list(value: str) -> ListCode:
    try:
        return ListCode(value.upper())
    except ValueError as error:
        codes = ", ".join(c.value for c in ListCode)
        raise fail(f"unknown list {value!r}; one of {codes}") from error


def open_register(store: Any, threshold: float | None = None) -> Any:
    from exportscreen.casework.register import Register

    return Register(store, actor=state["user"], threshold=threshold)


def cli_caller() -> Caller:
    """Who the audit trail names for this command (see ``_acting_user``)."""
    from exportscreen.casework.audit_trail import Caller, Interface

    return Caller(state["user"], Interface.CLI)
