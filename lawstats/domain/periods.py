"""Reporting periods as inclusive date ranges: parsing, canonical labels and same-period-last-year."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from lawstats.domain.text import normalize_text

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Period",
    "PeriodError",
    "find_period",
    "format_period",
    "parse_period",
]

MIN_YEAR = 1949
MAX_YEAR = 2100

_QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
_EXAMPLES_ZH = "2024年、2024年第一季度、2024年3月、2024年1-6月"
_EXAMPLES_EN = "2024, 2024 Q1, 2024-03, 2024-01 to 2024-06"


class PeriodError(ValueError):
    """A period that cannot be parsed or built; str() is the Chinese message."""

    def __init__(self, message_zh: str, message_en: str, text: str | None = None) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en
        self.text = text


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _is_month_end(d: dt.date) -> bool:
    return (d + dt.timedelta(days=1)).day == 1


def _check_year(year: int, text: str | None = None) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        shown = text if text is not None else str(year)
        raise PeriodError(
            f"期间“{shown}”中的年份{year}超出范围（{MIN_YEAR}-{MAX_YEAR}）",
            f'Year {year} in period "{shown}" is out of range ({MIN_YEAR}-{MAX_YEAR})',
            text,
        )


def _check_month(month: int, text: str | None = None) -> None:
    if not 1 <= month <= 12:
        shown = text if text is not None else str(month)
        raise PeriodError(
            f"期间“{shown}”中的月份{month}无效（应为1-12）",
            f'Month {month} in period "{shown}" is invalid (expected 1-12)',
            text,
        )


def _check_quarter(quarter: int, text: str | None = None) -> None:
    if not 1 <= quarter <= 4:
        shown = text if text is not None else str(quarter)
        raise PeriodError(
            f"期间“{shown}”中的季度{quarter}无效（应为1-4）",
            f'Quarter {quarter} in period "{shown}" is invalid (expected 1-4)',
            text,
        )


class _ClassOrInstance:
    """A name that builds on the class and reads a value on an instance.

    Period.year(2024) builds a year while p.year is its start year; Period.months(2024, 1, 6)
    builds a month range while p.months is its month count. Both contracts are used.
    """

    def __init__(self, factory: Any, value: Any) -> None:
        self._factory = factory
        self._value = value

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self._factory.__get__(objtype, objtype)
        return self._value(obj)


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive date range; ordering is by (start, end)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if not isinstance(self.start, dt.date) or not isinstance(self.end, dt.date):
            raise TypeError("Period start and end must be datetime.date")
        # A datetime is a date subclass; keep plain dates so equality and hashing agree.
        if isinstance(self.start, dt.datetime):
            object.__setattr__(self, "start", self.start.date())
        if isinstance(self.end, dt.datetime):
            object.__setattr__(self, "end", self.end.date())
        if self.end < self.start:
            raise PeriodError(
                f"期间的结束日期{self.end.isoformat()}早于开始日期{self.start.isoformat()}",
                f"Period ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})",
            )

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def of_year(cls, year: int) -> Period:
        """The calendar year; also reachable as Period.year(...)."""
        _check_year(year)
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter 1-4 of a year."""
        _check_year(year)
        _check_quarter(quarter)
        first = 3 * quarter - 2
        return cls(dt.date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One calendar month."""
        _check_year(year)
        _check_month(month)
        return cls(dt.date(year, month, 1), _month_end(year, month))

    @classmethod
    def month_range(cls, year: int, first: int, last: int) -> Period:
        """Months first..last (inclusive) of one year; also reachable as Period.months(...)."""
        _check_year(year)
        _check_month(first)
        _check_month(last)
        if last < first:
            raise PeriodError(
                f"期间“{year}年{first}-{last}月”的结束月份早于开始月份",
                f'Period "{year}-{first:02d} to {year}-{last:02d}" ends before it starts',
            )
        return cls(dt.date(year, first, 1), _month_end(year, last))

    @classmethod
    def from_label(cls, text: str) -> Period:
        """Same as parse_period(text)."""
        return parse_period(text)

    # -- properties -------------------------------------------------------------------

    @property
    def is_month_aligned(self) -> bool:
        """True if the range starts on a 1st and ends on a month end."""
        return self.start.day == 1 and _is_month_end(self.end)

    @property
    def month_count(self) -> int:
        """Whole calendar months covered when month-aligned, else 0 (also `p.months`)."""
        if not self.is_month_aligned:
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def days(self) -> int:
        """Number of days covered, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def kind(self) -> str:
        """'year' | 'quarter' | 'month' | 'ytd' (Jan to a month end) | 'range' (anything else)."""
        if not self.is_month_aligned or self.start.year != self.end.year:
            return "range"
        first, last = self.start.month, self.end.month
        if first == 1 and last == 12:
            return "year"
        if first == last:
            return "month"
        if last - first == 2 and first in (1, 4, 7, 10):
            return "quarter"
        if first == 1:
            return "ytd"
        return "range"

    @property
    def label(self) -> str:
        """Canonical Chinese label; parse_period(p.label) == p for every period."""
        s, e = self.start, self.end
        kind = self.kind
        if kind == "year":
            return f"{s.year}年"
        if kind == "quarter":
            return f"{s.year}年{_QUARTER_ZH[(s.month + 2) // 3]}"
        if kind == "month":
            return f"{s.year}年{s.month}月"
        if self.is_month_aligned:
            if s.year == e.year:
                return f"{s.year}年{s.month}-{e.month}月"
            return f"{s.year}年{s.month}月至{e.year}年{e.month}月"
        if s == e:
            return f"{s.year}年{s.month}月{s.day}日"
        return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"

    @property
    def label_en(self) -> str:
        """Canonical English label: 2024, 2024 Q1, 2024-03, 2024-01 to 2024-06, ISO dates."""
        s, e = self.start, self.end
        kind = self.kind
        if kind == "year":
            return f"{s.year}"
        if kind == "quarter":
            return f"{s.year} Q{(s.month + 2) // 3}"
        if kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.is_month_aligned:
            return f"{s.year}-{s.month:02d} to {e.year}-{e.month:02d}"
        if s == e:
            return s.isoformat()
        return f"{s.isoformat()} to {e.isoformat()}"

    @property
    def year_number(self) -> int:
        """The year the period starts in (also `p.year`)."""
        return self.start.year

    # On the class these build periods, on an instance they are numbers:
    # Period.year(2024) / p.year == p.start.year; Period.months(2024, 1, 6) / p.months == 6.
    year = _ClassOrInstance(of_year, year_number.fget)
    months = _ClassOrInstance(month_range, month_count.fget)

    def __str__(self) -> str:
        return self.label

    # -- relations --------------------------------------------------------------------

    def previous_year(self) -> Period:
        """The same range one year earlier; a month end maps to that month's end (Feb 29 <-> 28)."""
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1))

    def contains(self, other: Period) -> bool:
        """True if other lies entirely inside this period."""
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Period) -> bool:
        """True if the two periods share at least one day."""
        return self.start <= other.end and other.start <= self.end

    def month_periods(self) -> list[Period]:
        """The calendar months making up a month-aligned period."""
        if not self.is_month_aligned:
            raise PeriodError(
                f"期间“{self.label}”不是整月，无法按月拆分",
                f'Period "{self.label_en}" is not made of whole months',
            )
        out: list[Period] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(Period.month(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def year_to_date(self) -> Period:
        """From 1 January of the start year to the end of this period."""
        return Period(dt.date(self.start.year, 1, 1), self.end)

    def month_of(self, months_covered: int) -> Period | None:
        """The last month of the first `months_covered` months of this period (a stock known
        only that far is "as of" it: 2024 with 6 months covered -> 2024年6月); None for 0."""
        if months_covered <= 0:
            return None
        index = self.start.year * 12 + self.start.month - 1 + int(months_covered) - 1
        return Period.month(index // 12, index % 12 + 1)


def _shift_year(d: dt.date, years: int) -> dt.date:
    y = d.year + years
    if _is_month_end(d):
        return _month_end(y, d.month)
    return dt.date(y, d.month, d.day)


# -- parsing --------------------------------------------------------------------------

_DASHES = str.maketrans({c: "-" for c in "—–―‐‑‒−－﹣⁃~～〜"})
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CN_NUM_RE = re.compile(r"([〇零一二两三四五六七八九十]{1,3})(?=月|季|个月)")

_SEP = r"(?:-{1,2}|至|到|to|\.\.)"
_Y = r"(\d{4})"
_M = r"(\d{1,2})"
_DATE = r"\d{4}(?:年|[-./])\d{1,2}(?:月|[-./])\d{1,2}日?|\d{8}"
_DATE_PARTS_RE = re.compile(r"(\d{4})(?:年|[-./])?(\d{1,2})(?:月|[-./])?(\d{1,2})日?")

_YEAR_RE = re.compile(rf"{_Y}年?(?:全年)?")
_QUARTER_RE = re.compile(rf"{_Y}年?-?(?:q(\d)|第?(\d{{1,2}})季度?)")
_QUARTER_FIRST_RE = re.compile(rf"q(\d)-?{_Y}年?")
_QUARTER_RANGE_RE = re.compile(rf"{_Y}年?第?(\d)(?:季度?)?{_SEP}第?(\d)季度?")
_HALF_RE = re.compile(rf"{_Y}年?(上半年|下半年|h1|h2|前(\d)(?:个)?季度?)")
_MONTH_RE = re.compile(rf"{_Y}(?:年{_M}月|[-./]{_M}月?|(\d{{2}}))")
_MRANGE_CN_RE = re.compile(rf"{_Y}年{_M}月?{_SEP}(?:{_Y}年)?{_M}月")
_MRANGE_ISO_RE = re.compile(rf"{_Y}[-./]{_M}月?{_SEP}{_Y}[-./]{_M}月?")
_DATE_RE = re.compile(rf"({_DATE})")
_DRANGE_RE = re.compile(rf"({_DATE})(?:{_SEP}|/)({_DATE}|\d{{1,2}}月\d{{1,2}}日)")
_HAS_YEAR_RE = re.compile(r"\d{4}")


def _cn_number(s: str) -> str:
    """一..九十九 as digits (enough for months and quarters); other runs are left alone."""
    tens, ten, units = s.partition("十")
    if not ten:
        return "".join(str(_CN_DIGITS[c]) for c in s) if len(s) == 1 else s
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return s
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0))


def _clean(text: str) -> str:
    s = normalize_text(text).translate(_DASHES).lower()
    s = re.sub(r"\s+", "", s)
    s = s.replace("年度", "年").replace("月份", "月")
    return _CN_NUM_RE.sub(lambda m: _cn_number(m.group(1)), s)


def _garbage(text: str) -> PeriodError:
    return PeriodError(
        f"无法识别的期间“{text}”，应为如{_EXAMPLES_ZH}",
        f'Unrecognised period "{text}"; expected e.g. {_EXAMPLES_EN}',
        text,
    )


def _months(text: str, y1: int, m1: int, y2: int, m2: int) -> Period:
    _check_year(y1, text)
    _check_year(y2, text)
    _check_month(m1, text)
    _check_month(m2, text)
    if (y2, m2) < (y1, m1):
        raise _ends_before(text)
    return Period(dt.date(y1, m1, 1), _month_end(y2, m2))


def _ends_before(text: str) -> PeriodError:
    return PeriodError(
        f"期间“{text}”的结束早于开始",
        f'Period "{text}" ends before it starts',
        text,
    )


def _date(text: str, part: str, default_year: int | None = None) -> dt.date:
    m = _DATE_PARTS_RE.fullmatch(part)
    if m is None:
        m2 = re.fullmatch(r"(\d{1,2})月(\d{1,2})日", part)
        if m2 is None or default_year is None:
            raise _garbage(text)
        y, mo, d = default_year, int(m2.group(1)), int(m2.group(2))
    else:
        y, mo, d = (int(g) for g in m.groups())
    _check_year(y, text)
    _check_month(mo, text)
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise PeriodError(
            f"期间“{text}”中的日期{y}年{mo}月{d}日无效",
            f'Date {y}-{mo:02d}-{d:02d} in period "{text}" does not exist',
            text,
        ) from None


def _parse_clean(s: str, text: str) -> Period | None:
    """Parse a cleaned string; None if no pattern matches (errors raise PeriodError)."""
    if m := _YEAR_RE.fullmatch(s):
        y = int(m.group(1))
        _check_year(y, text)
        return Period.of_year(y)
    if m := _QUARTER_RE.fullmatch(s) or _QUARTER_FIRST_RE.fullmatch(s):
        if m.re is _QUARTER_FIRST_RE:
            q, y = int(m.group(1)), int(m.group(2))
        else:
            y, q = int(m.group(1)), int(m.group(2) or m.group(3))
        _check_year(y, text)
        _check_quarter(q, text)
        return Period.quarter(y, q)
    if m := _QUARTER_RANGE_RE.fullmatch(s):
        y, q1, q2 = (int(g) for g in m.groups())
        _check_quarter(q1, text)
        _check_quarter(q2, text)
        return _months(text, y, 3 * q1 - 2, y, 3 * q2)
    if m := _HALF_RE.fullmatch(s):
        y, what = int(m.group(1)), m.group(2)
        if what in ("上半年", "h1"):
            return _months(text, y, 1, y, 6)
        if what in ("下半年", "h2"):
            return _months(text, y, 7, y, 12)
        q = int(m.group(3))
        _check_quarter(q, text)
        return _months(text, y, 1, y, 3 * q)
    if m := _MONTH_RE.fullmatch(s):
        y = int(m.group(1))
        mo = int(m.group(2) or m.group(3) or m.group(4))
        return _months(text, y, mo, y, mo)
    if m := _MRANGE_CN_RE.fullmatch(s):
        y1, m1 = int(m.group(1)), int(m.group(2))
        y2 = int(m.group(3)) if m.group(3) else y1
        return _months(text, y1, m1, y2, int(m.group(4)))
    if m := _MRANGE_ISO_RE.fullmatch(s):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        return _months(text, y1, m1, y2, m2)
    if m := _DRANGE_RE.fullmatch(s):
        start = _date(text, m.group(1))
        end = _date(text, m.group(2), default_year=start.year)
        if end < start:
            raise _ends_before(text)
        return Period(start, end)
    if m := _DATE_RE.fullmatch(s):
        d = _date(text, m.group(1))
        return Period(d, d)
    return None


def parse_period(text: str, *, default_year: int | None = None) -> Period:
    """Parse a period spelling (2024年1-6月, 2024Q1, 2024-03, 上半年 with default_year, ...)."""
    if isinstance(text, Period):
        return text
    raw = "" if text is None else str(text)
    shown = raw.strip()
    s = _clean(raw)
    if not s:
        raise PeriodError("期间为空", "Period is empty", shown)
    found = _parse_clean(s, shown)
    if found is not None:
        return found
    if not _HAS_YEAR_RE.search(s):
        # A spelling without a year ("1-6月", "上半年", "Q1"): fill in the default year.
        if default_year is not None:
            _check_year(default_year, shown)
            found = _parse_clean(f"{default_year}年{s}", shown)
            if found is not None:
                return found
        elif _parse_clean(f"2000年{s}", shown) is not None:
            raise PeriodError(
                f"期间“{shown}”缺少年份",
                f'Period "{shown}" has no year',
                shown,
            )
    raise _garbage(shown)


# -- searching free text ---------------------------------------------------------------

# Characters that can occur inside a period expression once the text is cleaned.
_TOKEN_RE = re.compile(r"(?<!\d)\d{4}[0-9年月日季度第上下半前全个qh至到to\-./]*")
# A bare number followed by one of these is a count, not a year ("调解2024件").
_MEASURE_AFTER = set("件人个名次户元万亿%起条场所家项篇期天号‰")


def find_period(text: str) -> Period | None:
    """The most specific period expression in free text (title, sheet or file name), or None.

    The longest parseable expression wins, the earliest on ties. Single dates such as
    "填报日期：2024年7月5日" are not reporting periods and are skipped entirely.
    """
    if not text:
        return None
    s = _clean(str(text))
    best: tuple[int, int, Period] | None = None
    for m in _TOKEN_RE.finditer(s):
        token = m.group(0)
        period, length = _longest_prefix(token, s, m.start())
        if period is None:
            continue
        key = (-length, m.start())
        if best is None or key < best[:2]:
            best = (key[0], key[1], period)
    return best[2] if best else None


def _longest_prefix(token: str, s: str, start: int) -> tuple[Period | None, int]:
    for end in range(len(token), 3, -1):
        nxt = s[start + end] if start + end < len(s) else ""
        # Never cut inside a run of digits: 20240301 is not March 2024, 620502 not a period.
        if token[end - 1].isdigit() and nxt.isdigit():
            continue
        piece = token[:end]
        if piece.isdigit() and nxt in _MEASURE_AFTER:
            continue
        try:
            found = _parse_clean(piece, piece)
        except PeriodError:
            continue
        if found is None:
            continue
        if found.start == found.end and not found.is_month_aligned:
            return None, 0  # a single date (e.g. a fill-in date), not a period
        return found, end
    return None, 0


def format_period(p: Period, lang: str = "zh") -> str:
    """The canonical label of a period: Chinese by default, English with lang='en'."""
    return p.label_en if lang.lower().startswith("en") else p.label
