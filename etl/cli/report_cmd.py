"""CLI for year-end reports: `report` (region + period -> .docx/.xlsx/.txt) and `report-diff`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FORMATS = {".docx": "docx", ".xlsx": "xlsx", ".txt": "txt"}
MAX_TEMPLATE_BYTES = 20 * 2**20


def register(sub, with_db) -> None:
    sp = with_db(
        sub.add_parser(
            "report",
            help="year-end report of a region and period as Word, Excel or text (年度报告)",
        )
    )
    sp.add_argument("--region", required=True, help="region name as people write it (天水市)")
    sp.add_argument("--period", required=True, help="period label: 2024, 2024年1-6月...")
    sp.add_argument("--out", required=True, help="output file: .docx, .xlsx or .txt")
    sp.add_argument("--template", help="a .docx with {{placeholders}} (Word output only)")
    sp.add_argument("--no-charts", action="store_true", help="Word output without charts")
    sp.add_argument(
        "--no-save", action="store_true", help="do not archive this generation's sentences"
    )
    sp.add_argument("--user", default="cli", help="who generates (recorded with the generation)")
    sp.set_defaults(func=cmd_report)

    sp = with_db(
        sub.add_parser("report-diff", help="sentences that differ between two generations")
    )
    sp.add_argument("old", type=int, help="generation id")
    sp.add_argument("new", type=int, help="generation id")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_report_diff)


def _read_template(path: str | None, fmt: str) -> bytes | None:
    from etl.cli import UsageError

    if path is None:
        return None
    if fmt != "docx":
        raise UsageError("模板只用于 Word 输出 a template applies to .docx output only")
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"模板文件不存在 template not found: {p}")
    if p.stat().st_size > MAX_TEMPLATE_BYTES:
        raise UsageError(f"模板文件过大 template too large: {p}")
    data = p.read_bytes()
    from lawstats.reports.report_export import template_placeholders

    try:
        template_placeholders(data)
    except Exception as exc:  # noqa: BLE001 - python-docx raises several kinds on a bad file
        raise UsageError(f"无法读取模板 unreadable template {p}: {type(exc).__name__}") from None
    return data


def cmd_report(args: argparse.Namespace) -> int:
    from etl.cli import (
        EXIT_REFUSED,
        UsageError,
        _engine,
        _parse_period,
        _progress,
        _resolve_region,
    )
    from lawstats.reports import report as rp
    from lawstats.reports import report_export as rx

    out = Path(args.out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(f"不支持的输出格式 unsupported output (use .docx, .xlsx or .txt): {out}")
    region_code = _resolve_region(args.region)
    period = _parse_period(args.period)
    template = _read_template(args.template, fmt)
    engine = _engine(args)
    tick = _progress("生成报告 report")  # a bar on a terminal: build, charts, write
    tick(0, 3)
    report = rp.build_report(engine, region_code, period)
    tick(1, 3)
    if report.empty:
        print(
            f"错误 error: {report.full_name}{period.label}没有数据，未生成报告"
            f" / no data for this region and period; nothing written",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    note = None
    if fmt == "docx":
        images, note = rx.chart_images(report, charts=not args.no_charts)
        tick(2, 3)
        data = rx.to_docx(report, template=template, images=images, chart_note=note)
        if template is not None:
            unknown = rx.unknown_placeholders(template, report)
            if unknown:
                print(
                    f"警告 warning: 未识别的占位符 unknown placeholders: {', '.join(unknown)}",
                    file=sys.stderr,
                )
    else:
        data = rx.export(report, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    tick(3, 3)
    # counted from the lists the report prints: its statements, and the notices before them
    statements, notes = rx.sentence_counts(report)
    print(
        f"报告已写入 report written: {out}（{statements} 句陈述，另 {notes} 条说明"
        f" / {statements} statements and {notes} notices）"
    )
    if note and not args.no_charts:
        print(f"提示 note: {note}", file=sys.stderr)
    if report.is_demo:
        print("示例数据 demo data: the report says so on every page")
    if not args.no_save:
        _save_and_compare(engine, report, args.user)
    return 0


def _save_and_compare(engine, report, user: str) -> None:
    from lawstats.reports import generations as rg

    earlier = rg.list_generations(engine, report.region_code, report.period.label)
    gen_id = rg.save_generation(engine, report, user=user)
    if earlier.empty:
        print(f"已存档为第 {gen_id} 版 archived as generation {gen_id}")
        return
    prev_id = int(earlier.iloc[0]["id"])
    diff = rg.diff_sentences(rg.generation_sentences(engine, prev_id), rg.sentences_frame(report))
    print(
        f"已存档为第 {gen_id} 版；与第 {prev_id} 版相比 {len(diff)} 句不同"
        f" archived as generation {gen_id}; {len(diff)} sentences differ from generation {prev_id}"
    )
    for r in diff.itertuples(index=False):
        print(f"  [{r.status}] {r.new if r.new is not None else r.old}")


def cmd_report_diff(args: argparse.Namespace) -> int:
    from etl.cli import UsageError, _engine
    from lawstats.reports import generations as rg

    engine = _engine(args)
    known = set(rg.list_generations(engine)["id"].astype(int))
    for g in (args.old, args.new):
        if g not in known:
            raise UsageError(f"没有第 {g} 版 no such report generation: {g}")
    diff = rg.diff_sentences(
        rg.generation_sentences(engine, args.old), rg.generation_sentences(engine, args.new)
    )
    if args.json:
        print(json.dumps(diff.to_dict("records"), ensure_ascii=False, indent=2))
        return 0
    print(f"第 {args.old} 版 → 第 {args.new} 版: {len(diff)} 句不同 sentences differ")
    for r in diff.itertuples(index=False):
        print(f"  [{r.status}] {r.key}")
        if r.old is not None:
            print(f"    - {r.old}")
        if r.new is not None:
            print(f"    + {r.new}")
    return 0
