"""The parts of a breakdown against their total (#19): the members of one breakdown, in one region,
period and row of a file, never add up to more than the total reported beside them (an error at
the total's cell); when they add up to less, the members not reported are named (a warning: a
member left out is not zero, and nothing is filled in for it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from etl.fact_columns import FactColumns
from etl.problems import format_number
from lawstats.domain.catalog import FIGURE_SEP, Catalog, split_figure

_TOLERANCE = 1e-6


def check_members(
    facts: FactColumns,
    columns: Any,  # etl.validate._Columns
    ok: np.ndarray,
    catalog: Catalog,
    add: Callable[..., None],
) -> None:
    """Compare each breakdown's reported members with the total of the same region, period and
    kind of row (a data row or the file's total row)."""
    c = columns
    codes = list(c.indicators)
    member_ks = {k for k, code in enumerate(codes) if code and FIGURE_SEP in code}
    if not member_ks:
        return
    code_k = {code: k for k, code in enumerate(codes)}
    groups: dict[tuple, list[int]] = {}
    for i in ok[np.isin(c.indicator[ok], sorted(member_ks))].tolist():
        k = int(c.indicator[i])
        if k in member_ks:
            base, dim, _m = split_figure(codes[k])
            key = (int(c.region_key[i]), int(c.period[i]), int(c.kind[i]), base, dim)
            groups.setdefault(key, []).append(i)
    if not groups:
        return
    totals: dict[tuple, int] = {}
    wanted = {code_k[b] for (_r, _p, _k, b, _d) in groups if b in code_k}
    for i in ok[np.isin(c.indicator[ok], sorted(wanted))].tolist():
        k = int(c.indicator[i])
        if k in wanted:
            totals.setdefault((int(c.region_key[i]), int(c.period[i]), int(c.kind[i]), codes[k]), i)
    for (region, period, kind, base, dim), members in groups.items():
        t = totals.get((region, period, kind, base))
        if t is None or np.isnan(c.value[t]):
            continue  # no total reported beside them: nothing to compare (and none is made)
        total = facts.fact(t)
        reported = [facts.fact(i) for i in members if not np.isnan(c.value[i])]
        parts = sum(f.value for f in reported)
        approximate = total.is_approximate or any(f.is_approximate for f in reported)
        ind = catalog.get(base)
        common = {
            "whole_zh": ind.name_zh,
            "whole_en": ind.name_en,
            "dimension_zh": catalog.dimension_name(dim),
            "dimension_en": catalog.dimension_name(dim, "en"),
            "sum": format_number(parts),
            "value": total.value,
        }
        if parts > total.value + _TOLERANCE and not approximate:
            cells = "、".join(f.cell for f in reported[:20])
            add("members_above_total", total, cells=cells, **common)
        elif parts < total.value - _TOLERANCE:
            have = {split_figure(f.indicator_code)[2] for f in reported}
            missing = [m for m in catalog.breakdowns_of(base).get(dim, []) if m.code not in have]
            add(
                "members_short_of_total",
                total,
                missing_zh="、".join(m.name_zh for m in missing) or "（各项均已填报）",
                missing_en=", ".join(m.name_en for m in missing) or "(every member reported)",
                **common,
            )
