"""Map a column header (or a merged header path) to an indicator code of the catalog, with its
unit, through the header grammar (etl.grammar): certain, a question, or unmapped, with a reason."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from etl.cells import unit_multiplier
from etl.grammar import (
    CERTAIN,
    QUESTION,
    UNMAPPED,
    Reading,
    clean_path,
    header_key,
    header_unit,
    lexicon,
)
from etl.grammar_members import read_member_header, read_with_members
from lawstats.domain.catalog import Catalog
from lawstats.domain.text import normalize_name

ANSWERED = "answered"  # an analyst's answer to a question (this upload's or remembered)

# A leaf that only says "how many of the parent": 调解组织 › 个数 is the number of organisations.
GENERIC_LEAVES = frozenset(
    "件数 个数 人数 数量 总数 总量 数目 数 合计 小计 总计 计 总 累计 累计数 本期 本期数 本年累计 "
    "人次 次数 件 个 人".split()
)
MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class HeaderMatch:
    indicator_code: str | None
    confidence: float  # 1.0 certain or answered, 0.5 a question, 0.0 unmapped
    unit: str | None  # the header's own unit, e.g. 万件; None if it states none
    multiplier: float = 1.0  # header unit -> catalog unit
    candidates: tuple[tuple[str, float], ...] = field(default=())
    unit_ok: bool = True  # False when the header's unit cannot be converted to the indicator's
    status: str = UNMAPPED  # certain | question | unmapped | answered
    reason_zh: str = ""
    reason_en: str = ""

    @property
    def options(self) -> tuple[str, ...]:
        """The indicators a question offers, best first."""
        return tuple(code for code, _c in self.candidates)

    @property
    def is_question(self) -> bool:
        return self.status == QUESTION


NO_MATCH = HeaderMatch(None, 0.0, None)

__all__ = [
    "ANSWERED",
    "CERTAIN",
    "NO_MATCH",
    "QUESTION",
    "UNMAPPED",
    "HeaderMatch",
    "answer_key",
    "answered",
    "comparison_header",
    "header_key",
    "header_unit",
    "match_header",
]


def answer_key(path: Sequence[str] | str) -> str:
    """The key an analyst's answer for a header is kept under: the header path reduced as the
    grammar reads it ("调解纠纷 › 件数" -> "调解纠纷", "化解矛盾数（件）" -> "化解矛盾数")."""
    if isinstance(path, str):
        path = [p for p in path.split(" › ") if p]
    from lawstats.domain.catalog import load_catalog

    return "".join(clean_path(lexicon(load_catalog()), [p for p in path if p]))


def match_header(
    path: Sequence[str] | str,
    catalog: Catalog,
    *,
    extra_spellings: Mapping[str, str] | None = None,
    default_unit: str | None = None,
    context: Sequence[str] = (),
) -> HeaderMatch:
    """The indicator a header (or a merged header path, top first) stands for.

    `extra_spellings` maps answer keys (see answer_key) to indicator codes ('' for "not an
    indicator"): analysts' answers, used only where the grammar is not certain. `default_unit`
    is the unit to assume when the header states none (from a "单位：万元" row); `context` the
    table's title lines and sheet name.
    """
    parts = [path] if isinstance(path, str) else [p for p in path if p]
    reading = read_with_members(parts, catalog, context=context, default_unit=default_unit)
    own_unit = header_unit(parts)
    if reading.status != CERTAIN and extra_spellings:
        key = "".join(clean_path(lexicon(catalog), parts))
        if key in extra_spellings:
            return answered(catalog, extra_spellings[key], own_unit or default_unit, own_unit)
    return _from_reading(reading, own_unit)


def match_member(
    path: Sequence[str],
    catalog: Catalog,
    *,
    default_unit: str | None = None,
    context: Sequence[str] = (),
) -> HeaderMatch:
    """The breakdown member's figure a header path names, read as a member first (the next
    entry of a "其中：民事 | 刑事" list under its indicator's header), or NO_MATCH."""
    parts = [p for p in path if p]
    reading = read_member_header(parts, catalog, context=context, default_unit=default_unit)
    return NO_MATCH if reading is None else _from_reading(reading, header_unit(parts))


def _from_reading(reading: Reading, own_unit: str | None) -> HeaderMatch:
    if reading.status == CERTAIN:
        return HeaderMatch(
            reading.code,
            1.0,
            own_unit,
            reading.multiplier,
            ((reading.code, 1.0),),
            True,
            CERTAIN,
            reading.reason_zh,
            reading.reason_en,
        )
    conf = 0.5 if reading.status == QUESTION else 0.0
    return HeaderMatch(
        None,
        conf,
        own_unit,
        1.0,
        tuple((code, conf) for code in reading.options),
        True,
        reading.status,
        reading.reason_zh,
        reading.reason_en,
    )


def answered(
    catalog: Catalog, code: str | None, unit: str | None, own_unit: str | None
) -> HeaderMatch:
    """An analyst's answer as a match: the indicator in its unit, or "not an indicator"; an
    answer whose unit cannot be converted is refused like the grammar's own matches."""
    if not code or code not in catalog:
        return HeaderMatch(
            None,
            1.0,
            own_unit,
            status=ANSWERED,
            reason_zh="统计员答复：不是指标",
            reason_en="answered: not an indicator",
        )
    ind = catalog.get(code)
    factor = 1.0 if unit is None else unit_multiplier(unit, ind.unit)
    if factor is None:
        return HeaderMatch(
            None,
            0.0,
            own_unit,
            status=UNMAPPED,
            reason_zh=f"统计员答复的{ind.name_zh}单位是“{ind.unit}”，与表头单位“{unit}”不能换算",
            reason_en=f"the answer {ind.code} is in “{ind.unit}”, the header in “{unit}”: not convertible",
        )
    return HeaderMatch(
        code,
        1.0,
        own_unit,
        factor,
        ((code, 1.0),),
        True,
        ANSWERED,
        f"统计员答复：{ind.name_zh}",
        f"answered by an analyst: {ind.code}",
    )


# --- comparison columns: last year's figure and the change against it -----------------------

# 同比 / 比上年 / 增减 ... make a column the change against last year; 上年同期 / 去年 ... last
# year's figure. Neither is a figure of this period. The change words are looked for first:
# 比上年增减 is a change, not last year's figure.
_CHANGE_RE = re.compile(
    r"同比|[比较](?:上年|去年)(?:同期)?|增减|增长率|增长幅度|增幅|增长|下降|减少"
)
_PREVIOUS_RE = re.compile(r"(?:上年度|上年|去年)(?:同期)?")
_QUALIFIER_RE = re.compile(r"[%％]|个?百分点|百分比|幅度|同期|情况|变化|变动")
_POINTS_RE = re.compile(r"百分点")
_PERCENT_RE = re.compile(r"[%％率幅]|百分比")
_AMOUNT_RE = re.compile(r"(?:增减|增长|下降|减少)(?:数|量|额|件数|人数|个数)")

PREVIOUS = "previous"  # last year's figure for the same period
CHANGE = "change"  # the change against it


@dataclass(frozen=True)
class Comparison:
    kind: str  # previous | change
    mode: str | None  # change only: pct | abs | pp, or None when the header does not say
    rest: str  # the header without the comparison words ('' when nothing is left)
    sign: int = 1  # -1 for a 下降/减少 column: a fall written as a positive figure


def comparison_header(text: str) -> Comparison | None:
    """Whether a header names a comparison with last year (上年同期, 同比(%), 同比增减（件）,
    上年同期调解案件数...), and what is left of it (the indicator it belongs to, if named)."""
    key = header_key(text)
    change = _CHANGE_RE.search(key)
    previous = None if change else _PREVIOUS_RE.search(key)
    if change is None and previous is None:
        return None
    rest = _PREVIOUS_RE.sub("", _CHANGE_RE.sub("", key))
    rest = _QUALIFIER_RE.sub("", rest)
    if rest in GENERIC_LEAVES:
        rest = ""
    if previous is not None:
        return Comparison(PREVIOUS, None, rest)
    unit = header_unit([text])
    raw = normalize_name(text)
    if _POINTS_RE.search(raw):
        mode: str | None = "pp"
    elif unit == "%" or _PERCENT_RE.search(raw):
        mode = "pct"
    elif unit is not None or _AMOUNT_RE.search(key):
        mode = "abs"
    else:
        mode = None
    sign = -1 if ("下降" in key or "减少" in key) and "增" not in key else 1
    return Comparison(CHANGE, mode, rest, sign)
