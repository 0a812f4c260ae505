"""An Assessment as tables for the page and exports: score matrix, ranking, lagging items, unit detail."""

from __future__ import annotations

import pandas as pd

from lawstats.analysis.assessment.scoring import BREAKDOWN_COLUMNS, Assessment
from lawstats.analysis.targets.model import (
    LAGGING,
)
from lawstats.i18n import t


def breakdown_matrix(a: Assessment, lang: str = "zh") -> pd.DataFrame:
    """Units x items score matrix with the total and rank (the page's main table)."""
    if a.breakdown.empty:
        return pd.DataFrame()
    m = a.breakdown.pivot_table(
        index="region_code", columns="item_code", values="score", aggfunc="sum"
    )
    items = [i for i in a.scheme.items]
    m = m.reindex(columns=[i.code for i in items])
    names = [
        f"{i.name(lang)}（{i.points:g}）" if lang == "zh" else f"{i.name(lang)} ({i.points:g})"
        for i in items
    ]
    m.columns = [
        n if names.count(n) == 1 else f"{n} {i.code}" for n, i in zip(names, items, strict=True)
    ]
    totals = a.totals.set_index("region_code")
    m.insert(0, t("asm_col_region", lang), totals["region_name"].reindex(m.index))
    m[t("asm_col_total", lang)] = totals["total"].reindex(m.index)
    m[t("asm_col_rank", lang)] = totals["rank"].reindex(m.index)
    return m.sort_values(t("asm_col_rank", lang)).reset_index(drop=True)


def ranking_table(a: Assessment, lang: str = "zh") -> pd.DataFrame:
    """Rank, unit, total, previous rank and change (↑2/↓1/＝/—)."""
    from lawstats.analysis.dashboard import rank_change_text

    tt = a.totals
    return pd.DataFrame(
        {
            t("asm_col_rank", lang): [("—" if pd.isna(x) else int(x)) for x in tt["rank"]],
            t("asm_col_region", lang): tt["region_name"],
            t("asm_col_total", lang): tt["total"],
            t("asm_col_previous_rank", lang): [
                ("—" if pd.isna(x) else int(x)) for x in tt["previous_rank"]
            ],
            t("asm_col_rank_change", lang): [rank_change_text(x) for x in tt["rank_change"]],
        }
    )


def lagging_items(a: Assessment) -> pd.DataFrame:
    """Each unit's targets that are behind or missed (and those without data), worst first."""
    p = a.progress
    if p.empty:
        return p
    p = p[p["region_code"].isin(a.units)]
    lag = p[p["status"].isin((*LAGGING, "no_data"))].copy()
    order = {c: i for i, c in enumerate(a.totals["region_code"])}
    lag["_o"] = lag["region_code"].map(order)
    lag["_s"] = lag["status"].map({"missed": 0, "behind": 1, "no_data": 2})
    return lag.sort_values(["_o", "_s", "gap_pp"], na_position="last").drop(columns=["_o", "_s"])


def breakdown_export(a: Assessment) -> pd.DataFrame:
    """The long breakdown as plain columns (CSV/Excel)."""
    return a.breakdown.assign(scheme=a.scheme.code, period=a.period.label)[
        ["scheme", "period", *BREAKDOWN_COLUMNS]
    ]


def unit_detail(a: Assessment, region_code: str, lang: str = "zh") -> pd.DataFrame:
    """One unit's items: area, item, rule, points, score, target, actual, explanation."""
    b = a.breakdown[a.breakdown["region_code"] == region_code]
    return pd.DataFrame(
        {
            t("asm_col_area", lang): b["area"],
            t("asm_col_item", lang): b["item_name"],
            t("asm_col_rule", lang): [t(f"asm_rule_{r}", lang) for r in b["rule"]],
            t("asm_col_points", lang): b["points"],
            t("asm_col_score", lang): b["score"],
            t("asm_col_target", lang): b["target_text"],
            t("asm_col_note", lang): b["note"],
        }
    )
