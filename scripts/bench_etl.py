"""Benchmark (not a test): a 3,000-row x 120-column .xlsx loaded end to end vs raw reads of it.

Usage: .venv/bin/python scripts/bench_etl.py [--repeat 3]
Prints median seconds of: pandas+calamine raw read, pandas+openpyxl raw read, extract+validate,
and the end-to-end load into a fresh DuckDB file, with the ratios measured in this one run.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lawstats.catalog import load_catalog  # noqa: E402
from lawstats.regions import load_regions  # noqa: E402

ROWS, COLS = 3000, 120


def make_workbook() -> bytes:
    """Every county (by full name) plus cities up to 3,000 rows; catalog columns + unmapped extras."""
    import xlsxwriter

    catalog = load_catalog()
    regions = load_regions()
    units = [r for r in regions if r.level == "county" and r.is_official]
    cities = [r for r in regions if r.level == "city"]
    names = [regions.full_name(r.code) for r in (units + cities)[:ROWS]]
    rng = np.random.default_rng(7)
    inds = list(catalog)
    extra = COLS - 1 - len(inds)
    cols: dict[str, np.ndarray] = {}
    for ind in inds:
        if ind.kind == "ratio":
            continue
        base = rng.integers(200, 2000, size=len(names)).astype(float)
        cols[ind.code] = base if ind.decimals == 0 else np.round(base / 7.0, ind.decimals)
    # parts below their wholes, numerators below denominators
    cols["mediation_success"] = np.floor(cols["mediation_cases"] * 0.97)
    cols["judicial_confirmations"] = np.floor(cols["mediation_success"] * 0.1)
    cols["released_handed_over"] = cols["released_total"].copy()
    cols["reconsideration_mediated"] = np.floor(cols["reconsideration_accepted"] * 0.3)
    cols["reconsideration_closed"] = np.floor(cols["reconsideration_accepted"] * 0.9)
    cols["mediation_orgs_sector"] = np.floor(cols["mediation_orgs"] * 0.05)
    cols["mediators_fulltime"] = np.floor(cols["mediators"] * 0.1)
    cols["office_quota_used"] = np.floor(cols["office_quota"] * 0.8)
    for part in ("office_fully_staffed", "office_one_person", "office_over_120sqm", "office_model"):
        cols[part] = np.floor(cols["office_count"] * 0.2)
    for ind in inds:
        if ind.kind == "ratio":
            cols[ind.code] = np.round(cols[ind.numerator] / cols[ind.denominator] * 100.0, 1)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["2024年1-6月全国人民参与和促进法治工作统计表"])
    ws.write_row(1, 0, ["地区"] + [f"{i.name_zh}（{i.unit}）" for i in inds] + [f"附加栏{k}" for k in range(extra)])
    extra_vals = rng.integers(0, 100, size=(len(names), extra))
    for r, name in enumerate(names):
        row = [name] + [float(cols[i.code][r]) for i in inds] + extra_vals[r].tolist()
        ws.write_row(r + 2, 0, row)
    wb.close()
    return buf.getvalue()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from etl.extract import extract_file
    from etl.load import load_bytes
    from etl.validate import validate
    from lawstats.store import get_engine

    data = make_workbook()
    print(f"workbook: {ROWS} rows x {COLS} columns, {len(data) / 2**20:.1f} MiB")
    raw_calamine, _ = timed(lambda: pd.read_excel(io.BytesIO(data), engine="calamine", header=None), args.repeat)
    raw_openpyxl, _ = timed(lambda: pd.read_excel(io.BytesIO(data), engine="openpyxl", header=None), 1)
    catalog, regions = load_catalog(), load_regions()

    def extract_and_validate():
        ex = extract_file(data, "bench.xlsx", catalog=catalog, regions=regions)
        return ex, validate(ex, catalog, regions)

    t_extract, (ex, report) = timed(extract_and_validate, args.repeat)

    def end_to_end():
        with tempfile.TemporaryDirectory() as d:
            engine = get_engine(str(Path(d) / "bench.duckdb"))
            return load_bytes(engine, data, "bench.xlsx", catalog=catalog, regions=regions)

    t_load, res = timed(end_to_end, args.repeat)
    print(f"load status: {res.status}, facts written: {res.facts_written}, errors: {len(res.report.errors)}, "
          f"warnings: {len(res.report.warnings)}")
    rows = [
        ("pandas + calamine, raw read", raw_calamine),
        ("pandas + openpyxl, raw read (1 run)", raw_openpyxl),
        ("extract + validate (etl)", t_extract),
        ("end to end: extract, validate, load into a new DuckDB", t_load),
    ]
    print("\n| step | seconds | × calamine raw |\n|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {t / raw_calamine:.2f} |")


if __name__ == "__main__":
    main()
