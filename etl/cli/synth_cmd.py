"""`python -m etl synth`: build the national-scale synthetic database (speed tests, marked 示例数据)."""

from __future__ import annotations

import argparse
import time


def cmd_synth(args: argparse.Namespace) -> int:
    from etl.cli import _engine, _progress
    from lawstats.demo.synthetic import build_synthetic

    engine = _engine(args)
    t0 = time.perf_counter()
    result = build_synthetic(
        engine,
        months=args.months,
        county_limit=args.counties,
        progress=_progress("写入合成数据 synth"),
    )
    print(
        f"合成数据库已生成 synthetic database ready: {result['facts']:,} facts, "
        f"{result['counties']:,} counties, {result['indicators']} indicators "
        f"in {time.perf_counter() - t0:.1f} s -> {engine.url.render_as_string(hide_password=True)}"
    )
    return 0


def register(sub, with_db) -> None:
    """Add the `synth` subcommand."""
    sp = with_db(sub.add_parser("synth", help="build the national-scale synthetic database"))
    sp.add_argument("--months", type=int, default=120, help="months ending 2025-12 (default 120)")
    sp.add_argument("--counties", type=int, default=None, help="only the first N counties (tests)")
    sp.set_defaults(func=cmd_synth)
