"""Which city or province a file is about: the one a title, sheet or file name names, the one
an option names, or the one most of a table's rows lie in.
"""

from __future__ import annotations

import re
from collections import Counter

from lawstats.domain.regions import RegionTable
from lawstats.domain.text import normalize_text

_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
_SUFFIX_CHARS = frozenset("省市区县州盟旗")


def find_region_context(
    texts: list[str], regions: RegionTable, *, allow_county: bool = False
) -> str | None:
    """The city or province a title / file name names (天水市, 甘肃省天水市, 秦州区司法局 -> 天水市);
    with allow_county, the county itself (秦州区司法局 -> 秦州区)."""
    for text in texts:
        found: set[str] = set()
        for m in _CJK_RUN_RE.finditer(normalize_text(text)):
            run = m.group(0)
            for end in range(2, len(run) + 1):
                suffixed = run[end - 1] in _SUFFIX_CHARS
                for start in range(max(0, end - 12), end - 1):
                    res = regions.resolve(run[start:end])
                    if res.status != "ok":
                        continue
                    region = regions.get(res.code)
                    if not suffixed and region.level == "county":
                        continue  # bare county short names are too often ordinary words
                    found.add(res.code)
                    break
        chosen = _context_of(found, regions, allow_county)
        if chosen:
            return chosen
    return None


def _context_of(codes: set[str], regions: RegionTable, allow_county: bool = False) -> str | None:
    """The deepest region on one chain with every found region; a county gives its city unless
    allow_county."""
    lifted = set()
    for code in codes:
        region = regions.get(code)
        if region.level == "county" and not allow_county:
            if region.parent_code is None:
                continue
            code = region.parent_code
        lifted.add(code)
    if not lifted:
        return None
    deepest = max(lifted, key=lambda c: len(regions.ancestors(c)))
    if all(regions.is_within(deepest, c) for c in lifted):
        return deepest
    return None


def _infer_context(codes: list[str], regions: RegionTable) -> str | None:
    """The city (else province) the resolved rows lie in: the one most rows share when every
    row lies in it (or is it), else the smallest region that holds every row (a province's file
    listing the counties of several cities)."""
    if len(codes) < 2:
        return None
    lines = [[a.code for a in regions.ancestors(code)[:2]] for code in codes]
    for depth in (1, 2):
        parents = Counter(line[depth - 1] for line in lines if len(line) >= depth)
        if parents:
            parent, n = parents.most_common(1)[0]
            if n >= 0.6 * len(codes) and all(
                c == parent or regions.is_within(c, parent) for c in codes
            ):
                return parent
    chains = [[a.code for a in reversed(regions.ancestors(code))] for code in codes]
    common = None
    for depth in range(min(len(ch) for ch in chains)):
        found = {ch[depth] for ch in chains}
        if len(found) != 1:
            break
        common = found.pop()
    return common


def _resolve_context(value: str | None, regions: RegionTable) -> str | None:
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    if value in regions:
        return value
    res = regions.resolve(value)
    return res.code if res.status in ("ok", "total") else None
