"""How long a batch run takes to start: a fresh process imports exportscreen, loads the index from
its bytes (as the CLI loads its cache file), and screens the first 10 of yente's customers with 2
workers. Prints the time of each step, then the whole process's wall and CPU time (the workers'
included), for ``--repeat`` runs.

    .venv/bin/python benchmarks/batch_startup.py
    .venv/bin/python benchmarks/batch_startup.py --repeat 3 --workers 2
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.batch import DEFAULT_LISTS, YENTE_FILE
from exportscreen import settings
from exportscreen.screening.screener import Screener
from exportscreen.sources import parse

ROWS = 10
_CHILD = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from exportscreen.screening.batch import run_batch
from exportscreen.screening.screener import Screener
imported = time.perf_counter()
screener = Screener.from_bytes(Path(sys.argv[1]).read_bytes())
loaded = time.perf_counter()
run_batch(
    Path(sys.argv[2]), Path(sys.argv[3]), screener=screener, workers=int(sys.argv[4]),
    name_col="full_name",
)
done = time.perf_counter()
print(
    f"imports {imported - started:.2f} s, index load {loaded - imported:.2f} s, "
    f"workers started and {sys.argv[5]} rows screened {done - loaded:.2f} s"
)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    entries = parse(settings.shared_data_dir() / DEFAULT_LISTS).entries
    with tempfile.TemporaryDirectory(prefix="exportscreen-startup-") as temp:
        work = Path(temp)
        index = work / "index.bin"
        index.write_bytes(Screener.from_entries(entries, neighbours=True).to_bytes())
        lines = (settings.shared_eval_dir() / YENTE_FILE).read_text("utf-8").splitlines()
        source = work / "customers.csv"
        source.write_text("\n".join(lines[: ROWS + 1]) + "\n", encoding="utf-8")
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            command = [sys.executable, "-c", _CHILD, str(index), str(source)]
            command += [str(work / "hits.csv"), str(args.workers), str(ROWS)]
            # Run from the work folder: `python -c` puts its folder first on the path.
            done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=work)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            print(f"{done.stdout.strip()}; whole process: wall {wall:.2f} s, CPU {cpu:.2f} s")


if __name__ == "__main__":
    main()
