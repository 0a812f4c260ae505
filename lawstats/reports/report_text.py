"""Chinese phrasing for year-end reports: a figure, its change on last year, highlights, targets.

Pure functions, no database. They follow how published reviews state figures ("全市调解矛盾纠纷
13287件，同比增长8.0%，增加986件"; "司法所工作人员374人，比上年度增加66人"; "调解成功率98.6%，
同比提高0.8个百分点"; "诉前调解4000余件") and say nothing that the data does not support: no
change without a complete figure on both sides, a change from or to an approximate figure said
to be approximate (约), no "全市" total for a sum over some of the units, a stock known only
before the period's end said as of its month. Every number is rounded by the one rule
(lawstats.domain.formatting.round_decimal).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lawstats.analysis.targets import STATUS_ZH, STATUSES
from lawstats.domain.catalog import Indicator
from lawstats.domain.formatting import change_magnitude, round_decimal
from lawstats.domain.periods import Period

# Sentence subjects the generic rule cannot derive from the catalog name
# (法律明白人数 is "法律明白人" + 数, not "法律明白" + 人数).
SUBJECT_OVERRIDES: dict[str, str] = {"law_ambassadors": "法律明白人"}

# Units in which an approximate round figure is written with 万 ("2.1万余人").
_COUNT_UNITS = ("件", "人", "个", "人次", "次", "起", "场次", "名")

STATUS_ORDER = STATUSES
# prose says 暂无数据 where the status table says 无数据
STATUS_WORDS = {**STATUS_ZH, "no_data": "暂无数据"}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float, decimals: int = 0) -> str:
    """A figure as reports write it: no thousands separators, trailing zeros dropped (339.7)."""
    text = f"{round_decimal(value, decimals):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount(value: float, ind: Indicator, *, approximate: bool = False) -> str:
    """Value with its unit: '13287件', '98.6%', '215.54万元', '4000余件', '2.1万余人'."""
    if ind.unit == "%":
        return f"{number(value, ind.decimals)}%"
    if approximate:
        if ind.unit in _COUNT_UNITS and value >= 10_000 and value % 1_000 == 0:
            return f"{number(value / 10_000, 1)}万余{ind.unit}"
        return f"{number(value, ind.decimals)}余{ind.unit}"
    return f"{number(value, ind.decimals)}{ind.unit}"


def subject(ind: Indicator) -> str:
    """The indicator as a sentence subject: 调解矛盾纠纷件数 -> 调解矛盾纠纷 (the unit follows the number)."""
    if ind.code in SUBJECT_OVERRIDES:
        return SUBJECT_OVERRIDES[ind.code]
    name = ind.name_zh
    if ind.unit == "%":
        return name
    if name.endswith("案件数"):  # 法律援助案件数 -> 法律援助案件
        return name[:-1]
    for suffix in (f"{ind.unit}数", ind.unit, "件数", "次数", "数"):
        if suffix and name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def scope_word(name: str, level: str) -> str:
    """'全市', '全县', '全区', '全省' from the region's name (全市 for a municipality too)."""
    if name.endswith("自治区"):
        return "全区"
    if name.endswith("兵团"):
        return "全兵团"
    last = name[-1:] if name else ""
    if last in ("省", "市", "县", "区", "旗", "州", "盟"):
        return "全" + last
    return {"country": "全国", "province": "全省", "city": "全市"}.get(level, "全县")


def units_word(level: str) -> str:
    """What the units below a region of this level are called: 省（区、市） below the country,
    市州 below a province, else 县区."""
    return {"country": "省（区、市）", "province": "市州"}.get(level, "县区")


def previous_word(period: Period) -> str:
    """'上年' for a calendar year, else '上年同期'."""
    return "上年" if period.kind == "year" else "上年同期"


def _pct(value: float) -> str:
    """|change| in percent as reports write it ('8.0%'; '不足0.1%' when it rounds to nothing)."""
    mag = change_magnitude(value, 1)
    return "不足0.1%" if mag.startswith("<") else f"{mag}%"


def change_clause(row: Mapping[str, Any], ind: Indicator, period: Period) -> str:
    """The comparison after a figure ('，同比增长8.0%，增加986件'); '' when none can be stated."""
    previous = row.get("previous")
    if _missing(previous):
        return ""
    prev_word = previous_word(period)
    if not row.get("comparable"):
        return f"；{prev_word}数据不全，未作同比"
    change = row.get("change")
    diff = row.get("change_abs")
    if _missing(diff):
        return ""
    if row.get("is_approximate") or row.get("previous_is_approximate"):
        # a lower bound on either side: the change is approximate (约), and last year's figure
        # is stated with it so a reader sees what it rests on
        prev_text = amount(previous, ind, approximate=bool(row.get("previous_is_approximate")))
        if ind.is_ratio:
            verb = "提高" if diff > 0 else "下降"
            return f"，同比约{verb}{number(abs(diff), ind.decimals)}个百分点（{prev_word}为{prev_text}）"
        if _missing(change) or diff == 0:
            return f"，{prev_word}为{prev_text}"
        grow = "增长" if diff > 0 else "下降"
        return f"，同比约{grow}{_pct(change)}（{prev_word}为{prev_text}）"
    if diff == 0:
        return f"，与{prev_word}持平"
    if ind.is_ratio:
        verb = "提高" if diff > 0 else "下降"
        return f"，同比{verb}{number(abs(diff), ind.decimals)}个百分点"
    more = "增加" if diff > 0 else "减少"
    delta = f"{number(abs(diff), ind.decimals)}{ind.unit}"
    if _missing(change):  # last year was 0: a percentage means nothing
        return f"，{prev_word}为{amount(previous, ind)}，{more}{delta}"
    rate = _pct(change)
    grow = "增长" if diff > 0 else "下降"
    if ind.kind == "stock":
        base = "比上年度" if period.kind == "year" else "比上年同期"
        return f"，{base}{more}{delta}，{grow}{rate}"
    return f"，同比{grow}{rate}，{more}{delta}"


def figure_sentence(
    row: Mapping[str, Any], ind: Indicator, *, scope: str, period: Period
) -> str | None:
    """One figure as a sentence, or None when it was not reported (not reported is not zero).

    `row` is a rollup.figures row (value, previous, change, change_abs, comparable,
    is_approximate, previous_is_approximate and the coverage counts).
    """
    value = row.get("value")
    if _missing(value):
        return None
    text = amount(value, ind, approximate=bool(row.get("is_approximate")))
    reported, expected = int(row.get("units_reported", 1)), int(row.get("units_expected", 1))
    covered, months = int(row.get("months_covered", 0)), int(row.get("months_expected", 0))
    if reported < expected:
        return (
            f"已报送的{reported}个县区（{scope}共{expected}个）{subject(ind)}合计{text}，"
            "数据不全，未作同比。"
        )
    if covered < months and ind.kind == "stock":
        month = period.month_of(covered)  # the level is known only as of that month
        when = f"截至{month.label}" if month is not None else "未到期末"
        return f"{scope}{subject(ind)}{text}（{when}，非期末数），未作同比。"
    if covered < months:
        return f"{scope}{subject(ind)}{text}（仅含{covered}个月数据），数据不全，未作同比。"
    return f"{scope}{subject(ind)}{text}{change_clause(row, ind, period)}。"


def composition_sentence(members: Any, ind: Indicator, *, total_approximate: bool) -> str | None:
    """ "其中，婚姻家庭纠纷160件，占18.4%；邻里纠纷278件，占32%……": the reported members of a breakdown
    (rows with name, value, approximate, share) in catalog order; a member not reported is left
    out, never written as 0. A share of an approximate figure is written 约占."""
    parts = []
    for m in members.itertuples(index=False):
        if _missing(m.value):
            continue
        text = f"{m.name}{amount(m.value, ind, approximate=bool(m.approximate))}"
        if not _missing(m.share):
            about = "约" if total_approximate or m.approximate else ""
            text += f"，{about}占{number(m.share, 1)}%"
        parts.append(text)
    return f"其中，{'；'.join(parts)}。" if parts else None


def paragraph(texts: Sequence[str], scope: str) -> str:
    """Sentences run together as one paragraph; after the first, a leading '全市' is dropped."""
    out = []
    for i, text in enumerate(texts):
        if i and scope and text.startswith(scope):
            text = text[len(scope) :]
        out.append(text)
    return "".join(out)


def not_reported_sentence(names: Sequence[str]) -> str | None:
    """'以下指标本期无数据：A、B。' (so an absent figure is never read as zero)."""
    if not names:
        return None
    return f"以下指标本期无数据：{'、'.join(names)}。"


def top_sentence(ind: Indicator, entries: Sequence[tuple[str, float, bool]], level: str) -> str:
    """'调解矛盾纠纷件数居前的县区：麦积区3315件、秦州区2449件、秦安县2148件。'"""
    listed = "、".join(f"{name}{amount(v, ind, approximate=a)}" for name, v, a in entries)
    return f"{ind.name_zh}居前的{units_word(level)}：{listed}。"


def conflict_sentence(entries: Sequence[str], period: Period) -> str | None:
    """'注：秦州区调解矛盾纠纷件数2024年报送数1250件，各月合计1200件，按2024年报送数计。'
    entries: one clause per conflicting figure (conflict_clause)."""
    if not entries:
        return None
    return f"注：{'；'.join(entries)}，均按{period.label}报送数计。"


def conflict_clause(name: str, ind: Indicator, period: Period, value: float, finer: float) -> str:
    """'秦州区调解矛盾纠纷件数2024年报送数1250件、各月合计1200件'."""
    finer_word = "期末月份数" if ind.kind == "stock" else "各月（季）合计"
    return (
        f"{name}{ind.name_zh}{period.label}报送数{amount(value, ind)}、"
        f"{finer_word}{amount(finer, ind)}"
    )


def move_sentence(name: str, ind: Indicator, change: float, *, rise: bool) -> str:
    """'增幅最大的是麦积区诉前调解件数，同比增长31.2%。' / '降幅最大的是…，同比下降6.1%。'"""
    if ind.is_ratio:
        verb = "提高" if change > 0 else "下降"
        tail = f"同比{verb}{number(abs(change), ind.decimals)}个百分点"
    else:
        tail = f"同比{'增长' if change > 0 else '下降'}{_pct(change)}"
    lead = "增幅最大的是" if rise else "降幅最大的是"
    return f"{lead}{name}{ind.name_zh}，{tail}。"


def below_target_sentence(entries: Sequence[tuple[str, str, str]], level: str) -> str | None:
    """'未达目标进度的县区：秦州区（调解矛盾纠纷件数，滞后）、…。' entries: (unit, indicator, status)."""
    if not entries:
        return None
    listed = "、".join(f"{unit}（{name}，{status}）" for unit, name, status in entries)
    return f"未达目标进度的{units_word(level)}：{listed}。"


def targets_sentence(
    scope: str, year: int, counts: Mapping[str, int], lagging: Mapping[str, Sequence[str]]
) -> str | None:
    """'全市2024年度目标共8项：已完成5项，滞后2项（A、B），暂无数据1项。' None without targets.

    counts: status -> number of targets; lagging: status -> indicator names listed for
    'behind' and 'missed' (those a reader must act on).
    """
    total = sum(counts.values())
    if not total:
        return None
    parts = []
    for status in STATUS_ORDER:
        n = counts.get(status, 0)
        if not n:
            continue
        names = lagging.get(status) or ()
        listed = f"（{'、'.join(names)}）" if names else ""
        parts.append(f"{STATUS_WORDS[status]}{n}项{listed}")
    return f"{scope}{year}年度目标共{total}项：{'，'.join(parts)}。"


def completion_text(value: Any) -> str:
    """'完成87.5%' for a completion percentage, '' when unknown."""
    if _missing(value):
        return ""
    return f"完成{number(float(value), 1)}%"
