"""Reading targets from a table of cells (a target file's sheet or CSV rows), every problem
located to its cell; target expressions such as '≥14000', '增长>0', '每所≥5'.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from lawstats.analysis.targets.model import Problem, Target, TargetError, validate
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.domain.text import normalize_name

_HEADER_KEYS: dict[str, tuple[str, ...]] = {
    "region": ("地区", "区域", "单位", "地区名称", "单位名称", "县区", "region", "regioncode"),
    "indicator": ("指标", "指标名称", "指标代码", "考核指标", "indicator", "indicatorcode"),
    "year": ("年度", "年份", "年", "year"),
    "kind": ("类型", "目标类型", "kind", "targetkind"),
    "value": ("目标值", "目标", "目标任务", "任务数", "target", "value", "targetvalue"),
    "per": ("口径", "单位口径", "每", "per", "percode"),
    "note": ("备注", "说明", "note"),
}


_KIND_WORDS: dict[str, str] = {
    "at_least": "at_least",
    "不少于": "at_least",
    "不低于": "at_least",
    "至少": "at_least",
    "≥": "at_least",
    ">=": "at_least",
    "at_most": "at_most",
    "不超过": "at_most",
    "不高于": "at_most",
    "至多": "at_most",
    "最多": "at_most",
    "≤": "at_most",
    "<=": "at_most",
    "growth": "growth",
    "增长": "growth",
    "同比增长": "growth",
    "比上年增长": "growth",
    "per_unit": "per_unit",
    "每单位不低于": "per_unit",
    "每单位": "per_unit",
    "各地不少于": "per_unit",
    "rate_floor": "rate_floor",
    "比率不低于": "rate_floor",
    "比率下限": "rate_floor",
}


_NUM_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_EXPR_RE = re.compile(
    r"^(?P<growth>同比|比上年)?(?P<gword>增长|有所增长|新增长|有新增长)?"
    r"(?P<each>每个?|各|每一?)?[^\d<>=≥≤＞＜]*?"
    r"(?P<op>≥|>=|≤|<=|>|<|=|不少于|不低于|不超过|不高于|至少|最多)?"
    r"(?P<num>[-+]?[\d.]+)(?P<wan>万)?(?P<pct>%)?.*$"
)


def _clean_cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return unicodedata.normalize("NFKC", str(v)).strip()


def parse_number(text: str) -> float | None:
    """'14,000' -> 14000, '1.4万' -> 14000, '95%' -> 95; None if not a number."""
    s = _clean_cell(text).replace(",", "").replace(" ", "")
    if not s:
        return None
    mult = 1.0
    if s.endswith("%"):
        s = s[:-1]
    if s.endswith("万"):
        s, mult = s[:-1], 10_000.0
    if not _NUM_RE.match(s):
        return None
    return float(s) * mult


def parse_expression(text: str) -> tuple[str | None, float | None]:
    """A target written as text: '≥14000', '≤0', '增长>0', '增长≥5%', '每所≥5', '=100%' -> (kind, value).

    kind is None when only a number is given (the kind column decides); rate_floor is told apart
    from at_least later, by the indicator.
    """
    s = _clean_cell(text).replace(",", "").replace(" ", "")
    if not s:
        return None, None
    plain = parse_number(s)
    if plain is not None:
        return None, plain
    if s in ("有所增长", "增长", "有新增长", "新增长", "同比增长"):
        return "growth", 0.0
    m = _EXPR_RE.match(s)
    if m is None or m["num"] is None:
        return None, None
    value = parse_number(m["num"] + (m["wan"] or "") + (m["pct"] or ""))
    if value is None:
        return None, None
    op = m["op"] or ""
    if m["growth"] or m["gword"]:
        return "growth", value
    if m["each"]:
        return "per_unit", value
    if op in ("≤", "<=", "<", "不超过", "不高于", "最多"):
        return "at_most", value
    if op in ("≥", ">=", ">", "=", "不少于", "不低于", "至少"):
        return "at_least", value
    return None, value


def _resolve_indicator(text: str, catalog: Catalog) -> str | None:
    raw = _clean_cell(text)
    if raw in catalog:
        return raw
    key = normalize_name(raw)
    for ind in catalog:
        names = (ind.name_zh, ind.name_en, *ind.header_spellings)
        if any(normalize_name(n) == key for n in names):
            return ind.code
    return None


def _resolve_region(text: str, regions: RegionTable, context: str | None) -> tuple[str | None, str]:
    raw = _clean_cell(text)
    if raw in regions:
        return raw, ""
    res = regions.resolve(raw, context=context)
    if res.ok and res.code:
        return res.code, ""
    return None, f"{res.message_zh} / {res.message_en}"


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    keys = {name: {normalize_name(k) for k in ks} for name, ks in _HEADER_KEYS.items()}
    for r, row in enumerate(rows[:20]):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = normalize_name(_clean_cell(cell)).lower()
            key = re.sub(r"[（(].*?[)）]", "", key)
            for name, ks in keys.items():
                if name not in found and key in {k.lower() for k in ks}:
                    found[name] = c
        if {"region", "indicator", "value"} <= found.keys():
            return r, found
    return None


def _cell_address(sheet: str, r: int, c: int) -> str:
    col, n = "", c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        col = chr(65 + rem) + col
    return f"{sheet}!{col}{r + 1}" if sheet else f"{col}{r + 1}"


def _parse_row(
    row: list[Any],
    r: int,
    cols: dict[str, int],
    sheet: str,
    default_year: int | None,
    context: str | None,
    catalog: Catalog,
    regions: RegionTable,
) -> Target | Problem:
    """One data row: a validated Target, or the Problem located to the cell at fault."""
    from lawstats.domain.periods import PeriodError, parse_period

    def cell(name: str) -> str:
        c = cols.get(name)
        return _clean_cell(row[c]) if c is not None and c < len(row) else ""

    def bad(name: str, zh: str, en: str) -> Problem:
        return Problem(_cell_address(sheet, r, cols.get(name, 0)), zh, en)

    code, why = _resolve_region(cell("region"), regions, context)
    if code is None:
        return bad("region", f"地区无法识别：{why}", f"unknown region: {why}")
    ind = _resolve_indicator(cell("indicator"), catalog)
    if ind is None:
        text = cell("indicator")
        return bad("indicator", f"未知指标“{text}”", f"unknown indicator {text!r}")
    year = default_year
    if cell("year"):
        try:
            year = parse_period(cell("year")).start.year
        except PeriodError:
            return bad("year", f"年度无法识别“{cell('year')}”", f"bad year {cell('year')!r}")
    if year is None:
        return bad("year", "缺少年度", "no year given")
    kind_from_expr, value = parse_expression(cell("value"))
    if value is None:
        text = cell("value")
        return bad("value", f"目标值无法识别“{text}”", f"cannot read the target value {text!r}")
    kind = None
    if cell("kind"):
        kind = _KIND_WORDS.get(cell("kind")) or _KIND_WORDS.get(cell("kind").lower())
        if kind is None:
            return bad(
                "kind",
                f"未知目标类型“{cell('kind')}”（不少于、不超过、增长、每单位不低于、比率不低于）",
                f"unknown kind {cell('kind')!r} (at_least, at_most, growth, per_unit, rate_floor)",
            )
    per = None
    if cell("per"):
        per = _resolve_indicator(cell("per"), catalog)
        if per is None:
            return bad(
                "per", f"未知口径指标“{cell('per')}”", f"unknown per indicator {cell('per')!r}"
            )
    target = Target(
        code, ind, int(year), kind or kind_from_expr or "at_least", value, per, cell("note")
    )
    try:
        return validate(target, catalog=catalog, regions=regions)
    except TargetError as exc:
        return bad("value", exc.message_zh, exc.message_en)


def parse_rows(
    rows: list[list[Any]],
    *,
    sheet: str = "",
    default_year: int | None = None,
    context: str | None = None,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> tuple[list[Target], list[Problem]]:
    """Targets from a table of cells (header row: 地区, 指标, 年度, 类型, 目标值, 口径, 备注).

    The value column may hold an expression (≥14000, ≤0, 增长>0, 增长≥5%, 每所≥5, =100%) that
    gives the kind when there is no 类型 column. Every problem is located to its cell.
    """
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    found = _find_header(rows)
    if found is None:
        return [], [
            Problem(
                sheet,
                "找不到表头：需要“地区”“指标”“目标值”列（可选“年度”“类型”“口径”“备注”）",
                "no header row: need columns region, indicator and target value "
                "(optional: year, kind, per, note)",
            )
        ]
    head, cols = found
    out: list[Target] = []
    problems: list[Problem] = []
    seen: set[tuple[str, str, int]] = set()
    for r in range(head + 1, len(rows)):
        if not any(_clean_cell(v) for v in rows[r]):
            continue
        got = _parse_row(rows[r], r, cols, sheet, default_year, context, catalog, regions)
        if isinstance(got, Problem):
            problems.append(got)
        elif got.key in seen:
            where = _cell_address(sheet, r, cols["region"])
            problems.append(
                Problem(
                    where, "同一地区、指标和年度的目标出现了两次", "the same target appears twice"
                )
            )
        else:
            seen.add(got.key)
            out.append(got)
    if not out and not problems:
        problems.append(Problem(sheet, "表中没有目标", "the table holds no targets"))
    return out, problems
