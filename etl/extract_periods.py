"""Which period a table's figures are for: the option, the template, a title, the sheet or the
file name; or a 时间 column read row by row.
"""

from __future__ import annotations

from etl.extract_base import ExtractorBase
from etl.extract_records import ExtractedRow
from etl.layout import DetectedTable, cell_text
from etl.readers import col_letter
from lawstats.domain.periods import Period, PeriodError, find_period, parse_period


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

    def row_periods(
        self, table: DetectedTable, rows: list[ExtractedRow], default_year: int | None
    ) -> dict[int, Period | None]:
        out: dict[int, Period | None] = {}
        j = table.period_col
        cache: dict[str, Period | None] = {}
        for row in rows:
            cells = table.sheet.cells[row.row - 1]
            raw = cells[j] if j < len(cells) else None
            text = cell_text(raw)
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
