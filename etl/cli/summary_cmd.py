"""`python -m etl summary`: bring the dashboard's summary up to date (lawstats.store.summary).

The product's own writes keep it right by themselves; this is for operators: after facts were
changed by hand in SQL (`--rebuild`), or to see its state.
"""

from __future__ import annotations

import argparse
import time


def cmd_summary(args: argparse.Namespace) -> int:
    from etl.cli import _engine, _progress
    from lawstats.store import SUMMARY_READY_KEY, connect, get_meta, summary, transaction

    engine = _engine(args)
    t0 = time.perf_counter()
    if args.rebuild:
        with transaction(engine, bump_version=False) as conn:
            summary.invalidate(conn)
    # in pieces, each in a short transaction: the dashboards read (from the facts) meanwhile
    rows = summary.refresh(engine, on_piece=_progress("汇总 summary"))
    with connect(engine) as conn:
        state = get_meta(conn, SUMMARY_READY_KEY)
    word = "已是最新 up to date" if state == summary.READY else f"状态 state {state!r}"
    print(f"汇总表 summary: {word}; {rows:,} rows written in {time.perf_counter() - t0:.1f} s")
    return 0


def register(sub, with_db) -> None:
    """Add the `summary` subcommand."""
    sp = with_db(sub.add_parser("summary", help="refresh (or --rebuild) the dashboard's summary"))
    sp.add_argument(
        "--rebuild", action="store_true", help="rebuild it whole (after facts changed by hand)"
    )
    sp.set_defaults(func=cmd_summary)
