"""The region tree as arrays for the roll-up: which regions lie under each target, their
depth, their ancestors, and how many reporting county-level units each one stands for.

Pure (numpy over lawstats.domain.regions); cached per region table and target list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from lawstats.domain.regions import RegionTable


@dataclass(frozen=True)
class RegionIndex:
    """Per region: depth (province = 1) and the reporting county-level units at or below it."""

    depth: dict[str, int]
    units_expected: dict[str, int]


@lru_cache(maxsize=4)
def region_index(regions: RegionTable) -> RegionIndex:
    depth = {r.code: len(regions.path(r.code)) for r in regions}
    expected = dict.fromkeys(depth, 0)
    for r in regions:
        if r.reports and not regions.children(r.code):
            node: str | None = r.code
            while node is not None:
                expected[node] += 1
                node = regions.get(node).parent_code
    return RegionIndex(depth, expected)


@dataclass(frozen=True)
class Scope:
    """The targets and every region below them, as arrays the roll-up indexes into."""

    codes: pd.Index  # scope regions
    depth: np.ndarray  # depth of each scope region
    units: np.ndarray  # units a region's own figure counts for (reporting units below, >= 1)
    ancestors: tuple[np.ndarray, ...]  # parent, grandparent...: scope position or -1
    pair_start: (
        np.ndarray
    )  # scope position -> slice of pair_target (targets whose subtree holds it)
    pair_target: np.ndarray
    target_pos: np.ndarray  # scope position of each target
    target_depth: np.ndarray


@lru_cache(maxsize=256)
def scope(regions: RegionTable, targets: tuple[str, ...]) -> Scope:
    index = region_index(regions)
    subtrees = [[t, *(d.code for d in regions.descendants(t))] for t in targets]
    codes = pd.Index(list(dict.fromkeys(c for sub in subtrees for c in sub)), dtype=object)
    pos = {c: i for i, c in enumerate(codes)}
    lineage = [[pos.get(a.code, -1) for a in regions.ancestors(c)] for c in codes]
    generations = max((len(x) for x in lineage), default=0)
    ancestors = tuple(
        np.array([x[g] if g < len(x) else -1 for x in lineage], dtype=np.int64)
        for g in range(generations)
    )
    pair_region = np.array([pos[c] for sub in subtrees for c in sub], dtype=np.int64)
    pair_target = np.array([t for t, sub in enumerate(subtrees) for _ in sub], dtype=np.int64)
    order = np.argsort(pair_region, kind="stable")
    counts = np.bincount(pair_region, minlength=len(codes))
    depth = np.array([index.depth[c] for c in codes], dtype=np.int64)
    target_pos = np.array([pos[t] for t in targets], dtype=np.int64)
    return Scope(
        codes=codes,
        depth=depth,
        units=np.array([max(index.units_expected[c], 1) for c in codes], dtype=np.int64),
        ancestors=ancestors,
        pair_start=np.concatenate([[0], np.cumsum(counts)]),
        pair_target=pair_target[order],
        target_pos=target_pos,
        target_depth=depth[target_pos],
    )
