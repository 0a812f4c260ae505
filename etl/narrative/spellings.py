"""Where report text names an indicator: every spelling of the catalog (and of analysts) found,
the longest first and never overlapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from etl.narrative.reader import normalize_line
from lawstats.domain.catalog import Catalog


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
