"""The UI string catalog (lawstats/i18n/strings.toml): both languages for every key, the same
parameters in both, and every key the code asks for present."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from lawstats import i18n

ROOT = Path(__file__).resolve().parent.parent
# t("key", ...), tr("key", ...), ui.tr("key") — a literal key; keys built at run time are not seen
KEY_CALL = re.compile(r"\b(?:t|tr)\(\s*\"([a-z][a-z0-9_]*)\"")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_parameters():
    raw = tomllib.loads(i18n.CATALOG_PATH.read_text(encoding="utf-8"))
    problems = []
    for key, entry in raw.items():
        zh, en = entry.get("zh"), entry.get("en")
        if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
            problems.append(f"{key}: a language is missing or empty")
        elif _fields(zh) != _fields(en):
            problems.append(f"{key}: parameters differ {_fields(zh)} vs {_fields(en)}")
        if set(entry) - {"zh", "en"}:
            problems.append(f"{key}: unknown fields {set(entry) - {'zh', 'en'}}")
    assert problems == []


def test_every_key_the_code_asks_for_exists():
    used: dict[str, str] = {}
    for folder in ("lawstats", "etl", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            for key in KEY_CALL.findall(path.read_text(encoding="utf-8")):
                used.setdefault(key, path.relative_to(ROOT).as_posix())
    for key in KEY_CALL.findall((ROOT / "app.py").read_text(encoding="utf-8")):
        used.setdefault(key, "app.py")
    assert len(used) > 100  # the pattern still finds the calls
    missing = {k: where for k, where in used.items() if k not in i18n.STRINGS}
    assert missing == {}


def test_a_key_without_english_is_refused(tmp_path):
    bad = tmp_path / "strings.toml"
    bad.write_text('[hello]\nzh = "你好"\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"\[hello\] lacks en"):
        i18n._load(bad)


def test_t_fills_parameters_in_the_chosen_language():
    assert i18n.t("units_reported", "zh", reported=6, expected=7) == "6/7 县区已报"
    assert i18n.t("units_reported", "en", reported=6, expected=7) == "6/7 units reported"
