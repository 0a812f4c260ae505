"""The state one extraction works on: the workbook, its problem report, the catalog and regions,
the caller's options and the facts gathered so far.

Each part of the extractor (etl.extract_regions, etl.extract_periods, etl.extract_columns,
etl.extract_comparisons, etl.extract_values and etl.extract_facts) extends ExtractorBase;
etl.extract joins them into the one extractor of a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from etl.fact_columns import FactColumns
from etl.problems import Report, make_problem
from etl.readers import Workbook
from lawstats.domain.catalog import Catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable


class ExtractorBase:
    """What every part of the extractor reads, and how it reports a problem."""

    def __init__(
        self,
        book: Workbook,
        report: Report,
        catalog: Catalog,
        regions: RegionTable,
        period: Period | None,
        context: str | None,
        extra_spellings: Mapping[str, str] | None,
    ):
        self.book = book
        self.report = report
        self.catalog = catalog
        self.regions = regions
        self.period_option = period
        self.context_option = context
        self.extra = extra_spellings
        self.facts = FactColumns()
        self.label_rows: dict[int, list] = {}  # id(table) -> its row labels not mapped (ColumnMap)
        self.file = book.filename
        self.stem = PurePath(book.filename).stem

    def problem(self, code: str, **kw: Any) -> None:
        self.report.add(make_problem(code, file=self.file, **kw))
