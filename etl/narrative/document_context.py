"""What a report says as a whole: its title lines, its own region and the period its title names."""

from __future__ import annotations

from etl.narrative.timeexpr import find_report_date
from etl.region_context import find_region_context
from lawstats.domain.periods import Period, find_period
from lawstats.domain.regions import RegionTable

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
