"""Figures for the screen in either language: 万/亿 for Chinese readers, the exact figure beside
them, units in English ('件' -> 'cases'), signed changes with a neutral mark for no change.

Rounding stays in lawstats.domain.formatting (format_number / format_value); this module chooses
how a rounded figure is written for a language.
"""

from __future__ import annotations

import math

from lawstats.domain.catalog import Indicator
from lawstats.domain.formatting import format_number, format_value
from lawstats.i18n import t

# a catalog unit -> its string key (lawstats/i18n/strings.toml); tests/test_i18n.py checks that
# every unit of the catalog is here
UNIT_KEYS = {
    "件": "unit_cases",
    "人": "unit_people",
    "人次": "unit_person_times",
    "个": "unit_count",
    "次": "unit_times",
    "起": "unit_incidents",
    "场次": "unit_sessions",
    "万人": "unit_10k_people",
    "万元": "unit_10k_yuan",
    "平方米": "unit_sqm",
    "%": "unit_percent",
}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def unit_text(unit: str, lang: str = "zh") -> str:
    """The unit as the reader's language writes it ('件' in Chinese, 'cases' in English)."""
    key = UNIT_KEYS.get(unit)
    return t(key, lang) if key else unit


def value_text(
    value: float | None,
    ind: Indicator,
    lang: str = "zh",
    *,
    approximate: bool = False,
    short: bool = True,
) -> str:
    """A figure with its unit: in Chinese large figures in 万/亿 ('7.53 万 件' when short), in
    English the whole number with thousands separators ('75,340 cases', '4,000+ cases')."""
    if _missing(value):
        return "—"
    if lang != "en":
        return format_value(value, ind, approximate=approximate, short=short)
    number = format_number(value, ind.decimals)
    if ind.unit == "%":
        return f"{number}%"
    return f"{number}{'+' if approximate else ''} {unit_text(ind.unit, 'en')}"


def exact_text(
    value: float | None, ind: Indicator, lang: str = "zh", *, approximate: bool = False
) -> str:
    """The whole figure, never shortened ('75,340 件')."""
    return value_text(value, ind, lang, approximate=approximate, short=False)


def change_text(change: float | None, unit: str, lang: str = "zh") -> str:
    """'▲ 8.0%', '▼ 0.3 个百分点', '＝ 0.0%' for no change, '—' when not comparable."""
    if _missing(change):
        return "—"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    mag = format_number(abs(change), 1)
    if "." not in mag:
        mag += ".0"
    if unit == "pp":
        return f"{arrow} {mag} {t('unit_pp', lang)}"
    return f"{arrow} {mag}%"


def change_tone(better: str, change: float | None) -> str:
    """good | bad | neutral: no change, no comparison or no better direction is neutral."""
    if _missing(change) or change == 0 or better == "none":
        return "neutral"
    return "good" if (change > 0) == (better == "up") else "bad"
