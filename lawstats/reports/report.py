"""Year-end review model: every figure of a region and period as sentences, highlights, tables and charts.

Figures come from lawstats.store.rollup.figures (the same roll-up as the dashboard and `etl show`);
phrasing from lawstats.reports.report_text; exports from lawstats.reports.report_export. Each sentence keeps
the indicator codes and the batch ids behind it, so a figure can be traced to the files it came
from, and generations are stored (report_generations / report_sentences) so two can be diffed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats.analysis.composition import composition_from, member_codes
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.reports import report_text as rt
from lawstats.store import (
    batches,
    connect,
    data_version,
    demo_mode,
    now,
    read_frame,
)
from lawstats.store.rollup import conflicts as rollup_conflicts
from lawstats.store.rollup import figures as rollup_figures
from lawstats.store.rollup import series as rollup_series

# Groups that are context for other figures, not work to report on.
EXCLUDED_GROUPS = ("context",)
# The figure each group's chart and "top units" highlight is about (first indicator otherwise).
LEAD_INDICATORS = {
    "office": "office_staff",
    "mediation": "mediation_cases",
    "resettlement": "released_visits",
    "participation": "assessors_selected",
    "reconsideration": "reconsideration_accepted",
    "legal_aid": "legal_aid_cases",
    "publicity": "law_ambassadors",
}
TOP_N = 3
# a percentage change on fewer than this many is noise, not a highlight (as for rankings)
MIN_BASE_FOR_MOVES = 10
TREND_YEARS = 5
LAGGING = ("behind", "missed")

SOURCE_COLUMNS = [
    "id",
    "file_name",
    "sheet",
    "uploaded_by",
    "uploaded_at",
    "source_type",
    "period_label",
    "status",
]

ProgressFn = Callable[..., pd.DataFrame]

TABLE_COLUMNS = [
    "region_code",
    "name",
    "is_total",
    "indicator_code",
    "value",
    "previous",
    "change",
    "change_unit",
    "change_abs",
    "comparable",
    "change_is_approximate",
    "is_approximate",
    "previous_is_approximate",
    "complete",
    "units_reported",
    "units_expected",
    "batch_ids",
    "previous_batch_ids",
]


@dataclass(frozen=True)
class Sentence:
    """One statement of the report with a stable key and the figures and batches behind it."""

    key: str
    section: str
    kind: str  # figure | note | highlight | targets
    text: str
    indicator_codes: tuple[str, ...] = ()
    batch_ids: tuple[int, ...] = ()


@dataclass
class Section:
    """One indicator group: sentences, highlights, a by-unit table and a chart."""

    group: str
    title: str
    indicator_codes: list[str]
    statements: list[Sentence]
    highlights: list[Sentence]
    table: pd.DataFrame  # long: one row per unit (and the total) and indicator
    lead_code: str | None
    chart: Any = None  # plotly Figure or None
    chart_title: str = ""

    @property
    def sentences(self) -> list[Sentence]:
        return [*self.statements, *self.highlights]


@dataclass
class Report:
    region_code: str
    region_name: str
    full_name: str
    level: str
    scope: str
    period: Period
    units: list[str]
    unit_names: dict[str, str]
    sections: list[Section]
    targets: list[Sentence]
    figures: pd.DataFrame
    sources: pd.DataFrame
    generated_at: datetime
    data_as_of: datetime | None
    data_version: str
    latest_batch_id: int | None
    is_demo: bool
    has_targets: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def previous_period(self) -> Period:
        return self.period.previous_year()

    @property
    def title(self) -> str:
        return f"{self.full_name}{self.period.label}法治工作统计报告"

    @property
    def empty(self) -> bool:
        return not any(s.kind == "figure" for sec in self.sections for s in sec.statements)

    def sentences(self) -> list[Sentence]:
        """Every statement in document order (targets first, then each group)."""
        out = list(self.targets)
        for s in self.sections:
            out.extend(s.sentences)
        return out

    def trace(self, indicator_code: str, region_code: str | None = None) -> pd.DataFrame:
        """The batches behind one figure: which loads gave this period's and last year's value."""
        region_code = region_code or self.region_code
        hit = self.figures[
            (self.figures["region_code"] == region_code)
            & (self.figures["indicator_code"] == indicator_code)
        ]
        if hit.empty:
            return pd.DataFrame(columns=["role", *SOURCE_COLUMNS])
        row = hit.iloc[0]
        rows = []
        for role, ids in (("current", row["batch_ids"]), ("previous", row["previous_batch_ids"])):
            for b in ids or ():
                rows.append({"role": role, "id": int(b)})
        if not rows:
            return pd.DataFrame(columns=["role", *SOURCE_COLUMNS])
        return pd.DataFrame(rows).merge(self.sources, on="id", how="left")[
            ["role", *SOURCE_COLUMNS]
        ]


# --------------------------------------------------------------------------- building


def report_codes(catalog: Catalog) -> list[str]:
    return [i.code for i in catalog if i.group not in EXCLUDED_GROUPS]


def _ids(value: Any) -> tuple[int, ...]:
    return tuple(int(x) for x in value) if isinstance(value, (tuple, list)) else ()


def _row_batches(row: pd.Series | dict) -> tuple[int, ...]:
    return tuple(sorted(set(_ids(row["batch_ids"])) | set(_ids(row["previous_batch_ids"]))))


@dataclass(frozen=True)
class _Scope:
    """What every part of one report is computed for: the region, its units, period and tables."""

    engine: Engine
    region_code: str
    level: str
    scope: str
    units: list[str]
    unit_names: dict[str, str]
    period: Period
    catalog: Catalog
    regions: RegionTable
    unit_progress: pd.DataFrame
    conflicts: pd.DataFrame  # exact-period figures the finer ones contradict (rollup.conflicts)


def build_report(
    engine: Engine,
    region_code: str,
    period: Period,
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
    progress_fn: ProgressFn | None = None,
) -> Report:
    """Everything a year-end review states about a region and period, from the stored facts."""
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    region = regions.get(region_code)
    units = [r.code for r in regions.children(region_code, reporting_only=True)]
    codes = report_codes(catalog)
    # the members of each indicator's breakdowns too: their own figures, never summed into it
    frame = rollup_figures(
        engine,
        [region_code, *units],
        period,
        [*codes, *member_codes(catalog, codes)],
        regions=regions,
        catalog=catalog,
    )
    frame["previous_batch_ids"] = [_ids(x) for x in frame["previous_batch_ids"]]
    frame["batch_ids"] = [_ids(x) for x in frame["batch_ids"]]
    progress = _progress(engine, region_code, period, progress_fn, include_children=False)
    ctx = _Scope(
        engine=engine,
        region_code=region_code,
        level=region.level,
        scope=rt.scope_word(region.name, region.level),
        units=units,
        unit_names={c: regions.get(c).name for c in units},
        period=period,
        catalog=catalog,
        regions=regions,
        unit_progress=(
            _progress(engine, region_code, period, progress_fn, include_children=True)
            if units
            else progress.iloc[0:0]
        ),
        conflicts=rollup_conflicts(engine, [region_code], period, codes, regions=regions),
    )
    targets = target_sentences(progress, region_code, ctx.scope, period, catalog)
    sections = []
    for group in catalog.groups:
        group_codes = [c for c in codes if catalog.get(c).group == group.code]
        if group.code not in EXCLUDED_GROUPS and group_codes:
            sections.append(_section(ctx, group.code, group.name_zh, group_codes, frame))

    demo = demo_mode.is_demo(engine)  # marked demo and never held real data
    with connect(engine) as conn:
        sources = _sources(conn, frame)
        latest = conn.execute(
            sa.select(sa.func.max(batches.c.id)).where(batches.c.status == "active")
        ).scalar_one_or_none()
    as_of = sources["uploaded_at"].max() if not sources.empty else None
    return Report(
        region_code=region_code,
        region_name=region.name,
        full_name=regions.full_name(region_code),
        level=region.level,
        scope=ctx.scope,
        period=period,
        units=units,
        unit_names=ctx.unit_names,
        sections=sections,
        targets=targets,
        figures=frame,
        sources=sources,
        generated_at=now(),
        data_as_of=None if as_of is None or pd.isna(as_of) else pd.Timestamp(as_of).to_pydatetime(),
        data_version=data_version(engine),
        latest_batch_id=None if latest is None else int(latest),
        is_demo=demo,
        has_targets=bool(targets),
    )


def _section(ctx: _Scope, group: str, title: str, codes: list[str], frame: pd.DataFrame) -> Section:
    part = frame[frame["indicator_code"].isin(codes)]
    own = part[part["region_code"] == ctx.region_code].set_index("indicator_code")
    statements: list[Sentence] = []
    missing = []
    for code in codes:
        ind = ctx.catalog.get(code)
        row = own.loc[code].to_dict() if code in own.index else {}
        text = rt.figure_sentence(row, ind, scope=ctx.scope, period=ctx.period) if row else None
        if text is None:
            missing.append(ind.name_zh)
            continue
        statements.append(
            Sentence(f"figure:{code}", group, "figure", text, (code,), _row_batches(row))
        )
        statements.extend(_composition_sentences(ctx, group, code, frame))
    note = rt.not_reported_sentence(missing)
    if note:
        statements.append(Sentence(f"missing:{group}", group, "note", note))
    statements.extend(_conflict_notes(ctx, group, codes))
    lead = next((c for c in (LEAD_INDICATORS.get(group), *codes) if c in codes), None)
    highlights = _highlights(ctx, group, codes, lead, part) if ctx.units else []
    table = _table(ctx, part)
    chart, chart_title = _chart(ctx, lead, part)
    return Section(group, title, codes, statements, highlights, table, lead, chart, chart_title)


def _composition_sentences(
    ctx: _Scope, group: str, code: str, frame: pd.DataFrame
) -> list[Sentence]:
    """ "其中，婚姻家庭纠纷160件，占18.4%……" for each breakdown of the figure with a reported member,
    with the batches of the total and of every member named."""
    out = []
    ind = ctx.catalog.get(code)
    for dim in ctx.catalog.breakdowns_of(code):
        comp = composition_from(frame, ctx.region_code, code, dim, catalog=ctx.catalog)
        text = rt.composition_sentence(comp.members, ind, total_approximate=comp.total_approximate)
        if text:
            codes = (code, *comp.reported["code"])
            out.append(
                Sentence(f"breakdown:{code}:{dim}", group, "figure", text, codes, comp.batch_ids)
            )
    return out


def _conflict_notes(ctx: _Scope, group: str, codes: list[str]) -> list[Sentence]:
    """The figure's note where a region's figure for exactly the period and its finer figures
    disagree (the exact one stands; docs/methodology.md "Annual and monthly figures")."""
    rows = ctx.conflicts[ctx.conflicts["indicator_code"].isin(codes)]
    if rows.empty:
        return []
    clauses = [
        rt.conflict_clause(
            ctx.regions.get(r.region_code).name,
            ctx.catalog.get(r.indicator_code),
            ctx.period,
            float(r.value),
            float(r.finer_value),
        )
        for r in rows.itertuples(index=False)
    ]
    text = rt.conflict_sentence(clauses, ctx.period)
    batches = sorted(
        {int(b) for r in rows.itertuples() for b in (*r.batch_ids, *r.finer_batch_ids)}
    )
    used = tuple(sorted(set(rows["indicator_code"])))
    return [Sentence(f"conflict:{group}", group, "note", text, used, tuple(batches))]


def _highlights(
    ctx: _Scope, group: str, codes: list[str], lead: str | None, part: pd.DataFrame
) -> list[Sentence]:
    """Across the units below the region: the top units, the largest rise and fall, who lags targets."""
    kids = part[part["region_code"].isin(ctx.units)]
    out = _top_units(ctx, group, lead, kids)
    out += _moves(ctx, group, kids)
    out += below_target(
        group, codes, ctx.units, ctx.unit_names, ctx.level, ctx.catalog, ctx.unit_progress
    )
    return out


def _top_units(ctx: _Scope, group: str, lead: str | None, kids: pd.DataFrame) -> list[Sentence]:
    if lead is None:
        return []
    ind = ctx.catalog.get(lead)
    rows = kids[(kids["indicator_code"] == lead) & kids["value"].notna()]
    if len(rows) < 2:
        return []
    rows = rows.sort_values(["value", "region_code"], ascending=[ind.better == "down", True])
    rows = rows.head(TOP_N)
    entries = [
        (ctx.unit_names[r.region_code], float(r.value), bool(r.is_approximate))
        for r in rows.itertuples(index=False)
    ]
    text = rt.top_sentence(ind, entries, ctx.level)
    return [Sentence(f"top:{group}", group, "highlight", text, (lead,), _batches_of(rows))]


def _moves(ctx: _Scope, group: str, kids: pd.DataFrame) -> list[Sentence]:
    """The largest rise and fall in percent among comparable, exact counts of a fair size."""
    catalog = ctx.catalog
    movable = kids[
        kids["comparable"].astype(bool)
        & kids["change"].notna()
        & ~kids["is_approximate"].astype(bool)
        & ~kids["previous_is_approximate"].fillna(False).astype(bool)
        & (kids["previous"].abs() >= MIN_BASE_FOR_MOVES)
        & kids["indicator_code"].map(lambda c: not catalog.get(c).is_ratio)
    ]
    if movable.empty:
        return []
    ordered = movable.sort_values(["change", "indicator_code", "region_code"])
    out = []
    for key, row, rise in (("rise", ordered.iloc[-1], True), ("fall", ordered.iloc[0], False)):
        if row["change"] == 0 or (row["change"] > 0) != rise:
            continue
        ind = catalog.get(row["indicator_code"])
        name = ctx.unit_names[row["region_code"]]
        text = rt.move_sentence(name, ind, row["change"], rise=rise)
        out.append(
            Sentence(f"{key}:{group}", group, "highlight", text, (ind.code,), _row_batches(row))
        )
    return out


def below_target(
    group: str,
    codes: list[str],
    units: list[str],
    unit_names: dict[str, str],
    level: str,
    catalog: Catalog,
    unit_progress: pd.DataFrame,
) -> list[Sentence]:
    """Units behind or short of a target on one of the group's indicators (targets.progress rows)."""
    if unit_progress.empty:
        return []
    lag = unit_progress[
        unit_progress["region_code"].isin(units)
        & unit_progress["status"].isin(LAGGING)
        & unit_progress["indicator_code"].isin(codes)
    ].sort_values(["region_code", "indicator_code"])
    entries = [
        (
            unit_names[r.region_code],
            catalog.get(r.indicator_code).name_zh,
            rt.STATUS_WORDS.get(r.status, str(r.status)),
        )
        for r in lag.itertuples(index=False)
    ]
    text = rt.below_target_sentence(entries, level)
    if not text:
        return []
    codes_used = tuple(sorted(set(lag["indicator_code"])))
    return [Sentence(f"below_target:{group}", group, "highlight", text, codes_used)]


def _batches_of(rows: pd.DataFrame) -> tuple[int, ...]:
    out: set[int] = set()
    for a, b in zip(rows["batch_ids"], rows["previous_batch_ids"], strict=True):
        out.update(_ids(a))
        out.update(_ids(b))
    return tuple(sorted(out))


def _table(ctx: _Scope, part: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, indicator), the units first in code order, the region's total last."""
    order = {c: i for i, c in enumerate(ctx.units)}
    order[ctx.region_code] = len(ctx.units)
    t = part[part["region_code"].isin(order)].copy()
    t["is_total"] = t["region_code"] == ctx.region_code
    t["name"] = [
        f"{ctx.scope}合计"
        if c == ctx.region_code and ctx.units
        else ctx.unit_names.get(c, ctx.scope)
        for c in t["region_code"]
    ]
    t["complete"] = (t["units_reported"] >= t["units_expected"]) & (
        t["months_covered"] >= t["months_expected"]
    )
    t["_order"] = t["region_code"].map(order)
    return t.sort_values(["_order"], kind="stable")[TABLE_COLUMNS].reset_index(drop=True)


def _chart(ctx: _Scope, lead: str | None, part: pd.DataFrame):
    """Units this year against last year on the lead figure; a region without units: its trend."""
    from lawstats.reports import charts

    if lead is None:
        return None, ""
    ind = ctx.catalog.get(lead)
    if ctx.units:
        rows = part[(part["indicator_code"] == lead) & part["region_code"].isin(ctx.units)]
        if rows["value"].isna().all():
            return None, ""
        title = f"各{rt.units_word(ctx.level)}{ind.name_zh}（{ind.unit}）"
        labels = (ctx.period.label, ctx.period.previous_year().label)
        fig = charts.ytd_chart(
            rows[["region_code", "value", "previous"]],
            ctx.unit_names,
            labels,
            title=title,
            decimals=ind.decimals,
        )
        return fig, title
    from lawstats.analysis.dashboard import same_kind_back

    periods = same_kind_back(ctx.period, TREND_YEARS)
    series = rollup_series(
        ctx.engine, [ctx.region_code], periods, [lead], regions=ctx.regions, catalog=ctx.catalog
    )
    if series.empty or series["value"].isna().all():
        return None, ""
    series["period"] = [periods[int(i)].label for i in series["period_index"]]
    title = f"{ind.name_zh}（{ind.unit}）近{len(periods)}年走势"
    names = {ctx.region_code: ctx.regions.get(ctx.region_code).name}
    return charts.trend_chart(series, ind, names, title=title), title


# --------------------------------------------------------------------------- targets


def _progress(
    engine: Engine,
    region_code: str,
    period: Period,
    progress_fn: ProgressFn | None,
    *,
    include_children: bool,
) -> pd.DataFrame:
    """Target progress from lawstats.analysis.targets (#5); an empty frame when no targets module or none set."""
    if progress_fn is None:
        try:
            from lawstats.analysis.targets import progress as progress_fn
        except ModuleNotFoundError as exc:
            if exc.name != "lawstats.analysis.targets":
                raise
            return pd.DataFrame(columns=["region_code", "indicator_code", "status"])
    # the months elapsed are the report period's (a year: all twelve; 2024年1-6月: six)
    through = period if period.start.year == period.end.year else None
    frame = progress_fn(
        engine, region_code, period.start.year, through=through, include_children=include_children
    )
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["region_code", "indicator_code", "status"])
    return frame


def target_sentences(
    progress: pd.DataFrame, region_code: str, scope: str, period: Period, catalog: Catalog
) -> list[Sentence]:
    own = progress[progress["region_code"] == region_code]
    if own.empty:
        return []
    counts = own["status"].value_counts().to_dict()
    lagging: dict[str, list[str]] = {}
    for status in LAGGING:
        rows = own[own["status"] == status].sort_values("indicator_code")
        lagging[status] = [_target_name(r, catalog) for r in rows.to_dict("records")]
    text = rt.targets_sentence(scope, period.start.year, counts, lagging)
    if not text:
        return []
    codes = tuple(sorted(c for c in set(own["indicator_code"]) if c in catalog))
    return [Sentence("targets", "targets", "targets", text, codes)]


def _target_name(row: dict, catalog: Catalog) -> str:
    code = row.get("indicator_code")
    name = catalog.get(code).name_zh if code in catalog else str(code)
    done = rt.completion_text(row.get("completion"))
    return f"{name}{done}" if done else name


# --------------------------------------------------------------------------- sources


def _sources(conn, frame: pd.DataFrame) -> pd.DataFrame:
    ids: set[int] = set()
    for col in ("batch_ids", "previous_batch_ids"):
        for t in frame[col]:
            ids.update(_ids(t))
    if not ids:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    stmt = (
        sa.select(*[batches.c[c] for c in SOURCE_COLUMNS])
        .where(batches.c.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(batches.c.id)
    )
    out = read_frame(conn, stmt, {"ids": sorted(ids)})
    out["id"] = out["id"].astype(int)
    return out


__all__ = [
    "Report",
    "Section",
    "Sentence",
    "below_target",
    "build_report",
    "target_sentences",
]
