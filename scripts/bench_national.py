"""Benchmark (not a test): loads at national scale, and what a dashboard reader waits meanwhile.

Usage: python scripts/bench_national.py [--db /tmp/national.duckdb] [--repeat 3] [--skip-big]
(builds the national store with `python -m etl synth` if it is missing; never changes it: every
load goes into a copy of it that has seen one ordinary load, see settled_copy).

1. A 126,000-fact workbook (every county and city of the country, 2024年1-6月) loaded into the
   national store next to the same load into an empty store, round by round (empty, national,
   empty, ...), each into a fresh copy: `load_bytes` (read, extract, validate, compare with last
   year, write: what the loader waits for) and the summary refresh after it (off the lock, which
   the dashboard does not wait for), as ratios national / empty. Two workbooks: figures near last
   year's (a real national file: few ±50% warnings) and bench_etl.py's random figures (about
   83,000 ±50% warnings against the store).
2. A reader in another process reads the dashboard's province overview (the roll-up of every
   indicator for 2024 and 2023) over and over while `python -m etl load` runs (the load and its
   summary refresh): how long each read waited for the store (opening it) and took in all, the
   longest of each, next to reads while nothing else runs. Loads: the 126,000-fact workbook, and
   a 1.5-million-fact workbook (12 monthly sheets of every county and city, 2026, figures near
   2025's).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402

PROVINCE = "620000"
SIZE_126K = 3000  # rows: every county, then cities (bench_etl.py's workbook)
# (part, whole) indicator pairs: a part never above its whole
PARTS = [
    tuple(line.split(",")[:2])
    for line in (ROOT / "data" / "indicator_parts.csv").read_text(encoding="utf-8").splitlines()[1:]
    if line.strip()
]

# The reader (another process): reads the province overview in a loop until told to stop (its
# stdin closes); one JSON line per read: seconds waiting to open the store, seconds in all.
READER = """
import json, sys, threading, time
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.store import connect, get_engine
from lawstats.store.rollup import figures

engine = get_engine(sys.argv[1], create=False)
codes = load_catalog().codes
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("ready", flush=True)
while not stop.is_set():
    t0 = time.perf_counter()
    with connect(engine, timeout=600) as conn:
        t1 = time.perf_counter()
        figures(conn, ["620000"], Period.year(2024), codes)
    t2 = time.perf_counter()
    print(json.dumps([t0, t1 - t0, t2 - t0]), flush=True)
    time.sleep(0.02)
"""


def previous_values(db: str, names_codes: list[str], year: int, months: list[int]) -> dict:
    """Per indicator, each region's figure of `months` of `year` in the national store (flows:
    the months' sum; stocks: the last month's level; a city: its counties'), by raw SQL."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute(
            """
            WITH f AS (
                SELECT f.region_code, r.parent_code, f.indicator_code, i.kind,
                       month(f.period_start) AS mo, f.value
                FROM facts f JOIN regions r ON r.code = f.region_code
                JOIN indicators i ON i.code = f.indicator_code
                WHERE f.is_current AND f.period_months = 1 AND year(f.period_start) = $y
                  AND month(f.period_start) IN (SELECT unnest($months))
                  AND (i.kind = 'flow' OR month(f.period_start) = $last)
            )
            SELECT region_code, indicator_code, sum(value) FROM f GROUP BY 1, 2
            UNION ALL
            SELECT parent_code, indicator_code, sum(value) FROM f GROUP BY 1, 2
            """,
            {"y": year, "months": months, "last": max(months)},
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, float]] = {}
    for region, code, value in rows:
        out.setdefault(code, {})[region] = value
    return out


def realistic_sheets(db: str, year: int, month_sets: list[list[int]], titles: list[str]) -> bytes:
    """Every county and city (as bench_etl's workbook), each sheet's figures those of the same
    months a year earlier times 1.00-1.08 (one factor per row), parts no larger than wholes."""
    from bench_etl import add_ratios, write_sheets

    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    units = [r for r in regions if r.level == "county" and r.is_official]
    cities = [r for r in regions if r.level == "city"]
    rows = (units + cities)[:SIZE_126K]
    names = [regions.full_name(r.code) for r in rows]
    codes = [r.code for r in rows]
    rng = np.random.default_rng(11)
    sheets = []
    for k, (months, title) in enumerate(zip(month_sets, titles, strict=True)):
        before = previous_values(db, codes, year - 1, months)
        factor = rng.uniform(1.0, 1.08, size=len(codes))
        cols = {}
        for ind in load_catalog():
            if ind.kind == "ratio":
                continue
            last = before.get(ind.code, {})
            base = np.array([last.get(c, np.nan) for c in codes], dtype=float)
            cols[ind.code] = np.round(base * factor, ind.decimals)
        for part, whole in PARTS:  # as a county's form has them (the synthetic store does not)
            cols[part] = np.fmin(cols[part], cols[whole])
        add_ratios(cols)
        sheets.append((f"Sheet{k + 1}", title, names, cols, np.zeros((len(names), 0))))
    return write_sheets(sheets)


def settled_copy(db: str, work: Path) -> Path:
    """A copy of the national store that has seen one ordinary load and summary refresh (a
    city's monthly file): the first change to a freshly built DuckDB table's rows costs a
    one-time reorganisation at its checkpoint (about 2 s here), which a store in use has long
    paid; the loads below start from this copy, as a bureau's store would be."""
    from bench_etl import make_workbook

    from etl.load import load_bytes
    from lawstats.store import get_engine, summary

    base = work / "base.duckdb"
    shutil.copyfile(db, base)
    engine = get_engine(str(base))
    data = make_workbook(
        title="2016年1月天水市人民参与和促进法治工作统计表", parent="620500", cols=0
    )
    assert load_bytes(engine, data, "settle.xlsx").status == "loaded"
    summary.refresh(engine)
    engine.dispose()
    return base


# --------------------------------------------------------------------------- 1. load ratios


def load_rounds(db: str, work: Path, workbooks: dict[str, bytes], repeat: int) -> list[tuple]:
    """Per workbook: medians of load_bytes and of the refresh, empty and national, and the
    medians of the per-round ratios."""
    from etl.load import load_bytes
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.regions import load_regions
    from lawstats.store import get_engine, summary

    catalog, regions = load_catalog(), load_regions()
    made = iter(range(10**6))
    rows = []
    for label, data in workbooks.items():
        times: dict[str, list[float]] = {k: [] for k in ("e_load", "n_load", "e_ref", "n_ref")}
        statuses = set()
        for _ in range(repeat):
            for kind in ("e", "n"):
                path = work / f"load{next(made)}.duckdb"
                if kind == "n":
                    shutil.copyfile(db, path)
                engine = get_engine(str(path))  # (an empty store is created here, untimed)
                t0 = time.perf_counter()
                res = load_bytes(engine, data, "bench.xlsx", catalog=catalog, regions=regions)
                t1 = time.perf_counter()
                summary.refresh(engine)
                t2 = time.perf_counter()
                statuses.add((kind, res.status, res.facts_written, len(res.report.warnings)))
                times[f"{kind}_load"].append(t1 - t0)
                times[f"{kind}_ref"].append(t2 - t1)
                engine.dispose()
                for p in work.glob(path.name + "*"):
                    p.unlink()
        ratio = statistics.median(
            n / e for n, e in zip(times["n_load"], times["e_load"], strict=True)
        )
        ratio_all = statistics.median(
            (nl + nr) / (el + er)
            for nl, nr, el, er in zip(
                times["n_load"], times["n_ref"], times["e_load"], times["e_ref"], strict=True
            )
        )
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append((label, med, ratio, ratio_all, sorted(statuses)))
    return rows


# --------------------------------------------------------------------------- 2. reader waits


def reader_waits(db: str, work: Path, data: bytes, name: str, idle_s: float = 3.0) -> dict:
    """A reader process reading the province overview while `python -m etl load` runs (into a
    copy of the DuckDB file `db`, or into the PostgreSQL database `db`)."""
    if "://" in db:
        path = db
    else:
        path = work / "waits.duckdb"
        shutil.copyfile(db, path)
    src = work / name
    src.write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert reader.stdout.readline().strip() == "ready"
    time.sleep(idle_s)  # reads with nothing else running
    t_load = time.perf_counter()
    load = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(src), "--db", str(path), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    t_done = time.perf_counter()
    time.sleep(0.5)
    reader.stdin.close()
    lines = reader.stdout.read().splitlines()
    reader.wait(60)
    reads = [json.loads(x) for x in lines if x.startswith("[")]
    idle = [r for r in reads if r[0] + r[2] < t_load]
    during = [r for r in reads if r[0] + r[2] >= t_load and r[0] <= t_done]
    result = json.loads(load.stdout.splitlines()[0]) if load.stdout.strip() else {}
    for p in work.glob("waits.duckdb*"):
        p.unlink()
    src.unlink()
    return {
        "status": result.get("status", load.stderr[-300:]),
        "facts": result.get("facts_written"),
        "load_s": t_done - t_load,
        "idle_read": statistics.median(r[2] for r in idle) if idle else float("nan"),
        "reads": len(during),
        "max_wait": max((r[1] for r in during), default=float("nan")),
        "max_read": max((r[2] for r in during), default=float("nan")),
        "p95_read": float(np.percentile([r[2] for r in during], 95)) if during else float("nan"),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/national.duckdb")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-big", action="store_true", help="no 1.5M-fact reader-wait case")
    ap.add_argument(
        "--pg",
        help="also measure the reader waits on this PostgreSQL database (it is wiped first)",
    )
    args = ap.parse_args()
    if not Path(args.db).exists():
        subprocess.run(
            [sys.executable, "-m", "etl", "synth", "--db", args.db], cwd=ROOT, check=True
        )
    subprocess.run([sys.executable, "-m", "etl", "summary", "--db", args.db], cwd=ROOT, check=True)
    from bench_etl import make_workbook

    t = time.perf_counter()
    near = realistic_sheets(
        args.db, 2024, [list(range(1, 7))], ["2024年1-6月全国人民参与和促进法治工作统计表"]
    )
    workbooks = {
        "126,000 facts, figures near last year's": near,
        "126,000 facts, random figures (bench_etl.py)": make_workbook(),
    }
    big = None
    if not args.skip_big:
        big = realistic_sheets(
            args.db,
            2026,
            [[m] for m in range(1, 13)],
            [f"2026年{m}月全国人民参与和促进法治工作统计表" for m in range(1, 13)],
        )
    print(f"workbooks made in {time.perf_counter() - t:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="bench_national_", dir=Path(args.db).parent))
    try:
        base = str(settled_copy(args.db, work))
        loads = load_rounds(base, work, workbooks, args.repeat)
        waits = [
            (
                "126,000 facts (figures near last year's)",
                reader_waits(base, work, near, "near.xlsx"),
            )
        ]
        if big is not None:
            waits.append(
                (
                    "1.5 million facts (12 monthly sheets)",
                    reader_waits(base, work, big, "big.xlsx"),
                )
            )
        if args.pg:
            from lawstats import store

            store.wipe(store.get_engine(args.pg, create=False))
            store.get_engine(args.pg)
            pg = [("126,000 facts", near, "near.xlsx")]
            if big is not None:
                pg.append(("1.5 million facts", big, "big.xlsx"))
            for label, data, name in pg:
                waits.append((f"PostgreSQL: {label}", reader_waits(args.pg, work, data, name)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    cmd = f"python scripts/bench_national.py --repeat {args.repeat}" + (
        " --pg URL" if args.pg else ""
    )
    print(f"\n`{cmd}`: {args.repeat} rounds, medians; ratios are medians of per-round ratios\n")
    print(
        "| workbook | load, empty store | load, national store | × | refresh after it, empty | national | × (load + refresh) |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, med, ratio, ratio_all, statuses in loads:
        print(
            f"| {label} | {med['e_load']:.2f} s | {med['n_load']:.2f} s | {ratio:.2f} "
            f"| {med['e_ref']:.2f} s | {med['n_ref']:.2f} s | {ratio_all:.2f} |"
        )
        print(f"<!-- {statuses} -->")
    print(
        "\n| load running (`python -m etl load`, with its summary refresh) | load | reads | longest wait to open the store | longest read | 95th percentile read | read with nothing running |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, w in waits:
        print(
            f"| {label}: {w['status']}, {w['facts']} facts | {w['load_s']:.1f} s | {w['reads']} "
            f"| {w['max_wait']:.2f} s | {w['max_read']:.2f} s | {w['p95_read']:.2f} s | {w['idle_read']:.2f} s |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
