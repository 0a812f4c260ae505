"""Scoring a scheme: every unit below a region on every item, totals, ranks and the rank change
against the previous period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from lawstats.analysis.assessment.rules import (
    all_or_nothing,
    attainment,
    deduction,
    proportional,
    rank_scores,
)
from lawstats.analysis.assessment.schemes import Item, Scheme
from lawstats.analysis.dashboard import competition_rank, rank_units, ranking
from lawstats.analysis.targets.evaluation import evaluate
from lawstats.analysis.targets.model import (
    PROGRESS_COLUMNS,
    Target,
    TargetError,
    _num,
)
from lawstats.analysis.targets.stored import _frame_to_targets, list_targets
from lawstats.analysis.targets.wording import explain, target_text
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import round_figure
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.i18n import t


@dataclass
class Assessment:
    scheme: Scheme
    parent_code: str
    year: int
    months: int
    units: list[str]
    breakdown: pd.DataFrame
    totals: pd.DataFrame
    progress: pd.DataFrame
    previous_period: Period | None = None

    @property
    def period(self) -> Period:
        return Period.months(self.year, 1, self.months)

    @property
    def previous_label(self) -> str | None:
        return self.previous_period.label if self.previous_period else None

    def previous_text(self, lang: str = "zh") -> str | None:
        if self.previous_period is None:
            return None
        return self.previous_period.label if lang == "zh" else self.previous_period.label_en


BREAKDOWN_COLUMNS = [
    "region_code",
    "region_name",
    "item_code",
    "item_name",
    "area",
    "rule",
    "points",
    "score",
    "value",
    "target_text",
    "status",
    "rank",
    "note",
]


def previous_of(scheme: Scheme, year: int, months: int) -> tuple[int, int]:
    """The period a rank change compares with: last quarter (Q1: last year's Q4) or last year."""
    if scheme.frequency == "quarterly" and months > 3:
        return year, months - 3
    return year - 1, 12


def score(
    engine: Engine,
    scheme: Scheme,
    parent_code: str,
    year: int,
    months: int = 12,
    *,
    compare: bool = True,
    lang: str = "zh",
    regions: RegionTable | None = None,
) -> Assessment:
    """Score the units below `parent_code` on a scheme, year to date through month `months`."""
    regions = regions or load_regions()
    catalog = load_catalog()
    units = rank_units(parent_code, regions=regions)
    period = Period.months(year, 1, months)
    rows: list[dict[str, Any]] = []
    progress_parts: list[pd.DataFrame] = []

    stored = list_targets(engine, parent_code, year, include_children=True, regions=regions)
    stored = stored[stored["region_code"].isin(units)] if not stored.empty else stored
    stored_eval = evaluate(engine, _frame_to_targets(stored), year, months, regions=regions)
    by_stored = {(r["region_code"], r["indicator_code"]): r for r in stored_eval.to_dict("records")}
    progress_parts.append(stored_eval)

    inline_targets = [
        Target(u, it.indicator, year, it.target_kind, float(it.target_value), it.target_per)
        for it in scheme.items
        if it.basis == "target" and it.target_kind
        for u in units
    ]
    inline_eval = evaluate(engine, inline_targets, year, months, use_settled=False, regions=regions)
    by_inline = {
        (r["region_code"], r["indicator_code"], r["target_kind"], r["target_value"]): r
        for r in inline_eval.to_dict("records")
    }
    if not inline_eval.empty:
        known = set(zip(stored_eval["region_code"], stored_eval["indicator_code"], strict=True))
        extra = inline_eval[
            [
                (a, b) not in known
                for a, b in zip(
                    inline_eval["region_code"], inline_eval["indicator_code"], strict=True
                )
            ]
        ]
        progress_parts.append(extra)

    for it in scheme.items:
        ind = catalog.get(it.indicator)
        if it.basis == "value":
            rk = ranking(
                engine,
                parent_code,
                period,
                it.indicator,
                it.normalise,
                regions=regions,
                catalog=catalog,
            )
            table = rk.table.set_index("region_code")
            values = table["value"].reindex(units).astype("float64")
            descending = ind.better != "down"
            if it.rule == "rank":
                rs = rank_scores(values, it.rank_points, descending=descending, ties=it.ties)
            for u in units:
                v = _num(values.get(u))
                rank = None
                if it.rule == "rank":
                    sc = float(rs.loc[u, "score"])
                    rank = None if pd.isna(rs.loc[u, "rank"]) else int(rs.loc[u, "rank"])
                else:
                    sc = proportional(
                        it.points, _benchmark_attainment(v, values, it.benchmark, descending)
                    )
                note = (
                    t("asm_no_data", lang)
                    if v is None
                    else (t("asm_rank_note", lang, rank=rank) if rank else "")
                )
                rows.append(
                    _row(
                        u, it, sc, v, "", "no_data" if v is None else "", rank, note, regions, lang
                    )
                )
            continue
        for u in units:
            if it.target_kind:
                r = by_inline.get((u, it.indicator, it.target_kind, float(it.target_value)))
            else:
                r = by_stored.get((u, it.indicator))
            rows.append(_target_row(u, it, r, regions, lang))
        if it.rule == "rank":
            _apply_rank(rows, it, units)

    breakdown = pd.DataFrame(rows, columns=BREAKDOWN_COLUMNS)
    totals = _totals(breakdown, units, regions)
    prev_period = None
    if compare and units:
        py, pm = previous_of(scheme, year, months)
        try:
            prev = score(
                engine, scheme, parent_code, py, pm, compare=False, lang=lang, regions=regions
            )
        except TargetError:
            prev = None
        if prev is not None and has_data(prev):
            prev_period = prev.period
            p = prev.totals.set_index("region_code")
            totals["previous_total"] = totals["region_code"].map(p["total"])
            totals["previous_rank"] = totals["region_code"].map(p["rank"]).astype("Int64")
            totals["rank_change"] = (totals["previous_rank"] - totals["rank"]).astype("Int64")
    progress_frame = (
        pd.concat([p for p in progress_parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in progress_parts)
        else pd.DataFrame(columns=PROGRESS_COLUMNS)
    )
    return Assessment(
        scheme, parent_code, year, months, units, breakdown, totals, progress_frame, prev_period
    )


def has_data(a: Assessment) -> bool:
    """True when at least one unit has a figure for at least one item."""
    b = a.breakdown
    return bool(not b.empty and b["value"].notna().any())


def _benchmark_attainment(
    v: float | None, values: pd.Series, benchmark: Any, descending: bool
) -> float | None:
    if v is None:
        return None
    if benchmark == "max":
        have = values.dropna()
        if have.empty:
            return None
        best = float(have.max() if descending else have.min())
        if descending:
            return v / best if best > 0 else 1.0
        return best / v if v > 0 else 1.0
    b = float(benchmark)
    if descending:
        return v / b if b > 0 else 1.0
    return b / v if v > 0 else 1.0


def _row(u, it: Item, sc, value, target_text, status, rank, note, regions, lang) -> dict[str, Any]:
    return {
        "region_code": u,
        "region_name": regions.get(u).name,
        "item_code": it.code,
        "item_name": it.name(lang),
        "area": it.area,
        "rule": it.rule,
        "points": it.points,
        "score": round_figure(float(sc), 2),
        "value": value,
        "target_text": target_text,
        "status": status,
        "rank": rank,
        "note": note,
    }


def _target_row(
    u: str, it: Item, r: dict[str, Any] | None, regions: RegionTable, lang: str
) -> dict[str, Any]:
    catalog = load_catalog()
    ind = catalog.get(it.indicator)
    if r is None:
        floor = it.floor if it.rule == "deduction" else 0.0
        return _row(
            u, it, floor, None, "", "no_target", None, t("asm_no_target", lang), regions, lang
        )
    status = r["status"]
    met = None if status == "no_data" else status in ("done", "on_track")
    att = attainment(r)
    if it.rule == "proportional":
        sc = proportional(it.points, att)
    elif it.rule == "all_or_nothing":
        sc = all_or_nothing(it.points, met)
    elif it.rule == "deduction":
        sc = deduction(
            it.points,
            _num(r.get("shortfall")),
            met,
            deduct=it.deduct,
            per=it.per,
            floor=it.floor,
        )
    else:
        sc = 0.0  # rank: filled in by _apply_rank
    text = target_text(r["target_kind"], float(r["target_value"]), ind, r.get("per_code"), lang)
    row = _row(
        u, it, sc, _num(r.get("actual")), text, status, None, explain(r, lang), regions, lang
    )
    row["_att"] = att
    return row


def _apply_rank(rows: list[dict[str, Any]], it: Item, units: Sequence[str]) -> None:
    mine = [r for r in rows if r["item_code"] == it.code]
    values = pd.Series(
        [r.get("_att") for r in mine], index=[r["region_code"] for r in mine], dtype="float64"
    )
    rs = rank_scores(values, it.rank_points, descending=True, ties=it.ties)
    for r in mine:
        rank = rs.loc[r["region_code"], "rank"]
        r["score"] = round_figure(float(rs.loc[r["region_code"], "score"]), 2)
        r["rank"] = None if pd.isna(rank) else int(rank)


def _totals(breakdown: pd.DataFrame, units: Sequence[str], regions: RegionTable) -> pd.DataFrame:
    if breakdown.empty:
        total = pd.Series(0.0, index=list(units))
    else:
        total = breakdown.groupby("region_code")["score"].sum().reindex(units).fillna(0.0)
    out = pd.DataFrame(
        {
            "region_code": list(units),
            "region_name": [regions.get(u).name for u in units],
            "total": [round_figure(float(v), 2) for v in total],
        }
    )
    out["rank"] = competition_rank(out["total"], descending=True)
    out["previous_total"] = float("nan")
    out["previous_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["rank_change"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.sort_values(["rank", "region_code"]).reset_index(drop=True)
