"""Bad rows, one way for every loader and importer.

A compliance officer must never get a list (or a register) that silently lacks a row. So by
default the first bad row stops the whole load with a ``SourceError`` naming file, line and field;
only when the caller asked to skip bad rows (``--skip-bad-rows``) is each one kept as a
``RowProblem`` instead, for the caller to report (the load's summary, batch's bad-row file,
exit code 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType

from exportscreen.sources.common import RowProblem, SourceError


@dataclass(slots=True)
class BadRows:
    """Raises the first bad row, or with ``skip`` collects them all in ``problems``."""

    skip: bool
    problems: list[RowProblem] = field(default_factory=list)

    def report(self, error: SourceError) -> None:
        """A bad row: raised at once unless skipping, else remembered."""
        if not self.skip:
            raise error
        self.problems.append(RowProblem.from_error(error))

    def guard(self) -> _RowGuard:
        """``with bad_rows.guard(): ...`` reports a SourceError raised by one row's work and,
        when skipping, carries on after the block (so the row is left out)."""
        return _RowGuard(self)


class _RowGuard:
    __slots__ = ("_rows",)

    def __init__(self, rows: BadRows):
        self._rows = rows

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(error, SourceError):
            return False
        self._rows.report(error)  # raises the same error again unless skipping
        return True


__all__ = ["BadRows"]
