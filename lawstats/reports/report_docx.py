"""The year-end report as Word (.docx), also filled into a bureau's own template with
{{placeholders}} (TEMPLATE_HELP in lawstats.reports.report_common)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
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
from lawstats.domain.formatting import rounding_note
from lawstats.reports import report_text as rt
from lawstats.reports.report import Report, Section
from lawstats.reports.report_common import (
    BODY_FONT,
    DEMO_NOTICE,
    HEADING_FONT,
    PLACEHOLDER_RE,
    SOURCES_INTRO,
    TABLE_COLUMNS,
    as_of_text,
    chart_images,
    column_title,
    joined,
    notices,
    section_heading,
    section_paragraphs,
    sections_in_order,
    table_codes,
    unit_rows,
    when_text,
)

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
            self.paragraph(joined(report.targets))
        for i, section in sections_in_order(report):
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
                when_text(r.uploaded_at),
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
    for line in notices(report):
        w.paragraph(line, italic=line == DEMO_NOTICE, first_line_indent=False)
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
        "rounding": rounding_note("zh"),
        "targets": joined(report.targets),
        "body": "".join(s.text for s in report.sentences()),
        "sources": "；".join(
            f"#{int(r.id)} {r.file_name}（{r.uploaded_by}，{when_text(r.uploaded_at)}）"
            for r in report.sources.itertuples(index=False)
        ),
    }
    catalog = load_catalog()
    for section in report.sections:
        values[f"group:{section.group}"] = joined(section.statements)
        values[f"section:{section.group}"] = joined(section.sentences)
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
