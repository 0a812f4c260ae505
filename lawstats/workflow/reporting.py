"""Who has not reported what (催报), and the blank county form to send them: the analyst's
reporting round, without Streamlit (pages/data.py draws it)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
from sqlalchemy.engine import Engine

from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions


def region_label(regions: RegionTable, code: str | None) -> str:
    """A region's display name ('' for none; an unknown code as it is)."""
    if not code:
        return ""
    return regions.display_name(code) if code in regions else str(code)


def indicator_label(catalog: Catalog, code: str | None, lang: str) -> str:
    """An indicator's name in `lang` ('' for none; an unknown code as it is)."""
    if not code:
        return ""
    return catalog.get(code).name(lang) if code in catalog else str(code)


# --------------------------------------------------------------------------- missing reports (催报)


def expected_indicators(catalog: Catalog | None = None) -> list[str]:
    """What a county is asked to report: the catalog's counts and levels (rates are derived,
    context figures such as population come from elsewhere)."""
    catalog = catalog or load_catalog()
    return [i.code for i in catalog if i.kind != "ratio" and i.group != "context"]


def missing_reports(
    engine: Engine,
    city_code: str,
    period: Period,
    codes: Sequence[str] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """Which reporting units below a region have not submitted which indicators for a period.

    One row per (unit, indicator) that is missing (no figure, or a blank) or incomplete (a flow
    with months missing). Uses the roll-up rules, so a year counts as reported when its months
    are all there.
    """
    from lawstats.store.rollup import figures

    regions, catalog = load_regions(), load_catalog()
    codes = list(codes) if codes else expected_indicators(catalog)
    units = regions.reporting_units(city_code)
    cols = [
        "region_code",
        "region",
        "indicator_code",
        "indicator",
        "status",
        "months_covered",
        "months_expected",
    ]
    if not units or not codes:
        return pd.DataFrame(columns=cols)
    got = figures(engine, units, period, codes, compare=False, regions=regions, catalog=catalog)
    missing = got["value"].isna()
    partial = ~missing & (got["months_covered"] < got["months_expected"])
    rows = got[missing | partial]
    status = ["missing" if m else "incomplete" for m in rows["value"].isna()]
    out = pd.DataFrame(
        {
            "region_code": rows["region_code"].astype(str).to_numpy(),
            "region": [region_label(regions, c) for c in rows["region_code"]],
            "indicator_code": rows["indicator_code"].astype(str).to_numpy(),
            "indicator": [indicator_label(catalog, c, lang) for c in rows["indicator_code"]],
            "status": status,
            "months_covered": rows["months_covered"].astype(int).to_numpy(),
            "months_expected": rows["months_expected"].astype(int).to_numpy(),
        },
        columns=cols,
    )
    order = {c: i for i, c in enumerate(units)}
    iorder = {c: i for i, c in enumerate(codes)}
    return (
        out.assign(_r=out["region_code"].map(order), _i=out["indicator_code"].map(iorder))
        .sort_values(["_r", "_i"])
        .drop(columns=["_r", "_i"])
        .reset_index(drop=True)
    )


def missing_summary(missing: pd.DataFrame, n_codes: int, lang: str = "zh") -> pd.DataFrame:
    """Per unit: how many of the expected indicators are missing, and which."""
    cols = ["region_code", "region", "missing", "expected", "indicators"]
    if missing.empty:
        return pd.DataFrame(columns=cols)
    sep = "、" if lang != "en" else ", "
    grouped = missing.groupby(["region_code", "region"], sort=False)["indicator"]
    out = grouped.agg(["count", lambda s: sep.join(s)]).reset_index()
    out.columns = ["region_code", "region", "missing", "indicators"]
    out["expected"] = n_codes
    return out[cols]


# --------------------------------------------------------------------------- templates


def template_bytes(city_code: str, period: Period) -> bytes:
    """The blank county form for a city and period (etl.template), as .xlsx bytes."""
    from etl.template import write_template

    buf = io.BytesIO()
    write_template(
        buf, city_code=city_code, period=period, region_table=load_regions(), catalog=load_catalog()
    )
    return buf.getvalue()


def template_name(city_code: str, period: Period) -> str:
    return f"{load_regions().get(city_code).name}_{period.label}_填报模板.xlsx"
