"""Numbers the Chinese way: 13,287 件, 98.6%, 1.2 万, ▲ 21.4%, ▼ 0.3 个百分点."""

from __future__ import annotations

import math

from lawstats.domain.catalog import Indicator


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, decimals: int = 0, *, short: bool = False) -> str:
    """13287 -> '13,287'; with short=True large numbers use 万/亿 (21000 -> '2.1 万')."""
    if _is_missing(value):
        return "—"
    if short and abs(value) >= 100_000_000:
        return f"{value / 100_000_000:,.2f}".rstrip("0").rstrip(".") + " 亿"
    if short and abs(value) >= 10_000:
        return f"{value / 10_000:,.2f}".rstrip("0").rstrip(".") + " 万"
    text = f"{value:,.{decimals}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(
    value: float | None,
    indicator: Indicator,
    *,
    approximate: bool = False,
    with_unit: bool = True,
    short: bool = False,
) -> str:
    """A figure with its unit; an approximate figure keeps its 余 ('4,000余 件')."""
    if _is_missing(value):
        return "—"
    number = format_number(value, indicator.decimals, short=short)
    if indicator.unit == "%":
        return f"{number}%"
    suffix = "余" if approximate else ""
    if not with_unit:
        return number + suffix
    return f"{number}{suffix} {indicator.unit}"


def format_change(change: float | None, unit: str, lang: str = "zh") -> str:
    """'▲ 21.4%', '▼ 0.3 个百分点', '— ' when no comparison is possible."""
    if _is_missing(change):
        return "—"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    mag = f"{abs(change):,.1f}"
    if unit == "pp":
        return f"{arrow} {mag} {'个百分点' if lang == 'zh' else 'pp'}"
    return f"{arrow} {mag}%"


def json_number(value: float | None, decimals: int) -> float | int | None:
    """A figure for JSON: None when missing, an int when the indicator has no decimals."""
    if _is_missing(value):
        return None
    if decimals == 0 and float(value).is_integer():
        return int(value)
    return round(float(value), decimals)
