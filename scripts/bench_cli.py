"""Benchmark (not a test): a county's file through `python -m etl load` next to the floor, and the
upload page's preview.

Usage: python scripts/bench_cli.py [--repeat 9]

1. The floor: a Python process that imports pandas, SQLAlchemy and DuckDB and reads the same
   .xlsx with pandas + calamine (what any loader must at least do). The load: `python -m etl
   load` of a city's monthly file (its 7 counties, every catalog column: 294 facts, figures near
   last year's) into a bureau's store (the demo database), a new month each round (2026) so that
   each is a new batch
   (read in the parse worker, extracted, validated, compared with last year, written, summary
   refreshed). The two commands alternate, round by round; the figure is the median of the
   per-round ratios (target: <= 1.5).
2. The upload page (数据上报, as an analyst): choosing the same file until the page shows its
   preview (problems, facts to write), in a warm server process (AppTest), median of rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

FLOOR = (
    "import sys, duckdb, sqlalchemy, pandas as pd; "
    "pd.read_excel(sys.argv[1], engine='calamine', header=None)"
)
CITY = "620500"  # 天水市: 7 counties


def county_file(db: Path, month: int) -> bytes:
    """The city's file for 2026年<month>月: its 7 counties, every catalog column, figures near
    those the store holds for the same month of 2025 (a new month, as counties send them)."""
    from bench_etl import add_ratios, write_sheets
    from bench_national import previous_values

    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    counties = [r for r in regions if r.parent_code == CITY and r.level == "county"]
    before = previous_values(str(db), [r.code for r in counties], 2025, [month])
    factor = np.random.default_rng(month).uniform(1.0, 1.05, size=len(counties))
    cols = {}
    for ind in load_catalog():
        if ind.kind != "ratio":
            last = before.get(ind.code, {})
            base = np.array([last.get(r.code, np.nan) for r in counties], dtype=float)
            cols[ind.code] = np.round(base * factor, ind.decimals)
    add_ratios(cols)
    title = f"2026年{month}月天水市人民参与和促进法治工作统计表"
    names = [regions.full_name(r.code) for r in counties]
    return write_sheets([("Sheet1", title, names, cols, np.zeros((len(names), 0)))])


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    return took


def cli_rounds(work: Path, repeat: int) -> tuple[list[float], list[float], str]:
    db = work / "bureau.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "etl", "demo", "--db", str(db)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    files = []
    for m in range(1, repeat + 2):
        path = work / f"tianshui_{m}.xlsx"
        path.write_bytes(county_file(db, m))
        files.append(path)
    load = [sys.executable, "-m", "etl", "load", "--db", str(db)]
    floor = [sys.executable, "-c", FLOOR]
    timed(load + [str(files[-1])], env)  # warm-up (the OS's file cache, .pyc files)
    timed(floor + [str(files[-1])], env)
    ours, base = [], []
    for path in files[:-1]:
        ours.append(timed(load + [str(path)], env))
        base.append(timed(floor + [str(path)], env))
    last = subprocess.run(
        [sys.executable, "-m", "etl", "batches", "--db", str(db), "--limit", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return ours, base, last


def preview_rounds(work: Path, repeat: int) -> list[float]:
    """The upload page's answer to a chosen file, in a warm process (as the server is)."""
    from streamlit.testing.v1 import AppTest

    from lawstats import store
    from lawstats.store import auth

    db = work / "page.duckdb"
    shutil.copyfile(work / "bureau.duckdb", db)
    os.environ["LAWSTATS_DB_URL"] = str(db)
    engine = store.get_engine(str(db))
    auth.add_user(engine, "bench_analyst", "bench-password-1", "analyst", [CITY])
    data = county_file(work / "bureau.duckdb", 12)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["auth_user"] = "bench_analyst"
    at.switch_page("pages/upload.py")
    at.run()
    seconds = []
    for i in range(repeat + 1):
        uploader = at.file_uploader(key="up_files")
        uploader.set_value([(f"tianshui_{i}.xlsx", data, "application/octet-stream")])
        t0 = time.perf_counter()
        at.run()
        took = time.perf_counter() - t0
        assert not at.exception, [e.value for e in at.exception]
        if i:  # the first round imports the pipeline
            seconds.append(took)
        at.file_uploader(key="up_files").set_value([])
        at.run()
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    try:
        ours, base, last = cli_rounds(work, args.repeat)
        preview = preview_rounds(work, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = statistics.median(a / b for a, b in zip(ours, base, strict=True))
    print(f"\n`python scripts/bench_cli.py --repeat {args.repeat}`; last batch: {last}\n")
    print("| what | seconds (median) | × floor |\n|---|---|---|")
    print(
        f"| floor: python, import pandas + SQLAlchemy + DuckDB, calamine read | {statistics.median(base):.2f} | 1.00 |"
    )
    print(
        f"| `python -m etl load` of a city's monthly file (294 facts) into a bureau's store | {statistics.median(ours):.2f} | {ratio:.2f} |"
    )
    print(
        f"| upload page: the file chosen -> its preview (warm server) | {statistics.median(preview):.2f} | |"
    )
    print(
        "\nper round (load / floor): "
        + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(ours, base, strict=True))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
