"""Points-based assessment (考评): schemes as data files, scoring rules, per-county breakdown and ranking.

A scheme is a YAML or CSV file in data/schemes/ (README "Targets and assessment" documents the
format) that a bureau edits without code: items, each with an indicator, points and a rule:
- proportional: points x attainment, capped at full points. Attainment is the unit's target
  attainment (year to date against 序时进度 for flows) or, with `benchmark`, its value against
  the best unit ("max") or a fixed number;
- all_or_nothing (全得全扣): full points when the target is met, else none;
- rank: points per rank (rank_points: [10, 9, 8, ...]); tied units share the average of the
  points of the places they occupy (ties: average), or all get the best place's (ties: best);
- deduction: full points minus `deduct` per started `per` units of shortfall, never below `floor`.
Units without data score the minimum (0, or the floor) and say 无数据.

Targets come from lawstats.analysis.targets (stored per county, or inline in the item for every unit);
values from lawstats.store.rollup through lawstats.analysis.dashboard.ranking (same roll-up and normalisations
as the 排名 page).
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

import pandas as pd
import yaml
from sqlalchemy.engine import Engine

from lawstats.analysis import targets as tg
from lawstats.analysis.dashboard import NORMALISATIONS, competition_rank, rank_units, ranking
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.i18n import t
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


# --------------------------------------------------------------------------- reading schemes


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
        kind, value = tg.parse_expression(target)
        target = {"kind": kind, "value": value}
    kind = target.get("kind") or raw.get("target_kind") or None
    if not kind:
        return None, None, None
    value = target.get("value", raw.get("target_value"))
    check.require(value not in (None, ""), "内置目标缺少目标值", "the inline target has no value")
    any_region = next(iter(load_regions())).code  # only the target itself is checked here
    per = target.get("per") or raw.get("target_per") or None
    try:
        t_ = tg.validate(
            tg.Target(
                any_region, indicator, 2000, str(kind).strip(), check.number(value, "目标值"), per
            )
        )
    except tg.TargetError as exc:
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


# --------------------------------------------------------------------------- scoring rules (pure)


def rank_scores(
    values: pd.Series,
    rank_points: Sequence[float],
    *,
    descending: bool = True,
    ties: str = "average",
) -> pd.DataFrame:
    """Competition ranks (1,2,2,4) and points per rank; NaN values are unranked and score 0.

    Tied units occupy consecutive places; with ties="average" each gets the mean of those places'
    points (2nd and 3rd tied on [10, 8, 6]: (8 + 6) / 2 = 7 each), with "best" the first place's.
    """
    ranks = competition_rank(values, descending=descending)
    sizes = ranks.value_counts()
    pts = list(rank_points)

    def at(place: int) -> float:
        return float(pts[place - 1]) if 1 <= place <= len(pts) else 0.0

    scores = []
    for r in ranks:
        if pd.isna(r):
            scores.append(0.0)
            continue
        r = int(r)
        k = int(sizes[r])
        if ties == "best" or k == 1:
            scores.append(at(r))
        else:
            scores.append(sum(at(p) for p in range(r, r + k)) / k)
    return pd.DataFrame({"rank": ranks, "score": scores}, index=values.index)


def attainment(row: dict[str, Any]) -> float | None:
    """How far a unit got towards its target, 0..(more than 1), from a targets.evaluate row."""
    status = row.get("status")
    if status == "no_data":
        return None
    kind = row["target_kind"]
    actual = tg._num(row.get("actual"))
    value = float(row["target_value"])
    met = status in ("done", "on_track")
    if kind == "per_unit":
        total = row.get("units_total")
        return None if not total or pd.isna(total) else float(row["units_passing"]) / float(total)
    if kind == "growth":
        growth = tg._num(row.get("growth"))
        if met:
            return 1.0
        if growth is None or value <= 0 or growth <= 0:
            return 0.0
        return growth / value
    if actual is None:
        return None
    if kind == "at_most":
        if actual <= value:
            return 1.0
        return value / actual if value > 0 and actual > 0 else 0.0
    due = tg._num(row.get("due"))
    base = due if kind == "at_least" and due is not None else value
    if base <= 0:
        return 1.0
    return actual / base


def proportional(points: float, att: float | None) -> float:
    """points x attainment, capped at full points; no data scores 0."""
    if att is None:
        return 0.0
    return round(points * min(1.0, max(0.0, att)), 2)


def all_or_nothing(points: float, met: bool | None) -> float:
    """全得全扣: all the points when the target is met, else none."""
    return float(points) if met else 0.0


def deduction(
    points: float,
    shortfall: float | None,
    met: bool | None,
    *,
    deduct: float,
    per: float,
    floor: float,
) -> float:
    """Full points minus `deduct` per started `per` units of shortfall, never below `floor`.

    No data (met is None) scores the floor; a missed target with no measurable shortfall (growth
    of exactly 0 against 'some growth') counts one unit.
    """
    if met is None:
        return float(floor)
    if met:
        return float(points)
    units = math.ceil(round((shortfall or 0.0) / per, 9))
    units = max(units, 1)
    return round(max(float(floor), points - deduct * units), 2)


# --------------------------------------------------------------------------- scoring a scheme


@dataclass
class Assessment:
    scheme: Scheme
    parent_code: str
    year: int
    months: int
    units: list[str]
    breakdown: pd.DataFrame
    totals: pd.DataFrame
    progress: pd.DataFrame
    previous_period: Period | None = None

    @property
    def period(self) -> Period:
        return Period.months(self.year, 1, self.months)

    @property
    def previous_label(self) -> str | None:
        return self.previous_period.label if self.previous_period else None

    def previous_text(self, lang: str = "zh") -> str | None:
        if self.previous_period is None:
            return None
        return self.previous_period.label if lang == "zh" else self.previous_period.label_en


BREAKDOWN_COLUMNS = [
    "region_code",
    "region_name",
    "item_code",
    "item_name",
    "area",
    "rule",
    "points",
    "score",
    "value",
    "target_text",
    "status",
    "rank",
    "note",
]


def previous_of(scheme: Scheme, year: int, months: int) -> tuple[int, int]:
    """The period a rank change compares with: last quarter (Q1: last year's Q4) or last year."""
    if scheme.frequency == "quarterly" and months > 3:
        return year, months - 3
    return year - 1, 12


def score(
    engine: Engine,
    scheme: Scheme,
    parent_code: str,
    year: int,
    months: int = 12,
    *,
    compare: bool = True,
    lang: str = "zh",
    regions: RegionTable | None = None,
) -> Assessment:
    """Score the units below `parent_code` on a scheme, year to date through month `months`."""
    regions = regions or load_regions()
    catalog = load_catalog()
    units = rank_units(parent_code, regions=regions)
    period = Period.months(year, 1, months)
    rows: list[dict[str, Any]] = []
    progress_parts: list[pd.DataFrame] = []

    stored = tg.list_targets(engine, parent_code, year, include_children=True, regions=regions)
    stored = stored[stored["region_code"].isin(units)] if not stored.empty else stored
    stored_eval = tg.evaluate(engine, tg._frame_to_targets(stored), year, months, regions=regions)
    by_stored = {(r["region_code"], r["indicator_code"]): r for r in stored_eval.to_dict("records")}
    progress_parts.append(stored_eval)

    inline_targets = [
        tg.Target(u, it.indicator, year, it.target_kind, float(it.target_value), it.target_per)
        for it in scheme.items
        if it.basis == "target" and it.target_kind
        for u in units
    ]
    inline_eval = tg.evaluate(
        engine, inline_targets, year, months, use_settled=False, regions=regions
    )
    by_inline = {
        (r["region_code"], r["indicator_code"], r["target_kind"], r["target_value"]): r
        for r in inline_eval.to_dict("records")
    }
    if not inline_eval.empty:
        known = set(zip(stored_eval["region_code"], stored_eval["indicator_code"], strict=True))
        extra = inline_eval[
            [
                (a, b) not in known
                for a, b in zip(
                    inline_eval["region_code"], inline_eval["indicator_code"], strict=True
                )
            ]
        ]
        progress_parts.append(extra)

    for it in scheme.items:
        ind = catalog.get(it.indicator)
        if it.basis == "value":
            rk = ranking(
                engine,
                parent_code,
                period,
                it.indicator,
                it.normalise,
                regions=regions,
                catalog=catalog,
            )
            table = rk.table.set_index("region_code")
            values = table["value"].reindex(units).astype("float64")
            descending = ind.better != "down"
            if it.rule == "rank":
                rs = rank_scores(values, it.rank_points, descending=descending, ties=it.ties)
            for u in units:
                v = tg._num(values.get(u))
                rank = None
                if it.rule == "rank":
                    sc = float(rs.loc[u, "score"])
                    rank = None if pd.isna(rs.loc[u, "rank"]) else int(rs.loc[u, "rank"])
                else:
                    sc = proportional(
                        it.points, _benchmark_attainment(v, values, it.benchmark, descending)
                    )
                note = (
                    t("asm_no_data", lang)
                    if v is None
                    else (t("asm_rank_note", lang, rank=rank) if rank else "")
                )
                rows.append(
                    _row(
                        u, it, sc, v, "", "no_data" if v is None else "", rank, note, regions, lang
                    )
                )
            continue
        for u in units:
            if it.target_kind:
                r = by_inline.get((u, it.indicator, it.target_kind, float(it.target_value)))
            else:
                r = by_stored.get((u, it.indicator))
            rows.append(_target_row(u, it, r, regions, lang))
        if it.rule == "rank":
            _apply_rank(rows, it, units)

    breakdown = pd.DataFrame(rows, columns=BREAKDOWN_COLUMNS)
    totals = _totals(breakdown, units, regions)
    prev_period = None
    if compare and units:
        py, pm = previous_of(scheme, year, months)
        try:
            prev = score(
                engine, scheme, parent_code, py, pm, compare=False, lang=lang, regions=regions
            )
        except tg.TargetError:
            prev = None
        if prev is not None and has_data(prev):
            prev_period = prev.period
            p = prev.totals.set_index("region_code")
            totals["previous_total"] = totals["region_code"].map(p["total"])
            totals["previous_rank"] = totals["region_code"].map(p["rank"]).astype("Int64")
            totals["rank_change"] = (totals["previous_rank"] - totals["rank"]).astype("Int64")
    progress_frame = (
        pd.concat([p for p in progress_parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in progress_parts)
        else pd.DataFrame(columns=tg.PROGRESS_COLUMNS)
    )
    return Assessment(
        scheme, parent_code, year, months, units, breakdown, totals, progress_frame, prev_period
    )


def has_data(a: Assessment) -> bool:
    """True when at least one unit has a figure for at least one item."""
    b = a.breakdown
    return bool(not b.empty and b["value"].notna().any())


def _benchmark_attainment(
    v: float | None, values: pd.Series, benchmark: Any, descending: bool
) -> float | None:
    if v is None:
        return None
    if benchmark == "max":
        have = values.dropna()
        if have.empty:
            return None
        best = float(have.max() if descending else have.min())
        if descending:
            return v / best if best > 0 else 1.0
        return best / v if v > 0 else 1.0
    b = float(benchmark)
    if descending:
        return v / b if b > 0 else 1.0
    return b / v if v > 0 else 1.0


def _row(u, it: Item, sc, value, target_text, status, rank, note, regions, lang) -> dict[str, Any]:
    return {
        "region_code": u,
        "region_name": regions.get(u).name,
        "item_code": it.code,
        "item_name": it.name(lang),
        "area": it.area,
        "rule": it.rule,
        "points": it.points,
        "score": round(float(sc), 2),
        "value": value,
        "target_text": target_text,
        "status": status,
        "rank": rank,
        "note": note,
    }


def _target_row(
    u: str, it: Item, r: dict[str, Any] | None, regions: RegionTable, lang: str
) -> dict[str, Any]:
    catalog = load_catalog()
    ind = catalog.get(it.indicator)
    if r is None:
        floor = it.floor if it.rule == "deduction" else 0.0
        return _row(
            u, it, floor, None, "", "no_target", None, t("asm_no_target", lang), regions, lang
        )
    status = r["status"]
    met = None if status == "no_data" else status in ("done", "on_track")
    att = attainment(r)
    if it.rule == "proportional":
        sc = proportional(it.points, att)
    elif it.rule == "all_or_nothing":
        sc = all_or_nothing(it.points, met)
    elif it.rule == "deduction":
        sc = deduction(
            it.points,
            tg._num(r.get("shortfall")),
            met,
            deduct=it.deduct,
            per=it.per,
            floor=it.floor,
        )
    else:
        sc = 0.0  # rank: filled in by _apply_rank
    text = tg.target_text(r["target_kind"], float(r["target_value"]), ind, r.get("per_code"), lang)
    row = _row(
        u, it, sc, tg._num(r.get("actual")), text, status, None, tg.explain(r, lang), regions, lang
    )
    row["_att"] = att
    return row


def _apply_rank(rows: list[dict[str, Any]], it: Item, units: Sequence[str]) -> None:
    mine = [r for r in rows if r["item_code"] == it.code]
    values = pd.Series(
        [r.get("_att") for r in mine], index=[r["region_code"] for r in mine], dtype="float64"
    )
    rs = rank_scores(values, it.rank_points, descending=True, ties=it.ties)
    for r in mine:
        rank = rs.loc[r["region_code"], "rank"]
        r["score"] = round(float(rs.loc[r["region_code"], "score"]), 2)
        r["rank"] = None if pd.isna(rank) else int(rank)


def _totals(breakdown: pd.DataFrame, units: Sequence[str], regions: RegionTable) -> pd.DataFrame:
    if breakdown.empty:
        total = pd.Series(0.0, index=list(units))
    else:
        total = breakdown.groupby("region_code")["score"].sum().reindex(units).fillna(0.0)
    out = pd.DataFrame(
        {
            "region_code": list(units),
            "region_name": [regions.get(u).name for u in units],
            "total": [round(float(v), 2) for v in total],
        }
    )
    out["rank"] = competition_rank(out["total"], descending=True)
    out["previous_total"] = float("nan")
    out["previous_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["rank_change"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.sort_values(["rank", "region_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------- tables for pages and exports


def breakdown_matrix(a: Assessment, lang: str = "zh") -> pd.DataFrame:
    """Units x items score matrix with the total and rank (the page's main table)."""
    if a.breakdown.empty:
        return pd.DataFrame()
    m = a.breakdown.pivot_table(
        index="region_code", columns="item_code", values="score", aggfunc="sum"
    )
    items = [i for i in a.scheme.items]
    m = m.reindex(columns=[i.code for i in items])
    names = [
        f"{i.name(lang)}（{i.points:g}）" if lang == "zh" else f"{i.name(lang)} ({i.points:g})"
        for i in items
    ]
    m.columns = [
        n if names.count(n) == 1 else f"{n} {i.code}" for n, i in zip(names, items, strict=True)
    ]
    totals = a.totals.set_index("region_code")
    m.insert(0, t("asm_col_region", lang), totals["region_name"].reindex(m.index))
    m[t("asm_col_total", lang)] = totals["total"].reindex(m.index)
    m[t("asm_col_rank", lang)] = totals["rank"].reindex(m.index)
    return m.sort_values(t("asm_col_rank", lang)).reset_index(drop=True)


def ranking_table(a: Assessment, lang: str = "zh") -> pd.DataFrame:
    """Rank, unit, total, previous rank and change (↑2/↓1/＝/—)."""
    from lawstats.analysis.dashboard import rank_change_text

    tt = a.totals
    return pd.DataFrame(
        {
            t("asm_col_rank", lang): [("—" if pd.isna(x) else int(x)) for x in tt["rank"]],
            t("asm_col_region", lang): tt["region_name"],
            t("asm_col_total", lang): tt["total"],
            t("asm_col_previous_rank", lang): [
                ("—" if pd.isna(x) else int(x)) for x in tt["previous_rank"]
            ],
            t("asm_col_rank_change", lang): [rank_change_text(x) for x in tt["rank_change"]],
        }
    )


def lagging_items(a: Assessment) -> pd.DataFrame:
    """Each unit's targets that are behind or missed (and those without data), worst first."""
    p = a.progress
    if p.empty:
        return p
    p = p[p["region_code"].isin(a.units)]
    lag = p[p["status"].isin((*tg.LAGGING, "no_data"))].copy()
    order = {c: i for i, c in enumerate(a.totals["region_code"])}
    lag["_o"] = lag["region_code"].map(order)
    lag["_s"] = lag["status"].map({"missed": 0, "behind": 1, "no_data": 2})
    return lag.sort_values(["_o", "_s", "gap_pp"], na_position="last").drop(columns=["_o", "_s"])


def breakdown_export(a: Assessment) -> pd.DataFrame:
    """The long breakdown as plain columns (CSV/Excel)."""
    return a.breakdown.assign(scheme=a.scheme.code, period=a.period.label)[
        ["scheme", "period", *BREAKDOWN_COLUMNS]
    ]


def unit_detail(a: Assessment, region_code: str, lang: str = "zh") -> pd.DataFrame:
    """One unit's items: area, item, rule, points, score, target, actual, explanation."""
    b = a.breakdown[a.breakdown["region_code"] == region_code]
    return pd.DataFrame(
        {
            t("asm_col_area", lang): b["area"],
            t("asm_col_item", lang): b["item_name"],
            t("asm_col_rule", lang): [t(f"asm_rule_{r}", lang) for r in b["rule"]],
            t("asm_col_points", lang): b["points"],
            t("asm_col_score", lang): b["score"],
            t("asm_col_target", lang): b["target_text"],
            t("asm_col_note", lang): b["note"],
        }
    )
