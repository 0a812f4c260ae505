"""Time in report prose: 2024年, 2024年1-6月, 截至2023年底, 今年以来, 截至目前, 去年, 近三年来.

Relative expressions are read against a `Clock`: the report's date (which the analyst can set),
clamped into the document's own period when the report was written after it (a review of 2024
published in January 2025 means 2024 when it says 截至目前).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from lawstats.domain.periods import Period, PeriodError

_CN_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# kind: period (the figure covers it) | asof (a level at the clock) | cumulative (several years)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("range", re.compile(r"(\d{4})年(\d{1,2})月?(?:份)?(?:-|至|到|~)(\d{1,2})月(?:份)?(?:底|末)?")),
    ("half", re.compile(r"(\d{4})年(?:度)?(上半年|下半年|前三季度|第?([一二三四1-4])季度)")),
    # 今年上半年: the half of the report's year (not 今年 as the year so far)
    ("half", re.compile(r"(?:今年|本年度?)()(上半年|下半年|前三季度|第?([一二三四1-4])季度)")),
    ("until_month", re.compile(r"(?:截至|截止|至|到)(\d{4})年(\d{1,2})月(?:份)?(?:底|末)?")),
    # 2012年3月至今, 2012年3月以来: since a month (the year so far only from its January)
    (
        "since_month",
        re.compile(
            r"(\d{4})年(\d{1,2})月(?:份)?(?P<event>[^\d，,。；;：:！？!?]{0,12}?)(?:以来|至今)"
        ),
    ),
    ("month", re.compile(r"(\d{4})年(\d{1,2})月(?:份)?(?!\d{0,2}日|\d)")),
    # 2022年以来, 2022年法律援助法实施以来: since an event of that year
    (
        "since_year",
        re.compile(r"(\d{4})年(?:初)?(?P<event>[^\d，,。；;：:！？!?]{0,12}?)(?:以来|至今)"),
    ),
    # without a year: the report's year (1-9月, 上半年, 一季度, 截至9月底)
    ("until_month", re.compile(r"(?:截至|截止)()(\d{1,2})月(?:份)?(?:底|末)?")),
    (
        "range",
        re.compile(r"(?<![\d年])()(\d{1,2})月?(?:份)?(?:-|至|到|~)(\d{1,2})月(?:份)?(?:底|末)?"),
    ),
    ("half", re.compile(r"(?<![\d年])()(上半年|下半年|前三季度|第?([一二三四1-4])季度)")),
    ("year", re.compile(r"(\d{4})年(?:度)?(?:底|末|全年|年底|年末)?(?!\d)")),
    (
        "cumulative",
        re.compile(
            r"近年来|多年来|近几年|历年来|近[\d一二三四五六七八九十两]+年|"
            r"(?!一年来)[\d一二三四五六七八九十两]+年来|十[三四五]五(?:期间|以来|时期)|以来累计|累计至今"
        ),
    ),
    # 一年来, 过去一年: the twelve months before the report (read by Clock.past_year)
    ("past_year", re.compile(r"(?<![\d一二三四五六七八九十两])一年来|过去一年|这一年来")),
    ("whole_year", re.compile(r"全年")),
    ("ytd", re.compile(r"今年以来|年初以来|本年度以来|今年|本年度|本年|年内")),
    ("asof", re.compile(r"截至目前|截止目前|截至今年|到目前为止|目前|当前|至今|现有")),
    ("last_year", re.compile(r"(?<![比较与同于])(?:去年|上一年度|上一年|上年度|上年)(?!同期)")),
]


@dataclass(frozen=True)
class Clock:
    """What 'now' means for a report: its date, its own period, or a year inferred from the text."""

    report_date: dt.date | None = None
    doc_period: Period | None = None
    inferred_year: int | None = None

    def now_period(self) -> tuple[Period | None, str]:
        """The period that 今年以来 / 截至目前 stand for, and where it came from."""
        d = self.report_date
        if d is not None:
            if self.doc_period is not None and d > self.doc_period.end:
                return self.doc_period, "document"
            if d.month == 12:
                return Period.of_year(d.year), "report_date"
            if d.month == 1:
                # 今年 / 目前 in a report of January: the month just begun or the year just
                # ended (reports written in January sum up the year); the analyst says which
                return None, "unsure"
            return Period.month_range(d.year, 1, d.month), "report_date"
        if self.doc_period is not None:
            return self.doc_period, "document"
        if self.inferred_year is not None:
            return Period.of_year(self.inferred_year), "inferred"
        return None, "none"

    def past_year(self) -> tuple[Period | None, str]:
        """一年来: the document's period; else a calendar year only when the report is dated in
        its December or the January after; a rolling twelve months is no period of ours."""
        if self.doc_period is not None:
            return self.doc_period, "document"
        d = self.report_date
        if d is not None and d.month == 12:
            return Period.of_year(d.year), "report_date"
        if d is not None and d.month == 1:
            return Period.of_year(d.year - 1), "report_date"
        return None, "unsure"

    def whole_year(self) -> tuple[Period | None, str]:
        """全年: the whole calendar year the report looks back on: the year its own period ends
        in December (a fourth-quarter review means the year, not the quarter), the year of a
        December report or the one before a January report; otherwise unsure (a plan for the
        year, or the year so far?)."""
        p = self.doc_period
        if p is not None:
            if p.end.month == 12 and p.end.day == 31:
                return Period.of_year(p.end.year), "document"
            return None, "unsure"
        d = self.report_date
        if d is not None:
            if d.month == 12:
                return Period.of_year(d.year), "report_date"
            if d.month == 1:
                return Period.of_year(d.year - 1), "report_date"
            return None, "unsure"
        if self.inferred_year is not None:
            return Period.of_year(self.inferred_year), "inferred"
        return None, "none"

    def default_period(self) -> tuple[Period | None, str]:
        """The period of a figure whose sentence names none: the document's, else 'now'."""
        if self.doc_period is not None:
            return self.doc_period, "document"
        return self.now_period()

    @property
    def year(self) -> int | None:
        p, _ = self.now_period()
        if p is None and self.report_date is not None:
            return self.report_date.year  # January: 今年 is unsure, the year is not
        return p.end.year if p is not None else None


@dataclass(frozen=True)
class TimeRef:
    start: int
    end: int
    text: str
    kind: str  # period | cumulative
    period: Period | None
    source: str  # text | report_date | document | inferred | none
    pattern: str = (
        ""  # which expression: range | half | until_month | month | year | ytd | asof ...
    )


def _safe(build, *args) -> Period | None:
    try:
        return build(*args)
    except (PeriodError, ValueError):
        return None


def _explicit(kind: str, m: re.Match[str], clock: Clock) -> tuple[str, Period | None]:
    if m.group(1):
        y = int(m.group(1))
    elif clock.year is not None:
        y = clock.year
    else:
        return "period", None
    if kind == "range":
        return "period", _safe(Period.month_range, y, int(m.group(2)), int(m.group(3)))
    if kind == "half":
        word = m.group(2)
        if word == "上半年":
            return "period", _safe(Period.month_range, y, 1, 6)
        if word == "下半年":
            return "period", _safe(Period.month_range, y, 7, 12)
        if word == "前三季度":
            return "period", _safe(Period.month_range, y, 1, 9)
        return "period", _safe(Period.quarter, y, _CN_MONTH[m.group(3)])
    if kind == "until_month":
        month = int(m.group(2))
        if month == 12:
            return "period", _safe(Period.of_year, y)
        return "period", _safe(Period.month_range, y, 1, month)
    if kind == "month":
        return "period", _safe(Period.month, y, int(m.group(2)))
    if kind == "since_month":
        known = clock.report_date is not None or clock.doc_period is not None
        if int(m.group(2)) == 1 and not m["event"] and known and y == clock.year:
            return "period", clock.now_period()[0]
        return "cumulative", None
    if kind == "since_year":
        # the year so far only when the clock is the report's own (a date or a title period),
        # not a year guessed from the years the text names
        known = clock.report_date is not None or clock.doc_period is not None
        if m["event"]:
            return (
                "cumulative",
                None,
            )  # since an event in that year (…实施以来): not the year so far
        if known and clock.year is not None and y == clock.year:
            return "period", clock.now_period()[0]
        return "cumulative", None
    return "period", _safe(Period.of_year, y)


def find_time_refs(text: str, clock: Clock) -> list[TimeRef]:
    """Time expressions in a sentence, left to right, without overlaps (earlier patterns win)."""
    taken: list[tuple[int, int]] = []
    out: list[TimeRef] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < b and a < e for a, b in taken):
                continue
            if kind in (
                "range",
                "half",
                "until_month",
                "month",
                "since_month",
                "since_year",
                "year",
            ):
                ref_kind, period = _explicit(kind, m, clock)
                source = "text"
            elif kind == "cumulative":
                ref_kind, period, source = "cumulative", None, "text"
            elif kind == "past_year":
                period, source = clock.past_year()
                ref_kind = "period"
            elif kind == "whole_year":
                period, source = clock.whole_year()
                ref_kind = "period"
            elif kind in ("ytd", "asof"):
                period, source = clock.now_period()
                ref_kind = "period"
            else:  # last_year
                now = clock.year
                period = Period.of_year(now - 1) if now is not None else None
                ref_kind, source = "period", "report_date" if now is not None else "none"
            if ref_kind == "period" and period is None and source == "text":
                continue  # 2024年13月: not a period
            taken.append((s, e))
            out.append(TimeRef(s, e, m.group(0), ref_kind, period, source, kind))
    out.sort(key=lambda r: r.start)
    # 2022年，…全年共办理…: 全年 is the whole of the year the sentence named before it
    for i, r in enumerate(out):
        if r.pattern == "whole_year":
            named = [x for x in out[:i] if x.pattern == "year" and x.period is not None]
            if named:
                out[i] = TimeRef(
                    r.start, r.end, r.text, r.kind, named[-1].period, "text", r.pattern
                )
    return out


_YEAR_RE = re.compile(r"((?:19|20)\d{2})年")


def infer_year(text: str) -> int | None:
    """The year a report without a date is about: the year its text names most often (latest on ties)."""
    counts = Counter(int(y) for y in _YEAR_RE.findall(text))
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


_DATE_LINE_RE = re.compile(
    r"^(?:.{0,12}?(?:时间|日期|发布|发文|印发|发表于|发表)[^\d]{0,4})?"
    r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)


# A date line written day first (14.09.2014 21:06), as some aggregators print it: read only
# when the day cannot be a month (above 12), so 05.09.2014 is not guessed.
_DMY_LINE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


# A by-line: 来源: 沧州日报 作者: … 2014-07-16 09:23:31 (the full date anywhere in it).
_BYLINE_RE = re.compile(
    r"^(?:来源|作者|稿源|编辑)[:：].{0,40}?(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)


def find_report_date(lines: list[str]) -> dt.date | None:
    """A publication date: a line that is only a date (the signature), starts with 时间/日期/发布,
    or is a by-line (来源/作者) that holds a full date."""
    for line in lines:
        s = line.strip()
        by = _BYLINE_RE.match(s)
        if by is not None:
            try:
                return dt.date(int(by.group(1)), int(by.group(2)), int(by.group(3)))
            except ValueError:
                continue
        dmy = _DMY_LINE_RE.match(s)
        if dmy is not None and int(dmy.group(1)) > 12:
            try:
                return dt.date(int(dmy.group(3)), int(dmy.group(2)), int(dmy.group(1)))
            except ValueError:
                continue
        m = _DATE_LINE_RE.match(s)
        if m is None:
            continue
        rest = s[m.end() :].strip()
        if rest and not re.match(r"^(?:浏览|来源|阅读|作者|点击|字号|[|｜])", rest):
            continue
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None
