"""The breakdown columns of facts (#19): a member's figure code names its dimension and member."""

from __future__ import annotations

import pandas as pd

from lawstats.domain.catalog import FIGURE_SEP, split_figure


def with_member_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with dimension and member filled from each member figure's code (indicator.
    dimension.member); rows of totals only are returned as they are (the columns' default '')."""
    codes = pd.unique(rows["indicator_code"].astype(object))
    named = {c: split_figure(c) for c in codes if FIGURE_SEP in c}
    if not named:
        return rows
    codes_of = rows["indicator_code"].astype(object)
    rows["dimension"] = codes_of.map(lambda c: named[c][1] if c in named else "").to_numpy()
    rows["member"] = codes_of.map(lambda c: named[c][2] if c in named else "").to_numpy()
    return rows
