"""Targets (年初定账、每月对账、季度查账、年终交账): the target model, progress against 序时进度, locking and settlement.

A target is one region x indicator x year with a kind:
- at_least: an annual count or a level, 调解纠纷 ≥ 14,000 件 (a flow counts year to date);
- at_most: 一人所数 ≤ 0;
- growth: ≥ p% over the same period last year (p = 0 means "some growth", i.e. strictly above);
  a ratio grows in percentage points;
- per_unit: a floor every unit below the region must reach (each county's 司法所工作人员 per
  司法所 ≥ 5 人), checked per child region and listing the ones that fail;
- rate_floor: a ratio at or above a level (衔接率 = 100%, 调解成功率 ≥ 95%).

Actuals always come from lawstats.store.rollup.figures, the roll-up the dashboard and `etl show` use.
For flows, 完成进度 = year-to-date actual / annual target and 序时进度 = elapsed months / 12; the
gap is in 个百分点 (through March, 27.4% done against 25% = 2.4 points ahead). Stocks and rates
compare their latest level with the target. Not reported is 无数据, never 0.

Targets lock once the year's first quarter has closed (after 31 March) unless an admin reopens
them with a reason. Settling a year (admin) freezes each target's result; a later revision of the
year's figures is flagged against the settled result ("结算 X，现为 Y"), never silently applied.
Every change is versioned in target_history and in the audit log.

The package's modules, foundations first (each imports only modules listed before it):
- model: kinds, statuses, Target, TargetError, validation;
- stored: reading stored targets and their history over a region scope;
- locking: the Q1 lock, reopening and relocking, permission checks;
- editing: saving and deleting targets (versioned);
- parsing: targets from a table of cells (target files);
- evaluation: progress against 序时进度 (evaluate, progress);
- settlement: 年终交账 (settle, settlements);
- wording: target and progress sentences, status summaries;
- tables, editor, charts: display tables and exports, the page editor, chart inputs;
- seeding: the demo database's targets.
This __init__ is the feature's public API: it re-exports the names importers use.
"""

from lawstats.analysis.targets.charts import heatmap_cells, trend_target
from lawstats.analysis.targets.editing import delete_target, save_targets
from lawstats.analysis.targets.editor import (
    EDITOR_KEYS,
    editor_columns,
    editor_frame,
    editor_options,
    targets_from_editor,
)
from lawstats.analysis.targets.evaluation import evaluate, evaluate_one, latest_month, progress
from lawstats.analysis.targets.locking import (
    lock_state,
    q1_closed,
    relock,
    reopen,
    reopenings,
    year_over,
)
from lawstats.analysis.targets.model import (
    KINDS,
    LAGGING,
    LOCK_AFTER_MONTH,
    MIN_REASON,
    PROGRESS_COLUMNS,
    STATUS_EN,
    STATUS_ZH,
    STATUSES,
    LockState,
    Problem,
    SaveResult,
    Target,
    TargetError,
    kind_label,
    validate,
)
from lawstats.analysis.targets.parsing import parse_expression, parse_number, parse_rows
from lawstats.analysis.targets.seeding import DEMO_SETTLED, DEMO_TARGETS_FILE, seed_demo
from lawstats.analysis.targets.settlement import settle, settlements
from lawstats.analysis.targets.stored import (
    history,
    list_targets,
    regions_with_targets,
    scope_codes,
    years_with_targets,
)
from lawstats.analysis.targets.tables import (
    export_frame,
    history_table,
    lock_events,
    progress_records,
    progress_table,
    targets_table,
    unique_names,
)
from lawstats.analysis.targets.wording import (
    explain,
    lagging,
    revision_note,
    status_counts,
    summary_sentence,
    target_text,
)

__all__ = [
    "KINDS",
    "STATUSES",
    "STATUS_ZH",
    "STATUS_EN",
    "LAGGING",
    "LOCK_AFTER_MONTH",
    "MIN_REASON",
    "PROGRESS_COLUMNS",
    "TargetError",
    "Target",
    "Problem",
    "SaveResult",
    "LockState",
    "kind_label",
    "validate",
    "scope_codes",
    "list_targets",
    "regions_with_targets",
    "years_with_targets",
    "history",
    "q1_closed",
    "year_over",
    "lock_state",
    "reopen",
    "relock",
    "reopenings",
    "save_targets",
    "delete_target",
    "parse_number",
    "parse_expression",
    "parse_rows",
    "latest_month",
    "evaluate_one",
    "evaluate",
    "progress",
    "settle",
    "settlements",
    "target_text",
    "explain",
    "revision_note",
    "status_counts",
    "summary_sentence",
    "lagging",
    "progress_records",
    "export_frame",
    "progress_table",
    "history_table",
    "unique_names",
    "targets_table",
    "lock_events",
    "EDITOR_KEYS",
    "editor_columns",
    "editor_frame",
    "editor_options",
    "targets_from_editor",
    "heatmap_cells",
    "trend_target",
    "DEMO_TARGETS_FILE",
    "DEMO_SETTLED",
    "seed_demo",
]
