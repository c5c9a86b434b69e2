"""Operations: status, backups, and the server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from exportscreen.cli.common import (
    app,
    console,
    db_url,
    err,
    fail,
    known_failures,
    open_store,
    print_json,
    state,
)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Each list's data age, last update and last error; versions staged pending review and a
    re-screen that did not complete are warned about."""
    from exportscreen.cli.lists import print_pending_rules
    from exportscreen.ops.status import list_status, unfinished_rescreen

    with open_store() as store:
        found = list_status(store)
        pending = store.pending_rules()
        rescreen = unfinished_rescreen(store)
    if as_json:
        print_json(found)  # the pending rules are in ``lists --json``
        if rescreen is not None:
            err.print(f"[yellow]warning: {rescreen.warning}[/]")
        return
    table = Table("list", "version", "data as of", "data age", "imported", "last attempt", "error")
    for s in found:
        attempt = s.last_attempt
        table.add_row(
            s.list.value,
            str(s.version_id or "-"),
            s.as_of.isoformat() if s.as_of else "-",
            f"{s.data_age_days} d" if s.data_age_days is not None else "-",
            s.imported_at.strftime("%Y-%m-%d %H:%M") if s.imported_at else "-",
            f"{attempt.status} {attempt.started_at:%Y-%m-%d %H:%M}" if attempt else "never",
            Text(s.last_failure.error or "", style="red") if s.failing and s.last_failure else "",
        )
    console.print(table)
    _print_staged([v for s in found for v in s.staged])
    print_pending_rules(pending)
    if rescreen is not None:
        err.print(f"[yellow]warning: {rescreen.warning}[/]")
    if any(s.failing for s in found):
        raise typer.Exit(1)


def _print_staged(staged: list[Any]) -> None:
    for v in staged:
        err.print(
            f"[yellow]{v.list.value} version {v.id} ({v.file_name}, {v.entry_count:,} entries, "
            f"data of {v.as_of}) is staged pending review: {'; '.join(v.notes.get('staged', []))}"
            "[/]"
        )
    if staged:
        err.print(
            "[yellow]see what one would change with `exportscreen diff LIST --to VERSION`; "
            "decide with `exportscreen versions accept|reject VERSION`[/]"
        )


versions_app = typer.Typer(
    help="List versions held back by a plausibility check, and an admin's decision on them.",
    invoke_without_command=True,
)
app.add_typer(versions_app, name="versions")


@versions_app.callback()
def versions(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The versions staged pending review (a removal of more than 5% of a list, of an entry with
    open alerts, or fewer entries than another publisher lists): written, never current until
    accepted."""
    if ctx.invoked_subcommand is not None:
        return
    from exportscreen.ops.reviews import pending

    with open_store() as store:
        staged = pending(store)
    if as_json:
        print_json(staged)
        return
    table = Table("version", "list", "file", "data as of", "entries", "why")
    for v in staged:
        table.add_row(
            str(v.id),
            v.list.value,
            v.file_name,
            v.as_of.isoformat(),
            f"{v.entry_count:,}",
            "; ".join(v.notes.get("staged", [])),
        )
    console.print(table if staged else "no version is pending review")


@versions_app.command("accept")
def versions_accept(
    version_id: Annotated[int, typer.Argument(metavar="VERSION", help="A staged version id.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
) -> None:
    """Accept a staged version: it is in force from its date (the current one if latest)."""
    _review(version_id, reason, accept=True)


@versions_app.command("reject")
def versions_reject(
    version_id: Annotated[int, typer.Argument(metavar="VERSION", help="A staged version id.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
) -> None:
    """Reject a staged version: kept for the record, never in force."""
    _review(version_id, reason, accept=False)


def _review(version_id: int, reason: str, *, accept: bool) -> None:
    from exportscreen.ops import reviews

    decide = reviews.accept if accept else reviews.reject
    with known_failures("nothing was changed"), open_store() as store:
        decided = decide(store, version_id, actor=state["user"], reason=reason)
    console.print(f"{decided.list.value} version {decided.id} {decided.review.value}")


@app.command("export")
def export_(
    path: Annotated[Path, typer.Argument(help="Backup file (.jsonl or .jsonl.gz).")],
) -> None:
    """Back up counterparties, alerts, decisions, ownership, users and the audit trail."""
    from exportscreen.ops.backup import export_backup

    with open_store() as store:
        summary = export_backup(store, path)
    console.print(
        f"backup written to {path}: " + ", ".join(f"{k} {v:,}" for k, v in summary.counts.items())
    )


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A backup written by `exportscreen export`.")],
    allow_unsigned: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned",
            help="Also restore a backup made before backups were signed (format 1), whose "
            "digest anyone could have recomputed after an edit.",
        ),
    ] = False,
) -> None:
    """Restore a backup into an empty store; the whole file is checked (its HMAC with the audit
    key, the audit chain) before anything is written."""
    from exportscreen.ops.backup import import_backup
    from exportscreen.sources.common import SourceError
    from exportscreen.store import StoreError

    with open_store() as store:
        try:
            summary = import_backup(store, path, allow_unsigned=allow_unsigned)
        except (SourceError, StoreError) as error:
            raise fail(f"{error}\nnothing was restored.") from error
    console.print(
        f"restored from {path}: " + ", ".join(f"{k} {v:,}" for k, v in summary.counts.items())
    )


users_app = typer.Typer(help="Users of the API and web UI.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes sharing the store.")] = 1,
    update_every: Annotated[
        str | None, typer.Option(help="Refresh the lists on this schedule (6h, 30m, 1d).")
    ] = None,
    mirror: Annotated[str | None, typer.Option(help="Mirror base URL for the updates.")] = None,
) -> None:
    """Run the HTTP API and the web UI (uvicorn; gunicorn with uvicorn workers for several)."""
    from dataclasses import replace

    from exportscreen.api.config import ApiConfig
    from exportscreen.api.workers import serve as serve_api
    from exportscreen.ops.status import parse_every

    if workers < 1:
        raise fail("--workers must be at least 1")
    try:
        every = parse_every(update_every) if update_every else None
    except ValueError as error:
        raise fail(str(error)) from error
    config = ApiConfig.from_settings(db_url())
    if not config.cookie_secure and not _loopback(host):
        raise fail(
            "EXPORTSCREEN_COOKIE_SECURE=false sends session cookies over plain HTTP: only for a "
            f"server on a loopback address, not {host}; put TLS in front of it instead"
        )
    # Options given here override the settings; the workers get this config, not the environment.
    if every is not None:
        config = replace(config, update_every=every)
    if mirror:
        config = replace(config, mirror=mirror)
    serve_api(config, host, port, workers)


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    password: Annotated[
        bool, typer.Option("--password", help="Prompt for a password (for the web UI).")
    ] = False,
) -> None:
    """Add a user; API keys are created for users with `keys create`."""
    from exportscreen.ops.accounts import add_user

    secret = (
        typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    )
    with open_store() as store:
        try:
            add_user(store, name, role, secret, actor=state["user"])
        except ValueError as error:
            raise fail(str(error)) from error
    console.print(f"user {name} added as {role}")


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Set a user's password for the web UI (prompted, never given on the command line)."""
    from exportscreen.ops.accounts import set_password

    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with open_store() as store:
        try:
            set_password(store, name, secret, actor=state["user"])
        except (ValueError, LookupError) as error:
            raise fail(str(error)) from error
    console.print(f"password of {name} set")


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Argument(help="The user the key acts as.")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from exportscreen.ops.accounts import create_key

    with open_store() as store:
        try:
            key = create_key(store, user, label, actor=state["user"])
        except LookupError as error:
            raise fail(str(error)) from error
    err.print("the key (shown once; keep it secret):")
    sys.stdout.write(key + "\n")


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Disable a user: their API keys and web sessions stop working at once (the user stays in
    the audit trail). Running servers refuse its keys from their next request."""
    from exportscreen.ops.accounts import disable_user

    with open_store() as store:
        try:
            disable_user(store, name, actor=state["user"])
        except (ValueError, LookupError) as error:
            raise fail(str(error)) from error
    console.print(f"user {name} disabled")


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every user with their role, and whether they are disabled or locked out."""
    from exportscreen.ops.accounts import users

    with open_store() as store:
        found = users(store.engine)
    rows = [
        {
            "user": u.name,
            "role": u.role,
            "password": u.password_hash is not None,
            "disabled_at": u.disabled_at,
            "locked_until": u.locked_until,
        }
        for u in found
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("user", "role", "password", "disabled", "locked until")
    for row in rows:
        table.add_row(
            str(row["user"]),
            str(row["role"]),
            "yes" if row["password"] else "no",
            str(row["disabled_at"] or ""),
            str(row["locked_until"] or ""),
        )
    console.print(table)


@keys_app.command("list")
def keys_list(
    user: Annotated[str | None, typer.Option(help="Only this user's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every API key: its id (for `keys revoke`), user, label, and when it was created or
    revoked. The keys themselves are not stored and cannot be shown."""
    from exportscreen.ops.accounts import keys

    with open_store() as store:
        found = keys(store.engine, user)
    if as_json:
        print_json(found)
        return
    table = Table("id", "user", "label", "created", "revoked")
    for key in found:
        table.add_row(
            str(key.id), key.user, key.label, str(key.created_at), str(key.revoked_at or "")
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (`keys list`).")]) -> None:
    """Revoke an API key. Running servers refuse it from their next request."""
    from exportscreen.ops.accounts import revoke_key

    with open_store() as store:
        try:
            revoke_key(store, key_id, actor=state["user"])
        except LookupError as error:
            raise fail(str(error)) from error
    console.print(f"key {key_id} revoked")
