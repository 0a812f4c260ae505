"""Year-end report exports: Word (.docx, also into a bureau's own template), Excel (.xlsx), plain text.

Word: headings, the sentences, highlights, a table per group (units x figures with the change),
a chart per group as PNG (kaleido + Chromium; without Chromium the report is produced without
charts and says so) and a 数据来源 appendix (batches: file, uploader, date).

Templates: a .docx with {{placeholders}} (see TEMPLATE_HELP and README "Year-end report").
A block placeholder ({{body}}, {{section:mediation}}, {{sources}}) alone in a paragraph is
replaced by headings, paragraphs, tables and charts in the template's own styles; any
placeholder inside text is replaced by text, even when Word split it over several runs.

Excel: a sheet with every sentence, one sheet per group (sentences and the by-unit table with
last year and the change), the batches, and the figures in long form; every text cell passes
through lawstats.domain.safecell.safe_cell and is written as a string, never as a formula.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.formatting import format_change, format_value
from lawstats.domain.safecell import safe_cell
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


def section_heading(index: int, section: Section) -> str:
    return f"{CHINESE_NUMERALS[index] if index < 10 else index + 1}、{section.title}"


def _joined(sentences: Iterable) -> str:
    return "".join(s.text for s in sentences)


def _figure_texts(report: Report, section: Section) -> tuple[str, str]:
    """The group's figure sentences as one paragraph, and its notes (figures without data)."""
    figures = [s.text for s in section.statements if s.kind == "figure"]
    notes = [s for s in section.statements if s.kind != "figure"]
    return rt.paragraph(figures, report.scope), _joined(notes)


def section_paragraphs(report: Report, section: Section) -> list[str]:
    """A group's text as paragraphs: its figures, what stands out across units, figures without data."""
    figures, notes = _figure_texts(report, section)
    highlights = (
        f"从各{rt.units_word(report.level)}看，" + _joined(section.highlights)
        if section.highlights
        else ""
    )
    return [t for t in (figures, highlights, notes) if t]


def targets_text(report: Report) -> str:
    return _joined(report.targets)


def _cell_text(row: Any, catalog: Catalog, sep: str = "\n") -> str:
    """'13,287' and the change ('▲ 8.0%'; '—' when no honest comparison) for a table cell."""
    if row is None:
        return "—"
    ind = catalog.get(row["indicator_code"])
    value = format_value(
        row["value"], ind, approximate=bool(row["is_approximate"]), with_unit=False
    )
    if ind.unit == "%" and value != "—":
        value = value.rstrip("%")
    change = format_change(row["change"] if row["comparable"] else None, row["change_unit"])
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
        [name] + [_cell_text(by_key.get((name, c)), catalog, sep) for c in codes]
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
            tr("report_col_uploaded"): [_when(v) for v in batches["uploaded_at"]],
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


def _sections_in_order(report: Report) -> list[tuple[int, Section]]:
    return list(enumerate(report.sections))


# --------------------------------------------------------------------------- Word


def _east_asian(element_with_rpr: Any, font: str) -> None:
    rpr = element_with_rpr.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)


def _style(doc: Any, name: str) -> Any | None:
    try:
        return doc.styles[name]
    except KeyError:
        return None


def _set_up_styles(doc: Any) -> None:
    """Chinese fonts for body and headings in the built-in template (a bureau template keeps its own)."""
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _east_asian(normal.element, BODY_FONT)
    for level in (0, 1, 2):
        style = _style(doc, "Title" if level == 0 else f"Heading {level}")
        if style is None:
            continue
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asian(style.element, HEADING_FONT)


class _Writer:
    """Adds report blocks to a document, with fallbacks when a template lacks a style."""

    def __init__(self, doc: Any, catalog: Catalog):
        self.doc = doc
        self.catalog = catalog
        self.tables = 0
        self.figures = 0

    def heading(self, text: str, level: int = 1) -> None:
        name = "Title" if level == 0 else f"Heading {level}"
        if _style(self.doc, name) is not None:
            self.doc.add_paragraph(text, style=name)
            return
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        run.bold = True
        run.font.size = Pt({0: 18, 1: 14}.get(level, 12))

    def paragraph(self, text: str, *, italic: bool = False, first_line_indent: bool = True) -> None:
        if not text:
            return
        p = self.doc.add_paragraph()
        if first_line_indent:
            p.paragraph_format.first_line_indent = Pt(22)
        run = p.add_run(text)
        run.italic = italic

    def caption(self, text: str) -> None:
        style = "Caption" if _style(self.doc, "Caption") is not None else None
        p = self.doc.add_paragraph(text, style=style)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(self, header: list[str], rows: list[list[str]], bold_last: bool = False) -> None:
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _grid(table)
        _repeat_header(table)
        for j, text in enumerate(header):
            cell = table.cell(0, j)
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for i, row in enumerate(rows, start=1):
            for j, text in enumerate(row):
                cell = table.cell(i, j)
                cell.text = text
                if bold_last and i == len(rows):
                    for p in cell.paragraphs:
                        for run in p.runs:
                            run.bold = True
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8.5)

    def picture(self, png: bytes, caption: str) -> None:
        self.doc.add_picture(io.BytesIO(png), width=Cm(15.5))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.figures += 1
        self.caption(f"图{self.figures} {caption}")

    # -- report blocks ------------------------------------------------------------------

    def section_body(self, report: Report, section: Section, images: dict[str, bytes]) -> None:
        for text in section_paragraphs(report, section):
            self.paragraph(text)
        self.unit_tables(report, section)
        png = images.get(section.group)
        if png:
            self.picture(png, f"{report.region_name}{section.chart_title}")

    def unit_tables(self, report: Report, section: Section) -> None:
        codes = table_codes(section)
        for start in range(0, len(codes), TABLE_COLUMNS):
            chunk = codes[start : start + TABLE_COLUMNS]
            self.tables += 1
            self.caption(
                f"表{self.tables} {report.region_name}{report.period.label}{section.title}主要数据"
                f"（同比：{report.previous_period.label}）"
            )
            header = ["地区", *[column_title(c, self.catalog) for c in chunk]]
            rows = unit_rows(section, chunk, self.catalog)
            self.table(header, rows, bold_last=bool(report.units))

    def body(self, report: Report, images: dict[str, bytes], chart_note: str | None) -> None:
        if chart_note:
            self.paragraph(chart_note, italic=True, first_line_indent=False)
        if report.targets:
            self.heading("年度目标完成情况", 1)
            self.paragraph(_joined(report.targets))
        for i, section in _sections_in_order(report):
            self.heading(section_heading(i, section), 1)
            self.section_body(report, section, images)

    def sources(self, report: Report) -> None:
        self.paragraph(SOURCES_INTRO)
        src = report.sources
        rows = [
            [
                f"#{int(r.id)}",
                str(r.file_name),
                "" if pd.isna(r.sheet) or r.sheet is None else str(r.sheet),
                str(r.uploaded_by),
                _when(r.uploaded_at),
                "" if r.period_label is None or pd.isna(r.period_label) else str(r.period_label),
            ]
            for r in src.itertuples(index=False)
        ]
        if rows:
            self.caption("数据批次")
            self.table(["批次", "文件", "工作表", "上传人", "上传时间", "期间"], rows)
        trace = trace_rows(report, self.catalog)
        if trace:
            self.caption(f"各项数字所依据的批次（{report.region_name}）")
            self.table(["指标", f"{report.period.label}", f"{report.previous_period.label}"], trace)


def _when(value: Any) -> str:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def trace_rows(report: Report, catalog: Catalog) -> list[list[str]]:
    """Per figure of the region: the batches behind this period's and last year's value."""
    own = report.figures[report.figures["region_code"] == report.region_code]
    rows = []
    for r in own.itertuples(index=False):
        if pd.isna(r.value):
            continue
        cur = "、".join(f"#{b}" for b in r.batch_ids) or "—"
        prev = "、".join(f"#{b}" for b in r.previous_batch_ids) or "—"
        rows.append([catalog.get(r.indicator_code).name_zh, cur, prev])
    return rows


def _grid(table: Any) -> None:
    """Single-line borders on every cell, without relying on a 'Table Grid' style."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def _repeat_header(table: Any) -> None:
    """The header row repeats on every page a long table runs over."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _demo_header(doc: Any) -> None:
    for section in doc.sections:
        header = section.header
        header.is_linked_to_previous = False
        p = header.add_paragraph("示例数据 · 非真实统计")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def to_docx(
    report: Report,
    *,
    charts: bool = True,
    template: bytes | None = None,
    catalog: Catalog | None = None,
    images: dict[str, bytes] | None = None,
    chart_note: str | None = None,
) -> bytes:
    """The report as Word; with `template`, the bureau's document with its placeholders filled."""
    catalog = catalog or load_catalog()
    if images is None:
        images, chart_note = chart_images(report, charts=charts)
    if template is not None:
        return _fill_template(report, template, images, chart_note, catalog)
    doc = Document()
    _set_up_styles(doc)
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.5)
    w = _Writer(doc, catalog)
    w.heading(report.title, 0)
    if report.is_demo:
        _demo_header(doc)
        w.paragraph(DEMO_NOTICE, italic=True, first_line_indent=False)
    w.paragraph(meta_line(report), first_line_indent=False)
    if report.empty:
        w.paragraph("所选地区和期间没有数据。", first_line_indent=False)
    w.body(report, images, chart_note)
    w.heading("附录 数据来源", 1)
    w.sources(report)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- templates


def template_placeholders(template: bytes) -> list[str]:
    """Every placeholder name used in a template (body, tables, headers and footers)."""
    doc = Document(io.BytesIO(template))
    found: dict[str, None] = {}
    for p in _all_paragraphs(doc):
        for m in PLACEHOLDER_RE.finditer(p.text):
            found[m.group(1)] = None
    return list(found)


def unknown_placeholders(template: bytes, report: Report) -> list[str]:
    """Placeholders of a template this report cannot fill (they are left in the document)."""
    values = text_values(report)
    return [
        name
        for name in template_placeholders(template)
        if _text_for(name, values) is None and not _is_block(name, report)
    ]


def text_values(report: Report) -> dict[str, str]:
    """Every inline placeholder's text for this report."""
    values = {
        "title": report.title,
        "region": report.region_name,
        "region_full": report.full_name,
        "period": report.period.label,
        "previous_period": report.previous_period.label,
        "data_as_of": as_of_text(report),
        "generated_at": f"{report.generated_at:%Y年%m月%d日 %H:%M}",
        "demo": "示例数据" if report.is_demo else "",
        "targets": _joined(report.targets),
        "body": "".join(s.text for s in report.sentences()),
        "sources": "；".join(
            f"#{int(r.id)} {r.file_name}（{r.uploaded_by}，{_when(r.uploaded_at)}）"
            for r in report.sources.itertuples(index=False)
        ),
    }
    catalog = load_catalog()
    for section in report.sections:
        values[f"group:{section.group}"] = _joined(section.statements)
        values[f"section:{section.group}"] = _joined(section.sentences)
    own = report.figures[report.figures["region_code"] == report.region_code]
    sentences = {s.key: s.text for s in report.sentences()}
    for row in own.to_dict("records"):
        code = row["indicator_code"]
        ind = catalog.get(code)
        if pd.isna(row["value"]):
            values[f"figure:{code}"] = "—"
            values[f"change:{code}"] = ""
            values[f"sentence:{code}"] = ""
            continue
        values[f"figure:{code}"] = rt.amount(
            row["value"], ind, approximate=bool(row["is_approximate"])
        )
        complete = (
            row["units_reported"] >= row["units_expected"]
            and row["months_covered"] >= row["months_expected"]
        )
        clause = rt.change_clause(row, ind, report.period) if complete else ""
        values[f"change:{code}"] = clause.lstrip("，；")
        values[f"sentence:{code}"] = sentences.get(f"figure:{code}", "")
    return values


def _text_for(name: str, values: dict[str, str]) -> str | None:
    return values.get(name)


def _is_block(name: str, report: Report) -> bool:
    kind, _, arg = name.partition(":")
    if kind == "section":
        return any(s.group == arg for s in report.sections)
    return kind in ("body", "sources") and not arg


def _all_paragraphs(doc: Any) -> Iterable[Any]:
    def walk(container: Any) -> Iterable[Any]:
        yield from container.paragraphs
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    yield from walk(doc)
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header):
            if part is not None and not part.is_linked_to_previous:
                yield from walk(part)


def _replace_runs(paragraph: Any, lookup: Callable[[str], str | None]) -> None:
    """Replace placeholders inside a paragraph, also when Word split one over several runs."""
    runs = list(paragraph.runs)
    full = "".join(r.text for r in runs)
    matches = [m for m in PLACEHOLDER_RE.finditer(full)]
    for m in reversed(matches):
        value = lookup(m.group(1))
        if value is None:
            continue
        bounds, pos = [], 0
        for r in runs:
            bounds.append((pos, pos + len(r.text)))
            pos += len(r.text)
        start, end = m.span()
        si = next(i for i, (a, b) in enumerate(bounds) if a <= start < b)
        ei = next(i for i, (a, b) in enumerate(bounds) if a < end <= b)
        s_off, e_off = start - bounds[si][0], end - bounds[ei][0]
        if si == ei:
            text = runs[si].text
            runs[si].text = text[:s_off] + value + text[e_off:]
        else:
            runs[si].text = runs[si].text[:s_off] + value
            for k in range(si + 1, ei):
                runs[k].text = ""
            runs[ei].text = runs[ei].text[e_off:]


def _fill_template(
    report: Report,
    template: bytes,
    images: dict[str, bytes],
    chart_note: str | None,
    catalog: Catalog,
) -> bytes:
    doc = Document(io.BytesIO(template))
    values = text_values(report)
    body = doc.element.body
    w = _Writer(doc, catalog)
    # block placeholders: paragraphs of the body whose whole text is one block placeholder
    for p in list(doc.paragraphs):
        m = PLACEHOLDER_RE.fullmatch(p.text.strip())
        if not m or not _is_block(m.group(1), report):
            continue
        kind, _, arg = m.group(1).partition(":")
        before = set(id(el) for el in body)
        if kind == "body":
            w.body(report, images, chart_note)
        elif kind == "sources":
            w.sources(report)
        else:
            section = next(s for s in report.sections if s.group == arg)
            w.section_body(report, section, images)
        added = [el for el in body if id(el) not in before and not el.tag.endswith("sectPr")]
        for el in added:
            p._p.addprevious(el)
        p._p.getparent().remove(p._p)
    for p in _all_paragraphs(doc):
        _replace_runs(p, values.get)
    if report.is_demo:
        _demo_header(doc)
        if "demo" not in template_placeholders(template):
            first = doc.paragraphs[0] if doc.paragraphs else None
            note = doc.add_paragraph(DEMO_NOTICE)
            if first is not None:
                first._p.addprevious(note._p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- Excel


def _sheet_name(name: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "sheet"
    base, i = clean, 2
    while clean in used:
        clean = f"{base[:28]}_{i}"
        i += 1
    used.add(clean)
    return clean


def _put(ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one cell: text always as a string (through safe_cell), numbers as numbers."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, safe_cell(str(value)), fmt)


def to_xlsx(report: Report, *, catalog: Catalog | None = None) -> bytes:
    """The report as Excel: 报告 (every sentence), one sheet per group, 数据来源, 明细."""
    import xlsxwriter

    catalog = catalog or load_catalog()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    head = wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#EEEEEE", "border": 1})
    formats: dict[str, Any] = {}

    def num_fmt(decimals: int, approximate: bool, total: bool = False) -> Any:
        key = f"{decimals}|{approximate}|{total}"
        if key not in formats:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            if approximate:
                pattern += '"余"'
            formats[key] = wb.add_format({"num_format": pattern, "bold": total})
        return formats[key]

    used: set[str] = set()

    def preamble(ws: Any, heading: str) -> int:
        _put(ws, 0, 0, heading, title)
        row = 1
        if report.is_demo:
            _put(ws, row, 0, DEMO_NOTICE, bold)
            row += 1
        _put(ws, row, 0, meta_line(report))
        return row + 2

    ws = wb.add_worksheet(_sheet_name("报告", used))
    row = preamble(ws, report.title)
    for c, h in enumerate(["章节", "文字", "所依据的批次", "键"]):
        _put(ws, row, c, h, head)
    row += 1
    group_titles = {s.group: s.title for s in report.sections}
    group_titles["targets"] = "年度目标完成情况"
    for s in report.sentences():
        _put(ws, row, 0, group_titles.get(s.section, s.section))
        _put(ws, row, 1, s.text, wrap)
        _put(ws, row, 2, "、".join(f"#{b}" for b in s.batch_ids))
        _put(ws, row, 3, s.key)
        row += 1
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 90)
    ws.set_column(2, 3, 18)

    for section in report.sections:
        ws = wb.add_worksheet(_sheet_name(section.title, used))
        row = preamble(ws, f"{report.region_name}{report.period.label}{section.title}")
        for s in section.sentences:
            _put(ws, row, 0, s.text)
            row += 1
        row += 1
        row = _unit_table(ws, row, report, section, catalog, head, num_fmt)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 3 * len(section.indicator_codes), 12)

    ws = wb.add_worksheet(_sheet_name("数据来源", used))
    row = preamble(ws, "数据来源")
    _put(ws, row, 0, SOURCES_INTRO)
    row += 2
    cols = ["批次", "文件", "工作表", "上传人", "上传时间", "类型", "期间", "状态"]
    for c, h in enumerate(cols):
        _put(ws, row, c, h, head)
    for r in report.sources.itertuples(index=False):
        row += 1
        values = [
            int(r.id),
            r.file_name,
            None if r.sheet is None or pd.isna(r.sheet) else r.sheet,
            r.uploaded_by,
            _when(r.uploaded_at),
            r.source_type,
            None if r.period_label is None or pd.isna(r.period_label) else r.period_label,
            r.status,
        ]
        for c, v in enumerate(values):
            _put(ws, row, c, v)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 7, 16)

    ws = wb.add_worksheet(_sheet_name("明细", used))
    row = preamble(ws, "明细（每个地区、每个指标一行）")
    detail = detail_frame(report, catalog)
    for c, h in enumerate(detail.columns):
        _put(ws, row, c, h, head)
    for values in detail.itertuples(index=False):
        row += 1
        for c, v in enumerate(values):
            _put(ws, row, c, v)
    wb.close()
    return buf.getvalue()


def _unit_table(ws, row, report, section, catalog, head, num_fmt) -> int:
    t = section.table
    codes = section.indicator_codes
    _put(ws, row, 0, "地区", head)
    for i, code in enumerate(codes):
        ind = catalog.get(code)
        change_unit = "个百分点" if ind.is_ratio else "%"
        _put(ws, row, 1 + 3 * i, f"{ind.name_zh}（{ind.unit}）", head)
        _put(ws, row, 2 + 3 * i, f"{report.previous_period.label}", head)
        _put(ws, row, 3 + 3 * i, f"同比（{change_unit}）", head)
    by_key = {(r["name"], r["indicator_code"]): r for _, r in t.iterrows()}
    for name in dict.fromkeys(t["name"]):
        row += 1
        total = bool(t[t["name"] == name]["is_total"].any())
        _put(ws, row, 0, name)
        for i, code in enumerate(codes):
            ind = catalog.get(code)
            r = by_key.get((name, code))
            if r is None or pd.isna(r["value"]):
                _put(ws, row, 1 + 3 * i, "—")
            else:
                _put(
                    ws,
                    row,
                    1 + 3 * i,
                    float(r["value"]),
                    num_fmt(ind.decimals, bool(r["is_approximate"]), total),
                )
            prev = None if r is None else r["previous"]
            approx_prev = False if r is None else bool(r["previous_is_approximate"] is True)
            _put(
                ws,
                row,
                2 + 3 * i,
                None if prev is None or pd.isna(prev) else float(prev),
                num_fmt(ind.decimals, approx_prev),
            )
            change = None if r is None or not r["comparable"] else r["change"]
            _put(
                ws,
                row,
                3 + 3 * i,
                None if change is None or pd.isna(change) else float(change),
                num_fmt(1, False),
            )
    return row + 1


def detail_frame(report: Report, catalog: Catalog | None = None) -> pd.DataFrame:
    """Every figure of the report (region and units) in long form with the batches behind it."""
    catalog = catalog or load_catalog()
    f = report.figures
    names = {report.region_code: report.region_name, **report.unit_names}
    return pd.DataFrame(
        {
            "地区代码": f["region_code"],
            "地区": f["region_code"].map(names),
            "指标代码": f["indicator_code"],
            "指标": [catalog.get(c).name_zh for c in f["indicator_code"]],
            "单位": [catalog.get(c).unit for c in f["indicator_code"]],
            "本期": f["value"],
            "约数": f["is_approximate"].astype(bool),
            "上年同期": f["previous"],
            "同比": [c if ok else None for c, ok in zip(f["change"], f["comparable"], strict=True)],
            "同比单位": ["个百分点" if u == "pp" else "%" for u in f["change_unit"]],
            "已报单位数": f["units_reported"],
            "应报单位数": f["units_expected"],
            "本期批次": ["、".join(f"#{b}" for b in ids) for ids in f["batch_ids"]],
            "上年批次": ["、".join(f"#{b}" for b in ids) for ids in f["previous_batch_ids"]],
        }
    )


# --------------------------------------------------------------------------- plain text


def to_text(report: Report) -> str:
    """The report as plain text to paste: title, notices, each group's sentences, sources."""
    lines = [report.title]
    if report.is_demo:
        lines.append(DEMO_NOTICE)
    lines.append(meta_line(report))
    if report.empty:
        lines.append("所选地区和期间没有数据。")
    if report.targets:
        lines += ["", "年度目标完成情况", _joined(report.targets)]
    for i, section in _sections_in_order(report):
        lines += ["", section_heading(i, section), *section_paragraphs(report, section)]
    lines += ["", "数据来源"]
    for r in report.sources.itertuples(index=False):
        sheet = "" if r.sheet is None or pd.isna(r.sheet) else f" / {r.sheet}"
        lines.append(
            f"#{int(r.id)} {r.file_name}{sheet}（{r.uploaded_by}，{_when(r.uploaded_at)}）"
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
