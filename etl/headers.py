"""Map a column header (or a merged header path) to an indicator code of the catalog, with its unit."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from etl.cells import normalize_unit, parse_header_unit, unit_multiplier
from lawstats.domain.catalog import Catalog
from lawstats.domain.text import normalize_name

# A leaf that only says "how many of the parent": 调解组织 › 个数 is the number of organisations.
GENERIC_LEAVES = frozenset(
    {
        "件数",
        "个数",
        "人数",
        "数量",
        "总数",
        "总量",
        "数目",
        "数",
        "合计",
        "小计",
        "总计",
        "计",
        "总",
        "累计",
        "累计数",
        "本期",
        "本期数",
        "本年累计",
        "人次",
        "次数",
        "件",
        "个",
        "人",
    }
)
_GENERIC_SUFFIXES = ("件数", "个数", "人数", "数量", "总数", "数")
_RATE_RE = re.compile(r"(率|比例|占比|比重|比率|百分比)$")
_PUNCT_RE = re.compile(r"[：:、，,。.；;（）()\[\]【】「」“”\"'‘’《》<>/\\|_\-—–·•*＊#№]+")
# "其中：", "含：", "一、", "1." and "(1)" in front of a header are not part of the name.
_LEADING_RE = re.compile(
    r"^(?:(?:其中|含|包括|内含)[:：]?|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．](?!\d)|[(（]\d{1,2}[)）])"
)

MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class HeaderMatch:
    indicator_code: str | None
    confidence: float
    unit: str | None  # the header's own unit, e.g. 万件; None if it states none
    multiplier: float = 1.0  # header unit -> catalog unit
    candidates: tuple[tuple[str, float], ...] = field(default=())
    unit_ok: bool = True  # False when the header's unit cannot be converted to the indicator's


NO_MATCH = HeaderMatch(None, 0.0, None)


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """A header reduced for comparison: normalised, unit dropped, punctuation and '其中' removed."""
    name = normalize_name(text)
    name, _unit = parse_header_unit(name)
    name = name.replace("平方米", "m2").replace("平米", "m2")
    stripped = _LEADING_RE.sub("", name)
    return _PUNCT_RE.sub("", stripped or name)


def header_unit(path: Sequence[str]) -> str | None:
    """The unit stated in a header path: the lowest element that states one, as '(件)' or a bare '件'."""
    for part in reversed(path):
        key = normalize_name(part)
        _name, unit = parse_header_unit(key)
        unit = unit or normalize_unit(key)
        if unit:
            return unit
    return None


@dataclass(frozen=True)
class _Spelling:
    key: str
    code: str
    learned: bool


class _Index:
    """Every spelling of every indicator, normalised once per catalog."""

    def __init__(self, catalog: Catalog, extra: tuple[tuple[str, str], ...]):
        self.catalog = catalog
        spellings: dict[tuple[str, str], _Spelling] = {}
        for ind in catalog:
            for s in (ind.name_zh, *ind.header_spellings):
                key = header_key(s)
                if key:
                    spellings[(key, ind.code)] = _Spelling(key, ind.code, False)
        self.learned: dict[str, str] = {}
        for s, code in extra:
            if code not in catalog:
                continue
            key = header_key(s)
            if key:
                spellings[(key, code)] = _Spelling(key, code, True)
                self.learned[key] = code
        # Longest first, so the most specific spelling is met first.
        self.spellings = sorted(spellings.values(), key=lambda sp: -len(sp.key))
        self.ratio_codes = frozenset(i.code for i in catalog if i.is_ratio)


@lru_cache(maxsize=32)
def _index(catalog: Catalog, extra: tuple[tuple[str, str], ...]) -> _Index:
    return _Index(catalog, extra)


def _pieces(spelling: str, parts: tuple[str, ...], leaf: int) -> int | None:
    """Length of the leaf's piece if `spelling` is a concatenation of substrings of distinct
    path parts, one of them the leaf; None otherwise. 调解成功 = 调解(调解纠纷) + 成功(成功)."""
    best: int | None = None

    def walk(pos: int, used: frozenset[int], leaf_len: int) -> None:
        nonlocal best
        if pos == len(spelling):
            if leaf in used and (best is None or leaf_len > best):
                best = leaf_len
            return
        for i, part in enumerate(parts):
            if i in used:
                continue
            for end in range(len(spelling), pos, -1):
                if spelling[pos:end] in part:
                    walk(end, used | {i}, end - pos if i == leaf else leaf_len)
                    break  # the longest piece from this part is enough

    walk(0, frozenset(), 0)
    return best


def _clean_path(path: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(path, str):
        path = [path]
    keys: list[str] = []
    for p in path:
        k = header_key(p) if p is not None else ""
        if k and (not keys or keys[-1] != k):
            keys.append(k)
    if len(keys) > 1:  # a units row under the header ("件", "元") names no indicator
        keys = [k for k in keys if normalize_unit(k) is None] or keys[:1]
    while len(keys) > 1 and keys[-1] in GENERIC_LEAVES:
        keys.pop()
    return tuple(keys)


@lru_cache(maxsize=8192)
def _match_keys(keys: tuple[str, ...], index: _Index) -> tuple[tuple[str, float], ...]:
    """Scored candidates (code, confidence), best first."""
    if not keys:
        return ()
    joined = "".join(keys)
    if joined in index.learned:
        return ((index.learned[joined], 1.0),)
    leaf = keys[-1]
    wants_rate = bool(_RATE_RE.search(leaf))
    # For coverage, a flat header's trailing count word does not count: 乡镇司法所个数.
    core = leaf
    for suffix in _GENERIC_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)]
            break
    scored: dict[str, tuple[float, float]] = {}
    for sp in index.spellings:
        if sp.code in scored and scored[sp.code][0] >= 1.0:
            continue
        is_rate = sp.code in index.ratio_codes
        if wants_rate != is_rate:
            continue  # a 率 header never maps to a count, nor a count header to a rate
        if len(keys) == 1:
            if sp.key not in leaf:
                continue
            if sp.key == leaf:
                coverage = 1.0
            else:
                coverage = min(len(sp.key) / len(core), 0.99) if sp.key in core else 0.0
                coverage = max(coverage, len(sp.key) / len(leaf))
            if coverage < 0.5:
                continue
        else:
            leaf_len = _pieces(sp.key, keys, len(keys) - 1)
            if not leaf_len or leaf_len / len(leaf) < 0.5:
                continue
            used = sum(len(k) for k in keys if any(c in k for c in sp.key))
            coverage = min(len(sp.key) / max(used, 1), 1.0)
            if sp.key != joined:
                coverage = min(coverage, 0.99)
        confidence = round(0.5 + 0.5 * coverage, 3)
        if sp.learned:
            confidence = max(confidence, 0.95)
        rank = (confidence, len(sp.key))
        if sp.code not in scored or rank > scored[sp.code]:
            scored[sp.code] = rank
    ranked = sorted(scored.items(), key=lambda kv: kv[1], reverse=True)
    return tuple((code, rank[0]) for code, rank in ranked)


def match_header(
    path: Sequence[str] | str,
    catalog: Catalog,
    *,
    extra_spellings: Mapping[str, str] | None = None,
    default_unit: str | None = None,
) -> HeaderMatch:
    """The indicator a header (or a merged header path, top first) stands for; the most specific wins.

    `extra_spellings` maps spellings confirmed by analysts to indicator codes. `default_unit`
    is the unit to assume when the header states none (from a "单位：万元" row).
    """
    extra = tuple(sorted((extra_spellings or {}).items()))
    index = _index(catalog, extra)
    keys = _clean_path(path)
    candidates = _match_keys(keys, index)
    parts = [path] if isinstance(path, str) else list(path)
    unit = header_unit([p for p in parts if p])
    if not candidates:
        return HeaderMatch(None, 0.0, unit)
    # Among equally good candidates, one whose unit fits the header's wins.
    best_code, best_conf = candidates[0]
    if unit is not None:
        for code, conf in candidates:
            if conf < best_conf - 0.05:
                break
            if unit_multiplier(unit, catalog.get(code).unit) is not None:
                best_code, best_conf = code, conf
                break
    if len(candidates) > 1 and candidates[1][1] == best_conf and candidates[1][0] != best_code:
        best_conf = round(best_conf - 0.2, 3)  # a tie between two indicators: not sure
    target = catalog.get(best_code).unit
    stated = unit or default_unit
    multiplier, unit_ok = 1.0, True
    if stated is not None:
        m = unit_multiplier(stated, target)
        if m is None:
            unit_ok = unit is None  # an inapplicable default unit is simply ignored
        else:
            multiplier = m
    if best_conf < MIN_CONFIDENCE:
        return HeaderMatch(None, best_conf, unit, 1.0, candidates, True)
    return HeaderMatch(best_code, best_conf, unit, multiplier, candidates, unit_ok)


# --- comparison columns: last year's figure and the change against it -----------------------

# 同比 / 比上年 / 增减 ... make a column the change against last year; 上年同期 / 去年 ... last
# year's figure. Neither is a figure of this period. The change words are looked for first:
# 比上年增减 is a change, not last year's figure.
_CHANGE_RE = re.compile(
    r"同比|[比较](?:上年|去年)(?:同期)?|增减|增长率|增长幅度|增幅|增长|下降|减少"
)
_PREVIOUS_RE = re.compile(r"(?:上年度|上年|去年)(?:同期)?")
_QUALIFIER_RE = re.compile(r"[%％]|个?百分点|百分比|幅度|同期|情况|变化|变动")
_POINTS_RE = re.compile(r"百分点")
_PERCENT_RE = re.compile(r"[%％率幅]|百分比")
_AMOUNT_RE = re.compile(r"(?:增减|增长|下降|减少)(?:数|量|额|件数|人数|个数)")

PREVIOUS = "previous"  # last year's figure for the same period
CHANGE = "change"  # the change against it


@dataclass(frozen=True)
class Comparison:
    kind: str  # previous | change
    mode: str | None  # change only: pct | abs | pp, or None when the header does not say
    rest: str  # the header without the comparison words ('' when nothing is left)
    sign: int = 1  # -1 for a 下降/减少 column: a fall written as a positive figure


def comparison_header(text: str) -> Comparison | None:
    """Whether a header names a comparison with last year (上年同期, 同比(%), 同比增减（件）,
    上年同期调解案件数...), and what is left of it (the indicator it belongs to, if named)."""
    key = header_key(text)
    change = _CHANGE_RE.search(key)
    previous = None if change else _PREVIOUS_RE.search(key)
    if change is None and previous is None:
        return None
    rest = _PREVIOUS_RE.sub("", _CHANGE_RE.sub("", key))
    rest = _QUALIFIER_RE.sub("", rest)
    if rest in GENERIC_LEAVES:
        rest = ""
    if previous is not None:
        return Comparison(PREVIOUS, None, rest)
    unit = header_unit([text])
    raw = normalize_name(text)
    if _POINTS_RE.search(raw):
        mode: str | None = "pp"
    elif unit == "%" or _PERCENT_RE.search(raw):
        mode = "pct"
    elif unit is not None or _AMOUNT_RE.search(key):
        mode = "abs"
    else:
        mode = None
    sign = -1 if ("下降" in key or "减少" in key) and "增" not in key else 1
    return Comparison(CHANGE, mode, rest, sign)
