"""Apportionment: split an integer total into integer parts by weights (largest remainder),
within optional per-part caps, so that generated county figures add up to a city's total."""

from __future__ import annotations

import numpy as np


def _apportion(total: int, weights: np.ndarray, caps: np.ndarray | None = None) -> np.ndarray:
    """Split a non-negative integer total in proportion to weights (largest remainder), cell <= cap."""
    shape = np.shape(weights)
    w = np.asarray(weights, dtype=float).ravel().copy()
    n = w.size
    out = np.zeros(n, dtype=np.int64)
    if total <= 0 or n == 0:
        return out.reshape(shape)
    cap = (
        np.full(n, total, dtype=np.int64)
        if caps is None
        else np.asarray(caps).ravel().astype(np.int64)
    )
    if int(cap.sum()) < total:
        raise ValueError(f"cannot apportion {total} within caps summing to {int(cap.sum())}")
    w[(cap <= 0) | ~np.isfinite(w) | (w < 0)] = 0.0
    if w.sum() <= 0:
        w = np.where(cap > 0, np.minimum(cap, 1e9).astype(float), 0.0)
    active = w > 0
    remaining = total
    # Cells whose proportional share exceeds their cap are pinned at the cap; the rest is re-split.
    while True:
        q = np.zeros(n)
        q[active] = remaining * w[active] / w[active].sum()
        over = active & (q > cap)
        if not over.any():
            break
        out[over] = cap[over]
        remaining -= int(cap[over].sum())
        active &= ~over
        if not active.any() or remaining <= 0:
            q = np.zeros(n)
            break
    floor = np.floor(q).astype(np.int64)
    floor = np.minimum(floor, np.where(active, cap, 0))
    out[active] = floor[active]
    left = total - int(out.sum())
    if left > 0:
        frac = np.where(active & (out < cap), q - floor, -1.0)
        order = np.argsort(-frac, kind="stable")
        chosen = order[:left]
        chosen = chosen[frac[chosen] >= 0]
        out[chosen] += 1
        left = total - int(out.sum())
    if left != 0:  # floating-point edge cases: settle the last units on cells with room
        slack = cap - out
        for i in np.argsort(-w, kind="stable"):
            if left > 0 and slack[i] > 0:
                step = min(left, int(slack[i]))
                out[i] += step
                left -= step
            elif left < 0 and out[i] > 0:
                step = min(-left, int(out[i]))
                out[i] -= step
                left += step
            if left == 0:
                break
    return out.reshape(shape)
