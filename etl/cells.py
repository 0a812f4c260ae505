"""Cell values as counties type them ("13,287", "98.6%", "２.１万", "4000余", "—") and units in headers."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

OK = "ok"
NOT_REPORTED = "not_reported"
INVALID = "invalid"
ERROR = "error"
WITHDRAW = "withdraw"  # a cell marked 撤回: withdraw the stored figure (needs a confirmation)


@dataclass(frozen=True, slots=True)
class CellValue:
    value: float | None
    is_approximate: bool
    status: str  # ok | not_reported | invalid | error | withdraw
    percent: bool
    raw: Any


# Texts meaning "nothing reported here" (never zero). Compared after NFKC and stripping.
NOT_REPORTED_TEXTS = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        "----",
        "—",
        "——",
        "–",
        "―",
        "─",
        "/",
        "\\",
        "无",
        "暂无",
        "空",
        "未填",
        "未填报",
        "未报",
        "不详",
        "不适用",
        "未统计",
        "暂未统计",
        "未统计到",
        "无数据",
        "暂无数据",
        "…",
        "...",
        "……",
    }
)

# The explicit mark that withdraws a stored figure: a blank or a not-reported mark never does.
WITHDRAW_TEXTS = frozenset(
    {"撤回", "#撤回", "【撤回】", "[撤回]", "撤回数据", "withdraw", "WITHDRAW"}
)

EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)

_MAGNITUDE = {
    "万": Decimal(10000),
    "亿": Decimal(100000000),
    "千": Decimal(1000),
    "百": Decimal(100),
}

_NUMBER_RE = re.compile(
    r"""^
    (?P<pre>近|约|大约|将近|逾|超过|超)?
    (?P<sign>[-+])?
    (?P<paren>\()?
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)
    (?P<close>\))?
    (?P<mag>万|亿|千|百)?
    (?P<post>余|多|左右|以上|\+)?
    (?:件|人次|人|个|名|次|起|所|家|平方米|㎡)?
    (?P<post2>左右|以上)?
    (?P<pct>%)?
    $""",
    re.VERBOSE,
)

_SPACES = re.compile(r"\s+")

_NOT_REPORTED_VALUE = CellValue(None, False, NOT_REPORTED, False, None)


def parse_cell(raw: Any) -> CellValue:
    """Read one raw cell (number, text, None...) as a figure; never raises, never turns blank into zero."""
    t = type(raw)
    if t is float:
        if raw != raw:  # NaN
            return CellValue(None, False, NOT_REPORTED, False, raw)
        if math.isinf(raw):
            return CellValue(None, False, INVALID, False, raw)
        return CellValue(raw, False, OK, False, raw)
    if t is int:
        return CellValue(float(raw), False, OK, False, raw)
    if t is str:
        cv = _parse_text(raw)
        if cv.raw is raw:
            return cv
        # the cache hands back the first equal text seen; `raw` is always the caller's own object
        return CellValue(cv.value, cv.is_approximate, cv.status, cv.percent, raw)
    if raw is None:
        return _NOT_REPORTED_VALUE
    if isinstance(raw, bool) or isinstance(raw, date | datetime | time | timedelta):
        return CellValue(None, False, INVALID, False, raw)
    if isinstance(raw, int | float):  # numpy scalars and other number types
        return parse_cell(float(raw))
    if isinstance(raw, Decimal):
        return parse_cell(float(raw))
    return _parse_text(str(raw))


@lru_cache(maxsize=65536)
def _parse_text(raw: str) -> CellValue:
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in NOT_REPORTED_TEXTS:
        return CellValue(None, False, NOT_REPORTED, False, raw)
    if text in WITHDRAW_TEXTS:
        return CellValue(None, False, WITHDRAW, False, raw)
    upper = text.upper()
    if upper in EXCEL_ERRORS:
        return CellValue(None, False, ERROR, False, raw)
    text = _SPACES.sub("", text)
    m = _NUMBER_RE.match(text)
    if m is None:
        return CellValue(None, False, INVALID, False, raw)
    paren = m["paren"] is not None
    if paren != (m["close"] is not None) or (paren and m["sign"]):
        return CellValue(None, False, INVALID, False, raw)
    try:
        number = Decimal(m["num"].replace(",", ""))
        if m["mag"]:
            number *= _MAGNITUDE[m["mag"]]
        value = float(number)
    except ArithmeticError:  # absurd exponents ("9e999999万") overflow the decimal context
        return CellValue(None, False, INVALID, False, raw)
    if m["sign"] == "-" or paren:
        value = -value
    if math.isinf(value):
        return CellValue(None, False, INVALID, False, raw)
    approximate = bool(m["pre"] or m["post"] or m["post2"])
    return CellValue(value, approximate, OK, m["pct"] is not None, raw)


# --- units ----------------------------------------------------------------------------------

# unit -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "个": ("个", 1),
    "万个": ("个", 1e4),
    "所": ("个", 1),
    "家": ("个", 1),
    "处": ("个", 1),
    "件": ("件", 1),
    "宗": ("件", 1),  # Guangdong usage for 件 (深圳坪山 2022: 法律援助案件1428宗)
    "千件": ("件", 1e3),
    "万件": ("件", 1e4),
    "万宗": ("件", 1e4),
    "人": ("人", 1),
    "名": ("人", 1),
    "位": ("人", 1),
    "千人": ("人", 1e3),
    "万人": ("人", 1e4),
    "万名": ("人", 1e4),
    "人次": ("人次", 1),
    "万人次": ("人次", 1e4),
    "次": ("次", 1),
    "场": ("次", 1),
    "场次": ("次", 1),
    "万次": ("次", 1e4),
    "起": ("起", 1),
    "元": ("元", 1),
    "千元": ("元", 1e3),
    "万元": ("元", 1e4),
    "亿元": ("元", 1e8),
    "平方米": ("平方米", 1),
    "平米": ("平方米", 1),
    "㎡": ("平方米", 1),
    "m²": ("平方米", 1),
    "m2": ("平方米", 1),
    "万平方米": ("平方米", 1e4),
    "亩": ("平方米", 10000 / 15),  # 1 亩 = 10000/15 m² exactly (666.67)
    "%": ("%", 1),
    "‰": ("%", 0.1),
}

# Units whose figures must be whole numbers.
COUNT_UNITS = frozenset({"个", "件", "人", "人次", "次", "起"})

_UNIT_GROUP_RE = re.compile(r"^(?P<name>.*?)\s*[(（](?P<unit>[^()（）]*)[)）]\s*$", re.DOTALL)


def normalize_unit(text: str | None) -> str | None:
    """A known unit spelled canonically ('（万元）' -> '万元', 'M2' -> 'm2'), or None."""
    if not text:
        return None
    t = unicodedata.normalize("NFKC", text).strip().strip("()（）").strip()
    t = re.sub(r"^(计量)?单位[:：]?", "", t).strip()
    t = t.replace("m^2", "m2").replace("M2", "m2").replace("M²", "m²")
    # NFKC has already turned ㎡ and m² into m2, ％ into %
    return t if t in UNITS else None


def parse_header_unit(text: str) -> tuple[str, str | None]:
    """Split '调解纠纷（件）' into ('调解纠纷', '件'); the unit is the last bracketed group, if it is a unit."""
    if not text:
        return text, None
    m = _UNIT_GROUP_RE.match(text.strip())
    if m is None:
        return text.strip(), None
    unit = normalize_unit(m["unit"])
    if unit is None:
        return text.strip(), None
    return m["name"].strip(), unit


def unit_multiplier(from_unit: str | None, to_unit: str | None) -> float | None:
    """Factor turning a figure in from_unit into to_unit (元 -> 万元: 0.0001); None when they are not comparable."""
    a = UNITS.get(normalize_unit(from_unit) or "")
    b = UNITS.get(normalize_unit(to_unit) or "")
    if a is None or b is None or a[0] != b[0]:
        return None
    return a[1] / b[1]


def unit_dimension(unit: str | None) -> str | None:
    """What a unit measures ('万件' -> '件', '万元' -> '元'), or None for an unknown unit."""
    found = UNITS.get(normalize_unit(unit) or "")
    return found[0] if found else None
