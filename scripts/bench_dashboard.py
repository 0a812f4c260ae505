"""Benchmark the dashboard at national scale: page queries vs raw DuckDB, AppTest renders, cold start, RSS.

Usage: python scripts/bench_dashboard.py [--db /tmp/national.duckdb]   (builds it with `etl synth` if missing)
Prints a markdown table to paste into README.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVINCE, CITY = "620000", "620500"  # 甘肃省, 天水市
YEAR = 2024


def timed(fn, repeat: int = 3) -> float:
    """Median seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def raw(db: str, sql: str, params: list) -> None:
    """The raw DuckDB answer: open the file, aggregate, fetch a DataFrame (as the app opens per query)."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        con.execute(sql, params).df()
    finally:
        con.close()


Y_START, Y_END = f"{YEAR}-01-01", f"{YEAR}-12-31"
P_START, P_END = f"{YEAR - 1}-01-01", f"{YEAR - 1}-12-31"
# Raw SQL for the benchmark only (static text, bound parameters).
SQL_OVERVIEW = """
SELECT f.indicator_code, sum(f.value) FROM facts f JOIN regions r ON r.code = f.region_code
WHERE f.is_current AND r.parent_code IN (SELECT code FROM regions WHERE parent_code = ?)
  AND f.period_start >= ? AND f.period_end <= ? AND f.period_end = (CASE WHEN f.indicator_code IN
  (SELECT code FROM indicators WHERE kind = 'stock') THEN DATE '2024-12-31' ELSE f.period_end END)
GROUP BY 1"""
SQL_RANK = """
SELECT f.region_code, sum(f.value) AS v, rank() OVER (ORDER BY sum(f.value) DESC) FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current AND f.indicator_code = ? AND r.parent_code = ? AND f.period_start >= ? AND f.period_end <= ?
GROUP BY 1"""
SQL_RANK_CITIES = """
SELECT r.parent_code, sum(f.value), rank() OVER (ORDER BY sum(f.value) DESC) FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current AND f.indicator_code = ? AND r.parent_code IN (SELECT code FROM regions WHERE parent_code = ?)
  AND f.period_start >= ? AND f.period_end <= ? GROUP BY 1"""
SQL_TREND = """
SELECT year(f.period_start), sum(f.value) FROM facts f JOIN regions r ON r.code = f.region_code
WHERE f.is_current AND f.indicator_code = ? AND r.parent_code IN (SELECT code FROM regions WHERE parent_code = ?)
GROUP BY 1"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/national.duckdb")
    args = ap.parse_args()
    db = args.db
    if not Path(db).exists():
        subprocess.run([sys.executable, "-m", "etl", "synth", "--db", db], cwd=ROOT, check=True)
    os.environ["LAWSTATS_DB_URL"] = db

    from lawstats import dashboard
    from lawstats.catalog import load_catalog
    from lawstats.periods import Period
    from lawstats.rollup import figures
    from lawstats.store import get_engine

    engine = get_engine(db)
    cat = load_catalog()
    year = Period.year(YEAR)
    n_facts = (
        __import__("duckdb")
        .connect(db, read_only=True)
        .execute("SELECT count(*) FROM facts")
        .fetchone()[0]
    )
    rows = []

    def pair(name, ours, sql, params):
        ours()  # warm the OS cache and imports
        a = timed(ours)
        b = timed(lambda: raw(db, sql, params))
        rows.append((name, a, b))

    pair(
        "overview: province, all indicators + last year",
        lambda: figures(engine, [PROVINCE], year, cat.codes),
        SQL_OVERVIEW,
        [PROVINCE, P_START, Y_END],
    )
    pair(
        "rankings: counties of a city, 1 indicator + last year",
        lambda: dashboard.ranking(engine, CITY, year, "mediation_cases"),
        SQL_RANK,
        ["mediation_cases", CITY, P_START, Y_END],
    )
    pair(
        "rankings: cities of a province, per 10k residents",
        lambda: dashboard.ranking(engine, PROVINCE, year, "mediation_cases", "per_10k"),
        SQL_RANK_CITIES,
        ["mediation_cases", PROVINCE, P_START, Y_END],
    )
    periods = dashboard.same_kind_back(year, 7)
    pair(
        "trends: 7 yearly points, province + 3 cities",
        lambda: dashboard.series_values(
            engine, [PROVINCE, "620100", "620200", CITY], periods, ["mediation_cases"]
        ),
        SQL_TREND,
        ["mediation_cases", PROVINCE],
    )

    # AppTest warm renders
    from streamlit.testing.v1 import AppTest

    renders = []
    for page, params in [
        ("pages/overview.py", {"region": PROVINCE, "period": f"{YEAR}年"}),
        (
            "pages/trends.py",
            {"region": PROVINCE, "period": f"{YEAR}年", "indicator": "mediation_cases"},
        ),
        (
            "pages/rankings.py",
            {"region": PROVINCE, "period": f"{YEAR}年", "indicator": "mediation_cases"},
        ),
        ("pages/methodology.py", {}),
    ]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.switch_page(page)
        for k, v in params.items():
            at.query_params[k] = v
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        assert not at.exception, [e.value for e in at.exception]
        warm = timed(lambda at=at: at.run())
        renders.append((page, cold, warm))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # cold start of the server: process start -> /_stcore/health answers
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        cold_start = time.perf_counter() - t
        status = Path(f"/proc/{proc.pid}/status").read_text()
        server_rss = (
            int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1]) / 1024
        )
    finally:
        proc.terminate()
        proc.wait(10)

    print(f"\nNational-scale database: {n_facts:,} facts ({db})\n")
    print("| page query | dashboard (uncached) | raw DuckDB | ratio |")
    print("|---|---|---|---|")
    for name, a, b in rows:
        print(f"| {name} | {a * 1000:,.0f} ms | {b * 1000:,.0f} ms | {a / b:.1f}x |")
    print("\n| page (AppTest) | first render (cold cache) | warm render |")
    print("|---|---|---|")
    for page, cold, warm in renders:
        print(f"| {page} | {cold:,.2f} s | {warm:,.2f} s |")
    print(f"\n- server cold start (process start to /_stcore/health): {cold_start:.2f} s")
    print(f"- server RSS right after start: {server_rss:,.0f} MB")
    print(
        f"- peak RSS of the benchmark process after rendering every page at national scale: {rss_mb:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
