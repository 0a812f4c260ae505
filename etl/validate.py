"""Checks on extracted facts: regions, values, duplicates, parts, rates, totals and 同比 columns (no
database needed), and 上年同期 columns against the store (check_previous_year_columns)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etl.cells import COUNT_UNITS, ERROR, INVALID, OK
from etl.extract import CandidateFact, Extraction, FactColumns, period_span
from etl.problems import Problem, Report, format_number, make_problem
from etl.validate_members import check_members
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.settings import DATA_DIR

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

PARTS_PATH = DATA_DIR / "indicator_parts.csv"
TOTAL_TOLERANCE = 0.5  # rounding in hand-made totals
RATE_TOLERANCE = 0.1  # percentage points


def read_parts(path: Path = PARTS_PATH) -> tuple[tuple[str, str], ...]:
    """(part, whole) indicator pairs: a part can never exceed its whole in the same region and period."""
    with path.open(encoding="utf-8", newline="") as f:
        return tuple((r["part"].strip(), r["whole"].strip()) for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def load_parts() -> tuple[tuple[str, str], ...]:
    return read_parts()


def _other(fact: CandidateFact, here: CandidateFact) -> str:
    return fact.cell if fact.sheet == here.sheet else fact.address


class _Validator:
    def __init__(self, extraction: Extraction, catalog: Catalog, regions: RegionTable, parts):
        self.x = extraction
        self.catalog = catalog
        self.regions = regions
        self.parts = [(p, w) for p, w in parts if p in catalog and w in catalog]
        self.report = Report(list(extraction.report.problems))
        self.facts = FactColumns.of(extraction.facts)

    def add(self, code: str, fact: CandidateFact | None = None, **kw) -> None:
        if fact is not None:
            kw.setdefault("sheet", fact.sheet)
            kw.setdefault("cell", fact.cell)
            kw.setdefault("region", fact.region_code or fact.region_text)
            kw.setdefault("indicator", fact.indicator_code)
            kw.setdefault("column", fact.header)
            kw.setdefault("row_label", fact.region_text)  # the row's region, as written
        self.report.add(make_problem(code, file=self.x.filename, **kw))

    def column_reason(self, fact: CandidateFact) -> tuple[str, str]:
        """Why a fact's column was read as its indicator (the header grammar's reason)."""
        letter = fact.cell.rstrip("0123456789")
        for t in self.x.tables:
            if t.sheet == fact.sheet:
                for c in t.columns:
                    if c.col_letter == letter and c.indicator_code == fact.indicator_code:
                        return c.reason_zh, c.reason_en
        return "", ""

    def run(self) -> Report:
        self.check_tables()
        cols = _Columns(self.facts)
        ok = self.check_values(cols)
        self.check_duplicates(cols, ok)
        self.check_rows(cols, ok)
        self.check_totals(cols, ok)
        check_members(self.facts, cols, ok, self.catalog, self.add)
        self.check_changes()
        return self.report

    def check_tables(self) -> None:
        for table in self.x.tables:
            ctx = table.context_code
            ctx_name = self.regions.get(ctx).name if ctx and ctx in self.regions else None
            for row in table.rows:
                where = {"sheet": table.sheet, "cell": row.cell, "region": row.region_text}
                if row.status == "unknown":
                    empty = not row.region_text
                    self.add(
                        "unknown_region",
                        raw=row.region_text,
                        hint_zh="（地区名称为空）" if empty else "",
                        hint_en=" (the region name is empty)" if empty else "",
                        **where,
                    )
                elif row.status == "ambiguous":
                    names = "、".join(self.regions.display_name(c) for c in row.candidates[:8])
                    self.add("ambiguous_region", raw=row.region_text, candidates=names, **where)
                elif (
                    row.status == "ok"
                    and ctx_name
                    and row.region_code
                    and not self.regions.is_within(row.region_code, ctx)
                ):
                    where["region"] = row.region_code
                    self.add(
                        "region_outside_context", raw=row.region_text, context=ctx_name, **where
                    )
            header_row = table.header_rows[-1] if table.header_rows else None
            for col in (*table.columns, *table.labels):
                if col.role not in ("unmapped", "question"):
                    continue
                names = [self.catalog.get(c) for c in col.options if c in self.catalog]
                unmapped = "unmapped_indicator" if col.cell else "unmapped_column"
                self.add(
                    unmapped if col.role == "unmapped" else "mapping_question",
                    sheet=table.sheet,
                    cell=col.cell or (f"{col.col_letter}{header_row}" if header_row else None),
                    header=col.header_text or "（无表头）",
                    raw=col.header_text,
                    reason_zh=col.reason_zh or "不是已知指标",
                    reason_en=col.reason_en or "not a known indicator",
                    options_zh="、".join(i.name_zh for i in names),
                    options_en=", ".join(i.code for i in names),
                )
            if table.period is None and table.period_source != "column" and table.rows:
                self.add("no_period", sheet=table.sheet)

    # The fact checks below work on whole columns (numpy) and build a CandidateFact only for
    # the facts a problem is about; problems come out in the order a fact-by-fact pass gives.

    def check_values(self, c: _Columns) -> np.ndarray:
        """Rates within 0-100, no negative or fractional counts, approximate values, cells that
        are not numbers or are Excel errors. Returns the positions of the facts with a number."""
        inds = c.indicators
        is_ratio = _lookup(inds, {i.code for i in self.catalog if i.is_ratio})
        is_count = _lookup(inds, {i.code for i in self.catalog if i.unit in COUNT_UNITS})
        units = {i.code: i.unit for i in self.catalog}
        ok, v = c.status_is(OK), c.value
        ratio, count = is_ratio[c.indicator], is_count[c.indicator]
        with np.errstate(invalid="ignore"):
            out_of_range = ok & ratio & ((v < 0) | (v > 100))
            negative = ok & ~ratio & (v < 0)
            fractional = ok & ~ratio & count & (np.abs(v - np.round(v)) > 1e-6) & ~negative
        approximate = ok & c.flag("is_approximate")
        invalid, error = c.status_is(INVALID), c.status_is(ERROR)
        flagged = out_of_range | negative | fractional | approximate | invalid | error
        for i in np.flatnonzero(flagged).tolist():
            f = self.facts.fact(i)
            if out_of_range[i]:
                self.add("rate_out_of_range", f, value=f.value)
            elif negative[i]:
                self.add("negative_count", f, value=f.value)
            elif fractional[i]:
                self.add("non_integer_count", f, value=f.value, unit=units[f.indicator_code])
            if approximate[i]:
                self.add("approximate_value", f, raw=f.raw, value=f.value)
            if invalid[i]:
                self.add("not_a_number", f, raw=f.raw if f.raw is not None else "")
            elif error[i]:
                self.add("excel_error_cell", f, raw=f.raw)
        return np.flatnonzero(ok)

    def check_duplicates(self, c: _Columns, ok: np.ndarray) -> None:
        """The same region, period and indicator twice: a conflict, or a harmless repeat."""
        sel = ok[c.has_region[ok] & (c.period[ok] >= 0)]
        if not len(sel):
            return
        key = _combined(c.region[sel], c.period[sel], c.indicator[sel])
        if int(key.max()) < 4 * len(key) + 2**20 and np.bincount(key).max() < 2:
            return  # every key once (counted directly while the key range is small)
        repeated = np.flatnonzero(pd.Series(key).duplicated().to_numpy())
        if not len(repeated):
            return
        firsts = np.flatnonzero(np.isin(key, key[repeated]) & ~pd.Series(key).duplicated())
        first_of = dict(zip(key[firsts].tolist(), sel[firsts].tolist(), strict=True))
        for pos in repeated.tolist():
            f, seen = self.facts.fact(int(sel[pos])), self.facts.fact(first_of[int(key[pos])])
            if abs(seen.value - f.value) > 1e-9:
                why_zh, why_en = self.column_reason(f)
                other_zh, other_en = self.column_reason(seen)
                name = self.catalog.get(f.indicator_code)
                self.add(
                    "duplicate_conflict",
                    f,
                    value=f.value,
                    other_value=seen.value,
                    other_cell=_other(seen, f),
                    header=f.header,
                    other_header=seen.header,
                    indicator_name_zh=name.name_zh,
                    indicator_name_en=name.code,
                    why_zh="；".join(x for x in (why_zh, other_zh) if x) or "同一写法",
                    why_en="; ".join(x for x in (why_en, other_en) if x) or "the same spelling",
                )
            else:
                self.add("duplicate_same_value", f, value=f.value, other_cell=_other(seen, f))

    def check_rows(self, c: _Columns, ok: np.ndarray) -> None:
        """Numerator above denominator, part above whole and reported rates, within one row."""
        ratio_inds = [i for i in self.catalog if i.is_ratio]
        related = {x for i in ratio_inds for x in (i.code, i.numerator, i.denominator)}
        related |= {x for pair in self.parts for x in pair}
        sel = ok[_lookup(c.indicators, related)[c.indicator[ok]]]
        if not len(sel):
            return
        # A row: sheet, region (or its text), period, row kind; without a period only the
        # spreadsheet row ties figures together.
        no_period = np.flatnonzero(c.period[sel] < 0)
        row_no = np.zeros(len(sel), dtype=np.int64)
        if len(no_period):
            numbers: dict[str, int] = {}
            for pos in no_period.tolist():
                text = self.facts.fact(int(sel[pos])).cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                row_no[pos] = numbers.setdefault(text, len(numbers) + 1)
        group = _group_ids(c.sheet[sel], c.region_key[sel], c.period[sel], c.kind[sel], row_no)
        n_groups = int(group.max()) + 1
        code_of = {code: k for k, code in enumerate(c.indicators)}
        first: dict[str, np.ndarray] = {}  # indicator -> per row: its first fact, or -1
        for code in related:
            k = code_of.get(code)
            if k is None:
                continue
            at = np.flatnonzero(c.indicator[sel] == k)
            rows, pos = np.unique(group[at], return_index=True)
            first[code] = np.full(n_groups, -1, dtype=np.int64)
            first[code][rows] = sel[at[pos]]
        name = {i.code: i.name_zh for i in self.catalog}
        value = np.append(c.value, np.nan)  # position -1: no fact
        found: list[tuple[int, int, int, str]] = []  # (row, check order, fact, what)
        for order, ind in enumerate(ratio_inds):
            num, den = first.get(ind.numerator), first.get(ind.denominator)
            if num is None or den is None:
                continue
            rate = first.get(ind.code, np.full(n_groups, -1, dtype=np.int64))
            nv, dv, rv = value[num], value[den], value[rate]
            both = (num >= 0) & (den >= 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                above = both & (nv > dv)
                computed = nv / dv * 100
                off = (
                    both
                    & ~above
                    & (rate >= 0)
                    & (dv > 0)
                    & (rv >= 0)
                    & (rv <= 100)
                    & (np.abs(rv - computed) > RATE_TOLERANCE + 1e-9)
                )
            found += [(r, order, ind.code, "above") for r in np.flatnonzero(above).tolist()]
            found += [(r, order, ind.code, "rate") for r in np.flatnonzero(off).tolist()]
        ratio_of = {i.code: i for i in ratio_inds}
        for order, (part_code, whole_code) in enumerate(self.parts, start=len(ratio_inds)):
            part, whole = first.get(part_code), first.get(whole_code)
            if part is None or whole is None:
                continue
            with np.errstate(invalid="ignore"):
                above = (part >= 0) & (whole >= 0) & (value[part] > value[whole])
            found += [(r, order, part_code, "part") for r in np.flatnonzero(above).tolist()]
        for r, order, code, what in sorted(found, key=lambda x: (x[0], x[1])):
            if what == "part":
                whole_code = self.parts[order - len(ratio_inds)][1]
                part, whole = (
                    self.facts.fact(int(first[code][r])),
                    self.facts.fact(int(first[whole_code][r])),
                )
                self.add(
                    "part_above_whole",
                    part,
                    part=name[code],
                    whole=name[whole_code],
                    value=part.value,
                    whole_value=whole.value,
                )
                continue
            ind = ratio_of[code]
            num = self.facts.fact(int(first[ind.numerator][r]))
            den = self.facts.fact(int(first[ind.denominator][r]))
            if what == "above":
                self.add(
                    "numerator_above_denominator",
                    num,
                    part=name[num.indicator_code],
                    whole=name[den.indicator_code],
                    value=num.value,
                    whole_value=den.value,
                )
            else:
                rate = self.facts.fact(int(first[code][r]))
                computed = num.value / den.value * 100
                self.add(
                    "rate_inconsistent",
                    rate,
                    value=rate.value,
                    computed=format_number(round(computed, 2)),
                )

    def check_totals(self, c: _Columns, ok: np.ndarray) -> None:
        """A totals row against the sum of its table's data rows (flows and stocks; never ratios)."""
        ratios = {i.code for i in self.catalog if i.is_ratio}
        sel = ok[~_lookup(c.indicators, ratios)[c.indicator[ok]]]
        total = c.is_total[sel]
        if not total.any():
            return
        key = _group_ids(self._tables(sel, c), c.period[sel], c.indicator[sel])
        n_keys = int(key.max()) + 1
        data = ~total
        # bincount adds in fact order, as a running Python sum would: the same float result
        sums = np.bincount(key[data], weights=c.value[sel][data], minlength=n_keys)
        counts = np.bincount(key[data], minlength=n_keys)
        for pos in np.flatnonzero(total).tolist():
            k = key[pos]
            t = self.facts.fact(int(sel[pos]))
            if counts[k] and abs(sums[k] - t.value) > TOTAL_TOLERANCE:
                self.add("total_mismatch", t, total=t.value, sum=round(float(sums[k]), 6))

    def _tables(self, sel: np.ndarray, c: _Columns) -> np.ndarray:
        """The table of each selected fact: its sheet, unless a sheet holds several tables (表一,
        表二...); then the table whose rows hold the fact's cell."""
        sheets = [t.sheet for t in self.x.tables]
        if len(set(sheets)) == len(sheets):
            return c.sheet[sel]
        table_of = {(t.sheet, r.row): k for k, t in enumerate(self.x.tables) for r in t.rows}
        sheet, cell = self.facts.field("sheet"), self.facts.field("cell")
        return np.array(
            [table_of.get((sheet[i], _row_number(cell[i])), -1) for i in sel.tolist()],
            dtype=np.int64,
        )

    def check_changes(self) -> None:
        """同比 columns against this period's and last year's figures on the same row: within
        0.1 point, or within the rounding of the figure as written (5 for 5.3)."""
        for table in self.x.tables:
            for comp in table.comparisons:
                cells = comp.checkable
                if not cells:
                    continue
                ind = self.catalog.get(comp.indicator_code)
                ways = _change_ways(comp.mode, ind.is_ratio)
                fits = [[_change_fits(cell, way) for cell in cells] for way in ways]
                best = max(range(len(ways)), key=lambda k: (sum(f is True for f in fits[k]), -k))
                way = ways[best]
                for cell, fit in zip(cells, fits[best], strict=True):
                    if fit is not False:
                        continue
                    unit = _CHANGE_UNITS.get(way, (ind.unit, f" {ind.unit}"))
                    self.add(
                        "change_inconsistent",
                        sheet=table.sheet,
                        cell=cell.cell,
                        region=cell.region_code or cell.region_text,
                        indicator=ind.code,
                        column=comp.header_text,
                        value=cell.value,
                        current=cell.current,
                        previous=cell.previous,
                        computed=format_number(round(_change(cell, way), 2)),
                        unit_zh=unit[0],
                        unit_en=unit[1],
                    )


def check_previous_year_columns(
    conn: Connection,
    extraction: Extraction,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> list[Problem]:
    """上年同期 columns against what the store holds for the same period last year (the current
    figures, rolled up as the dashboard shows them; partial roll-ups are not compared). A warning
    per differing cell; each column records how many rows it compared (for the load report).
    Needs a connection: etl.load calls it where it compares with last year."""
    from lawstats.store.rollup import figures

    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    problems = []
    for table in extraction.tables:
        for comp in table.comparisons:
            cells = [c for c in comp.cells if c.value is not None and c.region_code in regions]
            if comp.kind != "previous" or comp.period is None or not cells:
                continue
            last_year = comp.period.previous_year()
            stored = figures(
                conn,
                sorted({c.region_code for c in cells}),
                last_year,
                [comp.indicator_code],
                compare=False,
                regions=regions,
                catalog=catalog,
            )
            complete = (
                stored["value"].notna()
                & (stored["units_reported"] == stored["units_expected"])
                & (stored["months_covered"] == stored["months_expected"])
            )
            known = dict(
                zip(stored["region_code"][complete], stored["value"][complete], strict=True)
            )
            ind = catalog.get(comp.indicator_code)
            tolerance = 0.5 * 10.0**-ind.decimals + 1e-9
            comp.stored_checked = 0
            for cell in cells:
                value = known.get(cell.region_code)
                if value is None:
                    continue
                comp.stored_checked += 1
                if abs(cell.value - value) > tolerance:
                    problems.append(
                        make_problem(
                            "previous_year_mismatch",
                            file=extraction.filename,
                            sheet=table.sheet,
                            cell=cell.cell,
                            region=cell.region_code,
                            indicator=ind.code,
                            column=comp.header_text,
                            value=cell.value,
                            stored=float(value),
                            previous_period=last_year.label,
                        )
                    )
    return problems


CHANGE_TOLERANCE = 0.1  # points: percent, percentage points, or the unit of a change in units
_CHANGE_UNITS = {"pct": ("%", "%"), "pct_fraction": ("%", "%"), "pp": ("个百分点", " points")}


def _change_ways(mode: str | None, ratio: bool) -> list[str]:
    """How a change column may be written, most likely first: in percent (or as fractions of
    one, from a percent-formatted cell), in the indicator's unit, in percentage points."""
    if mode == "pct":
        return ["pct", "pct_fraction", "pp"] if ratio else ["pct", "pct_fraction"]
    if mode == "abs":
        return ["abs"]
    if mode == "pp":
        return ["pp"]
    return ["pct", "pct_fraction", "pp"] if ratio else ["pct", "pct_fraction", "abs"]


def _change(cell, way: str) -> float:
    if way in ("pct", "pct_fraction"):
        return (cell.current / cell.previous - 1.0) * 100.0
    return cell.current - cell.previous  # abs, pp


def _change_fits(cell, way: str) -> bool | None:
    """Whether a reported change agrees with its figures; None when it cannot be computed."""
    if way in ("pct", "pct_fraction") and cell.previous == 0:
        return None
    if way == "pct_fraction":
        reported, rounding = cell.value * 100.0, _half_last_digit(cell.value) * 100.0
    else:
        reported, rounding = cell.value, _half_last_digit(cell.value)
    tolerance = rounding if way == "abs" else max(CHANGE_TOLERANCE, rounding)
    return abs(reported - _change(cell, way)) <= tolerance + 1e-9


def _half_last_digit(value: float) -> float:
    """Half a unit of the last decimal a figure is written to: 0.5 for 5, 0.05 for 5.3."""
    for digits in range(7):
        if abs(value - round(value, digits)) < 1e-9:
            return 0.5 * 10.0**-digits
    return 0.0


def _row_number(cell: str) -> int:
    return int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0)


class _Columns:
    """The fields of every fact the checks need, as arrays (codes for the text fields)."""

    def __init__(self, facts: FactColumns):
        self.value = facts.numbers("value")
        self.indicator, self.indicators = facts.codes("indicator_code")
        self._status, self._statuses = facts.codes("status")
        self.region, regions = facts.codes("region_code")
        self.has_region = _lookup(regions, {r for r in regions if r is not None})
        # periods by (start, end): hashing Period objects per fact would dominate the run time
        period, keys = facts.codes("period", key=period_span)
        self.period = (
            np.array([-1 if k is None else i for i, k in enumerate(keys)], np.int64)[period]
            if keys
            else period
        )
        self.kind, kinds = facts.codes("row_kind")
        self.is_total = _lookup(kinds, {"total"})[self.kind]
        self.sheet, _ = facts.codes("sheet")
        # a row's region: its code, else the text as written (unresolved rows)
        text, _ = facts.codes("region_text")
        self.region_key = np.where(self.has_region[self.region], self.region, len(regions) + text)
        self.has_region = self.has_region[self.region]
        self._facts = facts

    def status_is(self, status: str) -> np.ndarray:
        return _lookup(self._statuses, {status})[self._status]

    def flag(self, name: str) -> np.ndarray:
        return self._facts.numbers(name, dtype=bool)


def _lookup(uniques: list, members: set) -> np.ndarray:
    """Per distinct value: is it in `members` (index it with the codes to get one per fact)."""
    return np.array([u in members for u in uniques], dtype=bool)


def _group_ids(*keys: np.ndarray) -> np.ndarray:
    """One id per distinct combination of the key columns, numbered in order of first appearance."""
    return pd.factorize(_combined(*keys))[0].astype(np.int64)


def _combined(*keys: np.ndarray) -> np.ndarray:
    """One int64 per row that differs exactly where the key columns' combination differs."""
    out = np.zeros(len(keys[0]), dtype=np.int64)
    size = 1
    for k in keys:
        if not len(k):
            return out
        low = int(k.min())
        span = int(k.max()) - low + 1
        if size * span >= 2**62:  # renumber densely first: the product must stay in int64
            out, uniques = pd.factorize(out)
            out, size = out.astype(np.int64), len(uniques)
        out = out * span + (k.astype(np.int64) - low)
        size *= span
    return out


def validate(
    extraction: Extraction,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
    *,
    parts: tuple[tuple[str, str], ...] | None = None,
) -> Report:
    """Every check that needs no database; returns a new Report: the extraction's problems plus these."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    return _Validator(extraction, catalog, regions, load_parts() if parts is None else parts).run()
