"""The view lives in the URL, the same on every page: region, period, indicator, comparison,
normalisation, series kind and language are query parameters, so every view is a link that
reopens exactly (also in a fresh browser, after the login).

Streamlit drops the query string when the user moves to another page; `carry()` (first thing in
app.py) puts the shared parameters back from this tab's memory, and remembers the ones a link
brought. `land()` fills what a first visit lacks: the user's own region (their account's first
region with data) and the latest period every reporting unit of it has reported.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from lawstats.domain.periods import Period

SHARED = ("lang", "region", "period", "indicator", "cmp", "norm", "series")
_MEMORY = "_url_"


def carry() -> None:
    """Remember the shared parameters this URL names; restore those it lacks from this tab."""
    for key in SHARED:
        value = st.query_params.get(key)
        if value is not None:
            st.session_state[_MEMORY + key] = value
        elif _MEMORY + key in st.session_state:
            st.query_params[key] = st.session_state[_MEMORY + key]


def remember(key: str, value: str | None) -> None:
    """A page changed a shared parameter (its widget): into the URL and this tab's memory."""
    if value is None or value == "":
        st.query_params.pop(key, None)
        st.session_state.pop(_MEMORY + key, None)
    else:
        st.query_params[key] = value
        st.session_state[_MEMORY + key] = value


@st.cache_data(show_spinner=False, max_entries=256)
def _complete_period(version: str, region_code: str) -> str | None:
    from lawstats import settings
    from lawstats.analysis import headline
    from lawstats.store import get_engine

    period = headline.latest_complete_period(get_engine(settings.db_url()), region_code)
    return None if period is None else period.label


def land(version: str, user, offered: list[str], default_region: str | None) -> None:
    """A first visit without region or period in its URL: the user's own region (else
    `default_region`) and its latest complete period (the pickers then show them, and the URL
    names them). `offered`: the regions the region picker offers."""
    from lawstats.analysis import headline

    if not offered:
        return
    if "region" not in st.query_params and user is not None and user.regions:
        home = headline.home_region(user.regions, offered)
        if home:
            remember("region", home)
    if "period" not in st.query_params:
        region = st.query_params.get("region")
        region = region if region in offered else default_region
        label = _complete_period(version, region) if region else None
        if label:
            remember("period", label)


def link(page: str = "", **params: object) -> str:
    """A relative link to a page (its url path, '' for the overview) with the current shared
    parameters, `params` replacing or adding some."""
    query = {k: st.query_params.get(k) for k in SHARED if st.query_params.get(k) is not None}
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return f"./{page}?{urlencode(query)}" if query else f"./{page}"


def period_of_url() -> Period | None:
    label = st.query_params.get("period")
    if not label:
        return None
    try:
        return Period.from_label(label)
    except ValueError:
        return None
