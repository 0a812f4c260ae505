"""The target model: kinds and statuses, Target and its companions, and validation.

A target is one region x indicator x year with a kind (see the package docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from lawstats import store
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import MAX_YEAR, MIN_YEAR
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.i18n import t

KINDS = ("at_least", "at_most", "growth", "per_unit", "rate_floor")
STATUSES = ("done", "on_track", "behind", "missed", "no_data")
STATUS_ZH = {
    "done": "已完成",
    "on_track": "进度正常",
    "behind": "滞后",
    "missed": "未完成",
    "no_data": "无数据",
}
STATUS_EN = {
    "done": "done",
    "on_track": "on track",
    "behind": "behind",
    "missed": "missed",
    "no_data": "no data",
}
LAGGING = ("behind", "missed")
# Targets of a year lock once its first quarter has closed: from 1 April on.
LOCK_AFTER_MONTH = 3
MIN_REASON = 2

PROGRESS_COLUMNS = [
    "region_code",
    "region_name",
    "indicator_code",
    "indicator_name",
    "unit",
    "target_kind",
    "target_value",
    "per_code",
    "year",
    "through",
    "months",
    "actual",
    "previous",
    "growth",
    "completion",
    "expected",
    "due",
    "gap_pp",
    "shortfall",
    "units_total",
    "units_passing",
    "failing_units",
    "complete",
    "status",
    "status_zh",
    "settled",
    "settled_actual",
    "current_actual",
    "revised",
    "approximate",
]


class TargetError(store.StoreError):
    """A target operation was refused (message in Chinese and English)."""


@dataclass(frozen=True)
class Target:
    """One target: region x indicator x year, its kind and value (see the module docstring)."""

    region_code: str
    indicator_code: str
    year: int
    kind: str
    value: float
    per_code: str | None = None
    note: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.region_code, self.indicator_code, self.year)


@dataclass
class Problem:
    """One problem in an imported target file, located to the cell."""

    address: str
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        where = f"{self.address} " if self.address else ""
        return where + (self.message_en if lang == "en" else self.message_zh)


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass(frozen=True)
class LockState:
    """Whether a region's targets for a year may change, and why."""

    locked: bool
    # open (before Q1 closes) | locked (Q1 closed) | reopened (admin) | settled
    state: str
    reopened_by: str | None = None
    reopened_at: Any = None
    reason: str | None = None
    reopening_region: str | None = None


def kind_label(kind: str, lang: str = "zh") -> str:
    return t(f"tg_kind_{kind}", lang)


def _err(zh: str, en: str) -> TargetError:
    return TargetError(zh, en)


def validate(
    target: Target, *, catalog: Catalog | None = None, regions: RegionTable | None = None
) -> Target:
    """The target checked and normalised (at_least on a ratio becomes rate_floor); raises TargetError."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    if target.region_code not in regions:
        raise _err(
            f"未知地区代码 {target.region_code}", f"unknown region code {target.region_code}"
        )
    if target.indicator_code not in catalog:
        raise _err(
            f"未知指标 {target.indicator_code}", f"unknown indicator {target.indicator_code}"
        )
    if not MIN_YEAR <= int(target.year) <= MAX_YEAR:
        raise _err(f"年度 {target.year} 超出范围", f"year {target.year} is out of range")
    if target.kind not in KINDS:
        raise _err(
            f"未知目标类型 {target.kind}（可选：{'、'.join(KINDS)}）",
            f"unknown target kind {target.kind} (one of {', '.join(KINDS)})",
        )
    value = float(target.value)
    if not math.isfinite(value):
        raise _err("目标值不是有效数字", "the target value is not a number")
    ind = catalog.get(target.indicator_code)
    kind = target.kind
    if kind == "at_least" and ind.is_ratio:
        kind = "rate_floor"
    if kind == "rate_floor" and not ind.is_ratio:
        raise _err(
            f"“{ind.name_zh}”不是比率指标，不能设比率下限；请用“不少于”",
            f"{ind.name_en} is not a rate; use at_least instead of rate_floor",
        )
    if kind != "growth" and value < 0:
        raise _err("目标值不能为负数", "a target value may not be negative")
    if ind.is_ratio and kind in ("rate_floor", "at_most", "per_unit") and value > 100:
        raise _err("比率目标不能超过 100%", "a rate target cannot exceed 100%")
    per = target.per_code or None
    if per is not None:
        if kind != "per_unit":
            raise _err("只有“每单位不低于”目标可以设口径", "only per_unit targets take a per code")
        if per not in catalog or catalog.get(per).kind != "stock":
            raise _err(
                f"口径 {per} 须为存量指标（如 office_count 司法所数）",
                f"per code {per} must be a stock indicator (such as office_count)",
            )
        if ind.is_ratio:
            raise _err("比率指标不能再按单位折算", "a rate cannot be divided per unit")
    return replace(
        target,
        region_code=str(target.region_code),
        year=int(target.year),
        kind=kind,
        value=value,
        per_code=per,
        note=(target.note or "").strip()[:500],
    )


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f
