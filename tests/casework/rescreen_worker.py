"""A separate process that re-screens a register, for the kill tests.

    python -m tests.casework.rescreen_worker DB_URL SINCE [--stall-after N MARKER]

Builds the screener from the store's current lists, re-screens the register against what
changed since SINCE (an ISO date) and prints the report as JSON. With ``--stall-after``, once N
counterparties are screened the process creates MARKER and sleeps in the middle of its part
(screened, not yet written) until it is killed.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from exportscreen.casework.register import Register
from exportscreen.casework.rescreen import rescreen
from exportscreen.matching.index_build import build_index
from exportscreen.model import Hit
from exportscreen.screening.screener import Screener
from exportscreen.store import Store

THRESHOLD = 0.8
STALL_SECONDS = 600.0


class StallingScreener(Screener):
    """A screener that stops for good after ``stall_after`` screenings."""

    stall_after: int | None = None
    marker: Path | None = None
    screenings = 0

    def screen(self, name: str, *args: Any, **options: Any) -> list[Hit]:
        self.screenings += 1
        if self.stall_after is not None and self.screenings > self.stall_after:
            assert self.marker is not None
            self.marker.write_text(f"{self.screenings - 1}\n")
            time.sleep(STALL_SECONDS)
        return super().screen(name, *args, **options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("since", type=date.fromisoformat)
    parser.add_argument("--stall-after", nargs=2, default=None)
    arguments = parser.parse_args()
    with Store.open(arguments.url, lock_timeout=30) as store:
        screener = StallingScreener(build_index(store.entries()), store.current_version_ids())
        if arguments.stall_after:
            screener.stall_after = int(arguments.stall_after[0])
            screener.marker = Path(arguments.stall_after[1])
        register = Register(store, actor="worker", threshold=THRESHOLD)
        report = rescreen(store, register, screener, since=arguments.since)
    print(json.dumps(report.to_dict()))


if __name__ == "__main__":
    main()
