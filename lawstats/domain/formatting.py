"""Numbers the Chinese way: 13,287 件, 98.6%, 1.2 万, ▲ 21.4%, ▼ 0.3 个百分点.

Every figure is rounded for a reader in one place, `round_decimal` (and `round_figure`, its float
form): pages, report sentences, `etl show` (text and JSON) and exports all call it, so a figure
reads the same everywhere. The rule is the setting LAWSTATS_ROUNDING (docs/methodology.md,
"Rounding"): half up by default, as Excel's ROUND that analysts check reports against; half to
even (GB/T 8170) on request. Values are kept exact everywhere else (ranks, changes, targets).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from lawstats import settings
from lawstats.domain.catalog import Indicator
from lawstats.domain.periods import Period
from lawstats.i18n import t

_RULES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rounding_rule() -> str:
    """The configured rule: 'half_up' or 'half_even' (LAWSTATS_ROUNDING)."""
    return settings.rounding()


def rounding_note(lang: str = "zh", rule: str | None = None) -> str:
    """The rounding rule in one sentence, for the places where a reader checks figures."""
    return t(f"rounding_note_{rule or rounding_rule()}", lang)


def round_decimal(value: float, decimals: int = 0, rule: str | None = None) -> Decimal:
    """The one rounding for readers: `value` to `decimals` places by the configured rule.

    The float is first read as the decimal number it stands for (15 significant digits, as Excel
    does), so 385 / 400 * 100 is 96.25 and rounds to 96.3 half up (96.2 half to even), whatever
    the binary representation's last bits. Never returns a negative zero."""
    number = Decimal(format(float(value), ".15g"))
    out = number.quantize(
        Decimal(1).scaleb(-max(int(decimals), 0)), rounding=_RULES[rule or rounding_rule()]
    )
    return out.copy_abs() if out.is_zero() else out


def round_figure(value: float | None, decimals: int = 0, rule: str | None = None) -> float | None:
    """round_decimal as a float (None for a missing figure): for JSON, exports and stored results."""
    if _is_missing(value):
        return None
    return float(round_decimal(value, decimals, rule))


def _grouped(number: Decimal, decimals: int) -> str:
    text = f"{number:,.{max(decimals, 0)}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_number(value: float | None, decimals: int = 0, *, short: bool = False) -> str:
    """13287 -> '13,287'; with short=True large numbers use 万/亿 (21000 -> '2.1 万')."""
    if _is_missing(value):
        return "—"
    if short and abs(value) >= 100_000_000:
        return _grouped(round_decimal(value / 100_000_000, 2), 2) + " 亿"
    if short and abs(value) >= 10_000:
        return _grouped(round_decimal(value / 10_000, 2), 2) + " 万"
    return _grouped(round_decimal(value, decimals), decimals)


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


def change_magnitude(change: float, decimals: int = 1) -> str:
    """|change| as shown: '6.9', or '<0.1' for a change that rounds to zero but is not zero."""
    mag = round_decimal(abs(change), decimals)
    if mag.is_zero() and change != 0:
        return "<" + format(Decimal(1).scaleb(-decimals), "f")
    return _grouped(mag, 0) if decimals == 0 else f"{mag:,.{decimals}f}"


def format_change(
    change: float | None, unit: str, lang: str = "zh", *, approximate: bool = False
) -> str:
    """'▲ 21.4%', '▼ 0.3 个百分点', '▲ ≈6.9%' (from an approximate figure); '—' when no
    comparison is possible."""
    if _is_missing(change):
        return "—"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    mag = ("≈" if approximate else "") + change_magnitude(change)
    if unit == "pp":
        return f"{arrow} {mag} {'个百分点' if lang == 'zh' else 'pp'}"
    return f"{arrow} {mag}%"


def json_number(value: float | None, decimals: int) -> float | int | None:
    """A figure for JSON: None when missing, an int when rounded to no decimals (same rule as
    the pages: round_decimal)."""
    if _is_missing(value):
        return None
    rounded = round_decimal(value, decimals)
    if decimals <= 0:
        return int(rounded)
    return float(rounded)


def coverage_notes(
    indicator: Indicator,
    period: Period,
    *,
    units_reported: int,
    units_expected: int,
    months_covered: int,
    months_expected: int,
    lang: str = "zh",
) -> list[str]:
    """What a figure lacks, in words: '6/7 县区已报'; a flow '缺月份 6/12'; a stock known only
    before the period's end '截至2024年6月' (as of June, not the level at the period's end)."""
    out = []
    if units_reported < units_expected:
        out.append(t("flag_coverage", lang, r=units_reported, e=units_expected))
    if months_covered < months_expected:
        month = period.month_of(months_covered)
        if indicator.kind != "stock":
            out.append(t("flag_months", lang, c=months_covered, e=months_expected))
        elif month is None:
            out.append(t("flag_stock_early", lang))
        else:
            out.append(
                t("flag_stock_as_of", lang, month=month.label if lang == "zh" else month.label_en)
            )
    return out


def conflict_note(
    indicator: Indicator,
    period: Period,
    value: float | None,
    finer_value: float | None,
    conflicts: int,
    lang: str = "zh",
) -> str | None:
    """The note on a figure whose exact-period figure and finer figures disagree (the exact one
    stands, docs/methodology.md "Annual and monthly figures"); None when they agree."""
    if not conflicts:
        return None
    label = period.label if lang == "zh" else period.label_en
    finer = t("conflict_finer_stock" if indicator.kind == "stock" else "conflict_finer_flow", lang)
    if not _is_missing(finer_value):
        return t(
            "conflict_note",
            lang,
            period=label,
            value=format_value(value, indicator),
            finer=finer,
            finer_value=format_value(finer_value, indicator),
        )
    return t("conflict_note_units", lang, n=conflicts, period=label, finer=finer)
