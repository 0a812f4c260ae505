"""Checks of a load that are about what the file says rather than its figures: a withdrawal
(a cell marked 撤回) not confirmed, a file that would change nothing, and the mapping questions
a refused file leaves for the analyst."""

from __future__ import annotations

from typing import Any

import pandas as pd

from etl.cells import WITHDRAW
from etl.problems import Problem, make_problem


class NothingChanged(Exception):
    """Every figure of the file equals the stored one: nothing to write (the batch rolls back).
    `written` is the store's account of it (how many unchanged, which batches hold them)."""

    def __init__(self, written):
        super().__init__()
        self.written = written


def empty_file_problem(extraction) -> Problem:
    """A file whose tables have rows but no figure is a blank template: it says nothing."""
    if any(t.rows for t in extraction.tables):
        return make_problem("nothing_to_load", file=extraction.filename)
    return make_problem("no_table", file=extraction.filename)


def nothing_changed(result, extraction, report, written):
    """The result of a file whose figures all equal the stored ones, with the problem saying so
    and naming the batches that hold them (the caller marks it refused)."""
    result.extraction = extraction
    result.report = report
    result.facts_unchanged = written.unchanged
    held = "、".join(f"#{b}" for b in written.same_as) or "—"
    report.add(make_problem("nothing_changed", file=result.filename, held=held))
    return result


def withdrawals(extraction, frame: pd.DataFrame, confirmed: bool) -> list[Problem]:
    """One error per cell marked 撤回 unless the withdrawal was confirmed."""
    if confirmed or frame.empty or not frame["value"].isna().any():
        return []
    return [
        make_problem(
            "withdrawal_unconfirmed",
            file=extraction.filename,
            sheet=f.sheet,
            cell=f.cell,
            region=f.region_code,
            indicator=f.indicator_code,
            column=f.header,
            region_name=f.region_text,
        )
        for f in extraction.facts
        if f.status == WITHDRAW and f.row_kind == "data" and f.region_code
    ]


def result_questions(extraction) -> list[dict[str, Any]]:
    """The columns the header grammar could not decide, with the indicators it offers, the
    reporting unit and the template an answer would be remembered for."""
    if extraction is None or not hasattr(extraction, "questions"):
        return []
    return [
        {
            "sheet": t.sheet,
            "column": c.col_letter,
            "header": c.header_text,
            "key": c.answer_key,
            "options": list(c.options),
            "reason_zh": c.reason_zh,
            "reason_en": c.reason_en,
            "unit_code": t.unit_code,
            "template_key": t.template_key,
        }
        for t, c in extraction.questions()
    ]


def result_notes(extraction) -> list[dict[str, str]]:
    """What was recognised and checked without being stored (上年同期 / 同比 columns), and the
    columns converted exactly from another unit (万平方米, 亩, 元)."""
    if extraction is None or not hasattr(extraction, "comparison_notes"):
        return []
    zh, en = extraction.comparison_notes("zh"), extraction.comparison_notes("en")
    return [{"zh": z, "en": e} for z, e in zip(zh, en, strict=True)] + [
        {"zh": z, "en": e} for z, e in extraction.conversion_notes()
    ]
