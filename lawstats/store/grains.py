"""The grains statement: the SQL that reduces facts to per-region candidates for the roll-up.

One statement per call, static text with bound parameters only: for every period asked, each
region's exact-period flow fact, each tiling of the period by finer facts (with its month count),
and the latest stock level inside the period ("grains"). lawstats.store.rollup chooses among them
and rolls them up over the region tree; lawstats.store.summary stores the same statement's result
for the periods the dashboard's picker offers.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lawstats.domain.periods import Period
from lawstats.store import is_duckdb

_PERIODS = """
WITH periods AS (
    SELECT unnest(CAST(:p_idx AS INTEGER[])) AS pidx,
           unnest(CAST(:p_start AS DATE[])) AS p_start,
           unnest(CAST(:p_end AS DATE[])) AS p_end
)
"""


def _fill(template: str, **parts: str) -> str:
    """A statement template with its {name} parts filled (static SQL text only)."""
    for name, text in parts.items():
        template = template.replace("{" + name + "}", text)
    return template


# Flows and rates per period, and every indicator's fact for exactly the period (grain -1; for a
# stock too, which beats its latest finer level): `{p}` is the relation carrying
# pidx/p_start/p_end, `{source}` the FROM and WHERE that pair each fact with its period.
_FLOW_GRAINS_TEMPLATE = """
SELECT {p}.pidx, f.region_code, f.indicator_code,
       CASE WHEN f.period_start = {p}.p_start AND f.period_end = {p}.p_end THEN -1
            ELSE f.period_months END AS grain,
       {batches}count(*) AS n,
       sum(f.value) AS value,
       bool_or(f.is_approximate) AS approx,
       bool_or(f.is_reported_rate) AS rate,
       max(f.period_end) AS as_of
{source}
  AND (f.period_months > 0 OR (f.period_start = {p}.p_start AND f.period_end = {p}.p_end))
  AND (f.indicator_code IN :grain_codes
       OR (f.period_start = {p}.p_start AND f.period_end = {p}.p_end))
GROUP BY {p}.pidx, f.region_code, f.indicator_code,
         CASE WHEN f.period_start = {p}.p_start AND f.period_end = {p}.p_end THEN -1
              ELSE f.period_months END
"""
_FLOW_GRAINS = _fill(
    _FLOW_GRAINS_TEMPLATE,
    source="""FROM facts f
JOIN periods p ON f.period_start >= p.p_start AND f.period_end <= p.p_end
WHERE f.is_current AND f.value IS NOT NULL
  AND f.period_start >= :lo AND f.period_end <= :hi
  AND (f.indicator_code IN :grain_codes OR f.indicator_code IN :stock_codes){regions}""",
    p="p",
)
# DuckDB: the latest level in one pass (arg_max on end date, then start date: k orders both);
# `{columns}` and `{source}` select the facts, `{join}` pairs them with their periods.
_STOCK_LATEST_TEMPLATE = """
SELECT {p}.pidx, f.region_code, f.indicator_code, 0 AS grain,
       {batch_one}1 AS n,
       arg_max(f.value, f.k) AS value,
       arg_max(f.is_approximate, f.k) AS approx,
       arg_max(f.is_reported_rate, f.k) AS rate,
       max(f.period_end) AS as_of
FROM (
    SELECT {columns},
           (period_end - DATE '1900-01-01') * 100000 + (period_start - DATE '1900-01-01') AS k
    {source}
) f
{join}
GROUP BY {p}.pidx, f.region_code, f.indicator_code
"""
_STOCK_LATEST_DUCKDB = _fill(
    _STOCK_LATEST_TEMPLATE,
    columns="""region_code, indicator_code, period_start, period_end, value, is_approximate,
           is_reported_rate, batch_id""",
    source="""FROM facts
    WHERE is_current AND value IS NOT NULL
      AND period_start >= :lo AND period_end <= :hi
      AND indicator_code IN :stock_codes{regions_unaliased}""",
    join="JOIN periods p ON f.period_start >= p.p_start AND f.period_end <= p.p_end",
    p="p",
)
# Any other SQL database (PostgreSQL): the same rows through a window function.
_STOCK_LATEST_GENERIC = """
SELECT pidx, region_code, indicator_code, 0 AS grain, {batch_one}1 AS n, value, approx, rate,
       as_of
FROM (
    SELECT p.pidx, f.region_code, f.indicator_code, f.batch_id, f.value,
           f.is_approximate AS approx, f.is_reported_rate AS rate, f.period_end AS as_of,
           row_number() OVER (
               PARTITION BY p.pidx, f.region_code, f.indicator_code
               ORDER BY f.period_end DESC, f.period_start DESC
           ) AS rn
    FROM facts f
    JOIN periods p ON f.period_start >= p.p_start AND f.period_end <= p.p_end
    WHERE f.is_current AND f.value IS NOT NULL
      AND f.period_start >= :lo AND f.period_end <= :hi
      AND f.indicator_code IN :stock_codes{regions}
) latest
WHERE rn = 1
"""


# DuckDB, when each period lies inside one calendar year and no two share a year (a year, or the
# same range in several years, the usual case): a fact's period follows from its year by list
# lookup, instead of joining every fact with every period. Same rows as above.
_BY_YEAR = """
    SELECT CAST(:y_idx AS INTEGER[])[year(period_start) - :y0 + 1] AS pidx,
           CAST(:y_start AS DATE[])[year(period_start) - :y0 + 1] AS p_start,
           CAST(:y_end AS DATE[])[year(period_start) - :y0 + 1] AS p_end,
           region_code, indicator_code, period_start, period_end, period_months, value,
           is_approximate, is_reported_rate, batch_id
    FROM facts
    WHERE is_current AND value IS NOT NULL
      AND period_start >= :lo AND period_end <= :hi
      AND {codes}{regions_unaliased}
"""
_FLOW_GRAINS_BY_YEAR = _fill(
    _FLOW_GRAINS_TEMPLATE,
    source="FROM ("
    + _fill(_BY_YEAR, codes="(indicator_code IN :grain_codes OR indicator_code IN :stock_codes)")
    + ") f\nWHERE f.pidx IS NOT NULL AND f.period_start >= f.p_start AND f.period_end <= f.p_end",
    p="f",
)
_STOCK_LATEST_BY_YEAR = _fill(
    _STOCK_LATEST_TEMPLATE,
    columns="*",
    source="FROM ("
    + _fill(_BY_YEAR, codes="indicator_code IN :stock_codes")
    + ") y\n    WHERE pidx IS NOT NULL AND period_start >= p_start AND period_end <= p_end",
    join="",
    p="f",
)


def by_year(periods: Sequence[Period]) -> bool:
    """Each period inside one calendar year, no two in the same year (see _BY_YEAR)."""
    years = [p.start.year for p in periods]
    return all(p.end.year == p.start.year for p in periods) and len(set(years)) == len(years)


def _by_year_params(periods: Sequence[Period]) -> dict:
    y0 = min(p.start.year for p in periods)
    span = max(p.start.year for p in periods) - y0 + 1
    idx: list[int | None] = [None] * span
    starts: list = [None] * span
    ends: list = [None] * span
    for i, p in enumerate(periods):
        idx[p.start.year - y0], starts[p.start.year - y0], ends[p.start.year - y0] = (
            i,
            p.start,
            p.end,
        )
    return {
        "y0": y0,
        "y_idx": idx,
        "y_start": starts,
        "y_end": ends,
        "lo": min(p.start for p in periods),
        "hi": max(p.end for p in periods),
    }


def bound_sql(text: str) -> sa.TextClause:
    """Indicator lists bind as IN (...) lists: DuckDB prunes row groups on constant filters."""
    names = [n for n in ("grain_codes", "stock_codes") if f":{n}" in text]
    # typed: an empty list (no flows asked, only stocks) still compares with VARCHAR
    return sa.text(text).bindparams(
        *(sa.bindparam(n, expanding=True, type_=sa.String) for n in names)
    )


# a grain's batches, as a list (one id per fact; duplicates allowed): flows, then stocks (the
# latest level's batch); left out of statements whose caller shows no provenance
_BATCH_LIST = {
    "duckdb": ("list(f.batch_id) AS batch_ids, ", "[arg_max(f.batch_id, f.k)] AS batch_ids, "),
    "generic": ("array_agg(f.batch_id) AS batch_ids, ", "ARRAY[batch_id] AS batch_ids, "),
}

_REGION_FILTER = "\n  AND {f}region_code IN (SELECT unnest(CAST(:regions AS VARCHAR[])))"


def grains_text(
    dialect: str,
    parts: tuple[bool, bool],
    some_regions: bool,
    year_lookup: bool = False,
    batches: bool = True,
) -> str:
    """The grains statement's text (static SQL, bound parameters only); without `some_regions`
    it reads every region (the summary's build, lawstats.store.summary); `year_lookup`: the DuckDB
    form for periods in distinct calendar years (by_year); without `batches` no batch_ids."""
    if year_lookup:
        flows, stocks, head = _FLOW_GRAINS_BY_YEAR, _STOCK_LATEST_BY_YEAR, ""
    else:
        flows, head = _FLOW_GRAINS, _PERIODS
        stocks = _STOCK_LATEST_DUCKDB if dialect == "duckdb" else _STOCK_LATEST_GENERIC
    pieces = [p for p, on in zip((flows, stocks), parts, strict=True) if on]
    text = head + "UNION ALL".join(pieces)
    flows_list, stock_list = _BATCH_LIST[dialect] if batches else ("", "")
    text = text.replace("{batches}", flows_list).replace("{batch_one}", stock_list)
    return text.replace("{regions}", _REGION_FILTER.format(f="f.") if some_regions else "").replace(
        "{regions_unaliased}", _REGION_FILTER.format(f="") if some_regions else ""
    )


# (flows, rates and exact-period facts?, stocks' latest levels?): a part without indicators is
# left out of a statement, not scanned
GRAIN_PARTS = ((True, True), (True, False))


def grain_parts(grain_codes: Sequence[str], stock_codes: Sequence[str]) -> tuple[bool, bool]:
    """The parts a statement for these indicators needs (every indicator has an exact-period
    candidate: the first part runs whenever there is any)."""
    return (bool(grain_codes) or bool(stock_codes), bool(stock_codes))


# The read path's form of the grains: region and indicator as positions in the lists the caller
# holds (the scope's regions, the indicators asked), so no code string leaves the database.
_POSITIONS = """
SELECT g.pidx,
       CAST(array_position(CAST(:regions AS VARCHAR[]), g.region_code) - 1 AS INTEGER) AS region_pos,
       CAST(array_position(CAST(:code_list AS VARCHAR[]), g.indicator_code) - 1 AS INTEGER)
           AS code_pos,
       g.grain, {batches}g.n, g.value, g.approx, g.rate, g.as_of
FROM ({grains}) g
"""


def positions_statement(grains: str, batches: bool = True) -> sa.TextClause:
    """`grains` (text with :regions) wrapped to return region_pos and code_pos."""
    text = _POSITIONS.replace("{batches}", "g.batch_ids, " if batches else "")
    return bound_sql(text.format(grains=grains))


POSITIONS_SQL = {
    (dialect, parts, lookup, batches): positions_statement(
        grains_text(dialect, parts, True, lookup, batches), batches
    )
    for dialect, lookup in (("duckdb", False), ("duckdb", True), ("generic", False))
    for parts in GRAIN_PARTS
    for batches in (True, False)
}


def read_grain_positions(
    conn: Connection,
    periods: Sequence[Period],
    region_codes: Sequence[str],
    code_list: Sequence[str],
    grain_codes: Sequence[str],
    stock_codes: Sequence[str],
    batches: bool = True,
) -> dict[str, np.ndarray]:
    """The grain rows (grains_text) of the given regions and indicators for each period, with
    region_pos / code_pos (positions in region_codes / code_list) in place of the codes;
    without `batches`, every row's batch list is empty."""
    parts = grain_parts(grain_codes, stock_codes)
    if not any(parts):
        empty = {c: np.zeros(0, dtype=object) for c in _POSITION_COLUMNS}
        return {**empty, "batch_offsets": np.zeros(1, dtype=np.int64)}
    dialect = "duckdb" if conn.dialect.name == "duckdb" else "generic"
    lookup = dialect == "duckdb" and by_year(periods)
    params = {
        **(_by_year_params(periods) if lookup else period_params(periods)),
        "regions": list(region_codes),
        "code_list": list(code_list),
        "grain_codes": list(grain_codes),
        "stock_codes": list(stock_codes),
    }
    return fetch_columns(conn, POSITIONS_SQL[dialect, parts, lookup, batches], params)


def period_params(periods: Sequence[Period]) -> dict:
    """The bound parameters of the periods CTE (grains_text) and the date bounds of the scan."""
    return {
        "p_idx": list(range(len(periods))),
        "p_start": [p.start for p in periods],
        "p_end": [p.end for p in periods],
        "lo": min(p.start for p in periods),
        "hi": max(p.end for p in periods),
    }


def fetch_columns(
    conn: Connection, statement: sa.Executable, params: dict
) -> dict[str, np.ndarray]:
    """A grains query's result as one numpy array per column; the list column `batch_ids` comes
    flattened, with `batch_offsets` (row i's batches: batch_ids[offsets[i]:offsets[i + 1]]).
    DuckDB hands its result over as Arrow (columns, no Python objects per row)."""
    result = conn.execute(statement, params)
    out = _fetch_arrays(conn, result)
    if "batch_offsets" not in out:  # a statement without batch lists
        n = len(out["pidx"]) if "pidx" in out else 0
        out["batch_offsets"] = np.zeros(n + 1, dtype=np.int64)
        out["batch_ids"] = np.zeros(0, dtype=np.int64)
    return out


def _fetch_arrays(conn: Connection, result) -> dict[str, np.ndarray]:
    if is_duckdb(conn):
        with warnings.catch_warnings():
            # "an extra copy of the rows": cheaper than fetchnumpy's array per list element
            warnings.simplefilter("ignore", UserWarning)
            table = result.cursor.to_arrow_table()
        result.close()
        out: dict[str, np.ndarray] = {}
        for name in table.column_names:
            column = table.column(name)
            array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
            if pa.types.is_list(array.type):
                out["batch_offsets"] = array.offsets.to_numpy().astype(np.int64)
                out[name] = array.values.to_numpy(zero_copy_only=False).astype(np.int64)
            else:
                out[name] = array.to_numpy(zero_copy_only=False)
        return out
    names = list(result.keys())
    rows = result.fetchall()
    out = {
        name: object_array(r[i] for r in rows) if rows else np.zeros(0, dtype=object)
        for i, name in enumerate(names)
        if name != "batch_ids"
    }
    if "batch_ids" in names:
        lists = [r[names.index("batch_ids")] or [] for r in rows]
        out["batch_offsets"] = np.r_[0, np.cumsum([len(x) for x in lists], dtype=np.int64)]
        out["batch_ids"] = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64)
    return out


_POSITION_COLUMNS = [
    "pidx",
    "region_pos",
    "code_pos",
    "grain",
    "batch_ids",
    "n",
    "value",
    "approx",
    "rate",
    "as_of",
]


def object_array(items) -> np.ndarray:
    """A 1-d object array (tuples stay elements, not rows)."""
    items = list(items)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out
