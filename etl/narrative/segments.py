"""Cutting report text into pieces: a paragraph into sentences, a sentence into clauses or
segments, and the piece a position falls in.
"""

from __future__ import annotations

import re

from etl.narrative import rules


def _sentences(paragraph: str) -> list[str]:
    return [s for s in rules.SENTENCE_SPLIT_RE.split(paragraph) if s.strip()]


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
