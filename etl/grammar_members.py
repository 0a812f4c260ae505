"""Headers that name a breakdown member (#19): 调解纠纷 › 其中：婚姻家庭, 受理纠纷 › 邻里纠纷 (a row label
under its column), 民事法律援助案件.

A header with one member word (data/dimensions.csv: names and aliases) is read without it by the
header grammar; when the rest names an indicator the member's breakdown applies to, the header is
that member's figure (lawstats.domain.catalog.figure_code). Anything else is not guessed: two
members, a member of another indicator's breakdown, or a rest the grammar is not certain of stays
unmapped or a question, with the reason. An unknown member word is no member: the grammar reads it
as an unknown word and asks the analyst.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from etl.grammar import (
    CERTAIN,
    QUESTION,
    UNMAPPED,
    Reading,
    clean_path,
    header_unit,
    lexicon,
    read_header,
    word_key,
)
from lawstats.domain.catalog import Catalog, Member, figure_code


@lru_cache(maxsize=8)
def _aliases(catalog: Catalog) -> dict[str, tuple[Member, ...]]:
    out: dict[str, list[Member]] = {}
    for m in catalog.members:
        for alias in (m.name_zh, *m.aliases):
            key = word_key(alias)
            if key and m not in out.setdefault(key, []):
                out[key].append(m)
    return {k: tuple(v) for k, v in out.items()}


def read_with_members(
    parts: Sequence[str],
    catalog: Catalog,
    *,
    context: Sequence[str] = (),
    default_unit: str | None = None,
) -> Reading:
    """The grammar's reading of a header, or, where it is not certain, the member figure the
    header names (a question stays a question unless the member reading is one too)."""
    reading = read_header(parts, catalog, context=context, default_unit=default_unit)
    if reading.status == CERTAIN:
        return reading  # 调解组织 › 行业性专业性 is an indicator of its own
    member = read_member_header(parts, catalog, context=context, default_unit=default_unit)
    if member is None or (member.status == UNMAPPED and reading.status == QUESTION):
        return reading
    return member


def read_member_header(
    parts: Sequence[str],
    catalog: Catalog,
    *,
    context: Sequence[str] = (),
    default_unit: str | None = None,
) -> Reading | None:
    """The member figure a header path names, a question or an unmapped reading about it, or
    None when the header holds no member word (the grammar's own reading applies)."""
    lex = lexicon(catalog)
    keys = clean_path(lex, parts)
    aliases = _aliases(catalog)
    found: list[tuple[int, int, int]] = []  # (key, start, end) of member words
    for i, key in enumerate(keys):
        for a, b, words in lex.tokens(key):
            if any(w.kind == "member" for w in words) and key[a:b] in aliases:
                found.append((i, a, b))
    if not found:
        return None
    label = " › ".join(keys)
    texts = {keys[i][a:b] for i, a, b in found}
    rest = [k for k in _without(keys, found) if k]
    if not rest:
        return _unmapped(
            label,
            f"{label}：是分类的一项（{'、'.join(sorted(texts))}），但未说明是哪个指标的分类",
            f"{label}: a breakdown member ({', '.join(sorted(texts))}) of no named indicator",
        )
    unit = header_unit(parts) or default_unit
    reading = read_header(rest, catalog, context=context, default_unit=unit)
    if reading.status == UNMAPPED:
        return None  # the grammar's own reading of the whole header says why
    codes = [reading.code] if reading.status == CERTAIN else list(reading.options)
    options: list[str] = []
    for code in codes:
        members = {m for t in texts for m in aliases[t] if code in m.applies_to}
        if len(members) == 1 and len(texts) == 1:
            m = next(iter(members))
            options.append(figure_code(code, m.dimension, m.code))
    if not options and len(texts) > 1:
        return _unmapped(
            label,
            f"{label}：同时有几个分类项（{'、'.join(sorted(texts))}），不能确定是哪一项",
            f"{label}: several breakdown members ({', '.join(sorted(texts))}); cannot tell which",
        )
    if not options:
        return _unmapped(
            label,
            f"{label}：分类项“{'、'.join(sorted(texts))}”不是该指标的一个分类项，不能确定",
            f"{label}: “{', '.join(sorted(texts))}” is not one member of this indicator's "
            "breakdowns; not certain",
        )
    if reading.status == CERTAIN:
        fig = catalog.get(options[0])
        m = catalog.member(options[0])
        dim = catalog.dimension_name(m.dimension)
        return Reading(
            CERTAIN,
            options[0],
            reading.unit,
            reading.multiplier,
            f"{label} → {fig.name_zh}（分类“{dim}”）：{reading.reason_zh.split('：', 1)[-1]}",
            f"{label} → {fig.code}: {reading.reason_en.split(': ', 1)[-1]}, "
            f"breakdown {m.dimension}",
            (),
            reading.verdicts,
        )
    return Reading(
        QUESTION,
        None,
        reading.unit,
        1.0,
        f"{label}：分类项，{reading.reason_zh}",
        f"{label}: a breakdown member; {reading.reason_en}",
        tuple(options),
        reading.verdicts,
    )


def _without(keys: tuple[str, ...], found: list[tuple[int, int, int]]) -> list[str]:
    out = list(keys)
    for i, a, b in sorted(found, reverse=True):
        out[i] = out[i][:a] + out[i][b:]
    return out


def _unmapped(label: str, zh: str, en: str) -> Reading:
    return Reading(UNMAPPED, None, None, 1.0, zh, en)
