"""The summary: the roll-up's grains for the periods the dashboard offers, kept in a table.

Every dashboard view asks about a year, the year so far, a quarter or a month (总览 of 2024,
2024年1-6月 or 2024年6月 with six years of sparklines, rankings and trends by year). For such a
period the roll-up's database step (grains.grains_text) reduces the facts of the period, which
lie scattered over a national table, to one candidate row per region, indicator and grain; at
national scale that scan is most of a page's time. `range_grains` holds exactly those rows for
every range in RANGES (months f..m of a year: 1-m月, the quarters, the single months) of every
year, made by the same SQL (grains.grains_text over every region), so such a read returns the
same rows the facts would give (each row's batches listed once) from a table it reads by key,
in range, region and year order. Other periods (ranges across a year end, 2-5月, and any period
while changes are pending) are read from the facts.

Correct by construction, never trusted blindly:
- every change of facts (lawstats.store.revisions.write_facts, rollback_batch; the synthetic and demo
  builders) marks the years, indicators and regions it touched in `summary_dirty` inside its
  own transaction;
- `refresh` recomputes the marked regions' rows from the facts and clears the marks in one
  transaction;
- a read uses the summary only when meta `range_grains_ready` says it is built and nothing is
  pending (every mark sets it to pending in the same transaction); otherwise it reads the
  facts, as before. The read statement checks it itself, in the same snapshot.
Refresh runs after `etl load` / `etl rollback`, at the end of the demo and synthetic builds, and
after a read found marks pending (that read used the facts; the refresh then runs in a
background thread; if another thread or process holds the write lock, nothing happens and reads
keep using the facts).
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats.domain.periods import Period
from lawstats.store import (
    SUMMARY_PENDING,
    SUMMARY_READY,
    SUMMARY_READY_KEY,
    SUMMARY_REBUILD,
    LockTimeout,
    bulk_insert,
    facts,
    get_meta,
    indicators,
    range_grains,
    set_meta,
    summary_dirty,
)
from lawstats.store.grains import (
    bound_sql,
    fetch_columns,
    grain_parts,
    grains_text,
    period_params,
    positions_statement,
)

log = logging.getLogger(__name__)

# the summary's states (meta SUMMARY_READY_KEY)
READY, PENDING, REBUILD = SUMMARY_READY, SUMMARY_PENDING, SUMMARY_REBUILD
# Tests switch the summary off to compare both read paths.
ENABLED = True
# How long refresh_quietly(wait=True) (after etl load / rollback) waits for another writer.
LAZY_REFRESH_TIMEOUT_S = 2.0


# The ranges kept, as (first month, last month) within a year: every year to date (1-m月, so
# the year, 1-6月, the first quarter and January), the other quarters and the other months:
# every period the dashboard's picker offers.
RANGES: tuple[tuple[int, int], ...] = (
    *((1, m) for m in range(1, 13)),
    (4, 6),
    (7, 9),
    (10, 12),
    *((m, m) for m in range(2, 13)),
)
_KEPT = frozenset(RANGES)


def range_key(first: int, last: int) -> int:
    """A range's number (column r): first month * 16 + last month."""
    return first * 16 + last


def summary_ranges(periods: Sequence[Period]) -> list[tuple[int, int, int]] | None:
    """(year, first month, last month) of each period when every one is a kept range (RANGES:
    whole months inside one calendar year), else None."""
    out = []
    for p in periods:
        y, f, m = p.start.year, p.start.month, p.end.month
        if p.end.year != y or (f, m) not in _KEPT or p != Period.months(y, f, m):
            return None
        out.append((y, f, m))
    return out


# --------------------------------------------------------------------------- marking changes


_MARK_COLUMNS = ["y", "indicator_code", "region_code"]


def mark_dirty(conn: Connection, marks: pd.DataFrame) -> None:
    """Note what changed, inside the changing transaction: per year, the indicators (rows with
    a code and no region) and the regions (a region and no code) of the facts written or
    retired (marks: a frame with _MARK_COLUMNS, as marks_of makes it). A region's summary rows
    come from its own facts only; a refresh recomputes every marked indicator of a year for
    every marked region of that year (a superset of the changes, so right)."""
    if marks.empty:
        return
    bulk_insert(conn, summary_dirty, marks[_MARK_COLUMNS])
    if get_meta(conn, SUMMARY_READY_KEY) == READY:
        set_meta(conn, SUMMARY_READY_KEY, PENDING)


def marks_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The marks of facts given as a frame with period_start, period_end, indicator_code and
    region_code (both years of a period that spans a year end: such a fact is in no kept
    range, and marking it costs nothing)."""
    if frame.empty:
        return pd.DataFrame(columns=_MARK_COLUMNS)
    spans = pd.MultiIndex.from_arrays([frame["period_start"], frame["period_end"]])
    codes, uniques = pd.factorize(spans)
    return marks_of_spans(codes, list(uniques), frame["indicator_code"], frame["region_code"])


def marks_of_spans(
    span: np.ndarray, spans: Sequence[tuple], indicator_codes, region_codes
) -> pd.DataFrame:
    """The same from each row's period as a code into `spans` ((start, end) pairs)."""
    span = np.asarray(span, dtype=np.int64)
    first = np.array([pd.Timestamp(a).year for a, _ in spans], dtype=np.int64)
    last = np.array([pd.Timestamp(b).year for _, b in spans], dtype=np.int64)
    # the (year, span) pairs first: a file has a few periods, not a row's worth
    pieces = []
    for column, values in (("indicator_code", indicator_codes), ("region_code", region_codes)):
        codes, uniques = pd.factorize(values)
        n = max(len(uniques), 1)
        keys = np.unique(span * n + codes)
        used_span, used_code = keys // n, keys % n
        for years in (first, last):
            pieces.append(
                pd.DataFrame({"y": years[used_span], column: np.asarray(uniques)[used_code]})
            )
    out = pd.concat(pieces, ignore_index=True).drop_duplicates()
    return out.reindex(columns=_MARK_COLUMNS).reset_index(drop=True)


def invalidate(conn: Connection) -> None:
    """Forget the summary (the catalog or region table changed, or a bulk build replaced the
    facts): reads use the facts until the next refresh rebuilds it."""
    set_meta(conn, SUMMARY_READY_KEY, REBUILD)


# --------------------------------------------------------------------------- refresh


def refresh(
    engine: Engine,
    *,
    timeout: float | None = None,
    wait_for_other: float | None = None,
    on_piece: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the summary up to date; returns the rows written (0 when nothing was pending, or
    when another refresh of the store runs: it does the work).

    Off the write lock, piece by piece (lawstats.store.summary_refresh): a reader never waits
    for more than one piece's commit. Does not bump the data version: the facts, and so every
    figure, are unchanged. `on_piece(done, total)` follows its progress; stopping it between
    pieces (Ctrl-C) leaves the summary pending, and the figures read from the facts meanwhile.
    """
    from lawstats.store.summary_refresh import refresh_by_pieces

    return refresh_by_pieces(
        engine, PIECES, timeout=timeout, wait_for_other=wait_for_other, on_piece=on_piece
    )


def refresh_in(conn: Connection) -> int:
    """`refresh` inside the caller's write transaction, in one go (the demo and synthetic
    builders, which own the store while they build it)."""
    state = get_meta(conn, SUMMARY_READY_KEY)
    kinds = _kinds(conn)
    if state not in (READY, PENDING):
        conn.execute(range_grains.delete())
        pieces = rebuild_pieces(conn)
    else:
        pieces = pending_pieces(conn)
        for piece in pieces:
            delete_piece(conn, piece)
    written = sum(insert_piece(conn, piece, kinds) for piece in pieces)
    conn.execute(summary_dirty.delete())
    set_meta(conn, SUMMARY_READY_KEY, READY)
    return written


@dataclass(frozen=True)
class Piece:
    """Summary rows to compute from the facts: these periods (kept ranges), indicators and
    regions (None: every one). `y`: a refresh's piece, which replaces the rows of these ranges,
    indicators and regions of year y; None: a rebuild's, written into the emptied table."""

    periods: tuple[Period, ...]
    codes: tuple[str, ...] | None
    regions: tuple[str, ...] | None
    y: int | None = None


# Regions per piece of a refresh: about 200,000 summary rows, a fraction of a second to write.
PIECE_REGIONS = 200


def pending_pieces(conn: Connection) -> list[Piece]:
    """The pieces that bring the marked years, indicators and regions up to date: per year, its
    marked indicators for its marked regions (a superset of the changes, so right), every kept
    range, PIECE_REGIONS regions at a time (in code order: a province's together)."""
    pending = conn.execute(
        sa.select(
            summary_dirty.c.y, summary_dirty.c.indicator_code, summary_dirty.c.region_code
        ).distinct()
    ).all()
    by_year: dict[int, tuple[set[str], set[str]]] = {}
    for y, code, region in pending:
        codes, regions = by_year.setdefault(int(y), (set(), set()))
        if code is not None:
            codes.add(code)
        if region is not None:
            regions.add(region)
    pieces = []
    for y, (codes, regions) in sorted(by_year.items()):
        periods = tuple(Period.months(y, f, m) for f, m in RANGES)
        marked = sorted(regions)
        for i in range(0, len(marked), PIECE_REGIONS):
            pieces.append(
                Piece(periods, tuple(sorted(codes)), tuple(marked[i : i + PIECE_REGIONS]), y)
            )
    return pieces


def rebuild_pieces(conn: Connection) -> list[Piece]:
    """Every row, in the table's sort order (_SELECT) and in pieces that each hold little in
    memory (a whole build at once needs about 10 GB at national scale; this, under 1 GB): the
    single months after January province by province, then each other range over all years."""
    years = _fact_years(conn)
    if not years:
        return []
    regions = sorted({r for (r,) in conn.execute(sa.select(facts.c.region_code).distinct())})
    by_province: dict[str, list[str]] = {}
    for code in regions:
        by_province.setdefault(code[:2], []).append(code)
    singles = [(f, m) for f, m in RANGES if f == m and f > 1]
    pieces = [
        Piece(tuple(Period.months(y, f, m) for y in years for f, m in singles), None, tuple(codes))
        for codes in by_province.values()
    ]
    for f, m in sorted((r for r in RANGES if r not in singles), key=lambda r: range_key(*r)):
        pieces.append(Piece(tuple(Period.months(y, f, m) for y in years), None, None))
    return pieces


def delete_piece(conn: Connection, piece: Piece) -> None:
    """Delete the rows a refresh piece replaces (its year, ranges, indicators and regions)."""
    where = [
        range_grains.c.y == piece.y,
        range_grains.c.r.in_(
            sorted({range_key(p.start.month, p.end.month) for p in piece.periods})
        ),
        range_grains.c.indicator_code.in_(list(piece.codes or ())),
    ]
    if piece.regions is not None:
        where.append(range_grains.c.region_code.in_(list(piece.regions)))
    conn.execute(range_grains.delete().where(*where))


def _fact_years(conn: Connection) -> list[int]:
    lo, hi = conn.execute(
        sa.select(sa.func.min(facts.c.period_start), sa.func.max(facts.c.period_end))
    ).one()
    if lo is None:
        return []
    return list(range(pd.Timestamp(lo).year, pd.Timestamp(hi).year + 1))


# The roll-up's own grains statement over every region, as it is inserted into the table, each
# period (pidx) being months p_f..p_m of year p_y. Sorted so that a read touches little of
# the table on disk: ranges of a quarter or more by range, then region and year (a page asks for
# one range over several years); the single months after January together, by region and year
# (a monthly trend asks for many months of a few regions).
_SELECT = """
SELECT * FROM (
    SELECT (CAST(:p_y AS SMALLINT[]))[g.pidx + 1] AS y, (CAST(:p_f AS SMALLINT[]))[g.pidx + 1] AS f,
           (CAST(:p_m AS SMALLINT[]))[g.pidx + 1] AS m, (CAST(:p_r AS INTEGER[]))[g.pidx + 1] AS r,
           g.region_code, g.indicator_code, i.kind = 'stock' AS is_stock, g.grain,
           {distinct} AS batch_ids, g.n, g.value, g.approx, g.rate, g.as_of
    FROM ({grains}) g
    JOIN indicators i ON i.code = g.indicator_code
) x
ORDER BY CASE WHEN x.f = x.m AND x.f > 1 THEN 0 ELSE x.r END, x.region_code, x.y, x.r,
         x.indicator_code
"""
ROW_COLUMNS = (
    "y, f, m, r, region_code, indicator_code, is_stock, grain, batch_ids, n, value, approx, rate, "
    "as_of"
)
_INSERT = f"INSERT INTO range_grains ({ROW_COLUMNS})\n" + _SELECT
# each batch once (a year of monthly facts from one file lists that file once)
_DISTINCT = {
    "duckdb": "list_sort(list_distinct(g.batch_ids))",
    "generic": "ARRAY(SELECT DISTINCT b FROM unnest(g.batch_ids) AS b ORDER BY b)",
}


@cache
def _statement(
    dialect: str, parts: tuple[bool, bool], some_regions: bool, insert: bool = True
) -> sa.TextClause:
    """The summary rows' statement: INSERT ... SELECT, or the SELECT alone."""
    grains = grains_text(dialect, parts, some_regions)
    text = _INSERT if insert else _SELECT
    return bound_sql(text.format(grains=grains, distinct=_DISTINCT[dialect]))


def _kinds(conn: Connection) -> dict[str, str]:
    """Each indicator's kind (flow, stock, ratio), as the store's catalog table says."""
    return dict(conn.execute(sa.select(indicators.c.code, indicators.c.kind)).all())


def insert_piece(conn: Connection, piece: Piece, kinds: dict[str, str]) -> int:
    """One INSERT ... SELECT of a piece's rows, computed inside the database."""
    built = _built(conn, piece, kinds, insert=True)
    return 0 if built is None else conn.execute(*built).rowcount or 0


def select_piece(conn: Connection, piece: Piece, kinds: dict[str, str]) -> pa.Table | None:
    """A piece's rows, computed by DuckDB into memory (Arrow), in the table's column order."""
    built = _built(conn, piece, kinds, insert=False)
    if built is None:
        return None
    result = conn.execute(*built)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (Arrow from a DB-API result: a copy)
        table = result.cursor.to_arrow_table()
    result.close()
    return table


def _built(
    conn: Connection, piece: Piece, kinds: dict[str, str], *, insert: bool
) -> tuple[sa.TextClause, dict] | None:
    """A piece's statement and parameters (None: none of its indicators is stored)."""
    codes = sorted(kinds) if piece.codes is None else [c for c in piece.codes if c in kinds]
    flows = [c for c in codes if kinds[c] != "stock"]
    stocks = [c for c in codes if kinds[c] == "stock"]
    if not flows and not stocks:
        return None
    periods = list(piece.periods)
    dialect = "duckdb" if conn.dialect.name == "duckdb" else "generic"
    params = {
        **period_params(periods),
        "p_y": [p.start.year for p in periods],
        "p_f": [p.start.month for p in periods],
        "p_m": [p.end.month for p in periods],
        "p_r": [range_key(p.start.month, p.end.month) for p in periods],
        "grain_codes": flows,
        "stock_codes": stocks,
    }
    if piece.regions is not None:
        params["regions"] = list(piece.regions)
    parts = grain_parts(flows, stocks)
    return _statement(dialect, parts, piece.regions is not None, insert), params


_ROWS_VIEW = "_lawstats_summary_rows"  # a fixed name, never user input
# Identifiers from the Table object and the fixed view name, never from user input.
_INSERT_ROWS = sa.insert(range_grains).from_select(
    [c.strip() for c in ROW_COLUMNS.split(",")],
    sa.select(*[sa.column(c.strip()) for c in ROW_COLUMNS.split(",")]).select_from(
        sa.table(_ROWS_VIEW)
    ),
)


def insert_rows(conn: Connection, rows: pa.Table | None) -> int:
    """Insert summary rows computed by select_piece (DuckDB reads the Arrow table in place)."""
    if rows is None or rows.num_rows == 0:
        return 0
    raw = conn.connection.driver_connection
    raw.register(_ROWS_VIEW, rows)
    try:
        conn.execute(_INSERT_ROWS)
    finally:
        raw.unregister(_ROWS_VIEW)
    return rows.num_rows


# What lawstats.store.summary_refresh does a refresh by pieces with.
PIECES = SimpleNamespace(
    kinds=_kinds,
    pending=pending_pieces,
    rebuild=rebuild_pieces,
    delete=delete_piece,
    insert=insert_piece,
    select=select_piece,
    insert_rows=insert_rows,
)


# --------------------------------------------------------------------------- reading


_READ = """
SELECT CAST(array_position(CAST(:p_key AS INTEGER[]), {key}) - 1 AS INTEGER) AS pidx,
       s.region_code, s.indicator_code, s.grain, {batches}s.n, s.value, s.approx, s.rate, s.as_of
FROM range_grains s
WHERE s.r IN :rs AND s.y >= :lo AND s.y <= :hi
  AND array_position(CAST(:p_key AS INTEGER[]), {key}) IS NOT NULL
  AND (SELECT value FROM meta WHERE key = :ready_key) = :ready
  AND s.indicator_code IN :codes
  AND s.region_code IN :region_list
"""


@cache
def _read_statement(batches: bool = True) -> sa.TextClause:

    # typed: an empty list must still compare with VARCHAR; plain IN lists, which DuckDB prunes
    # on disk (the table is in range, region, year order). A row's kind (is_stock) needs no
    # check: the summary is rebuilt whenever the catalog changes.
    text = _READ.replace("{batches}", "s.batch_ids, " if batches else "").replace(
        "{key}", "CAST(s.y AS INTEGER) * 1000 + s.r"
    )
    return positions_statement(text, batches).bindparams(
        sa.bindparam("codes", expanding=True, type_=sa.String),
        sa.bindparam("rs", expanding=True, type_=sa.Integer),
        sa.bindparam("region_list", expanding=True, type_=sa.String),
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
    batches: bool = True,
) -> tuple[dict[str, np.ndarray] | None, bool]:
    """grains.read_grain_positions from the summary. Returns (rows or None when the summary cannot
    answer, whether a refresh would let it answer next time): None for periods that are not
    kept ranges (summary_ranges), or when it is not built or changes are pending."""

    ranges = summary_ranges(periods)
    if not ENABLED or not ranges or len(set(ranges)) < len(ranges):
        return None, False  # (a period asked twice: the facts answer, see :p_key)
    years = [y for y, _, _ in ranges]
    params = {
        "p_key": [y * 1000 + range_key(f, m) for y, f, m in ranges],  # its position: pidx
        "rs": sorted({range_key(f, m) for _, f, m in ranges}),
        "lo": min(years),
        "hi": max(years),
        "regions": list(region_codes),
        "region_list": list(region_codes),
        "code_list": list(code_list),
        "codes": [*grain_codes, *stock_codes],
        "ready_key": SUMMARY_READY_KEY,
        "ready": READY,
    }
    # the statement answers only while the summary is built and nothing is pending (its own
    # check, in the same snapshot); an empty answer may mean either, so the facts give it (a
    # second look at the state could see a refresh committed in between)
    rows = fetch_columns(conn, _read_statement(batches), params)
    if len(rows["pidx"]) == 0:
        return None, not is_fresh(conn)
    return rows, False


# The app server refreshes in a background thread (app.py turns this on); a command or a test
# refreshes in line, so it never leaves a thread behind at exit.
BACKGROUND = False
_background: threading.Thread | None = None
_background_guard = threading.Lock()


def refresh_later(engine: Engine) -> None:
    """refresh_quietly(wait=False), in a background thread when BACKGROUND, so neither the read
    that found changes pending nor the upload that made them waits for it; one such thread at a
    time (not a daemon: a server that stops lets it finish its transaction)."""
    global _background
    if not BACKGROUND:
        refresh_quietly(engine, wait=False)
        return
    with _background_guard:
        if _background is not None and _background.is_alive():
            return  # it takes the newer marks too, or the next read starts another
        _background = threading.Thread(
            target=refresh_quietly,
            args=(engine,),
            kwargs={"wait": False},
            name="lawstats-summary-refresh",
        )
        _background.start()


def wait_for_background(timeout: float = 60.0) -> None:
    """Wait for the background refresh (tests; a clean shutdown)."""
    thread = _background
    if thread is not None:
        thread.join(timeout)


def refresh_quietly(engine: Engine, *, wait: bool = True) -> None:
    """Refresh so that the next read is fast; a failure never fails the caller (logged).

    `wait=False` (after a dashboard read found changes pending): leave the work to a refresh
    that runs already (in this process or another); the next read tries again. Otherwise wait
    up to LAZY_REFRESH_TIMEOUT_S for it. The refresh holds the write lock only to write each
    piece, so loads and readers go on meanwhile.
    """
    try:
        waits = LAZY_REFRESH_TIMEOUT_S if wait else 0.0  # for another writer or refresh
        refresh(engine, timeout=waits, wait_for_other=waits)
    except LockTimeout:
        log.info("summary not refreshed: another process is writing")
    except Exception:  # noqa: BLE001 - the facts answered the read; the failure is logged
        log.exception("summary refresh failed; reads use the facts")
