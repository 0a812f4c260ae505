"""Load stage: one file = one batch = one transaction; refused files leave the store unchanged.

extract (etl/extract.py) -> validate (etl/validate.py) -> checks that need the store (change
against last year, permissions, same file already loaded) -> write_facts (lawstats/store/revisions.py).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl import load_checks
from etl.cells import WITHDRAW
from etl.extract import FactColumns, gc_paused, period_span
from etl.load_result import UNREADABLE, LoadResult  # noqa: F401 - callers import them from here
from etl.load_result import loaded as _loaded
from etl.load_result import refused as _refused
from etl.load_result import unchanged as _unchanged
from etl.problems import Problem, Report, make_problem
from etl.store_failure import STORE_ERRORS, store_failure
from lawstats import settings
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store import connect, transaction
from lawstats.store.revisions import (
    FACT_COLUMNS,
    BatchInfo,
    active_batch_with_hash,
    classify,
    set_batch_warnings,
    write_facts,
)

LARGE_CHANGE_PCT = 50.0
# below this size a ±50% move is ordinary noise (1 -> 2 offices), not worth a warning
LARGE_CHANGE_MIN_SIZE = 10.0


FRAME_COLUMNS = FACT_COLUMNS  # the store rows a loader writes


def facts_frame(extraction) -> pd.DataFrame:
    """The data rows of an extraction as store rows (totals rows are checked, never stored);
    a blank or not-reported cell is none (it does not erase), a cell marked 撤回 is one."""
    facts = FactColumns.of(extraction.facts)
    kind, kinds = facts.codes("row_kind")
    region, region_codes = facts.codes("region_code")
    period, spans = facts.codes("period", key=period_span)
    status, statuses = facts.codes("status")
    value = facts.numbers("value")
    keep = np.flatnonzero(
        _member(kinds, lambda k: k == "data")[kind]
        & _member(region_codes, lambda c: c is not None)[region]
        & _member(spans, lambda s: s is not None)[period]
        & (~np.isnan(value) | _member(statuses, lambda s: s == WITHDRAW)[status])
    )
    indicator, indicator_codes = facts.codes("indicator_code")
    keep = _first_of_each_key(keep, region, period, indicator, value)
    period = period[keep]
    return pd.DataFrame(
        {
            "region_code": _categorical(region_codes, region[keep]),
            "period_start": _categorical([s and s[0] for s in spans], period),
            "period_end": _categorical([s and s[1] for s in spans], period),
            "indicator_code": _categorical(indicator_codes, indicator[keep]),
            "value": value[keep],
            **{
                flag: facts.numbers(flag, dtype=bool)[keep]
                for flag in ("is_approximate", "is_reported_rate", "is_not_reported")
            },
            "source_ref": pd.array(facts.address_array().take(keep), dtype="str"),
        },
        columns=FRAME_COLUMNS,
    )


def _first_of_each_key(
    keep: np.ndarray, region: np.ndarray, period: np.ndarray, indicator: np.ndarray, value
) -> np.ndarray:
    """One row per fact key. A figure given twice with the same value (a warning, not an error)
    is stored once: the first one with a value, else the first one."""
    key = region[keep] * (int(period.max(initial=0)) + 1) + period[keep]
    key = key * (int(indicator.max(initial=0)) + 1) + indicator[keep]
    if len(pd.unique(key)) == len(key):
        return keep
    blank = np.isnan(value[keep])
    order = np.lexsort((np.arange(len(key)), blank, key))  # by key, with a value first, in order
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    return keep[np.sort(first)]


def _member(values: list, test: Callable[[Any], bool]) -> np.ndarray:
    """Per distinct value (see FactColumns.codes): does it pass `test`."""
    return np.array([test(v) for v in values], dtype=bool)


def _categorical(values: list, codes: np.ndarray) -> pd.Categorical:
    """values[code] per code as a categorical column: built from the codes at no cost per row,
    and what the write stage needs to group rows by (region, period, indicator) cheaply."""
    index: dict[Any, int] = {}
    remap = np.full(len(values), -1, dtype=np.int64)
    used = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    for c in used.tolist():
        remap[c] = index.setdefault(values[c], len(index))
    return pd.Categorical.from_codes(remap[codes], categories=list(index))


def _cell_of(extraction) -> Callable[[tuple], tuple[str | None, str | None]]:
    """(region, start, end, indicator) -> (sheet, cell) of the fact; the index is built on first
    use, as only facts that a problem is about need it."""
    index: dict[tuple, tuple[str | None, str | None]] | None = None

    def where(key: tuple) -> tuple[str | None, str | None]:
        nonlocal index
        if index is None:
            index = {}
            for f in extraction.facts:
                if f.row_kind == "data" and f.period is not None:
                    k = (f.region_code, f.period.start, f.period.end, f.indicator_code)
                    index[k] = (f.sheet, f.cell)
        return index.get(key, (None, None))

    return where


def check_large_changes(
    conn: Connection, extraction, frame: pd.DataFrame, catalog: Catalog, regions: RegionTable
) -> list[Problem]:
    """Warn where a figure moves more than ±50% against the stored same period last year."""
    from lawstats.store.rollup import figures

    if frame.empty or not _has_previous_year(conn, frame):
        return []
    where = _cell_of(extraction)
    problems: list[Problem] = []
    data = frame[frame["value"].notna()]
    for (start, end), part in data.groupby(["period_start", "period_end"]):
        period = Period(start, end)
        prev_period = period.previous_year()
        codes = sorted(c for c in part["indicator_code"].unique() if catalog.get(c).kind != "ratio")
        if not codes:
            continue
        region_codes = sorted(part["region_code"].unique())
        prev = figures(
            conn, region_codes, prev_period, codes, compare=False, regions=regions, catalog=catalog
        )
        prev = prev[prev["value"].notna() & (prev["value"] != 0)]
        merged = part.merge(
            prev[["region_code", "indicator_code", "value"]],
            on=["region_code", "indicator_code"],
            suffixes=("", "_prev"),
        )
        for r in merged.itertuples(index=False):
            pct = (r.value - r.value_prev) / abs(r.value_prev) * 100.0
            if max(abs(r.value), abs(r.value_prev)) < LARGE_CHANGE_MIN_SIZE:
                continue
            if abs(pct) > LARGE_CHANGE_PCT:
                sheet, cell = where((r.region_code, start, end, r.indicator_code))
                problems.append(
                    make_problem(
                        "large_change",
                        file=extraction.filename,
                        sheet=sheet,
                        cell=cell,
                        region=r.region_code,
                        indicator=r.indicator_code,
                        column=catalog.get(r.indicator_code).name_zh,
                        value=r.value,
                        previous=r.value_prev,
                        pct=round(pct, 1),
                        previous_period=prev_period.label,
                    )
                )
    return problems


def store_checks(
    conn: Connection, extraction, frame: pd.DataFrame, catalog: Catalog, regions: RegionTable
) -> list[Problem]:
    """The warnings that need the store: changes against last year, 上年同期 columns."""
    from etl.validate import check_previous_year_columns

    return [
        *check_large_changes(conn, extraction, frame, catalog, regions),
        *check_previous_year_columns(conn, extraction, catalog, regions),
    ]


def _has_previous_year(conn: Connection, frame: pd.DataFrame) -> bool:

    from lawstats.store import facts

    starts, ends = frame["period_start"].unique(), frame["period_end"].unique()
    start = Period(min(starts), max(ends)).previous_year()
    stmt = (
        sa.select(facts.c.id)
        .where(
            facts.c.is_current,
            facts.c.indicator_code.in_(sa.bindparam("codes", expanding=True)),
            facts.c.period_start >= sa.bindparam("start"),
            facts.c.period_end <= sa.bindparam("end"),
        )
        .limit(1)
    )
    params = {
        "codes": sorted(frame["indicator_code"].unique()),
        "start": start.start,
        "end": start.end,
    }
    return conn.execute(stmt, params).first() is not None


def check_permissions(
    extraction, frame: pd.DataFrame, allowed_regions: Collection[str] | None, regions: RegionTable
) -> list[Problem]:
    """Refuse figures for regions outside the uploader's assigned regions (default deny)."""
    if allowed_regions is None:
        return []
    where = _cell_of(extraction)
    problems = []
    # one check per region, reported at the region's first row
    for i in np.flatnonzero(~frame["region_code"].duplicated().to_numpy()).tolist():
        r = frame.iloc[i]
        if not any(regions.is_within(r.region_code, a) for a in allowed_regions):
            sheet, cell = where((r.region_code, r.period_start, r.period_end, r.indicator_code))
            problems.append(
                make_problem(
                    "region_not_permitted",
                    file=extraction.filename,
                    sheet=sheet,
                    cell=cell,
                    region=r.region_code,
                    region_name=regions.full_name(r.region_code),
                )
            )
    return problems


@gc_paused()
def load_bytes(
    engine: Engine,
    data: bytes,
    filename: str,
    *,
    user: str = "cli",
    period: str | Period | None = None,
    context: str | None = None,
    layout: str | None = None,
    include_hidden: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    allowed_regions: Collection[str] | None = None,
    extra_spellings: Mapping[str, str] | None = None,
    source_type: str = "spreadsheet",
    on_wait: Callable[[str], None] | None = None,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
    confirm_withdrawals: bool = False,
) -> LoadResult:
    """Extract, validate and (unless refused or a dry run) write one file as one batch.

    Blanks change nothing; a cell marked 撤回 withdraws a stored figure only with
    `confirm_withdrawals`; a file that would change nothing is refused (etl.load_checks).

    A database error while reading or writing (disk full, the server gone) refuses the file
    with the database's own words, after the transaction rolled back: the store is as it was."""
    options = dict(
        user=user,
        period=period,
        context=context,
        layout=layout,
        include_hidden=include_hidden,
        dry_run=dry_run,
        strict=strict,
        allowed_regions=allowed_regions,
        extra_spellings=extra_spellings,
        source_type=source_type,
        on_wait=on_wait,
        catalog=catalog,
        regions=regions,
        confirm_withdrawals=confirm_withdrawals,
    )
    try:
        return _load_bytes(engine, data, filename, **options)
    except STORE_ERRORS as exc:
        result = LoadResult(
            filename=filename, status="refused", sha256=hashlib.sha256(data).hexdigest()
        )
        result.report.add(store_failure(filename, exc))
        return _refused(result)


def _load_bytes(
    engine: Engine,
    data: bytes,
    filename: str,
    *,
    user: str,
    period: str | Period | None,
    context: str | None,
    layout: str | None,
    include_hidden: bool,
    dry_run: bool,
    strict: bool,
    allowed_regions: Collection[str] | None,
    extra_spellings: Mapping[str, str] | None,
    source_type: str,
    on_wait: Callable[[str], None] | None,
    catalog: Catalog | None,
    regions: RegionTable | None,
    confirm_withdrawals: bool,
) -> LoadResult:
    from etl.extract import extract_file
    from etl.readers import ReadError
    from etl.validate import validate

    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    sha = hashlib.sha256(data).hexdigest()
    result = LoadResult(filename=filename, status="refused", sha256=sha)
    if len(data) > settings.max_upload_bytes():
        result.report.add(
            make_problem(
                "file_too_large",
                file=filename,
                size_mb=round(len(data) / 2**20, 1),
                limit_mb=round(settings.max_upload_bytes() / 2**20, 1),
            )
        )
        return _refused(result)

    # The store is asked once, after the file is read (one connection less per load): was
    # this file loaded already, and how do its figures compare with last year's?
    from etl.narrative.review import SOURCE_TYPE, is_reviewed, reviewed_extraction

    try:
        if is_reviewed(data):  # a reviewed report-text result (#8): same checks, same batch
            source_type = SOURCE_TYPE
            extraction = reviewed_extraction(data, filename, catalog=catalog, regions=regions)
        else:
            extraction = extract_file(
                data,
                filename,
                period=period,
                context=context,
                layout=layout,
                include_hidden=include_hidden,
                extra_spellings=extra_spellings,
                regions=regions,
                catalog=catalog,
            )
    except ReadError as exc:
        with connect(engine, on_wait=on_wait) as conn:
            earlier = active_batch_with_hash(conn, sha)
        if earlier is not None:
            return _unchanged(result, earlier)
        result.report.add(exc.problem)
        return _refused(result)
    frame = facts_frame(extraction)
    withdrawals = load_checks.withdrawals(extraction, frame, confirm_withdrawals or dry_run)
    writer = None
    if not frame.empty and not dry_run and not strict and not withdrawals:
        # The usual load: one transaction asks the store (same file already loaded? changes
        # against last year, which only warn) and writes, in a thread, while validation runs
        # here; it commits only if validation finds no error, else it rolls back.
        info = _batch_info(filename, sha, source_type, user, extraction, Report())
        writer = _Writer(engine, info, frame, extraction, catalog, regions, on_wait)
        writer.start()
    try:
        report = validate(extraction, catalog, regions)
        report.extend(check_permissions(extraction, frame, allowed_regions, regions))
        report.extend(withdrawals)
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    if writer is not None:
        try:
            written = writer.finish(report)
        except _AlreadyLoaded as exc:
            return _unchanged(result, exc.batch_id)
        except load_checks.NothingChanged:
            return _refused(load_checks.nothing_changed(result, extraction, report))
        if written is not None:
            result.extraction = extraction
            result.report = report
            return _loaded(result, written)
    with connect(engine, on_wait=on_wait) as conn:
        earlier = active_batch_with_hash(conn, sha)
        if earlier is None and report.ok and not frame.empty:
            report.extend(store_checks(conn, extraction, frame, catalog, regions))
    if earlier is not None:
        return _unchanged(result, earlier)
    result.extraction = extraction
    result.report = report
    if frame.empty and report.ok:
        report.add(load_checks.empty_file_problem(extraction))
    if not report.ok or (strict and report.warnings):
        return _refused(result, strict=bool(strict and report.ok))

    if dry_run:
        with connect(engine, on_wait=on_wait) as conn:
            to_write, superseded, unchanged = classify(conn, frame)
        result.status = "dry_run"
        result.facts_written = len(to_write)
        result.facts_superseded = len(superseded)
        result.facts_unchanged = unchanged
        result.preview = superseded
        result.to_write = to_write
        result.message_zh = (
            f"试运行：将写入 {len(to_write)} 条，替换 {len(superseded)} 条，未写入数据库"
        )
        result.message_en = f"dry run: would write {len(to_write)} facts, supersede {len(superseded)}; nothing written"
        return result

    info = _batch_info(filename, sha, source_type, user, extraction, report)
    try:
        with transaction(engine, on_wait=on_wait) as conn:
            # checked again inside the lock: two processes may race with the same file
            earlier = active_batch_with_hash(conn, sha)
            if earlier is not None:
                return _unchanged(result, earlier)
            written = write_facts(conn, info, frame)
            if not written.written:
                raise load_checks.NothingChanged()  # rolls the empty batch back
    except load_checks.NothingChanged:
        return _refused(load_checks.nothing_changed(result, extraction, report))
    return _loaded(result, written)


class _Abandoned(Exception):
    """Validation refused the file: the writer's transaction rolls back."""


class _Writer(threading.Thread):
    """The usual load's write transaction, run while the main thread validates.

    DuckDB and PostgreSQL do their work without holding the GIL, so the insert and validation
    overlap. The thread opens the transaction, checks for the same file, checks changes against
    last year and writes the batch, then waits: `finish` commits when validation found no error
    (recording the final warnings on the batch) and rolls back otherwise, leaving the store
    exactly as it was; `abandon` rolls back.
    """

    def __init__(self, engine, info, frame, extraction, catalog, regions, on_wait):
        super().__init__(name="lawstats-load-writer", daemon=True)
        self.args = (engine, info, frame, extraction, catalog, regions, on_wait)
        self._written = threading.Event()
        self._verdict = threading.Event()
        self._warnings: list[dict] | None = None  # set = commit
        self.large: list[Problem] = []
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        engine, info, frame, extraction, catalog, regions, on_wait = self.args
        try:
            with transaction(engine, on_wait=on_wait) as conn:
                earlier = active_batch_with_hash(conn, info.sha256)
                if earlier is not None:
                    raise _AlreadyLoaded(earlier)  # rolls back: the store stays as it was
                self.large = store_checks(conn, extraction, frame, catalog, regions)
                self.result = write_facts(conn, info, frame)
                if not self.result.written:
                    raise load_checks.NothingChanged()  # rolls back: no empty batch
                self._written.set()
                self._verdict.wait()
                if self._warnings is None:
                    raise _Abandoned()
                if self._warnings and self.result.batch_id is not None:
                    set_batch_warnings(conn, self.result.batch_id, self._warnings)
        except _Abandoned:
            self.result = None
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.error = exc
        finally:
            self._written.set()

    def start(self) -> None:
        _share_streamlit_context(self)  # on_wait may write to the page
        super().start()

    def abandon(self) -> None:
        """Roll back (validation raised) and wait for the thread to end."""
        self._warnings = None
        self._settle()

    def _settle(self) -> None:
        """Let the thread commit (warnings set) or roll back, and wait for it to end."""
        self._verdict.set()
        self.join()

    def finish(self, report: Report):
        """Commit if `report`, with the store's own warnings added, has no error, and return
        the write result; else roll back and return None."""
        self._written.wait()
        if self.error is None:
            report.extend(self.large)
            if report.ok:
                self._warnings = [p.to_dict() for p in report.warnings]
        self._settle()
        if self.error is not None:
            if isinstance(self.error, _AlreadyLoaded | load_checks.NothingChanged) or report.ok:
                raise self.error
            return None  # refused anyway: validation's errors say why
        return self.result if report.ok else None


def _share_streamlit_context(thread: threading.Thread) -> None:
    """Let a helper thread write to the Streamlit page that started it (no-op elsewhere)."""
    try:
        from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
    except ImportError:  # pragma: no cover - streamlit is a dependency, but etl does not need it
        return
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:
        add_script_run_ctx(thread, ctx)


class _AlreadyLoaded(Exception):
    def __init__(self, batch_id: int):
        super().__init__(batch_id)
        self.batch_id = batch_id


def _batch_info(filename, sha, source_type, user, extraction, report) -> BatchInfo:
    return BatchInfo(
        file_name=filename,
        sha256=sha,
        source_type=source_type,
        uploaded_by=user,
        sheet=", ".join(dict.fromkeys(t.sheet for t in extraction.tables)) or None,
        period_label=", ".join(sorted({t.period.label for t in extraction.tables if t.period}))
        or None,
        context_code=next((t.context_code for t in extraction.tables if t.context_code), None),
        warnings=[p.to_dict() for p in report.warnings],
    )
