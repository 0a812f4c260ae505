"""What every year-end report format shares: constants, the charts as PNG, the text of headings,
paragraphs and tables, and the traceability tables (lawstats.reports.report_docx, report_xlsx and
report_export build on it)."""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.formatting import format_change, format_value, rounding_note
from lawstats.reports import report_text as rt
from lawstats.reports.report import Report, Section

DEMO_NOTICE = (
    "示例数据：本报告由程序生成的演示数据生成（与公开报道的城市年度数字一致），不是真实统计。"
)
NO_CHARTS = "本报告未包含图表：图表需要 Chromium 渲染，本机不可用（{reason}）。"
CHARTS_OFF = "本报告未包含图表（生成时选择了不含图表）。"
SOURCES_INTRO = (
    "本报告中的数字均由各单位报送并经导入校验的数据，按统一汇总规则计算（流量按期间累计，存量取期末数，"
    "比率由分子分母重新计算），与看板及 `python -m etl show` 所示一致。下表列出所用数据批次。"
)
TABLE_COLUMNS = 5  # indicator columns per Word table (A4 portrait)
CHINESE_NUMERALS = "一二三四五六七八九十"
BODY_FONT = "宋体"
HEADING_FONT = "黑体"

MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
}

TEMPLATE_HELP: dict[str, str] = {
    "{{title}}": "报告标题（甘肃省天水市2024年法治工作统计报告）",
    "{{region}}": "地区名称（天水市）",
    "{{region_full}}": "地区全称（甘肃省天水市）",
    "{{period}}": "期间（2024年）",
    "{{previous_period}}": "对比期间（2023年）",
    "{{data_as_of}}": "数据截至时间与最新批次",
    "{{generated_at}}": "生成时间",
    "{{demo}}": "示例数据提示（真实数据时为空）",
    "{{rounding}}": "数值修约规则说明（四舍五入或 GB/T 8170）",
    "{{figure:CODE}}": "一个指标的数值（{{figure:mediation_cases}} → 13287件）",
    "{{change:CODE}}": "该指标的同比表述（同比增长8.0%，增加986件）",
    "{{sentence:CODE}}": "该指标的完整句子",
    "{{group:CODE}}": "一个分组的全部句子（文字）",
    "{{targets}}": "目标完成情况句子（无目标时为空）",
    "{{body}}": "整段正文：各分组标题、句子、亮点、表格、图表（须单独成段）",
    "{{section:CODE}}": "一个分组的正文：句子、亮点、表格、图表（须单独成段）",
    "{{sources}}": "数据来源附录表格（须单独成段）",
}

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_]+(?::[A-Za-z0-9_]+)?)\s*\}\}")
BLOCKS = ("body", "section", "sources")


# --------------------------------------------------------------------------- charts

_kaleido_lock = threading.Lock()
_kaleido_started = False


class ChartsUnavailable(RuntimeError):
    """Charts cannot be rendered here (no Chromium for kaleido)."""


def render_png(fig: Any, *, width: int = 900, height: int = 420) -> bytes:
    """A plotly figure as PNG bytes (Chinese glyphs through the WenQuanYi font in Chromium)."""
    global _kaleido_started
    import plotly.graph_objects as go
    import plotly.io as pio

    printable = go.Figure(fig)
    # the document's caption names the chart; white background for print
    printable.update_layout(template="plotly_white", paper_bgcolor="white", title_text="")
    printable.update_layout(margin={"t": 20})
    with _kaleido_lock:
        try:
            if not _kaleido_started:
                import kaleido

                # one browser for the whole process: ~0.3 s per image instead of ~5 s;
                # mathjax=False: kaleido's page would otherwise load MathJax from a CDN (the
                # intranet has none); plotly.js comes from the installed plotly package
                kaleido.start_sync_server(mathjax=False, silence_warnings=True)
                _kaleido_started = True
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pio.to_image(printable, format="png", width=width, height=height, scale=2)
        except Exception as exc:  # noqa: BLE001 - kaleido/choreographer raise many kinds
            raise ChartsUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from exc


def chart_images(report: Report, *, charts: bool = True) -> tuple[dict[str, bytes], str | None]:
    """PNG per group with a chart, and the note to print when charts are missing (else None)."""
    if not charts:
        return {}, CHARTS_OFF
    images: dict[str, bytes] = {}
    for section in report.sections:
        if section.chart is None:
            continue
        try:
            images[section.group] = render_png(section.chart)
        except ChartsUnavailable as exc:
            return {}, NO_CHARTS.format(reason=str(exc))
    return images, None


# --------------------------------------------------------------------------- shared text


def as_of_text(report: Report) -> str:
    when = report.data_as_of.strftime("%Y年%m月%d日 %H:%M") if report.data_as_of else "—"
    batch = f"（最新批次 #{report.latest_batch_id}）" if report.latest_batch_id else ""
    return f"{when}{batch}"


def meta_line(report: Report) -> str:
    return (
        f"数据截至：{as_of_text(report)}；生成时间：{report.generated_at:%Y年%m月%d日 %H:%M}；"
        f"对比期间：{report.previous_period.label}。"
    )


def notices(report: Report) -> list[str]:
    """What every format says before the figures: the demo notice, when the data is from, and
    the rounding rule (a reader who checks a figure needs it next to the figures)."""
    return [*([DEMO_NOTICE] if report.is_demo else []), meta_line(report), rounding_note("zh")]


def sentence_counts(report: Report) -> tuple[int, int]:
    """(statements, notices): counted from the lists the exports print, so a message saying
    how many sentences a report has agrees with the report."""
    return len(report.sentences()), len(notices(report))


def section_heading(index: int, section: Section) -> str:
    return f"{CHINESE_NUMERALS[index] if index < 10 else index + 1}、{section.title}"


def joined(sentences: Iterable) -> str:
    return "".join(s.text for s in sentences)


def figure_texts(report: Report, section: Section) -> tuple[str, str]:
    """The group's figure sentences as one paragraph, and its notes (figures without data)."""
    figures = [s.text for s in section.statements if s.kind == "figure"]
    notes = [s for s in section.statements if s.kind != "figure"]
    return rt.paragraph(figures, report.scope), joined(notes)


def section_paragraphs(report: Report, section: Section) -> list[str]:
    """A group's text as paragraphs: its figures, what stands out across units, figures without data."""
    figures, notes = figure_texts(report, section)
    highlights = (
        f"从各{rt.units_word(report.level)}看，" + joined(section.highlights)
        if section.highlights
        else ""
    )
    return [t for t in (figures, highlights, notes) if t]


def targets_text(report: Report) -> str:
    return joined(report.targets)


def cell_text(row: Any, catalog: Catalog, sep: str = "\n") -> str:
    """'13,287' and the change ('▲ 8.0%'; '—' when no honest comparison) for a table cell."""
    if row is None:
        return "—"
    ind = catalog.get(row["indicator_code"])
    value = format_value(
        row["value"], ind, approximate=bool(row["is_approximate"]), with_unit=False
    )
    if ind.unit == "%" and value != "—":
        value = value.rstrip("%")
    change = format_change(
        row["change"] if row["comparable"] else None,
        row["change_unit"],
        approximate=bool(row.get("change_is_approximate")),
    )
    return f"{value}{sep}{change}"


def table_codes(section: Section) -> list[str]:
    """The group's indicators that have a figure for at least one unit (the table's columns)."""
    t = section.table
    have = set(t.loc[t["value"].notna(), "indicator_code"])
    return [c for c in section.indicator_codes if c in have]


def unit_rows(
    section: Section, codes: list[str], catalog: Catalog, sep: str = "\n"
) -> list[list[str]]:
    """Rows of the by-unit table: unit name, then value and change per indicator; the total last."""
    t = section.table
    by_key = {(r["name"], r["indicator_code"]): r for r in t.to_dict("records")}
    return [
        [name] + [cell_text(by_key.get((name, c)), catalog, sep) for c in codes]
        for name in dict.fromkeys(t["name"])
    ]


def column_title(code: str, catalog: Catalog) -> str:
    ind = catalog.get(code)
    return f"{ind.name_zh}（{ind.unit}）"


def unit_table_frame(
    report: Report, section: Section, catalog: Catalog | None = None
) -> pd.DataFrame:
    """The by-unit table for screens: '13,287（▲ 8.0%）' per cell."""
    catalog = catalog or load_catalog()
    codes = table_codes(section)
    if not codes:
        return pd.DataFrame()
    header = ["地区", *[column_title(c, catalog) for c in codes]]
    rows = unit_rows(section, codes, catalog, sep=" ")
    return pd.DataFrame(rows, columns=header)


def traceable_figures(report: Report, catalog: Catalog | None = None) -> dict[str, str]:
    """Indicator code -> '调解矛盾纠纷件数：13287件' for every figure the report states."""
    catalog = catalog or load_catalog()
    own = report.figures[report.figures["region_code"] == report.region_code]
    out = {}
    for r in own.to_dict("records"):
        ind = catalog.get(r["indicator_code"])
        value = (
            "—"
            if pd.isna(r["value"])
            else rt.amount(r["value"], ind, approximate=bool(r["is_approximate"]))
        )
        out[ind.code] = f"{ind.name_zh}：{value}"
    return out


def trace_table(batches: pd.DataFrame, tr: Callable[[str], str]) -> pd.DataFrame:
    """Report.trace rows for a screen: 用途, 批次, 文件, 工作表, 上传人, 上传时间, 期间, 状态."""
    roles = {"current": tr("report_trace_current"), "previous": tr("report_trace_previous")}
    return pd.DataFrame(
        {
            tr("report_trace_role"): batches["role"].map(roles),
            tr("report_col_batch"): [f"#{int(b)}" for b in batches["id"]],
            tr("report_col_file"): batches["file_name"],
            tr("report_col_sheet"): batches["sheet"],
            tr("report_col_uploader"): batches["uploaded_by"],
            tr("report_col_uploaded"): [when_text(v) for v in batches["uploaded_at"]],
            tr("report_col_period"): batches["period_label"],
            tr("report_col_status"): batches["status"],
        }
    )


def diff_table(diff: pd.DataFrame, report: Report, tr: Callable[[str], str]) -> pd.DataFrame:
    """A diff of two generations for a screen: section, change, before, after."""
    titles = {s.group: s.title for s in report.sections}
    titles["targets"] = "年度目标完成情况"
    return pd.DataFrame(
        {
            tr("report_section"): diff["section"].map(lambda g: titles.get(g, g)),
            tr("report_diff_status"): diff["status"].map(lambda s: tr(f"report_diff_{s}")),
            tr("report_diff_before"): diff["old"].fillna(""),
            tr("report_diff_after"): diff["new"].fillna(""),
        }
    )


def sections_in_order(report: Report) -> list[tuple[int, Section]]:
    return list(enumerate(report.sections))


def when_text(value: Any) -> str:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
