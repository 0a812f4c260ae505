"""Streamlit glue shared by the pages: engine, language, demo banner, caches keyed on the data version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lawstats import queries, settings
from lawstats.periods import Period
from lawstats.strings import t


@st.cache_resource(show_spinner=False)
def engine():
    from lawstats.store import get_engine

    return get_engine(settings.db_url())


def lang() -> str:
    """The UI language: ?lang=en in the URL, else Chinese."""
    return "en" if st.query_params.get("lang") == "en" else "zh"


def tr(key: str, **params: object) -> str:
    return t(key, lang(), **params)


def data_version() -> str:
    from lawstats.store import data_version as dv

    return dv(engine())


@st.cache_data(show_spinner=False, max_entries=64)
def _is_demo(version: str) -> bool:
    from lawstats.store import is_demo

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
        st.query_params["lang"] = wanted
        st.rerun()


def demo_banner() -> None:
    if _is_demo(data_version()):
        st.info(tr("demo_banner"), icon="ℹ️")


@st.cache_data(show_spinner=False, max_entries=256)
def figures(
    version: str, region_code: str, period_label: str, codes: tuple[str, ...]
) -> pd.DataFrame:
    from lawstats.rollup import figures as compute

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
