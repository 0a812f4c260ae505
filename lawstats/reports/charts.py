"""Plotly figure builders for the dashboard (no Streamlit): trends, rankings, year-to-date comparisons.

Charts show figures as every page does: rounded by the one rule (lawstats.domain.formatting) to
the indicator's decimals; the order of bars comes from the exact values (the ranking's)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lawstats.domain.catalog import Indicator
from lawstats.domain.formatting import format_number, round_figure

COLOURS = {"good": "#1a7f37", "bad": "#cf222e", "neutral": "#6e7781"}
PALETTE = ["#b22222", "#1f6feb", "#1a7f37", "#bf8700", "#8250df", "#0a7480", "#cf222e", "#57606a"]
FONT = "WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"


def _layout(fig: go.Figure, title: str, y_title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "font": {"size": 15}},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 10, "r": 10, "t": 48, "b": 10},
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.15},
        separators=".,",
        hovermode="closest",
        hoverlabel={"font": {"family": FONT}},
    )
    # whole numbers with thousands separators (13,287), never "13k"; labels upright, wrapped
    fig.update_yaxes(tickformat=",~r", exponentformat="none", automargin=True)
    fig.update_xaxes(tickangle=0, automargin=True)
    return fig


def _shown(values, decimals: int) -> list[float | None]:
    """Values as a reader sees them (plotted and hovered), rounded by the display rule."""
    return [round_figure(v, decimals) for v in values]


def trend_chart(
    frame: pd.DataFrame,
    ind: Indicator,
    names: dict[str, str],
    *,
    x: str = "period",
    title: str = "",
    target: float | None = None,
    target_label: str = "",
    unit: str | None = None,
) -> go.Figure:
    """Lines: one per region over periods; `target` draws a dashed line (hook for the targets issue)."""
    fig = go.Figure()
    for i, (code, part) in enumerate(frame.groupby("region_code", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=part[x].tolist(),
                y=_shown(part["value"], ind.decimals),
                mode="lines+markers",
                name=names.get(code, code),
                customdata=[code] * len(part),
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                hovertemplate="%{x}<br>%{fullData.name}: %{y:,}<extra></extra>",
            )
        )
    if target is not None:
        # the label above the line at the right edge, on a white ground: it never sits on a line
        fig.add_hline(
            y=target,
            line_dash="dash",
            line_color=COLOURS["neutral"],
            annotation_text=target_label,
            annotation_position="top right",
            annotation_bgcolor="rgba(255,255,255,0.85)",
            annotation_font_size=11,
        )
    fig.update_xaxes(type="category")
    return _layout(fig, title, ind.unit if unit is None else unit)


def ranking_chart(
    table: pd.DataFrame,
    ind: Indicator,
    *,
    title: str = "",
    unit: str = "",
    normalised: bool | None = None,
) -> go.Figure:
    """Horizontal bars sorted best first; region codes in customdata so a click can drill down."""
    t = table[table["value"].notna()]
    # a normalised figure (per 10,000 people ...) gets two decimals; None: judged by the unit
    normalised = unit != ind.unit if normalised is None else normalised
    decimals = 2 if normalised else max(ind.decimals, 0)
    colours = [COLOURS["bad"] if s else PALETTE[0] for s in t["small"]]
    fig = go.Figure(
        go.Bar(
            x=_shown(t["value"], decimals),
            y=t["name"].tolist(),
            orientation="h",
            customdata=t["region_code"].tolist(),
            marker_color=colours,
            text=[format_number(v, decimals) for v in t["value"]],
            textposition="auto",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    height = max(300, 26 * len(t) + 80)
    fig = _layout(fig, title, "", height=height)
    fig.update_xaxes(title=unit, tickformat=",~r", exponentformat="none")
    return fig


def tile_map(tiles: pd.DataFrame, *, title: str = "") -> go.Figure:
    """A schematic tile map of units (no boundaries): one square per unit at (tile_x, tile_y),
    shaded by value, named and labelled with `label`; region codes in customdata for a click."""
    values = tiles["value"].astype(float)
    lo, hi = float(values.min()), float(values.max())
    span = (hi - lo) or 1.0
    shades = [f"rgba(178,34,34,{0.25 + 0.7 * (v - lo) / span:.2f})" for v in values]
    fig = go.Figure(
        go.Scatter(
            x=tiles["tile_x"].tolist(),
            y=tiles["tile_y"].tolist(),
            mode="markers+text",
            marker={
                "symbol": "square",
                "size": 64,
                "color": shades,
                "line": {"width": 1, "color": "#fff"},
            },
            text=[f"{n}<br>{lbl}" for n, lbl in zip(tiles["name"], tiles["label"], strict=True)],
            textfont={"size": 11, "color": "#111"},
            customdata=tiles["region_code"].tolist(),
            hovertemplate="%{text}<extra></extra>",
        )
    )
    rows = int(tiles["tile_y"].max()) + 1 if len(tiles) else 1
    fig.update_xaxes(visible=False, range=[-0.6, float(tiles["tile_x"].max()) + 0.6])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig = _layout(fig, title, "", height=90 * rows + 40)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10 if not title else 48, "b": 0})
    return fig


def ytd_chart(
    frame: pd.DataFrame,
    names: dict[str, str],
    labels: tuple[str, str],
    *,
    title: str = "",
    decimals: int = 2,
) -> go.Figure:
    """Grouped bars: year to date against the same range last year, one pair per region
    (values rounded to the indicator's `decimals`)."""
    x = [names.get(c, c) for c in frame["region_code"]]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=_shown(frame["previous"], decimals),
                name=labels[1],
                marker_color=COLOURS["neutral"],
            ),
            go.Bar(
                x=x,
                y=_shown(frame["value"], decimals),
                name=labels[0],
                marker_color=PALETTE[0],
                customdata=frame["region_code"].tolist(),
            ),
        ]
    )
    fig.update_layout(barmode="group")
    return _layout(fig, title, "")


# Target status colours (lawstats.analysis.targets.STATUSES order): done, on track, behind, missed, no data.
STATUS_COLOURS = ("#1a7f37", "#8fd19e", "#f0b429", "#cf222e", "#d0d7de")


def status_heatmap(
    cells: pd.DataFrame,
    rows: list[str],
    columns: list[str],
    statuses: tuple[str, ...],
    labels: dict[str, str],
    *,
    title: str = "",
) -> go.Figure:
    """Region x indicator grid coloured by target status; hover shows each cell's explanation.

    cells: one row per target with `row`, `col` (labels in rows/columns), `status`, `text`.
    A grid cell without a target stays blank.
    """
    pos = {s: i for i, s in enumerate(statuses)}
    z = [[None] * len(columns) for _ in rows]
    hover = [[""] * len(columns) for _ in rows]
    text = [[""] * len(columns) for _ in rows]
    ri = {r: i for i, r in enumerate(rows)}
    ci = {c: j for j, c in enumerate(columns)}
    for c in cells.itertuples(index=False):
        i, j = ri[c.row], ci[c.col]
        z[i][j] = pos[c.status]
        hover[i][j] = c.text
        text[i][j] = labels[c.status]
    n = len(statuses)
    scale = []
    for k, colour in enumerate(STATUS_COLOURS[:n]):
        scale += [[k / n, colour], [(k + 1) / n, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale=scale,
            zmin=-0.5,
            zmax=n - 0.5,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-30)
    return _layout(fig, title, "", height=max(260, 44 * len(rows) + 160))


def composition_chart(members: pd.DataFrame, ind: Indicator, title: str, x_title: str) -> go.Figure:
    """A breakdown's reported members as horizontal bars of their share of the total (%), the
    figure in the hover; members not reported are left out (not zero)."""
    m = members[members["share"].notna()].iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=_shown(m["share"], 1),
            y=list(m["name"]),
            orientation="h",
            marker_color=PALETTE[1],
            customdata=[format_number(v, ind.decimals) for v in m["value"]],
            hovertemplate="%{y}: %{customdata} " + ind.unit + " (%{x}%)<extra></extra>",
        )
    )
    _layout(fig, title, "", height=max(240, 28 * len(m) + 80))
    fig.update_xaxes(title_text=x_title, ticksuffix="%")
    return fig
