"""The indicator catalog: codes, names, units, kinds and header spellings, read from data/indicators.csv,
with the words the header grammar reads them by: each group's context words
(data/indicator_groups.csv), the grammar's own words (data/header_terms.csv), the breakdown
members (data/dimensions.csv) and which indicator is a part of which (data/indicator_parts.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lawstats.settings import DATA_DIR

CATALOG_PATH = DATA_DIR / "indicators.csv"
GROUPS_PATH = DATA_DIR / "indicator_groups.csv"
TERMS_PATH = DATA_DIR / "header_terms.csv"
DIMENSIONS_PATH = DATA_DIR / "dimensions.csv"
PARTS_PATH = DATA_DIR / "indicator_parts.csv"
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


class Catalog:
    """All indicators, in file order, with lookups by code and by group, and the vocabulary the
    header grammar reads headers with (terms, members, parts)."""

    def __init__(
        self,
        indicators: list[Indicator],
        groups: list[Group],
        terms: dict[str, str] | None = None,
        members: list[Member] | None = None,
        parts: dict[str, str] | None = None,
    ):
        self.indicators = indicators
        self.groups = sorted(groups, key=lambda g: g.sort)
        self._by_code = {i.code: i for i in indicators}
        self.terms = dict(terms or {})  # word -> one of TERM_ROLES
        self.members = list(members or [])
        self.parts = dict(parts or {})  # part code -> whole code
        self._validate()

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

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, code: str) -> Indicator:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown indicator code {code!r}") from None

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


def _read_parts(path: Path) -> dict[str, str]:
    return {r["part"].strip(): r["whole"].strip() for r in _rows(path)}


def read_catalog(
    path: Path = CATALOG_PATH,
    groups_path: Path = GROUPS_PATH,
    *,
    terms_path: Path = TERMS_PATH,
    dimensions_path: Path = DIMENSIONS_PATH,
    parts_path: Path = PARTS_PATH,
) -> Catalog:
    return Catalog(
        _read_indicators(path),
        _read_groups(groups_path),
        _read_terms(terms_path),
        _read_members(dimensions_path),
        _read_parts(parts_path),
    )


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The project's catalog (cached: it is a data file that changes only with a release or edit)."""
    return read_catalog()
