"""Assessment schemes (考评方案) as data: Scheme and Item, read from YAML or CSV in data/schemes/.

Every malformed file is refused with a SchemeError naming the file and the item.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from lawstats.analysis.dashboard import NORMALISATIONS
from lawstats.analysis.targets.model import (
    Target,
    TargetError,
    validate,
)
from lawstats.analysis.targets.parsing import parse_expression
from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import load_regions
from lawstats.settings import DATA_DIR
from lawstats.store import StoreError

SCHEMES_DIR = DATA_DIR / "schemes"
RULES = ("proportional", "all_or_nothing", "rank", "deduction")
FREQUENCIES = ("annual", "quarterly")
BASES = ("target", "value")
TIES = ("average", "best")


class SchemeError(StoreError):
    """A scheme file is malformed (message in Chinese and English, naming the file and item)."""


@dataclass(frozen=True)
class Item:
    code: str
    name_zh: str
    name_en: str
    area: str
    points: float
    indicator: str
    rule: str
    basis: str = "target"  # target | value
    target_kind: str | None = None  # inline target for every unit
    target_value: float | None = None
    target_per: str | None = None
    normalise: str = "absolute"
    rank_points: tuple[float, ...] = ()
    ties: str = "average"
    deduct: float = 0.0
    per: float = 1.0
    floor: float = 0.0
    benchmark: str | float | None = None  # proportional on values: "max" or a number

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class Scheme:
    code: str
    name_zh: str
    name_en: str
    frequency: str
    items: tuple[Item, ...]
    scope: str | None = None  # region code whose units are assessed by default
    total: float | None = None
    source: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh

    @property
    def max_points(self) -> float:
        return round(sum(i.points for i in self.items), 4)


def _fail(source: str, where: str, zh: str, en: str) -> SchemeError:
    loc = f"{source} {where}".strip()
    return SchemeError(f"{loc}：{zh}", f"{loc}: {en}")


@dataclass(frozen=True)
class _Check:
    """Checks on one place of a scheme file; every failure names the file and the item."""

    source: str
    where: str

    def require(self, ok: bool, zh: str, en: str) -> None:
        if not ok:
            raise _fail(self.source, self.where, zh, en)

    def choice(self, value: Any, allowed: Sequence[str], default: str, what: str) -> str:
        text = str(value or default).strip()
        self.require(
            text in allowed,
            f"未知{what} {text!r}（{'、'.join(allowed)}）",
            f"unknown {what} {text!r} ({', '.join(allowed)})",
        )
        return text

    def number(self, v: Any, what: str) -> float:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise _fail(
                self.source, self.where, f"{what}不是数字：{v!r}", f"{what} is not a number: {v!r}"
            ) from None
        self.require(math.isfinite(f), f"{what}不是有效数字", f"{what} is not a finite number")
        return f


def _inline_target(raw: dict[str, Any], indicator: str, check: _Check):
    """(kind, value, per) of an item's own target for every unit, or (None, None, None)."""
    target = raw.get("target") or {}
    if isinstance(target, str):
        kind, value = parse_expression(target)
        target = {"kind": kind, "value": value}
    kind = target.get("kind") or raw.get("target_kind") or None
    if not kind:
        return None, None, None
    value = target.get("value", raw.get("target_value"))
    check.require(value not in (None, ""), "内置目标缺少目标值", "the inline target has no value")
    any_region = next(iter(load_regions())).code  # only the target itself is checked here
    per = target.get("per") or raw.get("target_per") or None
    try:
        t_ = validate(
            Target(
                any_region, indicator, 2000, str(kind).strip(), check.number(value, "目标值"), per
            )
        )
    except TargetError as exc:
        raise _fail(check.source, check.where, exc.message_zh, exc.message_en) from None
    return t_.kind, t_.value, t_.per_code


def _rank_points(raw: dict[str, Any], points: float, check: _Check) -> tuple[float, ...]:
    rp = raw.get("rank_points")
    if isinstance(rp, str):
        rp = [p for p in rp.replace("，", "|").replace(",", "|").split("|") if p.strip()]
    check.require(bool(rp), "按名次计分须给出 rank_points", "rank items need rank_points")
    out = tuple(check.number(p, "名次分") for p in rp)
    check.require(
        all(p <= points for p in out),
        "名次分不能超过分值",
        "rank points cannot exceed the item's points",
    )
    return out


def _item(raw: dict[str, Any], source: str, n: int) -> Item:
    catalog = load_catalog()
    code = str(raw.get("code") or f"item{n}").strip()
    check = _Check(source, f"item {code}")
    indicator = str(raw.get("indicator") or "").strip()
    check.require(
        indicator in catalog, f"未知指标 {indicator!r}", f"unknown indicator {indicator!r}"
    )
    ind = catalog.get(indicator)
    rule = check.choice(raw.get("rule"), RULES, "", "计分规则 rule")
    points = check.number(raw.get("points"), "分值")
    check.require(points > 0, "分值须大于 0", "points must be positive")
    kind, value, per_code = _inline_target(raw, indicator, check)
    benchmark = raw.get("benchmark")
    if benchmark in (None, ""):
        benchmark = None
    elif str(benchmark).strip().lower() == "max":
        benchmark = "max"
    else:
        benchmark = check.number(benchmark, "基准值")
    value_default = benchmark is not None or (rule == "rank" and not kind)
    basis = check.choice(
        raw.get("basis"), BASES, "value" if value_default else "target", "计分依据 basis"
    )
    check.require(
        rule not in ("all_or_nothing", "deduction") or basis == "target",
        "全得全扣和扣分规则须依据目标",
        "all_or_nothing and deduction need a target basis",
    )
    check.require(
        not (rule == "proportional" and basis == "value" and benchmark is None),
        "按数值比例计分须给出 benchmark（max 或数值）",
        "proportional on values needs a benchmark (max or a number)",
    )
    normalise = check.choice(
        raw.get("normalise"), list(NORMALISATIONS), "absolute", "口径 normalise"
    )
    check.require(
        normalise == "absolute" or (basis == "value" and not ind.is_ratio),
        "只有按数值计分的非比率指标可以折算口径",
        "only value-based, non-rate items can be normalised",
    )
    rank_points = _rank_points(raw, points, check) if rule == "rank" else ()
    ties = check.choice(raw.get("ties"), TIES, "average", "并列规则 ties")
    deduct = check.number(raw.get("deduct") or 0, "扣分")
    per = check.number(raw.get("per") or 1, "扣分单位")
    floor = check.number(raw.get("floor") or 0, "最低分")
    if rule == "deduction":
        check.require(
            deduct > 0 and per > 0,
            "扣分规则须给出正的 deduct 与 per",
            "deduction needs positive deduct and per",
        )
        check.require(
            0 <= floor <= points,
            "最低分须在 0 与分值之间",
            "floor must lie between 0 and the points",
        )
    return Item(
        code=code,
        name_zh=str(raw.get("name_zh") or ind.name_zh).strip(),
        name_en=str(raw.get("name_en") or ind.name_en).strip(),
        area=str(raw.get("area") or "").strip(),
        points=points,
        indicator=indicator,
        rule=rule,
        basis=basis,
        target_kind=kind,
        target_value=value,
        target_per=per_code,
        normalise=normalise,
        rank_points=rank_points,
        ties=ties,
        deduct=deduct,
        per=per,
        floor=floor,
        benchmark=benchmark,
    )


def scheme_from_dict(raw: dict[str, Any], source: str = "") -> Scheme:
    """A Scheme from parsed YAML (or the CSV reader's equivalent); raises SchemeError."""
    if not isinstance(raw, dict):
        raise _fail(source, "", "方案文件须为键值结构", "a scheme file must be a mapping")
    code = str(raw.get("code") or Path(source).stem or "scheme").strip()
    check = _Check(source, "")
    frequency = check.choice(raw.get("frequency"), FREQUENCIES, "annual", "频次 frequency")
    items_raw = raw.get("items") or []
    check.require(bool(items_raw), "方案没有考评项目", "the scheme has no items")
    items = tuple(_item(it, source, n) for n, it in enumerate(items_raw, start=1))
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes):
        raise _fail(source, "", "项目代码重复", "duplicate item codes")
    scope = raw.get("scope")
    scope_code = None
    if scope not in (None, ""):
        regions = load_regions()
        scope = str(scope).strip()
        if scope in regions:
            scope_code = scope
        else:
            res = regions.resolve(scope)
            if not res.ok:
                raise _fail(source, "scope", res.message_zh, res.message_en)
            scope_code = res.code
    total = raw.get("total")
    total_f = None if total in (None, "") else _Check(source, "total").number(total, "总分")
    scheme = Scheme(
        code=code,
        name_zh=str(raw.get("name_zh") or code).strip(),
        name_en=str(raw.get("name_en") or raw.get("name_zh") or code).strip(),
        frequency=frequency,
        items=items,
        scope=scope_code,
        total=total_f,
        source=source,
    )
    if total_f is not None and abs(scheme.max_points - total_f) > 1e-6:
        raise _fail(
            source,
            "total",
            f"各项分值合计 {scheme.max_points:g} 分，与总分 {total_f:g} 分不符",
            f"the items add up to {scheme.max_points:g} points, not the stated total {total_f:g}",
        )
    return scheme


_CSV_SCHEME_FIELDS = (
    "scheme_code",
    "scheme_name_zh",
    "scheme_name_en",
    "frequency",
    "scope",
    "total",
)


def scheme_from_csv(text: str, source: str = "") -> Scheme:
    """A CSV scheme: one row per item; the scheme_* / frequency / scope / total columns are read
    from the first row that fills them."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    meta: dict[str, Any] = {}
    for f in _CSV_SCHEME_FIELDS:
        for r in rows:
            if (r.get(f) or "").strip():
                meta[f] = r[f].strip()
                break
    items = []
    for r in rows:
        item = {k: (v.strip() if isinstance(v, str) else v) for k, v in r.items() if k}
        item = {
            k: v for k, v in item.items() if v not in (None, "") and k not in _CSV_SCHEME_FIELDS
        }
        if item:
            items.append(item)
    return scheme_from_dict(
        {
            "code": meta.get("scheme_code"),
            "name_zh": meta.get("scheme_name_zh"),
            "name_en": meta.get("scheme_name_en"),
            "frequency": meta.get("frequency"),
            "scope": meta.get("scope"),
            "total": meta.get("total"),
            "items": items,
        },
        source,
    )


def read_scheme(path: Path) -> Scheme:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return scheme_from_csv(text, path.name)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(path.name, "", f"YAML 格式错误：{exc}", f"invalid YAML: {exc}") from None
    return scheme_from_dict(raw, path.name)


def load_schemes(directory: Path | None = None) -> dict[str, Scheme]:
    """Every scheme file (*.yaml, *.yml, *.csv) in data/schemes/, by code; raises on a bad file."""
    return dict(_load_schemes(str(directory or SCHEMES_DIR), _dir_stamp(directory or SCHEMES_DIR)))


def _dir_stamp(directory: Path) -> tuple:
    if not directory.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.iterdir()))


@lru_cache(maxsize=8)
def _load_schemes(directory: str, stamp: tuple) -> tuple[tuple[str, Scheme], ...]:
    path = Path(directory)
    out: dict[str, Scheme] = {}
    if not path.is_dir():
        return ()
    for p in sorted(path.iterdir()):
        if p.suffix.lower() not in (".yaml", ".yml", ".csv"):
            continue
        s = read_scheme(p)
        if s.code in out:
            raise _fail(
                p.name,
                "code",
                f"方案代码 {s.code} 与 {out[s.code].source} 重复",
                f"scheme code {s.code} also used by {out[s.code].source}",
            )
        out[s.code] = s
    return tuple(out.items())
