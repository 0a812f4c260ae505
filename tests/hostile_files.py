"""Hostile and unlucky files, generated in code: each is small on the wire and would cost the
server gigabytes or minutes if a reader expanded it naively (issue 16)."""

from __future__ import annotations

import io
import zipfile


def _xlsx(sheet_xml: bytes, *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal valid .xlsx with one worksheet whose XML is given."""
    files = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b"</Relationships>"
        ),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            b"</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return buf.getvalue()


def _sheet(rows: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def far_cell_xlsx(ref: str = "XFD1048576", row: int = 1048576) -> bytes:
    """A header in A1 and one number at a far cell: a few KB that name a grid of billions."""
    return _xlsx(
        _sheet(
            b'<row r="1">'
            + _inline("A1", "地区")
            + _inline("B1", "调解案件数")
            + b"</row>"
            + f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()
        )
    )


def lone_far_cell_xlsx() -> bytes:
    """Only one cell, at XFD1048576 (calamine's own box is one cell; from A1 it is 17 billion)."""
    return _xlsx(_sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def many_rows_xlsx(rows: int = 1_000_000) -> bytes:
    """A dense sheet of `rows` rows x 3 numbers (about 30 MB packed for a million rows)."""
    parts = [b'<row r="1">' + _inline("A1", "地区") + _inline("B1", "调解案件数") + b"</row>"]
    for r in range(2, rows + 2):
        parts.append(
            b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>%d</v></c><c r="C%d"><v>%d</v></c></row>'
            % (r, r, r, r, r * 7 % 1000, r, r % 13)
        )
    return _xlsx(_sheet(b"".join(parts)))


def wide_line_csv(commas: int = 60_000) -> bytes:
    """A county CSV whose second line is 60,000 commas (120 KB): 60,000 columns."""
    return ("地区,调解案件数\n" + "," * commas + "\n秦州区,12\n").encode("utf-8")


def huge_field_csv(kb: int = 200) -> bytes:
    """A CSV with an unclosed quote: one field runs past the csv module's 128 KB field limit."""
    return ('地区,调解案件数\n秦州区,"' + "1" * (kb * 1024) + "\n").encode("utf-8")


def national_wide_xlsx() -> bytes:
    """The ETL benchmark's workbook: 3,000 regions x 120 columns, 126,000 facts (not hostile:
    large enough that a load writes to the store's file, not only to its log)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "bench_etl.py"
    spec = importlib.util.spec_from_file_location("bench_etl", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_workbook()


HOSTILE = {
    # name: (bytes factory, file name, what the refusal must name)
    "far_cell_xfd": (far_cell_xlsx, "far_cell.xlsx", "XFD1048576"),
    "far_cell_zz200000": (
        lambda: far_cell_xlsx("ZZ200000", 200000),
        "far_zz.xlsx",
        "ZZ200000",
    ),
    "lone_far_cell": (lone_far_cell_xlsx, "lone_far.xlsx", "XFD1048576"),
    "wide_line_csv": (wide_line_csv, "wide_line.csv", "CJSS2"),
    "huge_field_csv": (huge_field_csv, "huge_field.csv", "KB"),
    "million_rows_xlsx": (many_rows_xlsx, "million_rows.xlsx", "Sheet1"),
}
