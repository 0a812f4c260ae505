"""Load stage: one file = one batch = one transaction; refused files leave the store unchanged.

extract (etl/extract.py) -> validate (etl/validate.py) -> checks that need the store (change
against last year, permissions, same file already loaded) -> write_facts (lawstats/store/revisions.py).
"""

from __future__ import annotations

import hashlib
import sys
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
from etl.problems import Problem, make_problem
from etl.store_failure import STORE_ERRORS, store_failure
from lawstats import settings
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store import DATA_VERSION_KEY, batches, connect, get_meta, transaction
from lawstats.store.revisions import (
    FACT_COLUMNS,
    BatchInfo,
    active_batch_with_hash,
    classify_facts,
    write_facts,
)

LARGE_CHANGE_PCT = 50.0
# below this size a ±50% move is ordinary noise (1 -> 2 offices), not worth a warning
LARGE_CHANGE_MIN_SIZE = 10.0


FRAME_COLUMNS = FACT_COLUMNS  # the store rows a loader writes

# what load_bytes tells `on_stage` as it goes: reading the file (the parse worker, tables,
# headers), checking it (validation, permissions, the stored figures), writing the batch
STAGES = ("read", "check", "write")


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
    """Warn where a figure moves more than ±50% against the stored same period last year.

    One roll-up for every period of the file at once (lawstats.store.rollup.series: one query,
    answered by the summary where it can), compared column-wise; a Problem is made only for the
    figures that moved."""
    from lawstats.store.rollup import series

    if frame.empty or not _has_previous_year(conn, frame):
        return []
    kinds = {c: catalog.get(c).kind for c in frame["indicator_code"].unique()}
    data = frame[
        frame["value"].notna()
        & frame["indicator_code"].map(kinds).astype(str).ne("ratio").to_numpy()
    ]
    if data.empty:
        return []
    spans = data[["period_start", "period_end"]].drop_duplicates().reset_index(drop=True)
    periods = [Period(a, b) for a, b in spans.itertuples(index=False)]
    prev = series(
        conn,
        sorted(data["region_code"].unique()),
        [p.previous_year() for p in periods],
        sorted(data["indicator_code"].unique()),
        regions=regions,
        catalog=catalog,
        batches=False,
    )
    prev = prev[prev["value"].notna() & (prev["value"] != 0)]
    prev = prev.assign(
        period_start=spans["period_start"].to_numpy()[prev["period_index"].to_numpy()],
        period_end=spans["period_end"].to_numpy()[prev["period_index"].to_numpy()],
    )
    key = ["period_start", "period_end", "region_code", "indicator_code"]
    merged = data.astype({k: object for k in key}).merge(
        prev[[*key, "value", "period_index"]].astype({k: object for k in key}),
        on=key,
        suffixes=("", "_prev"),
    )
    value, before = merged["value"].to_numpy(float), merged["value_prev"].to_numpy(float)
    pct = (value - before) / np.abs(before) * 100.0
    moved = (np.maximum(np.abs(value), np.abs(before)) >= LARGE_CHANGE_MIN_SIZE) & (
        np.abs(pct) > LARGE_CHANGE_PCT
    )
    where = _cell_of(extraction)
    last_year = [p.previous_year().label for p in periods]
    rows = zip(
        *(merged[c].to_numpy()[moved] for c in [*key, "period_index"]),
        value[moved].tolist(),
        before[moved].tolist(),
        np.round(pct[moved], 1).tolist(),
        strict=True,
    )
    problems: list[Problem] = []
    for start, end, region, code, period_index, v, v_prev, change in rows:
        sheet, cell = where((region, start, end, code))
        problems.append(
            make_problem(
                "large_change",
                file=extraction.filename,
                sheet=sheet,
                cell=cell,
                region=region,
                indicator=code,
                column=catalog.get(code).name_zh,
                value=v,
                previous=v_prev,
                pct=change,
                previous_period=last_year[int(period_index)],
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
    on_stage: Callable[[str], None] | None = None,
) -> LoadResult:
    """Extract, validate and (unless refused or a dry run) write one file as one batch.

    `on_stage(code)` is told as each stage begins (STAGES: read, check, write), so a page can
    show what is being done, and stop between stages.

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
        on_stage=on_stage or (lambda _code: None),
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
    on_stage: Callable[[str], None],
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
    on_stage("read")
    try:
        review = _review_module(data)
        if review is not None and review.is_reviewed(data):
            # a reviewed report-text result (#8): same checks, same batch
            source_type = review.SOURCE_TYPE
            extraction = review.reviewed_extraction(
                data, filename, catalog=catalog, regions=regions
            )
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
    on_stage("check")
    frame = facts_frame(extraction)
    withdrawals = load_checks.withdrawals(extraction, frame, confirm_withdrawals or dry_run)
    # What the store has to say (same file loaded already? which facts are new, which change?
    # changes against last year, which only warn) is read from a snapshot in a thread while
    # validation runs here: no lock is held for either. Only the write below takes the lock.
    snapshot = _Snapshot(engine, on_wait, _classify_snapshot, sha, frame)
    checks = _Snapshot(engine, on_wait, store_checks, extraction, frame, catalog, regions)
    for thread in (snapshot, checks):
        thread.start()
    try:
        report = validate(extraction, catalog, regions)
        report.extend(check_permissions(extraction, frame, allowed_regions, regions))
        report.extend(withdrawals)
    finally:
        for thread in (snapshot, checks):
            thread.join()
    earlier, version, classified = snapshot.outcome()
    if earlier is not None:
        return _unchanged(result, earlier)
    result.extraction = extraction
    result.report = report
    report.extend(checks.outcome())
    if frame.empty and report.ok:
        report.add(load_checks.empty_file_problem(extraction))
    if not report.ok or (strict and report.warnings):
        return _refused(result, strict=bool(strict and report.ok))

    if dry_run:
        to_write, superseded = classified.rows(), classified.superseded
        result.status = "dry_run"
        result.facts_written = len(to_write)
        result.facts_superseded = len(superseded)
        result.facts_unchanged = classified.unchanged
        result.preview = superseded
        result.to_write = to_write
        result.message_zh = (
            f"试运行：将写入 {len(to_write)} 条，替换 {len(superseded)} 条，未写入数据库"
        )
        result.message_en = f"dry run: would write {len(to_write)} facts, supersede {len(superseded)}; nothing written"
        return result

    info = _batch_info(filename, sha, source_type, user, extraction, report)
    on_stage("write")
    try:
        with transaction(engine, on_wait=on_wait) as conn:
            # checked again under the lock: another load may have committed since the snapshot
            earlier = active_batch_with_hash(conn, sha)
            if earlier is not None:
                return _unchanged(result, earlier)
            if get_meta(conn, DATA_VERSION_KEY) == version:
                info.classified = classified  # no fact changed since: the write alone is locked
            written = write_facts(conn, info, frame)
            if not written.written:
                raise load_checks.NothingChanged(written)  # rolls the empty batch back
    except load_checks.NothingChanged as nothing:
        return _refused(load_checks.nothing_changed(result, extraction, report, nothing.written))
    return _loaded(result, written)


def _review_module(data: bytes):
    """etl.narrative.review when `data` may be a reviewed report-text result (a JSON document),
    else None: a spreadsheet never imports the report-text modules."""
    if not data[:64].lstrip().startswith(b"{"):
        return None
    from etl.narrative import review

    return review


class _Snapshot(threading.Thread):
    """A read of the store that runs while validation runs (no write lock): `work(conn, *args)`
    on a read connection of its own. DuckDB and PostgreSQL run queries without the GIL, so the
    reads overlap the Python checks (and each other)."""

    def __init__(self, engine, on_wait, work, *args):
        super().__init__(name="lawstats-load-snapshot", daemon=True)
        self.engine, self.on_wait, self.work, self.args = engine, on_wait, work, args
        self.result: Any = None
        self.error: BaseException | None = None

    def start(self) -> None:
        _share_streamlit_context(self)  # on_wait may write to the page
        super().start()

    def run(self) -> None:
        try:
            with connect(self.engine, on_wait=self.on_wait) as conn:
                self.result = self.work(conn, *self.args)
        except BaseException as exc:  # noqa: BLE001 - handed to the loading thread
            self.error = exc

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


def _classify_snapshot(conn: Connection, sha: str, frame: pd.DataFrame) -> tuple:
    """(an active batch of the same file, the data version read at, the incoming facts
    classified against the current ones: new, changed, unchanged)."""
    earlier = active_batch_with_hash(conn, sha)
    if earlier is not None or frame.empty:
        return earlier, None, None
    return None, get_meta(conn, DATA_VERSION_KEY), classify_facts(conn, frame)


def _share_streamlit_context(thread: threading.Thread) -> None:
    """Let a helper thread write to the Streamlit page that started it (no-op elsewhere: a
    process that has not imported Streamlit runs no page, and the CLI never imports it)."""
    if "streamlit" not in sys.modules:
        return
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:
        add_script_run_ctx(thread, ctx)


def _batch_info(filename, sha, source_type, user, extraction, report) -> BatchInfo:
    return BatchInfo(
        file_name=filename,
        sha256=sha,
        source_type=source_type,
        uploaded_by=user,
        sheet=_listed(list(dict.fromkeys(t.sheet for t in extraction.tables)), batches.c.sheet),
        period_label=_listed(
            [p.label for p in sorted({t.period for t in extraction.tables if t.period})],
            batches.c.period_label,
        ),
        context_code=next((t.context_code for t in extraction.tables if t.context_code), None),
        warnings=[p.to_dict() for p in report.warnings],
    )


def _listed(items: list[str], column: sa.Column) -> str | None:
    """Items joined with commas; when they do not fit the column (a workbook of twelve monthly
    sheets), the first and the last and how many (PostgreSQL refuses a longer value)."""
    if not items:
        return None
    text = ", ".join(items)
    if len(text) > column.type.length:
        text = f"{items[0]} … {items[-1]}（{len(items)}）"[: column.type.length]
    return text
