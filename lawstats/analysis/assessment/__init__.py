"""Points-based assessment (考评): schemes as data files, scoring rules, per-county breakdown and ranking.

A scheme is a YAML or CSV file in data/schemes/ (docs/data-formats.md "Assessment schemes" documents the
format) that a bureau edits without code: items, each with an indicator, points and a rule:
- proportional: points x attainment, capped at full points. Attainment is the unit's target
  attainment (year to date against 序时进度 for flows) or, with `benchmark`, its value against
  the best unit ("max") or a fixed number;
- all_or_nothing (全得全扣): full points when the target is met, else none;
- rank: points per rank (rank_points: [10, 9, 8, ...]); tied units share the average of the
  points of the places they occupy (ties: average), or all get the best place's (ties: best);
- deduction: full points minus `deduct` per started `per` units of shortfall, never below `floor`.
Units without data score the minimum (0, or the floor) and say 无数据.

Targets come from lawstats.analysis.targets (stored per county, or inline in the item for every unit);
values from lawstats.store.rollup through lawstats.analysis.dashboard.ranking (same roll-up and normalisations
as the 排名 page).

The package's modules, foundations first (each imports only modules listed before it):
- schemes: Scheme and Item, reading and checking scheme files;
- rules: the scoring rules (pure);
- scoring: score(), the Assessment of a scheme over the units below a region;
- tables: an Assessment as page and export tables.
This __init__ is the feature's public API: it re-exports the names importers use.
"""

from lawstats.analysis.assessment.rules import (
    all_or_nothing,
    attainment,
    deduction,
    proportional,
    rank_scores,
)
from lawstats.analysis.assessment.schemes import (
    BASES,
    FREQUENCIES,
    RULES,
    SCHEMES_DIR,
    TIES,
    Item,
    Scheme,
    SchemeError,
    load_schemes,
    read_scheme,
    scheme_from_csv,
    scheme_from_dict,
)
from lawstats.analysis.assessment.scoring import (
    BREAKDOWN_COLUMNS,
    Assessment,
    has_data,
    previous_of,
    score,
)
from lawstats.analysis.assessment.tables import (
    breakdown_export,
    breakdown_matrix,
    lagging_items,
    ranking_table,
    unit_detail,
)

__all__ = [
    "SCHEMES_DIR",
    "RULES",
    "FREQUENCIES",
    "BASES",
    "TIES",
    "SchemeError",
    "Item",
    "Scheme",
    "scheme_from_dict",
    "scheme_from_csv",
    "read_scheme",
    "load_schemes",
    "rank_scores",
    "attainment",
    "proportional",
    "all_or_nothing",
    "deduction",
    "Assessment",
    "BREAKDOWN_COLUMNS",
    "previous_of",
    "score",
    "has_data",
    "breakdown_matrix",
    "ranking_table",
    "lagging_items",
    "breakdown_export",
    "unit_detail",
]
