"""Candidate facts from report prose: each figure tied to its sentence, indicator, region and period.

A figure becomes a candidate only when the catalog's words for an indicator stand right next to it,
its measure word fits the indicator's unit, and no rule in etl/narrative/rules.py says otherwise.
Everything else with a measure word is listed as unrecognised, with the reason, for the analyst.

This module holds the entry point (extract_text); its parts each live in a module of their own:

- etl.narrative.results: what a reading produces (Candidate, Part, Unrecognised, NarrativeResult)
- etl.narrative.spellings: where the text names an indicator
- etl.narrative.document_context: the report's title lines, own region and title period
- etl.narrative.segments: sentences, clauses and segments
- etl.narrative.sentence: which indicator the words around each figure of a sentence name
- etl.narrative.candidates: the sentences' figures turned into candidates and unrecognised ones

Figures themselves are found by etl.narrative.numbers, time words by etl.narrative.timeexpr.
The names other modules import are importable from here as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from etl.narrative import rules
from etl.narrative.candidates import _Document
from etl.narrative.document_context import _title_period, detect_region, title_lines
from etl.narrative.reader import normalize_document
from etl.narrative.results import Candidate, ExtractError, NarrativeResult, Part, Unrecognised
from etl.narrative.segments import _sentences
from etl.narrative.sentence import _unit_factor
from etl.narrative.spellings import SpellingIndex, spelling_index
from etl.narrative.timeexpr import Clock, find_report_date, infer_year
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period, PeriodError, parse_period
from lawstats.domain.regions import RegionTable, load_regions

# About a hundred pages of prose, read in a few seconds; longer input is refused, not truncated.
MAX_TEXT_CHARS = 300_000


def extract_text(
    text: str,
    *,
    region: str | None = None,
    period: str | Period | None = None,
    report_date: dt.date | str | None = None,
    extra_spellings: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> NarrativeResult:
    """Read a report's text: candidates (figures naming a catalog indicator) and unrecognised figures.

    `region` (a name or code) and `period` (a label) override what the text says; `report_date`
    anchors 今年以来 / 截至目前 (otherwise a date found in the text, else the year it names most).
    """
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractError(
            f"文字过长（{len(text):,} 字，上限 {MAX_TEXT_CHARS:,} 字），请分段处理",
            f"the text is too long ({len(text):,} characters, limit {MAX_TEXT_CHARS:,}): split it",
        )
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    lines = normalize_document(text)
    title = title_lines(lines)

    if region:
        res = regions.resolve(region)
        code = (
            region if region in regions else (res.code if res.status in ("ok", "total") else None)
        )
        if code is None:
            raise ExtractError(res.message_zh, res.message_en)
        region_code, region_source = code, "option"
    else:
        region_code, region_source = detect_region(lines, regions)

    if isinstance(period, str) and period.strip():
        try:
            doc_period: Period | None = parse_period(period)
        except PeriodError as exc:
            raise ExtractError(exc.message_zh, exc.message_en) from None
        period_source = "option"
    elif isinstance(period, Period):
        doc_period, period_source = period, "option"
    else:
        doc_period = _title_period(lines)
        period_source = "title" if doc_period else "none"

    if isinstance(report_date, str) and report_date.strip():
        try:
            report_date = dt.date.fromisoformat(report_date.strip())
        except ValueError:
            raise ExtractError(
                f"报告日期“{report_date}”无法识别（格式 2024-03-08）",
                f'report date "{report_date}" is not a date (use 2024-03-08)',
            ) from None
    elif not isinstance(report_date, dt.date):
        report_date = find_report_date(lines[:12] + lines[-6:])
    inferred = None
    if report_date is None and doc_period is None:
        inferred = infer_year("\n".join(lines))
        period_source = "inferred" if inferred else "none"
    clock = Clock(report_date, doc_period, inferred)

    extra = tuple(sorted((extra_spellings or {}).items()))
    doc = _Document(catalog, regions, clock, region_code, region_source, extra)
    doc.scope_elsewhere = region_code is None and any(
        rules.OTHER_SCOPE_RE.search(line) for line in title
    )
    sentences: list[str] = []
    for paragraph in lines:
        doc.new_paragraph()
        for sentence in _sentences(paragraph):
            sentences.append(sentence)
            doc.read_sentence(len(sentences), sentence, paragraph)
    doc.finish()
    return NarrativeResult(
        candidates=doc.candidates,
        unrecognised=doc.unrecognised,
        region_code=region_code,
        region_source=region_source,
        clock=clock,
        period_source=period_source,
        title=title[0] if title else "",
        sentences=sentences,
    )


__all__ = [
    "MAX_TEXT_CHARS",
    "Candidate",
    "ExtractError",
    "NarrativeResult",
    "Part",
    "SpellingIndex",
    "Unrecognised",
    "_unit_factor",
    "detect_region",
    "extract_text",
    "spelling_index",
    "title_lines",
]
