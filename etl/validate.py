"""Checks on extracted facts that need no database: regions, values, duplicates, parts, rates and totals."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from etl.cells import COUNT_UNITS, ERROR, INVALID, OK
from etl.extract import CandidateFact, Extraction
from etl.problems import Report, format_number, make_problem
from lawstats.catalog import Catalog, load_catalog
from lawstats.regions import RegionTable, load_regions
from lawstats.settings import DATA_DIR

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

    def add(self, code: str, fact: CandidateFact | None = None, **kw) -> None:
        if fact is not None:
            kw.setdefault("sheet", fact.sheet)
            kw.setdefault("cell", fact.cell)
            kw.setdefault("region", fact.region_code or fact.region_text)
            kw.setdefault("indicator", fact.indicator_code)
            kw.setdefault("column", fact.header)
        self.report.add(make_problem(code, file=self.x.filename, **kw))

    def run(self) -> Report:
        self.check_tables()
        ok_facts = self.check_values()
        # Periods as small ints: hashing Period objects in every key dominated the run time.
        ids: dict[int, int] = {}
        canonical: dict[tuple, int] = {}
        pids = []
        for f in ok_facts:
            p = f.period
            pid = ids.get(id(p))
            if pid is None:
                key = None if p is None else (p.start, p.end)
                pid = ids[id(p)] = canonical.setdefault(key, len(canonical))
            pids.append(pid if p is not None else None)
        self.check_duplicates(ok_facts, pids)
        self.check_rows(ok_facts, pids)
        self.check_totals(ok_facts, pids)
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
            for col in table.columns:
                if col.role == "unmapped":
                    self.add(
                        "unmapped_column",
                        sheet=table.sheet,
                        cell=f"{col.col_letter}{header_row}" if header_row else None,
                        header=col.header_text or "（无表头）",
                    )
            if table.period is None and table.period_source != "column" and table.rows:
                self.add("no_period", sheet=table.sheet)

    def check_values(self) -> list[CandidateFact]:
        ok_facts = []
        units = {i.code: i.unit for i in self.catalog}
        ratios = {i.code for i in self.catalog if i.is_ratio}
        for f in self.x.facts:
            if f.status == OK:
                ok_facts.append(f)
                v = f.value
                if f.indicator_code in ratios:
                    if v < 0 or v > 100:
                        self.add("rate_out_of_range", f, value=v)
                elif v < 0:
                    self.add("negative_count", f, value=v)
                elif units[f.indicator_code] in COUNT_UNITS and abs(v - round(v)) > 1e-6:
                    self.add("non_integer_count", f, value=v, unit=units[f.indicator_code])
                if f.is_approximate:
                    self.add("approximate_value", f, raw=f.raw, value=v)
            elif f.status == INVALID:
                self.add("not_a_number", f, raw=f.raw if f.raw is not None else "")
            elif f.status == ERROR:
                self.add("excel_error_cell", f, raw=f.raw)
        return ok_facts

    def check_duplicates(self, facts: list[CandidateFact], pids: list[int | None]) -> None:
        first: dict[tuple, CandidateFact] = {}
        for f, pid in zip(facts, pids, strict=True):
            if f.region_code is None or pid is None:
                continue
            key = (f.region_code, pid, f.indicator_code)
            seen = first.get(key)
            if seen is None:
                first[key] = f
            elif abs(seen.value - f.value) > 1e-9:
                self.add(
                    "duplicate_conflict",
                    f,
                    value=f.value,
                    other_value=seen.value,
                    other_cell=_other(seen, f),
                )
            else:
                self.add("duplicate_same_value", f, value=f.value, other_cell=_other(seen, f))

    def check_rows(self, facts: list[CandidateFact], pids: list[int | None]) -> None:
        """Numerator above denominator, part above whole and reported rates, within one row."""
        ratio_inds = [i for i in self.catalog if i.is_ratio]
        related = {c for i in ratio_inds for c in (i.code, i.numerator, i.denominator)}
        related |= {c for pair in self.parts for c in pair}
        groups: dict[tuple, dict[str, CandidateFact]] = defaultdict(dict)
        for f, pid in zip(facts, pids, strict=True):
            if f.indicator_code not in related:
                continue
            # Without a period, only the spreadsheet row ties figures together.
            row_no = f.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if pid is None else ""
            key = (f.sheet, f.region_code or f.region_text, pid, f.row_kind, row_no)
            groups[key].setdefault(f.indicator_code, f)
        name = {i.code: i.name_zh for i in self.catalog}
        for row in groups.values():
            for ind in ratio_inds:
                num, den, rate = row.get(ind.numerator), row.get(ind.denominator), row.get(ind.code)
                if num is not None and den is not None:
                    if num.value > den.value:
                        self.add(
                            "numerator_above_denominator",
                            num,
                            part=name[num.indicator_code],
                            whole=name[den.indicator_code],
                            value=num.value,
                            whole_value=den.value,
                        )
                    elif rate is not None and den.value > 0 and 0 <= rate.value <= 100:
                        computed = num.value / den.value * 100
                        if abs(rate.value - computed) > RATE_TOLERANCE + 1e-9:
                            self.add(
                                "rate_inconsistent",
                                rate,
                                value=rate.value,
                                computed=format_number(round(computed, 2)),
                            )
            for part_code, whole_code in self.parts:
                part, whole = row.get(part_code), row.get(whole_code)
                if part is not None and whole is not None and part.value > whole.value:
                    self.add(
                        "part_above_whole",
                        part,
                        part=name[part_code],
                        whole=name[whole_code],
                        value=part.value,
                        whole_value=whole.value,
                    )

    def check_totals(self, facts: list[CandidateFact], pids: list[int | None]) -> None:
        """A totals row against the sum of its table's data rows (flows and stocks; never ratios)."""
        ratios = {i.code for i in self.catalog if i.is_ratio}
        sums: dict[tuple, float] = defaultdict(float)
        totals: list[tuple[CandidateFact, tuple]] = []
        for f, pid in zip(facts, pids, strict=True):
            if f.indicator_code in ratios:
                continue
            key = (f.sheet, pid, f.indicator_code)
            if f.row_kind == "total":
                totals.append((f, key))
            else:
                sums[key] += f.value
        for t, key in totals:
            if key in sums and abs(sums[key] - t.value) > TOTAL_TOLERANCE:
                self.add("total_mismatch", t, total=t.value, sum=round(sums[key], 6))


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
