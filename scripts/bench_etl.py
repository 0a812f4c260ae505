"""Benchmark (not a test): a 3,000-row x 120-column .xlsx loaded end to end vs raw reads of it.

Usage: python scripts/bench_etl.py [--repeat 3] [--long-only] [--code DIR]
Prints median seconds of: the pandas+calamine raw read (the yardstick), the pandas+openpyxl raw
read, the ETL stages (read, extract + validate, write) and the end-to-end load
(etl.load.load_bytes: read, extract, validate, write to DuckDB as one batch) into an empty store,
with the ratios measured in this one run. Creating the empty store (schema, region and catalog
tables) happens before the clock starts and is printed on its own line; so is a second load of
a changed copy of the workbook into a store that holds the first (the supersede path).
Then a 100,008-row long CSV against pandas.read_csv (bench_long_csv; alone with --long-only).
`--code DIR`: time the code of another checkout (e.g. an earlier commit unpacked with
`git archive REV | tar -x -C DIR`) on the same files, for a before/after in one session.
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
if "--code" in sys.argv:  # another checkout's etl and lawstats (the files are made by this one)
    _at = sys.argv.index("--code")
    sys.path.insert(0, str(Path(sys.argv[_at + 1]).resolve()))
    del sys.argv[_at : _at + 2]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lawstats.domain.catalog import load_catalog  # noqa: E402
from lawstats.domain.regions import load_regions  # noqa: E402

ROWS, COLS = 3000, 120


def make_workbook(
    rows: int = ROWS,
    cols: int = COLS,
    title: str = "2024年1-6月全国人民参与和促进法治工作统计表",
    parent: str | None = None,
) -> bytes:
    """Every county (by full name) plus cities up to `rows` rows (or the counties of `parent`);
    catalog columns + unmapped extras up to `cols` columns in all."""
    catalog = load_catalog()
    regions = load_regions()
    units = [r for r in regions if r.level == "county" and r.is_official]
    cities = [r for r in regions if r.level == "city"]
    if parent is not None:
        units, cities = [r for r in units if r.parent_code == parent], []
    names = [regions.full_name(r.code) for r in (units + cities)[:rows]]
    rng = np.random.default_rng(7)
    inds = list(catalog)
    extra = max(cols - 1 - len(inds), 0)
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
    add_ratios(cols)
    extra_vals = rng.integers(0, 100, size=(len(names), extra))
    return write_sheets([("Sheet1", title, names, cols, extra_vals)])


def add_ratios(cols: dict[str, np.ndarray]) -> None:
    """Every part below its whole (data/indicator_parts.csv) and every numerator below its
    denominator, whatever the catalog adds (parts of parts until nothing changes); then the
    catalog's ratio columns from their parts (as a county computes them, in %)."""
    catalog = load_catalog()
    inds = list(catalog)
    below = dict(catalog.parts)
    below.update({i.numerator: i.denominator for i in inds if i.kind == "ratio"})
    below = {p: w for p, w in below.items() if p in cols and w in cols}
    for _ in range(len(below) + 1):
        over = [(p, w) for p, w in below.items() if (cols[p] > cols[w]).any()]
        for part, whole in over:
            cols[part] = np.floor(cols[whole] * 0.3)
        if not over:
            break
    for ind in inds:
        if ind.kind == "ratio" and ind.numerator in cols and ind.denominator in cols:
            cols[ind.code] = np.round(cols[ind.numerator] / cols[ind.denominator] * 100.0, 1)


def write_sheets(
    sheets: list[tuple[str, str, list[str], dict[str, np.ndarray], np.ndarray]],
) -> bytes:
    """An .xlsx with one table per sheet: (sheet name, title, region names, a column per catalog
    indicator, unmapped extra columns): a title row, a header row (地区 and 名称（单位）), a row
    per region; NaN cells are left empty."""
    import xlsxwriter

    inds = list(load_catalog())
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for sheet, title, names, cols, extra_vals in sheets:
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, [title])
        ws.write_row(
            1,
            0,
            ["地区"]
            + [f"{i.name_zh}（{i.unit}）" for i in inds]
            + [f"附加栏{k}" for k in range(extra_vals.shape[1])],
        )
        table = np.column_stack([cols[i.code] for i in inds]).astype(float)
        for r, name in enumerate(names):
            row = [None if np.isnan(v) else float(v) for v in table[r]]
            ws.write_row(r + 2, 0, [name, *row, *extra_vals[r].tolist()])
    wb.close()
    return buf.getvalue()


def changed_copy(data: bytes) -> bytes:
    """The same workbook with every tenth figure of the first columns changed (a corrected resend)."""
    import python_calamine as pc
    import xlsxwriter

    rows = pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Sheet1")
    rows = rows.to_python(skip_empty_area=False)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        out = list(row)
        if r >= 2 and r % 10 == 0:
            out[1:4] = [v + 1 if isinstance(v, float) else v for v in out[1:4]]
        ws.write_row(r, 0, [None if v == "" else v for v in out])
    wb.close()
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from etl.extract import extract_file
    from etl.load import facts_frame, load_bytes
    from etl.readers import read_workbook
    from etl.validate import validate
    from lawstats.store import get_engine, transaction
    from lawstats.store.revisions import BatchInfo, write_facts

    data = make_workbook()
    changed = changed_copy(data)
    print(f"workbook: {ROWS} rows x {COLS} columns, {len(data) / 2**20:.1f} MiB")
    catalog, regions = load_catalog(), load_regions()
    work = tempfile.TemporaryDirectory()
    made = iter(range(10**6))

    def empty_store():
        """A new, empty store (schema, region and catalog tables); not part of a load."""
        return get_engine(str(Path(work.name) / f"bench{next(made)}.duckdb"))

    def loaded_store():
        engine = empty_store()
        load(engine)
        return engine

    def raw_calamine(_):
        return pd.read_excel(io.BytesIO(data), engine="calamine", header=None)

    def read(_):
        return read_workbook(data, "bench.xlsx")

    def extract_and_validate(_):
        ex = extract_file(data, "bench.xlsx", catalog=catalog, regions=regions)
        return ex, validate(ex, catalog, regions)

    frame = facts_frame(extract_and_validate(None)[0])

    def write(engine):
        info = BatchInfo("bench.xlsx", "0" * 64, "spreadsheet", "bench")
        with transaction(engine) as conn:
            return write_facts(conn, info, frame)

    def load(engine):
        return load_bytes(engine, data, "bench.xlsx", catalog=catalog, regions=regions)

    def reload(engine):
        return load_bytes(engine, changed, "bench_v2.xlsx", catalog=catalog, regions=regions)

    def create(_):
        return empty_store()

    # (label, function, untimed setup giving its argument)
    steps = [
        ("pandas + calamine, raw read (the yardstick)", raw_calamine, None),
        ("etl: read the workbook (python-calamine, error cells)", read, None),
        ("etl: read + extract + validate", extract_and_validate, None),
        ("etl: write the facts as one batch into an empty DuckDB", write, empty_store),
        ("**end to end: read, extract, validate, write (load_bytes)**", load, empty_store),
        ("reload a corrected copy into the loaded store (supersedes)", reload, loaded_store),
        ("(not part of a load) create an empty DuckDB store", create, None),
    ]
    # Rounds: every step once per round, each against the raw read of its own round, so that
    # the other load on a shared machine weighs on both sides of a ratio alike.
    seconds: dict[str, list[float]] = {label: [] for label, _f, _s in steps}
    ratios: dict[str, list[float]] = {label: [] for label, _f, _s in steps}
    results: dict[str, object] = {}
    for _ in range(args.repeat):
        for label, fn, setup in steps:
            arg = setup() if setup is not None else None
            t0 = time.perf_counter()
            results[label] = fn(arg)
            seconds[label].append(time.perf_counter() - t0)
        raw = seconds[steps[0][0]][-1]
        for label in seconds:
            ratios[label].append(seconds[label][-1] / raw)
    t0 = time.perf_counter()
    pd.read_excel(io.BytesIO(data), engine="openpyxl", header=None)
    t_openpyxl = time.perf_counter() - t0
    res, again = results[steps[4][0]], results[steps[5][0]]
    print(
        f"load status: {res.status}, facts written: {res.facts_written}, "
        f"errors: {len(res.report.errors)}, warnings: {len(res.report.warnings)}"
    )
    print(
        f"reload status: {again.status}, written: {again.facts_written}, "
        f"superseded: {again.facts_superseded}, unchanged: {again.facts_unchanged}"
    )
    raw_median = statistics.median(seconds[steps[0][0]])
    print(f"\n{args.repeat} rounds; seconds: median; ratio: median of the per-round ratios")
    print("\n| step | seconds | × calamine raw |\n|---|---|---|")
    for label, _f, _s in steps[:1]:
        print(f"| {label} | {raw_median:.2f} | 1.00 |")
    print(
        f"| pandas + openpyxl, raw read (1 run) | {t_openpyxl:.2f} | {t_openpyxl / raw_median:.2f} |"
    )
    for label, _f, _s in steps[1:]:
        print(
            f"| {label} | {statistics.median(seconds[label]):.2f} | "
            f"{statistics.median(ratios[label]):.2f} |"
        )
    raws = ", ".join(f"{t:.2f}" for t in seconds[steps[0][0]])
    loads = ", ".join(f"{t:.2f}" for t in seconds[steps[4][0]])
    print(f"\nraw read per round: {raws} s; end to end per round: {loads} s")
    work.cleanup()
    bench_long_csv(args.repeat)


# --- a long layout: one figure per row -------------------------------------------------------

LONG_ROWS = 100_000
LONG_INDICATORS = ("mediation_cases", "prelitigation_cases", "legal_aid_cases")


def make_long_csv() -> bytes:
    """A long CSV (地区, 时间, 指标, 数值, 单位) of at least LONG_ROWS rows: counties by full
    name, the twelve months of 2024, three indicators by their catalog names, GB18030."""
    catalog, regions = load_catalog(), load_regions()
    counties = [r for r in regions if r.level == "county" and r.is_official]
    per_county = 12 * len(LONG_INDICATORS)
    names = [regions.full_name(r.code) for r in counties[: -(-LONG_ROWS // per_county)]]
    rng = np.random.default_rng(11)
    lines = ["地区,时间,指标,数值,单位"]
    for name in names:
        for month in range(1, 13):
            for code in LONG_INDICATORS:
                ind = catalog.get(code)
                lines.append(
                    f"{name},2024年{month}月,{ind.name_zh},{rng.integers(0, 900)},{ind.unit}"
                )
    return ("\n".join(lines) + "\n").encode("gb18030")


def bench_long_csv(repeat: int = 3) -> dict[str, float]:
    """The long CSV read by pandas.read_csv (the yardstick) and by the ETL: extract + validate,
    and the whole load into an empty DuckDB; medians and the per-round ratios."""
    from etl.extract import extract_file
    from etl.load import load_bytes
    from etl.validate import validate
    from lawstats.store import get_engine

    data = make_long_csv()
    catalog, regions = load_catalog(), load_regions()
    work = tempfile.TemporaryDirectory()
    n = len(data.splitlines()) - 1
    print(f"\nlong CSV: {n} rows (地区, 时间, 指标, 数值, 单位), {len(data) / 2**20:.1f} MiB")

    def raw(_):
        return pd.read_csv(io.BytesIO(data), encoding="gb18030")

    def extract_and_validate(_):
        ex = extract_file(data, "long.csv", catalog=catalog, regions=regions)
        return ex, validate(ex, catalog, regions)

    def load(engine):
        return load_bytes(engine, data, "long.csv", catalog=catalog, regions=regions)

    made = iter(range(10**6))
    steps = [
        ("pandas.read_csv, raw read (the yardstick)", raw, None),
        ("etl: read + extract + validate", extract_and_validate, None),
        (
            "end to end: load_bytes into an empty DuckDB",
            load,
            lambda: get_engine(str(Path(work.name) / f"long{next(made)}.duckdb")),
        ),
    ]
    seconds: dict[str, list[float]] = {label: [] for label, _f, _s in steps}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for label, fn, setup in steps:
            arg = setup() if setup is not None else None
            t0 = time.perf_counter()
            results[label] = fn(arg)
            seconds[label].append(time.perf_counter() - t0)
    res = results[steps[2][0]]
    print(f"load status: {res.status}, facts written: {res.facts_written}")
    raw_median = statistics.median(seconds[steps[0][0]])
    print("\n| step | seconds | × pandas.read_csv |\n|---|---|---|")
    out = {}
    for label, _f, _s in steps:
        ratio = statistics.median(
            [t / r for t, r in zip(seconds[label], seconds[steps[0][0]], strict=True)]
        )
        out[label] = ratio
        print(f"| {label} | {statistics.median(seconds[label]):.2f} | {ratio:.1f} |")
    print(f"(raw read median {raw_median:.3f} s)")
    work.cleanup()
    return out


if __name__ == "__main__":
    if "--long-only" in sys.argv:
        sys.argv.remove("--long-only")
        bench_long_csv()
    else:
        main()
