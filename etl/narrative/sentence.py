"""Reading one sentence: its figures, time references and changes, and which indicator the words
around a figure name (or why none does), in a unit that fits that indicator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from etl.cells import unit_dimension, unit_multiplier
from etl.grammar import CERTAIN, header_key, lexicon, read_header, words_of
from etl.narrative import rules
from etl.narrative.numbers import Figure, find_figures
from etl.narrative.results import Candidate
from etl.narrative.segments import _bounds, _containing
from etl.narrative.spellings import SpellingIndex, _Match
from etl.narrative.timeexpr import Clock, TimeRef, find_time_refs
from lawstats.domain.catalog import Catalog, Indicator


class _DocumentView(Protocol):
    """What a sentence reader reads of its document (etl.narrative.candidates._Document)."""

    catalog: Catalog
    clock: Clock
    index: SpellingIndex
    parts: set[tuple[str, str]]


def _unit_factor(fig: Figure, ind: Indicator) -> float | None:
    if ind.is_ratio:
        return 1.0 if fig.is_percent else None
    if fig.is_percent:
        return None
    factor = unit_multiplier(fig.unit, ind.unit)
    if factor is None and {unit_dimension(fig.unit), unit_dimension(ind.unit)} == _CASE_UNITS:
        # 件 and 起 both count cases in prose (防止民转刑案件222件, catalog 起)
        return unit_multiplier(fig.unit, "件") or unit_multiplier(fig.unit, "起")
    return factor


_CASE_UNITS = {"件", "起"}


# 其中 and 含 open a list of parts (read by the parts rule), they do not narrow the noun after
_NOT_SUBCATEGORY = frozenset({"其中", "含"})


def _is_subcategory(prefix: str, catalog: Catalog) -> bool:
    """The words right before an indicator's name narrow it (乡镇调委会 is not all 调委会): the
    reader's own list, and the header grammar's narrowing and breakdown words."""
    # 乡镇(街道)专职调解员: the bracket only spells the narrowing word out
    prefix = re.sub(r"\([^()]*\)$", "", prefix)
    if prefix.endswith(rules.SUBCATEGORY_WORDS):
        return True
    words = words_of(catalog, "narrowing", "member")
    return any(len(w) >= 2 and w not in _NOT_SUBCATEGORY and prefix.endswith(w) for w in words)


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
    def __init__(self, doc: _DocumentView, no: int, text: str, paragraph: str):
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
            if m.group(0)[0] in "(（" and any(a <= m.start() < b for a, b in out):
                continue  # a bracket inside a list of parts (缓刑309人(宣告禁止令12人)) is a detail
            end = len(self.text)
            # a list in brackets right after the whole (245件(刑事189件,民事55件)) ends with them
            opened = self.text.rfind("(", 0, m.start() + 1)
            if opened != -1 and ")" not in self.text[opened : m.start()]:
                close = self.text.find(")", m.start())
                end = close if close != -1 else end
            for a, _b in self.clauses:
                if a > m.start() and rules.PARTS_END_RE.match(self.text[a:]):
                    end = a
                    break
            out.append((m.start(), end))
        return out

    def in_parts(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.parts_ranges)

    def in_detail(self, pos: int) -> bool:
        """Inside brackets opened within a list of parts: a detail of one part (缓刑309人(宣告
        禁止令12人)), not a part of the whole."""
        for a, b in self.parts_ranges:
            if a <= pos < b:
                inner = self.text[a + 1 : pos]
                if inner.rfind("(") > inner.rfind(")"):
                    return True
        return False

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
        if after is None and not fig.is_percent:
            near = self._noun_after(fig)
            if near is not None:
                # 组织138个基层调委会: the figure counts the noun phrase after it, with its
                # qualifier; the words before it (a verb here) name nothing
                qualifier = text[fig.end : near.start]
                if qualifier in rules.NEUTRAL_QUALIFIERS:
                    return self._read_after(fig, near)
                reason = (
                    "subcategory"
                    if _is_subcategory(qualifier, self.doc.catalog)
                    else "no_indicator"
                )
                return _Reading(None, reason, text[fig.end : near.end], (fig.end, near.end))
        if nb is not None and (fig.start - nb.end) > 0 and after is not None:
            nb = None if len(text[nb.end : fig.start]) > 2 else nb
        if nb is not None:
            return self._read_before(fig, nb, before, seg_start)
        if after is not None:
            return self._read_after(fig, after)
        return self._read_by_grammar(fig, seg_start)

    def _noun_after(self, fig: Figure) -> _Match | None:
        """A spelling a few characters after the figure, joined to it by words only (个基层调委会)."""
        for m in self.matches:
            if fig.end < m.start <= fig.end + 4:
                if re.fullmatch(r"[\u4e00-\u9fff]+", self.text[fig.end : m.start]):
                    return m
                return None
        return None

    def _read_by_grammar(self, fig: Figure, seg_start: int) -> _Reading:
        """No spelling stands whole before the figure: the header grammar reads the words before
        it, as it reads a column header (调解各类民间纠纷13287件), and only a certain reading counts."""
        text = self.text
        words = rules.LABEL_STOP_RE.sub("", text[seg_start : fig.start])
        if len(words) < 2 or rules.GAP_BLOCK_RE.search(words):
            return _Reading(None, "no_indicator")
        reading = read_header(words, self.doc.catalog, context=(self.paragraph,))
        if reading.status != CERTAIN or reading.code is None:
            return _Reading(None, "no_indicator")
        start = fig.start - len(words)
        ind = self.doc.catalog.get(reading.code)
        factor = _unit_factor(fig, ind)
        if factor is None:
            return _Reading(None, "unit_mismatch", words, (start, fig.start), named=ind.code)
        return _Reading(ind.code, "ok", words, (start, fig.start), factor)

    def _read_before(
        self, fig: Figure, nb: _Match, before: list[_Match], seg_start: int
    ) -> _Reading:
        text = self.text
        gap = text[nb.end : fig.start]
        if len(gap) > rules.GAP_MAX or rules.GAP_BLOCK_RE.search(gap):
            return _Reading(None, "no_indicator")
        if rules.GAP_AMONG_RE.search(gap):
            return _Reading(None, "subcategory", nb.text, (nb.start, nb.end), named=nb.codes[0])
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
        narrowed = _is_subcategory(prefix, self.doc.catalog) and not self._own_words(
            prefix, chosen.text, reading.code
        )
        if reading.code is not None and (narrowed or relative):
            return _Reading(
                None, "subcategory", reading.label, reading.label_span, reading.factor, reading.code
            )
        return reading

    def _own_words(self, prefix: str, words: str, code: str | None) -> bool:
        """The words before the spelling belong to the indicator's own name (村(社区) of
        村(社区)公共法律服务工作室数): they do not narrow it."""
        if code is None:
            return False
        name = self.doc.catalog.get(code).name_zh
        return any(prefix[-k:] + words in name for k in range(2, min(len(prefix), 8) + 1))

    def _read_after(self, fig: Figure, after: _Match) -> _Reading:
        text = self.text
        clause_start, _ = _containing(self.clauses, fig.start)
        if not rules.COUNT_CUE_RE.search(text[clause_start : fig.start]):
            return _Reading(None, "no_count_cue", after.text, (after.start, after.end))
        if rules.PARTNER_BEFORE_RE.search(text[clause_start : fig.start]):
            return _Reading(None, "partner", after.text, (after.start, after.end))
        subject = text[clause_start : fig.start]
        if any(w in subject for w in rules.SUBJECT_NARROWING):
            # 企事业、行业建成22个调委会: the clause's subject narrows what is counted
            reading = self._pick(fig, after)
            return _Reading(
                None, "subcategory", after.text, (after.start, after.end), named=reading.code
            )
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
        if m.text not in self.doc.index.learned:
            on_topic = [(c, f) for c, f in fits if self._on_topic(c, m.text)]
            if not on_topic:
                return _Reading(None, "topic", m.text, span, named=fits[0][0])
            fits = on_topic
        if len(fits) > 1:
            return _Reading(None, "ambiguous", m.text, span)
        code, factor = fits[0]
        return _Reading(code, "ok", m.text, span, factor)

    def _on_topic(self, code: str, words: str) -> bool:
        """A spelling that names its indicator only within its group (办结, 工作人员: the header
        grammar's rule) counts only where the words or the paragraph name that group."""
        topic = rules.TOPIC_RE.get(code)
        if topic is not None and not topic.search(words) and not topic.search(self.paragraph):
            return False
        lex = lexicon(self.doc.catalog)
        if not lex.needs_context(header_key(words)):
            return True
        group = self.doc.catalog.get(code).group
        return any(w in words or w in self.paragraph for w in lex.group_words.get(group, ()))


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
