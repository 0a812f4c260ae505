"""A new indicator is one row of data/indicators.csv (#19): it appears on its group's section of
the overview, with its figure, without a line of code changed."""

from __future__ import annotations

import shutil

import pandas as pd

from lawstats.domain import catalog as catalog_module
from lawstats.domain.periods import Period
from lawstats.settings import DATA_DIR
from lawstats.store import get_engine, transaction
from lawstats.store.revisions import BatchInfo, write_facts
from tests.page_support import page_on_store

ROW = (
    "legal_aid_hotline_calls,法律援助热线来电数,Legal aid hotline calls,人次,flow,,,up,legal_aid,"
    "法律援助热线来电,0,期内法律援助热线接听来电人次。,Legal aid hotline calls answered in the period.\n"
)


def test_an_indicator_added_by_one_catalog_row_appears_on_its_group_page(tmp_path, monkeypatch):
    path = tmp_path / "indicators.csv"
    shutil.copy(DATA_DIR / "indicators.csv", path)
    with path.open("a", encoding="utf-8") as f:
        f.write(ROW)
    defaults = catalog_module.read_catalog.__defaults__
    monkeypatch.setattr(catalog_module.read_catalog, "__defaults__", (path, *defaults[1:]))
    monkeypatch.setattr(catalog_module, "CATALOG_PATH", path)  # the store's reference tables
    catalog_module.load_catalog.cache_clear()
    try:
        assert catalog_module.load_catalog().get("legal_aid_hotline_calls").group == "legal_aid"
        store = tmp_path / "store.duckdb"
        engine = get_engine(str(store))
        year = Period.year(2024)
        facts = pd.DataFrame(
            [
                {
                    "region_code": "620502",
                    "period_start": year.start,
                    "period_end": year.end,
                    "indicator_code": code,
                    "value": value,
                }
                for code, value in (("legal_aid_cases", 900.0), ("legal_aid_hotline_calls", 4321.0))
            ]
        )
        info = BatchInfo(
            file_name="a.xlsx", sha256="a" * 64, source_type="spreadsheet", uploaded_by="t"
        )
        with transaction(engine) as conn:
            write_facts(conn, info, facts)
        engine.dispose()
        at = page_on_store(
            store, monkeypatch, "pages/overview.py", region="620502", period="2024年"
        )
        cards = {m.label: m.value for m in at.metric}
        assert cards["法律援助热线来电数"] == "4,321 人次"
        assert "#### 法律援助" in [m.value for m in at.markdown]
    finally:
        catalog_module.load_catalog.cache_clear()
