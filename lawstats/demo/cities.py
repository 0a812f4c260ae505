"""The five cities the demo dataset covers."""

from __future__ import annotations

DEMO_CITIES: tuple[str, ...] = (
    "620500",
    "350500",
    "141100",
    "610500",
    "621100",
)  # 天水 泉州 吕梁 渭南 定西
