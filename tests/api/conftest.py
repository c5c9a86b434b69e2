from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.api.auth import Role
from exportscreen.store import Store
from tests.api.support import Keys, add_users, build_app, config_for, load_fixture_lists, running


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'api.db'}") as opened:
        load_fixture_lists(opened)
        yield opened


@pytest.fixture()
def keys(store: Store) -> Keys:
    return add_users(store)


@pytest.fixture()
def client(store: Store, keys: Keys, tmp_path: Path) -> Iterator[TestClient]:
    app = build_app(store, config_for(tmp_path, str(store.engine.url)))
    with running(app) as test_client:
        yield test_client


@pytest.fixture()
def viewer(keys: Keys) -> dict[str, str]:
    return keys.header(Role.VIEWER)


@pytest.fixture()
def analyst(keys: Keys) -> dict[str, str]:
    return keys.header(Role.ANALYST)


@pytest.fixture()
def admin(keys: Keys) -> dict[str, str]:
    return keys.header(Role.ADMIN)
