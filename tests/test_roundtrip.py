"""Round trip: demo figures exported per city through the county template and re-loaded are identical."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from etl.export import export_city_template
from etl.load import load_bytes
from lawstats.demo.facts import DEMO_CITIES
from lawstats.domain.periods import Period
from lawstats.store import connect, get_engine, read_frame

# the county template asks for totals; breakdown members (#19) come in tables of their own
FACTS = sa.text(
    "SELECT region_code, indicator_code, value, is_approximate FROM v_facts "
    "WHERE parent_code = :city AND period_start = :start AND period_end = :end "
    "AND member IS NULL"
)


def city_facts(engine, city: str, period: Period) -> pd.DataFrame:
    with connect(engine) as conn:
        f = read_frame(conn, FACTS, {"city": city, "start": period.start, "end": period.end})
    f["value"] = f["value"].astype(float)
    f["is_approximate"] = f["is_approximate"].astype(bool)
    return f.sort_values(["region_code", "indicator_code"]).reset_index(drop=True)


@pytest.mark.parametrize("city", DEMO_CITIES)
@pytest.mark.parametrize(
    "period", [Period.month(2023, 3), Period.month(2024, 12)], ids=["2023-03", "2024-12"]
)
def test_demo_city_round_trips_through_the_template(demo_db, tmp_path, city, period):
    demo = get_engine(demo_db)
    buf = io.BytesIO()
    filled = export_city_template(demo, city, period, buf)
    fresh = get_engine(str(tmp_path / "fresh.duckdb"))
    res = load_bytes(fresh, buf.getvalue(), f"{city}_{period.label}.xlsx")
    assert res.status == "loaded", [p.to_dict() for p in res.report.errors]
    assert res.facts_written == filled
    expected = city_facts(demo, city, period)
    got = city_facts(fresh, city, period)
    pd.testing.assert_frame_equal(got, expected)
    if (city, period) in {("141100", Period.month(2023, 3)), ("350500", Period.month(2024, 12))}:
        assert got["is_approximate"].any()  # 4000余 / 2800多 come back as approximate
