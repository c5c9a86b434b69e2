"""A separate worker process that takes the next batch job and runs it, for the kill tests.

    python -m tests.api.job_worker DB_URL JOBS_DIR [--stall-after N MARKER]

With ``--stall-after``, once N names are screened the process creates MARKER and sleeps in the
middle of the job (holding its lease, renewed by its heartbeat) until it is killed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from exportscreen.api.jobs import JobStore
from exportscreen.matching.index_build import build_index
from exportscreen.store import Store
from tests.casework.rescreen_worker import StallingScreener

LEASE_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("jobs_dir", type=Path)
    parser.add_argument("--stall-after", nargs=2, default=None)
    arguments = parser.parse_args()
    with Store.open(arguments.url, lock_timeout=30) as store:
        versions = {code.value: number for code, number in store.current_version_ids().items()}
        screener = StallingScreener(build_index(store.entries()), store.current_version_ids())
        if arguments.stall_after:
            screener.stall_after = int(arguments.stall_after[0])
            screener.marker = Path(arguments.stall_after[1])
        jobs = JobStore(
            arguments.jobs_dir,
            store,
            current=lambda: (screener, versions),
            lease_seconds=LEASE_SECONDS,
            start=False,
        )
        assert jobs.run_next(), "no job to run"


if __name__ == "__main__":
    main()
