"""Chart and table data as CSV and Excel downloads, with formula-like cells neutralised.

Every spreadsheet this program writes goes through here: `safe_cell` / `safe_frame` for the
values, `XLSX_OPTIONS` (or `excel_writer`) for xlsxwriter workbooks, so that no text becomes a
formula or a live link when Excel, WPS or LibreOffice opens the file.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"), with
# the leading tab, CR and LF that some programs strip before looking, and the full-width forms
# a Chinese input method types (＝ ＋ － ＠), which some spreadsheets also accept.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

# xlsxwriter: write every string as a string (no formulas, no links, no number guessing).
XLSX_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def safe_cell(value: Any) -> Any:
    """A text cell starting with = + - @, a tab, CR or LF, or ＝ ＋ － ＠, gets a leading single
    quote (no formula injection); other values are returned unchanged. A sign standing alone
    ("-" for none, "＝" for level in a bulletin) is no formula and is kept as written."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and len(value.strip()) > 1:
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (also in categorical columns) and column name through safe_cell."""
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if (
            col.dtype == object
            or pd.api.types.is_string_dtype(col)
            or isinstance(col.dtype, pd.CategoricalDtype)
        ):
            out.isetitem(i, col.astype(object).map(safe_cell).astype(object))
    return out


def excel_writer(buf: Any) -> pd.ExcelWriter:
    """A pandas ExcelWriter (xlsxwriter) that writes strings as strings: no formulas, no links."""
    return pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": dict(XLSX_OPTIONS)})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM, so Chinese-locale Excel opens it correctly. Rows end in CRLF, so
    that a field holding a CR or LF is quoted (a bare CR would start a new row in Excel, and
    that row's first cell could be a formula)."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An .xlsx workbook with one sheet."""
    buf = io.BytesIO()
    with excel_writer(buf) as writer:
        safe_frame(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buf.getvalue()
