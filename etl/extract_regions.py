"""Which region a table and each of its rows is about: the table's context (its city or
province), every row's region label resolved, totals rows told from data rows, section labels
without figures left out, and namesakes settled by the level of the other rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from etl.cells import NOT_REPORTED, parse_cell
from etl.extract_base import ExtractorBase
from etl.extract_records import ExtractedRow
from etl.layout import DetectedTable, cell_text
from etl.readers import col_letter
from etl.region_context import _infer_context, find_region_context


class RegionRows(ExtractorBase):
    """The regions of a table and of its rows."""

    def table_context(self, table: DetectedTable) -> tuple[str | None, str | None]:
        if self.context_option:
            return self.context_option, "option"
        if table.template is not None and table.template.city_code in self.regions:
            return table.template.city_code, "template"
        found = find_region_context(table.title_lines, self.regions)
        if found:
            return found, "title"
        found = find_region_context(table.sheet_titles, self.regions)
        if found:
            return found, "sheet_title"
        if self.book.format != "csv":
            found = find_region_context([table.sheet.name], self.regions)
            if found:
                return found, "sheet"
        found = find_region_context([self.stem], self.regions)
        if found:
            return found, "filename"
        return None, None

    def resolve_rows(
        self, table: DetectedTable, context: str | None
    ) -> tuple[list[ExtractedRow], str | None, bool]:
        """Resolve the region of every data row; infer the context from the rows if none was given."""
        sheet = table.sheet
        rc, cc = table.region_col, table.code_col
        if rc is None and cc is None:
            return self.single_region_rows(table), context, False
        texts: list[tuple[int, str, str | None]] = []
        cells = sheet.cells
        for r in table.data_rows:
            row = cells[r]
            v = row[rc] if rc is not None and rc < len(row) else ""
            text = v.strip() if type(v) is str else cell_text(v)
            code = cell_text(row[cc]) if cc is not None and cc < len(row) else None
            texts.append((r, text, code or None))
        inferred = False
        without_context: dict[str, Any] = {}  # text -> its resolution with no context
        if context is None:
            codes = []  # each region once: a long table names it on many rows
            for text, code in dict.fromkeys((t, c) for _r, t, c in texts):
                if code and code in self.regions:
                    codes.append(code)
                    continue
                res = without_context.get(text)
                if res is None:
                    res = without_context[text] = self.regions.resolve(text)
                if res.status == "ok":
                    codes.append(res.code)
            context = _infer_context(codes, self.regions)
            inferred = context is not None
        rows = []
        letter = col_letter(rc) if rc is not None else None
        # one resolution per distinct (text, code): a long table names each region many times
        seen: dict[tuple[str, str | None], tuple | None] = {}
        for r, text, code in texts:
            cell = letter + str(r + 1) if letter is not None else None
            key = (text, code)
            got = seen.get(key, False)
            if got is False:
                got = seen[key] = self._resolution(text, code, context, without_context)
            status, res_code, kind, cands, mzh, men = got
            if status not in ("ok", "total") and not self.row_has_values(table, r):
                continue  # a section label such as "一、城区" with no figures
            rows.append(ExtractedRow(r + 1, cell, text, status, res_code, kind, cands, mzh, men))
        self.settle_by_level(rows)
        self.own_rows(rows)
        return rows, context, inferred

    @staticmethod
    def own_rows(rows: list[ExtractedRow]) -> None:
        """A table whose only rows name its own region (景德镇市 under a 景德镇市 title, or a lone
        全市) holds that region's own figures: no rows below it to be the total of."""
        if any(r.row_kind == "data" and r.status == "ok" for r in rows):
            return
        for i, row in enumerate(rows):
            if row.row_kind == "total" and row.region_code:
                rows[i] = replace(row, row_kind="data", status="ok")

    def _resolution(
        self, text: str, code: str | None, context: str | None, without_context: dict
    ) -> tuple:
        """(status, region code, row kind, candidates, message zh, message en) of a row label."""
        if (
            code
            and code in self.regions
            and (context is None or self.regions.is_within(code, context))
        ):
            status, res_code, cands, mzh, men = "ok", code, (code,), "", ""
        else:
            res = without_context.get(text) if context is None else None
            if res is None:
                res = self.regions.resolve(text, context)
            status, res_code, cands = res.status, res.code, res.candidates
            mzh, men = res.message_zh, res.message_en
        kind = "data"
        if status == "total":
            kind, res_code = "total", res_code or context
        elif status == "ok" and res_code == context:
            kind = "total"
        return status, res_code, kind, cands, mzh, men

    def settle_by_level(self, rows: list[ExtractedRow]) -> None:
        """A namesake among rows of one level: 南昌 in a list of cities is 南昌市, not 南昌县."""
        counts = Counter(r.region_code for r in rows if r.status == "ok" and r.row_kind == "data")
        levels: Counter = Counter()
        for code, n in counts.items():
            levels[self.regions.get(code).level] += n
        if not levels:
            return
        level, n = levels.most_common(1)[0]
        if n < 0.8 * sum(levels.values()):
            return
        for i, row in enumerate(rows):
            if row.status != "ambiguous":
                continue
            same = [c for c in row.candidates if self.regions.get(c).level == level]
            if len(same) == 1:
                full = self.regions.full_name(same[0])
                rows[i] = ExtractedRow(
                    row.row,
                    row.cell,
                    row.region_text,
                    "ok",
                    same[0],
                    row.row_kind,
                    (same[0],),
                    f"“{row.region_text}”按同表其他地区的级别识别为{full}（{same[0]}）",
                    f'"{row.region_text}" is {full} ({same[0]}), like the other rows\' level',
                )

    def single_region_rows(self, table: DetectedTable) -> list[ExtractedRow]:
        """No region column: the table is one region's own report, named in the title or file name."""
        own = None
        if self.context_option:
            own = self.context_option
        else:
            texts = [*table.title_lines, *table.sheet_titles]
            if self.book.format != "csv":
                texts.append(table.sheet.name)
            texts.append(self.stem)
            for text in texts:
                own = find_region_context([text], self.regions, allow_county=True)
                if own:
                    break
        rows = []
        for r in table.data_rows:
            if own is None:
                res = self.regions.resolve("")
                rows.append(
                    ExtractedRow(
                        r + 1, None, "", "unknown", None, "data", (), res.message_zh, res.message_en
                    )
                )
            else:
                # The region's own figures, even for a city: data, not a totals row.
                name = self.regions.get(own).name
                rows.append(ExtractedRow(r + 1, None, name, "ok", own, "data"))
        return rows

    def row_has_values(self, table: DetectedTable, r: int) -> bool:
        row = table.sheet.cells[r]
        skip = {table.region_col, table.code_col}
        return any(
            c not in skip and parse_cell(v).status != NOT_REPORTED for c, v in enumerate(row)
        )
