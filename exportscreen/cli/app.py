"""The ``exportscreen`` command line: thin wrappers that parse options, call the library and print.

Every command takes the store from ``--db`` (an SQLAlchemy URL or a SQLite file path), else
``EXPORTSCREEN_DB``, else a SQLite file in the user's data directory. ``--json`` prints machine-
readable output on stdout; tables and progress go to the terminal. Each module of this package
adds the commands of one concern to the one Typer app of ``common``.
"""

from __future__ import annotations

# The modules register their commands in this order, which is the order --help lists them in.
# isort: off
from exportscreen.cli import lists, changes, screening, casework, determine, ops

# isort: on
from exportscreen.cli.common import app
from exportscreen.cli.screening import EXIT_BAD_ROWS, EXIT_INTERRUPTED

__all__ = [
    "EXIT_BAD_ROWS",
    "EXIT_INTERRUPTED",
    "app",
    "casework",
    "changes",
    "determine",
    "lists",
    "ops",
    "screening",
]
