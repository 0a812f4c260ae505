"""Report text from pasted text or an uploaded .txt / .docx / .html file, normalised line by line."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from html.parser import HTMLParser

from etl.readers import decode_text
from lawstats import settings
from lawstats.domain.text import strip_pinyin, to_simplified


class ReadError(ValueError):
    """The input cannot be read as a report (message in Chinese and English)."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


# Characters NFKC would turn into ASCII that matter here: a full-width comma separates clauses,
# an ASCII comma may be a thousands separator (13,287).
_KEEP = frozenset("，")
_SPACE_RE = re.compile(r"[ \t\u3000\u00a0\u200b\ufeff]+")


def _nfkc(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ch if ch in _KEEP else unicodedata.normalize("NFKC", ch) for ch in text)


def _drop_spaces(text: str) -> str:
    """Spaces inside Chinese prose are noise; keep one only between two ASCII letters or digits."""

    def keep(m: re.Match[str]) -> str:
        a = text[m.start() - 1] if m.start() else ""
        b = text[m.end()] if m.end() < len(text) else ""
        return " " if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() else ""

    return _SPACE_RE.sub(keep, text)


def normalize_line(line: str) -> str:
    """Full-width digits and signs to ASCII, stray pinyin dropped, traditional to simplified."""
    text = _nfkc(line)
    text = strip_pinyin(text)
    text = to_simplified(text)
    return _drop_spaces(text).strip()


def normalize_document(text: str) -> list[str]:
    """The report as normalised non-empty lines (paragraphs)."""
    lines = [
        normalize_line(raw) for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    return [ln for ln in lines if ln]


# --- files ------------------------------------------------------------------------------------


class _HTMLText(HTMLParser):
    _BLOCK = frozenset(
        "p div br li tr h1 h2 h3 h4 h5 h6 section article title table ul ol blockquote".split()
    )
    _SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("：")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _html_text(text: str) -> str:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _docx_text(data: bytes, filename: str) -> str:
    from docx import Document

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ReadError(
            f"{filename} 不是有效的 Word 文件", f"{filename} is not a valid Word file"
        ) from None
    if unpacked > settings.max_upload_bytes():
        raise ReadError(f"{filename} 解压后过大", f"{filename} is too large once unpacked")
    if "word/document.xml" not in {i.filename for i in zf.infolist()}:
        raise ReadError(
            f"{filename} 不是 Word 文档（.docx）", f"{filename} is not a Word document (.docx)"
        )
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("：".join(c.text.strip() for c in row.cells if c.text.strip()))
    return "\n".join(lines)


_HTML_RE = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<meta|<p[ >]|<div[ >])", re.I)


def read_document(data: bytes, filename: str = "") -> str:
    """The text of a report file, recognised by content: .docx (zip), HTML, or plain text."""
    if not data:
        raise ReadError("文件是空的", "the file is empty")
    if len(data) > settings.max_upload_bytes():
        raise ReadError("文件太大", "the file is too large")
    if data[:4] == b"PK\x03\x04":
        return _docx_text(data, filename)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ReadError(
            "不支持旧版 Word（.doc）文件，请另存为 .docx 或复制文字粘贴",
            "legacy Word (.doc) is not supported: save as .docx or paste the text",
        )
    if data[:5] == b"%PDF-":
        raise ReadError(
            "不支持 PDF，请复制文字粘贴", "PDF is not supported: copy the text and paste it"
        )
    try:
        text, _encoding = decode_text(data)
    except UnicodeDecodeError:
        raise ReadError(
            "无法识别文件的文字编码", "the file's text encoding is not recognised"
        ) from None
    if _HTML_RE.match(data[:2048]) or filename.lower().endswith((".html", ".htm")):
        return _html_text(text)
    return text
