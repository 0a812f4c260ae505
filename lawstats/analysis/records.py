"""Figures as plain records and tables for JSON, CSV and Excel: the fields `etl show --json`
prints, rounded by the one rule (lawstats.domain.formatting), never NaN."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from lawstats.domain.catalog import Catalog, Indicator, load_catalog
from lawstats.domain.formatting import format_value, json_number, round_figure, rounding_rule
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions

NORMALISED_DECIMALS = 2  # per 10,000 residents, per office, per mediator: shown to 0.01


def _rounded(values, decimals: int | Sequence[int]) -> list[float | None]:
    """Values rounded for an export by the display rule (None where missing)."""
    places = [decimals] * len(values) if isinstance(decimals, int) else list(decimals)
    return [round_figure(v, d) for v, d in zip(values, places, strict=True)]


def _catalog_decimals(code: str) -> int:
    return load_catalog().get(code).decimals


def figure_records(
    frame: pd.DataFrame, period: Period, *, catalog: Catalog | None = None
) -> list[dict]:
    """rollup.figures rows as plain records: what `etl show --json` prints and the exports hold.

    Strict JSON: a figure not reported is None with `value_reason` "not_reported" (never NaN,
    never 0); a change not stated is None with its `change_reason` (lawstats.domain.change.
    CHANGE_REASONS); numbers rounded by the configured rule (`rounding`), changes exact until
    then; a change from or to an approximate figure says so (`change_is_approximate`)."""
    catalog = catalog or load_catalog()
    rule = rounding_rule()
    prev_period = period.previous_year()
    out = []
    for row in frame.itertuples(index=False):
        ind = catalog.get(row.indicator_code)
        value = json_number(row.value, ind.decimals)
        previous = json_number(row.previous, ind.decimals)
        change = json_number(row.change, ind.decimals if ind.is_ratio else 1)
        month = period.month_of(int(row.months_covered))
        partial_stock = ind.kind == "stock" and row.months_covered < row.months_expected
        out.append(
            {
                "region_code": row.region_code,
                "period": period.label,
                "indicator_code": ind.code,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "kind": ind.kind,
                "value": value,
                "value_reason": None if value is not None else "not_reported",
                "unit": ind.unit,
                "is_approximate": bool(row.is_approximate) and value is not None,
                "is_reported_rate": bool(row.is_reported_rate),
                "derived": bool(row.derived),
                "previous_period": prev_period.label,
                "previous": previous,
                "previous_reason": None if previous is not None else "not_reported",
                "previous_is_approximate": bool(row.previous_is_approximate)
                and previous is not None,
                "change": change,
                "change_unit": row.change_unit,
                "change_abs": json_number(row.change_abs, ind.decimals),
                "change_is_approximate": bool(row.change_is_approximate) and change is not None,
                "change_reason": row.change_reason if change is None else None,
                "comparable": bool(row.comparable),
                "coverage": {
                    "units_reported": int(row.units_reported),
                    "units_expected": int(row.units_expected),
                    "months_covered": int(row.months_covered),
                    "months_expected": int(row.months_expected),
                    # a stock known only before the period's end is as of this month
                    "as_of_month": month.label if partial_stock and month is not None else None,
                },
                "conflicts": int(row.conflicts),
                "finer_value": json_number(row.finer_value, ind.decimals),
                "rounding": rule,
                "batch_ids": [int(b) for b in row.batch_ids],
            }
        )
    return out


def figures_export(
    frame: pd.DataFrame, period: Period, *, catalog: Catalog | None = None
) -> pd.DataFrame:
    """rollup.figures rows as plain columns for CSV/Excel: the fields of `etl show --json`
    (figure_records), coverage flattened, rounded by the same rule."""
    records = figure_records(frame, period, catalog=catalog)
    flat = [
        {
            **{k: v for k, v in r.items() if k not in ("coverage", "batch_ids", "name_en")},
            **r["coverage"],
            "batch_ids": "、".join(f"#{b}" for b in r["batch_ids"]),
        }
        for r in records
    ]
    return pd.DataFrame(flat)


def series_export(frame: pd.DataFrame, *, regions: RegionTable | None = None) -> pd.DataFrame:
    """A series (series_values) as plain columns for CSV/Excel."""
    regions = regions or load_regions()
    return pd.DataFrame(
        {
            "region_code": frame["region_code"],
            "region_name": [regions.get(c).name for c in frame["region_code"]],
            "period": frame["period"],
            "indicator_code": frame["indicator_code"],
            "value": _rounded(
                frame["value"], [_catalog_decimals(c) for c in frame["indicator_code"]]
            ),
            "is_approximate": frame["is_approximate"],
            "complete": (frame["units_reported"] >= frame["units_expected"])
            & (frame["months_covered"] >= frame["months_expected"]),
        }
    )


def ranking_export(r: Any, ind: Indicator, lang: str = "zh") -> pd.DataFrame:
    """A dashboard.Ranking as plain numbers for CSV/Excel: code, name, value, previous, rank,
    previous rank, change;
    values rounded by the same rule as the page (the ranks come from the exact values)."""
    t = r.table
    decimals = ind.decimals if r.normalisation == "absolute" else NORMALISED_DECIMALS
    return pd.DataFrame(
        {
            "region_code": t["region_code"],
            "region_name": t["name"],
            "indicator_code": ind.code,
            "normalisation": r.normalisation,
            "value": _rounded(t["value"], decimals),
            "previous": _rounded(t["previous"], decimals),
            "rank": t["rank"],
            "previous_rank": t["previous_rank"],
            "rank_change": t["rank_change"],
            "small_count": t["small"],
        }
    )


def conflicts_frame(
    engine: Any,
    region_code: str,
    period: Period,
    *,
    lang: str = "zh",
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> pd.DataFrame:
    """For the analyst: where, in a region and below it, a figure reported for exactly the
    period and the finer figures of that period disagree (rollup.conflicts). One row each: the
    region, the indicator, the figure that stands, the finer figures' value, the difference and
    the batches of both, so the analyst can fix whichever is wrong."""
    from lawstats.i18n import t
    from lawstats.store.rollup import conflicts

    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    found = conflicts(
        engine, [region_code], period, catalog.codes, regions=regions, catalog=catalog
    )
    inds = [catalog.get(c) for c in found["indicator_code"]]
    batches = ["、".join(f"#{b}" for b in ids) for ids in found["batch_ids"]]
    finer_batches = ["、".join(f"#{b}" for b in ids) for ids in found["finer_batch_ids"]]
    return pd.DataFrame(
        {
            t("conflict_col_region", lang): [regions.full_name(c) for c in found["region_code"]],
            t("conflict_col_indicator", lang): [i.name(lang) for i in inds],
            t("conflict_col_value", lang, period=period.label): [
                format_value(v, i) for v, i in zip(found["value"], inds, strict=True)
            ],
            t("conflict_col_finer", lang): [
                t("conflict_finer_stock" if s else "conflict_finer_flow", lang)
                + " "
                + format_value(v, i)
                for v, i, s in zip(found["finer_value"], inds, found["is_stock"], strict=True)
            ],
            t("conflict_col_difference", lang): [
                format_value(a - b, i)
                for a, b, i in zip(found["value"], found["finer_value"], inds, strict=True)
            ],
            t("conflict_col_batches", lang): batches,
            t("conflict_col_finer_batches", lang): finer_batches,
        }
    )
