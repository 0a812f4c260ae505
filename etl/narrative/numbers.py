"""Figures as reports write them: 13287件, 1.8万余条, 4000余件, 2800多个, 近百个, 两批次, 98.6%."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Measure words that may follow a figure, longest first so 人次 wins over 人 and 万元 over 万.
UNIT_WORDS = (
    "万平方米",
    "平方米",
    "万人次",
    "人次",
    "万元",
    "亿元",
    "千元",
    "元",
    "批次",
    "场次",
    "m2",
    "人",
    "名",
    "位",
    "个",
    "件",
    "宗",
    "起",
    "次",
    "场",
    "所",
    "家",
    "处",
    "条",
    "户",
    "项",
    "批",
    "篇",
    "支",
    "座",
    "台",
    "辆",
    "套",
    "份",
    "册",
    "期",
    "%",
)
# A figure directly followed by one of these is a date, an ordinal or a label, never a count.
_NOT_AFTER = ("年", "月", "日", "号", "周年", "届", "级", "季度", "岁", "时", "分", "点")

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_MAGNITUDE = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}

_PRE = r"(?P<pre>将近|接近|大约|超过|近|约|逾|超)?"
_ARABIC = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CN = r"(?P<cn>[零〇一二两三四五六七八九十百千万亿]+)"
_POST1 = r"(?P<post1>余|多)?"
_MAG = r"(?P<mag>万|亿|千)?"
_POST2 = r"(?P<post2>余|多)?"
_UNIT = "(?P<unit>" + "|".join(re.escape(u) for u in UNIT_WORDS) + ")"
_POST3 = r"(?P<post3>以上|左右|多)?"
FIGURE_RE = re.compile(rf"{_PRE}(?:{_ARABIC}{_POST1}{_MAG}|{_CN}){_POST2}{_UNIT}{_POST3}")


@dataclass(frozen=True)
class Figure:
    """One figure found in text: where it is, its value in the stated unit, and how it was written."""

    start: int
    end: int
    raw: str
    value: float
    unit: str  # the measure word as written ('名', '万元', '%'); 万 folded into the value
    is_approximate: bool

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def parse_chinese_number(text: str) -> int | None:
    """一千二百三十四 -> 1234, 两万 -> 20000, 十五 -> 15, 一千零五 -> 1005; None if not a number."""
    if not text:
        return None
    result = 0  # completed 亿 sections
    section = 0  # below 亿
    digit: int | None = None
    for ch in text:
        if ch in ("零", "〇"):
            digit = None
        elif ch in _CN_DIGIT:
            if digit is not None:  # 一二 is a list, not a number
                return None
            digit = _CN_DIGIT[ch]
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        elif ch == "万":
            section = ((section + (digit or 0)) or 1) * 10_000
            digit = None
        elif ch == "亿":
            result = (result + ((section + (digit or 0)) or 1)) * 100_000_000
            section = 0
            digit = None
        else:
            return None
    return result + section + (digit or 0)


def parse_figure(text: str) -> Figure | None:
    """Parse exactly one figure ('2.1万余人', '近百个', '98.6%'); None if text is not one."""
    m = FIGURE_RE.fullmatch(text)
    return _figure(m) if m else None


def _figure(m: re.Match[str]) -> Figure | None:
    if m["num"] is not None:
        try:
            number = Decimal(m["num"].replace(",", ""))
        except InvalidOperation:
            return None
        if m["mag"]:
            number *= _MAGNITUDE[m["mag"]]
    else:
        cn = parse_chinese_number(m["cn"])
        if cn is None:
            return None
        number = Decimal(cn)
    approx = bool(m["pre"] or m["post1"] or m["post2"] or m["post3"])
    unit = m["unit"]
    value = float(number)
    return Figure(m.start(), m.end(), m.group(0), value, unit, approx)


def find_figures(text: str) -> list[Figure]:
    """Every figure with a measure word or a percent sign in a sentence, left to right.

    Skipped: ordinals (第3个), numbers glued to a longer number or a code, dates and labels
    (2024年, 3月, 二十届), a bare 一 used as an article (建立一个), vague amounts (数十个).
    """
    out: list[Figure] = []
    for m in FIGURE_RE.finditer(text):
        start, end = m.start(), m.end()
        before = text[start - 1] if start else ""
        if before == "第" or before.isdigit() or before == ".":
            continue
        if before and before in "数几" and m["cn"] is not None and not m["pre"]:
            continue
        tail = text[end : end + 2]
        if any(tail.startswith(w) for w in _NOT_AFTER):
            continue
        if m["cn"] is not None:
            if m["cn"] == "一" and not (m["pre"] or m["post2"]):
                continue
            # slogans and ordinals: “五个一”, “两个确立”, 十一届五次全会
            if (before and before in "“\"'‘「《届") or tail.startswith("全会"):
                continue
        fig = _figure(m)
        if fig is not None:
            out.append(fig)
    return out
