"""Targets and progress rows in words: '≥ 14,000 件', the explanation sentence, the status summary."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from lawstats.analysis.targets.model import LAGGING, STATUS_EN, STATUS_ZH, STATUSES, _num
from lawstats.domain.catalog import Indicator, load_catalog
from lawstats.domain.formatting import format_number
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.i18n import t


def _fmt(v: float | None, ind: Indicator, decimals: int | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    d = ind.decimals if decimals is None else decimals
    return format_number(v, d)


def target_text(
    kind: str, value: float, ind: Indicator, per_code: str | None, lang: str = "zh"
) -> str:
    """'≥ 14,000 件', '≤ 0 个', '增长 > 0%', '每单位 ≥ 3 人/个', '≥ 95%'."""
    catalog = load_catalog()
    unit = "%" if ind.is_ratio else ind.unit
    num = format_number(value, max(ind.decimals, 1) if not float(value).is_integer() else 0)
    space = "" if unit == "%" else " "
    if kind == "growth":
        g_unit = "个百分点" if ind.is_ratio and lang == "zh" else ("pp" if ind.is_ratio else "%")
        g_space = " " if ind.is_ratio else ""
        op = ">" if value == 0 else "≥"
        return t("tg_text_growth", lang, op=op, value=num, unit=g_space + g_unit)
    if kind == "per_unit":
        per_unit = ""
        if per_code:
            per = catalog.get(per_code)
            per_unit = (
                "/" + per.name_zh.removesuffix("数") if lang == "zh" else " per " + per.name_en
            )
        return t("tg_text_per_unit", lang, value=num, unit=space + unit + per_unit)
    op = "≤" if kind == "at_most" else "≥"
    return f"{op} {num}{space}{unit}"


def explain(row: Any, lang: str = "zh") -> str:
    """One progress row as a sentence: actual, target, 序时进度, gap (the heat map's hover text)."""
    catalog = load_catalog()
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    ind = catalog.get(get("indicator_code"))
    kind = get("target_kind")
    target = target_text(kind, float(get("target_value")), ind, get("per_code"), lang)
    name = ind.name(lang)
    status = get("status")
    actual = _num(get("actual"))
    if status == "no_data":
        no_prev = kind == "growth" and actual is not None
        why = t("tg_explain_no_prev" if no_prev else "tg_explain_no_data", lang)
        parts = [t("tg_explain_head", lang, name=name, target=target) + why]
    elif kind == "per_unit":
        parts = _explain_per_unit(get, name, target, actual, lang)
    elif kind == "growth":
        parts = [
            t(
                "tg_explain_growth",
                lang,
                name=name,
                target=target,
                actual=_with_unit(actual, ind),
                previous=_with_unit(_num(get("previous")), ind),
                growth=format_number(_num(get("growth")), 1),
                gunit=("个百分点" if lang == "zh" else " pp") if ind.is_ratio else "%",
                gap=_signed(_num(get("gap_pp")), lang, "target"),
            )
        ]
    elif _num(get("expected")) is not None:
        year, months = int(get("year")), int(get("months"))
        through = Period.months(year, 1, months)
        parts = [
            t(
                "tg_explain_flow",
                lang,
                name=name,
                through=through.label if lang == "zh" else through.label_en,
                actual=_with_unit(actual, ind),
                target=target,
                completion=format_number(_num(get("completion")), 1),
                expected=format_number(_num(get("expected")), 1),
                gap=_signed(_num(get("gap_pp")), lang, "pace"),
            )
        ]
    else:
        parts = [
            t("tg_explain_level", lang, name=name, actual=_with_unit(actual, ind), target=target)
        ]
        short = _num(get("shortfall"))
        if short:
            key = "tg_explain_over" if kind == "at_most" else "tg_explain_short"
            points = "个百分点" if lang == "zh" else "pp"
            amount = (
                f"{format_number(short, 1)} {points}" if ind.is_ratio else _with_unit(short, ind)
            )
            parts.append(t(key, lang, short=amount))
    if not get("complete", True) and status != "no_data":
        parts.append(t("tg_explain_incomplete", lang))
    if get("approximate", False) and status != "no_data":
        parts.append(t("tg_explain_approximate", lang))
    status_text = (STATUS_ZH if lang == "zh" else STATUS_EN)[status]
    parts.append(t("tg_explain_status", lang, status=status_text))
    if get("settled"):
        parts.append(t("tg_explain_settled", lang))
    if get("revised"):
        parts.append(revision_note(row, lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def _with_unit(v: float | None, ind: Indicator) -> str:
    if v is None:
        return "—"
    if ind.unit == "%":
        return format_number(v, max(ind.decimals, 1)) + "%"
    return f"{format_number(v, ind.decimals)} {ind.unit}"


def _explain_per_unit(get, name: str, target: str, actual: float | None, lang: str) -> list[str]:
    regions = load_regions()
    parts = [
        t(
            "tg_explain_per_unit",
            lang,
            name=name,
            target=target,
            passing=get("units_passing"),
            total=get("units_total"),
            worst=format_number(actual, 2),
        )
    ]
    fails = [regions.get(c).name for c in get("failing_units") or ()]
    if fails:
        parts.append(
            t("tg_explain_failing", lang, names=("、" if lang == "zh" else ", ").join(fails))
        )
    return parts


def _signed(v: float | None, lang: str, against: str = "pace") -> str:
    """'超前/落后 n 个百分点' against 序时进度, '高于/低于目标 n 个百分点' against a target."""
    if v is None:
        return "—"
    up, down, even = (
        ("tg_ahead", "tg_behind_by", "tg_on_pace")
        if against == "pace"
        else ("tg_above", "tg_below", "tg_at_target")
    )
    if v > 0:
        return t(up, lang, n=format_number(v, 1))
    if v < 0:
        return t(down, lang, n=format_number(-v, 1))
    return t(even, lang)


def revision_note(row: Any, lang: str = "zh") -> str:
    """'结算 X，现为 Y' for a settled target whose figures were revised later."""
    catalog = load_catalog()
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    ind = catalog.get(get("indicator_code"))
    return t(
        "tg_revised",
        lang,
        settled=_fmt(
            _num(get("settled_actual")), ind, 2 if get("target_kind") == "per_unit" else None
        ),
        now=_fmt(_num(get("current_actual")), ind, 2 if get("target_kind") == "per_unit" else None),
    )


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many targets in each status (every status present, zeros included)."""
    counts = frame["status"].value_counts().to_dict() if not frame.empty else {}
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def summary_sentence(frame: pd.DataFrame, lang: str = "zh") -> str:
    """'共 12 项目标：已完成 5 项，进度正常 3 项，滞后 3 项，未完成 0 项，无数据 1 项。'"""
    c = status_counts(frame)
    return t("tg_summary", lang, n=len(frame), **c)


def lagging(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows behind or missed, the furthest behind first."""
    if frame.empty:
        return frame
    lag = frame[frame["status"].isin(LAGGING)].copy()
    return lag.sort_values(["status", "gap_pp"], ascending=[False, True], na_position="last")
