"""The header grammar: a column header, with its merged parents and the table's title and sheet
name, read as the words it is made of, and matched to a catalog indicator only when every word
is explained.

A header maps to an indicator when one of the indicator's spellings (data/indicators.csv) can be
put together from pieces of the header path (调解纠纷 › 调解成功 = 调解成功; 人民调解员 › 其中：专职 =
专职人民调解员; a 受理 column under a 法律援助 title = 法律援助受理) and every other word of the
header is one that changes nothing: a neutral word (数, 合计, 本年, 开展: data/header_terms.csv), a
context word of the indicator's own group (调解, 纠纷 for mediation: data/indicator_groups.csv), the
unit, or a word of the spelling itself. A narrowing word (规范化, 乡镇, 专职, 涉及, 培训), a breakdown
member (婚姻家庭, 民事: data/dimensions.csv) or a change word (新设, 新增) makes the column a part or a
flow of the indicator, never the indicator; a unit the indicator cannot be converted to never
maps; anything else unexplained leaves the column uncertain: a question for the analyst.

Spellings without a word of their own group (办结, 维持, 工作人员) need their group confirmed by the
header's parents, the title or the sheet name, or else to belong to one indicator only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from etl.cells import UNITS, normalize_unit, parse_header_unit, unit_multiplier
from lawstats.domain.catalog import Catalog, Indicator
from lawstats.domain.text import normalize_name

CERTAIN = "certain"  # the indicator, every word explained
QUESTION = "question"  # one or more indicators are possible: the analyst decides
UNMAPPED = "unmapped"  # no indicator: a part, a flow, another unit, or no known words

_PUNCT_RE = re.compile(r"[：:、，,。.；;（）()\[\]【】「」“”\"'‘’《》<>/\\|_\-—–·•*＊#№]+")
# "其中：", "含：", "一、", "1." and "(1)" in front of a header are not part of the name.
_LEADING_RE = re.compile(
    r"^(?:(?:其中|含|包括|内含)[:：]?|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．](?!\d)|[(（]\d{1,2}[)）])"
)
_WORD_MAX = 16


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """A header reduced for comparison: normalised, unit dropped, punctuation and '其中' removed."""
    name = normalize_name(text)
    name, _unit = parse_header_unit(name)
    name = _square_metres(name)
    stripped = _LEADING_RE.sub("", name)
    return _PUNCT_RE.sub("", stripped or name)


def _square_metres(text: str) -> str:
    return text.replace("平方米", "m2").replace("平米", "m2")


def word_key(text: str) -> str:
    """A word of the vocabulary reduced like a header, without dropping a leading 其中."""
    return _PUNCT_RE.sub("", _square_metres(normalize_name(text)))


def header_unit(path: Sequence[str]) -> str | None:
    """The unit stated in a header path: the lowest element that states one, as '(件)' or a bare '件'."""
    for part in reversed(path):
        key = normalize_name(part)
        _name, unit = parse_header_unit(key)
        unit = unit or normalize_unit(key)
        if unit:
            return unit
    return None


# --------------------------------------------------------------------------- the vocabulary


@dataclass(frozen=True)
class _Word:
    kind: str  # neutral | narrowing | change | rate | measure | member | context | spelling | unit
    group: str | None = None  # context: the group it names
    code: str | None = None  # spelling: the indicator
    label: str | None = None  # member: "dimension: member"


class Lexicon:
    """Every word the grammar knows, from the catalog's data files, normalised once."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        words: dict[str, list[_Word]] = {}

        def add(text: str, word: _Word) -> None:
            key = word_key(text)
            if key and word not in words.setdefault(key, []):
                words[key].append(word)

        self.spellings: dict[str, list[str]] = {}  # spelling key -> codes
        for ind in catalog:
            for s in dict.fromkeys((ind.name_zh, *ind.header_spellings)):
                key = header_key(s)
                if len(key) >= 2:
                    codes = self.spellings.setdefault(key, [])
                    if ind.code not in codes:
                        codes.append(ind.code)
                    add(key, _Word("spelling", code=ind.code))
        self.group_words: dict[str, tuple[str, ...]] = {}
        for g in catalog.groups:
            keys = tuple(k for k in (word_key(w) for w in g.context_words) if k)
            self.group_words[g.code] = keys
            for k in keys:
                add(k, _Word("context", group=g.code))
        for term, role in catalog.terms.items():
            add(term, _Word(role))
        for m in catalog.members:
            label = f"{m.dimension}: {m.name_zh}"
            for alias in (m.name_zh, *m.aliases):
                add(alias, _Word("member", label=label))
        for unit in UNITS:
            add(unit, _Word("unit"))
        self.words = {k: tuple(v) for k, v in words.items()}
        self.term_roles = {word_key(t): r for t, r in catalog.terms.items() if word_key(t)}
        for unit in UNITS:
            self.term_roles.setdefault(unit, "unit")
        self.ratio = frozenset(i.code for i in catalog if i.is_ratio)
        # the indicators whose spellings also explain a word of X's header: a ratio's parts
        # (刑满释放人员衔接率) and the whole a part belongs to (调解成功 › 其中：司法确认)
        related: dict[str, set[str]] = {}
        for ind in catalog:
            rel = related.setdefault(ind.code, set())
            if ind.is_ratio:
                rel.update(c for c in (ind.numerator, ind.denominator) if c)
            if ind.code in catalog.parts:
                rel.add(catalog.parts[ind.code])
        self.related = {k: frozenset(v) for k, v in related.items()}
        self.keys = sorted(self.spellings, key=len, reverse=True)

    def tokens(self, text: str) -> list[tuple[int, int, tuple[_Word, ...]]]:
        """Forward maximum matching: (start, end, words) spans; unknown runs have no words."""
        out: list[tuple[int, int, tuple[_Word, ...]]] = []
        i, n = 0, len(text)
        unknown = -1
        while i < n:
            for j in range(min(n, i + _WORD_MAX), i, -1):
                found = self.words.get(text[i:j])
                if found:
                    if unknown >= 0:
                        out.append((unknown, i, ()))
                        unknown = -1
                    out.append((i, j, found))
                    i = j
                    break
            else:
                if unknown < 0:
                    unknown = i
                i += 1
        if unknown >= 0:
            out.append((unknown, n, ()))
        return out

    def context_words(self, texts: Iterable[str]) -> tuple[str, ...]:
        """The group context words a title, sheet name or header holds, longest first."""
        found: dict[str, None] = {}
        for text in texts:
            key = word_key(text)
            for words in self.group_words.values():
                for w in words:
                    if w in key:
                        found[w] = None
        return tuple(sorted(found, key=len, reverse=True))

    def groups_of(self, words: Iterable[str]) -> frozenset[str]:
        return frozenset(g for g, ws in self.group_words.items() for w in words if w in ws)

    def needs_context(self, key: str) -> bool:
        """Whether a spelling names its indicator only within its group's context: it is made of
        measure words (办结, 受理, 维持, 工作人员: data/header_terms.csv) or several groups share it.
        A distinctive term (法律明白人, 衔接到位) names its indicator on its own."""
        groups = {self.catalog.get(c).group for c in self.spellings.get(key, ())}
        if len(groups) > 1:
            return True
        return _needs_context(self, key)


@lru_cache(maxsize=4096)
def _needs_context(lex: Lexicon, key: str) -> bool:
    roles = set()
    i, n = 0, len(key)
    while i < n:
        for j in range(min(n, i + _WORD_MAX), i, -1):
            role = lex.term_roles.get(key[i:j])
            if role:
                roles.add(role)
                i = j
                break
        else:
            return False  # a word that is not a grammar word: the term is distinctive
    return "measure" in roles and roles <= {"measure", "neutral", "rate", "unit"}


@lru_cache(maxsize=8)
def lexicon(catalog: Catalog) -> Lexicon:
    return Lexicon(catalog)


@lru_cache(maxsize=8)
def words_of(catalog: Catalog, *roles: str) -> tuple[str, ...]:
    """The vocabulary's words of these roles (narrowing, change, member...), longest first: the
    report-text reader reads prose with the same words as headers."""
    lex = lexicon(catalog)
    found = {k for k, ws in lex.words.items() if any(w.kind in roles for w in ws)}
    return tuple(sorted(found, key=len, reverse=True))


# --------------------------------------------------------------------------- readings


@dataclass(frozen=True)
class Verdict:
    """One indicator considered for a header, and why it does or does not fit."""

    code: str
    status: str  # certain | uncertain | narrowed | changed | rate | unit | other_group
    spelling: str
    covered: int  # header characters the spelling took
    words: tuple[tuple[str, str], ...] = ()  # (word, role) that decided a rejection or a doubt


@dataclass(frozen=True)
class Reading:
    """What the grammar made of one header."""

    status: str  # certain | question | unmapped
    code: str | None
    unit: str | None  # the unit the header (or the table's unit row) states
    multiplier: float = 1.0  # header unit -> the indicator's unit
    reason_zh: str = ""
    reason_en: str = ""
    options: tuple[str, ...] = ()  # a question's indicators, best first
    verdicts: tuple[Verdict, ...] = field(default=(), compare=False)

    @property
    def converted(self) -> bool:
        return self.code is not None and self.multiplier != 1.0


_REJECTED = ("other_group", "rate", "changed", "narrowed", "unit")


def _assemble(
    spelling: str, parts: Sequence[str], leaf: int, whole_only: frozenset[int]
) -> list[tuple[int, int, int]] | None:
    """Pieces (part, start, end) of distinct parts that spell `spelling` in order, the leaf's
    share as large as possible (it must have one); parts in `whole_only` (context words) only
    as a whole piece; other pieces are two characters or more."""
    at = parts[leaf].find(spelling)
    if at >= 0:
        return [(leaf, at, at + len(spelling))]
    best: list[tuple[int, int, int]] | None = None
    best_score = (0, 0)

    def walk(pos: int, used: tuple[tuple[int, int, int], ...]) -> None:
        nonlocal best, best_score
        if pos == len(spelling):
            leaf_len = sum(e - s for p, s, e in used if p == leaf)
            score = (leaf_len, -len(used))
            if leaf_len and score > best_score:
                best, best_score = list(used), score
            return
        taken = {p for p, _s, _e in used}
        for i, part in enumerate(parts):
            if i in taken:
                continue
            if i in whole_only:
                if spelling.startswith(part, pos):
                    walk(pos + len(part), (*used, (i, 0, len(part))))
                continue
            for end in range(len(spelling), pos + 1, -1):  # pieces of two characters or more
                found = part.find(spelling[pos:end])
                if found >= 0:
                    walk(end, (*used, (i, found, found + end - pos)))

    walk(0, ())
    return best


_RATE_RE = re.compile(r"率|比例|占比|比重|百分比")


class _HeaderReader:
    """One header path read against the catalog (a cached value object per distinct header)."""

    def __init__(self, lex: Lexicon, keys: tuple[str, ...], context: tuple[str, ...]):
        self.lex = lex
        self.keys = keys
        self.leaf = len(keys) - 1
        self.context = context  # context words found in the title / sheet name
        self.parts = (*keys, *context)
        self.whole_only = frozenset(range(len(keys), len(self.parts)))
        self.tokens = [lex.tokens(k) for k in keys]
        self.context_groups = lex.groups_of((*context, *lex.context_words(keys)))
        self.wants_rate = bool(_RATE_RE.search(keys[-1]))

    def verdicts(self, unit: str | None) -> list[Verdict]:
        out: dict[str, Verdict] = {}
        rank = {"certain": 0, "uncertain": 1}
        leaf_text = self.keys[-1]
        for key in self.lex.keys:
            if not (set(key) & set(leaf_text)):
                continue
            pieces = _assemble(key, self.parts, self.leaf, self.whole_only)
            if not pieces:
                continue
            for code in self.lex.spellings[key]:
                v = self._judge(code, key, pieces, unit)
                old = out.get(code)
                if old is None or (rank.get(v.status, 2), -v.covered) < (
                    rank.get(old.status, 2),
                    -old.covered,
                ):
                    out[code] = v
        return sorted(out.values(), key=lambda v: (rank.get(v.status, 2), -v.covered, v.code))

    def _judge(self, code: str, key: str, pieces: list, unit: str | None) -> Verdict:
        lex = self.lex
        ind = lex.catalog.get(code)
        consumed: dict[int, list[tuple[int, int]]] = {}
        for p, s, e in pieces:
            consumed.setdefault(p, []).append((s, e))
        covered = sum(e - s for p, s, e in pieces if p <= self.leaf)
        related = lex.related.get(code, frozenset())
        doubts: list[tuple[str, str]] = []
        rejects: list[tuple[str, str, str]] = []  # (status, word, role)
        bare = lex.needs_context(key)
        for i, text in enumerate(self.keys):
            spans = sorted(consumed.get(i, []))
            is_leaf = i == self.leaf
            for run in _leftover(text, spans):
                for a, b, words in lex.tokens(run):
                    word = run[a:b]
                    role = self._role(word, words, ind, key, related, is_leaf)
                    if role == "ok":
                        continue
                    if role in ("narrowed", "changed", "rate", "other_group"):
                        if role == "other_group" and not is_leaf and spans:
                            continue  # a heading that also names another group's work
                        rejects.append((role, word, role))
                    elif is_leaf or (bare and not spans):
                        doubts.append((word, role))
        if ind.is_ratio != self.wants_rate and not (ind.is_ratio and unit == "%"):
            rejects.append(("rate", "率" if self.wants_rate else "", "rate"))
        if rejects:
            status = min(rejects, key=lambda r: _REJECTED.index(r[0]))[0]
            words = tuple((w, r) for _s, w, r in rejects if w)
            return Verdict(code, status, key, covered, words)
        if unit is not None and unit_multiplier(unit, ind.unit) is None:
            return Verdict(code, "unit", key, covered, ((unit, "unit"),))
        used_context = any(p > self.leaf for p, _s, _e in pieces)
        if not used_context and bare:
            if self.context_groups and ind.group not in self.context_groups:
                doubts.append(("", "context"))
            elif not self.context_groups and len(lex.spellings[key]) > 1:
                doubts.append(("", "context"))
        if doubts:
            return Verdict(code, "uncertain", key, covered, tuple(doubts))
        return Verdict(code, "certain", key, covered)

    def _role(
        self,
        word: str,
        words: tuple[_Word, ...],
        ind: Indicator,
        key: str,
        related: frozenset[str],
        is_leaf: bool,
    ) -> str:
        """How an unexplained word of the header bears on indicator `ind` (spelling `key`)."""
        kinds = {w.kind for w in words}
        if "spelling" in kinds and any(w.code == ind.code or w.code in related for w in words):
            return "ok"
        if not is_leaf and any(
            w.kind == "spelling" and self.lex.catalog.get(w.code).group == ind.group for w in words
        ):
            return "ok"  # a heading naming the same line of work (调解纠纷 › 调解成功)
        if any(w.kind == "context" and w.group == ind.group for w in words):
            return "ok"
        if kinds & {"neutral", "unit"} and not kinds & {"narrowing", "change", "member"}:
            return "ok"
        if "rate" in kinds:
            return "ok" if ind.is_ratio else "rate"
        if len(word) >= 2 and word in key:
            return "ok"  # the spelling's own word again (排查 in 矛盾纠纷排查 › 排查出纠纷)
        if "measure" in kinds:
            return "measure"
        if kinds & {"narrowing", "member"}:
            return "narrowed"
        if "change" in kinds:
            return "changed"
        if "context" in kinds:
            return "other_group"
        if "spelling" in kinds:
            return "other"
        return "unknown"


def _leftover(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The runs of `text` outside the consumed spans."""
    out, at = [], 0
    for s, e in spans:
        if s > at:
            out.append(text[at:s])
        at = max(at, e)
    if at < len(text):
        out.append(text[at:])
    return out


# --------------------------------------------------------------------------- reading a header


def clean_path(lex: Lexicon, path: Sequence[str]) -> tuple[str, ...]:
    """The header path's keys: units rows and repeats dropped, and trailing generic leaves
    (件数, 合计, 总数(个)) taken as "how many of the parent"."""
    keys: list[str] = []
    for p in path:
        k = _unfilled(lex, header_key(p)) if p is not None else ""
        if k and (not keys or keys[-1] != k):
            keys.append(k)
    if len(keys) > 1:  # a units row under the header ("件", "元") names no indicator
        keys = [k for k in keys if normalize_unit(k) is None] or keys[:1]
    while len(keys) > 1 and _generic(lex, keys[-1]):
        keys.pop()
    return tuple(keys)


def _unfilled(lex: Lexicon, key: str) -> str:
    """The key without its filler words (各类, 各项), unless nothing else is left."""
    toks = lex.tokens(key)
    if not any(words and all(w.kind == "filler" for w in words) for _a, _b, words in toks):
        return key
    kept = "".join(
        key[a:b] for a, b, words in toks if not (words and all(w.kind == "filler" for w in words))
    )
    return kept or key


def _generic(lex: Lexicon, key: str) -> bool:
    toks = lex.tokens(key)
    return bool(toks) and all(
        words and {w.kind for w in words} <= {"neutral", "unit"} for _a, _b, words in toks
    )


def read_header(
    path: Sequence[str] | str,
    catalog: Catalog,
    *,
    context: Sequence[str] = (),
    default_unit: str | None = None,
) -> Reading:
    """The indicator a header (or a merged header path, top first) names, with its reason.

    `context`: the table's title lines and sheet name (their group words confirm a spelling
    that needs its group, and can supply the subject of a bare 受理 column). `default_unit`: the
    unit of a "单位：万元" row for a header that states none.
    """
    parts = [path] if isinstance(path, str) else [p for p in path if p]
    lex = lexicon(catalog)
    keys = clean_path(lex, parts)
    unit = header_unit(parts)
    return _read(lex, keys, unit, default_unit, _context_words(lex, tuple(context)))


@lru_cache(maxsize=4096)
def _context_words(lex: Lexicon, context: tuple[str, ...]) -> tuple[str, ...]:
    return lex.context_words(context)


@lru_cache(maxsize=16384)
def _read(
    lex: Lexicon,
    keys: tuple[str, ...],
    unit: str | None,
    default_unit: str | None,
    context: tuple[str, ...],
) -> Reading:
    stated = unit or default_unit
    if not keys:
        return Reading(UNMAPPED, None, unit, reason_zh="表头为空", reason_en="the header is empty")
    reader = _HeaderReader(lex, keys, context)
    verdicts = reader.verdicts(unit)
    label = " › ".join(keys)
    certain = [v for v in verdicts if v.status == "certain"]
    if certain:
        top = max(v.covered for v in certain)
        best = [v for v in certain if v.covered == top]
        if len(best) == 1:
            v = best[0]
            ind = lex.catalog.get(v.code)
            factor = 1.0
            if stated is not None:
                factor = unit_multiplier(stated, ind.unit) or 1.0
                if unit is None and unit_multiplier(stated, ind.unit) is None:
                    stated = None  # a 单位 row's unit that does not fit is simply not this one's
            zh, en = _certain_reason(label, ind, v, stated if stated else None, factor)
            return Reading(CERTAIN, v.code, stated, factor, zh, en, (), tuple(verdicts))
        options = tuple(v.code for v in best)
        zh, en = _question_reason(lex, label, best, tie=True)
        return Reading(QUESTION, None, stated, 1.0, zh, en, options, tuple(verdicts))
    doubtful = [v for v in verdicts if v.status == "uncertain"]
    if doubtful:
        options = tuple(v.code for v in doubtful)
        zh, en = _question_reason(lex, label, doubtful, tie=False)
        return Reading(QUESTION, None, stated, 1.0, zh, en, options, tuple(verdicts))
    zh, en = _unmapped_reason(lex, label, verdicts, unit, reader)
    return Reading(UNMAPPED, None, stated, 1.0, zh, en, (), tuple(verdicts))


# --------------------------------------------------------------------------- reasons in words

_ROLE_ZH = {
    "narrowed": "限定词",
    "changed": "增减词",
    "rate": "比率词",
    "unit": "单位",
    "other_group": "另一业务的词",
    "unknown": "不认识的词",
    "measure": "未说明对象的词",
    "other": "另一指标的名称",
    "context": "表题或工作表名未说明属于哪项业务",
}
_ROLE_EN = {
    "narrowed": "a narrowing word",
    "changed": "a change word",
    "rate": "a rate word",
    "unit": "the unit",
    "other_group": "a word of another line of work",
    "unknown": "an unknown word",
    "measure": "a word that does not say whose",
    "other": "another indicator's name",
    "context": "the title or sheet name does not say which line of work",
}


def _certain_reason(
    label: str, ind: Indicator, v: Verdict, unit: str | None, factor: float
) -> tuple[str, str]:
    zh = f"{label} → {ind.name_zh}：按写法“{v.spelling}”识别"
    en = f"{label} → {ind.code}: read by the spelling “{v.spelling}”"
    if unit:
        if factor != 1.0:
            zh += f"，单位“{unit}”按×{_factor(factor)}换算为“{ind.unit}”"
            en += f", unit “{unit}” converted to “{ind.unit}” (×{_factor(factor)})"
        else:
            zh += f"，单位“{unit}”"
            en += f", unit “{unit}”"
    return zh, en


def _factor(f: float) -> str:
    return f"{f:.6g}"


def _question_reason(lex: Lexicon, label: str, vs: list[Verdict], tie: bool) -> tuple[str, str]:
    names_zh = "、".join(lex.catalog.get(v.code).name_zh for v in vs[:4])
    names_en = ", ".join(v.code for v in vs[:4])
    if tie:
        return (
            f"{label}：可能是{names_zh}，无法确定是哪一个",
            f"{label}: could be {names_en}; cannot tell which",
        )
    words = [(w, r) for v in vs[:1] for w, r in v.words]
    why_zh = "；".join(f"{_ROLE_ZH[r]}“{w}”" if w else _ROLE_ZH[r] for w, r in words)
    why_en = "; ".join(f"{_ROLE_EN[r]} “{w}”" if w else _ROLE_EN[r] for w, r in words)
    return (
        f"{label}：可能是{names_zh}，但{why_zh}，不能确定",
        f"{label}: could be {names_en}, but {why_en}: not certain",
    )


def _unmapped_reason(
    lex: Lexicon, label: str, vs: list[Verdict], unit: str | None, reader: _HeaderReader
) -> tuple[str, str]:
    if not vs:
        found = {
            w.kind: (w.label if w.kind == "member" else key[a:b])
            for key, toks in zip(reader.keys, reader.tokens, strict=True)
            for a, b, words in toks
            for w in words
            if w.kind in ("member", "change", "narrowing")
        }
        if "member" in found:
            return (
                f"{label}：是分类（{found['member']}）的一项，但未说明是哪个指标的分类",
                f"{label}: a breakdown member ({found['member']}) of no named indicator",
            )
        if "change" in found:
            return (
                f"{label}：“{found['change']}”表示本期增减，没有对应的指标",
                f"{label}: “{found['change']}” is a change in the period; no indicator of its own",
            )
        if "narrowing" in found:
            return (
                f"{label}：“{found['narrowing']}”是限定词，没有对应的指标",
                f"{label}: “{found['narrowing']}” narrows it; no indicator of its own",
            )
        return (
            f"{label}：不是指标目录中的指标",
            f"{label}: names no indicator of the catalog",
        )
    v = vs[0]
    ind = lex.catalog.get(v.code)
    words_zh = "、".join(f"“{w}”" for w, _r in v.words if w)
    words_en = ", ".join(f"“{w}”" for w, _r in v.words if w)
    if v.status == "unit":
        return (
            f"{label}：单位“{unit}”不能换算为{ind.name_zh}的单位“{ind.unit}”，不是该指标",
            f"{label}: unit “{unit}” cannot be converted to {ind.code}'s unit “{ind.unit}”",
        )
    if v.status == "narrowed":
        return (
            f"{label}：{words_zh}限定了{ind.name_zh}（是其中一部分），没有对应的指标",
            f"{label}: {words_en} narrows {ind.code} (a part of it); no indicator of its own",
        )
    if v.status == "changed":
        return (
            f"{label}：{words_zh}表示本期增减（流量），不是{ind.name_zh}（存量）",
            f"{label}: {words_en} is a change in the period, not {ind.code}",
        )
    if v.status == "rate":
        return (
            f"{label}：比率与件数不能互相对应（{ind.name_zh}）",
            f"{label}: a rate and a count never map to each other ({ind.code})",
        )
    return (
        f"{label}：{words_zh}属于另一项业务，不是{ind.name_zh}",
        f"{label}: {words_en} belongs to another line of work, not {ind.code}",
    )


def reason_for(catalog: Catalog, code: str, unit: str | None) -> tuple[str, float] | None:
    """The multiplier from `unit` to the indicator's unit (1.0 without a unit), or None when
    the unit cannot be converted (an analyst's answer is checked like the grammar's match)."""
    ind = catalog.get(code)
    if unit is None:
        return ind.unit, 1.0
    factor = unit_multiplier(unit, ind.unit)
    return None if factor is None else (ind.unit, factor)
