"""Command line: `python -m etl demo|show|load|batches|rollback|diff|template ...`.

Exit codes: 0 success (or nothing to change), 1 refused for validation errors (nothing written),
2 unreadable input, unknown region/period or bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input on the command line; printed as 'error: ...' with exit code 2."""


def _err(msg: str) -> None:
    print(f"错误 error: {msg}", file=sys.stderr)


def _progress(label: str):
    """A small progress bar on stderr (silent when stderr is not a terminal and CI is set)."""
    interactive = sys.stderr.isatty()

    def tick(done: int, total: int) -> None:
        if not interactive and done != total:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "█" * filled + "░" * (width - filled)
        end = "\n" if done >= total else "\r"
        print(f"{label} {bar} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return tick


def _engine(args: argparse.Namespace):
    from lawstats.store import get_engine

    return get_engine(args.db)


def _resolve_region(text: str, context: str | None = None) -> str:
    from lawstats.domain.regions import load_regions

    res = load_regions().resolve(text, context=context)
    if res.status != "ok" or res.code is None:
        raise UsageError(f"{res.message_zh} / {res.message_en}")
    return res.code


def _parse_period(text: str):
    from lawstats.domain.periods import PeriodError, parse_period

    try:
        return parse_period(text)
    except PeriodError as exc:
        raise UsageError(f"{exc.message_zh} / {exc.message_en}") from None


# --------------------------------------------------------------------------- commands


def cmd_demo(args: argparse.Namespace) -> int:
    from lawstats.demo.database import build_demo

    engine = _engine(args)
    result = build_demo(engine, force=args.force, progress=_progress("写入示例数据 demo"))
    print(
        f"示例数据库已生成 demo database ready: {result['facts']:,} facts in {result['batches']} batches"
        f" -> {engine.url.render_as_string(hide_password=True)}"
    )
    return EXIT_OK


def _reader(args: argparse.Namespace):
    """A read-only engine for commands that only read: other readers never block them."""
    from lawstats.store import get_reader

    return get_reader(args.db)


def show_records(
    engine, region_code: str, period, indicator_codes: Sequence[str]
) -> list[dict[str, Any]]:
    """The `show` figures as JSON-ready records (shared with tests and other tools).

    Strict JSON: a figure not reported is null with `value_reason` "not_reported" (never NaN,
    never 0); a change not stated is null with its `change_reason` (lawstats.domain.change.
    CHANGE_REASONS); numbers are rounded by the configured rule (`rounding`)."""
    return show_records_many(engine, [region_code], period, indicator_codes)


def show_records_many(
    engine, region_codes: Sequence[str], period, indicator_codes: Sequence[str]
) -> list[dict[str, Any]]:
    """show_records for several regions from one roll-up (regions outermost)."""
    from lawstats.analysis.dashboard import figure_records
    from lawstats.store.rollup import figures

    frame = figures(engine, list(region_codes), period, indicator_codes)
    return figure_records(frame, period)


def cmd_show(args: argparse.Namespace) -> int:
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.formatting import (
        conflict_note,
        coverage_notes,
        format_change,
        format_value,
        rounding_note,
    )
    from lawstats.domain.regions import load_regions

    catalog = load_catalog()
    region_code = _resolve_region(args.region)
    period = _parse_period(args.period)
    codes = args.indicator or catalog.codes
    for c in codes:
        if c not in catalog:
            raise UsageError(f"未知指标代码 unknown indicator code: {c}")
    records = show_records(_reader(args), region_code, period, codes)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False))
        return EXIT_OK
    regions = load_regions()
    print(
        f"{regions.full_name(region_code)}  {period.label}（对比 {period.previous_year().label}）"
    )
    for r in records:
        ind = catalog.get(r["indicator_code"])
        cov = r["coverage"]
        notes = coverage_notes(ind, period, **{k: cov[k] for k in _COVERAGE})
        if r["is_reported_rate"]:
            notes.append("按报送比率")
        conflict = conflict_note(
            ind, period, r["value"], r["finer_value"], r["conflicts"], lang="zh"
        )
        if conflict:
            notes.append(conflict)
        note = "".join(f"  {n}" for n in notes)
        value = format_value(r["value"], ind, approximate=r["is_approximate"])
        previous = format_value(r["previous"], ind, approximate=r["previous_is_approximate"])
        change = format_change(
            r["change"], r["change_unit"], approximate=r["change_is_approximate"]
        )
        print(f"  {ind.name_zh:<16}{value:>16}  上年 {previous:>14}  {change}{note}")
    print(f"注 note: {rounding_note('zh')} / {rounding_note('en')}")
    return EXIT_OK


_COVERAGE = ("units_reported", "units_expected", "months_covered", "months_expected")


def cmd_batches(args: argparse.Namespace) -> int:
    from lawstats.store import connect
    from lawstats.store.revisions import list_batches

    with connect(_reader(args)) as conn:
        frame = list_batches(conn, limit=args.limit)
    cols = [
        "id",
        "status",
        "source_type",
        "file_name",
        "uploaded_by",
        "uploaded_at",
        "period_label",
        "facts_written",
        "facts_superseded",
        "facts_unchanged",
        "rolled_back_at",
        "rolled_back_by",
        "rollback_reason",
    ]
    if args.json:
        print(frame[cols].to_json(orient="records", force_ascii=False, date_format="iso"))
        return EXIT_OK
    if frame.empty:
        print("没有批次 no batches")
        return EXIT_OK
    # the history as events, newest first: each load, and each rollback as an event of its own
    events = []
    for r in frame[cols].itertuples(index=False):
        events.append(
            (
                r.uploaded_at,
                f"#{r.id:<5} {'load':<11} {r.source_type:<11} {r.uploaded_at}  {r.uploaded_by:<10}"
                f" 写入 {r.facts_written:>7,}  替换 {r.facts_superseded:>6,}  {r.period_label or ''}"
                f"  {r.file_name}",
            )
        )
        if r.status == "rolled_back":
            events.append(
                (
                    r.rolled_back_at,
                    f"#{r.id:<5} {'rollback':<11} {'':<11} {r.rolled_back_at}  {r.rolled_back_by:<10}"
                    f" 回滚批次 #{r.id} rolled back: {r.rollback_reason or ''}",
                )
            )
    for _when, line in sorted(events, key=lambda e: str(e[0]), reverse=True):
        print(line)
    return EXIT_OK


def cmd_rollback(args: argparse.Namespace) -> int:
    from lawstats.store import summary, transaction
    from lawstats.store.revisions import RollbackError, rollback_batch

    try:
        with transaction(_engine(args), on_wait=_tell_wait) as conn:
            result = rollback_batch(conn, args.batch, actor=args.user, reason=args.reason or "")
    except RollbackError as exc:
        raise UsageError(f"{exc.message_zh} / {exc.message_en}") from None
    summary.refresh_quietly(_engine(args))
    print(
        f"批次 {args.batch} 已回滚 rolled back: {result['retired']} facts retired,"
        f" {result['restored']} earlier facts restored"
    )
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from lawstats.store import connect
    from lawstats.store.revisions import batch_diff, rollback_effects

    with connect(_reader(args)) as conn:
        frame = batch_diff(conn, args.batch)
        undone = rollback_effects(conn, args.batch)
    if args.json:
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
        return EXIT_OK
    changed = frame[frame["change"] == "superseded"]
    print(f"批次 {args.batch}: {len(frame)} facts, {len(changed)} replaced earlier values")
    for r in changed.itertuples(index=False):
        print(
            f"  {r.region_code} {r.period_start}..{r.period_end} {r.indicator_code}:"
            f" {r.old_value} (batch {int(r.old_batch_id)}) -> {r.new_value}"
        )
    if not undone.empty:
        print(f"回滚 rollback: {len(undone)} facts retired")
        for r in undone.itertuples(index=False):
            back = (
                "—"
                if r.restored_value is None or r.restored_value != r.restored_value
                else f"{r.restored_value} (batch {int(r.restored_batch_id)})"
            )
            print(
                f"  {r.region_code} {r.period_start}..{r.period_end} {r.indicator_code}:"
                f" {r.retired_value} -> {back}"
            )
    return EXIT_OK


def _tell_wait(pid: str) -> None:
    print(
        f"数据库正被另一进程（PID {pid}）写入，等待中… waiting for the database lock",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="法治统计看板 ETL and data tools")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument(
            "--db",
            help="SQLAlchemy URL or DuckDB file path (default: $LAWSTATS_DB_URL or data/lawstats.duckdb)",
        )
        return sp

    sp = with_db(sub.add_parser("demo", help="build the demo database (示例数据)"))
    sp.add_argument(
        "--force",
        action="store_true",
        help="overwrite a non-empty database that is not demo data; a database that ever "
        "held real data is refused all the same",
    )
    sp.set_defaults(func=cmd_demo)

    sp = with_db(
        sub.add_parser(
            "show", help="a region's figures for a period, with last year and the change"
        )
    )
    sp.add_argument(
        "--region", required=True, help="region name as people write it (秦州, 天水市秦州区...)"
    )
    sp.add_argument(
        "--period", required=True, help="period label: 2024, 2024年1-6月, 2024Q1, 2024年3月..."
    )
    sp.add_argument(
        "--indicator", action="append", help="indicator code (repeatable; default: all)"
    )
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_show)

    sp = with_db(sub.add_parser("batches", help="list batches, newest first"))
    sp.add_argument("--limit", type=int, default=50)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_batches)

    sp = with_db(sub.add_parser("rollback", help="roll a batch back (restores what it superseded)"))
    sp.add_argument("batch", type=int)
    sp.add_argument("--reason", default="")
    sp.add_argument("--user", default="cli")
    sp.set_defaults(func=cmd_rollback)

    sp = with_db(sub.add_parser("diff", help="what a batch changed"))
    sp.add_argument("batch", type=int)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_diff)

    _add_etl_commands(sub, with_db)
    return p


# Command modules; each has register(subparsers, with_db).
COMMAND_MODULES = (
    "etl.cli.load_cmd",
    "etl.cli.synth_cmd",
    "etl.cli.users_cmd",
    "etl.cli.targets_cmd",
    "etl.cli.report_cmd",
    "etl.cli.extract_cmd",
    "etl.cli.summary_cmd",
    "etl.cli.db_cmd",
)


def _add_etl_commands(sub, with_db) -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, with_db)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except Exception as exc:
        if not _is_store_error(exc):
            raise
        _err(str(exc))  # the store refused (a lock not granted in time, a newer schema...)
        return EXIT_USAGE


def _is_store_error(exc: BaseException) -> bool:
    """A StoreError (LockTimeout included), without importing the store here: a command that
    never opened it (template, --help) does not pay for its imports."""
    errors = sys.modules.get("lawstats.store.errors")
    return errors is not None and isinstance(exc, errors.StoreError)
