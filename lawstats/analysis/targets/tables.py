"""Progress, history, lock events and targets as display tables, exports and JSON records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from lawstats.analysis.targets.locking import reopenings
from lawstats.analysis.targets.model import STATUS_EN, STATUS_ZH, Target, _num
from lawstats.analysis.targets.settlement import settlements
from lawstats.analysis.targets.wording import _with_unit, explain, target_text
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import format_number, json_number, round_decimal
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.i18n import t


def progress_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for `etl progress --json`: the CLI contract's fields plus the detail."""
    catalog = load_catalog()
    out = []
    for r in frame.itertuples(index=False):
        ind = catalog.get(r.indicator_code)
        dec = 2 if r.target_kind == "per_unit" else ind.decimals
        out.append(
            {
                "region_code": r.region_code,
                "region_name": r.region_name,
                "indicator_code": r.indicator_code,
                "name_zh": ind.name_zh,
                "kind": r.target_kind,
                "target": json_number(r.target_value, max(ind.decimals, 1)),
                "per_code": r.per_code if isinstance(r.per_code, str) else None,  # never NaN
                "unit": ind.unit,
                "through": r.through,
                "actual": json_number(_num(r.actual), dec),
                "completion_pct": json_number(_num(r.completion), 1),
                "elapsed_pct": json_number(_num(r.expected), 1),
                "gap_pp": json_number(_num(r.gap_pp), 1),
                "growth_pct": json_number(_num(r.growth), 1),
                "shortfall": _num(r.shortfall),
                "failing_units": list(r.failing_units),
                "complete": bool(r.complete),
                "status": r.status,
                "status_zh": r.status_zh,
                "settled": bool(r.settled),
                "revised": bool(r.revised),
                "current_actual": json_number(_num(r.current_actual), dec),
                "approximate": bool(r.approximate),
            }
        )
    return out


def export_frame(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Progress rows as plain columns for CSV/Excel, with the explanation sentence."""
    if frame.empty:
        return pd.DataFrame(columns=["region_code", "indicator_code", "status"])
    catalog = load_catalog()
    out = frame.drop(columns=["failing_units"]).copy()
    out["failing_units"] = [
        "、".join(load_regions().get(c).name for c in f) for f in frame["failing_units"]
    ]
    out["target_text"] = [
        target_text(k, float(v), catalog.get(c), p, lang)
        for k, v, c, p in zip(
            frame["target_kind"],
            frame["target_value"],
            frame["indicator_code"],
            frame["per_code"],
            strict=True,
        )
    ]
    out["explanation"] = [explain(r, lang) for r in frame.to_dict("records")]
    if lang == "en":
        out["status_zh"] = [STATUS_EN[s] for s in frame["status"]]
        out = out.rename(columns={"status_zh": "status_text"})
    return out


def progress_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Progress rows for display: region, indicator, target, actual, 完成进度, 序时进度, gap, status, explanation."""
    catalog = load_catalog()
    status_text = STATUS_ZH if lang == "zh" else STATUS_EN
    return pd.DataFrame(
        {
            t("tg_col_region", lang): frame["region_name"],
            t("tg_col_indicator", lang): [
                catalog.get(c).name(lang) for c in frame["indicator_code"]
            ],
            t("tg_col_target", lang): [
                target_text(k, float(v), catalog.get(c), p, lang)
                for k, v, c, p in zip(
                    frame["target_kind"],
                    frame["target_value"],
                    frame["indicator_code"],
                    frame["per_code"],
                    strict=True,
                )
            ],
            t("tg_col_actual", lang): [
                _approx(_with_unit(_num(a), catalog.get(c)), x)
                if k != "per_unit"
                else _approx(format_number(_num(a), 2), x)
                for a, c, k, x in zip(
                    frame["actual"],
                    frame["indicator_code"],
                    frame["target_kind"],
                    frame["approximate"],
                    strict=True,
                )
            ],
            t("tg_col_completion", lang): [
                _approx(_number_text(v), x)
                for v, x in zip(frame["completion"], frame["approximate"], strict=True)
            ],
            t("tg_col_expected", lang): [_number_text(v) for v in frame["expected"]],
            t("tg_col_gap", lang): [_number_text(v, signed=True) for v in frame["gap_pp"]],
            t("tg_col_status", lang): [status_text[s] for s in frame["status"]],
            t("tg_col_explain", lang): [explain(r, lang) for r in frame.to_dict("records")],
        }
    )


def _approx(text: str, approximate: Any) -> str:
    """约 before a figure that rests on an approximate one ("4000余" reported), not before —."""
    return f"约{text}" if bool(approximate) and text != "—" else text


def _number_text(v: Any, *, signed: bool = False) -> str:
    """27.4, +2.4, or — when there is no figure (tables show text, exports keep the numbers)."""
    n = _num(v)
    if n is None:
        return "—"
    text = f"{round_decimal(n, 1):.1f}"  # the one display rule (LAWSTATS_ROUNDING)
    return "+" + text if signed and n > 0 and not text.startswith("-") else text


def history_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """target_history rows for display: when, who, region, indicator, action, old -> new, source."""
    catalog = load_catalog()
    regions = load_regions()

    def text(kind: Any, value: Any, code: str, per: Any) -> str:
        if not isinstance(kind, str):
            return "—"
        return target_text(
            kind, float(value), catalog.get(code), per if isinstance(per, str) else None, lang
        )

    return pd.DataFrame(
        {
            t("tg_col_when", lang): frame["at"],
            t("tg_col_who", lang): frame["actor"],
            t("tg_col_region", lang): [regions.get(c).name for c in frame["region_code"]],
            t("tg_col_indicator", lang): [
                catalog.get(c).name(lang) for c in frame["indicator_code"]
            ],
            t("tg_col_action", lang): [t(f"tg_action_{a}", lang) for a in frame["action"]],
            t("tg_col_old", lang): [
                text(k, v, c, p)
                for k, v, c, p in zip(
                    frame["old_kind"],
                    frame["old_value"],
                    frame["indicator_code"],
                    frame["old_per_code"],
                    strict=True,
                )
            ],
            t("tg_col_new", lang): [
                text(k, v, c, p)
                for k, v, c, p in zip(
                    frame["new_kind"],
                    frame["new_value"],
                    frame["indicator_code"],
                    frame["new_per_code"],
                    strict=True,
                )
            ],
            t("tg_col_version", lang): frame["version"],
            t("tg_col_source", lang): frame["source"],
        }
    )


def unique_names(codes: Sequence[str], regions: RegionTable | None = None) -> dict[str, str]:
    """Region code -> a label unique among `codes` (the name; name and code for namesakes)."""
    regions = regions or load_regions()
    names = {c: regions.get(c).name for c in codes}
    seen: dict[str, int] = {}
    for n in names.values():
        seen[n] = seen.get(n, 0) + 1
    return {c: n if seen[n] == 1 else f"{n}（{c}）" for c, n in names.items()}


def targets_table(found: Sequence[Target], lang: str = "zh") -> pd.DataFrame:
    """Targets (e.g. read from a file, before import) as a display table."""
    catalog = load_catalog()
    regions = load_regions()
    return pd.DataFrame(
        {
            t("tg_col_region", lang): [regions.full_name(x.region_code) for x in found],
            t("tg_col_indicator", lang): [catalog.get(x.indicator_code).name(lang) for x in found],
            t("year", lang): [x.year for x in found],
            t("tg_col_target", lang): [
                target_text(x.kind, x.value, catalog.get(x.indicator_code), x.per_code, lang)
                for x in found
            ],
            t("tg_col_note", lang): [x.note for x in found],
        }
    )


def lock_events(engine: Engine, region_code: str, year: int, lang: str = "zh") -> pd.DataFrame:
    """Reopenings, relocks and settlements of the scope and year, newest first, for display."""
    regions = load_regions()
    rows = []
    for r in reopenings(engine, region_code, year).itertuples(index=False):
        rows.append(
            (r.reopened_at, r.reopened_by, r.region_code, t("tg_event_reopen", lang), r.reason)
        )
        if r.relocked_at is not None and not pd.isna(r.relocked_at):
            rows.append(
                (r.relocked_at, r.relocked_by, r.region_code, t("tg_event_relock", lang), "")
            )
    for s in settlements(engine, region_code, year).itertuples(index=False):
        rows.append(
            (s.settled_at, s.settled_by, s.region_code, t("tg_event_settle", lang), s.note or "")
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            t("tg_col_when", lang),
            t("tg_col_who", lang),
            t("tg_col_region", lang),
            t("tg_col_action", lang),
            t("tg_col_reason", lang),
        ],
    )
    frame[t("tg_col_region", lang)] = [regions.get(c).name for c in frame[t("tg_col_region", lang)]]
    return frame.sort_values(t("tg_col_when", lang), ascending=False).reset_index(drop=True)
