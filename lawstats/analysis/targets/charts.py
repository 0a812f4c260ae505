"""Inputs of the target charts: the status heat map's cells and the trend chart's target line."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from lawstats import store
from lawstats.analysis.targets.stored import _targets_frame
from lawstats.analysis.targets.wording import explain, target_text
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.i18n import t


def heatmap_cells(
    frame: pd.DataFrame, lang: str = "zh"
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Cells (row, col, status, text) and the row/column labels for charts.status_heatmap."""
    catalog = load_catalog()
    rows = list(dict.fromkeys(frame["region_name"]))
    cols = [catalog.get(c).name(lang) for c in dict.fromkeys(frame["indicator_code"])]
    cells = pd.DataFrame(
        {
            "row": frame["region_name"],
            "col": [catalog.get(c).name(lang) for c in frame["indicator_code"]],
            "status": frame["status"],
            "text": [
                explain(r, lang).replace("；", "<br>").replace("; ", "<br>")
                for r in frame.to_dict("records")
            ],
        }
    )
    return cells, rows, cols


def trend_target(
    engine: Engine,
    region_code: str,
    indicator_code: str,
    period: Period,
    series_kind: str = "yearly",
    lang: str = "zh",
) -> dict[str, Any]:
    """Keyword arguments for charts.trend_chart: the target line of the period's year, if comparable.

    Yearly series of a flow show the annual target scaled to the months shown (a 1-6月 series
    gets half the annual target: 序时目标); monthly series of flows show no line (a monthly figure
    cannot be held against an annual total). Levels and rates show their target as is; growth
    and per-unit targets have no line.
    """
    none = {"target": None, "target_label": ""}
    catalog = load_catalog()
    if indicator_code not in catalog:
        return none
    ind = catalog.get(indicator_code)
    year = period.end.year
    with store.connect(engine) as conn:
        frame = _targets_frame(conn, [region_code], year)
    frame = frame[frame["indicator_code"] == indicator_code]
    if frame.empty:
        return none
    row = next(frame.itertuples(index=False))
    if row.kind not in ("at_least", "at_most", "rate_floor"):
        return none
    value = float(row.value)
    label_key = "tg_line"
    if ind.kind == "flow":
        if series_kind == "monthly" or not period.is_month_aligned or period.start.month != 1:
            return none
        months = period.months
        if months != 12:
            value = value * months / 12
            label_key = "tg_line_pace"
    text = target_text(row.kind, value, ind, None, lang)
    return {"target": value, "target_label": t(label_key, lang, year=year, target=text)}
