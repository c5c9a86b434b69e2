"""Building test stores and apps: the two-version fixture lists, users with keys, a client."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from exportscreen.api.app import create_app
from exportscreen.api.config import ApiConfig
from exportscreen.model import ListCode, entry_from_dict
from exportscreen.ops.accounts import Role, add_user, create_key
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
LISTS_FILE = FIXTURES / "lists.json"
PASSWORD = "correct horse battery"


def load_fixture_lists(store: Store, path: Path = LISTS_FILE) -> None:
    """Import each version of the fixture file as a snapshot of EL and SDN, oldest first."""
    data = json.loads(path.read_text("utf-8"))
    for number, version in enumerate(data["versions"]):
        entries = [entry_from_dict(e) for e in version["entries"]]
        digest = hashlib.sha256(f"{path.name}:{number}".encode()).hexdigest()
        store.import_source(
            ParsedSource(
                format="test_fixture",
                paths=(path,),
                sha256=digest,
                as_of=date.fromisoformat(version["as_of"]),
                entries=entries,
                lists=(ListCode.EL, ListCode.SDN),
            )
        )


@dataclass(frozen=True)
class Keys:
    viewer: str
    analyst: str
    admin: str

    def header(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role.label)}"}


def add_users(store: Store) -> Keys:
    keys = {}
    for role in Role:
        add_user(store, role.label, role, PASSWORD)
        keys[role.label] = create_key(store, role.label, "tests")
    return Keys(**keys)


def config_for(tmp: Path, db_url: str, **overrides: object) -> ApiConfig:
    base = ApiConfig(
        db_url=db_url,
        secret_file=tmp / "session.key",
        jobs_dir=tmp / "jobs",
        reload_check_seconds=3600.0,
        cookie_secure=False,  # the test client speaks plain HTTP to "testserver"
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@contextmanager
def running(app: FastAPI) -> Iterator[TestClient]:
    # raise_server_exceptions=False: see the 500 the client would see, not the exception.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def build_app(store: Store, config: ApiConfig) -> FastAPI:
    return create_app(config, store=store, load_in_background=False)


@contextmanager
def commits_counted() -> Iterator[list[int]]:
    """Counts the transactions committed meanwhile, on any engine (the audit writer has its
    own): ``with commits_counted() as commits: ...; commits[0]``."""
    counted = [0]

    def count(_conn: sa.Connection) -> None:
        counted[0] += 1

    sa.event.listen(sa.Engine, "commit", count)
    try:
        yield counted
    finally:
        sa.event.remove(sa.Engine, "commit", count)
