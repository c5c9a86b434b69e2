"""What checking an API key against the store on every request costs (issue 14: revocation takes
effect on the next request, so there is no key cache), beside the work of the request it guards:
screening one name on the same machine, in the same run. Not run in CI.

For each store (SQLite file; PostgreSQL with ``--pg URL``): a user and a key are created in a
fresh database, then ``KeyAuthenticator`` (what every keyed request calls once) is timed over
``--repeat`` lookups, and one name is screened ``--repeat`` times against the fixture lists.

    .venv/bin/python -m benchmarks.key_lookup [--pg postgresql+psycopg://...] [--repeat 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from exportscreen.api.principal import KeyAuthenticator
from exportscreen.ops.accounts import Role, add_user, create_key
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from tests.api.support import load_fixture_lists


def _per_call_us(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p99 of ``repeat`` calls, in microseconds (after 50 warm-up calls)."""
    for _ in range(50):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def _measure(label: str, url: str, repeat: int) -> None:
    with Store.open(url) as store:
        load_fixture_lists(store)
        add_user(store, "bench", Role.VIEWER)
        key = create_key(store, "bench", "benchmark")
        lookup = KeyAuthenticator(store.engine)
        assert lookup(key) is not None
        screener = Screener.from_entries(store.entries())
        key_median, key_p99 = _per_call_us(lambda: lookup(key), repeat)
        name_median, name_p99 = _per_call_us(
            lambda: screener.screen("Acme Photonics", country="CN"), repeat
        )
    print(
        f"{label:10} key lookup  median {key_median:7.0f} us  p99 {key_p99:7.0f} us   "
        f"screening one name (baseline) median {name_median:7.0f} us  p99 {name_p99:7.0f} us"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server URL (a database is made and dropped)")
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _measure("sqlite", f"sqlite:///{Path(tmp) / 'keys.db'}", args.repeat)
    if args.pg:
        name = f"es_bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            _measure("postgresql", args.pg.rsplit("/", 1)[0] + f"/{name}", args.repeat)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
