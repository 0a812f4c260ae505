"""Which period a table's figures are for: the option, the template, a title, the sheet or the
file name; or a 时间 column read row by row.
"""

from __future__ import annotations

from etl.extract_base import ExtractorBase
from etl.extract_records import ExtractedRow
from etl.layout import DetectedTable, cell_text
from etl.readers import col_letter
from lawstats.domain.periods import Period, PeriodError, find_period, parse_period

_SOURCE_ZH = {
    "title": "标题",
    "sheet_title": "表格上方的标题",
    "sheet": "工作表名",
    "filename": "文件名",
    "column": "期间列",
}


_UNSEEN = object()


def _within(a: Period, b: Period) -> bool:
    return b.start <= a.start and a.end <= b.end


def _period_hint(exc: Exception) -> dict[str, str]:
    if isinstance(exc, PeriodError):
        return {"hint_zh": f"（{exc.message_zh}）", "hint_en": f" ({exc.message_en})"}
    return {}


class TablePeriods(ExtractorBase):
    """The period of a table, or of each of its rows."""

    def table_period(self, table: DetectedTable) -> tuple[Period | None, str | None]:
        if self.period_option is not None:
            return self.period_option, "option"
        if table.template is not None and table.template.period is not None:
            return table.template.period, "template"
        for lines, source in ((table.title_lines, "title"), (table.sheet_titles, "sheet_title")):
            for line in lines:
                found = find_period(line)
                if found:
                    return found, source
        if self.book.format != "csv":
            found = find_period(table.sheet.name)
            if found:
                return found, "sheet"
        found = find_period(self.stem)
        if found:
            return found, "filename"
        return None, None

    def stated_periods(self, table: DetectedTable) -> list[tuple[str, Period]]:
        """Every period the table's surroundings state: title, the sheet's title, sheet name,
        file name (the first found in each)."""
        found: list[tuple[str, Period]] = []
        for lines, source in ((table.title_lines, "title"), (table.sheet_titles, "sheet_title")):
            p = next((q for q in map(find_period, lines) if q), None)
            if p is not None:
                found.append((source, p))
        if self.book.format != "csv" and (p := find_period(table.sheet.name)):
            found.append(("sheet", p))
        if p := find_period(self.stem):
            found.append(("filename", p))
        return found

    def check_contradictions(
        self,
        table: DetectedTable,
        periods: list[Period],
        source: str | None,
        cell: str | None = None,
    ) -> None:
        """A period the content states (a 时间 column, the title) that neither holds nor lies in
        another the file states (the file name...) is a question for the analyst, never a choice
        made for them; a period given with the upload settles it."""
        if self.period_option is not None or table.template is not None or not periods:
            return
        for other, q in self.stated_periods(table):
            if other == source:
                continue
            for p in dict.fromkeys(periods):
                if not (_within(p, q) or _within(q, p)):
                    self.problem(
                        "period_contradiction",
                        sheet=table.sheet.name,
                        cell=cell,
                        found=p.label,
                        source_zh=_SOURCE_ZH.get(source or "", source or ""),
                        source_en=source or "",
                        other=q.label,
                        other_source_zh=_SOURCE_ZH[other],
                        other_source_en=other,
                    )
                    return

    def row_periods(
        self, table: DetectedTable, rows: list[ExtractedRow], default_year: int | None
    ) -> dict[int, Period | None]:
        out: dict[int, Period | None] = {}
        j = table.period_col
        cache: dict[str, Period | None] = {}
        sheet = table.sheet.cells
        for row in rows:
            cells = sheet[row.row - 1]
            raw = cells[j] if j < len(cells) else None
            text = raw.strip() if type(raw) is str else cell_text(raw)
            known = cache.get(text, _UNSEEN)
            if known is not _UNSEEN:
                out[row.row] = known
                continue
            if not text:
                out[row.row] = self.period_option
                if self.period_option is None:
                    self.problem(
                        "bad_period",
                        sheet=table.sheet.name,
                        cell=f"{col_letter(j)}{row.row}",
                        raw="",
                        hint_zh="（期间为空）",
                        hint_en=" (the period is empty)",
                    )
                continue
            if text not in cache:
                try:
                    cache[text] = parse_period(text, default_year=default_year)
                except (PeriodError, ValueError) as exc:
                    cache[text] = None
                    self.problem(
                        "bad_period",
                        sheet=table.sheet.name,
                        cell=f"{col_letter(j)}{row.row}",
                        raw=text,
                        **_period_hint(exc),
                    )
            out[row.row] = cache[text]
        return out
