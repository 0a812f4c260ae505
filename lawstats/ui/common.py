"""Streamlit glue shared by the pages: engine, language, demo banner, caches keyed on the data version."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import streamlit as st

from lawstats import settings
from lawstats.domain.periods import Period
from lawstats.i18n import t
from lawstats.store import queries
from lawstats.ui.url_state import remember


def engine():
    """The configured store's engine (store.get_engine caches engines per URL)."""
    from lawstats.store import get_engine

    return get_engine(settings.db_url())


def lang() -> str:
    """The UI language: ?lang=en in the URL, else Chinese."""
    return "en" if st.query_params.get("lang") == "en" else "zh"


def tr(key: str, **params: object) -> str:
    return t(key, lang(), **params)


def data_version() -> str:
    from lawstats.store import data_version as dv

    # the URL is part of the key, so two databases never share cache entries
    return f"{settings.db_url()}|{dv(engine())}"


@st.cache_data(show_spinner=False, max_entries=64)
def _is_demo(version: str) -> bool:
    from lawstats.store.demo_mode import is_demo

    return is_demo(engine())


def language_switch() -> None:
    choice = st.sidebar.radio(
        t("language", lang()),
        ["中文", "English"],
        index=1 if lang() == "en" else 0,
        horizontal=True,
    )
    wanted = "en" if choice == "English" else "zh"
    if wanted != lang():
        remember("lang", wanted)
        st.rerun()


def demo_banner() -> None:
    if _is_demo(data_version()):
        st.info(tr("demo_banner"), icon=":material/info:")


@st.cache_data(show_spinner=False, max_entries=256)
def figures(
    version: str, region_code: str, period_label: str, codes: tuple[str, ...]
) -> pd.DataFrame:
    from lawstats.store.rollup import figures as compute

    return compute(engine(), [region_code], Period.from_label(period_label), list(codes))


@st.cache_data(show_spinner=False, max_entries=16)
def regions_with_data(version: str) -> list[str]:
    return queries.regions_with_data(engine())


@st.cache_data(show_spinner=False, max_entries=16)
def years_with_data(version: str) -> list[int]:
    return queries.years_with_data(engine())


@st.cache_data(show_spinner=False, max_entries=16)
def latest_batch(version: str) -> dict | None:
    return queries.latest_batch(engine())


@st.cache_data(show_spinner=False, max_entries=16)
def report_text_batches(version: str) -> frozenset[int]:
    """Batches backfilled from report text (cards flag their figures 来源：文字报告)."""
    return queries.batch_ids_of_source(engine(), "report_text")


# --------------------------------------------------------------------------- dashboard caches
# Every cached function takes the data version first: a new batch changes it, so the next
# render recomputes at once, and old entries age out of the bounded caches.


@st.cache_data(show_spinner=False, max_entries=16)
def latest_complete_year(version: str) -> int | None:
    from lawstats.analysis import dashboard

    return dashboard.latest_complete_year(engine())


@st.cache_data(show_spinner=False, max_entries=128)
def figures_many(
    version: str, region_codes: tuple[str, ...], period_label: str, codes: tuple[str, ...]
) -> pd.DataFrame:
    from lawstats.store.rollup import figures as compute

    return compute(engine(), list(region_codes), Period.from_label(period_label), list(codes))


@st.cache_data(show_spinner=False, max_entries=128)
def series(
    version: str,
    region_codes: tuple[str, ...],
    period_labels: tuple[str, ...],
    codes: tuple[str, ...],
) -> pd.DataFrame:
    from lawstats.analysis import dashboard

    periods = [Period.from_label(p) for p in period_labels]
    return dashboard.series_values(engine(), list(region_codes), periods, list(codes))


@st.cache_data(show_spinner=False, max_entries=64)
def overview(
    version: str, region_code: str, period_label: str, codes: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overview's figures (with last year) and sparklines, from one roll-up."""
    from lawstats.analysis import dashboard

    period = Period.from_label(period_label)
    return dashboard.overview_figures(engine(), region_code, period, list(codes))


def overview_cards(
    version: str,
    region_code: str,
    period_label: str,
    codes: tuple[str, ...],
    lang: str,
    texts: dict[str, str],
) -> list:
    """The overview's cards (dashboard.overview_cards), made once per data version, view and
    language for every session of this process."""
    return _overview_cards(version, region_code, period_label, codes, lang, tuple(texts.items()))


@st.cache_data(show_spinner=False, max_entries=64)
def _overview_cards(version, region_code, period_label, codes, lang, texts) -> list:
    from lawstats.analysis import dashboard

    frame, spark = overview(version, region_code, period_label, codes)
    return dashboard.overview_cards(
        frame,
        spark,
        lang,
        texts=dict(texts),
        report_batches=report_text_batches(version),
        period=Period.from_label(period_label),
    )


@st.cache_data(show_spinner=False, max_entries=128)
def ranking(version: str, parent_code: str, period_label: str, code: str, norm: str):
    from lawstats.analysis import dashboard

    return dashboard.ranking(engine(), parent_code, Period.from_label(period_label), code, norm)


@st.cache_data(show_spinner=False, max_entries=64)
def missing_reporters(version: str, region_code: str, period_label: str) -> pd.DataFrame:
    from lawstats.analysis import dashboard

    return dashboard.missing_reporters(engine(), region_code, Period.from_label(period_label))


# --------------------------------------------------------------------------- URL-synced filters


def _qp_default(key: str, options: list, default):
    value = st.query_params.get(key)
    if value is not None:
        for o in options:
            if str(o) == value:
                return o
    return default


def synced_selectbox(label: str, options: list, key: str, default, *, container=None, **kwargs):
    """A selectbox whose value lives in the URL (?key=value) so a link reproduces the view."""
    container = container or st
    if not options:
        return None
    pending = st.session_state.pop(f"_goto_{key}", None)
    if pending is not None and pending in options:
        st.session_state[key] = pending
    elif key in st.session_state and st.session_state[key] in options:
        # re-assign, or Streamlit resets a keyed widget to its default on another page
        st.session_state[key] = st.session_state[key]
    else:
        # a link's value first, then the choice made on another page (Streamlit forgets widget
        # state and the query string when the page changes; the plain _keep_ key survives)
        kept = st.session_state.get(f"_keep_{key}")
        fallback = kept if kept in options else (default if default in options else options[0])
        st.session_state[key] = _qp_default(key, options, fallback)
    value = container.selectbox(label, options, key=key, **kwargs)
    st.session_state[f"_keep_{key}"] = value
    remember(key, str(value))
    return value


def goto(key: str, value: str) -> None:
    """Change a synced filter from code (drill-down) and rerun."""
    st.session_state[f"_goto_{key}"] = value
    remember(key, value)
    st.rerun()


def region_options(version: str) -> list[str]:
    """Regions on offer: every region with data and all its ancestors, provinces first."""
    from lawstats.domain.regions import load_regions

    return _region_options(version, id(load_regions()))


@st.cache_data(show_spinner=False, max_entries=8)
def _region_options(version: str, _table: int) -> list[str]:
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    offered: dict[str, None] = {}
    for code in regions_with_data(version):
        for r in regions.path(code):
            offered[r.code] = None
    # 全国 only when the store holds more than one province: else it would show one province's
    # figures under the country's name
    for country in [c for c in offered if regions.get(c).level == "country"]:
        if sum(regions.get(c).parent_code == country for c in offered) < 2:
            del offered[country]
    return sorted(offered, key=lambda c: (len(regions.path(c)), c))


def default_region(options: list[str]) -> str:
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    return next((c for c in options if regions.get(c).level == "city"), options[0])


def region_picker(version: str, *, container=None) -> str | None:
    """The region selectbox (?region=code), labelled with full names."""
    options = region_options(version)
    if not options:
        return None
    return synced_selectbox(
        tr("region"),
        options,
        "region",
        default_region(options),
        container=container,
        format_func=_full_names(tuple(options)).__getitem__,
    )


@lru_cache(maxsize=8)
def _full_names(codes: tuple[str, ...]) -> dict[str, str]:
    """Each offered region's full name, made once (a national store offers 3,000 regions, and
    the selectbox labels every option on every view)."""
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    return {c: regions.full_name(c) for c in codes}


# the second choice of a period kind: (label, how many, item label)
_PERIOD_PARTS = {
    "quarter": ("quarter", 4, "quarter_n"),
    "month": ("month", 12, "month_n"),
    "ytd": ("through_month", 12, "ytd_n"),
}


def period_picker(version: str, *, container=None) -> Period | None:
    """Period type + year + quarter/month (?period=label); defaults to the latest complete year."""
    from lawstats.analysis import dashboard
    from lawstats.domain.periods import PeriodError, parse_period

    container = container or st
    years = years_with_data(version)
    if not years:
        return None
    default_year = latest_complete_year(version) or years[0]
    default_year = default_year if default_year in years else years[0]
    kind, year, part = "year", default_year, 1
    label = st.query_params.get("period")
    if label and "period_kind" not in st.session_state:
        try:
            kind, year, part = dashboard.period_parts(parse_period(label))
        except PeriodError:
            pass
        kind = kind if kind in dashboard.PERIOD_KINDS else "year"
        st.session_state["period_kind"] = kind
        st.session_state["period_year"] = year if year in years else default_year
        st.session_state[f"period_part_{kind}"] = part
    for k in ("period_kind", "period_year", *(f"period_part_{p}" for p in _PERIOD_PARTS)):
        if k in st.session_state:
            # re-assign, or Streamlit resets a keyed widget to its default on another page
            st.session_state[k] = st.session_state[k]
    for k, v in (("period_kind", "year"), ("period_part_quarter", 1), ("period_part_month", 12)):
        st.session_state.setdefault(k, v)
    st.session_state.setdefault("period_part_ytd", 6)
    cols = container.columns([3, 2, 2])
    kind = (
        cols[0].segmented_control(
            tr("period_kind"),
            list(dashboard.PERIOD_KINDS),
            format_func=lambda k: tr(f"kind_{k}"),
            key="period_kind",
        )
        or "year"
    )
    if st.session_state.get("period_year") not in years:
        st.session_state["period_year"] = default_year
    year = cols[1].selectbox(tr("year"), years, key="period_year", format_func=lambda y: f"{y}")
    part = 1
    if kind in _PERIOD_PARTS:
        label_key, count, item_key = _PERIOD_PARTS[kind]
        part = cols[2].selectbox(
            tr(label_key),
            list(range(1, count + 1)),
            key=f"period_part_{kind}",
            format_func=lambda n: tr(item_key, n=n),
        )
    period = dashboard.make_period(kind, int(year), int(part))
    remember("period", period.label)
    return period


def period_text(period: Period) -> str:
    return period.label if lang() == "zh" else period.label_en


def indicator_picker(codes: list[str], default: str, *, container=None) -> str:
    """The indicator selectbox (?indicator=code)."""
    from lawstats.domain.catalog import load_catalog

    catalog = load_catalog()
    return synced_selectbox(
        tr("indicator"),
        codes,
        "indicator",
        default,
        container=container,
        format_func=lambda c: catalog.get(c).name(lang()),
    )


def indicator_page_header(default_code: str) -> tuple[str, str, str, Period]:
    """Banner, data check and the region / indicator / period pickers of the one-indicator pages."""
    from lawstats.domain.catalog import load_catalog

    version = data_version()
    demo_banner()
    require_data(version)
    c1, c2, c3 = st.columns([2, 2, 3])
    region_code = region_picker(version, container=c1)
    code = indicator_picker(load_catalog().codes_with_members, default_code, container=c2)
    period = period_picker(version, container=c3)
    return version, region_code, code, period


def breadcrumb(region_code: str) -> None:
    """省 › 市 › 县 as buttons; clicking an ancestor goes back up."""
    from lawstats.analysis import dashboard

    path = dashboard.breadcrumb(region_code)
    cols = st.columns(len(path) * 2)
    for i, (code, name) in enumerate(path):
        if i:
            cols[2 * i - 1].markdown("›")
        if code == region_code:
            cols[2 * i].markdown(f"**{name}**")
        elif cols[2 * i].button(name, key=f"crumb_{code}", type="tertiary"):
            goto("region", code)


def downloads(frame: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel downloads of a chart's data (formula-like cells neutralised), made when
    clicked, not on every view of the page (an Excel file costs a tenth of a second)."""
    from lawstats.domain import safecell as exports

    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        tr("download_csv"),
        lambda: exports.to_csv_bytes(frame),
        f"{name}.csv",
        "text/csv",
        key=f"csv_{key}",
        on_click="ignore",
    )
    c2.download_button(
        tr("download_xlsx"),
        lambda: exports.to_excel_bytes(frame),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key}",
        on_click="ignore",
    )


def clicked_code(fig, region_code: str, key: str) -> str | None:
    """Draw a plotly chart whose points carry region codes; the code of a clicked point, if any."""
    from lawstats.ui.look import plot_config

    event = st.plotly_chart(
        fig,
        on_select="rerun",
        selection_mode="points",
        key=f"{key}_{region_code}",
        width="stretch",
        config=plot_config(lang()),
    )
    return selected_code(event)


def drill_chart(fig, region_code: str, key: str) -> None:
    """A plotly chart whose clicked bar or point moves the page to that region (drill-down)."""
    picked = clicked_code(fig, region_code, key)
    if picked and picked != region_code:
        goto("region", picked)


def selected_code(event) -> str | None:
    """The region code of the first clicked/selected point of a plotly chart event."""
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        try:
            points = event["selection"]["points"]
        except (KeyError, TypeError):
            return None
    for p in points or []:
        data = p.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if data:
            return str(data)
    return None


def require_data(version: str) -> None:
    """Stop the page with a what-to-do message when the database is empty."""
    if not regions_with_data(version):
        st.warning(tr("empty_page"))
        st.stop()


def _drill_from(key: str) -> None:
    code = st.session_state.get(key)
    if code:
        st.session_state["_goto_region"] = code
        remember("region", code)
        st.session_state[key] = ""


def drill_selectbox(units: list[str], format_func) -> None:
    """The no-mouse fallback for drill-down: choosing a unit moves the whole page to it."""
    st.selectbox(
        tr("drill_into"),
        ["", *units],
        format_func=lambda c: format_func(c) if c else tr("drill_none"),
        key="drill",
        on_change=_drill_from,
        args=("drill",),
    )
