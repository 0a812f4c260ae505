"""Candidate facts from report prose: each figure tied to its sentence, indicator, region and period.

A figure becomes a candidate only when the catalog's words for an indicator stand right next to it,
its measure word fits the indicator's unit, and no rule in etl/narrative/rules.py says otherwise.
Everything else with a measure word is listed as unrecognised, with the reason, for the analyst.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from etl.cells import COUNT_UNITS, unit_multiplier
from etl.extract import find_region_context
from etl.narrative import rules
from etl.narrative.numbers import Figure, find_figures
from etl.narrative.reader import normalize_document, normalize_line
from etl.narrative.timeexpr import Clock, TimeRef, find_report_date, find_time_refs, infer_year
from lawstats.domain.catalog import Catalog, Indicator, load_catalog
from lawstats.domain.periods import Period, PeriodError, find_period, parse_period
from lawstats.domain.regions import RegionTable, load_regions


class ExtractError(ValueError):
    """A setting the caller gave cannot be used (unknown region, bad period)."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass
class Part:
    """A figure listed under 其中 that has no indicator of its own (乡镇调委会119个)."""

    label: str
    value: float
    is_approximate: bool
    raw: str
    span: tuple[int, int]


@dataclass
class Candidate:
    id: str
    region_code: str | None
    period: Period | None
    indicator_code: str
    value: float
    is_approximate: bool
    sentence_no: int
    sentence: str
    span: tuple[int, int]  # the figure inside the sentence
    raw: str
    label: str  # the words that named the indicator
    label_span: tuple[int, int] | None
    period_source: str  # text | document | report_date | inferred | derived | whole
    region_source: str  # option | title | text | clause
    derived_from: str | None = None
    part_of: str | None = None
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Unrecognised:
    id: str
    sentence_no: int
    sentence: str
    span: tuple[int, int]
    raw: str
    value: float
    unit: str
    is_approximate: bool
    label: str  # a guess at what the figure counts, for teaching a spelling
    reason: str
    indicator_code: str | None = None  # the indicator the words named, when a rule refused it


@dataclass
class NarrativeResult:
    candidates: list[Candidate]
    unrecognised: list[Unrecognised]
    region_code: str | None
    region_source: str
    clock: Clock
    period_source: str
    title: str
    sentences: list[str]

    @property
    def report_date(self) -> dt.date | None:
        return self.clock.report_date

    @property
    def doc_period(self) -> Period | None:
        return self.clock.doc_period


# --- spellings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    text: str
    codes: tuple[str, ...]


class SpellingIndex:
    """Every way the catalog (and analysts) name an indicator, normalised like the report text."""

    def __init__(self, catalog: Catalog, extra: tuple[tuple[str, str], ...] = ()):
        self.catalog = catalog
        found: dict[str, set[str]] = {}
        for ind in catalog:
            for s in (ind.name_zh, *ind.header_spellings):
                key = normalize_line(s)
                if len(key) >= 2:
                    found.setdefault(key, set()).add(ind.code)
        self.learned: set[str] = set()
        for s, code in extra:
            key = normalize_line(s)
            if len(key) >= 2 and code in catalog:
                found[key] = {code}  # an analyst's mapping overrides the catalog's
                self.learned.add(key)
        self.keys = sorted(found, key=len, reverse=True)
        self.codes = {k: tuple(sorted(v)) for k, v in found.items()}

    def matches(self, text: str) -> list[_Match]:
        """Non-overlapping occurrences, longest spelling first (行业性专业性调解组织 before 调解组织)."""
        # Equal lengths: the leftmost wins, the modifier in front being the more specific
        # indicator (诉前调解|案件: 诉前调解, not 调解案件).
        found: list[tuple[int, int, int, str]] = []
        for key in self.keys:
            start = text.find(key)
            while start != -1:
                found.append((-len(key), start, start + len(key), key))
                start = text.find(key, start + 1)
        taken = bytearray(len(text))
        out: list[_Match] = []
        for _neg, start, end, key in sorted(found):
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                out.append(_Match(start, end, key, self.codes[key]))
        return sorted(out, key=lambda m: m.start)


@lru_cache(maxsize=16)
def spelling_index(catalog: Catalog, extra: tuple[tuple[str, str], ...] = ()) -> SpellingIndex:
    return SpellingIndex(catalog, extra)


# --- the document ------------------------------------------------------------------------------

# About a hundred pages of prose, read in a few seconds; longer input is refused, not truncated.
MAX_TEXT_CHARS = 300_000
_TITLE_MAX_LINES = 8
_TITLE_MAX_LEN = 60


def title_lines(lines: list[str]) -> list[str]:
    """The short lines at the top, before the first paragraph of prose (a line with a 。)."""
    out = []
    for line in lines[: _TITLE_MAX_LINES + 1]:
        if len(line) > _TITLE_MAX_LEN or "。" in line:
            break
        out.append(line)
    return out[:_TITLE_MAX_LINES]


def detect_region(lines: list[str], regions: RegionTable) -> tuple[str | None, str]:
    """The report's own region: named in the title, else the one the text names most often."""
    for line in title_lines(lines):
        code = find_region_context([line], regions, allow_county=True)
        if code is not None:
            return code, "title"
    counts: dict[str, int] = {}
    for line in lines:
        code = find_region_context([line], regions)
        if code is not None:
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None, "none"
    return max(counts, key=lambda c: counts[c]), "text"


def _title_period(lines: list[str]) -> Period | None:
    for line in title_lines(lines):
        if find_report_date([line]) is not None:
            continue
        found = find_period(line)
        if found is not None:
            return found
    return None


# --- one sentence ------------------------------------------------------------------------------


def _bounds(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in pattern.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def _containing(bounds: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for a, b in bounds:
        if a <= pos <= b:
            return a, b
    return 0, 0


def _unit_factor(fig: Figure, ind: Indicator) -> float | None:
    if ind.is_ratio:
        return 1.0 if fig.is_percent else None
    if fig.is_percent:
        return None
    return unit_multiplier(fig.unit, ind.unit)


def _is_subcategory(prefix: str) -> bool:
    return prefix.endswith(rules.SUBCATEGORY_WORDS)


@dataclass
class _Reading:
    """What a figure's neighbourhood says: an indicator (or why not) and the words that named it."""

    code: str | None
    reason: str
    label: str = ""
    label_span: tuple[int, int] | None = None
    factor: float | None = None
    named: str | None = None  # the indicator the words named, when a rule refused the reading


class _SentenceReader:
    def __init__(self, doc: _Document, no: int, text: str, paragraph: str):
        self.doc = doc
        self.no = no
        self.text = text
        self.paragraph = paragraph
        self.matches = doc.index.matches(text)
        self.deltas = list(rules.DELTA_RE.finditer(text))
        refs = find_time_refs(text, doc.clock)
        self.refs = [
            r
            for r in refs
            if not any(d.start() <= r.start < d.end() for d in self.deltas)
            and not (r.start and text[r.start - 1] in rules.COMPARE_BEFORE)
        ]
        figures = find_figures(text)
        self.figures = [
            f
            for f in figures
            if not any(m.start < f.end and f.start < m.end for m in self.matches)
            and not any(r.start < f.end and f.start < r.end for r in refs)
        ]
        self.clauses = _bounds(text, rules.CLAUSE_SPLIT_RE)
        self.segments = _bounds(text, re.compile(r"[，,；;。！？!?、]"))
        self.parts_ranges = self._parts_ranges()
        self.last: Candidate | None = None
        self.changed: _Reading | None = None  # a stock stated as a change (新增X 12个)

    # -- structure --------------------------------------------------------------------------

    def _parts_ranges(self) -> list[tuple[int, int]]:
        out = []
        for m in rules.PARTS_RE.finditer(self.text):
            end = len(self.text)
            for a, _b in self.clauses:
                if a > m.start() and rules.PARTS_END_RE.match(self.text[a:]):
                    end = a
                    break
            out.append((m.start(), end))
        return out

    def in_parts(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.parts_ranges)

    def delta_at(self, fig: Figure) -> re.Match[str] | None:
        for d in self.deltas:
            if d.end() <= fig.start <= d.end() + 1:
                return d
        return None

    def time_ref(self, pos: int) -> TimeRef | None:
        before = [r for r in self.refs if r.end <= pos]
        return before[-1] if before else None

    # -- reading a figure -------------------------------------------------------------------

    def read(self, fig: Figure) -> _Reading:
        """Which indicator the words around a figure name (noun before it, or noun right after)."""
        text = self.text
        seg_start, seg_end = _containing(self.segments, fig.start)
        before = [m for m in self.matches if m.start >= seg_start and m.end <= fig.start]
        after = next((m for m in self.matches if m.start == fig.end), None)
        nb = before[-1] if before else None
        if nb is not None and (fig.start - nb.end) > 0 and after is not None:
            nb = None if len(text[nb.end : fig.start]) > 2 else nb
        if nb is not None:
            return self._read_before(fig, nb, before, seg_start)
        if after is not None:
            return self._read_after(fig, after)
        return _Reading(None, "no_indicator")

    def _read_before(
        self, fig: Figure, nb: _Match, before: list[_Match], seg_start: int
    ) -> _Reading:
        text = self.text
        gap = text[nb.end : fig.start]
        if len(gap) > rules.GAP_MAX or rules.GAP_BLOCK_RE.search(gap):
            return _Reading(None, "no_indicator")
        chosen = nb
        # 120平方米以上司法所 / 人员全部到位的司法所: the qualifier is the more specific indicator.
        prev = next((m for m in before if m.end in (nb.start, nb.start - 1) and m is not nb), None)
        if prev is not None and text[prev.end : nb.start] in ("", "的"):
            pair = {(p, w) for p in prev.codes for w in nb.codes}
            if pair & self.doc.parts:
                chosen = prev
        others = [m for m in before if m is not chosen and m is not nb and m.end <= chosen.start]
        groups = {self.doc.catalog.get(c).group for c in chosen.codes}
        for m in others:
            if not groups & {self.doc.catalog.get(c).group for c in m.codes}:
                return _Reading(None, "other_subject", chosen.text, (chosen.start, chosen.end))
        prefix_start = max([seg_start] + [m.end for m in others])
        prefix = text[prefix_start : chosen.start]
        reading = self._pick(fig, chosen)
        relative = prefix.endswith("的") and not rules.RELATIVE_SCOPE_RE.match(prefix[-4:])
        if reading.code is not None and (_is_subcategory(prefix) or relative):
            return _Reading(
                None, "subcategory", reading.label, reading.label_span, reading.factor, reading.code
            )
        return reading

    def _read_after(self, fig: Figure, after: _Match) -> _Reading:
        text = self.text
        clause_start, _ = _containing(self.clauses, fig.start)
        if not rules.COUNT_CUE_RE.search(text[clause_start : fig.start]):
            return _Reading(None, "no_count_cue", after.text, (after.start, after.end))
        rest = text[after.end :]
        if rules.CONTINUATION_RE.match(rest):
            return _Reading(None, "no_indicator")
        if rules.EVENT_AFTER_RE.match(rest):
            return _Reading(None, "event", after.text, (after.start, after.end))
        return self._pick(fig, after)

    def _pick(self, fig: Figure, m: _Match) -> _Reading:
        fits = []
        for code in m.codes:
            ind = self.doc.catalog.get(code)
            factor = _unit_factor(fig, ind)
            if factor is not None:
                fits.append((code, factor))
        span = (m.start, m.end)
        if not fits:
            return _Reading(None, "unit_mismatch", m.text, span, named=m.codes[0])
        if len(fits) > 1:
            return _Reading(None, "ambiguous", m.text, span)
        code, factor = fits[0]
        topic = rules.TOPIC_RE.get(code)
        if topic is not None and m.text not in self.doc.index.learned:
            if not topic.search(m.text) and not topic.search(self.paragraph):
                return _Reading(None, "topic", m.text, span, named=code)
        return _Reading(code, "ok", m.text, span, factor)


# --- the document reader ------------------------------------------------------------------------


class _Document:
    def __init__(
        self,
        catalog: Catalog,
        regions: RegionTable,
        clock: Clock,
        region_code: str | None,
        region_source: str,
        extra: tuple[tuple[str, str], ...],
    ):
        from etl.validate import load_parts

        self.catalog = catalog
        self.regions = regions
        self.clock = clock
        self.region_code = region_code
        self.region_source = region_source
        self.index = spelling_index(catalog, extra)
        self.parts = {(p, w) for p, w in load_parts()}
        self.candidates: list[Candidate] = []
        self.unrecognised: list[Unrecognised] = []
        self.previous_last: Candidate | None = None

    def new_id(self) -> str:
        return f"c{len(self.candidates) + 1}"

    def skip(self, s: _SentenceReader, fig: Figure, reason: str, reading: _Reading | None = None):
        label = _label_guess(s.text, fig, _containing(s.segments, fig.start))
        self.unrecognised.append(
            Unrecognised(
                id=f"u{len(self.unrecognised) + 1}",
                sentence_no=s.no,
                sentence=s.text,
                span=(fig.start, fig.end),
                raw=fig.raw,
                value=fig.value,
                unit=fig.unit,
                is_approximate=fig.is_approximate,
                label=(reading.label if reading and reading.label else label),
                reason=reason,
                indicator_code=(reading.code or reading.named) if reading else None,
            )
        )

    def clause_region(self, s: _SentenceReader, pos: int) -> tuple[str | None, str]:
        """A county named at the start of this clause or an earlier one in the sentence."""
        found = (self.region_code, self.region_source)
        if self.region_code is None:
            return found
        for a, _b in s.clauses:
            if a > pos:
                break
            m = rules.CLAUSE_REGION_RE.match(s.text[a:])
            if m is None:
                continue
            res = self.regions.resolve(m.group(1), context=self.region_code)
            if res.status == "ok" and res.code and res.code != self.region_code:
                if self.regions.is_within(res.code, self.region_code):
                    found = (res.code, "clause")
                else:
                    found = (None, "other_region")
        return found

    def period_for(
        self, s: _SentenceReader, fig: Figure, ind: Indicator
    ) -> tuple[Period | None, str]:
        ref = s.time_ref(fig.start)
        if ref is None:
            return self.clock.default_period()
        if ref.kind == "cumulative":
            if ind.kind == "flow":
                return None, "cumulative"
            return self.clock.now_period()
        return ref.period, ref.source

    def refusal(
        self, s: _SentenceReader, fig: Figure, ind: Indicator, reading: _Reading
    ) -> str | None:
        """Why a figure that names an indicator is still not a fact, or None."""
        text = s.text
        clause_start, _ = _containing(s.clauses, fig.start)
        head = text[clause_start : fig.start]
        # a plan's words anywhere before the figure in its sentence (力争…，…保持在98%以上)
        if rules.TARGET_RE.search(text[: fig.end + 6]):
            return "target"
        if rules.OTHER_SCOPE_RE.search(head):
            return "other_scope"
        if rules.RESPECTIVELY_RE.search(text[clause_start:]):
            return "respectively"
        if ind.kind == "stock" and rules.STOCK_CHANGE_RE.search(head):
            return "stock_change"
        if not ind.is_ratio and ind.unit in COUNT_UNITS:
            value = fig.value * (reading.factor or 1.0)
            if abs(value - round(value)) > 1e-6:
                return "not_integer"
        return None

    # -- the sentence loop ------------------------------------------------------------------

    def read_sentence(self, no: int, text: str, paragraph: str) -> None:
        s = _SentenceReader(self, no, text, paragraph)
        before_of: dict[int, tuple[Figure, str | None]] = {}  # "由X增加到Y": Y's start -> X
        for g, f in zip(s.figures, s.figures[1:], strict=False):
            m = rules.FROM_RE.search(text[max(0, g.start - 8) : g.start])
            if m and rules.TO_RE.match(text[g.end : f.start]):
                before_of[f.start] = (g, m["when"])
        skip = {g.start for g, _w in before_of.values()}
        for fig in s.figures:
            if fig.start in skip:
                continue
            if fig.start in before_of:
                self.read_from_to(s, *before_of[fig.start], fig)
                continue
            head = text[max(0, fig.start - 6) : fig.start]
            if fig.is_percent and rules.CHANGE_WORDS_RE.search(head):
                continue  # a change rate (同比增长8.0%), not a figure
            delta = s.delta_at(fig)
            if delta is not None:
                self.read_delta(s, fig, delta)
                continue
            self.read_figure(s, fig)
        if s.last is not None:
            self.previous_last = s.last

    def read_from_to(
        self, s: _SentenceReader, before: Figure, when: str | None, fig: Figure
    ) -> None:
        """由上年的32个增加到38个: 38 is the level; 32 is last year's when the text says whose."""
        self.read_figure(s, fig, s.read(before))
        cand = s.last if s.last is not None and s.last.span == (fig.start, fig.end) else None
        previous = None
        if cand is not None and cand.period is not None and when:
            if when[0].isdigit():
                year = int(when[:4])
                previous = Period.of_year(year) if year == cand.period.start.year - 1 else None
            elif when == "年初":
                previous = Period.of_year(cand.period.start.year - 1)
            else:
                previous = cand.period.previous_year()
        if cand is None or previous is None:
            self.skip(s, before, "change")
            return
        ind = self.catalog.get(cand.indicator_code)
        factor = _unit_factor(before, ind)
        if factor is None:
            self.skip(s, before, "unit_mismatch")
            return
        value = round(before.value * factor, max(ind.decimals, 0) + 4)
        self.add_previous(s, cand, before, previous, value, before.is_approximate, "previous_level")

    def add_previous(
        self,
        s: _SentenceReader,
        base: Candidate,
        fig: Figure,
        period: Period,
        value: float,
        approximate: bool,
        note: str,
    ) -> Candidate:
        """Last year's figure of `base`, read from `fig` (a change or an earlier level)."""
        cand = Candidate(
            id=self.new_id(),
            region_code=base.region_code,
            period=period,
            indicator_code=base.indicator_code,
            value=value,
            is_approximate=approximate,
            sentence_no=s.no,
            sentence=s.text,
            span=(fig.start, fig.end),
            raw=fig.raw,
            label=base.label,
            label_span=base.label_span,
            period_source="derived",
            region_source=base.region_source,
            derived_from=base.id,
            notes=[note],
        )
        self.candidates.append(cand)
        return cand

    def read_figure(self, s: _SentenceReader, fig: Figure, reading: _Reading | None = None) -> None:
        reading = reading or s.read(fig)
        whole = self.whole_for(s, fig)
        region, region_source = self.clause_region(s, fig.start)
        if whole is not None and region == whole.region_code:
            if self.read_part(s, fig, reading, whole):
                return
        if reading.code is None and s.changed is not None:
            seg_start, _ = _containing(s.segments, fig.start)
            if rules.TOTAL_AFTER_CHANGE_RE.match(s.text[seg_start : fig.start]):
                reading = s.changed
        if reading.code is None:
            self.skip(s, fig, reading.reason, reading)
            return
        ind = self.catalog.get(reading.code)
        why = self.refusal(s, fig, ind, reading)
        if why == "stock_change":
            s.changed = _Reading(ind.code, "ok", reading.label, reading.label_span, reading.factor)
        if why is not None:
            self.skip(s, fig, why, reading)
            return
        if region_source == "other_region":
            self.skip(s, fig, "other_region", reading)
            return
        period, period_source = self.period_for(s, fig, ind)
        if period_source == "cumulative":
            self.skip(s, fig, "cumulative", reading)
            return
        if period is not None and self.clock.report_date and period.start > self.clock.report_date:
            self.skip(s, fig, "future", reading)
            return
        cand = self.add(s, fig, reading, ind, region, region_source, period, period_source)
        if whole is not None and self.catalog.get(whole.indicator_code).unit == ind.unit:
            cand.part_of = whole.id
        s.last = cand

    def add(self, s, fig, reading, ind, region, region_source, period, period_source) -> Candidate:
        value = round(fig.value * (reading.factor or 1.0), max(ind.decimals, 0) + 4)
        cand = Candidate(
            id=self.new_id(),
            region_code=region,
            period=period,
            indicator_code=ind.code,
            value=value,
            is_approximate=fig.is_approximate,
            sentence_no=s.no,
            sentence=s.text,
            span=(fig.start, fig.end),
            raw=fig.raw,
            label=reading.label,
            label_span=reading.label_span,
            period_source=period_source,
            region_source=region_source,
        )
        if period is None:
            cand.notes.append("no_period")
        if region is None:
            cand.notes.append("no_region")
        self.candidates.append(cand)
        return cand

    def whole_for(self, s: _SentenceReader, fig: Figure) -> Candidate | None:
        if not s.in_parts(fig.start):
            return None
        start = min(a for a, b in s.parts_ranges if a <= fig.start < b)
        mine = [c for c in self.candidates if c.sentence_no == s.no and c.span[1] <= start]
        if mine:
            return mine[-1]
        if not s.text[:start].strip("，,：: ") and self.previous_last is not None:
            return self.previous_last  # 其中 opens the sentence: the whole is the sentence before
        return None

    def read_part(
        self, s: _SentenceReader, fig: Figure, reading: _Reading, whole: Candidate
    ) -> bool:
        """A figure under 其中: a part of its whole (no indicator of its own) or a candidate."""
        ind = self.catalog.get(whole.indicator_code)
        named = reading.code or reading.named
        own = reading.code is not None and reading.code != whole.indicator_code
        if own:
            return False  # an indicator of its own (行业性专业性调解组织75个): a candidate
        if named not in (None, whole.indicator_code) or _unit_factor(fig, ind) is None:
            return False
        if reading.reason not in ("ok", "subcategory", "no_indicator", "no_count_cue"):
            return False
        seg = _containing(s.segments, fig.start)
        whole.parts.append(
            Part(
                label=_label_guess(s.text, fig, seg) or reading.label,
                value=round(fig.value * (_unit_factor(fig, ind) or 1.0), 6),
                is_approximate=fig.is_approximate,
                raw=fig.raw,
                span=(fig.start, fig.end),
            )
        )
        return True

    def read_delta(self, s: _SentenceReader, fig: Figure, delta: re.Match[str]) -> None:
        """比上年度增加了66人: last year's value is this year's minus the change."""
        base = s.last
        if base is None or base.derived_from is not None or base.period is None:
            self.skip(s, fig, "change")
            return
        ind = self.catalog.get(base.indicator_code)
        factor = _unit_factor(fig, ind)
        if ind.is_ratio or factor is None:
            self.skip(s, fig, "change")
            return
        previous = base.period.previous_year()
        if delta["year"] and int(delta["year"]) != previous.start.year:
            self.skip(s, fig, "change")
            return
        change = fig.value * factor
        value = base.value - change if delta["verb"] in rules.DELTA_UP else base.value + change
        if value < 0:
            self.skip(s, fig, "change")
            return
        self.add_previous(
            s,
            base,
            fig,
            previous,
            round(value, max(ind.decimals, 0) + 4),
            base.is_approximate or fig.is_approximate,
            "derived_previous_year",
        )

    def finish(self) -> None:
        """Parts checked against their whole; the same figure stated twice kept once."""
        for c in self.candidates:
            if c.parts:
                members = [p.value for p in c.parts] + [
                    k.value
                    for k in self.candidates
                    if k.part_of == c.id and (k.indicator_code, c.indicator_code) in self.parts
                ]
                total = sum(members)
                if total > c.value + 0.5 and not c.is_approximate:
                    c.notes.append("parts_exceed_whole")
                elif abs(total - c.value) <= 0.5:
                    c.notes.append("parts_add_up")
        seen: dict[tuple, Candidate] = {}
        kept: list[Candidate] = []
        for c in self.candidates:
            key = (c.region_code, c.period, c.indicator_code)
            first = seen.get(key)
            if first is None:
                seen[key] = c
                kept.append(c)
            elif abs(first.value - c.value) < 1e-9 and first.is_approximate == c.is_approximate:
                first.notes.append(f"also_sentence_{c.sentence_no}")
            else:
                for x in (first, c):
                    if "conflict" not in x.notes:
                        x.notes.append("conflict")
                kept.append(c)
        self.candidates = kept


def _label_guess(text: str, fig: Figure, seg: tuple[int, int]) -> str:
    """What an unrecognised figure probably counts: the words before it, else the words after."""
    before = text[seg[0] : fig.start]
    m = re.search(r"[\u4e00-\u9fff()“”\"]+$", before)
    words = m.group(0) if m else ""
    words = rules.LABEL_TRAIL_RE.sub("", rules.LABEL_STOP_RE.sub("", words)).strip('“”"')
    if len(words) >= 2:
        return words[-12:]
    m = re.match(r"[\u4e00-\u9fff]+", text[fig.end : seg[1]])
    return m.group(0)[:8] if m else words


# --- entry point ---------------------------------------------------------------------------------


def _sentences(paragraph: str) -> list[str]:
    return [s for s in rules.SENTENCE_SPLIT_RE.split(paragraph) if s.strip()]


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
    sentences: list[str] = []
    for paragraph in lines:
        doc.previous_last = None
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
