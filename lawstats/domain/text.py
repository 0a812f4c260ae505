"""Text normalisation shared by every reader: full-width to ASCII, pinyin noise, traditional to simplified."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opencc import OpenCC

__all__ = [
    "normalize_name",
    "normalize_text",
    "strip_pinyin",
    "to_halfwidth",
    "to_simplified",
]

_CACHE_SIZE = 1 << 16

# Characters with no CJK ideograph can skip OpenCC entirely (most numeric cells).
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# OpenCC 't2s' turns the simplified place names 乾县 and 乾安县 into 干县/干安县; the 乾 in
# them is protected by converting the text around it separately.
_PROTECTED_RE = re.compile(r"乾(?=[县縣安])")

# Pinyin syllables without tones (ü written as v), used to recognise a bracketed annotation.
_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|van|ai|ei|ao|ou|an|en|in|un|vn"
    r"|ia|ie|iu|ua|uo|ui|ue|ve|er|a|o|e|i|u|v)"
)
_PINYIN_WORD_RE = re.compile(rf"(?:{_SYLLABLE})+'?(?:{_SYLLABLE})*")
# A bracketed run of latin letters (tone marks allowed) right after a CJK character.
_BRACKET_RE = re.compile(
    r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s*[(（]([A-Za-z\u00c0-\u024f\u0300-\u036f' ]+)[)）]"
)
_SPACE_RE = re.compile(r"\s+")
_ALL_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")

_converter: OpenCC | None = None


def _opencc() -> OpenCC:
    global _converter
    if _converter is None:
        from opencc import OpenCC

        _converter = OpenCC("t2s")
    return _converter


def _is_pinyin(content: str) -> bool:
    """True if the bracket content reads as pinyin (tone marks stripped, ü as v)."""
    plain = unicodedata.normalize("NFD", content.lower().replace("ü", "v"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = plain.replace("ü", "v")
    words = plain.split()
    return bool(words) and all(_PINYIN_WORD_RE.fullmatch(w) for w in words)


def _recompose(s: str) -> str:
    # Removing a space or a bracket can put a combining mark next to a new base letter.
    return (
        s if s.isascii() or unicodedata.is_normalized("NFC", s) else unicodedata.normalize("NFC", s)
    )


@lru_cache(maxsize=_CACHE_SIZE)
def to_simplified(s: str) -> str:
    """Traditional to simplified Chinese (OpenCC 't2s'), keeping the 乾 of 乾县/乾安县."""
    if not s or not _CJK_RE.search(s):
        return s
    convert = _opencc().convert
    if "乾" not in s:
        return convert(s)
    parts = _PROTECTED_RE.split(s)
    return "乾".join(convert(p) if p else p for p in parts)


def strip_pinyin(s: str) -> str:
    """Remove bracketed pinyin after a CJK character: 鄉(xiāng)鎮(zhèn) -> 鄉鎮; 村(社区) stays."""
    if "(" not in s and "（" not in s:
        return s
    return _BRACKET_RE.sub(lambda m: "" if _is_pinyin(m.group(1)) else m.group(0), s)


@lru_cache(maxsize=_CACHE_SIZE)
def to_halfwidth(s: str) -> str:
    """NFKC: full-width digits, letters, punctuation and U+3000 become their ASCII forms."""
    return unicodedata.normalize("NFKC", s)


@lru_cache(maxsize=_CACHE_SIZE)
def normalize_text(s: object) -> str:
    """NFKC, drop pinyin annotations, simplify, collapse whitespace runs to one space, strip."""
    if s is None:
        return ""
    text = s if isinstance(s, str) else str(s)
    text = unicodedata.normalize("NFKC", text)
    text = strip_pinyin(text)
    text = to_simplified(text)
    return _recompose(_SPACE_RE.sub(" ", text).strip())


@lru_cache(maxsize=_CACHE_SIZE)
def normalize_name(s: object) -> str:
    """normalize_text with every whitespace character removed: the key for names and headers."""
    return _recompose(_ALL_SPACE_RE.sub("", normalize_text(s)))
