"""exportscreen: export-control screening against every US list, versioned and explained."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from exportscreen.screening.screener import Screener

__all__ = ["Screener", "__version__"]


def __getattr__(name: str) -> Any:
    # Importing the screener pulls in the matcher and the store; keep ``import exportscreen``
    # cheap for the CLI's --help and for the Spark executors that only need the model.
    if name == "Screener":
        from exportscreen.screening.screener import Screener

        return Screener
    raise AttributeError(name)
