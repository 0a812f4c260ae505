"""What each column of a header is: a role word (地区, 代码, 时间, 指标, 数值, 单位, 序号...), a
period (a matrix's year columns), a 上年同期 / 同比 comparison, an indicator (in the unit a
单位： row names) or unmapped; and the region column when no header names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from etl.cells import INVALID, normalize_unit, parse_cell, unit_dimension, unit_multiplier
from etl.headers import (
    NO_MATCH,
    QUESTION,
    HeaderMatch,
    comparison_header,
    header_key,
    header_unit,
    match_header,
    match_member,
)
from etl.layout_model import Column, _filled, cell_text
from lawstats.domain.catalog import FIGURE_SEP, Catalog, split_figure
from lawstats.domain.periods import Period, PeriodError, parse_period
from lawstats.domain.text import normalize_name, normalize_text

REGION_KEYS = frozenset(
    "地区 地区名称 单位 单位名称 填报单位 报送单位 县区 区县 县市区 市县区 县区市 区县市 县市 县 区 区域 "
    "行政区划 行政区域 行政区 名称 地市 市州 市 省份 省区市 省 地方 辖区 司法局 县区司法局 单位名 "
    "地区单位 项目地区 地区项目 地名".split()
)
_REGION_HINTS = ("地区", "县区", "区县", "市县", "县市", "单位名称", "区域", "行政区")
CODE_KEYS = frozenset("地区代码 区划代码 行政区划代码 代码 地区编码 区划编码 code".split())
PERIOD_KEYS = frozenset(
    "时间 期间 时期 统计期间 统计时间 报告期 报告期间 年份 年度 月份 统计月份 日期 填报期间 报表期间 "
    "所属期 所属期间 期别 年月 统计年度 统计年份 季度 统计时段 时段 报告时段 所属时段 数据期间 "
    "报送期间 填报时段 period".split()
)
INDICATOR_KEYS = frozenset(
    "指标 指标名称 项目 统计项目 统计指标 指标项 项目名称 指标项目 indicator "
    # the label column of a breakdown's members down the rows (纠纷类型 | 受理纠纷(件))
    "类型 类别 分类 种类 纠纷类型 纠纷类别 纠纷种类 案件类型 案件类别 调解组织类型".split()
)
VALUE_KEYS = frozenset(
    "数值 值 数据 数量 本期数 填报值 本年累计 累计数 金额 指标值 统计值 value".split()
)
UNIT_KEYS = frozenset("计量单位 单位计量 unit".split())
IGNORE_KEYS = frozenset("序号 编号 序 排名 名次 排序 备注 说明 备考 填报人 联系人 联系电话".split())
_UNIT_ROW_RE = re.compile(
    r"(?<!填报)(?<!报送)(?<!制表)(?<!汇总)(?<!报表)(?:计量)?单位\s*[:：]\s*(.+)"
)
_YEARISH_RE = re.compile(r"(19|20)\d{2}")


@lru_cache(maxsize=65536)
def role_of(text: str) -> str | None:
    """The non-indicator role a header names (region, period, indicator_name, value, unit...), if any."""
    key = header_key(text)
    if not key:
        return None
    low = key.lower()
    if key in CODE_KEYS or low in CODE_KEYS:
        return "region_code"
    if key in REGION_KEYS:
        return "region"
    if key in PERIOD_KEYS or low in PERIOD_KEYS:
        return "period"
    if key in INDICATOR_KEYS or low in INDICATOR_KEYS:
        return "indicator_name"
    if key in VALUE_KEYS or low in VALUE_KEYS:
        return "value"
    if key in UNIT_KEYS or low in UNIT_KEYS:
        return "unit"
    if key in IGNORE_KEYS:
        return "ignored"
    if len(key) <= 8 and any(h in key for h in _REGION_HINTS):
        return "region"
    return None


def header_period(v: Any) -> Period | None:
    """A matrix header cell read as a period (2024年, 2024, 2024年1-6月), else None."""
    text = cell_text(v)
    if not text or len(text) > 20 or not _YEARISH_RE.search(text):
        return None
    try:
        return parse_period(text)
    except (PeriodError, ValueError):
        return None


def units_from_titles(lines: list[str]) -> tuple[str, ...]:
    """Units named in a unit row: '单位：件、人、%' -> ('件', '人', '%'); '填报单位：...' is not one."""
    found: list[str] = []
    for line in lines:
        for m in _UNIT_ROW_RE.finditer(normalize_text(line)):
            for piece in re.split(r"[、,，/;；\s]+", m.group(1)):
                unit = normalize_unit(piece)
                if unit and unit not in found:
                    found.append(unit)
    return tuple(found)


def unit_for(indicator_unit: str, units: tuple[str, ...]) -> str | None:
    """The one unit of a unit row that measures what the indicator measures (元 for 万元), if exactly one."""
    dim = unit_dimension(indicator_unit)
    fits = [u for u in units if unit_dimension(u) == dim]
    return fits[0] if len(fits) == 1 else None


def _assign_roles(
    paths: list[tuple[str, ...]],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    units: tuple[str, ...],
    context: tuple[str, ...] = (),
) -> list[Column]:
    """Each header column's role. An indicator column is one the grammar is certain of (or an
    analyst answered); a question column one it offers indicators for but cannot decide."""
    columns: list[Column] = []
    for j, path in enumerate(paths):
        if not path:
            columns.append(Column(j, path, "blank"))
            continue
        role = role_of(path[-1]) or (role_of(path[0]) if len(path) > 1 else None)
        if role is not None:
            columns.append(Column(j, path, role))
            continue
        if len(path) == 1 and (period := header_period(path[0])) is not None:
            columns.append(Column(j, path, "period_value", period=period))
            continue
        compared = _comparison(path, columns, catalog, extra, units, context)
        if compared is not None:
            columns.append(compared)
            continue
        match = _match(path, catalog, extra, units, context)
        listed_under = _qizhong(path[-1]) or (len(path) > 1 and _qizhong(path[0]))
        if match.indicator_code is None and listed_under:
            # "其中：民事" after its total, or 其中 merged over 民事 | 刑事 | 行政: read under the
            # total's column (for a merged 其中, the last column that is no member itself)
            previous = next(
                (
                    c
                    for c in reversed(columns)
                    if c.role == "indicator" and (_qizhong(path[-1]) or _member_of(c) is None)
                ),
                None,
            )
            if previous is not None:
                tail = path[-1] if _qizhong(path[-1]) else "".join(path)  # 其中：+ 民事
                under = _match((*previous.path, tail), catalog, extra, units, context)
                if under.indicator_code or under.is_question or not match.is_question:
                    match = under
        if columns and _member_of(columns[-1]) and _member_of_match(match) is None:
            listed = _list_member(path, columns, catalog, extra, units, context)
            if listed is not None:
                match = listed if match.indicator_code is None else _which(listed, match)
        columns.append(Column(j, path, column_role(match), match))
    # "单位" is the region column unless another column already is, or the indicators are row
    # labels (指标 | 单位 | 2022年 ...): then it is their unit.
    regionals = [c for c in columns if c.role == "region"]
    if any(c.role == "indicator_name" for c in columns):
        for c in regionals:
            if header_key(c.path[-1]) == "单位":
                c.role = "unit"
    elif len(regionals) > 1:
        for c in regionals:
            if header_key(c.path[-1]) == "单位":
                c.role = "unit"
                break
    return columns


def _qizhong(text: str) -> bool:
    """Does a header open a list of parts (其中…, 含…)?"""
    return normalize_name(text).startswith(("其中", "含"))


def _member_of(column: Column) -> tuple[str, str] | None:
    """(indicator, dimension) of a column read as a breakdown member's figure."""
    code = column.match.indicator_code if column.match is not None else None
    if not code or FIGURE_SEP not in code:
        return None
    base, dim, _m = split_figure(code)
    return base, dim


def _member_of_match(match: HeaderMatch) -> tuple[str, str] | None:
    code = match.indicator_code
    return split_figure(code)[:2] if code and FIGURE_SEP in code else None


def _which(listed: HeaderMatch, own: HeaderMatch) -> HeaderMatch:
    """A header of a "其中：" list that also names an indicator on its own (法律帮助): a question."""
    a, b = listed.indicator_code, own.indicator_code
    return replace(
        own,
        indicator_code=None,
        confidence=0.5,
        candidates=((a, 0.5), (b, 0.5)),
        status=QUESTION,
        reason_zh=f"{own.reason_zh}；但它在“其中”所列的分类项之后，也可能是{a}",
        reason_en=f"{own.reason_en}; but it follows the members of a “其中” list: it may be {a}",
    )


def _list_member(
    path: tuple[str, ...],
    columns: list[Column],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    units: tuple[str, ...],
    context: tuple[str, ...],
) -> HeaderMatch | None:
    """The next member of a "其中：民事 | 刑事 | 行政" list: read under the list's indicator column,
    and only when it is a member of the same indicator's same breakdown."""
    member = _member_of(columns[-1])  # the list's last member column
    whole = next(
        (c for c in reversed(columns) if c.role == "indicator" and _member_of(c) is None), None
    )
    if member is None or whole is None:
        return None
    unit = unit_for(catalog.get(member[0]).unit, units) if units else None
    under = match_member((*whole.path, path[-1]), catalog, default_unit=unit, context=context)
    if under.indicator_code and FIGURE_SEP in under.indicator_code:
        if split_figure(under.indicator_code)[:2] == member:
            return under
    return None


def column_role(match: HeaderMatch) -> str:
    """indicator (certain or answered), question (the analyst decides) or unmapped."""
    if match.indicator_code:
        return "indicator"
    return "question" if match.is_question else "unmapped"


def _comparison(
    path: tuple[str, ...],
    columns: list[Column],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    units: tuple[str, ...],
    context: tuple[str, ...] = (),
) -> Column | None:
    """A 上年同期 / 同比 column (调解纠纷 › 上年同期, 上年同期调解案件数, or a bare 同比(%) beside
    its indicator's column): the indicator it compares, from what is left of its header, else
    from the column on its left. None when the header compares nothing."""
    for k, part in enumerate(path):
        found = comparison_header(part)
        if found is None:
            continue
        own_unit = header_unit([part])  # 去年同期（万元）
        rest = (*path[:k], *((found.rest,) if found.rest else ()), *path[k + 1 :])
        match = NO_MATCH
        # a change in % or points is in its own unit, never the indicator's: 同比（%）› 调解纠纷
        in_units = own_unit if found.mode not in ("pct", "pp") else None
        if rest:
            match = _match(
                (*rest, f"（{in_units}）") if in_units else rest, catalog, extra, units, context
            )
        if match.indicator_code is None and not found.rest:
            left = next(
                (c for c in reversed(columns) if c.role in ("indicator", "comparison")), None
            )
            if left is not None and left.match is not None and left.match.indicator_code:
                match = left.match
                if own_unit is not None:
                    target = catalog.get(match.indicator_code).unit
                    factor = unit_multiplier(own_unit, target)
                    match = replace(
                        match, unit=own_unit, multiplier=factor or 1.0, unit_ok=factor is not None
                    )
        if match.indicator_code is None:
            return Column(len(columns), path, "unmapped", match)  # compares an unknown indicator
        return Column(len(columns), path, "comparison", match, comparison=found)
    return None


def _match(
    path: tuple[str, ...],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    units: tuple[str, ...],
    context: tuple[str, ...] = (),
) -> HeaderMatch:
    match = match_header(list(path), catalog, extra_spellings=extra, context=context)
    if match.indicator_code and match.unit is None and units:
        default = unit_for(catalog.get(match.indicator_code).unit, units)
        if default:
            match = match_header(
                list(path), catalog, extra_spellings=extra, default_unit=default, context=context
            )
            match = replace(match, unit=default)
    return match


def _fallback_region_col(rows: list[list[Any]], columns: list[Column], start: int) -> int | None:
    """No 地区 header: the leftmost unlabelled column holding text in most of the first rows."""
    first_indicator = min((c.index for c in columns if c.role == "indicator"), default=len(columns))
    for c in columns:
        if c.index >= first_indicator or c.role not in ("blank", "unmapped"):
            continue
        sample = [
            rows[r][c.index]
            for r in range(start, min(len(rows), start + 20))
            if c.index < len(rows[r])
        ]
        sample = [v for v in sample if _filled(v)]
        if sample and sum(
            1 for v in sample if type(v) is str and parse_cell(v).status == INVALID
        ) >= 0.6 * len(sample):
            return c.index
    return None
