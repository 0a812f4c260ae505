"""Candidates as JSON, the reviewed-result file, and its way into the one ETL load path.

`python -m etl extract FILE --out reviewed.json` writes a reviewed-result document; the analyst
sets `"accept": true/false` on each candidate (and may edit value, indicator, region, period);
`python -m etl load reviewed.json` (or the 文字报告补录 page) recognises it by content and loads
the accepted candidates through etl.load.load_bytes: the same validation, permissions, batch and
audit machinery as a spreadsheet, with source type "report_text".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.cells import OK
from etl.extract import CandidateFact, ExtractedTable, Extraction
from etl.narrative.extractor import Candidate, NarrativeResult, Unrecognised
from etl.problems import ERROR, PROBLEM_TYPES, ProblemType, Report, make_problem
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period, PeriodError
from lawstats.domain.regions import RegionTable, load_regions

FORMAT = "lawstats.reviewed_text/1"
SOURCE_TYPE = "report_text"
SHEET = "文字报告"

# Problem types of reviewed text (registered beside the spreadsheet ones; codes start with text_).
for _code, _ptype in {
    "text_unreviewed": ProblemType(
        ERROR,
        "第{sentence}句的候选数据（{raw}）尚未审核：请将 accept 设为 true（采用）或 false（不采用）",
        "Sentence {sentence}: candidate ({raw}) not reviewed yet: set accept to true or false",
    ),
    "text_bad_candidate": ProblemType(
        ERROR,
        "第{sentence}句的候选数据（{raw}）无法使用：{reason}",
        "Sentence {sentence}: candidate ({raw}) cannot be used: {reason}",
    ),
    "text_nothing_accepted": ProblemType(
        ERROR,
        "没有采用任何候选数据，未导入",
        "No candidate was accepted; nothing to load",
    ),
    "text_bad_document": ProblemType(
        ERROR,
        "审核结果文件格式不正确：{reason}",
        "The reviewed-result file is malformed: {reason}",
    ),
}.items():
    PROBLEM_TYPES.setdefault(_code, _ptype)


# --- candidates as JSON ------------------------------------------------------------------------


def _number(value: float) -> int | float:
    """13287 rather than 13287.0; never rounded (the figure as the report states it)."""
    return int(value) if float(value).is_integer() else value


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def marked_sentence(
    sentence: str, span: tuple[int, int], left: str = "【", right: str = "】"
) -> str:
    """The sentence with the figure between markers: …共有各类调解组织【2667个】。"""
    a, b = span
    return f"{sentence[:a]}{left}{sentence[a:b]}{right}{sentence[b:]}"


def marked_snippet(sentence: str, span: tuple[int, int], width: int = 16) -> str:
    """The figure in 【】 with up to `width` characters either side: …共有各类调解组织【2667个】。"""
    a, b = span
    left = sentence[max(0, a - width) : a]
    right = sentence[b : b + width]
    return (
        ("…" if a > width else "")
        + f"{left}【{sentence[a:b]}】{right}"
        + ("…" if b + width < len(sentence) else "")
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def highlighted_markdown(sentence: str, span: tuple[int, int]) -> str:
    """The sentence as Streamlit markdown with the figure on an orange background (text escaped)."""
    a, b = span

    def esc(x: str) -> str:
        return _MD_SPECIAL.sub(r"\\\1", x)

    return f"{esc(sentence[:a])}:orange-background[**{esc(sentence[a:b])}**]{esc(sentence[b:])}"


def candidate_dict(
    c: Candidate, catalog: Catalog | None = None, regions: RegionTable | None = None
) -> dict[str, Any]:
    """One candidate as a JSON-ready object (the `extract --json` contract plus context)."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    ind = catalog.get(c.indicator_code)
    return {
        "id": c.id,
        "region_code": c.region_code,
        "period_start": _iso(c.period.start if c.period else None),
        "period_end": _iso(c.period.end if c.period else None),
        "indicator_code": c.indicator_code,
        "value": _number(c.value),
        "is_approximate": c.is_approximate,
        "sentence": c.sentence,
        "region_name": regions.full_name(c.region_code) if c.region_code in regions else None,
        "period": c.period.label if c.period else None,
        "indicator_name": ind.name_zh,
        "unit": ind.unit,
        "raw": c.raw,
        "label": c.label,
        "sentence_no": c.sentence_no,
        "highlight": list(c.span),
        "marked": marked_sentence(c.sentence, c.span),
        "period_source": c.period_source,
        "region_source": c.region_source,
        "derived_from": c.derived_from,
        "part_of": c.part_of,
        "dimension": c.dimension,
        "member": c.member,
        "parts": [
            {
                "label": p.label,
                "value": _number(p.value),
                "is_approximate": p.is_approximate,
                "raw": p.raw,
            }
            for p in c.parts
        ],
        "notes": list(c.notes),
    }


def unrecognised_dict(u: Unrecognised) -> dict[str, Any]:
    return {
        "id": u.id,
        "raw": u.raw,
        "value": _number(u.value),
        "unit": u.unit,
        "is_approximate": u.is_approximate,
        "label": u.label,
        "reason": u.reason,
        "indicator_code": u.indicator_code,
        "sentence_no": u.sentence_no,
        "sentence": u.sentence,
        "highlight": list(u.span),
        "marked": marked_sentence(u.sentence, u.span),
    }


def candidates_json(result: NarrativeResult, **kw) -> list[dict[str, Any]]:
    return [candidate_dict(c, **kw) for c in result.candidates]


def reviewed_document(
    result: NarrativeResult,
    source_file: str,
    *,
    source_sha256: str | None = None,
    accept: bool | None = None,
    decisions: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The reviewed-result document; `decisions` maps candidate id -> overrides (accept, value...)."""
    items = []
    for c in result.candidates:
        item = candidate_dict(c)
        # accepting all accepts the totals: a breakdown member cannot be stored as a fact yet
        item = {"accept": False if (accept and c.member) else accept, **item}
        if decisions and c.id in decisions:
            item.update(decisions[c.id])
        items.append(item)
    return {
        "format": FORMAT,
        "source_file": source_file,
        "source_sha256": source_sha256,
        "region_code": result.region_code,
        "report_date": _iso(result.report_date),
        "period": result.doc_period.label if result.doc_period else None,
        "candidates": items,
        "unrecognised": [unrecognised_dict(u) for u in result.unrecognised],
    }


def document_bytes(doc: Mapping[str, Any]) -> bytes:
    """Canonical bytes: the same review gives the same file (and the same batch sha256)."""
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


# --- the reviewed result into the load path -----------------------------------------------------


def is_reviewed(data: bytes) -> bool:
    """True for a reviewed-result document (recognised by content, not by file name)."""
    if not data[:64].lstrip().startswith(b"{") or FORMAT.encode() not in data:
        return False
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def _fail(report: Report, filename: str, reason_zh: str, reason_en: str) -> None:
    report.add(
        make_problem("text_bad_document", file=filename, reason=reason_zh, reason_en=reason_en)
    )


def _check_item(
    item: Mapping[str, Any], catalog: Catalog, regions: RegionTable
) -> tuple[Period | None, str | None, str]:
    """The item's period, or why it cannot be used (Chinese, English)."""
    code = item.get("indicator_code")
    if item.get("member"):
        return (
            None,
            f"分项数（{item.get('dimension')} = {item.get('member')}）暂不能作为总数入库",
            f"a breakdown member ({item.get('dimension')} = {item.get('member')}) cannot be "
            "stored as the indicator's total",
        )
    if code not in catalog:
        return None, f"未知指标代码“{code}”", f"unknown indicator code {code!r}"
    region = item.get("region_code")
    if not region or str(region) not in regions:
        return None, f"未知地区代码“{region}”", f"unknown region code {region!r}"
    try:
        period = Period(
            dt.date.fromisoformat(str(item.get("period_start"))),
            dt.date.fromisoformat(str(item.get("period_end"))),
        )
    except (ValueError, TypeError, PeriodError):
        return None, "期间缺失或无效", "missing or invalid period"
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"数值“{value}”不是数字", f"value {value!r} is not a number"
    return period, None, ""


def reviewed_extraction(
    data: bytes,
    filename: str,
    *,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> Extraction:
    """The accepted candidates of a reviewed-result document as an Extraction for validate/load."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    report = Report()
    sha = hashlib.sha256(data).hexdigest()
    extraction = Extraction(filename, sha, SOURCE_TYPE, [], [], report)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(report, filename, f"不是有效的 JSON（{exc}）", f"not valid JSON ({exc})")
        return extraction
    items = doc.get("candidates") if isinstance(doc, dict) else None
    if doc.get("format") != FORMAT or not isinstance(items, list):
        _fail(report, filename, "缺少 format 或 candidates", "format or candidates missing")
        return extraction
    facts: list[CandidateFact] = []
    periods: dict[Period, None] = {}
    for item in items:
        if not isinstance(item, dict):
            _fail(report, filename, "候选数据应为对象", "candidates must be objects")
            continue
        where = {"sentence": item.get("sentence_no", "?"), "raw": item.get("raw", "")}
        accept = item.get("accept")
        if accept is None:
            report.add(make_problem("text_unreviewed", file=filename, sheet=SHEET, **where))
            continue
        if accept is not True:
            continue
        period, why_zh, why_en = _check_item(item, catalog, regions)
        if period is None:
            report.add(
                make_problem(
                    "text_bad_candidate",
                    file=filename,
                    sheet=SHEET,
                    reason=why_zh,
                    reason_en=why_en,
                    **where,
                )
            )
            continue
        ind = catalog.get(item["indicator_code"])
        periods[period] = None
        facts.append(
            CandidateFact(
                region_code=str(item["region_code"]),
                period=period,
                indicator_code=ind.code,
                value=float(item["value"]),
                is_approximate=bool(item.get("is_approximate")),
                is_not_reported=False,
                is_reported_rate=ind.is_ratio,
                sheet=SHEET,
                cell=f"句{item.get('sentence_no', '?')}",
                row_kind="data",
                region_text=str(item["region_code"]),
                status=OK,
                raw=item.get("raw"),
                header=str(item.get("label") or ind.name_zh),
            )
        )
    if report.ok and not facts:
        report.add(make_problem("text_nothing_accepted", file=filename))
    context = doc.get("region_code")
    extraction.facts = facts
    extraction.tables = [
        ExtractedTable(
            sheet=f"{SHEET}（{p.label}）",  # the batch lists one entry per period
            layout="text",
            confidence=1.0,
            header_rows=[],
            columns=[],
            period=p,
            period_source="text",
            context_code=context if context in regions else None,
            context_source="text",
        )
        for p in sorted(periods, key=lambda p: (p.start, p.end))
    ]
    return extraction


# --- store look-ups for the review ----------------------------------------------------------------


def learned_spellings(engine: Engine, units: Iterable[str] | None = None) -> dict[str, str]:
    """Wordings analysts taught, as written -> code, latest wins: the ones an admin promoted to
    every unit, and those remembered for one of `units` (an analyst's regions).

    As written, not as header keys: prose is matched character by character."""
    from lawstats.store.spellings import active_answers

    mine = set(units or ())
    return {
        a.spelling: a.indicator_code
        for a in active_answers(engine)
        if a.indicator_code
        and ((a.unit_code is None and a.template_key is None) or a.unit_code in mine)
    }


TEXT_TEMPLATE = "text"  # the template a wording taught on report text is remembered for


def stored_values(engine: Engine, items: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """For candidates (dicts with id and the fact key): the value stored now and its source type."""
    from lawstats import store

    wanted = {}
    for it in items:
        if it.get("region_code") and it.get("period_start") and it.get("period_end"):
            key = (
                str(it["region_code"]),
                dt.date.fromisoformat(str(it["period_start"])),
                dt.date.fromisoformat(str(it["period_end"])),
                it["indicator_code"],
            )
            wanted.setdefault(key, []).append(it["id"])
    if not wanted:
        return {}
    f, b = store.facts, store.batches
    stmt = (
        sa.select(
            f.c.region_code,
            f.c.period_start,
            f.c.period_end,
            f.c.indicator_code,
            f.c.value,
            f.c.batch_id,
            b.c.source_type,
        )
        .select_from(f.join(b, b.c.id == f.c.batch_id))
        .where(
            f.c.is_current,
            f.c.indicator_code.in_(sa.bindparam("codes", expanding=True)),
            f.c.region_code.in_(sa.bindparam("regions", expanding=True)),
        )
    )
    params = {
        "codes": sorted({k[3] for k in wanted}),
        "regions": sorted({k[0] for k in wanted}),
    }
    out: dict[str, dict[str, Any]] = {}
    with store.connect(engine) as conn:
        for row in conn.execute(stmt, params):
            key = (
                row.region_code,
                store.to_date(row.period_start),
                store.to_date(row.period_end),
                row.indicator_code,
            )
            for cid in wanted.get(key, ()):
                out[cid] = {
                    "value": row.value,
                    "batch_id": int(row.batch_id),
                    "source_type": row.source_type,
                }
    return out


# --- the review table (the 文字报告补录 page draws it; the logic lives here) ---------------------


def region_option(code: str | None, regions: RegionTable | None = None) -> str:
    """'620500 天水市' (what the review table shows and parses back)."""
    if not code:
        return ""
    regions = regions or load_regions()
    return f"{code} {regions.get(code).name}" if code in regions else str(code)


def indicator_option(code: str, catalog: Catalog | None = None, lang: str = "zh") -> str:
    catalog = catalog or load_catalog()
    ind = catalog.get(code)
    return f"{code} {ind.name(lang)}（{ind.unit}）"


def region_options(region_code: str | None, regions: RegionTable | None = None) -> list[str]:
    """The report's region and every region below it."""
    regions = regions or load_regions()
    if not region_code or region_code not in regions:
        return []
    codes = [region_code, *[r.code for r in regions.descendants(region_code)]]
    return [region_option(c, regions) for c in codes]


def review_rows(
    result: NarrativeResult,
    stored: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    lang: str = "zh",
    note_text: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One editable row per candidate: accept, region, period, indicator, value, approximate."""
    catalog, regions = load_catalog(), load_regions()
    by_id = {c.id: c for c in result.candidates}
    rows = []
    for c in result.candidates:
        notes = []
        if c.derived_from and c.derived_from in by_id:
            notes.append(
                (note_text or {})
                .get("derived", "{base} {delta}")
                .format(base=by_id[c.derived_from].raw, delta=c.raw)
            )
        if c.part_of and c.part_of in by_id:
            notes.append((note_text or {}).get("part_of", "{ref}").format(ref=by_id[c.part_of].raw))
        if c.parts:
            listed = "、".join(f"{p.label}{p.raw}" for p in c.parts)
            notes.append((note_text or {}).get("parts", "{parts}").format(parts=listed))
        for n in c.notes:
            if n in (note_text or {}):
                notes.append(note_text[n])
        old = (stored or {}).get(c.id)
        rows.append(
            {
                "id": c.id,
                "accept": c.member is None,  # a breakdown member is shown, not loaded
                "region": region_option(c.region_code, regions),
                "period": c.period.label if c.period else "",
                "indicator": indicator_option(c.indicator_code, catalog, lang),
                "value": c.value,
                "approximate": c.is_approximate,
                "sentence": f"第{c.sentence_no}句 " + marked_snippet(c.sentence, c.span),
                "notes": "；".join(notes),
                "stored": ""
                if old is None
                else f"{old['value']:g}（#{old['batch_id']} {old['source_type']}）",
            }
        )
    return rows


class ReviewError(ValueError):
    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def decisions_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The analyst's edits as overrides of the reviewed document (accept, region, period...)."""
    from lawstats.domain.periods import parse_period

    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        cid = str(row["id"])
        accept = bool(row.get("accept"))
        d: dict[str, Any] = {"accept": accept}
        if accept:
            region = str(row.get("region") or "").split(" ")[0]
            indicator = str(row.get("indicator") or "").split(" ")[0]
            label = str(row.get("period") or "").strip()
            try:
                period = parse_period(label)
            except PeriodError:
                raise ReviewError(
                    f"{cid}：期间“{label}”无法识别", f"{cid}: period {label!r} not understood"
                ) from None
            value = row.get("value")
            if value is None or (isinstance(value, float) and math.isnan(value)):
                raise ReviewError(f"{cid}：缺少数值", f"{cid}: value missing")
            d.update(
                region_code=region or None,
                indicator_code=indicator,
                period_start=period.start.isoformat(),
                period_end=period.end.isoformat(),
                period=period.label,
                value=float(value),
                is_approximate=bool(row.get("approximate")),
            )
        out[cid] = d
    return out


def regions_not_writable(doc: Mapping[str, Any], user) -> list[str]:
    """Accepted candidates' regions the user may not write (the load refuses them too)."""
    codes = {
        str(c.get("region_code"))
        for c in doc.get("candidates", [])
        if c.get("accept") is True and c.get("region_code")
    }
    return sorted(c for c in codes if not user.can_write(c))


def map_unrecognised(
    result: NarrativeResult, uid: str, indicator_code: str, *, label: str | None = None
) -> Candidate:
    """The analyst maps an unrecognised figure to an indicator: it becomes a candidate."""
    from etl.narrative.extractor import _unit_factor  # the extractor's own unit rule
    from etl.narrative.numbers import Figure

    catalog = load_catalog()
    u = next((x for x in result.unrecognised if x.id == uid), None)
    if u is None:
        raise ReviewError(f"没有编号为 {uid} 的数字", f"no unrecognised figure {uid}")
    ind = catalog.get(indicator_code)
    fig = Figure(u.span[0], u.span[1], u.raw, u.value, u.unit, u.is_approximate)
    factor = _unit_factor(fig, ind)
    if factor is None:
        raise ReviewError(
            f"“{u.raw}”的单位与指标“{ind.name_zh}”（{ind.unit}）不符",
            f"the unit of {u.raw!r} does not fit {ind.name_en} ({ind.unit})",
        )
    period, source = result.clock.default_period()
    existing = {c.id for c in result.candidates}
    n = len(result.candidates) + 1
    while f"c{n}" in existing:
        n += 1
    cand = Candidate(
        id=f"c{n}",
        region_code=result.region_code,
        period=period,
        indicator_code=ind.code,
        value=round(u.value * factor, max(ind.decimals, 0) + 4),
        is_approximate=u.is_approximate,
        sentence_no=u.sentence_no,
        sentence=u.sentence,
        span=u.span,
        raw=u.raw,
        label=label or u.label,
        label_span=None,
        period_source=source,
        region_source=result.region_source,
        notes=["mapped_by_analyst"],
    )
    result.candidates.append(cand)
    result.unrecognised = [x for x in result.unrecognised if x.id != uid]
    return cand
