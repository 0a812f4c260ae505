"""The targets page's data editor: stored targets as editor rows (labels) and back to Targets."""

from __future__ import annotations

import math

import pandas as pd

from lawstats.analysis.targets.model import KINDS, Target, TargetError, kind_label, validate
from lawstats.domain.catalog import load_catalog
from lawstats.i18n import t

EDITOR_KEYS = ("region", "indicator", "kind", "value", "per", "note")


def editor_columns(lang: str = "zh") -> dict[str, str]:
    """The editor's column headers by key (region, indicator, kind, value, per, note)."""
    return {k: t(f"tg_col_{k}", lang) for k in EDITOR_KEYS}


def editor_frame(stored: pd.DataFrame, names: dict[str, str], lang: str = "zh") -> pd.DataFrame:
    """Stored targets as the page's data_editor rows (labels, not codes); `names` maps region code -> label."""
    catalog = load_catalog()
    cols = editor_columns(lang)
    rows = []
    for r in stored.itertuples(index=False):
        if r.region_code not in names:
            continue
        rows.append(
            {
                cols["region"]: names[r.region_code],
                cols["indicator"]: catalog.get(r.indicator_code).name(lang),
                cols["kind"]: kind_label(r.kind, lang),
                cols["value"]: float(r.value),
                cols["per"]: catalog.get(r.per_code).name(lang)
                if isinstance(r.per_code, str) and r.per_code
                else None,
                cols["note"]: r.note if isinstance(r.note, str) else "",
            }
        )
    return pd.DataFrame(rows, columns=list(cols.values()))


def editor_options(lang: str = "zh") -> dict[str, list[str]]:
    """Choices for the editor's select columns: indicators, kinds, per (stock) indicators."""
    catalog = load_catalog()
    return {
        "indicator": [catalog.get(c).name(lang) for c in catalog.codes_with_members],
        "kind": [kind_label(k, lang) for k in KINDS],
        "per": [i.name(lang) for i in catalog if i.kind == "stock"],
    }


def targets_from_editor(
    edited: pd.DataFrame, year: int, names: dict[str, str], lang: str = "zh"
) -> tuple[list[Target], list[str]]:
    """The editor's rows back to Targets (label -> code); problems as messages, one per bad row."""
    catalog = load_catalog()
    region_by = {v: k for k, v in names.items()}
    ind_by = {catalog.get(c).name(lang): c for c in catalog.codes_with_members}
    kind_by = {kind_label(k, lang): k for k in KINDS}
    out: list[Target] = []
    problems: list[str] = []
    for n, row in enumerate(edited.itertuples(index=False), start=1):
        region, indicator, kind, value, per, note = (row[i] for i in range(6))
        blank = [
            v
            for v in (region, indicator, kind, value)
            if v is None or (isinstance(v, float) and math.isnan(v)) or v == ""
        ]
        if len(blank) == 4 and not per and not note:
            continue  # an empty row the editor added
        if blank:
            problems.append(t("tg_row_incomplete", lang, n=n))
            continue
        try:
            out.append(
                validate(
                    Target(
                        region_by[region],
                        ind_by[indicator],
                        int(year),
                        kind_by[kind],
                        float(value),
                        ind_by.get(per) if per else None,
                        note if isinstance(note, str) else "",
                    )
                )
            )
        except (KeyError, ValueError):
            problems.append(t("tg_row_incomplete", lang, n=n))
        except TargetError as exc:
            problems.append(f"{n}: " + (exc.message_en if lang == "en" else exc.message_zh))
    return out, problems
