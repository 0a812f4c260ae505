"""Helpers for the roll-up tests: build fact rows, and a store per backend that tests refill."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats.domain.periods import Period
from lawstats.store import (
    bulk_insert,
    facts,
    get_engine,
    months_between,
    rollup,
    summary,
    transaction,
    wipe,
)
from tests.conftest import pg_url, require_or_skip
from tests.rollup_reference import RAW_COLUMNS


def one(frame: pd.DataFrame, region: str, code: str) -> dict:
    """The one row of a roll-up's result for a region and indicator, as a dict."""
    hit = frame[(frame.region_code == region) & (frame.indicator_code == code)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def rows(*facts_: tuple) -> pd.DataFrame:
    """facts: (region, period, indicator, value[, approx[, reported_rate[, batch]]]) -> RAW_COLUMNS."""
    out = []
    for f in facts_:
        region, period, code, value = f[:4]
        out.append(
            {
                "region_code": region,
                "period_start": period.start,
                "period_end": period.end,
                "period_months": period.months,
                "indicator_code": code,
                "value": value,
                "is_approximate": f[4] if len(f) > 4 else False,
                "is_reported_rate": f[5] if len(f) > 5 else False,
                "batch_id": f[6] if len(f) > 6 else 1,
            }
        )
    return pd.DataFrame(out, columns=RAW_COLUMNS)


def replace_facts(engine: Engine, raw: pd.DataFrame) -> None:
    """Make `raw` (RAW_COLUMNS) the store's only current facts, batch ids as given."""
    frame = raw.copy()
    frame["id"] = np.arange(1, len(frame) + 1, dtype="int64")
    frame["period_months"] = [
        months_between(a, b)
        for a, b in zip(frame["period_start"], frame["period_end"], strict=True)
    ]
    frame["value"] = frame["value"].astype("float64")
    frame["is_not_reported"] = frame["value"].isna()
    frame["is_current"] = True
    for col in ("is_approximate", "is_reported_rate"):
        frame[col] = frame[col].astype(bool)
    frame["batch_id"] = frame["batch_id"].astype("int64")
    with transaction(engine) as conn:
        conn.execute(sa.delete(facts))
        bulk_insert(conn, facts, frame)
        summary.invalidate(conn)  # facts written behind the batch layer's back


def roll(
    engine: Engine, raw: pd.DataFrame, period: Period, targets: Sequence[str], codes: Sequence[str]
) -> pd.DataFrame:
    """The product's roll-up of exactly these facts for one period (RESULT_COLUMNS).

    For a year-to-date range (a calendar year, 1-6月...) it is computed twice, from the facts and
    from the summary (lawstats.store.summary), and both must agree."""
    replace_facts(engine, raw)
    got = series_from_facts(engine, targets, [period], codes)
    if summary.summary_ranges([period]):
        summary.refresh(engine)
        with engine.connect() as conn:
            assert summary.is_fresh(conn)
        from_summary = rollup.series(engine, targets, [period], codes)
        pd.testing.assert_frame_equal(from_summary, got)
    return got.drop(columns="period_index")


def series_from_facts(engine: Engine, *args) -> pd.DataFrame:
    """rollup.series with the summary switched off."""
    summary.ENABLED = False
    try:
        return rollup.series(engine, *args)
    finally:
        summary.ENABLED = True


def backend_store(request, tmp_path_factory) -> Iterator[Engine]:
    """A store on the requested backend ('duckdb' or 'postgres') for a whole test module."""
    if request.param == "duckdb":
        path = tmp_path_factory.mktemp("rollup") / "rollup.duckdb"
        yield get_engine(str(path))
        return
    url = pg_url()
    require_or_skip(bool(url), "PostgreSQL (LAWSTATS_TEST_PG_URL)")
    wipe(get_engine(url, create=False))
    yield get_engine(url)


BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
