"""Fill the county template with stored figures: a city's units for one period, ready to send or re-load."""

from __future__ import annotations

import io
from typing import IO, Any

import openpyxl
from sqlalchemy.engine import Engine

from etl.template import CODE_HEADER, DATA_SHEET, HEADER_ROW, write_template
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.formatting import json_number
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store.rollup import figures


def export_city_template(
    engine: Engine,
    city_code: str,
    period: Period,
    out: str | IO[bytes],
    *,
    indicators: list[str] | None = None,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> int:
    """Write the template for `city_code` and `period` with each unit's stored figures filled in.

    Ratios are left out by default (they are derived from their parts). Approximate figures are
    written as text with 余 ("4000余") so that they load back as approximate. Returns the number
    of filled cells.
    """
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    codes = indicators or [i.code for i in catalog if i.kind != "ratio"]
    buf = io.BytesIO()
    write_template(
        buf,
        city_code=city_code,
        period=period,
        region_table=regions,
        catalog=catalog,
        indicators=codes,
    )
    units = [r.code for r in regions.children(city_code, reporting_only=True)]
    frame = figures(engine, units, period, codes, compare=False, regions=regions, catalog=catalog)
    values: dict[tuple[str, str], Any] = {}
    for r in frame.itertuples(index=False):
        number = json_number(r.value, catalog.get(r.indicator_code).decimals)
        if number is None:
            continue
        values[(r.region_code, r.indicator_code)] = f"{number}余" if r.is_approximate else number

    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb[DATA_SHEET]
    headers = {cell.value: cell.column for cell in ws[HEADER_ROW] if cell.value}
    code_col = headers[CODE_HEADER]
    from etl.template import header_text

    col_of = {c: headers[header_text(catalog.get(c).name_zh, catalog.get(c).unit)] for c in codes}
    filled = 0
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        region_code = row[code_col - 1].value
        if not region_code:
            continue
        for code, col in col_of.items():
            value = values.get((str(region_code), code))
            if value is not None:
                ws.cell(row=row[0].row, column=col, value=value)
                filled += 1
    wb.save(out)
    return filled
