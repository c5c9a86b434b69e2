"""Screen a Spark DataFrame of counterparties, with the same output as ``exportscreen batch``.

The screener's index travels to the cluster once, as a broadcast of ``Screener.to_bytes()``; each
Python worker process loads it on first use and keeps it for every later task (Spark reuses its
Python workers), so a job over a billion rows loads the index once per worker, not per batch.
Rows are screened with ``mapInPandas`` through ``hit_table.screen_query``, the function the
batch workers use, which is what makes the two outputs equal.

Differences from ``run_batch`` that come from Spark itself: rows that cannot be screened (empty
or symbol-only name, unknown type, an oversized value) are left out rather than written to an
errors file, and a row without an id gets a null ``input_id`` (a DataFrame has no row numbers).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, DoubleType, LongType, StringType, StructField, StructType

from exportscreen.model import Hit, PartyScreener
from exportscreen.screening.hit_table import (
    OUTPUT_COLUMNS,
    OUTPUT_NAMES,
    OutputRow,
    QueryError,
    RepeatedQueries,
    ShippableScreener,
    make_query,
    screen_query,
)
from exportscreen.screening.tabular import ColumnKind, ColumnRole, resolve_columns
from exportscreen.screening.tabular.readers import MAX_FIELD_CHARS

_SPARK_TYPES: dict[ColumnKind, DataType] = {
    ColumnKind.TEXT: StringType(),
    ColumnKind.INTEGER: LongType(),
    ColumnKind.REAL: DoubleType(),
}
# Nullable pandas dtypes, so that a best-only row without a hit carries nulls, not NaN ranks.
_PANDAS_TYPES = {ColumnKind.TEXT: "object", ColumnKind.INTEGER: "Int64", ColumnKind.REAL: "float64"}

# In each Python worker process: the screener of the screen() call it last served, by that
# call's key. (A broadcast has no public id on the executor side, hence a key of our own.)
_loaded: dict[str, PartyScreener] = {}


def output_schema() -> StructType:
    """The Spark schema of screening results: ``hit_table.OUTPUT_COLUMNS``, typed."""
    return StructType([StructField(c.name, _SPARK_TYPES[c.kind], True) for c in OUTPUT_COLUMNS])


def cached_screener(
    key: str, broadcast: Any, load: Callable[[bytes], PartyScreener]
) -> PartyScreener:
    """The screener in ``broadcast`` (its ``value``: ``to_bytes()``), loaded once per Python
    worker process for each ``key``."""
    screener = _loaded.get(key)
    if screener is None:
        _loaded.clear()  # only one index at a time is worth its memory
        screener = _loaded[key] = load(broadcast.value)
    return screener


def _frame(rows: list[OutputRow]) -> pd.DataFrame:
    values = list(zip(*rows, strict=True)) if rows else [()] * len(OUTPUT_COLUMNS)
    return pd.DataFrame(
        {
            column.name: pd.Series(list(cells), dtype=_PANDAS_TYPES[column.kind])
            for column, cells in zip(OUTPUT_COLUMNS, values, strict=True)
        }
    )


def _input_columns(
    df: DataFrame,
    id_col: str | None,
    name_col: str,
    country_col: str | None,
    type_col: str | None,
) -> list[SparkColumn]:
    """The id, name, country and type columns, found as ``batch`` finds them (a column the
    caller named must exist; of the defaults only "name" must); an absent one is null."""
    files = df.inputFiles()
    source = (
        (files[0] if len(files) == 1 else f"{files[0]} and {len(files) - 1} more files")
        if files
        else "the DataFrame"
    )
    found = resolve_columns(
        source,
        df.columns,
        [
            ColumnRole("id", id_col or "id", required=id_col is not None),
            ColumnRole("name", name_col, required=True),
            ColumnRole("country", country_col or "country", required=country_col is not None),
            ColumnRole("type", type_col or "type", required=type_col is not None),
        ],
    )
    return [
        (F.lit(None) if index is None else df[df.columns[index]]).cast("string").alias(role)
        for role, index in found.items()
    ]


def screen(
    df: DataFrame,
    name_col: str = "name",
    id_col: str | None = None,
    country_col: str | None = None,
    type_col: str | None = None,
    threshold: float | None = None,
    best_only: bool = False,
    screener: ShippableScreener | None = None,
    limit: int = 10,
) -> DataFrame:
    """Screen every row of ``df``: a DataFrame of ``OUTPUT_COLUMNS``, one row per hit (or with
    ``best_only`` one per screenable input row). Column names are matched ignoring case; the
    id, country and type columns are used when present. ``screener`` defaults to the current
    lists in the store (``Screener.open()``), built on the driver."""
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    columns = _input_columns(df, id_col, name_col, country_col, type_col)
    if screener is None:
        from exportscreen.screening.screener import Screener

        screener = Screener.open()
    payload = df.sparkSession.sparkContext.broadcast(screener.to_bytes())
    key = uuid.uuid4().hex
    load: Callable[[bytes], PartyScreener] = type(screener).from_bytes

    def screen_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        loaded = cached_screener(key, payload, load)
        repeats = RepeatedQueries[list[Hit] | QueryError]()
        for batch in batches:
            rows: list[OutputRow] = []
            for cells in batch.itertuples(index=False, name=None):
                # Nulls arrive as None or NaN depending on the pandas version: both mean empty.
                values = [cell if isinstance(cell, str) else None for cell in cells]
                if any(v is not None and len(v) > MAX_FIELD_CHARS for v in values):
                    continue
                input_id, name, country, kind = values
                try:
                    query = make_query(0, None, input_id or "", name, country, kind)
                    found = screen_query(
                        loaded,
                        query,
                        threshold=threshold,
                        limit=limit,
                        best_only=best_only,
                        repeats=repeats,
                    )
                except QueryError:
                    continue
                rows.extend(found if input_id else [(None, *row[1:]) for row in found])
            yield _frame(rows)

    return df.select(*columns).mapInPandas(screen_batches, schema=output_schema())


__all__ = ["OUTPUT_NAMES", "cached_screener", "output_schema", "screen"]
