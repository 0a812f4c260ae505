"""The indicator catalog: codes, names, units, kinds and header spellings, read from data/indicators.csv,
with the words the header grammar reads them by: each group's context words
(data/indicator_groups.csv), the grammar's own words (data/header_terms.csv), the breakdown
members (data/dimensions.csv) and which indicator is a part of which (data/indicator_parts.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from lawstats.settings import DATA_DIR

CATALOG_PATH = DATA_DIR / "indicators.csv"
GROUPS_PATH = DATA_DIR / "indicator_groups.csv"
TERMS_PATH = DATA_DIR / "header_terms.csv"
DIMENSIONS_PATH = DATA_DIR / "dimensions.csv"
PARTS_PATH = DATA_DIR / "indicator_parts.csv"
DIMENSION_NAMES_PATH = DATA_DIR / "dimension_names.csv"
# A breakdown member's figure has its own code, indicator.dimension.member
# (mediation_cases.dispute_type.marriage_family): indicator codes are snake_case, so the dots
# split it back; the total keeps the indicator's code.
FIGURE_SEP = "."
# What a grammar word does to a header (data/header_terms.csv): neutral words change nothing
# (数, 合计, 本年, 开展); narrowing ones make a part (规范化, 乡镇, 专职, 涉及, 培训); change ones
# an addition in the period (新设, 新增); rate ones a ratio (率, 占比); measure ones say what was
# done but not to whose cases (受理, 办结, 维持): a spelling made of them needs its group's context;
# filler ones are dropped before matching (调解各类民间纠纷 = 调解民间纠纷).
TERM_ROLES = ("neutral", "narrowing", "change", "rate", "measure", "filler")

KINDS = ("flow", "stock", "ratio")
BETTER = ("up", "down", "none")


class CatalogError(ValueError):
    """The catalog file is malformed (bad kind, dangling numerator, duplicate code...)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str  # flow | stock | ratio
    numerator: str | None
    denominator: str | None
    better: str  # up | down | none
    group: str
    header_spellings: tuple[str, ...]
    decimals: int
    definition_zh: str
    definition_en: str

    @property
    def is_ratio(self) -> bool:
        return self.kind == "ratio"

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    def definition(self, lang: str = "zh") -> str:
        return self.definition_en if lang == "en" else self.definition_zh


@dataclass(frozen=True)
class Group:
    code: str
    name_zh: str
    name_en: str
    sort: int
    # words that name the group's subject in a title, sheet name or header (法律援助, 行政复议)
    context_words: tuple[str, ...] = ()

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Member:
    """A member of a breakdown (dimension) that real tables report under an indicator:
    婚姻家庭纠纷 of dispute_type under mediation_cases."""

    dimension: str
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    applies_to: tuple[str, ...]


def figure_code(indicator: str, dimension: str, member: str) -> str:
    """The code of a breakdown member's figure: mediation_cases.dispute_type.marriage_family."""
    return FIGURE_SEP.join((indicator, dimension, member))


def split_figure(code: str) -> tuple[str, str, str]:
    """(indicator, dimension, member) of a figure code; ('', '') for the total."""
    parts = code.split(FIGURE_SEP)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return code, "", ""


class Catalog:
    """All indicators, in file order, with lookups by code and by group, and the vocabulary the
    header grammar reads headers with (terms, members, parts).

    A breakdown member's figure (figure_code) is found by get() and `in` like an indicator, with
    its indicator's kind, unit and group, but is not one of `indicators`: the lists, groups and
    templates hold the totals only."""

    def __init__(
        self,
        indicators: list[Indicator],
        groups: list[Group],
        terms: dict[str, str] | None = None,
        members: list[Member] | None = None,
        parts: dict[str, str] | None = None,
        dimension_names: dict[str, tuple[str, str]] | None = None,
    ):
        self.indicators = indicators
        self.groups = sorted(groups, key=lambda g: g.sort)
        self._by_code = {i.code: i for i in indicators}
        self.terms = dict(terms or {})  # word -> one of TERM_ROLES
        self.members = list(members or [])
        self.parts = dict(parts or {})  # part code -> whole code
        self.dimension_names = dict(dimension_names or {})  # dimension -> (zh, en)
        self._validate()
        self._figures = {
            figure_code(code, m.dimension, m.code): _member_figure(self._by_code[code], m)
            for m in self.members
            for code in m.applies_to
        }

    def _validate(self) -> None:
        if len(self._by_code) != len(self.indicators):
            raise CatalogError("duplicate indicator code in catalog")
        group_codes = {g.code for g in self.groups}
        for ind in self.indicators:
            if ind.kind not in KINDS:
                raise CatalogError(f"{ind.code}: kind must be one of {KINDS}, got {ind.kind!r}")
            if ind.better not in BETTER:
                raise CatalogError(
                    f"{ind.code}: better must be one of {BETTER}, got {ind.better!r}"
                )
            if ind.group not in group_codes:
                raise CatalogError(f"{ind.code}: unknown group {ind.group!r}")
            if ind.is_ratio:
                # each part rolls up by its own kind before the rate is recomputed: a flow
                # over the period (重新犯罪人数), a stock at its end (在册人数)
                for part in (ind.numerator, ind.denominator):
                    if part not in self._by_code or self._by_code[part].kind == "ratio":
                        raise CatalogError(
                            f"{ind.code}: numerator/denominator {part!r} must be a flow or "
                            "stock code"
                        )
        for word, role in self.terms.items():
            if role not in TERM_ROLES:
                raise CatalogError(f"header term {word!r}: role must be one of {TERM_ROLES}")
        for part, whole in self.parts.items():
            if part not in self._by_code or whole not in self._by_code:
                raise CatalogError(f"indicator_parts: unknown code in {part!r} -> {whole!r}")
        seen: set[tuple[str, str]] = set()
        for m in self.members:
            if (m.dimension, m.code) in seen:
                raise CatalogError(f"dimensions: duplicate member {m.dimension}.{m.code}")
            seen.add((m.dimension, m.code))
            for code in m.applies_to:
                if code not in self._by_code or self._by_code[code].is_ratio:
                    raise CatalogError(
                        f"dimensions: {m.dimension}.{m.code} applies to {code!r}, which is "
                        "not a flow or stock code"
                    )

    def __contains__(self, code: object) -> bool:
        return code in self._by_code or code in self._figures

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, code: str) -> Indicator:
        found = self._by_code.get(code) or self._figures.get(code)
        if found is None:
            raise KeyError(f"unknown indicator code {code!r}")
        return found

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def group(self, code: str) -> Group:
        for g in self.groups:
            if g.code == code:
                return g
        raise KeyError(code)

    def in_group(self, group: str) -> list[Indicator]:
        return [i for i in self.indicators if i.group == group]

    @property
    def member_figures(self) -> list[Indicator]:
        """Every breakdown member's figure (figure_code), in file order."""
        return list(self._figures.values())

    @property
    def codes_with_members(self) -> list[str]:
        """Every indicator's code followed by its breakdown members' figure codes (the pickers of
        the one-indicator pages: a member ranks and trends like any figure)."""
        members: dict[str, list[str]] = {}
        for f in self._figures.values():
            members.setdefault(split_figure(f.code)[0], []).append(f.code)
        return [c for i in self.indicators for c in (i.code, *members.get(i.code, ()))]

    def member(self, code: str) -> Member | None:
        """The breakdown member a figure code names; None for a total."""
        _ind, dim, code = split_figure(code)
        return next((m for m in self.members if (m.dimension, m.code) == (dim, code)), None)

    def breakdowns_of(self, code: str) -> dict[str, list[Member]]:
        """The breakdowns an indicator is reported by, each with its members in file order."""
        out: dict[str, list[Member]] = {}
        for m in self.members:
            if code in m.applies_to:
                out.setdefault(m.dimension, []).append(m)
        return out

    def dimension_name(self, dimension: str, lang: str = "zh") -> str:
        zh, en = self.dimension_names.get(dimension, (dimension, dimension))
        return en if lang == "en" else zh

    def ratios_using(self, code: str) -> list[Indicator]:
        """Ratio indicators whose numerator or denominator is `code`."""
        return [i for i in self.indicators if i.is_ratio and code in (i.numerator, i.denominator)]


def _read_indicators(path: Path) -> list[Indicator]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        out.append(
            Indicator(
                code=r["code"].strip(),
                name_zh=r["name_zh"].strip(),
                name_en=r["name_en"].strip(),
                unit=r["unit"].strip(),
                kind=r["kind"].strip(),
                numerator=(r.get("numerator") or "").strip() or None,
                denominator=(r.get("denominator") or "").strip() or None,
                better=(r.get("better") or "none").strip(),
                group=r["group"].strip(),
                header_spellings=tuple(
                    s.strip() for s in (r.get("header_spellings") or "").split("|") if s.strip()
                ),
                decimals=int((r.get("decimals") or "0").strip() or 0),
                definition_zh=(r.get("definition_zh") or "").strip(),
                definition_en=(r.get("definition_en") or "").strip(),
            )
        )
    return out


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in (text or "").split("|") if s.strip())


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read_groups(path: Path) -> list[Group]:
    return [
        Group(
            r["group"], r["name_zh"], r["name_en"], int(r["sort"]), _split(r.get("context_words"))
        )
        for r in _rows(path)
    ]


def _read_terms(path: Path) -> dict[str, str]:
    return {r["term"].strip(): r["role"].strip() for r in _rows(path) if r["term"].strip()}


def _read_members(path: Path) -> list[Member]:
    return [
        Member(
            r["dimension"].strip(),
            r["member"].strip(),
            r["name_zh"].strip(),
            r["name_en"].strip(),
            _split(r.get("aliases")),
            _split(r.get("applies_to")),
        )
        for r in _rows(path)
    ]


def _member_figure(ind: Indicator, m: Member) -> Indicator:
    """A member's figure: its indicator's kind, unit and group, under the member's names."""
    return replace(
        ind,
        code=figure_code(ind.code, m.dimension, m.code),
        name_zh=f"{ind.name_zh}：{m.name_zh}",
        name_en=f"{ind.name_en}: {m.name_en}",
        header_spellings=(),
    )


def _read_dimension_names(path: Path) -> dict[str, tuple[str, str]]:
    return {
        r["dimension"].strip(): (r["name_zh"].strip(), r["name_en"].strip()) for r in _rows(path)
    }


def _read_parts(path: Path) -> dict[str, str]:
    return {r["part"].strip(): r["whole"].strip() for r in _rows(path)}


def read_catalog(
    path: Path = CATALOG_PATH,
    groups_path: Path = GROUPS_PATH,
    *,
    terms_path: Path = TERMS_PATH,
    dimensions_path: Path = DIMENSIONS_PATH,
    parts_path: Path = PARTS_PATH,
    dimension_names_path: Path = DIMENSION_NAMES_PATH,
) -> Catalog:
    return Catalog(
        _read_indicators(path),
        _read_groups(groups_path),
        _read_terms(terms_path),
        _read_members(dimensions_path),
        _read_parts(parts_path),
        _read_dimension_names(dimension_names_path),
    )


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The project's catalog (cached: it is a data file that changes only with a release or edit)."""
    return read_catalog()
