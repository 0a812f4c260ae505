"""What a report says as a whole: its title lines, its own region and the period its title names."""

from __future__ import annotations

import re

from etl.narrative.timeexpr import find_report_date
from etl.region_context import find_region_context
from lawstats.domain.periods import Period, find_period
from lawstats.domain.regions import RegionTable

_TITLE_MAX_LINES = 8
_TITLE_MAX_LEN = 60

# How a text refers to its own region: at county level (全县, 县司法局, 我区) or above (全市, 市司法局).
_COUNTY_SELF_RE = re.compile(r"全县|全区|全旗|我县|我区|本县|本区|该县|该区|县司法局|区司法局")
_CITY_SELF_RE = re.compile(r"全市|我市|本市|该市|市司法局|市政府|全州|全盟|全省|我省")


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
    chosen = max(counts, key=lambda c: counts[c])
    county = _own_county(lines, regions, chosen)
    return (county or chosen), "text"


def _own_county(lines: list[str], regions: RegionTable, city: str) -> str | None:
    """The county a text is about when the only county it names lies in `city` and it speaks of
    itself as a county (全县, 县司法局) or names the county with its city (深圳市坪山区), never as
    a city (全市, 市司法局); else None (the city stands)."""
    counties: set[str] = set()
    with_city = False
    for line in lines:
        code = find_region_context([line], regions, allow_county=True)
        if code is None or code == city or regions.get(code).level != "county":
            continue
        counties.add(code)
        parent = regions.get(code).parent_code
        if parent is not None and regions.get(parent).name in line:
            with_city = True
    if len(counties) != 1:
        return None
    county = next(iter(counties))
    if not regions.is_within(county, city):
        return None
    text = "\n".join(lines)
    if _CITY_SELF_RE.search(text):
        return None
    if _COUNTY_SELF_RE.search(text) or with_city:
        return county
    return None


def _title_period(lines: list[str]) -> Period | None:
    for line in title_lines(lines):
        if find_report_date([line]) is not None:
            continue
        found = find_period(line)
        if found is not None:
            return found
    return None
