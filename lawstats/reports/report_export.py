"""Year-end report exports: Word (.docx, also into a bureau's own template), Excel (.xlsx), plain text.

Word: headings, the sentences, highlights, a table per group (units x figures with the change),
a chart per group as PNG (kaleido + Chromium; without Chromium the report is produced without
charts and says so) and a 数据来源 appendix (batches: file, uploader, date).

Templates: a .docx with {{placeholders}} (see TEMPLATE_HELP and docs/guide-reports.md, "A bureau's own Word template").
A block placeholder ({{body}}, {{section:mediation}}, {{sources}}) alone in a paragraph is
replaced by headings, paragraphs, tables and charts in the template's own styles; any
placeholder inside text is replaced by text, even when Word split it over several runs.

Excel: a sheet with every sentence, one sheet per group (sentences and the by-unit table with
last year and the change), the batches, and the figures in long form; every text cell passes
through lawstats.domain.safecell.safe_cell and is written as a string, never as a formula.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lawstats.reports.report import Report

# the exports' public face: pages and the CLI use these names through this module
from lawstats.reports.report_common import (
    MIME,
    TEMPLATE_HELP,
    ChartsUnavailable,
    as_of_text,
    chart_images,
    diff_table,
    joined,
    notices,
    section_heading,
    section_paragraphs,
    sections_in_order,
    sentence_counts,
    targets_text,
    trace_table,
    traceable_figures,
    unit_table_frame,
    when_text,
)
from lawstats.reports.report_docx import (
    template_placeholders,
    to_docx,
    unknown_placeholders,
)
from lawstats.reports.report_xlsx import to_xlsx

__all__ = [
    "ChartsUnavailable",
    "MIME",
    "TEMPLATE_HELP",
    "as_of_text",
    "chart_images",
    "diff_table",
    "export",
    "notices",
    "section_heading",
    "sentence_counts",
    "section_paragraphs",
    "targets_text",
    "template_placeholders",
    "to_docx",
    "to_text",
    "to_xlsx",
    "trace_table",
    "traceable_figures",
    "unit_table_frame",
    "unknown_placeholders",
]

# --------------------------------------------------------------------------- plain text


def to_text(report: Report) -> str:
    """The report as plain text to paste: title, notices, each group's sentences, sources."""
    lines = [report.title, *notices(report)]
    if report.empty:
        lines.append("所选地区和期间没有数据。")
    if report.targets:
        lines += ["", "年度目标完成情况", joined(report.targets)]
    for i, section in sections_in_order(report):
        lines += ["", section_heading(i, section), *section_paragraphs(report, section)]
    lines += ["", "数据来源"]
    for r in report.sources.itertuples(index=False):
        sheet = "" if r.sheet is None or pd.isna(r.sheet) else f" / {r.sheet}"
        lines.append(
            f"#{int(r.id)} {r.file_name}{sheet}（{r.uploaded_by}，{when_text(r.uploaded_at)}）"
        )
    return "\n".join(lines) + "\n"


def export(report: Report, fmt: str, **kwargs: Any) -> bytes:
    """Bytes of the report in 'docx', 'xlsx' or 'txt' (UTF-8)."""
    if fmt == "docx":
        return to_docx(report, **kwargs)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "txt":
        return to_text(report).encode("utf-8")
    raise ValueError(f"unknown report format: {fmt}")
