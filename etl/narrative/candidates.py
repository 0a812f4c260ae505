"""From a document's sentences to candidates: each figure's region and period, the rules that
refuse it, last year's figures derived from changes and from-to phrases, parts under 其中,
and the same figure stated twice (or two figures in conflict) settled.
"""

from __future__ import annotations

import re

from etl.cells import COUNT_UNITS
from etl.grammar import words_of
from etl.narrative import rules
from etl.narrative.numbers import Figure
from etl.narrative.results import Candidate, Part, Unrecognised
from etl.narrative.segments import _containing
from etl.narrative.sentence import _label_guess, _Reading, _SentenceReader, _unit_factor
from etl.narrative.spellings import spelling_index
from etl.narrative.timeexpr import Clock, TimeRef
from lawstats.domain.catalog import Catalog, Indicator, Member
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable


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
        # the header grammar's change words (新聘, 引进...) make a stock's figure a change too;
        # 增加/减少/增长/下降 are the reader's own (增加到 names the level after the change)
        self.change_words = tuple(
            w for w in words_of(catalog, "change") if w not in ("增加", "减少", "增长", "下降")
        )
        self.parts = {(p, w) for p, w in load_parts()}
        self.candidates: list[Candidate] = []
        self.unrecognised: list[Unrecognised] = []
        self.previous_last: Candidate | None = None
        self.scope_elsewhere = False  # set by extract_text: the title's scope is 全国/全省
        # the last period a sentence of this paragraph named (截至2020年11月30日，…。全市共…。)
        self.paragraph_ref: TimeRef | None = None

    def new_paragraph(self) -> None:
        self.previous_last = None
        self.paragraph_ref = None

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
        if ind.kind == "flow" and self.running_total(s, fig, ref):
            return None, "cumulative"
        carried = self.paragraph_ref
        if ref is None and carried is not None:
            # a sentence that names no time continues the period its paragraph named
            return carried.period, "paragraph"
        if ref is not None and ref.pattern == "asof" and carried is not None:
            if carried.pattern == "until_month":
                # 截至2017年2月，…。目前在册365名: 目前 is the date the paragraph set
                return carried.period, "paragraph"
        if ref is None:
            return self.clock.default_period()
        if ref.pattern == "asof" and ind.kind == "flow" and ref.text != "现有":
            # 截至目前，共接收495人: a flow up to now runs from a start the text does not give
            # (this year? since the work began?): asked, not taken for the year so far
            return None, "unsure"
        if ref.kind == "cumulative":
            if ind.kind == "flow":
                return None, "cumulative"
            return self.clock.now_period()
        return ref.period, ref.source

    def running_total(self, s: _SentenceReader, fig: Figure, ref: TimeRef | None) -> bool:
        """累计 earlier in the sentence, after no period that bounds it: a total since some start
        the text does not give (截至2017年2月，累计接收…2226名，解除…1861名), not the period's."""
        acc = s.text.rfind("累计", 0, fig.start)
        if acc == -1:
            return False
        if ref is None:
            # the period the paragraph or the title set bounds it, unless that is a cut-off date
            ref = self.paragraph_ref
            if ref is None:
                return self.clock.doc_period is None
        if ref is not self.paragraph_ref and ref.start > acc:
            return False  # 累计…2023年… : the period named after it bounds the figure
        if ref.pattern in ("asof", "until_month"):
            return True
        return rules.UNTIL_BEFORE_RE.search(s.text[: ref.start]) is not None

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
        if rules.BOUND_BEFORE_RE.search(head) or rules.BOUND_AFTER_RE.match(text[fig.end :]):
            return "target"  # a bound (控制在0.2%以下), like a target: not a figure
        if rules.OTHER_SCOPE_RE.search(head):
            return "other_scope"
        if rules.FOR_UNITS_RE.search(head):
            return "subcategory"
        # 分别 pairs the figures of its own stretch of the sentence (up to a ；), not the
        # figures of another (…99.8%；…分别下降36%、38%)
        stretch_start = max(text.rfind("；", 0, fig.start), text.rfind(";", 0, fig.start)) + 1
        stretch_end = min(
            [i for i in (text.find("；", fig.end), text.find(";", fig.end)) if i != -1]
            or [len(text)]
        )
        if rules.RESPECTIVELY_RE.search(text[max(clause_start, stretch_start) : stretch_end]):
            return "respectively"
        if rules.RESPECTIVELY_RE.search(text[stretch_start:clause_start]):
            return "respectively"
        if ind.kind == "stock" and (
            rules.STOCK_CHANGE_RE.search(head) or any(w in head for w in self.change_words)
        ):
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
        skip |= self.read_years_respectively(s)
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
        # the time a sentence opens with frames its paragraph (2024年，… / 截止到2020年11月30日，…);
        # a year inside a sentence (于2008年全面开展) does not
        opening = [
            r
            for r in s.refs
            if r.source == "text"
            and r.kind == "period"
            and r.period
            and rules.OPENING_RE.match(s.text[: r.start])
        ]
        if opening:
            self.paragraph_ref = opening[0]

    def read_years_respectively(self, s: _SentenceReader) -> set[int]:
        """2012年至2014年重新犯罪率分别是0.32%、0.32%、0.31%: one figure a year, in order, when
        the count of figures equals the count of years and the words name one indicator; the
        starts of the figures read (none when anything does not fit)."""
        m = rules.YEARS_RESPECTIVELY_RE.search(s.text)
        if m is None:
            return set()
        first, last = int(m["first"]), int(m["last"])
        a, b = m.span("list")
        figs = [f for f in s.figures if a <= f.start < b]
        gaps = [s.text[x.end : y.start] for x, y in zip(figs, figs[1:], strict=False)]
        if (
            not figs
            or last - first + 1 != len(figs)
            or any(g not in ("、", "和", "，") for g in gaps)
        ):
            return set()
        named = [x for x in s.matches if m.start("words") <= x.start and x.end <= m.end("words")]
        if len(named) != 1:
            return set()
        reading = s._pick(figs[0], named[0])
        if reading.code is None:
            return set()
        ind = self.catalog.get(reading.code)
        if any(_unit_factor(f, ind) is None for f in figs) or rules.TARGET_RE.search(m.group(0)):
            return set()
        region, region_source = self.clause_region(s, m.start())
        if region_source == "other_region":
            return set()
        years = list(range(first, last + 1))
        zero = rules.YEARS_ZERO_RE.match(s.text[figs[-1].end :])
        if zero is not None:
            # the zero's own years, each stated as 为零 (a zero in words, exact)
            at = figs[-1].end + zero.start("zero")
            word = Figure(at, at + 1, "零", 0.0, figs[-1].unit, False)
            for y in re.findall(r"(\d{4})年", zero["years"]):
                years.append(int(y))
                figs.append(word)
        for year, fig in zip(years, figs, strict=True):
            period = Period.of_year(year)
            cand = self.add(s, fig, reading, ind, region, region_source, period, "text")
            cand.notes.append("respectively")
        return {f.start for f in figs}

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
        if region is None and self.scope_elsewhere:
            self.skip(s, fig, "other_scope", reading)  # a text about 全国 or 全省 as a whole
            return
        period, period_source = self.period_for(s, fig, ind)
        if period_source == "cumulative":
            self.skip(s, fig, "cumulative", reading)
            return
        if period is None and period_source == "unsure":
            self.skip(s, fig, "period_unsure", reading)
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
        if not s.in_parts(fig.start) or s.in_detail(fig.start):
            return None
        start = min(a for a, b in s.parts_ranges if a <= fig.start < b)
        # the whole stands in the same stretch of the sentence (not before a ；)
        stretch = max(s.text.rfind("；", 0, start), s.text.rfind(";", 0, start))
        mine = [
            c
            for c in self.candidates
            if c.sentence_no == s.no and stretch < c.span[0] and c.span[1] <= start
        ]
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
        if _unit_factor(fig, ind) is None:
            return False
        seg = _containing(s.segments, fig.start)
        # 法律帮助804件 under 法律援助案件: a member's name whose other indicator's unit does not fit
        member_of_whole = (
            reading.reason == "unit_mismatch"
            and self.member_named(_label_guess(s.text, fig, seg), ind) is not None
        )
        if named not in (None, whole.indicator_code) and not member_of_whole:
            return False
        if reading.reason not in ("ok", "subcategory", "no_indicator", "no_count_cue"):
            if not member_of_whole:
                return False
        part = Part(
            label=_label_guess(s.text, fig, seg) or reading.label,
            value=round(fig.value * (_unit_factor(fig, ind) or 1.0), 6),
            is_approximate=fig.is_approximate,
            raw=fig.raw,
            span=(fig.start, fig.end),
        )
        whole.parts.append(part)
        member = self.member_named(part.label, ind)
        if member is not None and whole.period is not None:
            cand = Candidate(
                id=self.new_id(),
                region_code=whole.region_code,
                period=whole.period,
                indicator_code=whole.indicator_code,
                value=part.value,
                is_approximate=part.is_approximate,
                sentence_no=s.no,
                sentence=s.text,
                span=part.span,
                raw=part.raw,
                label=_part_words(part.label),
                label_span=None,
                period_source=whole.period_source,
                region_source=whole.region_source,
                part_of=whole.id,
                notes=["breakdown_member"],
                dimension=member.dimension,
                member=member.code,
            )
            self.candidates.append(cand)
        return True

    def member_named(self, label: str, ind: Indicator) -> Member | None:
        """The breakdown member a part's words name, whole: the member's name or alias alone, or
        followed by the indicator's own words (民事 + 法律援助案件, 刑事法律援助 + 案件); None when
        no member or more than one fits."""
        own = {ind.name_zh, *ind.header_spellings, "案件", "纠纷"}
        label = _part_words(label)
        found = {
            (m.dimension, m.code): m
            for m in self.catalog.members
            if ind.code in m.applies_to
            for word in (m.name_zh, *m.aliases)
            if label == word or (label.startswith(word) and label[len(word) :] in own)
        }
        return next(iter(found.values())) if len(found) == 1 else None

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
            key = (c.region_code, c.period, c.indicator_code, c.dimension, c.member)
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


def _part_words(label: str) -> str:
    """A part's own words, without the 其中 or bracket that opened its list (件(刑事 -> 刑事)."""
    return re.split(r"其中[：:，,]?|[(（]", label)[-1].lstrip('“"')
