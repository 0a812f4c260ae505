"""Deterministic demo dataset: monthly county figures for five cities that add up to their published totals."""

from __future__ import annotations

import calendar
import csv
import zlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from lawstats.demo.apportion import _apportion
from lawstats.demo.cities import DEMO_CITIES
from lawstats.demo.published import _DERIVED_ANCHORS, PUBLISHED, PublishedFigure  # noqa: F401
from lawstats.demo.specs import FLOWS, STOCKS
from lawstats.domain.catalog import Indicator, load_catalog
from lawstats.settings import DATA_DIR

_TS, _QZ, _LL, _WN, _DX = DEMO_CITIES  # 天水 泉州 吕梁 渭南 定西
DEMO_FIRST_MONTH: tuple[int, int] = (2019, 1)
DEMO_LAST_MONTH: tuple[int, int] = (2025, 12)
DEFAULT_SEED = 20240101

COLUMNS: tuple[str, ...] = (
    "region_code",
    "period_start",
    "period_end",
    "indicator_code",
    "value",
    "is_approximate",
)


# Resident population (万人) around the 2020 census, per reporting unit; sizes drive every weight.
_UNIT_POPULATION_2020: dict[str, float] = {
    # 天水
    "620502": 62.0, "620503": 54.5, "620521": 24.0, "620522": 46.0, "620523": 47.0,
    "620524": 36.0, "620525": 25.5,
    # 泉州
    "350502": 40.5, "350503": 76.0, "350504": 26.0, "350505": 38.0, "350521": 66.0,
    "350524": 98.0, "350525": 45.0, "350526": 29.0, "350581": 69.0, "350582": 210.0,
    "350583": 154.0, "350599": 30.0,
    # 吕梁
    "141102": 38.0, "141121": 35.0, "141122": 22.0, "141123": 26.0, "141124": 40.0,
    "141125": 31.0, "141126": 10.0, "141127": 15.0, "141128": 12.0, "141129": 14.0,
    "141130": 10.0, "141181": 49.0, "141182": 40.0,
    # 渭南
    "610502": 87.0, "610503": 29.0, "610522": 14.0, "610523": 58.0, "610524": 37.0,
    "610525": 33.0, "610526": 64.0, "610527": 23.0, "610528": 69.0, "610581": 38.0,
    "610582": 23.0,
    # 定西
    "621102": 45.0, "621121": 32.0, "621122": 45.0, "621123": 28.0, "621124": 48.0,
    "621125": 18.0, "621126": 38.0,
}  # fmt: skip
_DEFAULT_UNIT_POPULATION = 30.0
_CITY_POPULATION_GROWTH = {_TS: -0.006, _QZ: 0.004, _LL: -0.008, _WN: -0.007, _DX: -0.007}

# Monthly profiles: disputes peak around Spring Festival (1-2) and in summer; administrative
# work dips in February (holiday) and is pushed through in December; budgets land in lumps.
_SEASONS: dict[str, tuple[float, ...]] = {
    "disputes": (1.30, 1.20, 0.95, 0.90, 0.92, 0.98, 1.10, 1.12, 0.95, 0.88, 0.85, 0.90),
    "admin": (0.90, 0.65, 1.00, 1.02, 1.00, 1.08, 0.95, 0.92, 1.00, 0.98, 1.10, 1.40),
    "budget": (1.50, 0.60, 0.90, 1.00, 0.90, 1.20, 0.85, 0.80, 1.00, 0.85, 0.90, 1.50),
    "festival": (1.60, 1.40, 0.90, 0.85, 0.85, 0.90, 0.90, 0.85, 0.95, 1.00, 0.90, 1.30),
    "steady": (1.00, 0.90, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.05),
}
_COVID_2020 = 0.92  # dispute-type flows were lower in 2020


@dataclass(frozen=True)
class _Spec:
    """How one indicator is generated.

    City-year value = basis × share, where basis is the city population ("pop") or another
    indicator's city-year value, and share follows a trend from the published anchors (or
    from `rate` when nothing was published). `relation` ties the unit-level cells to a
    `parent` indicator: "le" (cell <= parent), "cle" (parent minus a small gap, so <= parent)
    or "ge" (parent plus an extra, so >= parent); stocks may name further ceilings in `also_le`.
    """

    basis: str = "pop"
    rate: float = 1.0
    growth: float = 0.02
    growth_sd: float = 0.015
    noise: float = 0.04
    city_sd: float = 0.15
    lo: float = 0.0
    hi: float = float("inf")
    relation: str | None = None
    parent: str | None = None
    also_le: tuple[str, ...] = ()  # stocks: further indicators each unit's level may not exceed
    season: str = "admin"
    covid: bool = False
    weight_exp: float = 1.0
    unit_sd: float = 0.25
    gap_units: int = 0  # "cle" only: concentrate the gap in this many units a year (0 = all)
    overrides: dict[str, tuple[int, float]] = field(default_factory=dict)  # city -> (year, value)


_FLOW_SPECS: dict[str, _Spec] = {
    "mediation_cases": _Spec(rate=30.0, growth=0.03, season="disputes", covid=True, city_sd=0.3),
    "mediation_success": _Spec(
        basis="mediation_cases", rate=0.975, growth=0.001, growth_sd=0.001, noise=0.004,
        city_sd=0.01, lo=0.95, hi=0.997, relation="cle", parent="mediation_cases", unit_sd=0.4,
    ),
    "disputes_screened": _Spec(
        basis="mediation_cases", rate=1.08, growth=0.0, growth_sd=0.01, noise=0.02,
        city_sd=0.05, lo=1.0, hi=1.4, relation="ge", parent="mediation_cases", season="disputes",
    ),
    "judicial_confirmations": _Spec(
        basis="mediation_cases", rate=0.06, growth=0.04, noise=0.05, city_sd=0.25, hi=0.25,
        relation="le", parent="mediation_success", unit_sd=0.3,
    ),
    "prelitigation_cases": _Spec(rate=10.0, growth=0.10, growth_sd=0.03, season="disputes", covid=True),
    "prevented_escalations": _Spec(rate=0.12, growth=0.0, noise=0.1, season="disputes"),
    "mediation_funding": _Spec(rate=0.65, growth=0.03, noise=0.03, season="budget"),
    "office_budget": _Spec(rate=1.35, growth=0.03, noise=0.03, season="budget"),
    "released_total": _Spec(rate=2.3, growth=-0.02, noise=0.05, season="steady"),
    "released_handed_over": _Spec(
        basis="released_total", rate=0.997, growth=0.0, growth_sd=0.0, noise=0.002, city_sd=0.002,
        lo=0.99, hi=1.0, relation="cle", parent="released_total", unit_sd=0.0, gap_units=2,
    ),
    "released_visits": _Spec(rate=20.0, growth=0.02, season="festival"),
    "released_subsistence": _Spec(rate=0.1, growth=0.0, noise=0.1, season="festival"),
    "released_relief": _Spec(rate=0.025, growth=0.0, noise=0.15, season="festival"),
    "released_placement": _Spec(rate=0.09, growth=0.0, noise=0.1, season="festival"),
    "released_jobs": _Spec(rate=0.15, growth=0.02, noise=0.1, season="festival"),
    "assessors_selected": _Spec(rate=1.9, growth=0.0, noise=0.12),
    "supervisor_dispatches": _Spec(rate=0.9, growth=0.04, noise=0.06),
    "supervisor_activities": _Spec(
        basis="supervisor_dispatches", rate=2.4, growth=0.01, noise=0.04, lo=1.5, hi=4.0
    ),
    "reconsideration_accepted": _Spec(rate=0.35, growth=0.05, noise=0.08, season="steady"),
    "reconsideration_closed": _Spec(
        basis="reconsideration_accepted", rate=0.88, growth=0.0, noise=0.03, city_sd=0.05,
        lo=0.6, hi=1.0, relation="le", parent="reconsideration_accepted", unit_sd=0.1,
    ),
    "reconsideration_mediated": _Spec(
        basis="reconsideration_accepted", rate=0.3, growth=0.02, noise=0.06, city_sd=0.2,
        lo=0.05, hi=0.6, relation="le", parent="reconsideration_closed", unit_sd=0.2,
    ),
    "legal_aid_cases": _Spec(rate=8.0, growth=0.04, noise=0.04),
}  # fmt: skip

_STOCK_SPECS: dict[str, _Spec] = {
    "office_count": _Spec(
        rate=0.45, growth=0.0, growth_sd=0.004, noise=0.0, weight_exp=0.5, unit_sd=0.1,
        overrides={_TS: (2024, 120), _LL: (2024, 152)},
    ),
    "office_staff": _Spec(basis="office_count", rate=3.6, growth=0.04, noise=0.01, unit_sd=0.1),
    "office_quota": _Spec(
        basis="office_count", rate=2.5, growth=0.01, noise=0.005, city_sd=0.06, unit_sd=0.1
    ),
    "office_quota_used": _Spec(
        basis="office_quota", rate=0.85, growth=0.01, noise=0.01, city_sd=0.05, lo=0.6, hi=1.0,
        relation="le", parent="office_quota", also_le=("office_staff",), unit_sd=0.1,
    ),
    "office_fully_staffed": _Spec(
        basis="office_count", rate=0.8, growth=0.03, noise=0.01, city_sd=0.08, lo=0.3, hi=0.98,
        relation="le", parent="office_count", unit_sd=0.1,
    ),
    "office_one_person": _Spec(
        basis="office_count", rate=0.05, growth=-0.12, growth_sd=0.02, noise=0.0, city_sd=0.2,
        hi=0.3, relation="le", parent="office_count", unit_sd=0.3,
    ),
    "office_floor_area": _Spec(basis="office_count", rate=88.0, growth=0.04, noise=0.01, unit_sd=0.15),
    "office_over_120sqm": _Spec(
        basis="office_count", rate=0.35, growth=0.05, noise=0.0, city_sd=0.15, hi=0.9,
        relation="le", parent="office_count", unit_sd=0.2,
    ),
    "office_model": _Spec(
        basis="office_count", rate=0.07, growth=0.12, growth_sd=0.02, noise=0.0, city_sd=0.15,
        hi=0.3, relation="le", parent="office_count", unit_sd=0.3,
    ),
    "mediation_orgs": _Spec(
        rate=8.5, growth=0.01, growth_sd=0.005, noise=0.003, weight_exp=0.7, unit_sd=0.12,
        overrides={_TS: (2024, 2650), _WN: (2024, 2450)},
    ),
    "mediation_orgs_sector": _Spec(
        basis="mediation_orgs", rate=0.035, growth=0.06, noise=0.0, city_sd=0.2, hi=0.1,
        relation="le", parent="mediation_orgs", unit_sd=0.3,
    ),
    "mediation_studios": _Spec(rate=0.4, growth=0.10, growth_sd=0.02, noise=0.0, city_sd=0.2),
    "mediators": _Spec(basis="mediation_orgs", rate=4.0, growth=0.02, noise=0.005, unit_sd=0.1),
    "mediators_fulltime": _Spec(
        rate=2.2, growth=0.05, noise=0.01, relation="le", parent="mediators", unit_sd=0.2,
    ),
    "law_ambassadors": _Spec(rate=60.0, growth=0.12, growth_sd=0.02, noise=0.01),
    "village_legal_advisers": _Spec(
        basis="mediation_orgs", rate=0.9, growth=0.003, noise=0.0, city_sd=0.03, lo=0.5, hi=0.96,
        relation="le", parent="mediation_orgs", unit_sd=0.05,
    ),
}  # fmt: skip

_DEFAULT_FLOW = _Spec(rate=1.0)
_DEFAULT_STOCK = _Spec(rate=1.0, noise=0.01)
_REF_YEAR = 2024


# --------------------------------------------------------------------------- reporting units


@lru_cache(maxsize=1)
def _unit_table() -> tuple[dict[str, str], dict[str, str]]:
    """(unit code -> parent city code, unit code -> name) for every county-level unit that reports."""
    parents: dict[str, str] = {}
    names: dict[str, str] = {}
    with (DATA_DIR / "regions_2024.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["level"].strip() == "county":
                parents[r["code"].strip()] = (r.get("parent_code") or "").strip()
                names[r["code"].strip()] = r["name"].strip()
    with (DATA_DIR / "reporting_units.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = r["code"].strip()
            if r["level"].strip() != "county":
                continue
            if (r.get("reports") or "yes").strip().lower() == "no":
                parents.pop(code, None)
                names.pop(code, None)
            else:
                parents[code] = (r.get("parent_code") or "").strip()
                names[code] = r["name"].strip()
    return parents, names


def demo_units() -> dict[str, tuple[str, ...]]:
    """Reporting units (county-level codes, sorted) of each demo city."""
    parents, _ = _unit_table()
    return {
        city: tuple(sorted(code for code, parent in parents.items() if parent == city))
        for city in DEMO_CITIES
    }


# --------------------------------------------------------------------------- generation


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _key(code: str) -> int:
    return zlib.crc32(code.encode("utf-8"))


def _scale(ind: Indicator) -> int:
    """Integer resolution used while generating: cents for 万元, hundredths for 万人."""
    return 100 if ind.unit in ("万元", "万人") else 1


def _spec(ind: Indicator) -> _Spec:
    specs = _FLOW_SPECS if ind.kind == "flow" else _STOCK_SPECS
    if ind.code in specs:
        return specs[ind.code]
    second = (FLOWS if ind.kind == "flow" else STOCKS).get(ind.code)  # lawstats/demo/specs.py
    if second is not None:
        return _Spec(**second)
    whole = _whole_of(ind.code)
    if whole is not None:  # a part (data/indicator_parts.csv) or a ratio's numerator stays below
        if (
            load_catalog().get(whole).kind != ind.kind
        ):  # a flow of a stock (重新犯罪 / 在册): a trickle
            return _Spec(basis=whole, rate=0.01, growth=0.0, noise=0.05, city_sd=0.1)
        return _Spec(
            basis=whole, rate=0.2, growth=0.0, noise=0.05, city_sd=0.1, hi=0.9,
            relation="le", parent=whole,
        )  # fmt: skip
    return _DEFAULT_FLOW if ind.kind == "flow" else _DEFAULT_STOCK


@lru_cache(maxsize=256)
def _whole_of(code: str) -> str | None:
    """The indicator `code` may never exceed: its whole, or its ratio's denominator."""
    catalog = load_catalog()
    if code in catalog.parts:
        return catalog.parts[code]
    return next((i.denominator for i in catalog if i.is_ratio and i.numerator == code), None)


def _generation_order(indicators: list[Indicator]) -> list[Indicator]:
    """Indicators ordered so that every basis and parent comes before the indicators using it."""
    by_code = {i.code: i for i in indicators}
    done: list[Indicator] = []
    seen: set[str] = set()

    def visit(ind: Indicator) -> None:
        if ind.code in seen:
            return
        seen.add(ind.code)
        spec = _spec(ind)
        for dep in (spec.basis, spec.parent, *spec.also_le):
            if dep and dep in by_code and dep != "pop":
                visit(by_code[dep])
        done.append(ind)

    for ind in indicators:
        visit(ind)
    return done


def _anchors() -> dict[tuple[str, str], dict[int, float]]:
    """(city, indicator) -> {year: published value} for every non-ratio figure, plus derived ones."""
    catalog = load_catalog()
    out: dict[tuple[str, str], dict[int, float]] = {}
    for fig in PUBLISHED:
        if fig.indicator_code in catalog and not catalog.get(fig.indicator_code).is_ratio:
            out.setdefault((fig.city_code, fig.indicator_code), {})[fig.year] = fig.value
    for (city, year, code), value in _DERIVED_ANCHORS.items():
        out.setdefault((city, code), {})[year] = value
    return out


def _city_series(
    spec: _Spec,
    years: np.ndarray,
    basis: np.ndarray,
    anchors: dict[int, int],
    rng: np.random.Generator,
    reference: tuple[int, float] | None = None,
) -> np.ndarray:
    """City-year integer values: anchored years exact, others trended from the anchors.

    Without anchors the level at `reference` (year, value), or else `spec.rate` × a random
    city factor at the reference year, sets the share of the basis; other years follow the
    trend with a little noise.
    """
    growth = spec.growth + rng.normal(0.0, spec.growth_sd) if spec.growth_sd else spec.growth
    noise = rng.normal(0.0, spec.noise, size=years.size) if spec.noise else np.zeros(years.size)
    city_factor = float(np.exp(rng.normal(0.0, spec.city_sd))) if spec.city_sd else 1.0

    def basis_at(year: int) -> float:
        return float(basis[int(np.searchsorted(years, year))])

    if anchors:
        points = {y: v / basis_at(y) if basis_at(y) > 0 else 0.0 for y, v in anchors.items()}
    elif reference is not None:
        points = {reference[0]: reference[1] / max(basis_at(reference[0]), 1e-9)}
    else:
        points = {_REF_YEAR: spec.rate * city_factor}
    known = sorted(points)
    out = np.zeros(years.size, dtype=np.int64)
    for i, y in enumerate(years.tolist()):
        if y in anchors:
            out[i] = int(round(anchors[y]))
            continue
        if y in points:
            share = points[y]
        elif y < known[0]:
            share = points[known[0]] * (1 + growth) ** (y - known[0])
        elif y > known[-1]:
            share = points[known[-1]] * (1 + growth) ** (y - known[-1])
        else:
            lo_y = max(k for k in known if k < y)
            hi_y = min(k for k in known if k > y)
            t = (y - lo_y) / (hi_y - lo_y)
            a, b = max(points[lo_y], 1e-9), max(points[hi_y], 1e-9)
            share = a * (b / a) ** t
        share *= float(np.exp(noise[i]))
        if spec.covid and y == 2020:
            share *= _COVID_2020
        share = min(max(share, spec.lo), spec.hi)
        out[i] = max(0, int(round(basis[i] * share)))
    return out


def _unit_population(
    units: tuple[str, ...], names: dict[str, str], city: str, years: np.ndarray, seed: int
) -> np.ndarray:
    """Per unit and year (December), population in hundredths of 万人 (integers)."""
    rng = _rng(seed, _key(city), _key("population"), 0)
    city_growth = _CITY_POPULATION_GROWTH.get(city, 0.0)
    out = np.zeros((len(units), years.size), dtype=np.int64)
    for u, code in enumerate(units):
        base = _UNIT_POPULATION_2020.get(code, _DEFAULT_UNIT_POPULATION)
        urban = 0.006 if names.get(code, "").endswith("区") else -0.002
        g = city_growth + urban + rng.normal(0.0, 0.002)
        out[u] = np.round(base * (1 + g) ** (years - 2020) * 100).astype(np.int64)
    return out


def _generate_city(
    city: str,
    ci: int,
    units: tuple[str, ...],
    names: dict[str, str],
    indicators: list[Indicator],
    anchors: dict[tuple[str, str], dict[int, float]],
    seed: int,
) -> dict[str, np.ndarray]:
    """Monthly integer cells (units × months) for every flow and stock indicator of one city."""
    y0, y1 = DEMO_FIRST_MONTH[0], DEMO_LAST_MONTH[0]
    flow_years = np.arange(y0, y1 + 1)
    stock_years = np.arange(y0 - 1, y1 + 1)  # the previous December starts January's level
    n_units, n_years = len(units), flow_years.size
    n_months = 12 * n_years

    pop_units = _unit_population(units, names, city, stock_years, seed)  # hundredths
    pop_city = pop_units.sum(axis=0) / 100.0  # 万人, over stock_years
    pop_ref = pop_units[:, list(stock_years).index(min(_REF_YEAR, y1))] / 100.0

    city_values: dict[str, np.ndarray] = {}  # code -> city-year integers (own years)
    flow_cells: dict[str, np.ndarray] = {}  # code -> (units, months)
    stock_dec: dict[str, np.ndarray] = {}  # code -> (units, stock_years)
    kinds = {i.code: i.kind for i in indicators}

    def basis_for(spec: _Spec, years: np.ndarray) -> np.ndarray:
        if spec.basis == "pop" or spec.basis not in city_values:
            return pop_city[np.searchsorted(stock_years, years)]
        src_years = stock_years if kinds[spec.basis] == "stock" else flow_years
        values = city_values[spec.basis].astype(float)
        idx = np.clip(np.searchsorted(src_years, years), 0, src_years.size - 1)
        return values[idx]

    for ind in indicators:
        if ind.code == "population":
            stock_dec[ind.code] = pop_units
            city_values[ind.code] = pop_units.sum(axis=0)
            continue
        spec = _spec(ind)
        scale = _scale(ind)
        k = _key(ind.code)
        rng_city, rng_units = _rng(seed, ci, k, 1), _rng(seed, ci, k, 2)
        years = flow_years if ind.kind == "flow" else stock_years
        own = {y: v * scale for y, v in anchors.get((city, ind.code), {}).items()}
        reference = None
        if city in spec.overrides:
            ref_year, ref_value = spec.overrides[city]
            reference = (ref_year, ref_value * scale)
        values = _city_series(spec, years, basis_for(spec, years) * scale, own, rng_city, reference)
        parent = spec.parent if spec.parent in city_values else None
        if parent is not None:
            pv = city_values[parent]
            if kinds[parent] != ind.kind:
                raise ValueError(f"{ind.code}: parent {parent} has another kind")
            anchored = np.isin(years, list(own))
            if spec.relation in ("le", "cle"):
                if np.any(anchored & (values > pv)):
                    raise ValueError(f"{city} {ind.code}: published value exceeds {parent}")
                values = np.where(anchored, values, np.minimum(values, pv))
            elif spec.relation == "ge":
                if np.any(anchored & (values < pv)):
                    raise ValueError(f"{city} {ind.code}: published value below {parent}")
                values = np.where(anchored, values, np.maximum(values, pv))
        ceilings = [c for c in spec.also_le if c in stock_dec] if ind.kind == "stock" else []
        if parent is not None and ceilings and spec.relation == "le":
            # The sum of the units' tightest ceilings bounds the city value.
            unit_caps = np.minimum.reduce([stock_dec[c] for c in (parent, *ceilings)])
            cap_city = unit_caps.sum(axis=0)
            anchored = np.isin(years, list(own))
            if np.any(anchored & (values > cap_city)):
                raise ValueError(f"{city} {ind.code}: published value exceeds its ceilings")
            values = np.where(anchored, values, np.minimum(values, cap_city))
        city_values[ind.code] = values
        unit_factor = (
            np.exp(rng_units.normal(0.0, spec.unit_sd, size=n_units))
            if spec.unit_sd
            else np.ones(n_units)
        )

        if ind.kind == "flow":
            cells = np.zeros((n_units, n_months), dtype=np.int64)
            season = np.asarray(_SEASONS.get(spec.season, _SEASONS["admin"]))
            size = pop_ref**spec.weight_exp * unit_factor
            for t, total in enumerate(values):
                sl = slice(12 * t, 12 * t + 12)
                jitter = np.exp(rng_units.normal(0.0, 0.08, size=(n_units, 1)))
                month_noise = np.exp(rng_units.normal(0.0, 0.10, size=(n_units, 12)))
                generic = size[:, None] * jitter * season[None, :] * month_noise
                total = int(total)
                if parent is None:
                    cells[:, sl] = _apportion(total, generic)
                    continue
                pc = flow_cells[parent][:, sl]
                if spec.relation == "le":
                    cells[:, sl] = _apportion(total, pc * unit_factor[:, None], caps=pc)
                elif spec.relation == "ge":
                    cells[:, sl] = pc + _apportion(total - int(pc.sum()), generic)
                elif spec.relation == "cle":
                    gap = int(pc.sum()) - total
                    mask = np.ones(n_units)
                    if spec.gap_units:
                        # Larger units are likelier to have the year's few misses.
                        size_p = pc.sum(axis=1) / max(int(pc.sum()), 1)
                        n_pick = min(spec.gap_units, int((size_p > 0).sum()))
                        pick = rng_units.choice(n_units, size=n_pick, replace=False, p=size_p)
                        mask = np.zeros(n_units)
                        mask[pick] = 1.0
                        if int(pc[pick].sum()) < gap:
                            mask[:] = 1.0
                    caps = (pc * (mask[:, None] > 0)).astype(np.int64)
                    weights = pc * unit_factor[:, None] * mask[:, None]
                    cells[:, sl] = pc - _apportion(gap, weights, caps=caps)
                else:
                    raise ValueError(f"{ind.code}: unknown relation {spec.relation!r}")
            flow_cells[ind.code] = cells
        else:
            dec = np.zeros((n_units, stock_years.size), dtype=np.int64)
            for j, total in enumerate(values):
                if parent is not None and spec.relation == "le":
                    caps = np.minimum.reduce([stock_dec[c][:, j] for c in (parent, *ceilings)])
                    dec[:, j] = _apportion(int(total), caps * unit_factor, caps=caps)
                    continue
                if parent is not None:
                    raise ValueError(f"{ind.code}: stocks support only the 'le' relation")
                if spec.basis != "pop" and spec.basis in stock_dec:
                    base = stock_dec[spec.basis][:, j].astype(float)
                else:
                    base = pop_ref**spec.weight_exp
                dec[:, j] = _apportion(int(total), base * unit_factor)
            stock_dec[ind.code] = dec

    # Stocks: each unit updates its ledger one to three times a year; between updates the level holds.
    rng_sched = _rng(seed, ci, 0, 3)
    schedule = []
    for _u in range(n_units):
        row = []
        for _t in range(n_years):
            k = int(rng_sched.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))
            row.append(np.sort(rng_sched.choice(12, size=k, replace=False)))
        schedule.append(row)
    month_idx = np.arange(12)
    stock_paths: dict[str, np.ndarray] = {}
    for ind in indicators:
        if ind.kind != "stock":
            continue
        dec = stock_dec[ind.code]
        rng_path = _rng(seed, ci, _key(ind.code), 4)
        path = np.zeros((n_units, n_months), dtype=np.int64)
        for u in range(n_units):
            for t in range(n_years):
                months = schedule[u][t]
                if ind.code == "population":
                    fr = np.zeros(months.size)
                    fr[0] = 1.0
                else:
                    fr = rng_path.dirichlet(np.ones(months.size))
                cum = np.cumsum(fr)
                cum[-1] = 1.0
                pos = np.searchsorted(months, month_idx, side="right")  # updates done by month m
                cumfrac = np.where(pos > 0, cum[np.maximum(pos - 1, 0)], 0.0)
                prev, cur = dec[u, t], dec[u, t + 1]
                level = prev + np.round((cur - prev) * cumfrac).astype(np.int64)
                level[month_idx >= months[-1]] = cur
                path[u, 12 * t : 12 * t + 12] = level
        spec = _spec(ind)
        if spec.relation == "le":
            for ceiling in (spec.parent, *spec.also_le):
                if ceiling in stock_paths:
                    path = np.minimum(path, stock_paths[ceiling])
        stock_paths[ind.code] = path

    return {**flow_cells, **stock_paths}


def generate_demo_facts(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Monthly county facts for the demo cities, 2019-01..2025-12, flows and stocks only (no ratios).

    Deterministic for a given seed. City totals (flows: sum of units and months; stocks: sum
    of units' December levels) equal every figure in `PUBLISHED`; rows of a city-indicator-year
    published as approximate ("4000余") carry is_approximate=True.
    """
    catalog = load_catalog()
    indicators = [i for i in catalog if i.kind in ("flow", "stock")]
    ordered = _generation_order(indicators)
    anchors = _anchors()
    _, names = _unit_table()
    units_by_city = demo_units()
    approx = {(f.city_code, f.indicator_code, f.year) for f in PUBLISHED if f.is_approximate}

    y0, y1 = DEMO_FIRST_MONTH[0], DEMO_LAST_MONTH[0]
    months = [(y, m) for y in range(y0, y1 + 1) for m in range(1, 13)]
    months = [ym for ym in months if DEMO_FIRST_MONTH <= ym <= DEMO_LAST_MONTH]
    if len(months) != 12 * (y1 - y0 + 1):
        raise ValueError("the demo period must cover whole calendar years")
    starts = np.array([date(y, m, 1) for y, m in months], dtype=object)
    ends = np.array([date(y, m, calendar.monthrange(y, m)[1]) for y, m in months], dtype=object)
    month_years = np.array([y for y, _ in months])
    n_months = len(months)
    n_ind = len(indicators)
    scales = np.array([_scale(i) for i in indicators], dtype=float)
    codes = np.array([i.code for i in indicators], dtype=object)

    regions, values, flags = [], [], []
    for ci, city in enumerate(DEMO_CITIES):
        units = units_by_city[city]
        cells = _generate_city(city, ci, units, names, ordered, anchors, seed)
        block = np.stack([cells[i.code] for i in indicators], axis=1)  # units × indicators × months
        values.append(np.round(block / scales[None, :, None], 2))
        flag = np.zeros(block.shape, dtype=bool)
        for k, ind in enumerate(indicators):
            for year in {y for c, code, y in approx if c == city and code == ind.code}:
                flag[:, k, month_years == year] = True
        flags.append(flag)
        regions.append(np.repeat(np.array(units, dtype=object), n_ind * n_months))

    n_units_total = sum(len(r) for r in regions) // (n_ind * n_months)
    value = np.concatenate([v.ravel() for v in values]).astype(float)
    frame = pd.DataFrame(
        {
            "region_code": np.concatenate(regions),
            "period_start": np.tile(starts, n_units_total * n_ind),
            "period_end": np.tile(ends, n_units_total * n_ind),
            "indicator_code": np.tile(np.repeat(codes, n_months), n_units_total),
            "value": value,
            "is_approximate": np.concatenate([f.ravel() for f in flags]),
        }
    )
    frame["region_code"] = frame["region_code"].astype(str)
    frame["indicator_code"] = frame["indicator_code"].astype(str)
    return frame


# --------------------------------------------------------------------------- checking helpers


def city_total(facts: pd.DataFrame, city_code: str, year: int, indicator_code: str) -> float:
    """A city's figure for a calendar year from monthly unit facts, rounded to the indicator's decimals.

    Flows: sum over units and months; stocks: sum of the units' December levels; ratios:
    numerator / denominator × 100 of those totals (0.0 when the denominator is zero).
    """
    ind = load_catalog().get(indicator_code)
    if ind.is_ratio:
        num = city_total(facts, city_code, year, ind.numerator or "")
        den = city_total(facts, city_code, year, ind.denominator or "")
        return round(num / den * 100, ind.decimals) if den else 0.0
    parents, _ = _unit_table()
    units = [code for code, parent in parents.items() if parent == city_code]
    rows = facts[facts["region_code"].isin(units) & (facts["indicator_code"] == indicator_code)]
    last_month = 12 if ind.kind == "stock" else None
    keep = [
        d.year == year and (last_month is None or d.month == last_month)
        for d in rows["period_start"]
    ]
    return round(float(rows.loc[keep, "value"].sum()), ind.decimals)
