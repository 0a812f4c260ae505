"""The yearly summary: the roll-up's grains for calendar years, kept in a table.

Most dashboard views ask about whole years (总览 of 2024 with six years of sparklines, rankings
and trends by year). For a year the roll-up's database step (rollup.grains_text) reduces about
twelve monthly facts per region and indicator to one candidate row; at national scale that
scan is most of a page's time. `grains_year` holds exactly those rows for every year, made by
the same SQL (rollup.grains_text over every region), so a yearly read returns the same rows the
facts would give, from a table about a twelfth of the size.

Correct by construction, never trusted blindly:
- every change of facts (lawstats.batches.write_facts, rollback_batch; the synthetic and demo
  builders) marks its (year, indicator) pairs in `summary_dirty` inside its own transaction;
- `refresh` recomputes the marked pairs from the facts and clears the marks in one transaction;
- a read uses the summary only when meta `summary_ready` says it is built and nothing is
  pending (every mark sets it to pending in the same transaction); otherwise it reads the
  facts, as before. The check and the read run on the same connection.
Refresh runs after `etl load` / `etl rollback`, at the end of the demo and synthetic builds, and
after a yearly read found marks pending (that read used the facts; a short write; if another
process holds the write lock, nothing happens and reads keep using the facts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats.periods import Period
from lawstats.store import (
    SUMMARY_PENDING,
    SUMMARY_READY,
    SUMMARY_READY_KEY,
    SUMMARY_REBUILD,
    LockTimeout,
    _process_write_lock,
    facts,
    get_meta,
    grains_year,
    indicators,
    set_meta,
    summary_dirty,
    transaction,
)

log = logging.getLogger(__name__)

# the summary's states (meta SUMMARY_READY_KEY)
READY, PENDING, REBUILD = SUMMARY_READY, SUMMARY_PENDING, SUMMARY_REBUILD
# Tests switch the summary off to compare both read paths.
ENABLED = True
# How long refresh_quietly(wait=True) (after etl load / rollback) waits for another writer.
LAZY_REFRESH_TIMEOUT_S = 2.0


def calendar_years(periods: Sequence[Period]) -> list[int] | None:
    """The years when every period is a whole calendar year, else None."""
    years = [p.start.year for p in periods]
    whole = all(
        (p.start, p.end) == (date(y, 1, 1), date(y, 12, 31))
        for p, y in zip(periods, years, strict=True)
    )
    return years if whole else None


# --------------------------------------------------------------------------- marking changes


def mark_dirty(conn: Connection, pairs: Iterable[tuple[int, str]]) -> None:
    """Note (year, indicator) pairs whose facts changed, inside the changing transaction."""
    rows = [{"y": int(y), "indicator_code": str(c)} for y, c in sorted(set(pairs))]
    if rows:
        conn.execute(summary_dirty.insert(), rows)
        if get_meta(conn, SUMMARY_READY_KEY) == READY:
            set_meta(conn, SUMMARY_READY_KEY, PENDING)


def pairs_of(frame: pd.DataFrame) -> set[tuple[int, str]]:
    """The (year, indicator) pairs of facts given as a frame with period_start, period_end and
    indicator_code (both years of a period that spans a year end: such a fact is in no yearly
    row, and marking it costs nothing)."""
    if frame.empty:
        return set()
    spans = pd.MultiIndex.from_arrays([frame["period_start"], frame["period_end"]])
    codes, uniques = pd.factorize(spans)
    return pairs_of_spans(codes, list(uniques), frame["indicator_code"])


def pairs_of_spans(
    span: np.ndarray, spans: Sequence[tuple], indicator_codes
) -> set[tuple[int, str]]:
    """The same from each row's period as a code into `spans` ((start, end) pairs)."""
    ind = pd.Categorical(indicator_codes)
    n = max(len(ind.categories), 1)
    keys = np.unique(np.asarray(span, dtype=np.int64) * n + ind.codes)
    out: set[tuple[int, str]] = set()
    for k in keys.tolist():
        start, end = spans[k // n]
        code = ind.categories[k % n]
        out.add((pd.Timestamp(start).year, code))
        out.add((pd.Timestamp(end).year, code))
    return out


def invalidate(conn: Connection) -> None:
    """Forget the summary (the catalog or region table changed, or a bulk build replaced the
    facts): reads use the facts until the next refresh rebuilds it."""
    set_meta(conn, SUMMARY_READY_KEY, REBUILD)


# --------------------------------------------------------------------------- refresh


def refresh(engine: Engine, *, timeout: float | None = None) -> int:
    """Bring the summary up to date; returns the rows written (0 when nothing was pending).

    Does not bump the data version: the facts, and so every figure, are unchanged.
    """
    with transaction(engine, timeout=timeout, bump_version=False) as conn:
        return refresh_in(conn)


def refresh_in(conn: Connection) -> int:
    """`refresh` inside the caller's write transaction."""
    state = get_meta(conn, SUMMARY_READY_KEY)
    if state not in (READY, PENDING):
        conn.execute(grains_year.delete())
        conn.execute(summary_dirty.delete())
        years = _fact_years(conn)
        written = _rebuild(conn, {y: None for y in years})
        set_meta(conn, SUMMARY_READY_KEY, READY)
        return written
    pending = conn.execute(
        sa.select(summary_dirty.c.y, summary_dirty.c.indicator_code).distinct()
    ).all()
    if not pending:
        set_meta(conn, SUMMARY_READY_KEY, READY)
        return 0
    by_year: dict[int, set[str]] = {}
    for y, code in pending:
        by_year.setdefault(int(y), set()).add(code)
    for y, codes in by_year.items():
        conn.execute(
            grains_year.delete().where(
                grains_year.c.y == y,
                grains_year.c.indicator_code.in_(sorted(codes)),
            )
        )
    written = _rebuild(conn, {y: sorted(c) for y, c in by_year.items()})
    conn.execute(summary_dirty.delete())
    set_meta(conn, SUMMARY_READY_KEY, READY)
    return written


def _fact_years(conn: Connection) -> list[int]:
    lo, hi = conn.execute(
        sa.select(sa.func.min(facts.c.period_start), sa.func.max(facts.c.period_end))
    ).one()
    if lo is None:
        return []
    return list(range(pd.Timestamp(lo).year, pd.Timestamp(hi).year + 1))


# The roll-up's own grains statement over every region, inserted as it comes out of the database
# (the year is that of the latest date of the grain, always inside its calendar year); sorted
# so that one indicator's rows sit together on disk.
_INSERT = """
INSERT INTO grains_year
    (y, region_code, indicator_code, is_stock, grain, batch_id, n, value, approx, rate, as_of)
SELECT CAST(EXTRACT(YEAR FROM g.as_of) AS SMALLINT), g.region_code, g.indicator_code,
       i.kind = 'stock', g.grain, g.batch_id, g.n, g.value, g.approx, g.rate, g.as_of
FROM ({grains}) g
JOIN indicators i ON i.code = g.indicator_code
ORDER BY g.indicator_code, 1, g.region_code
"""


@cache
def _insert_statement(dialect: str, parts: tuple[bool, bool]) -> sa.TextClause:
    from lawstats.rollup import _sql, grains_text

    return _sql(_INSERT.format(grains=grains_text(dialect, parts, False)))


def _rebuild(conn: Connection, years: dict[int, list[str] | None]) -> int:
    """Insert the grain rows of these years (None: every indicator) from the facts, with the
    roll-up's own statement over every region, inside the database."""
    from lawstats.rollup import period_params

    kinds = dict(conn.execute(sa.select(indicators.c.code, indicators.c.kind)).all())
    dialect = "duckdb" if conn.dialect.name == "duckdb" else "generic"
    written = 0
    # one statement per group of years asking for the same indicators
    groups: dict[tuple[str, ...], list[int]] = {}
    for y, codes in sorted(years.items()):
        key = tuple(sorted(kinds)) if codes is None else tuple(c for c in codes if c in kinds)
        groups.setdefault(key, []).append(y)
    for codes, ys in groups.items():
        flows = [c for c in codes if kinds[c] != "stock"]
        stocks = [c for c in codes if kinds[c] == "stock"]
        if not flows and not stocks:
            continue
        periods = [Period.of_year(y) for y in ys]
        params = {**period_params(periods), "grain_codes": flows, "stock_codes": stocks}
        statement = _insert_statement(dialect, (bool(flows), bool(stocks)))
        written += conn.execute(statement, params).rowcount or 0
    return written


# --------------------------------------------------------------------------- reading


_READ = """
WITH periods AS (
    SELECT unnest(CAST(:p_idx AS INTEGER[])) AS pidx,
           unnest(CAST(:p_year AS INTEGER[])) AS y
)
SELECT p.pidx, s.region_code, s.indicator_code, s.grain, s.batch_id, s.n, s.value,
       s.approx, s.rate, s.as_of
FROM grains_year s
JOIN periods p ON p.y = s.y
WHERE s.y >= :lo AND s.y <= :hi
  AND s.indicator_code IN :codes
  AND s.region_code IN (SELECT unnest(CAST(:regions AS VARCHAR[])))
  AND ((NOT s.is_stock AND s.indicator_code IN :grain_codes)
       OR (s.is_stock AND s.indicator_code IN :stock_codes))
"""


@cache
def _read_statement() -> sa.TextClause:
    from lawstats.rollup import positions_statement

    # typed: an empty list must still compare with VARCHAR; :codes is a plain IN list, which
    # DuckDB prunes on disk
    return positions_statement(_READ).bindparams(
        sa.bindparam("codes", expanding=True, type_=sa.String),
        sa.bindparam("grain_codes", expanding=True, type_=sa.String),
        sa.bindparam("stock_codes", expanding=True, type_=sa.String),
    )


def is_fresh(conn: Connection) -> bool:
    """The summary is built and no change is pending (one point lookup)."""
    return get_meta(conn, SUMMARY_READY_KEY) == READY


def read_grain_positions(
    conn: Connection,
    periods: Sequence[Period],
    region_codes: Sequence[str],
    code_list: Sequence[str],
    grain_codes: Sequence[str],
    stock_codes: Sequence[str],
) -> tuple[dict[str, np.ndarray] | None, bool]:
    """rollup.read_grain_positions from the summary. Returns (rows or None when the summary cannot
    answer, whether a refresh would let it answer next time): None for periods that are not
    whole calendar years, or when it is not built or changes are pending."""
    from lawstats.rollup import _fetch_columns

    years = calendar_years(periods)
    if not ENABLED or not years:
        return None, False
    if not is_fresh(conn):
        return None, True
    params = {
        "p_idx": list(range(len(years))),
        "p_year": years,
        "lo": min(years),
        "hi": max(years),
        "regions": list(region_codes),
        "code_list": list(code_list),
        "codes": [*grain_codes, *stock_codes],
        "grain_codes": list(grain_codes),
        "stock_codes": list(stock_codes),
    }
    return _fetch_columns(conn, _read_statement(), params), False


def refresh_quietly(engine: Engine, *, wait: bool = True) -> None:
    """Refresh so that the next yearly read is fast; a failure never fails the caller (logged).

    `wait=False` (after a dashboard read found changes pending): give up at once when another
    thread or process is writing, so a viewer never waits behind a load; the next read tries
    again. Otherwise wait up to LAZY_REFRESH_TIMEOUT_S for the other writer.
    """
    if not wait and not _process_write_lock.acquire(blocking=False):
        return  # this process is writing: the next read tries again
    try:
        refresh(engine, timeout=LAZY_REFRESH_TIMEOUT_S if wait else 0.0)
    except LockTimeout:
        log.info("yearly summary not refreshed: another process is writing")
    except Exception:  # noqa: BLE001 - the facts answered the read; the failure is logged
        log.exception("yearly summary refresh failed; reads use the facts")
    finally:
        if not wait:
            _process_write_lock.release()
