"""A figure's composition by a breakdown (#19): each member's figure, its share of the total, its
change on last year, and the largest movers.

Members roll up like any figure (lawstats.store.rollup: a member's figure has its own code); the
total is the figure reported as the total, never a sum of members, and a share is a member's
figure over that total. A member not reported has no figure, no share and no change (not zero);
where the members add up to less than the total, the rest stays unexplained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from lawstats.domain.catalog import Catalog, figure_code, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable
from lawstats.store import rollup

MEMBER_COLUMNS = [
    "code",  # the member's figure code
    "member",
    "name",
    "value",
    "approximate",
    "share",  # percent of the total, None without both figures
    "previous",
    "change",
    "change_unit",
    "change_abs",
    "comparable",
    "batch_ids",
]


@dataclass
class Composition:
    """One indicator of one region and period, by one breakdown."""

    code: str
    dimension: str
    dimension_name: str
    total: float | None
    total_approximate: bool
    total_batch_ids: tuple[int, ...]
    members: pd.DataFrame  # MEMBER_COLUMNS, one row per member of the breakdown, catalog order
    missing: list[str] = field(default_factory=list)  # members not reported (names)

    @property
    def reported(self) -> pd.DataFrame:
        return self.members[self.members["value"].notna()]

    @property
    def has_data(self) -> bool:
        return not self.reported.empty

    @property
    def members_sum(self) -> float:
        return float(self.reported["value"].sum())

    @property
    def batch_ids(self) -> tuple[int, ...]:
        ids = {b for row in self.reported["batch_ids"] for b in row}
        return tuple(sorted(ids | set(self.total_batch_ids)))

    def movers(self, n: int = 3) -> pd.DataFrame:
        """The members whose figure changed most on last year (comparable ones, by amount)."""
        m = self.reported[self.reported["comparable"] & self.reported["change_abs"].notna()]
        order = m["change_abs"].abs().sort_values(ascending=False, kind="stable").index
        return m.loc[order[:n]]


def member_codes(catalog: Catalog, codes: Sequence[str]) -> list[str]:
    """The member figure codes of these indicators' breakdowns."""
    return [
        figure_code(c, dim, m.code)
        for c in codes
        for dim, members in catalog.breakdowns_of(c).items()
        for m in members
    ]


def compositions(
    engine: Engine,
    region_code: str,
    period: Period,
    codes: Sequence[str],
    *,
    lang: str = "zh",
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> list[Composition]:
    """Every breakdown of these indicators that has a reported member, from one roll-up."""
    catalog = catalog or load_catalog()
    codes = [c for c in codes if catalog.breakdowns_of(c)]
    if not codes:
        return []
    frame = rollup.figures(
        engine,
        [region_code],
        period,
        [*codes, *member_codes(catalog, codes)],
        regions=regions,
        catalog=catalog,
    )
    out = [
        composition_from(frame, region_code, code, dim, catalog=catalog, lang=lang)
        for code in codes
        for dim in catalog.breakdowns_of(code)
    ]
    return [c for c in out if c.has_data]


def composition_from(
    frame: pd.DataFrame,
    region_code: str,
    code: str,
    dimension: str,
    *,
    catalog: Catalog,
    lang: str = "zh",
) -> Composition:
    """The composition read from roll-up figures (rollup.figures columns) that hold the total's
    and the members' rows of `region_code`."""
    own = frame[frame["region_code"] == region_code].set_index("indicator_code")
    total_row = own.loc[code] if code in own.index else None
    total = _number(total_row["value"]) if total_row is not None else None
    rows = []
    for m in catalog.breakdowns_of(code).get(dimension, []):
        fig = figure_code(code, dimension, m.code)
        r = own.loc[fig] if fig in own.index else None
        value = _number(r["value"]) if r is not None else None
        share = value / total * 100 if value is not None and total else None
        comparable = bool(r["comparable"]) if r is not None else False
        rows.append(
            {
                "code": fig,
                "member": m.code,
                "name": m.name_en if lang == "en" else m.name_zh,
                "value": value,
                "approximate": bool(r["is_approximate"]) if r is not None else False,
                "share": share,
                "previous": _number(r["previous"]) if r is not None else None,
                "change": _number(r["change"]) if comparable else None,
                "change_unit": r["change_unit"] if r is not None else "%",
                "change_abs": _number(r["change_abs"]) if comparable else None,
                "comparable": comparable,
                "batch_ids": _ids(r["batch_ids"]) if r is not None else (),
            }
        )
    members = pd.DataFrame(rows, columns=MEMBER_COLUMNS)
    members["value"] = members["value"].astype(float)
    members["change_abs"] = members["change_abs"].astype(float)
    return Composition(
        code=code,
        dimension=dimension,
        dimension_name=catalog.dimension_name(dimension, lang),
        total=total,
        total_approximate=bool(total_row["is_approximate"]) if total_row is not None else False,
        total_batch_ids=_ids(total_row["batch_ids"]) if total_row is not None else (),
        members=members,
        missing=[r["name"] for r in rows if r["value"] is None],
    )


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(v) else v


def _ids(value: object) -> tuple[int, ...]:
    return tuple(int(x) for x in value) if isinstance(value, (tuple, list, np.ndarray)) else ()


def composition_table(comp: Composition, ind, lang: str, headers: dict[str, str]) -> pd.DataFrame:
    """The exact figures (never shortened) of every member, the share of the total and the change
    on last year, as the page and its download show them; `headers`: member, value, share,
    previous, change (the page's own words)."""
    from lawstats.domain.display import change_text, exact_text
    from lawstats.domain.formatting import format_number

    m = comp.members
    return pd.DataFrame(
        {
            headers["member"]: m["name"],
            headers["value"]: [
                exact_text(v, ind, lang, approximate=a)
                for v, a in zip(m["value"], m["approximate"], strict=True)
            ],
            headers["share"]: [
                "—" if s is None or pd.isna(s) else f"{format_number(s, 1)}%" for s in m["share"]
            ],
            headers["previous"]: [exact_text(v, ind, lang) for v in m["previous"]],
            headers["change"]: [
                change_text(c, u, lang) for c, u in zip(m["change"], m["change_unit"], strict=True)
            ],
        }
    )
