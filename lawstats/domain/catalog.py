"""The indicator catalog: codes, names, units, kinds and header spellings, read from data/indicators.csv."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lawstats.settings import DATA_DIR

CATALOG_PATH = DATA_DIR / "indicators.csv"
GROUPS_PATH = DATA_DIR / "indicator_groups.csv"

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

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


class Catalog:
    """All indicators, in file order, with lookups by code and by group."""

    def __init__(self, indicators: list[Indicator], groups: list[Group]):
        self.indicators = indicators
        self.groups = sorted(groups, key=lambda g: g.sort)
        self._by_code = {i.code: i for i in indicators}
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
                for part in (ind.numerator, ind.denominator):
                    if part not in self._by_code or self._by_code[part].kind != "flow":
                        raise CatalogError(
                            f"{ind.code}: numerator/denominator {part!r} must be a flow code"
                        )

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


def _read_groups(path: Path) -> list[Group]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Group(r["group"], r["name_zh"], r["name_en"], int(r["sort"])) for r in csv.DictReader(f)
        ]


def read_catalog(path: Path = CATALOG_PATH, groups_path: Path = GROUPS_PATH) -> Catalog:
    return Catalog(_read_indicators(path), _read_groups(groups_path))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The project's catalog (cached: it is a data file that changes only with a release or edit)."""
    return read_catalog()
