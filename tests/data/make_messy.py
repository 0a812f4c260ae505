"""Regenerate tests/data/messy/: one small spreadsheet per real-world defect, deterministically."""

from __future__ import annotations

import datetime as dt
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import xlsxwriter

OUT = Path(__file__).resolve().parent / "messy"
CREATED = dt.datetime(2024, 7, 5, 9, 0, 0)

# 天水市, 2024: county figures that add up to the city's published 13287 disputes / 98.6%.
TIANSHUI = ["秦州区", "麦积区", "清水县", "秦安县", "甘谷县", "武山县", "张家川回族自治县"]
ORGS = [420, 390, 210, 300, 330, 260, 190]
MEDIATORS = [1520, 1430, 780, 1010, 1150, 860, 650]
CASES = [3120, 2980, 1350, 1790, 1880, 1260, 907]
SUCCESS = [3080, 2940, 1330, 1765, 1853, 1241, 892]

# 定西市, 2023: 2607 disputes screened, 2595 resolved; 2172 organisations, 75 of them sector ones.
DINGXI = ["安定区", "通渭县", "陇西县", "渭源县", "临洮县", "漳县", "岷县"]
DINGXI_TRAD = ["安定區", "通渭縣", "隴西縣", "渭源縣", "臨洮縣", "漳縣", "岷縣"]
DX_ORGS = [388, 301, 352, 268, 395, 196, 272]
DX_SECTOR = [16, 9, 12, 8, 14, 6, 10]
DX_CASES = [512, 336, 428, 301, 455, 226, 349]
DX_SUCCESS = [510, 334, 426, 300, 453, 225, 347]

BASE_HEADER = [
    "地区",
    "调解组织（个）",
    "人民调解员（人）",
    "调解纠纷（件）",
    "调解成功（件）",
    "调解成功率（%）",
]


def rate(success: float, cases: float) -> float:
    return round(success / cases * 100, 1)


def base_rows() -> list[list[Any]]:
    """County rows of the 天水 wide table: 地区 | 组织 | 调解员 | 纠纷 | 成功 | 成功率."""
    return [
        [name, o, m, c, s, rate(s, c)]
        for name, o, m, c, s in zip(TIANSHUI, ORGS, MEDIATORS, CASES, SUCCESS, strict=True)
    ]


def total_row(
    rows: list[list[Any]], label: str = "合计", rates: dict[int, tuple[int, int]] | None = None
) -> list[Any]:
    """A totals row: sums of the numeric cells; rate columns {col: (numerator, denominator)} recomputed."""
    out: list[Any] = [label]
    width = max(len(r) for r in rows)
    for j in range(1, width):
        nums = [r[j] for r in rows if j < len(r) and isinstance(r[j], int | float)]
        out.append(sum(nums))
    for j, (num, den) in (rates or {}).items():
        out[j] = rate(out[num], out[den])
    return out


def write_xlsx(
    name: str,
    rows: list[list[Any]],
    *,
    merges: list[tuple[str, Any]] = (),
    sheet: str = "Sheet1",
    extra_sheets: list[tuple[str, list[list[Any]]]] = (),
    formats: dict[tuple[int, int], dict] | None = None,
    vba: bytes | None = None,
    extra_merges: dict[str, list[tuple[str, Any]]] | None = None,
    hidden: tuple[str, ...] = (),
) -> None:
    """Write rows from A1 (None leaves a cell empty); merges are ('A1:F1', text); extra sheets'
    merges by sheet name; sheets named in `hidden` are hidden."""
    path = OUT / name
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"created": CREATED, "author": "lawstats tests"})
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    sheets = [(sheet, rows, merges, formats or {})] + [
        (n, r, (extra_merges or {}).get(n, ()), {}) for n, r in extra_sheets
    ]
    for sname, srows, smerges, sformats in sheets:
        ws = wb.add_worksheet(sname)
        fmt_cache = {}
        for r, row in enumerate(srows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                spec = sformats.get((r, c))
                fmt = None
                if spec is not None:
                    key = tuple(sorted(spec.items()))
                    fmt = fmt_cache.setdefault(key, wb.add_format(spec))
                if isinstance(v, str) and v.startswith("="):
                    ws.write_formula(r, c, v, fmt)
                elif isinstance(v, tuple) and v and v[0] == "formula":
                    ws.write_formula(r, c, v[1], fmt, v[2])
                elif isinstance(v, str):
                    ws.write_string(r, c, v, fmt)
                else:
                    ws.write(r, c, v, fmt)
        for ref, text in smerges:
            ws.merge_range(ref, text)
        if sname in hidden:
            ws.hide()
    wb.close()


def tianshui_table(
    title: str = "2024年天水市人民调解工作情况统计表",
    rows: list[list[Any]] | None = None,
    total: bool = True,
    header: list[str] | None = None,
) -> tuple[list[list[Any]], list[tuple[str, Any]]]:
    """Title (row 1), header (row 2), seven counties (rows 3-9), 合计 (row 10)."""
    rows = rows if rows is not None else base_rows()
    header = header or BASE_HEADER
    out: list[list[Any]] = [[None] * len(header), header, *rows]
    if total:
        out.append(total_row(rows, rates={5: (4, 3)} if header == BASE_HEADER else None))
    last = chr(ord("A") + len(header) - 1)
    return out, [(f"A1:{last}1", title)] if title else []


def wide(name: str, rows: list[list[Any]] | None = None, **kw: Any) -> None:
    table, merges = tianshui_table(rows=rows, **kw)
    write_xlsx(name, table, merges=merges)


# --- the fixtures ---------------------------------------------------------------------------


def make_wide_simple() -> None:
    wide("wide_simple.xlsx")


def make_merged_headers_2level() -> None:
    # 2024年1-6月: about half a year's figures.
    cases = [c // 2 for c in CASES]
    success = [s // 2 - 1 for s in SUCCESS]
    rows: list[list[Any]] = [
        [None] * 6,
        [None] * 6,
        ["地区", "调解组织", None, "调解纠纷", None, None],
        [None, "个数", "其中：行业性专业性", "件数", "成功", "成功率（%）"],
    ]
    sector = [12, 10, 4, 6, 7, 5, 3]
    for name, o, sec, c, s in zip(TIANSHUI, ORGS, sector, cases, success, strict=True):
        rows.append([name, o, sec, c, s, rate(s, c)])
    rows.append(
        ["合计", sum(ORGS), sum(sector), sum(cases), sum(success), rate(sum(success), sum(cases))]
    )
    merges = [
        ("A1:F1", "2024年1-6月天水市人民调解工作情况统计表"),
        ("A2:F2", "填报单位：天水市司法局　　　　单位：个、件、%"),
        ("A3:A4", "地区"),
        ("B3:C3", "调解组织"),
        ("D3:F3", "调解纠纷"),
    ]
    write_xlsx("merged_headers_2level.xlsx", rows, merges=merges)


def make_merged_headers_3level() -> None:
    rows: list[list[Any]] = [
        [None] * 6,
        ["单位：个、件、%", None, None, None, None, None],
        ["县（区）", "人民调解", None, None, None, None],
        [None, "调解组织", None, "调解纠纷", None, None],
        [None, "合计", "行业性专业性", "排查", "调处成功", "成功率"],
    ]
    for name, o, sec, c, s in zip(DINGXI, DX_ORGS, DX_SECTOR, DX_CASES, DX_SUCCESS, strict=True):
        rows.append([name, o, sec, c, s, rate(s, c)])
    rows.append(["全市", sum(DX_ORGS), sum(DX_SECTOR), sum(DX_CASES), sum(DX_SUCCESS), 99.5])
    rows.append(["填表人：王芳", None, "审核人：李强", None, "填报日期：2024年1月10日", None])
    merges = [
        ("A1:F1", "2023年定西市人民调解工作统计表"),
        ("A3:A5", "县（区）"),
        ("B3:F3", "人民调解"),
        ("B4:C4", "调解组织"),
        ("D4:F4", "调解纠纷"),
    ]
    write_xlsx("merged_headers_3level.xlsx", rows, merges=merges)


def make_long_layout() -> None:
    lines = ["地区,时间,指标,数值,计量单位"]
    for name, c, s in zip(TIANSHUI[:3], CASES, SUCCESS, strict=False):
        for label, months, share in (("2024年1-3月", 3, 0.25), ("2024年1-6月", 6, 0.5)):
            lines.append(f"{name},{label},调解纠纷,{round(c * share)},件")
            lines.append(f"{name},{label},调解成功,{round(s * share)},件")
            del months
    lines.append("秦州区,2024年1-6月,调解经费,294.17,万元")
    lines.append("麦积区,2024年1-6月,群众满意度,97.5,%")
    (OUT / "long_layout.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def nbs_lines(
    indicator: str, regions: list[str], years: list[int], values: list[list[Any]]
) -> list[str]:
    out = ["数据库：分县年度数据", f"指标：{indicator}", "时间：最近3年"]
    out.append("地区," + ",".join(f"{y}年" for y in years))
    for name, vals in zip(regions, values, strict=True):
        out.append(name + "," + ",".join("" if v is None else str(v) for v in vals))
    out.append(
        '"注：1.调解矛盾纠纷件数指人民调解组织受理并调解的纠纷，含排查发现的纠纷,不含诉前委派调解。"'
    )
    out.append("\u3000\u3000\u30002.2022年数据为快报数。")
    out.append("数据来源：国家统计局")
    return out


def tianshui_years() -> list[list[Any]]:
    values = []
    for i, c in enumerate(CASES):
        v2023 = round(c * 0.93)
        v2022 = None if i == 6 else round(c * 0.88)
        values.append([c, v2023, v2022])
    return values


def make_matrix_nbs_gbk() -> None:
    lines = nbs_lines("调解矛盾纠纷件数(件)", TIANSHUI, [2024, 2023, 2022], tianshui_years())
    (OUT / "matrix_nbs_gbk.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


CITIES = ["天水市", "定西市", "渭南市", "吕梁市", "泉州市"]
CITY_ORGS = [
    [2260, 2215, 2190],
    [2205, 2172, 2150],
    [2410, 2388, 2350],
    [2690, 2667, 2630],
    [2830, 2805, None],
]


def make_matrix_nbs_xls() -> None:
    try:
        import xlwt
    except ImportError:  # xlwt is only needed to regenerate this one file
        print("xlwt not installed: keeping the existing matrix_nbs.xls", file=sys.stderr)
        return
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("主要城市年度数据")
    rows: list[list[Any]] = [
        ["数据库：主要城市年度数据"],
        ["指标：人民调解组织数(个)"],
        ["时间：最近3年"],
        ["地区", "2024年", "2023年", "2022年"],
    ]
    rows += [[city, *vals] for city, vals in zip(CITIES, CITY_ORGS, strict=True)]
    rows += [
        ["注：人民调解组织含村（居）、乡镇（街道）和行业性专业性调解委员会。"],
        ["数据来源：国家统计局"],
    ]
    for r, row in enumerate(rows):
        for c in range(4):
            v = row[c] if c < len(row) else ""
            if v is None or v == "":
                continue
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    (OUT / "matrix_nbs.xls").write_bytes(buf.getvalue())


def make_merged_headers_xls() -> None:
    """The two-level merged header again, as a legacy .xls saved by WPS or old Excel."""
    try:
        import xlwt
    except ImportError:
        print("xlwt not installed: keeping the existing merged_headers_2level.xls", file=sys.stderr)
        return
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    ws.write_merge(0, 0, 0, 5, "2024年1-6月天水市人民调解工作情况统计表")
    ws.write_merge(2, 3, 0, 0, "地区")
    ws.write_merge(2, 2, 1, 2, "调解组织")
    ws.write_merge(2, 2, 3, 5, "调解纠纷")
    for c, text in enumerate(
        ["个数", "其中：行业性专业性", "件数", "成功", "成功率（%）"], start=1
    ):
        ws.write(3, c, text)
    sector = [12, 10, 4, 6, 7, 5, 3]
    for i, (name, o, sec, c) in enumerate(zip(TIANSHUI, ORGS, sector, CASES, strict=True)):
        s = SUCCESS[i] // 2 - 1
        for j, v in enumerate([name, o, sec, c // 2, s, rate(s, c // 2)]):
            ws.write(4 + i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    (OUT / "merged_headers_2level.xls").write_bytes(buf.getvalue())


def simple_csv_lines() -> list[str]:
    lines = ["2024年天水市人民调解工作情况统计表", ",".join(BASE_HEADER)]
    for row in base_rows():
        lines.append(",".join(str(v) for v in row))
    return lines


def make_utf8_bom() -> None:
    (OUT / "utf8_bom.csv").write_bytes(("\n".join(simple_csv_lines()) + "\n").encode("utf-8-sig"))


def make_gbk_tiny() -> None:
    # Detectors call these bytes Korean (cp949); strict GB18030 reads them right.
    (OUT / "gbk_tiny.csv").write_bytes("地区,调解纠纷\n秦州区,3120\n".encode("gbk"))


def make_gb18030() -> None:
    lines = simple_csv_lines()
    # 𠮷 and € are outside GBK: only GB18030 encodes them.
    lines.append("注：张家川回族自治县数据含𠮷村调委会，经费单位€以外均为人民币。")
    (OUT / "gb18030.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def make_title_unit_footer_rows() -> None:
    rows: list[list[Any]] = [
        [None] * 5,
        ["填报单位：天水市司法局", None, None, "单位：件、人、元", None],
        [None] * 5,
        ["地区", "调解纠纷", "调解成功", "人民调解员", "调解经费"],
    ]
    funding = [612000, 588000, 301000, 402000, 415000, 276000, 220000]
    for name, c, s, m, f in zip(TIANSHUI, CASES, SUCCESS, MEDIATORS, funding, strict=True):
        rows.append([name, c, s, m, f])
    rows.append(total_row(rows[4:]))
    rows.append([None] * 5)
    rows.append(["填表人：张敏", None, "审核人：刘洋", None, "填报日期：2025年1月8日"])
    rows.append(["注：1.调解经费为财政拨付的人民调解工作经费，单位为元。"])
    rows.append(["\u3000\u3000\u30002.张家川回族自治县数据为初步统计。"])
    write_xlsx(
        "title_unit_footer_rows.xlsx",
        rows,
        merges=[("A1:E1", "2024年天水市人民调解工作情况统计表")],
    )


def make_totals_row_mismatch() -> None:
    table, merges = tianshui_table()
    table[-1][2] = 7300  # C10: 合计 of 人民调解员 says 7300, the counties add up to 7400
    write_xlsx("totals_row_mismatch.xlsx", table, merges=merges)


def make_numbers_as_text() -> None:
    header = ["地区", "调解纠纷（件）", "调解成功率", "法律明白人（人）", "诉前调解（件）"]
    rows = [
        ["秦州区", "3,120", "98.7%", "２.１万", "4000余"],
        ["麦积区", " 2980 ", "98.7％", "1.8万", "近3000"],
        ["清水县", "１３５０", "98.5", "8600", "1200多"],
    ]
    table, merges = tianshui_table(rows=rows, header=header, total=False)
    write_xlsx("numbers_as_text.xlsx", table, merges=merges)


def make_dashes_blank_not_reported() -> None:
    rows = base_rows()
    rows[0][1] = "—"
    rows[1][1] = "-"
    rows[2][1] = "/"
    rows[3][1] = "无"
    rows[4][1] = None
    rows[5][1] = 0
    rows[6][1] = "－"
    table, merges = tianshui_table(rows=rows, total=False)
    write_xlsx("dashes_blank_not_reported.xlsx", table, merges=merges)


def make_excel_error_cells() -> None:
    rows = base_rows()
    rows[1][5] = ("formula", "=E4/0", "#DIV/0!")  # F4
    rows[4][2] = ("formula", "=VLOOKUP(A7,Z1:Z2,2,FALSE)", "#N/A")  # C7
    table, merges = tianshui_table(rows=rows, total=False)
    write_xlsx("excel_error_cells.xlsx", table, merges=merges)


def make_formulas_cached() -> None:
    rows: list[list[Any]] = []
    for i, (name, o, m, c, s) in enumerate(
        zip(TIANSHUI, ORGS, MEDIATORS, CASES, SUCCESS, strict=True)
    ):
        r = i + 3
        rows.append([name, o, m, c, s, ("formula", f"=ROUND(E{r}/D{r}*100,1)", rate(s, c))])
    total: list[Any] = ["合计"]
    for col, values in zip("BCDE", (ORGS, MEDIATORS, CASES, SUCCESS), strict=True):
        total.append(("formula", f"=SUM({col}3:{col}9)", sum(values)))
    total.append(("formula", "=ROUND(E10/D10*100,1)", rate(sum(SUCCESS), sum(CASES))))
    table, merges = tianshui_table(rows=rows, total=False)
    table.append(total)
    write_xlsx("formulas_cached.xlsx", table, merges=merges)


def make_traditional_chars_pinyin() -> None:
    header = ["地區", "鄉(xiāng)鎮(zhèn)人民調解組織（個）", "調解糾紛（件）", "調處成功（件）"]
    rows = [
        [name, o, c, s]
        for name, o, c, s in zip(DINGXI_TRAD, DX_ORGS, DX_CASES, DX_SUCCESS, strict=True)
    ]
    table, merges = tianshui_table(
        title="2023年定西市人民調解工作統計表", rows=rows, header=header, total=False
    )
    write_xlsx("traditional_chars_pinyin.xlsx", table, merges=merges)


def make_region_name_variants() -> None:
    rows = base_rows()
    for row, name in zip(
        rows, ["秦州", "麦积区", "天水市清水县", "秦安", "甘谷县", "武山", "张家川县"], strict=True
    ):
        row[0] = name
    table, merges = tianshui_table(title="2024年人民调解工作情况统计表", rows=rows, total=False)
    write_xlsx("region_name_variants.xlsx", table, merges=merges)


def make_unknown_region() -> None:
    rows = base_rows()[:3]
    rows.append(["天水经济技术开发区", 25, 80, 160, 158, 98.8])  # A6: not a division of the table
    table, merges = tianshui_table(rows=rows, total=False)
    write_xlsx("unknown_region.xlsx", table, merges=merges)


def make_ambiguous_region() -> None:
    rows = [["朝阳区", 310, 1200, 2400, 2365, 98.5], ["鼓楼区", 280, 1100, 2100, 2070, 98.6]]
    table, merges = tianshui_table(title="2024年人民调解工作情况统计表", rows=rows, total=False)
    write_xlsx("ambiguous_region.xlsx", table, merges=merges)


def make_value_defect(name: str, row: int, col: int, value: Any, **kw: Any) -> None:
    """The 天水 table with one county cell replaced (row/col index into base_rows())."""
    rows = base_rows()
    rows[row][col] = value
    wide(name, rows=rows, total=False, **kw)


def make_duplicate_conflict() -> None:
    rows = base_rows()
    rows.append(["秦州区", 420, 1520, 3150, 3080, 97.8])  # A10: 调解纠纷 3150 vs 3120 in D3
    rows.append(["麦积区", 390, 1430, 2980, 2940, 98.7])  # A11: the same figures again
    wide("duplicate_conflict.xlsx", rows=rows, total=False)


def make_sector_above_total() -> None:
    header = [
        "地区",
        "人民调解组织（个）",
        "行业性专业性调解组织（个）",
        "人民调解员（人）",
        "专职人民调解员（人）",
    ]
    rows = [[n, o, 12, m, 40] for n, o, m in zip(TIANSHUI, ORGS, MEDIATORS, strict=True)]
    rows[1][2] = 450  # C4: 450 sector committees, 390 committees in all
    table, merges = tianshui_table(rows=rows, header=header, total=False)
    write_xlsx("sector_above_total.xlsx", table, merges=merges)


def make_unmapped_column() -> None:
    header = [*BASE_HEADER, "群众满意度（%）"]
    rows = [[*r, 97.0 + i / 10] for i, r in enumerate(base_rows())]
    wide("unmapped_column.xlsx", rows=rows, header=header, total=False)


def make_multi_sheet() -> None:
    def quarter_rows(share: float) -> list[list[Any]]:
        out = []
        for name, o, m, c, s in zip(TIANSHUI, ORGS, MEDIATORS, CASES, SUCCESS, strict=True):
            cc, ss = round(c * share), round(s * share)
            out.append([name, o, m, cc, ss, rate(ss, cc)])
        return out

    q1 = [BASE_HEADER, *quarter_rows(0.25)]
    h1 = [BASE_HEADER, *quarter_rows(0.5)]
    guide = [["填报说明"], ["1. 请按县区填写。"], ["2. 不填报的项目请留空。"]]
    write_xlsx(
        "multi_sheet.xlsx",
        q1,
        sheet="2024年1-3月",
        extra_sheets=[("2024年1-6月", h1), ("填报说明", guide)],
    )


def make_xlsm_with_macro() -> None:
    table, merges = tianshui_table(total=False)
    # A vbaProject part that must never matter: it is stored, never run.
    vba = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\nEnd Sub\r\n'
    )
    write_xlsx("xlsm_with_macro.xlsm", table, merges=merges, vba=vba)


def make_empty() -> None:
    write_xlsx("empty.xlsx", [])


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_not_a_spreadsheet() -> None:
    (OUT / "not_a_spreadsheet.xlsx").write_bytes(png_bytes())


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Overwrite a member's uncompressed size in its local header and the central directory."""
    out = bytearray(data)
    target = member.encode()
    packed = struct.pack("<I", size)
    pos = 0
    while True:
        pos = out.find(target, pos)
        if pos < 0:
            break
        if out[pos - 30 : pos - 26] == b"PK\x03\x04":
            out[pos - 30 + 22 : pos - 30 + 26] = packed
        elif out[pos - 46 : pos - 42] == b"PK\x01\x02":
            out[pos - 46 + 24 : pos - 46 + 28] = packed
        pos += 1
    return bytes(out)


def rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    """The same zip with some members' bytes replaced, deflated, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=(2024, 7, 5, 9, 0, 0))
            out.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(out, change.get(info.filename, src.read(info.filename)))
    return buf.getvalue()


def make_zip_bomb() -> None:
    """A tiny zip that declares 4 GB of sheet XML: readers must refuse it before inflating."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            ("[Content_Types].xml", "<Types/>"),
            ("xl/workbook.xml", "<workbook/>"),
            ("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 2000 + "</worksheet>"),
        ):
            info = zipfile.ZipInfo(name, date_time=(2024, 7, 5, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    data = patch_declared_size(buf.getvalue(), "xl/worksheets/sheet1.xml", 0xFFFFFFF0)
    (OUT / "zip_bomb.xlsx").write_bytes(data)


def padded_tianshui_sheet(pad: int) -> tuple[bytes, int]:
    """The 天水 workbook with `pad` blanks after its sheet data, and the sheet XML's size before
    padding."""
    table, merges = tianshui_table(total=False)
    write_xlsx("_padded.xlsx", table, merges=merges)
    path = OUT / "_padded.xlsx"
    data = path.read_bytes()
    path.unlink()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    padded = xml.replace(b"</sheetData>", b"</sheetData>" + b" " * pad)
    return rezip(data, {"xl/worksheets/sheet1.xml": padded}), len(xml)


def make_zip_size_lie() -> None:
    """A real workbook whose zip directory lies: its sheet XML inflates to 4 MB more than the
    sizes written in the local header and the central directory say."""
    data, size = padded_tianshui_sheet(4 * 2**20)
    data = patch_declared_size(data, "xl/worksheets/sheet1.xml", size)
    (OUT / "zip_size_lie.xlsx").write_bytes(data)


def make_zip_ratio_bomb() -> None:
    """Honest sizes, but 12 MB of sheet XML from about 12 KB: no spreadsheet inflates like that."""
    data, _size = padded_tianshui_sheet(12 * 2**20)
    (OUT / "zip_ratio_bomb.xlsx").write_bytes(data)


def make_unit_conversion_wanjian() -> None:
    header = ["地区", "调解纠纷（万件）", "调解经费（元）", "司法所经费（千元）"]
    funding = [612000, 588000, 301000]
    office = [1250, 980, 640]
    rows = [
        [name, c / 10000, f, b]
        for name, c, f, b in zip(TIANSHUI[:3], CASES, funding, office, strict=False)
    ]
    table, merges = tianshui_table(rows=rows, header=header, total=False)
    write_xlsx("unit_conversion_wanjian.xlsx", table, merges=merges)


def make_percent_formatted_fraction() -> None:
    rows = base_rows()
    formats = {}
    for i, row in enumerate(rows):
        row[5] = round(row[5] / 100, 3)
        formats[(i + 2, 5)] = {"num_format": "0.0%"}
    table, merges = tianshui_table(rows=rows, total=False)
    write_xlsx("percent_formatted_fraction.xlsx", table, merges=merges, formats=formats)


# --- several tables in one sheet, hidden sheets, comparison columns -----------------------------

LEGAL_AID = [412, 380, 166, 228, 240, 171, 119]
AMBASSADORS = [2100, 1960, 830, 1150, 1210, 880, 640]
RELEASED = [96, 88, 41, 55, 60, 38, 27]
HANDED_OVER = [96, 87, 41, 54, 60, 38, 26]


def make_stacked_tables() -> None:
    """Four tables one below the other, as county workbooks stack them: 表一 (rows 2-12, with
    a 合计), 表二 with its own period in its title (rows 14-23, ends with a 填表人 footer), 表三
    with a two-level merged header and a 合计 that does not add up (C35: 521 against 520), and
    表四 whose indicators are not in the catalog."""
    rows: list[list[Any]] = [[None] * 6, [None] * 6, ["单位：个、人、件、%"]]
    rows.append(BASE_HEADER)
    county = base_rows()
    rows += county
    rows.append(total_row(county, rates={5: (4, 3)}))  # row 12
    rows.append([None] * 6)
    rows.append([None] * 6)  # row 14: 表二 title (merged)
    rows.append(["地区", "法律援助案件（件）", "法律明白人（人）"])
    rows += [[n, a, b] for n, a, b in zip(TIANSHUI, LEGAL_AID, AMBASSADORS, strict=True)]
    rows.append(["填表人：张敏", None, "审核人：刘洋"])  # row 23
    rows.append([None] * 6)
    rows.append([None] * 6)  # row 25: 表三 title (merged)
    rows.append(["地区", "刑满释放人员", None])  # row 26
    rows.append([None, "人数（人）", "衔接到位（人）"])  # row 27
    rows += [[n, a, b] for n, a, b in zip(TIANSHUI, RELEASED, HANDED_OVER, strict=True)]
    rows.append(["合计", sum(RELEASED), sum(HANDED_OVER) + 1])  # row 35
    rows.append(["注：衔接到位人数含异地衔接。"])
    rows.append([None] * 6)
    rows.append(["表四 社区矫正工作情况"])  # row 38
    rows.append(["地区", "在册社区矫正对象（人）", "本期新接收（人）"])  # row 39
    rows += [[n, 30 + i, 5 + i] for i, n in enumerate(TIANSHUI)]
    merges = [
        ("A1:F1", "2024年天水市司法行政工作统计表"),
        ("A2:F2", "表一 人民调解工作情况"),
        ("A14:C14", "表二 法律援助工作情况（2024年1-6月）"),
        ("A25:C25", "表三 安置帮教工作情况"),
        ("A26:A27", "地区"),
        ("B26:C26", "刑满释放人员"),
    ]
    write_xlsx("stacked_tables.xlsx", rows, merges=merges, sheet="汇总")


def make_side_by_side_tables() -> None:
    """Two tables side by side, an empty column between them: the right one lists its counties
    in another order (F3 is 张家川回族自治县), so its figures must follow its own region column."""
    left = [[n, c, s] for n, c, s in zip(TIANSHUI, CASES, SUCCESS, strict=True)]
    right = [[n, a] for n, a in zip(reversed(TIANSHUI), reversed(LEGAL_AID), strict=True)]
    rows: list[list[Any]] = [[None] * 6]
    rows.append(["地区", "调解纠纷（件）", "调解成功（件）", None, "地区", "法律援助案件（件）"])
    for lrow, rrow in zip(left, right, strict=True):
        rows.append([*lrow, None, *rrow])
    write_xlsx(
        "side_by_side_tables.xlsx",
        rows,
        merges=[("A1:F1", "2024年天水市司法行政工作统计表")],
    )


def make_hidden_sheets() -> None:
    """A visible table, a hidden sheet holding last year's table (must be reported, not loaded),
    a hidden drop-down list of county names and an empty hidden sheet (both quiet)."""
    table, merges = tianshui_table(total=False)
    last_year, last_merges = tianshui_table(title="2023年天水市人民调解工作情况统计表", total=False)
    write_xlsx(
        "hidden_sheets.xlsx",
        table,
        merges=merges,
        extra_sheets=[
            ("2023年", last_year),
            ("lists", [[n] for n in TIANSHUI]),
            ("空白", [[None]]),
        ],
        extra_merges={"2023年": last_merges},
        hidden=("2023年", "lists", "空白"),
    )


H1_CASES = [c // 2 for c in CASES]
H1_SUCCESS = [s // 2 - 1 for s in SUCCESS]
H1_CASES_2023 = [1480, 1402, 690, 852, 902, 600, 431]
H1_SUCCESS_2023 = [1459, 1380, 678, 838, 887, 590, 422]


def change_pct(now: float, before: float, digits: int = 1) -> float:
    return round((now / before - 1) * 100, digits)


def make_comparison_columns() -> None:
    """调解纠纷 and 调解成功 each with 本期 | 上年同期 | 同比(%) under a merged group header, and
    调解成功率 with 本期 | 上年同期 | 同比 (in points). D5 (麦积区's 同比) says 12.0 where the
    figures give 6.3."""
    rows: list[list[Any]] = [[None] * 10, [None] * 10, [None] * 10]
    rows[2] = [None, "本期", "上年同期", "同比(%)", "本期", "上年同期", "同比(%)"]
    rows[2] += ["本期", "上年同期", "同比"]
    for k, name in enumerate(TIANSHUI):
        c, c0 = H1_CASES[k], H1_CASES_2023[k]
        s, s0 = H1_SUCCESS[k], H1_SUCCESS_2023[k]
        r, r0 = rate(s, c), rate(s0, c0)
        rows.append(
            [name, c, c0, change_pct(c, c0), s, s0, change_pct(s, s0), r, r0, round(r - r0, 1)]
        )
    rows[4][3] = 12.0  # D5
    merges = [
        ("A1:J1", "2024年1-6月天水市人民调解工作情况统计表"),
        ("A2:A3", "地区"),
        ("B2:D2", "调解纠纷（件）"),
        ("E2:G2", "调解成功（件）"),
        ("H2:J2", "调解成功率（%）"),
    ]
    write_xlsx("comparison_columns.xlsx", rows, merges=merges)


def make_comparison_columns_flat() -> None:
    """Flat headers: 上年同期调解案件数, 同比增长% (whole percents, one as text "下降…"), and a
    bare 上年同期 | 增减（人） pair after 人民调解员. G8 (武山县's 增减) says 30 where 860 - 845 = 15."""
    header = ["地区", "调解纠纷（件）", "上年同期调解案件数", "同比增长%"]
    header += ["人民调解员（人）", "上年同期", "增减（人）"]
    mediators_2023 = [1500, 1400, 790, 990, 1120, 845, 640]
    cases_2023 = list(H1_CASES_2023)
    cases_2023[2] = 700  # 清水县: 675 against 700, a fall
    rows: list[list[Any]] = [[None] * 7, header]
    for k, name in enumerate(TIANSHUI):
        c, c0 = H1_CASES[k], cases_2023[k]
        m, m0 = MEDIATORS[k], mediators_2023[k]
        rows.append([name, c, c0, round((c / c0 - 1) * 100), m, m0, m - m0])
    rows[4][3] = f"下降{abs(round((H1_CASES[2] / 700 - 1) * 100, 1))}%"  # D5, as text
    rows[7][6] = 30  # G8
    write_xlsx(
        "comparison_columns_flat.xlsx",
        rows,
        merges=[("A1:G1", "2024年1-6月天水市人民调解工作情况统计表")],
    )


def make_all() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    make_wide_simple()
    make_merged_headers_2level()
    make_merged_headers_3level()
    make_long_layout()
    make_matrix_nbs_gbk()
    make_matrix_nbs_xls()
    make_merged_headers_xls()
    make_utf8_bom()
    make_gbk_tiny()
    make_gb18030()
    make_title_unit_footer_rows()
    make_totals_row_mismatch()
    make_numbers_as_text()
    make_dashes_blank_not_reported()
    make_excel_error_cells()
    make_formulas_cached()
    make_traditional_chars_pinyin()
    make_region_name_variants()
    make_unknown_region()
    make_ambiguous_region()
    make_value_defect("not_a_number.xlsx", 4, 3, "1,2,3")  # D7: 甘谷县 调解纠纷
    make_value_defect("negative_count.xlsx", 2, 2, -12)  # C5: 清水县 人民调解员
    make_value_defect("rate_out_of_range.xlsx", 3, 5, 102.5)  # F6: 秦安县 成功率
    make_value_defect("success_above_cases.xlsx", 0, 4, 3150)  # E3: 秦州区 成功 3150 > 3120
    make_value_defect("non_integer_count.xlsx", 5, 2, 860.5)  # C8: 武山县 人民调解员
    make_value_defect("rate_inconsistent.xlsx", 1, 5, 95.0)  # F4: 麦积区 95.0 vs 98.7
    make_value_defect("no_period.xlsx", 0, 1, 420, title="天水市人民调解工作情况统计表")
    make_duplicate_conflict()
    make_sector_above_total()
    make_unmapped_column()
    make_multi_sheet()
    make_xlsm_with_macro()
    make_empty()
    make_not_a_spreadsheet()
    make_zip_bomb()
    make_zip_size_lie()
    make_zip_ratio_bomb()
    make_unit_conversion_wanjian()
    make_percent_formatted_fraction()
    make_stacked_tables()
    make_side_by_side_tables()
    make_hidden_sheets()
    make_comparison_columns()
    make_comparison_columns_flat()


if __name__ == "__main__":
    make_all()
    for p in sorted(OUT.iterdir()):
        print(f"{p.stat().st_size:>7}  {p.name}")
