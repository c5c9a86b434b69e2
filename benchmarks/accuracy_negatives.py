"""False alerts at the default threshold, and the named examples an analyst checks first.

    .venv/bin/python -m benchmarks.accuracy_negatives            # yente 50,000 + Faker 4,900
    .venv/bin/python -m benchmarks.accuracy_negatives --quick    # 5,000 yente rows

Three measures, each at ``settings.DEFAULT_THRESHOLD``:

- yente's synthetic customers (``evaldata/yente/candidate_generation_benchmark/negatives_global
  .csv``, 50,000 rows generated to match no sanctioned party), screened as persons with the date
  of birth and nationality each row gives, as a batch file with those columns would be; and once
  more with the name alone;
- Faker names and companies, 175 in each of the 28 locales of the accuracy set (4,900);
- the examples of ``EXAMPLES``: names that must not alert (each a nonsense alert once seen) and
  names that must find a given entry.

The share alerting is the false-alert rate (a few rows may name a real listed party by chance:
the top alerts are written to ``benchmarks/out/negatives-alerts.txt`` for reading).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from faker import Faker

from benchmarks import evalset
from exportscreen import settings
from exportscreen.model import Hit
from exportscreen.screening.screener import Screener

OUT_DIR = Path(__file__).resolve().parent / "out"
FAKER_PER_LOCALE = 175


@dataclass(frozen=True, slots=True)
class Example:
    """A query and what must happen: ``expected`` names the entry (by its id, or part of one of
    its names when ids are hashes) that must be found; ``forbidden`` one that must not alert;
    with neither, nothing may alert."""

    name: str
    expected: str | None = None
    forbidden: str | None = None
    country: str | None = None
    type: str | None = None
    address: str | None = None


EXAMPLES: tuple[Example, ...] = (
    # Equivalences mined from one entry's aliases applied to everyone (issue 16).
    Example("David King"),
    Example("David Johnson"),
    Example("China Mobile Limited", forbidden="IRANIAN POLICE"),  # the name itself is listed
    # Short and generic queries.
    Example("7"),
    Example("Smith Inc"),
    Example("David SA"),
    Example("Fritsch AG"),
    Example("Prime Logistics"),
    Example("Al Noor Trading LLC"),
    # The nonsense was KONY, Ali reached through his weak a.k.a. MOHAMMED, Ali (0.95).
    # The same name also meets 'ALI, Muhammad (SDN-22113, SDN-22151, Syria) as a full person
    # name, lowered but not cleared by the other country: a true name match, which a country
    # alone must not clear (nationality and residence differ), so only KONY is forbidden.
    Example("Mohammad Ali", country="IR", forbidden="SDN-19930"),
    # Names that must be found.
    Example("TEG LIMITED", expected="T.E.G. LIMITED"),
    Example("T E G Limited", expected="T.E.G. LIMITED"),
    Example("TMG ENGINEERING", expected="T.M.G. ENGINEERING LIMITED"),
    Example("SMIC", expected="SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION"),
    Example("新华三", expected="NEW H3C"),
    Example("中芯国际", expected="SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION"),
    Example("海康威视", expected="HIKVISION"),
    Example("科大讯飞", expected="IFLYTEK"),
    Example("旷视", expected="MEGVII"),
    Example("大疆", expected="DJI"),
    Example("中国电子科技集团公司第十四研究所", expected="14TH RESEARCH INSTITUTE"),
    Example("金正恩", expected="KIM, JONG UN"),  # as the SDN list writes it
    Example("浪潮集团", expected="INSPUR GROUP"),
    Example("HEZBOLLAH ORGANIZATION", expected="HIZBALLAH"),
    Example("AEROCARIBBEAN", expected="AEROCARIBBEAN AIRLINES"),
    # Entity List "Address 09" (89 FR 68548), by its address alone.
    Example(
        "Harbour Trading Ltd",
        expected="Address 09",
        address="Room 1003, 10/F, Lippo Centre Tower 1, 89 Queensway, Admiralty, Hong Kong",
    ),
)


def _describe(hit: Hit) -> str:
    return f"{hit.entry.id} {hit.entry.name!r} {hit.score:.3f}"


def _found(wanted_name: str, hits: Sequence[Hit], threshold: float) -> bool:
    wanted = wanted_name.casefold()
    return any(
        h.score >= threshold
        and (h.entry.id.casefold() == wanted or any(wanted in n.casefold() for n in h.entry.names))
        for h in hits
    )


def run_examples(screener: Screener, threshold: float) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for example in EXAMPLES:
        kwargs: dict[str, str] = {}
        if example.address is not None:
            kwargs["address"] = example.address
        hits = screener.screen(
            example.name,
            country=example.country,
            type=example.type,
            threshold=0.3,
            limit=5,
            **kwargs,  # type: ignore[arg-type]
        )
        alerting = [h for h in hits if h.score >= threshold]
        if example.expected is not None:
            ok = _found(example.expected, hits, threshold)
        elif example.forbidden is not None:
            ok = not _found(example.forbidden, hits, threshold)
        else:
            ok = not alerting
        rows.append(
            {
                "query": example.name,
                "expected": example.expected
                or (f"not {example.forbidden}" if example.forbidden else "no alert"),
                "ok": ok,
                "top": [_describe(h) for h in hits[:2]],
            }
        )
    return rows


def yente_rows(eval_dir: Path, limit: int) -> list[dict[str, str]]:
    path = eval_dir / "yente" / "candidate_generation_benchmark" / "negatives_global.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["full_name"].strip()]
    return rows[:limit] if limit else rows


def faker_rows(seed: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for locale in evalset.FAKER_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        for i in range(FAKER_PER_LOCALE):
            rows.append((fake.company(), "company") if i % 2 else (fake.name(), "person"))
    return rows


def _screen_qualified(screener: Screener, row: dict[str, str], threshold: float) -> list[Hit]:
    """A yente row screened as a batch row with date of birth and nationality columns would be
    (a nationality the country table does not know is left out, as a batch would refuse it)."""
    asked = {
        "type": "person",
        "threshold": threshold,
        "limit": 1,
        "date_of_birth": row["date_of_birth"] or None,
        "nationality": row["nationality"] or None,
    }
    try:
        return screener.screen(row["full_name"], **asked)  # type: ignore[arg-type]
    except TypeError:  # a screener without the nationality qualifier (before issue 16)
        del asked["nationality"]
    except ValueError:  # an unknown nationality
        del asked["nationality"]
    return screener.screen(row["full_name"], **asked)  # type: ignore[arg-type]


app = typer.Typer(add_completion=False)


@app.command()
def main(
    quick: Annotated[bool, typer.Option(help="5,000 yente rows instead of 50,000")] = False,
    seed: Annotated[int, typer.Option(help="Faker's seed")] = evalset.SEED,
    weak_marks: evalset.WeakMarksOption = True,
) -> None:
    raw_dir = settings.shared_data_dir() / "raw"
    eval_dir = settings.shared_eval_dir()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    threshold = settings.DEFAULT_THRESHOLD
    index = evalset.load_index_cached(raw_dir, OUT_DIR)
    marks = evalset.load_marks(raw_dir) if weak_marks else []
    screener = Screener.from_entries(index, marks)
    result: dict[str, object] = {"threshold": threshold, "entries": len(index)}
    result["weak_marks"] = [f"{m.source}: {len(m)} aliases" for m in marks]
    alerts: list[str] = []

    examples = run_examples(screener, threshold)
    result["examples"] = examples
    for row in examples:
        print(
            f"{'ok  ' if row['ok'] else 'FAIL'} {row['query']!r} ({row['expected']}): {row['top']}"
        )

    started = time.perf_counter()
    rows = yente_rows(eval_dir, 5000 if quick else 0)
    qualified = plain = 0
    for row in rows:
        hits = _screen_qualified(screener, row, threshold)
        if hits:
            qualified += 1
            alerts.append(
                f"yente+dob {row['full_name']!r} {row['date_of_birth']} "
                f"{row['nationality']} -> {_describe(hits[0])}"
            )
        if screener.screen(row["full_name"], threshold=threshold, limit=1):
            plain += 1
    result["yente"] = {
        "rows": len(rows),
        "alerts_with_dob_nationality": qualified,
        "rate_with_dob_nationality": qualified / len(rows),
        "alerts_name_only": plain,
        "rate_name_only": plain / len(rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    fakes = faker_rows(seed)
    faker_alerts = 0
    for text, kind in fakes:
        hits = screener.screen(text, threshold=threshold, limit=1)
        if hits:
            faker_alerts += 1
            alerts.append(f"faker[{kind}] {text!r} -> {_describe(hits[0])}")
    result["faker"] = {
        "rows": len(fakes),
        "alerts": faker_alerts,
        "rate": faker_alerts / len(fakes),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "examples"}, indent=2))
    mode = "quick" if quick else "full"
    (OUT_DIR / f"negatives-{mode}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (OUT_DIR / f"negatives-alerts-{mode}.txt").write_text("\n".join(alerts) + "\n", "utf-8")


if __name__ == "__main__":
    app()
