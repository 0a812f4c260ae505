"""The composition view (#19): a figure by its breakdown on the indicator's group section of the
overview: share of the total, change on last year by member, the largest movers, the exact figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lawstats.analysis.composition import Composition, composition_table, compositions
from lawstats.domain.catalog import load_catalog
from lawstats.domain.display import change_text, exact_text
from lawstats.domain.periods import Period
from lawstats.reports.charts import composition_chart
from lawstats.ui import common as ui
from lawstats.ui import look


@st.cache_data(show_spinner=False, max_entries=64)
def cached(
    version: str, region_code: str, period_label: str, codes: tuple[str, ...], lang: str
) -> list[Composition]:
    return compositions(ui.engine(), region_code, Period.from_label(period_label), codes, lang=lang)


def show(comp: Composition, lang: str, key: str) -> None:
    ind = load_catalog().get(comp.code)
    title = ui.tr("comp_title", indicator=ind.name(lang), dimension=comp.dimension_name)
    with st.expander(title):
        total = exact_text(comp.total, ind, lang, approximate=comp.total_approximate)
        parts = exact_text(comp.members_sum, ind, lang)
        st.caption(ui.tr("comp_total", total=total, sum=parts))
        if comp.missing and comp.total is not None and comp.members_sum < comp.total:
            st.caption(ui.tr("comp_missing", names="、".join(comp.missing)))
        movers = comp.movers()
        if not movers.empty:
            text = "、".join(
                f"{r.name} {change_text(r.change, r.change_unit, lang)}"
                for r in movers.itertuples(index=False)
            )
            st.caption(ui.tr("comp_movers", movers=text))
        if comp.members["share"].notna().any():
            fig = composition_chart(comp.members, ind, title, ui.tr("comp_col_share"))
            st.plotly_chart(fig, key=f"comp_{key}", width="stretch", config=look.plot_config(lang))
        headers = {
            k: ui.tr(f"comp_col_{k}") for k in ("member", "value", "share", "previous", "change")
        }
        table = composition_table(comp, ind, lang, headers)
        st.dataframe(table, hide_index=True, width="stretch")
        ui.downloads(_export(comp), f"composition_{comp.code}_{comp.dimension}", f"comp_{key}")


def _export(comp: Composition) -> pd.DataFrame:
    """The members' exact figures for the download (numbers, not text)."""
    return comp.members[["code", "name", "value", "approximate", "share", "previous", "change"]]
