"""Query and metric functions behind the dashboard pages (KPI cards, series, rankings, drill-down); no Streamlit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

# the exports' records live in lawstats.analysis.records; pages reach them through here
from lawstats.analysis.records import (  # noqa: F401
    NORMALISED_DECIMALS,
    conflicts_frame,
    figure_records,
    figures_export,
    ranking_export,
    series_export,
)
from lawstats.domain.catalog import Catalog, Indicator, load_catalog
from lawstats.domain.display import exact_text, unit_text
from lawstats.domain.formatting import (
    change_magnitude,
    conflict_note,
    coverage_notes,
    format_change,
    format_number,
    format_value,
    round_figure,
)
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.i18n import t
from lawstats.store import queries, rollup

PERIOD_KINDS = ("year", "quarter", "month", "ytd")
# normalisation code -> the stock indicator it divides by and the multiplier
NORMALISATIONS: dict[str, tuple[str | None, float]] = {
    "absolute": (None, 1.0),
    "per_10k": ("population", 1.0),  # population is stored in 万人: value / 万人 = per 10,000
    "per_office": ("office_count", 1.0),
    "per_mediator": ("mediators", 1.0),
}
SMALL_COUNT = 10  # counts below this are too small to rank fairly
CEILING_BAND = (96.0, 100.0)  # a rate band where most units sit and ranks mean little
CEILING_SHARE = 0.8
SPARK_YEARS = 6


# --------------------------------------------------------------------------- periods


def latest_complete_year(engine: Engine) -> int | None:
    """The latest year whose December has data (else the year before the latest data)."""
    end = queries.latest_period_end(engine)
    if end is None:
        return None
    return end.year if (end.month, end.day) == (12, 31) else end.year - 1


def make_period(kind: str, year: int, part: int = 1) -> Period:
    """year | quarter (part 1-4) | month (part 1-12) | ytd (1-part月)."""
    if kind == "quarter":
        return Period.quarter(year, part)
    if kind == "month":
        return Period.month(year, part)
    if kind == "ytd":
        return Period.year(year) if part == 12 else Period.months(year, 1, part)
    return Period.year(year)


def period_parts(period: Period) -> tuple[str, int, int]:
    """The (kind, year, part) a period picker shows for a period."""
    kind = period.kind
    y = period.start.year
    if kind == "quarter":
        return "quarter", y, (period.start.month + 2) // 3
    if kind == "month":
        return "month", y, period.start.month
    if kind == "ytd":
        return "ytd", y, period.end.month
    return "year", y, 1


def same_kind_back(period: Period, years: int) -> list[Period]:
    """The same range in each of the `years` years up to this one, oldest first."""
    out = [period]
    for _ in range(years - 1):
        out.append(out[-1].previous_year())
    return out[::-1]


# --------------------------------------------------------------------------- KPI cards


def change_colour(better: str, change: float | None) -> str:
    """good | bad | neutral, from the indicator's better direction and the sign of the change."""
    if change is None or pd.isna(change) or change == 0 or better == "none":
        return "neutral"
    return "good" if (change > 0) == (better == "up") else "bad"


def delta_color(better: str) -> str:
    """st.metric delta_color for an indicator: normal (up is good), inverse, or off."""
    return {"up": "normal", "down": "inverse"}.get(better, "off")


def signed_change(
    change: float | None, unit: str, lang: str = "zh", *, approximate: bool = False
) -> str | None:
    """'+8.0%', '-0.3 个百分点', '+≈6.9%' from an approximate figure (the sign drives the card
    arrow); None when not comparable."""
    if change is None or pd.isna(change):
        return None
    sign = "+" if change > 0 else ("-" if change < 0 else "")
    mag = ("≈" if approximate else "") + change_magnitude(change)
    if unit == "pp":
        return f"{sign}{mag} {'个百分点' if lang == 'zh' else 'pp'}"
    return f"{sign}{mag}%"


def series_values(
    engine: Engine,
    region_codes: Sequence[str],
    periods: Sequence[Period],
    indicator_codes: Sequence[str],
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Rolled-up figures of regions x indicators for several periods, from one query (without
    batch ids: trends show no provenance)."""
    if not periods:
        return pd.DataFrame()
    frame = rollup.series(
        engine,
        region_codes,
        periods,
        indicator_codes,
        regions=regions,
        catalog=catalog,
        batches=False,
    )
    return _label_periods(frame, periods)


def _label_periods(frame: pd.DataFrame, periods: Sequence[Period]) -> pd.DataFrame:
    """Replace rollup's period_index by the period's labels and start date."""
    at = frame["period_index"].to_numpy(dtype=int)
    cols = {c: frame[c].to_numpy() for c in frame.columns if c != "period_index"}
    for name, values in (
        ("period", [p.label for p in periods]),
        ("period_en", [p.label_en for p in periods]),
        ("period_start", [p.start for p in periods]),
    ):
        table = np.empty(len(values), dtype=object)
        table[:] = values
        cols[name] = table[at]
    return pd.DataFrame(cols)


def overview_figures(
    engine: Engine,
    region_code: str,
    period: Period,
    indicator_codes: Sequence[str],
    *,
    years: int = SPARK_YEARS,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overview's cards and sparklines from one roll-up over the same range in `years` years.

    Returns (figures with last year and the change, as rollup.figures; the series, as
    series_values), so the first view of a region costs one query, not one per year.
    """
    periods = same_kind_back(period, max(years, 2))
    frame, spark = rollup.figures_and_series(
        engine, [region_code], periods, indicator_codes, regions=regions, catalog=catalog
    )
    if years < len(periods):
        spark = spark[spark["period_index"] >= len(periods) - years]
    return frame, _label_periods(spark, periods)


@dataclass
class Card:
    """One KPI card: the figure, its change and flags, ready to show."""

    code: str
    group: str
    label: str
    value_text: str
    delta: str | None
    change_text: str
    colour: str
    delta_color: str
    flags: list[str]
    help: str
    spark: list[float] = field(default_factory=list)
    value: float | None = None
    approximate: bool = False


def overview_cards(
    frame: pd.DataFrame,
    spark: pd.DataFrame,
    lang: str = "zh",
    *,
    catalog: Catalog | None = None,
    texts: dict[str, str] | None = None,
    report_batches: frozenset[int] = frozenset(),
    period: Period | None = None,
) -> list[Card]:
    """Cards for every indicator with a figure (frame: rollup.figures; spark: series_values).

    `report_batches`: ids of batches backfilled from report text; a figure built on any of them
    is flagged 来源：文字报告 (less certain than a statistical form). With the `period`, a stock
    known only before its end says as of which month, and a figure whose exact-period and finer
    figures disagree says so on its note."""
    catalog = catalog or load_catalog()
    texts = texts or {}
    spark_by = (
        {
            c: [  # shown as every figure is: rounded by the display rule
                round_figure(v, catalog.get(c).decimals)
                for v in g.sort_values("period_start")["value"]
                if pd.notna(v)
            ]
            for c, g in spark.groupby("indicator_code")
        }
        if not spark.empty
        else {}
    )
    cards = []
    for r in frame.itertuples(index=False):
        ind = catalog.get(r.indicator_code)
        flags = []
        if pd.isna(r.value):
            flags.append(texts.get("not_reported", "— 未报送"))
        if r.is_approximate:
            flags.append(texts.get("approximate", "≈ 约数"))
        if r.units_reported < r.units_expected:
            flags.append(
                texts.get("coverage", "{r}/{e} 县区已报").format(
                    r=r.units_reported, e=r.units_expected
                )
            )
        if r.months_covered < r.months_expected and pd.notna(r.value):
            if ind.kind == "stock" and period is not None:  # a level before the period's end
                flags.extend(
                    coverage_notes(
                        ind,
                        period,
                        units_reported=1,
                        units_expected=1,
                        months_covered=int(r.months_covered),
                        months_expected=int(r.months_expected),
                        lang=lang,
                    )
                )
            else:
                flags.append(
                    texts.get("months", "缺月份 {c}/{e}").format(
                        c=r.months_covered, e=r.months_expected
                    )
                )
        conflict = (
            conflict_note(
                ind, period, r.value, r.finer_value, int(getattr(r, "conflicts", 0)), lang
            )
            if period is not None
            else None
        )
        if conflict:
            flags.append(texts.get("conflict", t("flag_conflict", lang)))
        if r.is_reported_rate:
            flags.append(texts.get("reported_rate", "按报送比率"))
        if report_batches and report_batches.intersection(r.batch_ids):
            flags.append(texts.get("report_text", "来源：文字报告"))
        change = r.change if getattr(r, "comparable", False) else None
        approx_change = bool(getattr(r, "change_is_approximate", False))
        note = indicator_help(ind, lang)
        if conflict:  # the figure's methodology note says which figure stands and why
            note = f"{note}\n\n⚠ {conflict}"
        cards.append(
            Card(
                code=ind.code,
                group=ind.group,
                label=ind.name(lang),
                value_text=format_value(
                    r.value, ind, approximate=bool(r.is_approximate), short=True
                ),
                delta=signed_change(change, r.change_unit, lang, approximate=approx_change),
                change_text=format_change(change, r.change_unit, lang, approximate=approx_change),
                colour=change_colour(ind.better, change),
                delta_color=delta_color(ind.better),
                flags=flags,
                help=note,
                spark=spark_by.get(ind.code, []),
                value=None if pd.isna(r.value) else float(r.value),
                approximate=bool(r.is_approximate),
            )
        )
    return cards


def indicator_help(ind: Indicator, lang: str = "zh") -> str:
    """The tooltip text for an indicator: its definition and formula (same as the methodology page)."""
    text = ind.definition(lang)
    f = formula(ind, lang)
    return f"{text}\n\n{f}" if f else text


def formula(ind: Indicator, lang: str = "zh", catalog: Catalog | None = None) -> str:
    """Ratios: numerator / denominator × 100; flows and stocks: how they roll up."""
    catalog = catalog or load_catalog()
    if ind.is_ratio:
        num = catalog.get(ind.numerator).name(lang)
        den = catalog.get(ind.denominator).name(lang)
        return f"{num} ÷ {den} × 100"
    if ind.kind == "flow":
        return (
            "期间内各月合计；上级为下级之和"
            if lang == "zh"
            else "sum over the period's months; a parent is the sum of its units"
        )
    return (
        "期末数；上级为下级之和"
        if lang == "zh"
        else "level at the end of the period; a parent is the sum of its units"
    )


# --------------------------------------------------------------------------- reporting


def missing_reporters(
    engine: Engine, region_code: str, period: Period, *, regions: RegionTable | None = None
) -> pd.DataFrame:
    """Reporting county-level units below a region with no or only some months of data."""
    regions = regions or load_regions()
    leaves = regions.reporting_units(region_code)
    if not leaves:
        return pd.DataFrame(columns=["region_code", "name", "months", "months_expected"])
    got = queries.months_reported(engine, leaves, period.start, period.end)
    rows = [
        (c, regions.display_name(c), got.get(c, 0), period.months)
        for c in leaves
        if got.get(c, 0) < period.months
    ]
    return pd.DataFrame(rows, columns=["region_code", "name", "months", "months_expected"])


def batch_status(engine: Engine, batch_id: int) -> str | None:
    """A batch's status now (active, rolled_back; None: no such batch): whether a result a
    session kept about it still holds."""
    return queries.batch_status(engine, batch_id)


def breadcrumb(region_code: str, *, regions: RegionTable | None = None) -> list[tuple[str, str]]:
    """(code, name) from the province down to the region: 省 › 市 › 县 (全国 for itself)."""
    regions = regions or load_regions()
    path = regions.path(region_code)
    return [(r.code, r.name) for r in path if r.level != "country" or len(path) == 1]


# --------------------------------------------------------------------------- rankings


@dataclass
class Ranking:
    """A ranking table plus the notes a reader needs to read it honestly."""

    table: pd.DataFrame
    small: list[str]
    ceiling: bool
    ceiling_band: tuple[float, float] | None
    normalisation: str


def competition_rank(values: pd.Series, *, descending: bool = True) -> pd.Series:
    """1,2,2,4 ranking (ties share the best rank); NaN stays unranked. On exact values: two
    figures tie only when they are equal, not when they round alike (98.64 beats 98.62 though
    both show 98.6); only binary noise below 1e-9 is ignored (a sum in another order)."""
    exact = values.astype("float64").round(9)
    return exact.rank(method="min", ascending=not descending).astype("Int64")


def rank_units(parent_code: str, *, regions: RegionTable | None = None) -> list[str]:
    """What a ranking compares under a region: its reporting children (cities, or counties)."""
    regions = regions or load_regions()
    return [r.code for r in regions.children(parent_code, reporting_only=True)]


def ranking(
    engine: Engine,
    parent_code: str,
    period: Period,
    indicator_code: str,
    normalisation: str = "absolute",
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> Ranking:
    """Children of a region ranked on an indicator (optionally per 10,000 residents/office/mediator)."""
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    ind = catalog.get(indicator_code)
    if ind.is_ratio:
        normalisation = "absolute"
    units = rank_units(parent_code, regions=regions)
    base_code, _ = NORMALISATIONS[normalisation]
    codes = [indicator_code]
    if base_code:
        codes.append(base_code)
    if ind.is_ratio:
        codes.append(ind.denominator)
    found = (
        rollup.figure_columns(
            engine, units, period, codes, regions=regions, catalog=catalog, batches=False
        )
        if units
        else None
    )
    if found is None or not len(found["value"]):
        empty = pd.DataFrame(
            columns=[
                "region_code",
                "name",
                "value",
                "previous",
                "rank",
                "previous_rank",
                "rank_change",
            ]
        )
        return Ranking(empty, [], False, None, normalisation)

    # rollup.figures states one row per unit and code, units outermost, codes in the order asked
    def column(name: str, at: int) -> np.ndarray:
        return np.asarray(found[name]).reshape(len(units), len(codes))[:, at]

    raw = column("value", 0).astype(np.float64)
    raw_previous = column("previous", 0).astype(np.float64)
    cols: dict[str, object] = {
        "region_code": units,
        "name": [regions.get(c).name for c in units],
        "raw": raw,
        "raw_previous": raw_previous,
        "is_approximate": column("is_approximate", 0).astype(bool),
        "complete": (column("units_reported", 0) >= column("units_expected", 0))
        & (column("months_covered", 0) >= column("months_expected", 0)),
    }
    if base_code:
        with np.errstate(invalid="ignore"):
            den = np.where(column("value", 1) > 0, column("value", 1), np.nan).astype(np.float64)
            den_prev = np.where(column("previous", 1) > 0, column("previous", 1), np.nan)
        cols["base"] = den
        # exact: ranks are computed on these, rounding is for display only (#18)
        cols["value"] = raw / den
        cols["previous"] = raw_previous / den_prev.astype(np.float64)
    else:
        cols["value"], cols["previous"] = raw, raw_previous
    descending = ind.better != "down"
    rank = competition_rank(pd.Series(cols["value"], dtype="float64"), descending=descending)
    previous_rank = competition_rank(
        pd.Series(cols["previous"], dtype="float64"), descending=descending
    )
    cols["rank"] = rank.array
    cols["previous_rank"] = previous_rank.array
    cols["rank_change"] = (previous_rank - rank).astype("Int64").array
    # small numbers: the count behind the figure (the denominator of a rate)
    if ind.is_ratio:
        count = column("value", len(codes) - 1).astype(np.float64)
    elif ind.unit not in ("万元", "平方米", "万人"):
        count = raw
    else:
        count = np.full(len(units), np.nan)
    with np.errstate(invalid="ignore"):
        is_small = ~np.isnan(count) & (count < SMALL_COUNT)
    small = [c for c, flag in zip(units, is_small, strict=True) if flag]
    cols["small"] = is_small
    band = None
    ceiling = False
    if ind.is_ratio:
        vals = pd.Series(cols["value"]).dropna()
        lo, hi = CEILING_BAND
        if len(vals) >= 3 and ((vals >= lo) & (vals <= hi)).mean() >= CEILING_SHARE:
            ceiling = True
            band = (float(vals.min()), float(vals.max()))
    out = pd.DataFrame(cols).sort_values(["rank", "region_code"], na_position="last")
    return Ranking(out.reset_index(drop=True), small, ceiling, band, normalisation)


def rank_change_text(change: object) -> str:
    """↑2, ↓1, ＝ or — (no previous rank)."""
    if change is None or pd.isna(change):
        return "—"
    change = int(change)
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "＝"


def ranking_table(
    r: Ranking, ind: Indicator, headers: dict[str, str], lang: str = "zh"
) -> pd.DataFrame:
    """The ranking as a display/export table with formatted figures."""
    t = r.table
    shown = pd.DataFrame(
        {
            headers["rank"]: [("—" if pd.isna(x) else str(int(x))) for x in t["rank"]],
            headers["region"]: t["name"],
            headers["value"]: [
                exact_text(v, ind, lang, approximate=bool(a))
                if r.normalisation == "absolute"
                else format_number(v, NORMALISED_DECIMALS)
                for v, a in zip(t["value"], t["is_approximate"], strict=True)
            ],
            headers["previous"]: [
                format_value(v, ind, with_unit=False)
                if r.normalisation == "absolute"
                else format_number(v, NORMALISED_DECIMALS)
                for v in t["previous"]
            ],
            headers["rank_change"]: [rank_change_text(x) for x in t["rank_change"]],
            headers["note"]: [headers["small"] if s else "" for s in t["small"]],
        }
    )
    return shown


# --------------------------------------------------------------------------- trends


def trend_periods(kind: str, period: Period, first_year: int) -> list[Period]:
    """Yearly: each year (same range as the chosen period) back to first_year; monthly: this and last year's months."""
    if kind == "monthly":
        year = period.end.year
        return [Period.month(y, m) for y in (year - 1, year) for m in range(1, 13)]
    years = period.end.year - first_year + 1
    return same_kind_back(period, max(1, years))


def ytd_period(period: Period) -> Period:
    """Year to date (1-N月) through the end of a period; rollup compares it with the same range last year."""
    return period.year_to_date()


METHOD_KEYS = (
    "indicator",
    "definition",
    "unit",
    "kind",
    "formula",
    "better",
    "source",
    "source_text",
    "kind_flow",
    "kind_stock",
    "kind_ratio",
    "better_up",
    "better_down",
    "better_none",
)


def methodology_table(catalog: Catalog, lang: str, texts: dict[str, str]) -> pd.DataFrame:
    """One row per catalog indicator: name, code, definition, unit, kind, formula, direction, source."""
    rows = []
    for ind in catalog:
        rows.append(
            {
                "_group": ind.group,
                texts["indicator"]: ind.name(lang),
                "code": ind.code,
                texts["definition"]: ind.definition(lang),
                texts["unit"]: unit_text(ind.unit, lang),
                texts["kind"]: texts[f"kind_{ind.kind}"],
                texts["formula"]: formula(ind, lang, catalog),
                texts["better"]: texts[f"better_{ind.better}"],
                texts["source"]: texts["source_text"],
            }
        )
    return pd.DataFrame(rows)
