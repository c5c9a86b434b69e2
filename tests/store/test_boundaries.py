"""The package's layering, checked on the source: SQL only in store/, and no import cycle
between the API's request authentication and its state."""

from __future__ import annotations

import ast
from pathlib import Path

import exportscreen

PACKAGE = Path(exportscreen.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at run time or for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_store_imports_sqlalchemy() -> None:
    offenders = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "store"
        and any(name.split(".")[0] == "sqlalchemy" for name in _imports(path))
    )
    assert offenders == []


def test_the_api_state_does_not_import_request_authentication() -> None:
    # api/auth.py imports api/state.py (for the services of a request); the reverse would be
    # a cycle.
    assert "exportscreen.api.auth" not in _imports(PACKAGE / "api" / "state.py")
    assert "exportscreen.api.state" in _imports(PACKAGE / "api" / "auth.py")


def test_account_commands_do_not_need_the_api() -> None:
    assert not any(
        name.startswith("exportscreen.api") for name in _imports(PACKAGE / "ops" / "accounts.py")
    )
