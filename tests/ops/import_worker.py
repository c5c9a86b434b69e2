"""A separate process that imports one list file, for the crash and multi-process tests.

    python -m tests.ops.import_worker DB_URL FILE [--stall MARKER]

With ``--stall``, once the import transaction has written its first batch of entries the
process creates MARKER and then sleeps, holding the transaction open until it is killed.
Otherwise it imports and prints the created version ids as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from exportscreen import sources
from exportscreen.store import Store

STALL_SECONDS = 600.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("file", type=Path)
    parser.add_argument("--stall", type=Path, default=None)
    arguments = parser.parse_args()
    parsed = sources.parse(arguments.file)
    marker: Path | None = arguments.stall

    def progress(done: int, total: int) -> None:
        if marker is not None and not marker.exists():
            marker.write_text(f"{done}/{total}\n")
            time.sleep(STALL_SECONDS)

    with Store.open(arguments.url, lock_timeout=30) as store:
        result = store.import_source(parsed, progress=progress)
    print(json.dumps({v.list.value: v.id for v in result.created}))


if __name__ == "__main__":
    main()
