"""Several API workers share one store: each process, with its own Store and connection pool,
sees the imports the others commit. The API's index reload polls ``current_version_ids`` and
relies on exactly this."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from exportscreen import sources
from exportscreen.model import ListCode
from exportscreen.store import Store
from tests.store.factories import HUAWEI, NETTRIX, parsed

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "ops" / "csl_two_parties.csv"

READ_CURRENT = """
import json, sys
from exportscreen.store import Store
with Store.open(sys.argv[1]) as store:
    print(json.dumps({code.value: number for code, number in store.current_version_ids().items()}))
"""


def in_another_process(*arguments: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, check=True, timeout=120
    )
    found: dict[str, int] = json.loads(done.stdout)
    return found


def test_each_worker_sees_the_others_imports(store_url: str) -> None:
    with Store.open(store_url) as worker:
        assert worker.current_version_ids() == {}  # a pooled connection, opened before

        created = in_another_process("-m", "tests.ops.import_worker", store_url, str(FIXTURE))

        expected = {entry.list.value for entry in sources.parse(FIXTURE).entries}
        assert set(created) == expected == {"EL", "DPL"}
        assert {code.value: n for code, n in worker.current_version_ids().items()} == created

        # And the other way round: this worker imports, a fresh process sees it.
        result = worker.import_source(parsed([HUAWEI, NETTRIX], name="el-next.csv"))
        (newer,) = result.created
        assert newer.list is ListCode.EL
        seen = in_another_process("-c", READ_CURRENT, store_url)
        assert seen == {**created, "EL": newer.id}
