"""The region table (official divisions plus extra reporting units) and the region-name resolver."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lawstats.domain.text import normalize_name
from lawstats.settings import DATA_DIR

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LEVELS",
    "Region",
    "RegionTable",
    "Resolution",
    "STATUSES",
    "TOTAL_LABELS",
    "is_total_label",
    "load_regions",
    "resolve_region",
    "short_name",
]

LEVELS = ("country", "province", "city", "county")
STATUSES = ("ok", "ambiguous", "unknown", "total")

REGIONS_FILE = DATA_DIR / "regions_2024.csv"
REPORTING_UNITS_FILE = DATA_DIR / "reporting_units.csv"
ALIASES_FILE = DATA_DIR / "region_aliases.csv"

# -- short names --------------------------------------------------------------------------

# The 55 minority nationalities (+ 各族) as they appear in autonomous-area names.
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_ETHNIC_ALT = "|".join(sorted(_ETHNIC, key=len, reverse=True))
_ETHNIC_MULTI_ALT = "|".join(sorted((e for e in _ETHNIC if len(e) > 1), key=len, reverse=True))
# A trailing nationality: "回族", "哈萨克族", or a multi-character one without 族 ("哈萨克").
_TRAILING_ETHNIC_RE = re.compile(rf"(?:(?:{_ETHNIC_ALT})族|(?:{_ETHNIC_MULTI_ALT}))$")
_AUTONOMOUS_RE = re.compile(r"自治(区|州|县|旗)$")

# Administrative suffixes by level, longest first. A suffix is only removed when at least
# two characters remain, so 赵县 and 城区 keep their full names.
_SUFFIXES = {
    "province": ("省", "市"),
    "city": ("地区", "市", "盟"),
    "county": ("林区", "特区", "县", "区", "市", "旗"),
}
# The generic suffix people put after an autonomous area's short name: 张家川县, 延边州.
_AUTONOMOUS_GENERIC = {"县": "县", "旗": "旗", "州": "州", "区": ""}


def _strip_ethnic(stem: str) -> str:
    while True:
        m = _TRAILING_ETHNIC_RE.search(stem)
        if m is None or m.start() < 2:
            break
        stem = stem[: m.start()]
    if len(stem) > 2 and stem.endswith("族"):
        stem = stem[:-1]  # 东乡族自治县 -> 东乡, 鄂温克族自治旗 -> 鄂温克
    return stem


@lru_cache(maxsize=8192)
def short_name(name: str, level: str, is_official: bool = True) -> str:
    """The name without its administrative suffix: 秦州区 -> 秦州, 张家川回族自治县 -> 张家川.

    Extra reporting units (泉州台商投资区, 新疆生产建设兵团) are not administrative
    divisions, so their names are kept whole; names that would shrink to one character
    (赵县, 城区) are kept whole too.
    """
    if not is_official:
        return name
    m = _AUTONOMOUS_RE.search(name)
    if m:
        return _strip_ethnic(name[: m.start()]) or name
    for suffix in _SUFFIXES.get(level, ()):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


# -- totals -------------------------------------------------------------------------------

_TOTAL_SCOPES = (
    "",
    "全国",
    "全市",
    "全省",
    "全区",
    "全县",
    "全州",
    "全盟",
    "全旗",
    "全地区",
    "全师",
)
_TOTAL_SCOPES += ("本市", "本省", "本区", "本县", "全辖区", "辖区")
_TOTAL_WORDS = ("合计", "总计", "小计", "汇总", "共计", "总数", "合计数", "总计数")
TOTAL_LABELS: frozenset[str] = frozenset(
    {scope + word for scope in _TOTAL_SCOPES for word in _TOTAL_WORDS}
    | {"全国", "全市", "全省", "全区", "全县", "全州", "全盟", "全旗", "全地区", "全师", "全辖区"}
    | {"总", "合", "总体", "全部"}
)
_TOTAL_PUNCT = ":：。.、,，*＊()（）[]【】 "
_TOTAL_SUFFIX_RE = re.compile(rf"({'|'.join(sorted(_TOTAL_WORDS, key=len, reverse=True))})$")


def _total_key(text: object) -> str:
    return normalize_name(text).strip(_TOTAL_PUNCT)


def is_total_label(text: object) -> bool:
    """True for a totals-row label: 合计, 总计, 全市, 全市合计, '合  计：' and the like."""
    return _total_key(text) in TOTAL_LABELS


# -- data classes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """One region: an official division or an extra reporting unit."""

    code: str
    name: str
    level: str  # country | province | city | county
    parent_code: str | None
    is_official: bool = True
    reports: bool = True

    @property
    def short_name(self) -> str:
        """Name without its administrative suffix (see `short_name()`)."""
        return short_name(self.name, self.level, self.is_official)


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving one region name; `code` is set for 'ok' and for a located 'total'."""

    text: str
    status: str  # ok | ambiguous | unknown | total
    code: str | None
    candidates: tuple[str, ...]
    message_zh: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def is_total(self) -> bool:
        return self.status == "total"


# -- the table ----------------------------------------------------------------------------

_NAME_TIER = 0  # full name, explicit alias, generic-suffix variant
_SHORT_TIER = 1  # short name, or a name with its parent's name dropped
_MAX_LISTED = 8
_BUREAU_SUFFIXES = ("司法局",)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _yes(value: str) -> bool:
    return value.strip().lower() in ("yes", "y", "true", "1", "是")


class RegionTable:
    """All regions with name indexes; build with `load_regions()`."""

    def __init__(self, regions: Iterable[Region], aliases: Iterable[tuple[str, str]] = ()) -> None:
        self._regions: dict[str, Region] = {}
        for r in regions:
            self._regions[r.code] = r
        self._children: dict[str | None, list[str]] = {}
        for r in sorted(self._regions.values(), key=lambda r: r.code):
            if r.parent_code is not None and r.parent_code not in self._regions:
                raise ValueError(f"Region {r.code} {r.name}: unknown parent {r.parent_code}")
            self._children.setdefault(r.parent_code, []).append(r.code)
        # normalised key -> {code: best tier}
        self._index: dict[str, dict[str, int]] = {}
        for r in self._regions.values():
            self._index_region(r)
        for alias, code in aliases:
            if code not in self._regions:
                raise ValueError(f"Alias {alias!r} points to unknown region {code}")
            self._add_key(alias, code, _NAME_TIER)
        self._max_key_len = max((len(k) for k in self._index), default=0)
        self._resolve_cached = lru_cache(maxsize=1 << 16)(self._resolve)
        self._candidates_cached = lru_cache(maxsize=1 << 16)(self._candidates)

    # -- indexing ---------------------------------------------------------------------

    def _add_key(self, key: str, code: str, tier: int) -> None:
        key = normalize_name(key)
        if not key:
            return
        codes = self._index.setdefault(key, {})
        codes[code] = min(tier, codes.get(code, tier))

    def _index_region(self, r: Region) -> None:
        self._add_key(r.name, r.code, _NAME_TIER)
        short = r.short_name
        if short != r.name:
            self._add_key(short, r.code, _SHORT_TIER)
            m = _AUTONOMOUS_RE.search(r.name)
            if m and len(short) >= 2:
                self._add_key(short + _AUTONOMOUS_GENERIC[m.group(1)], r.code, _NAME_TIER)
        # A unit named after its parent, written without it: 泉州台商投资区 -> 台商投资区.
        parent = self._regions.get(r.parent_code) if r.parent_code else None
        if parent is not None:
            for prefix in (parent.name, parent.short_name):
                rest = r.name[len(prefix) :]
                if r.name.startswith(prefix) and len(rest) >= 3:
                    self._add_key(rest, r.code, _SHORT_TIER)

    # -- lookups ----------------------------------------------------------------------

    def get(self, code: str) -> Region:
        """The region with this code; KeyError if unknown."""
        return self._regions[str(code)]

    def __contains__(self, code: object) -> bool:
        return str(code) in self._regions

    def __iter__(self) -> Iterator[Region]:
        return iter(sorted(self._regions.values(), key=lambda r: r.code))

    def __len__(self) -> int:
        return len(self._regions)

    def children(self, code: str, *, reporting_only: bool = False) -> list[Region]:
        """Direct children, sorted by code; reporting_only drops units that never report."""
        code = self.get(code).code
        kids = [self._regions[c] for c in self._children.get(code, [])]
        return [k for k in kids if k.reports] if reporting_only else kids

    def descendants(self, code: str) -> list[Region]:
        """All regions below this one (every level), sorted by code."""
        out: list[Region] = []
        stack = list(self._children.get(self.get(code).code, []))
        while stack:
            c = stack.pop()
            out.append(self._regions[c])
            stack.extend(self._children.get(c, []))
        return sorted(out, key=lambda r: r.code)

    def reporting_units(self, code: str) -> list[str]:
        """Codes of the units that send forms at or below a region: reporting leaves, by code."""
        return [
            r.code
            for r in [self.get(code), *self.descendants(code)]
            if r.reports and not self._children.get(r.code)
        ]

    def ancestors(self, code: str) -> list[Region]:
        """Parent first, up to the province."""
        out: list[Region] = []
        r = self.get(code)
        while r.parent_code is not None:
            r = self._regions[r.parent_code]
            out.append(r)
        return out

    def path(self, code: str) -> list[Region]:
        """Root first: [甘肃省, 天水市, 秦州区]."""
        return [*reversed(self.ancestors(code)), self.get(code)]

    def is_within(self, code: str, ancestor_code: str) -> bool:
        """True if code equals ancestor_code or lies below it."""
        code, ancestor_code = str(code), str(ancestor_code)
        while code is not None:
            if code == ancestor_code:
                return True
            region = self._regions.get(code)
            if region is None:
                return False
            code = region.parent_code
        return False

    def full_name(self, code: str) -> str:
        """Names from the province down: 甘肃省天水市秦州区 (全国 alone names the country)."""
        path = self.path(code)
        return "".join(r.name for r in path if r.level != "country" or len(path) == 1)

    def display_name(self, code: str) -> str:
        """Parent name + name (北京市朝阳区, 长春市朝阳区): enough to tell namesakes apart."""
        r = self.get(code)
        if r.parent_code is None or self._regions[r.parent_code].level == "country":
            return r.name
        return self._regions[r.parent_code].name + r.name

    def to_frame(self) -> pd.DataFrame:
        """All regions as a DataFrame: code, name, level, parent_code, is_official, reports."""
        import pandas as pd

        rows = [(r.code, r.name, r.level, r.parent_code, r.is_official, r.reports) for r in self]
        cols = ["code", "name", "level", "parent_code", "is_official", "reports"]
        return pd.DataFrame(rows, columns=cols)

    # -- resolving --------------------------------------------------------------------

    def resolve(self, text: str, context: str | None = None) -> Resolution:
        """Resolve a region name as written in a spreadsheet; never guesses between namesakes.

        Rules, in order:
        1. Empty -> 'unknown'. A totals label (合计, 全市, 天水市合计) -> 'total', with the
           code of the named region, else of the context, else None. A label that is also
           a region's name (全州, short for 全州县) is that region only when the context
           contains it.
        2. Candidates: regions whose full name, short name, alias, 'short name + 县/旗/州'
           or name-minus-parent matches; failing that, a name written with its ancestors
           in front (甘肃天水秦州区, 北京市朝阳区), each part resolved inside the one before.
        3. Context (a code or a name of the province/city the file is about): if some
           candidates are the context or inside it, only those stay. If the context
           itself and something inside it both match (吉林 in a file about 吉林省), the
           region inside wins: a file's own region appears as its totals row, not by name.
           An unresolvable context is ignored.
        4. If both full-name and short-name matches remain, full-name matches win.
        5. One candidate -> 'ok'; several -> 'ambiguous'; none -> 'unknown'.
        """
        key_text = "" if text is None else str(text)
        key_context = None if context is None else str(context)
        return self._resolve_cached(key_text, key_context)

    def _context_code(self, context: str | None) -> str | None:
        if context is None:
            return None
        ctx = str(context).strip()
        if not ctx:
            return None
        if ctx in self._regions:
            return ctx
        res = self._resolve_cached(ctx, None)
        return res.code if res.status == "ok" else None

    def _candidates(self, key: str) -> dict[str, int]:
        """Codes matching a normalised key, with their best tier; compound names split up."""
        found = self._index.get(key)
        if found:
            return found
        out: dict[str, int] = {}
        # Split off a leading ancestor name and resolve the rest inside it.
        for i in range(2, min(len(key) - 1, self._max_key_len) + 1):
            heads = self._index.get(key[:i])
            if not heads:
                continue
            heads = [h for h in heads if self._regions[h].level != "county"]
            if not heads:
                continue
            rest = self._candidates_cached(key[i:])
            for code, tier in rest.items():
                for head in heads:
                    if code != head and self.is_within(code, head):
                        out[code] = min(tier, out.get(code, tier))
        return out

    def _resolve(self, text: str, context: str | None) -> Resolution:
        shown = text.strip()
        key = normalize_name(text)
        ctx = self._context_code(context)
        if not key:
            return Resolution(shown, "unknown", None, (), "地区名称为空", "Region name is empty")

        total = self._resolve_total(shown, key, ctx)
        if total is not None:
            return total

        found = dict(self._candidates_cached(key))
        if not found:
            for suffix in _BUREAU_SUFFIXES:
                if key.endswith(suffix) and len(key) > len(suffix):
                    found = dict(self._candidates_cached(key[: -len(suffix)]))
        if not found:
            return Resolution(
                shown, "unknown", None, (), f"未知地区“{shown}”", f'Unknown region "{shown}"'
            )

        if ctx is not None:
            inside = {c: t for c, t in found.items() if self.is_within(c, ctx)}
            if inside:
                found = inside
                below = {c: t for c, t in found.items() if c != ctx}
                if below and len(below) < len(found):
                    found = below
        best_tier = min(found.values())
        codes = tuple(sorted(c for c, t in found.items() if t == best_tier))

        if len(codes) == 1:
            code = codes[0]
            full = self.full_name(code)
            return Resolution(
                shown,
                "ok",
                code,
                codes,
                f"“{shown}”识别为{full}（{code}）",
                f'"{shown}" is {full} ({code})',
            )
        listed = "、".join(self.display_name(c) for c in codes[:_MAX_LISTED])
        listed_en = ", ".join(self.display_name(c) for c in codes[:_MAX_LISTED])
        if len(codes) > _MAX_LISTED:
            listed += f"等{len(codes)}个"
            listed_en += f" and {len(codes) - _MAX_LISTED} more"
        return Resolution(
            shown,
            "ambiguous",
            None,
            codes,
            f"“{shown}”有多个同名地区：{listed}，请指明所属市或省",
            f'"{shown}" matches several regions: {listed_en}; please name its city or province',
        )

    def _resolve_total(self, shown: str, key: str, ctx: str | None) -> Resolution | None:
        stripped = key.strip(_TOTAL_PUNCT)
        if stripped in TOTAL_LABELS:
            # 全州 is also 全州县 (桂林市): inside a context that holds it, it is the county.
            if ctx is not None and any(
                c != ctx and self.is_within(c, ctx) for c in self._candidates_cached(stripped)
            ):
                return None
            code = ctx
        else:
            # 天水市合计, 甘肃省总计: a named region's totals row.
            m = _TOTAL_SUFFIX_RE.search(stripped)
            if m is None or m.start() == 0:
                return None
            named = self._resolve_cached(stripped[: m.start()], ctx)
            if named.status != "ok":
                return None
            code = named.code
        if code is None:
            return Resolution(
                shown, "total", None, (), f"“{shown}”为合计行", f'"{shown}" is a totals row'
            )
        name = self.get(code).name
        return Resolution(
            shown,
            "total",
            code,
            (code,),
            f"“{shown}”为{name}合计行",
            f'"{shown}" is the totals row of {name}',
        )


# -- loading ------------------------------------------------------------------------------


def read_regions(
    regions_file: Path = REGIONS_FILE,
    reporting_units_file: Path = REPORTING_UNITS_FILE,
    aliases_file: Path = ALIASES_FILE,
) -> RegionTable:
    """Build a RegionTable from the three data files (uncached; see load_regions)."""
    regions: dict[str, Region] = {}
    for row in _read_csv(regions_file):
        code = row["code"]
        regions[code] = Region(code, row["name"], row["level"], row.get("parent_code") or None)
    for row in _read_csv(reporting_units_file):
        code = row["code"]
        reports = _yes(row.get("reports", "yes"))
        if code in regions:
            # A row for an official unit only overrides its reporting flag (金门县).
            official = regions[code]
            regions[code] = Region(
                official.code, official.name, official.level, official.parent_code, True, reports
            )
        else:
            regions[code] = Region(
                code, row["name"], row["level"], row.get("parent_code") or None, False, reports
            )
    # The country is the root: the provinces of the official table hang under it.
    countries = [r.code for r in regions.values() if r.level == "country"]
    if len(countries) == 1:
        root = countries[0]
        for code, r in list(regions.items()):
            if r.parent_code is None and r.level == "province":
                regions[code] = Region(r.code, r.name, r.level, root, r.is_official, r.reports)
    aliases = [(row["alias"], row["code"]) for row in _read_csv(aliases_file)]
    return RegionTable(regions.values(), aliases)


@lru_cache(maxsize=1)
def load_regions() -> RegionTable:
    """The project's region table, read once per process."""
    return read_regions()


def resolve_region(text: str, context: str | None = None) -> Resolution:
    """Resolve a region name against load_regions(); see RegionTable.resolve."""
    return load_regions().resolve(text, context)
