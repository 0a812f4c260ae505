"""The UI string catalog: every user-facing text in Simplified Chinese (default) and English.

The texts live in one data file beside this module, `strings.toml` (a table per key with `zh`
and `en`), so a translator edits one file and sees both languages side by side. `t(key, lang)`
is the only way code reads it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGS = ("zh", "en")
CATALOG_PATH = Path(__file__).with_name("strings.toml")


def _load(path: Path = CATALOG_PATH) -> dict[str, tuple[str, str]]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    strings: dict[str, tuple[str, str]] = {}
    for key, entry in raw.items():
        missing = [lang for lang in LANGS if not isinstance(entry.get(lang), str)]
        if missing:
            raise RuntimeError(f"{path.name}: [{key}] lacks {', '.join(missing)}")
        strings[key] = (entry["zh"], entry["en"])
    return strings


STRINGS: dict[str, tuple[str, str]] = _load()


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The text for `key` in `lang`, with {params} filled in."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**params) if params else text
