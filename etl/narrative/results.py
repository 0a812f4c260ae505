"""What reading a report's text produces: candidate facts (with the parts listed under their
其中), unrecognised figures with the reason, the result as a whole, and the error raised for a
setting that cannot be used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from etl.narrative.timeexpr import Clock
from lawstats.domain.periods import Period


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
    period_source: str  # text | paragraph | document | report_date | inferred | derived | whole
    region_source: str  # option | title | text | clause
    derived_from: str | None = None
    part_of: str | None = None
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # a breakdown member of its indicator (其中民事法律援助案件381件: legal_aid_type = civil)
    dimension: str | None = None
    member: str | None = None


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
