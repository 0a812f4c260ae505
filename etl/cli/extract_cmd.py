"""CLI: `python -m etl extract FILE` reads a published work report and prints candidate facts.

    python -m etl extract REPORT.txt|.docx|.html [--region R] [--period P] [--date YYYY-MM-DD]
                          [--json] [--out REVIEWED.json [--accept-all]] [--db URL]

`--json` prints a list of candidate objects (region_code, period_start, period_end,
indicator_code, value, is_approximate, sentence, plus id, highlight, label, derived_from,
part_of, parts, notes...). `--out` writes a reviewed-result document whose candidates have
`"accept": null`; set each to true or false, then `python -m etl load REVIEWED.json` loads
the accepted ones as one batch with source type report_text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path


def register(sub, with_db) -> None:
    sp = with_db(
        sub.add_parser(
            "extract",
            help="candidate facts from a work report's text (.txt/.docx/.html) for review",
        )
    )
    sp.add_argument("path", metavar="FILE", help="the report: .txt, .docx or .html")
    sp.add_argument("--region", help="the report's region if the text does not say (天水市)")
    sp.add_argument("--period", help="period of figures whose sentence names none (2024)")
    sp.add_argument("--date", help="the report's date (YYYY-MM-DD), for 今年以来 / 截至目前 / 去年")
    sp.add_argument("--json", action="store_true", help="print the candidates as JSON")
    sp.add_argument("--out", help="write a reviewed-result file to edit and then `load`")
    sp.add_argument(
        "--accept-all",
        action="store_true",
        help="with --out: mark every candidate accepted (you still review the file before loading)",
    )
    sp.set_defaults(func=cmd_extract)


def _learned(args: argparse.Namespace) -> dict[str, str]:
    """Spellings analysts taught, when a database was named (extract needs none otherwise)."""
    if not args.db:
        return {}
    from etl.cli import _engine
    from etl.narrative.review import learned_spellings

    return learned_spellings(_engine(args))


def cmd_extract(args: argparse.Namespace) -> int:
    from etl.cli import UsageError
    from etl.narrative import ExtractError, ReadError, extract_text, read_document
    from etl.narrative.review import candidates_json, document_bytes, reviewed_document

    path = Path(args.path)
    if not path.is_file():
        raise UsageError(f"文件不存在 file not found: {path}")
    data = path.read_bytes()
    try:
        text = read_document(data, path.name)
        result = extract_text(
            text,
            region=args.region,
            period=args.period,
            report_date=args.date,
            extra_spellings=_learned(args),
        )
    except (ReadError, ExtractError) as exc:
        raise UsageError(f"{exc.message_zh} / {exc.message_en}") from None
    if args.out:
        doc = reviewed_document(
            result,
            path.name,
            source_sha256=hashlib.sha256(data).hexdigest(),
            accept=True if args.accept_all else None,
        )
        Path(args.out).write_bytes(document_bytes(doc))
        print(
            f"已写入 {args.out}：{len(result.candidates)} 条候选。"
            f"逐条把 accept 改为 true（采用）或 false（不采用）后运行 python -m etl load {args.out}\n"
            f"written {args.out}: {len(result.candidates)} candidates; set each accept to true/false,"
            f" then run python -m etl load {args.out}",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(candidates_json(result), ensure_ascii=False, indent=2))
        return 0
    if not args.out:
        _print_text(result)
    return 0


def _print_text(result) -> None:
    from etl.narrative.review import marked_sentence
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.formatting import format_value
    from lawstats.domain.regions import load_regions
    from lawstats.i18n import t

    catalog, regions = load_catalog(), load_regions()
    region = regions.full_name(result.region_code) if result.region_code else "未识别 unknown"
    clock = result.clock
    period, source = clock.default_period()
    date = clock.report_date.isoformat() if clock.report_date else "未知 unknown"
    print(
        f"地区 region: {region}   期间 period: {period.label if period else '未知'}（{source}）"
        f"   报告日期 report date: {date}"
    )
    if source == "inferred":
        print(
            "  注意：报告未注明日期和期间，期间按文中最常出现的年份推定；可用 --date / --period 指定。"
        )
    print(f"候选 candidates: {len(result.candidates)}")
    for c in result.candidates:
        ind = catalog.get(c.indicator_code)
        extra = []
        if c.derived_from:
            extra.append(f"由 {c.derived_from} 推算上年")
        if c.part_of:
            extra.append(f"属于 {c.part_of}")
        if c.parts:
            extra.append("其中 " + "、".join(f"{p.label}{p.raw}" for p in c.parts))
        extra += [n for n in c.notes if n in ("conflict", "parts_exceed_whole", "no_region")]
        where = regions.display_name(c.region_code) if c.region_code else "?"
        print(
            f"  {c.id:<4} {where:<8} {(c.period.label if c.period else '?'):<12} {ind.name_zh:<14}"
            f" {format_value(c.value, ind, approximate=c.is_approximate):>12}"
            f"  第{c.sentence_no}句 {marked_sentence(c.sentence, c.span)}"
            + (f"  [{'；'.join(extra)}]" if extra else "")
        )
    print(f"未识别 unrecognised: {len(result.unrecognised)}")
    for u in result.unrecognised:
        print(
            f"  {u.id:<4} {u.raw:<10} {u.label:<14} （{t('backfill_reason_' + u.reason, 'zh')}）"
            f"  第{u.sentence_no}句"
        )
