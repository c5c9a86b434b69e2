"""A separate process that runs ``load_paths`` on several files, for the kill-between-files test.

    python -m tests.ops.load_worker DB_URL MARKER FILE...

Once the second file's import has begun (the first one written, in the same transaction), the
process creates MARKER and sleeps, holding the transaction open until it is killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from exportscreen.ops.loading import load_paths
from exportscreen.store import Store

STALL_SECONDS = 600.0


def main() -> None:
    url, marker, *files = sys.argv[1:]
    totals: list[int] = []

    def progress(done: int, total: int) -> None:
        # Each file reports its own total: a second one means the second file is being written.
        if total not in totals:
            totals.append(total)
        if len(totals) > 1:
            Path(marker).write_text("second file started\n")
            time.sleep(STALL_SECONDS)

    with Store.open(url, lock_timeout=30) as store:
        load_paths(store, [Path(f) for f in files], progress=progress)


if __name__ == "__main__":
    main()
