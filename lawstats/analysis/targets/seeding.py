"""The demo database's example targets (data/demo_targets.csv), 天水市 2024 settled."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from lawstats.analysis.targets.editing import save_targets
from lawstats.analysis.targets.model import _err
from lawstats.analysis.targets.parsing import parse_rows
from lawstats.analysis.targets.settlement import settle

DEMO_TARGETS_FILE = "demo_targets.csv"
DEMO_SETTLED = (("620500", 2024),)  # 天水市 2024 is settled in the demo database


def seed_demo(engine: Engine) -> int:
    """The example targets (data/demo_targets.csv) for the demo database; 天水市 2024 settled."""
    import csv

    from lawstats.settings import DATA_DIR

    with (DATA_DIR / DEMO_TARGETS_FILE).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    found, problems = parse_rows(rows)
    if problems:
        raise _err(
            "示例目标文件有误：" + "；".join(p.message("zh") for p in problems),
            "the demo targets file is invalid: " + "; ".join(p.message("en") for p in problems),
        )
    for year in sorted({tg.year for tg in found}):
        # entered at the start of the year (年初定账), before Q1 closed
        save_targets(
            engine,
            [tg for tg in found if tg.year == year],
            actor="demo",
            source=f"demo:{DEMO_TARGETS_FILE}",
            today=date(year, 1, 1),
        )
    for region_code, year in DEMO_SETTLED:
        settle(
            engine, region_code, year, actor="demo", note="示例结算", today=date(year + 1, 1, 15)
        )
    return len(found)
