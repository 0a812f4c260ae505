"""Demo breakdowns (#19): each demo unit's monthly 调解矛盾纠纷 split by dispute type and 法律援助案件
split by case type, the members adding up exactly to the unit's figure (示例数据 like the rest).

The shares follow published splits: 黄石 2016-08 (邻里 32%, 婚姻家庭 18%, 损害赔偿 9%, 房屋宅基地 8% …)
and 深圳坪山 2022 (法律帮助 56%, 民事 27%, 刑事 17%, 行政 under 1%), each unit drifting a little from
them, year by year, so that the composition and its changes have something to show.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from lawstats.demo.apportion import _apportion
from lawstats.domain.catalog import figure_code

SHARES: dict[tuple[str, str], dict[str, float]] = {
    ("mediation_cases", "dispute_type"): {
        "marriage_family": 18.4,
        "neighbourhood": 32.0,
        "housing_homestead": 7.7,
        "contract": 5.1,
        "damages": 8.7,
        "land_forest": 5.3,
        "labour": 3.5,
        "traffic": 3.8,
        "property_management": 4.0,
        "other": 11.5,
    },
    ("legal_aid_cases", "legal_aid_type"): {
        "civil": 26.7,
        "criminal": 16.9,
        "administrative": 0.4,
        "assistance": 56.0,
    },
}


def breakdown_facts(facts: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Member rows (same columns as `facts`) for every row of an indicator in SHARES."""
    out = []
    for (code, dim), shares in SHARES.items():
        rows = facts[facts["indicator_code"] == code]
        if rows.empty:
            continue
        members = list(shares)
        base = np.array([shares[m] for m in members], dtype=float)
        values = np.zeros((len(rows), len(members)))
        for i, (region, start, value) in enumerate(
            zip(rows["region_code"], rows["period_start"], rows["value"], strict=True)
        ):
            if value != value or value <= 0:
                continue  # nothing to split (a blank is not zero)
            rng = np.random.default_rng([seed, zlib.crc32(f"{region}{code}".encode()), start.year])
            drift = rng.normal(1.0, 0.08, len(members)).clip(0.5, 1.5)
            month = np.random.default_rng([seed, zlib.crc32(region.encode()), start.toordinal()])
            weights = base * drift * month.normal(1.0, 0.05, len(members)).clip(0.7, 1.3)
            values[i] = _apportion(int(round(value)), weights)
        for k, m in enumerate(members):
            part = rows.copy()
            part["indicator_code"] = figure_code(code, dim, m)
            part["value"] = values[:, k]
            out.append(part)
    return pd.concat(out, ignore_index=True) if out else facts.iloc[0:0]
