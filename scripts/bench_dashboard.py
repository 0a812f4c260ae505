"""Benchmark the dashboard at national scale: page queries vs raw DuckDB, AppTest renders, cold start, RSS.

Usage: python scripts/bench_dashboard.py [--db /tmp/national.duckdb] [--repeat 7]
(builds the database with `python -m etl synth` if it is missing). Prints markdown tables for docs/benchmarks.md.

Each page query is timed next to a raw DuckDB query that answers the same question on the same
file: same regions, same indicators, same periods, flows summed over months and units, stocks
as the units' levels at the range's last month, one row per region/indicator and year. Both
sides open the database per call, as the app does (NullPool); runs alternate (ours, raw, ours,
raw...) so that load from other processes hits both alike. The raw queries do not state
coverage, approximate flags, batches, own-figure precedence or month tiling: that is the
roll-up's extra work. Ours read the summary (lawstats.store.summary) where it answers, as the app
does; one case reads the facts, as the first read after an upload does until the summary is
refreshed.
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
TREND_REGIONS = [PROVINCE, "620100", "621100", CITY]  # 甘肃省, 兰州市, 定西市, 天水市
YEAR = 2024

# Raw SQL for the benchmark only (static text, bound parameters).
# The province's units: its direct children (cities, and cities that report themselves such as
# 嘉峪关市) and their children (counties); `city` is the unit's city.
_UNITS = """
WITH units AS (
    SELECT r.code, CASE WHEN r.parent_code = $region THEN r.code ELSE r.parent_code END AS city
    FROM regions r
    WHERE r.code = $region OR r.parent_code = $region
       OR r.parent_code IN (SELECT code FROM regions WHERE parent_code = $region)
)
"""
# overview: every flow and stock indicator of the province, per year, over the months
# first_month..last_month of each year (1..12: whole years); flows: sum of the months of every
# unit; stocks: sum of the units' levels at the range's last month
SQL_OVERVIEW = (
    _UNITS
    + """
SELECT f.indicator_code, year(f.period_start) AS year, sum(f.value) AS value
FROM facts f
JOIN units u ON u.code = f.region_code
JOIN indicators i ON i.code = f.indicator_code
WHERE f.is_current AND f.period_start >= $start AND f.period_end <= $end
  AND month(f.period_start) >= $first_month AND month(f.period_end) <= $last_month
  AND (i.kind = 'flow' OR month(f.period_end) = $last_month)
GROUP BY 1, 2
"""
)
# rankings, counties of a city: one flow per county and year, ranked within each year
SQL_RANK = """
SELECT f.region_code, year(f.period_start) AS year, sum(f.value) AS value,
       rank() OVER (PARTITION BY year(f.period_start) ORDER BY sum(f.value) DESC) AS rank
FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current AND f.indicator_code = $code AND r.parent_code = $region
  AND f.period_start >= $start AND f.period_end <= $end
GROUP BY 1, 2
"""
# rankings, cities of a province per 10,000 residents: the flow over the December population
# (万人) per city and year, ranked within each year
SQL_RANK_CITIES = (
    _UNITS
    + """
SELECT u.city, year(f.period_start) AS year,
       sum(f.value) FILTER (WHERE f.indicator_code = $code)
       / sum(f.value) FILTER (WHERE f.indicator_code = 'population' AND month(f.period_end) = 12)
       AS per_10k,
       rank() OVER (PARTITION BY year(f.period_start) ORDER BY per_10k DESC) AS rank
FROM facts f
JOIN units u ON u.code = f.region_code
WHERE f.is_current AND f.indicator_code IN ($code, 'population')
  AND f.period_start >= $start AND f.period_end <= $end
GROUP BY 1, 2
"""
)
# trends: one flow per year for the province and for each of its cities (a superset of the
# three cities the page shows)
SQL_TREND = (
    _UNITS
    + """
SELECT year(f.period_start) AS year, u.city, sum(f.value) AS value
FROM facts f
JOIN units u ON u.code = f.region_code
WHERE f.is_current AND f.indicator_code = $code
  AND f.period_start >= $start AND f.period_end <= $end
GROUP BY GROUPING SETS ((year(f.period_start)), (year(f.period_start), u.city))
"""
)
# trends, monthly: one flow per month for the province and for each of its cities
SQL_TREND_MONTHLY = (
    _UNITS
    + """
SELECT f.period_start AS month, u.city, sum(f.value) AS value
FROM facts f
JOIN units u ON u.code = f.region_code
WHERE f.is_current AND f.indicator_code = $code AND f.period_months = 1
  AND f.period_start >= $start AND f.period_end <= $end
GROUP BY GROUPING SETS ((f.period_start), (f.period_start, u.city))
"""
)


def raw(db: str, sql: str, params: dict) -> None:
    """The raw DuckDB answer: open the file, aggregate, fetch a DataFrame (as the app opens per query)."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        con.execute(sql, params).df()
    finally:
        con.close()


def from_facts(read):
    """A read as it runs while the summary is pending (after an upload, until it is refreshed)."""
    from lawstats.store import summary

    summary.ENABLED = False
    try:
        return read()
    finally:
        summary.ENABLED = True


def alternate(ours, theirs, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of `repeat` runs of each, alternating, after one warm-up run of each."""
    ours(), theirs()
    a, b = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - t)
    return a, b


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/national.duckdb")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--queries-only", action="store_true", help="skip renders, cold start, RSS")
    args = ap.parse_args()
    db = args.db
    if not Path(db).exists():
        subprocess.run([sys.executable, "-m", "etl", "synth", "--db", db], cwd=ROOT, check=True)
    os.environ["LAWSTATS_DB_URL"] = db

    import duckdb

    from lawstats.analysis import dashboard
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.periods import Period
    from lawstats.store import get_engine
    from lawstats.store.rollup import figures

    # the app's reads use the summary once it is up to date: bring it there (a database made
    # by an earlier version is rebuilt), as scripts/start does, in its own process (so the
    # memory figures below are the dashboard's)
    subprocess.run([sys.executable, "-m", "etl", "summary", "--db", db], cwd=ROOT, check=True)
    engine = get_engine(db)
    cat = load_catalog()
    year = Period.year(YEAR)
    con = duckdb.connect(db, read_only=True)
    n_facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    con.close()
    two_years = {"start": f"{YEAR - 1}-01-01", "end": f"{YEAR}-12-31"}
    trend = dashboard.same_kind_back(year, 7)
    months = dashboard.trend_periods("monthly", year, YEAR)
    half, q2 = Period.months(YEAR, 1, 6), Period.quarter(YEAR, 2)

    def overview(period: Period, years: int) -> dict:
        """SQL_OVERVIEW's parameters: the province, `period`'s range in `years` years."""
        back = dashboard.same_kind_back(period, years)
        return {
            "region": PROVINCE,
            "start": back[0].start,
            "end": back[-1].end,
            "first_month": period.start.month,
            "last_month": period.end.month,
        }

    def page(period: Period):
        return lambda: dashboard.overview_figures(engine, PROVINCE, period, cat.codes)

    six = dashboard.SPARK_YEARS
    cases = [
        (
            "overview: province, all indicators + last year",
            lambda: figures(engine, [PROVINCE], year, cat.codes),
            SQL_OVERVIEW,
            overview(year, 2),
        ),
        (
            "overview page: cards + 6-year sparklines, one roll-up",
            page(year),
            SQL_OVERVIEW,
            overview(year, six),
        ),
        ("overview page, 1-6月", page(half), SQL_OVERVIEW, overview(half, six)),
        (
            "overview page, 1-6月, summary pending (read from the facts)",
            lambda: from_facts(page(half)),
            SQL_OVERVIEW,
            overview(half, six),
        ),
        ("overview page, 2nd quarter", page(q2), SQL_OVERVIEW, overview(q2, six)),
        (
            "rankings: counties of a city, 1 indicator + last year",
            lambda: dashboard.ranking(engine, CITY, year, "mediation_cases"),
            SQL_RANK,
            {"region": CITY, "code": "mediation_cases", **two_years},
        ),
        (
            "rankings: cities of a province, per 10k residents",
            lambda: dashboard.ranking(engine, PROVINCE, year, "mediation_cases", "per_10k"),
            SQL_RANK_CITIES,
            {"region": PROVINCE, "code": "mediation_cases", **two_years},
        ),
        (
            "trends: 7 yearly points, province + 3 cities",
            lambda: dashboard.series_values(engine, TREND_REGIONS, trend, ["mediation_cases"]),
            SQL_TREND,
            {
                "region": PROVINCE,
                "code": "mediation_cases",
                "start": trend[0].start,
                "end": trend[-1].end,
            },
        ),
        (
            "trends: 24 monthly points, province + 3 cities",
            lambda: dashboard.series_values(engine, TREND_REGIONS, months, ["mediation_cases"]),
            SQL_TREND_MONTHLY,
            {
                "region": PROVINCE,
                "code": "mediation_cases",
                "start": months[0].start,
                "end": months[-1].end,
            },
        ),
    ]
    rows = []
    for name, ours, sql, params in cases:
        a, b = alternate(ours, lambda sql=sql, params=params: raw(db, sql, params), args.repeat)
        rows.append((name, statistics.median(a), statistics.median(b), min(a), min(b)))

    print(f"\nNational-scale database: {n_facts:,} facts ({db}); {args.repeat} alternating runs\n")
    print("| page query | dashboard (uncached) | raw DuckDB | ratio | best of runs |")
    print("|---|---|---|---|---|")
    for name, a, b, amin, bmin in rows:
        print(
            f"| {name} | {a * 1000:,.0f} ms | {b * 1000:,.0f} ms | {a / b:.2f}x "
            f"| {amin * 1000:,.0f} vs {bmin * 1000:,.0f} ms ({amin / bmin:.2f}x) |"
        )
    if args.queries_only:
        return 0

    # AppTest renders: a fresh AppTest with every st.cache_data cleared (first view), then reruns
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def apptest(page: str, params: dict) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.switch_page(page)
        for k, v in params.items():
            at.query_params[k] = v
        return at

    apptest("pages/methodology.py", {}).run()  # imports (plotly, pages) once, outside the timings
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
        st.cache_data.clear()
        at = apptest(page, params)
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        assert not at.exception, [e.value for e in at.exception]
        warm = []
        for _ in range(3):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
        renders.append((page, cold, statistics.median(warm)))
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

    print("\n| page (AppTest) | first render (caches cleared) | warm render |")
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
