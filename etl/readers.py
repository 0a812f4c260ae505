"""Read an uploaded file's bytes into sheets of raw cells, choosing the reader by content, not by extension."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from etl.problems import Problem, make_problem
from etl.read_limits import (
    ReadLimits,
    SheetTooLarge,
    check_extent,
    check_total,
    col_name,
    xml_extent,
)

MAX_UNPACKED_BYTES = 300 * 2**20

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# Magic bytes of things people upload by mistake, with a name for the message.
_OTHER_MAGICS = (
    (b"\x89PNG", "PNG图片 / PNG image"),
    (b"\xff\xd8\xff", "JPEG图片 / JPEG image"),
    (b"GIF8", "GIF图片 / GIF image"),
    (b"%PDF", "PDF文档 / PDF document"),
    (b"Rar!", "RAR压缩包 / RAR archive"),
    (b"7z\xbc\xaf", "7z压缩包 / 7z archive"),
    (b"\x1f\x8b", "gzip压缩包 / gzip archive"),
    (b"BM", "BMP图片 / BMP image"),
    (b"{\\rtf", "RTF文档 / RTF document"),
)


class ReadError(Exception):
    """The file cannot be turned into sheets; `problem` says why, in both languages."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message_en)
        self.problem = problem


col_letter = lru_cache(maxsize=1024)(col_name)  # zero-based index -> 'A', 27 -> 'AB'


def cell_address(r: int, c: int) -> str:
    """Zero-based row and column -> 'D7'."""
    return f"{col_letter(c)}{r + 1}"


@dataclass
class Sheet:
    name: str
    cells: list[list[Any]]  # rows of raw values; row 0 is Excel row 1, column 0 is column A
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # r0, c0, r1, c1 inclusive
    visible: bool = True

    def address(self, r: int, c: int) -> str:
        return cell_address(r, c)

    def is_empty(self) -> bool:
        return not any(_filled(v) for row in self.cells for v in row)


@dataclass
class Workbook:
    filename: str
    format: str  # xlsx | xlsm | xlsb | ods | xls | csv
    sheets: list[Sheet]
    encoding: str | None = None  # text files only
    delimiter: str | None = None  # text files only

    def sheet(self, name: str) -> Sheet | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None


def _filled(v: Any) -> bool:
    return v is not None and not (type(v) is str and not v.strip())


def _fail(code: str, filename: str, **params: Any) -> ReadError:
    return ReadError(make_problem(code, file=filename, **params))


def read_workbook(
    data: bytes,
    filename: str,
    *,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    limits: ReadLimits | None = None,
) -> Workbook:
    """Sheets of raw cell values from an .xlsx/.xlsm/.xls/.ods/CSV file; raises ReadError.

    A sheet whose used range is beyond `limits` (default: the settings) is refused before it is
    expanded into a grid (etl/read_limits.py). This runs in the calling process: untrusted files
    go through etl.sandbox.read_workbook, which runs it in a worker with memory and time limits.
    """
    try:
        return _read_workbook(
            data, filename, max_unpacked_bytes, limits or ReadLimits.from_settings()
        )
    except SheetTooLarge as exc:
        raise ReadError(exc.problem) from None


def _read_workbook(
    data: bytes, filename: str, max_unpacked_bytes: int, limits: ReadLimits
) -> Workbook:
    limit_mb = round(max_unpacked_bytes / 2**20)
    if not data:
        raise _fail("empty_file", filename)
    if len(data) > max_unpacked_bytes:
        raise _fail(
            "file_too_large", filename, size_mb=round(len(data) / 2**20, 1), limit_mb=limit_mb
        )
    head = data[:8]
    if head.startswith(ZIP_MAGICS):
        book = _read_zip(data, filename, max_unpacked_bytes, limits)
    elif head == OLE2_MAGIC:
        book = _read_ole2(data, filename, limits)
    else:
        for magic, kind in _OTHER_MAGICS:
            if head.startswith(magic):
                raise _fail("unsupported_type", filename, kind=kind)
        book = _read_text(data, filename, limits)
    if all(s.is_empty() for s in book.sheets):
        raise _fail("empty_file", filename)
    for sheet in book.sheets:
        _make_rectangular(sheet.cells)
    return book


def _make_rectangular(rows: list[list[Any]]) -> None:
    """Pad short rows with None so that every row has the same length."""
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))


# --- zip based: xlsx, xlsm, xlsb, ods ---------------------------------------------------------


def _read_zip(data: bytes, filename: str, limit: int, limits: ReadLimits) -> Workbook:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(
            "unreadable_file", filename, reason=f"损坏的压缩文件 / corrupt zip ({exc})"
        ) from None
    # Refuse zip bombs before anything is inflated: the declared sizes must fit the limit and
    # look like spreadsheet XML. The real sizes are measured by _scan_zip below.
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limit:
        raise _fail(
            "file_too_large",
            filename,
            size_mb=round(unpacked / 2**20, 1),
            limit_mb=round(limit / 2**20),
        )
    for info in infos:
        _check_ratio(info, info.file_size, filename)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        content_types = _read_member(zf, "[Content_Types].xml", limit)
        fmt = "xlsm" if b"macroEnabled" in content_types else "xlsx"
    elif "xl/workbook.bin" in names:
        fmt = "xlsb"
    elif "content.xml" in names and b"spreadsheet" in _read_member(zf, "mimetype", 200):
        fmt = "ods"
    elif "word/document.xml" in names:
        raise _fail("unsupported_type", filename, kind="Word文档 / Word document")
    elif "ppt/presentation.xml" in names:
        raise _fail("unsupported_type", filename, kind="PPT演示文稿 / PowerPoint file")
    else:
        raise _fail("unsupported_type", filename, kind="压缩包 / zip archive")
    # calamine parses without the GIL: meanwhile one pass inflates every member with a bound
    # (measuring its real size) and finds the error cells calamine leaves out. Running the two
    # side by side is safe: calamine's zip reader stops with an error where a member inflates
    # past its declared size, and the declared sizes were checked above
    # (test_calamine_stops_at_the_declared_size keeps that promise checked).
    # A sheet too large to expand is refused from calamine's own extent before the cells become
    # Python rows; one whose bounding box calamine itself cannot allocate ends the process, which
    # is why untrusted files are read in etl.sandbox's worker (it then names the sheet with
    # sheet_extent_problem below).
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(_scan_zip, data, infos, filename, fmt in ("xlsx", "xlsm"))
        try:
            sheets, failed = _read_calamine(data, filename, limits), None
        except ReadError as exc:
            sheets, failed = [], exc
        found = scan.result()  # a zip bomb's ReadError wins over calamine's own complaint
    if failed is not None:
        raise failed
    _put_errors(sheets, found)
    return Workbook(filename, fmt, sheets)


def _read_member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        with zf.open(name) as f:
            return f.read(limit + 1)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return b""


def _read_calamine(data: bytes, filename: str, limits: ReadLimits) -> list[Sheet]:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets, total = [], 0
        for meta in book.sheets_metadata:
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue  # chart sheets and macro sheets hold no table
            sheet = book.get_sheet_by_name(meta.name)
            # calamine holds the bounding box of the filled cells; the Python rows start at A1:
            # measure from A1 before expanding (a lone cell at XFD1048576 is 17 billion cells)
            (r0, c0) = sheet.start or (0, 0)
            check_extent(filename, meta.name, r0 + sheet.height, c0 + sheet.width, limits)
            total += (r0 + sheet.height) * (c0 + sheet.width)
            check_total(filename, total, limits)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            visible = str(meta.visible).rsplit(".", 1)[-1] == "Visible"
            sheets.append(Sheet(meta.name, rows, merged, visible))
        return sheets
    except pc.PasswordError:
        raise _fail(
            "unreadable_file", filename, reason="文件有密码保护 / password protected"
        ) from None
    except SheetTooLarge:
        raise
    except Exception as exc:  # calamine raises several unrelated exception types
        raise _fail("unreadable_file", filename, reason=f"{type(exc).__name__}: {exc}") from None


_SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')
_REL_RE = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ERROR_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?\bt=\"e\"[^>]*)>(.*?)</(?:\w+:)?c>", re.DOTALL)
_V_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REF_RE = re.compile(r"^([A-Z]+)(\d+)$")


def _attrs(tag: bytes) -> dict[str, str]:
    return {
        k.decode().rsplit(":", 1)[-1]: v.decode("utf-8", "replace")
        for k, v in _ATTR_RE.findall(tag)
    }


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _scan_zip(
    data: bytes, infos: list[zipfile.ZipInfo], filename: str, error_cells: bool
) -> dict[str, list[tuple[int, int, str]]]:
    """Inflate every member once, never past its declared size, and refuse a zip bomb whose
    directory lies (ReadError): the declared sizes already passed the size and ratio limits,
    so the real ones are within them or the file is refused. With error_cells,
    also return the Excel error values (#DIV/0!, #N/A...) per sheet name as (row, column, text),
    zero-based: calamine reads them as ''."""
    sheet_parts = _worksheet_parts(data, infos, filename) if error_cells else {}
    found: dict[str, list[tuple[int, int, str]]] = {}
    for info in infos:
        name = sheet_parts.get(info.filename)
        xml = _inflate(data, info, filename, keep=name is not None)
        if name is not None and b't="e"' in xml:
            found[name] = _error_cells(xml)
    return found


def _worksheet_parts(data: bytes, infos: list[zipfile.ZipInfo], filename: str) -> dict[str, str]:
    by_name = {i.filename: i for i in infos}
    workbook = by_name.get("xl/workbook.xml")
    rels = by_name.get("xl/_rels/workbook.xml.rels")
    workbook_xml = _inflate(data, workbook, filename) if workbook else b""
    rels_xml = _inflate(data, rels, filename) if rels else b""
    return _sheet_parts(workbook_xml, rels_xml)


def sheet_extent_problem(data: bytes, filename: str, limits: ReadLimits) -> Problem | None:
    """The sheet_too_large problem of the first .xlsx worksheet whose used range (from A1, as
    its cell references say) is beyond `limits`, or None. For a file calamine could not read:
    its bounding box can be too large to allocate, and this names the sheet and how far it goes.
    Inflates each worksheet with the same bounds as the reader (ReadError on a zip bomb)."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    by_name = {i.filename: i for i in infos}
    for part, name in _worksheet_parts(data, infos, filename).items():
        if part in by_name:
            xml = _inflate(data, by_name[part], filename)
            try:
                check_extent(filename, name, *xml_extent(xml, limits), limits)
            except SheetTooLarge as exc:
                return exc.problem
    return None


def _sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Worksheet part name -> sheet name, from xl/workbook.xml and its relationships."""
    targets = {}
    for tag in _REL_RE.findall(rels_xml):
        a = _attrs(tag)
        target = a.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[a.get("Id")] = target
    parts = {}
    for tag in _SHEET_RE.findall(workbook_xml):
        a = _attrs(tag)
        part = targets.get(a.get("id"))
        if part is not None:
            parts[part] = _unescape(a.get("name", ""))
    return parts


def _error_cells(xml: bytes) -> list[tuple[int, int, str]]:
    cells = []
    for m in _ERROR_CELL_RE.finditer(xml):
        ref = _attrs(m.group(1)).get("r", "")
        v = _V_RE.search(m.group(2))
        rm = _REF_RE.match(ref)
        if not rm or not v:
            continue
        r, c = int(rm.group(2)) - 1, _col_index(rm.group(1))
        cells.append((r, c, _unescape(v.group(1).decode("utf-8", "replace"))))
    return cells


# Spreadsheet XML inflates 5-20 times (measured: 6 for figures, 12-18 for blank styled cells or
# one repeated text); deflate can reach about 1000. A member that inflates to more than
# RATIO_MIN_BYTES at more than MAX_RATIO times its compressed size is taken for a zip bomb.
MAX_RATIO = 100
RATIO_MIN_BYTES = 8 * 2**20
_INFLATE_STEP = 2**20  # compressed bytes handed to the inflater at once


def _check_ratio(info: zipfile.ZipInfo, size: int, filename: str) -> None:
    if size > RATIO_MIN_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
        ratio = round(size / max(info.compress_size, 1))
        raise _bomb(
            filename,
            f"“{info.filename}”解压后约为压缩大小的{ratio}倍",
            f"“{info.filename}” inflates to about {ratio} times its compressed size",
        )


def _bomb(filename: str, zh: str, en: str) -> ReadError:
    return _fail(
        "unreadable_file",
        filename,
        reason_zh=f"疑似压缩炸弹（{zh}），已拒绝",
        reason_en=f"it looks like a zip bomb ({en}) and was refused",
    )


def _inflate(data: bytes, info: zipfile.ZipInfo, filename: str, *, keep: bool = True) -> bytes:
    """One member's bytes (b"" unless keep), inflated in steps and never past its declared size:
    a member that would grow beyond it (the zip directory lied) raises a ReadError at once. The
    declared sizes passed the size and ratio limits, so the real ones do too. A member that is
    damaged, encrypted or in another compression is left to calamine, which cannot read it
    either (and says so)."""
    offset = info.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04" or len(data) < offset + 30:
        return b""
    if info.flag_bits & 1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return b""
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > declared:
            raise _size_lie(filename, info)
        return bytes(raw) if keep else b""
    inflater = zlib.decompressobj(-15)
    parts: list[bytes] = []
    size = 0
    try:
        for pos in range(0, len(raw), _INFLATE_STEP):
            chunk = inflater.decompress(raw[pos : pos + _INFLATE_STEP], declared - size + 1)
            size += len(chunk)
            if size > declared:
                raise _size_lie(filename, info)
            if keep:
                parts.append(chunk)
            if inflater.eof:
                break
    except zlib.error:
        return b""
    return b"".join(parts) if keep else b""


def _size_lie(filename: str, info: zipfile.ZipInfo) -> ReadError:
    return _bomb(
        filename,
        f"“{info.filename}”解压后超过其声明的{info.file_size:,}字节",
        f"“{info.filename}” inflates past its declared {info.file_size:,} bytes",
    )


def _put_errors(sheets: list[Sheet], found: dict[str, list[tuple[int, int, str]]]) -> None:
    """Put the error values found by _xlsx_error_cells back into the sheets' cells."""
    by_name = {s.name: s for s in sheets}
    for name, cells in found.items():
        sheet = by_name.get(name)
        if sheet is None:
            continue
        for r, c, text in cells:
            while len(sheet.cells) <= r:
                sheet.cells.append([])
            row = sheet.cells[r]
            if len(row) <= c:
                row.extend([""] * (c + 1 - len(row)))
            row[c] = text


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


# --- OLE2: legacy .xls ------------------------------------------------------------------------


def _read_ole2(data: bytes, filename: str, limits: ReadLimits) -> Workbook:
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise _fail("unreadable_file", filename, reason="文件有密码保护 / password protected")
    if "WordDocument".encode("utf-16-le") in data:
        raise _fail("unsupported_type", filename, kind="Word文档 / Word document")
    try:
        return Workbook(filename, "xls", _read_xlrd(data, filename, limits))
    except SheetTooLarge:
        raise
    except Exception:  # xlrd gives up on some WPS files: calamine may still read them
        pass
    try:
        return Workbook(filename, "xls", _read_calamine(data, filename, limits))
    except ReadError:
        raise _fail(
            "unreadable_file",
            filename,
            reason="无法解析的 .xls 文件 / the .xls file cannot be parsed",
        ) from None


def _read_xlrd(data: bytes, filename: str, limits: ReadLimits) -> list[Sheet]:
    import xlrd

    log = io.StringIO()  # xlrd prints warnings about sector sizes to stdout otherwise
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=log)
    except Exception:
        book = xlrd.open_workbook(file_contents=data, logfile=log)
    sheets, total = [], 0
    for sh in book.sheets():
        check_extent(filename, sh.name, sh.nrows, sh.ncols, limits)
        total += sh.nrows * sh.ncols
        check_total(filename, total, limits)
        rows = []
        for r in range(sh.nrows):
            row = []
            for cell in sh.row(r):
                ct = cell.ctype
                if ct == xlrd.XL_CELL_EMPTY or ct == xlrd.XL_CELL_BLANK:
                    row.append(None)
                elif ct == xlrd.XL_CELL_DATE:
                    try:
                        row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                    except Exception:
                        row.append(cell.value)
                elif ct == xlrd.XL_CELL_ERROR:
                    row.append(xlrd.error_text_from_code.get(cell.value, "#VALUE!"))
                elif ct == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                else:
                    row.append(cell.value)
            rows.append(row)
        merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in (sh.merged_cells or [])]
        sheets.append(Sheet(sh.name, rows, merged, sh.visibility == 0))
    return sheets


# --- text: CSV / TSV --------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOMs, then strict UTF-8, then strict GB18030, then a detector."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Before any detector: tiny GBK files are often mistaken for cp949 or Big5.
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:
        best = None
    if best is None or best.encoding is None:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, "no encoding fits")
    return str(best), best.encoding


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the most consistent number of fields (judged
    on the first 60 non-empty lines; raises csv.Error on a field beyond the csv module's limit)."""
    lines = []
    for ln in io.StringIO(text):
        if ln.strip():
            lines.append(ln)
            if len(lines) == 60:
                break
    best, best_score = ",", (-1, -1)
    for delim in (",", "\t", ";", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        multi = [n for n in counts if n > 1]
        if not multi:
            continue
        mode = max(set(multi), key=multi.count)
        score = (len(multi), multi.count(mode))
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_text(data: bytes, filename: str, limits: ReadLimits) -> Workbook:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail("unsupported_type", filename, kind="二进制文件 / binary file")
    try:
        text, encoding = decode_text(data)
    except UnicodeDecodeError:
        raise _fail(
            "unreadable_file", filename, reason="无法识别的文字编码 / unknown text encoding"
        ) from None
    start = text.lstrip()[:2000].lower()
    if start.startswith(("<html", "<!doctype html")) or "<table" in start:
        raise _fail(
            "unsupported_type", filename, kind="网页格式的表格 / HTML page saved as a spreadsheet"
        )
    if start.startswith("<?xml") and "office:spreadsheet" in start:
        raise _fail("unsupported_type", filename, kind="Excel 2003 XML")
    if not text.strip():
        raise _fail("empty_file", filename)
    name = PurePath(filename).stem or "Sheet1"
    reader = None
    try:
        delimiter = sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = _bounded_rows(reader, filename, name, limits)
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 0
        if "field larger than field limit" in str(exc):
            kb = csv.field_size_limit() // 1024
            where_zh = f"第{line}行" if line else "开头几行中"
            where_en = f"line {line}" if line else "one of the first lines"
            raise _fail(
                "unreadable_file",
                filename,
                reason_zh=f"{where_zh}有一个超过{kb}KB的字段（多半是引号没有闭合）",
                reason_en=f"{where_en} holds a field over {kb} KB (most likely an unclosed quote)",
            ) from None
        raise _fail(
            "unreadable_file", filename, reason=f"CSV（第{line}行 / line {line}）: {exc}"
        ) from None
    return Workbook(filename, "csv", [Sheet(name, rows)], encoding=encoding, delimiter=delimiter)


def _bounded_rows(reader, filename: str, name: str, limits: ReadLimits) -> list[list[Any]]:
    """The CSV's rows, refusing (SheetTooLarge) as soon as the rows read so far are beyond the
    limits: a line of 60,000 commas stops at that line, before any row is padded to its width."""
    rows: list[list[Any]] = []
    width = 0
    for row in reader:
        rows.append(row)
        if len(row) > width:
            width = len(row)
        if width > limits.cols or len(rows) > limits.rows or len(rows) * width > limits.cells:
            check_extent(filename, name, len(rows), width, limits)
    return rows
