"""The scoring rules (pure): rank points with ties, target attainment, proportional,
all_or_nothing (全得全扣) and deduction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from lawstats.analysis.dashboard import competition_rank
from lawstats.analysis.targets.model import (
    _num,
)
from lawstats.domain.formatting import round_figure


def rank_scores(
    values: pd.Series,
    rank_points: Sequence[float],
    *,
    descending: bool = True,
    ties: str = "average",
) -> pd.DataFrame:
    """Competition ranks (1,2,2,4) and points per rank; NaN values are unranked and score 0.

    Tied units occupy consecutive places; with ties="average" each gets the mean of those places'
    points (2nd and 3rd tied on [10, 8, 6]: (8 + 6) / 2 = 7 each), with "best" the first place's.
    """
    ranks = competition_rank(values, descending=descending)
    sizes = ranks.value_counts()
    pts = list(rank_points)

    def at(place: int) -> float:
        return float(pts[place - 1]) if 1 <= place <= len(pts) else 0.0

    scores = []
    for r in ranks:
        if pd.isna(r):
            scores.append(0.0)
            continue
        r = int(r)
        k = int(sizes[r])
        if ties == "best" or k == 1:
            scores.append(at(r))
        else:
            scores.append(sum(at(p) for p in range(r, r + k)) / k)
    return pd.DataFrame({"rank": ranks, "score": scores}, index=values.index)


def attainment(row: dict[str, Any]) -> float | None:
    """How far a unit got towards its target, 0..(more than 1), from a targets.evaluate row."""
    status = row.get("status")
    if status == "no_data":
        return None
    kind = row["target_kind"]
    actual = _num(row.get("actual"))
    value = float(row["target_value"])
    met = status in ("done", "on_track")
    if kind == "per_unit":
        total = row.get("units_total")
        return None if not total or pd.isna(total) else float(row["units_passing"]) / float(total)
    if kind == "growth":
        growth = _num(row.get("growth"))
        if met:
            return 1.0
        if growth is None or value <= 0 or growth <= 0:
            return 0.0
        return growth / value
    if actual is None:
        return None
    if kind == "at_most":
        if actual <= value:
            return 1.0
        return value / actual if value > 0 and actual > 0 else 0.0
    due = _num(row.get("due"))
    base = due if kind == "at_least" and due is not None else value
    if base <= 0:
        return 1.0
    return actual / base


def proportional(points: float, att: float | None) -> float:
    """points x attainment, capped at full points; no data scores 0."""
    if att is None:
        return 0.0
    return round_figure(points * min(1.0, max(0.0, att)), 2)


def all_or_nothing(points: float, met: bool | None) -> float:
    """全得全扣: all the points when the target is met, else none."""
    return float(points) if met else 0.0


def deduction(
    points: float,
    shortfall: float | None,
    met: bool | None,
    *,
    deduct: float,
    per: float,
    floor: float,
) -> float:
    """Full points minus `deduct` per started `per` units of shortfall, never below `floor`.

    No data (met is None) scores the floor; a missed target with no measurable shortfall (growth
    of exactly 0 against 'some growth') counts one unit.
    """
    if met is None:
        return float(floor)
    if met:
        return float(points)
    units = math.ceil(round((shortfall or 0.0) / per, 9))
    units = max(units, 1)
    return round_figure(max(float(floor), points - deduct * units), 2)
