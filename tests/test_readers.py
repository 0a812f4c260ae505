"""Reading uploads: type by content, encodings, merged ranges, error cells and refused files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from etl.readers import ReadError, col_letter, decode_text, read_workbook, sniff_delimiter

MESSY = Path(__file__).parent / "data" / "messy"


def read(name: str, as_name: str | None = None, **kw):
    return read_workbook((MESSY / name).read_bytes(), as_name or name, **kw)


def refused(data: bytes, name: str = "x.xlsx", **kw) -> str:
    with pytest.raises(ReadError) as info:
        read_workbook(data, name, **kw)
    return info.value.problem.code


@pytest.mark.parametrize(
    "index, letters",
    [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")],
)
def test_col_letter(index, letters):
    assert col_letter(index) == letters


def test_xlsx_values_and_merged_ranges():
    book = read("merged_headers_2level.xlsx")
    assert book.format == "xlsx"
    sheet = book.sheets[0]
    assert sheet.name == "Sheet1"
    assert sheet.cells[0][0] == "2024年1-6月天水市人民调解工作情况统计表"
    assert sheet.cells[4][0] == "秦州区" and sheet.cells[4][1] == 420.0
    assert (0, 0, 0, 5) in sheet.merged  # title A1:F1
    assert (2, 0, 3, 0) in sheet.merged  # 地区 A3:A4
    assert (2, 3, 2, 5) in sheet.merged  # 调解纠纷 D3:F3
    assert sheet.address(6, 3) == "D7"
    assert len({len(row) for row in sheet.cells}) == 1  # rectangular


def test_type_is_found_by_content_not_extension():
    assert read("wide_simple.xlsx", as_name="upload.csv").format == "xlsx"
    assert read("utf8_bom.csv", as_name="upload.xlsx").format == "csv"
    assert read("matrix_nbs.xls", as_name="upload.xlsx").format == "xls"


def test_legacy_xls():
    book = read("matrix_nbs.xls")
    sheet = book.sheets[0]
    assert book.format == "xls" and sheet.name == "主要城市年度数据"
    assert sheet.cells[0][0] == "数据库：主要城市年度数据"
    assert sheet.cells[3][:4] == ["地区", "2024年", "2023年", "2022年"]
    assert sheet.cells[4][:4] == ["天水市", 2260, 2215, 2190]
    assert sheet.cells[8][3] in (None, "")  # 泉州市 2022: no record at all


def test_xlsm_macro_part_is_ignored():
    book = read("xlsm_with_macro.xlsm")
    assert book.format == "xlsm"
    assert book.sheets[0].cells[2][0] == "秦州区"


def test_error_cells_come_back_as_error_text():
    sheet = read("excel_error_cells.xlsx").sheets[0]
    assert sheet.cells[3][5] == "#DIV/0!"  # F4
    assert sheet.cells[6][2] == "#N/A"  # C7


def test_formulas_give_cached_values():
    sheet = read("formulas_cached.xlsx").sheets[0]
    assert sheet.cells[9][3] == 13287.0  # D10 =SUM(D3:D9)
    assert sheet.cells[2][5] == 98.7  # F3 =ROUND(E3/D3*100,1)


def test_utf8_bom():
    book = read("utf8_bom.csv")
    assert book.format == "csv" and book.encoding == "utf-8"
    assert book.sheets[0].cells[0][0] == "2024年天水市人民调解工作情况统计表"  # no BOM left
    assert book.sheets[0].cells[1][0] == "地区"


def test_gbk_tiny_is_not_korean():
    data = (MESSY / "gbk_tiny.csv").read_bytes()
    detector = pytest.importorskip("charset_normalizer")
    # The pitfall this guards against: a detector alone calls these bytes Korean.
    assert detector.from_bytes(data).best().encoding == "cp949"
    book = read("gbk_tiny.csv")
    assert book.encoding == "gb18030"
    assert book.sheets[0].cells == [["地区", "调解纠纷"], ["秦州区", "3120"]]


def test_gb18030_characters_outside_gbk():
    book = read("gb18030.csv")
    assert book.encoding == "gb18030"
    assert "𠮷" in book.sheets[0].cells[-1][0]


def test_nbs_gbk_crlf_quotes_and_full_width_continuation():
    book = read("matrix_nbs_gbk.csv")
    rows = book.sheets[0].cells
    assert book.encoding == "gb18030" and book.delimiter == ","
    assert rows[0][0] == "数据库：分县年度数据"
    assert rows[3][:4] == ["地区", "2024年", "2023年", "2022年"]
    note = next(r[0] for r in rows if r[0].startswith("注："))
    assert "含排查发现的纠纷,不含" in note  # the quoted comma stays inside the note
    assert any(r[0].startswith("\u3000\u3000\u30002.") for r in rows)
    assert rows[-1][0] == "数据来源：国家统计局"
    assert all("\r" not in v for r in rows for v in r if isinstance(v, str))


@pytest.mark.parametrize(
    "text, delimiter",
    [
        ("地区,调解纠纷\n秦州区,3120\n", ","),
        ("地区\t调解纠纷\n秦州区\t3120\n", "\t"),
        ("地区;调解纠纷;调解成功\n秦州区;3120;3080\n", ";"),
        ('标题\n地区,调解纠纷,调解成功\n秦州区,"3,120",3080\n', ","),
    ],
)
def test_sniff_delimiter(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_utf16_tab_text_from_excel():
    data = "地区\t调解纠纷\r\n秦州区\t3120\r\n".encode("utf-16")
    book = read_workbook(data, "export.txt")
    assert book.delimiter == "\t"
    assert book.sheets[0].cells[1] == ["秦州区", "3120"]


@pytest.mark.parametrize(
    "data, encoding",
    [
        ("地区,调解纠纷".encode(), "utf-8"),
        ("地区,调解纠纷".encode("gbk"), "gb18030"),
        ("地区,调解纠纷,𠮷".encode("gb18030"), "gb18030"),
    ],
)
def test_decode_order(data, encoding):
    assert decode_text(data)[1] == encoding


def test_zip_bomb_is_refused_before_inflating():
    assert refused((MESSY / "zip_bomb.xlsx").read_bytes()) == "file_too_large"


def test_unpacked_limit_applies_to_real_workbooks():
    data = (MESSY / "wide_simple.xlsx").read_bytes()
    assert refused(data, max_unpacked_bytes=1000) == "file_too_large"


@pytest.mark.parametrize(
    "name, code",
    [
        ("empty.xlsx", "empty_file"),
        ("not_a_spreadsheet.xlsx", "unsupported_type"),
        ("zip_bomb.xlsx", "file_too_large"),
    ],
)
def test_fixture_refusals(name, code):
    assert refused((MESSY / name).read_bytes(), name) == code


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty_file"),
        (b"   \r\n  \n", "empty_file"),
        (b"%PDF-1.7\n...", "unsupported_type"),
        (b"\xff\xd8\xff\xe0JFIF", "unsupported_type"),
        (b"\x00\x01\x02binary\x00", "unsupported_type"),
        (b"PK\x03\x04 not really a zip", "unreadable_file"),
        (_zip({"word/document.xml": "<w/>"}), "unsupported_type"),
        (_zip({"readme.txt": "hello"}), "unsupported_type"),
        (
            "<html><body><table><tr><td>地区</td></tr></table></body></html>".encode(),
            "unsupported_type",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "unreadable_file"),
    ],
)
def test_refused_bytes(data, code):
    assert refused(data) == code


def test_read_error_messages_are_bilingual():
    with pytest.raises(ReadError) as info:
        read_workbook((MESSY / "not_a_spreadsheet.xlsx").read_bytes(), "照片.xlsx")
    problem = info.value.problem
    assert problem.severity == "error" and problem.file == "照片.xlsx"
    assert "PNG" in problem.message_zh and "PNG" in problem.message_en


def test_legacy_xls_merged_ranges():
    sheet = read("merged_headers_2level.xls").sheets[0]
    assert (0, 0, 0, 5) in sheet.merged
    assert (2, 0, 3, 0) in sheet.merged  # 地区 A3:A4
    assert (2, 3, 2, 5) in sheet.merged  # 调解纠纷 D3:F3
