"""CLI commands of the load stage: `load` (files -> batches) and `template` (blank county workbook)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub, with_db) -> None:
    sp = with_db(
        sub.add_parser("load", help="load spreadsheets (one batch per file, all-or-nothing)")
    )
    sp.add_argument("paths", nargs="+", metavar="PATH", help=".xlsx/.xlsm/.xls/.csv files")
    sp.add_argument("--period", help="period when the file does not say (2024年1-6月, 2024Q1...)")
    sp.add_argument("--context", help="the city or province the file is about (天水市)")
    sp.add_argument(
        "--layout",
        choices=["wide", "long", "matrix", "yearbook", "template"],
        help="force a layout",
    )
    sp.add_argument(
        "--include-hidden",
        action="store_true",
        help="also read hidden sheets (skipped with a warning by default)",
    )
    sp.add_argument("--dry-run", action="store_true", help="validate and preview; write nothing")
    sp.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="HEADER=CODE",
        help="answer a mapping question: the column HEADER is indicator CODE (empty CODE: not "
        "an indicator); remembered for the file's reporting unit and template when it loads",
    )
    sp.add_argument(
        "--confirm-withdraw",
        action="store_true",
        help="confirm the withdrawal of the stored figures whose cells are marked 撤回",
    )
    sp.add_argument("--strict", action="store_true", help="refuse files with warnings too")
    sp.add_argument("--json", action="store_true", help="one JSON object per file on stdout")
    sp.add_argument("--user", default="cli", help="who is loading (recorded in the batch)")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of messages")
    sp.set_defaults(func=cmd_load)

    sp = sub.add_parser(
        "template", help="write the blank county template workbook for a city and period"
    )
    sp.add_argument("--city", required=True, help="city (or province) name: 天水市")
    sp.add_argument("--period", required=True, help="period label: 2024, 2024年1-6月...")
    sp.add_argument("--out", help="output .xlsx path (default: 模板_<city>_<period>.xlsx)")
    sp.set_defaults(func=cmd_template)

    sp = with_db(
        sub.add_parser(
            "export",
            help="the county template filled with stored figures (round-trips through load)",
        )
    )
    sp.add_argument("--city", required=True, help="city name: 天水市")
    sp.add_argument("--period", required=True, help="period label: 2024年3月")
    sp.add_argument("--out", help="output .xlsx path (default: 数据_<city>_<period>.xlsx)")
    sp.set_defaults(func=cmd_export)


def _answers(pairs: list[str]) -> dict[str, str]:
    """--answer HEADER=CODE pairs as answer keys -> codes ('' = not an indicator)."""
    from etl.cli import UsageError
    from etl.headers import answer_key
    from lawstats.domain.catalog import load_catalog

    catalog = load_catalog()
    out: dict[str, str] = {}
    for pair in pairs:
        header, sep, code = pair.rpartition("=")
        code = code.strip()
        if not sep or not header.strip() or (code and code not in catalog):
            raise UsageError(f"--answer 应为 表头=指标代码 / --answer must be HEADER=CODE: {pair}")
        out[answer_key(header.strip())] = code
    return out


def _print_problems(result, lang: str) -> None:
    for note in result.notes():
        print(f"  [{'说明' if lang == 'zh' else 'note'}] {note[lang]}", file=sys.stderr)
    for p in result.problems:
        tag = "错误" if p.severity == "error" else "警告"
        if lang == "en":
            tag = p.severity
        where = p.address or p.file or ""
        print(f"  [{tag}] {where}  {p.message(lang)}", file=sys.stderr)


def cmd_load(args: argparse.Namespace) -> int:
    from etl import sandbox

    sandbox.prestart()  # the parse worker starts while the pipeline below is imported
    from etl.answers import remember_answers, remembered_answers
    from etl.cli import UsageError, _engine, _progress, _tell_wait
    from etl.load import load_bytes
    from lawstats.store import summary

    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"文件不存在 file not found: {p}")
    engine = _engine(args)
    given = _answers(args.answer)
    answers = remembered_answers(engine, given)
    tick = _progress("导入 load") if len(paths) > 1 else None
    worst = 0
    loaded = False
    for i, path in enumerate(paths):
        result = load_bytes(
            engine,
            path.read_bytes(),
            path.name,
            user=args.user,
            period=args.period,
            context=args.context,
            layout=args.layout,
            include_hidden=args.include_hidden,
            dry_run=args.dry_run,
            strict=args.strict,
            on_wait=_tell_wait,
            extra_spellings=answers,
            confirm_withdrawals=args.confirm_withdraw,
        )
        if result.status == "loaded" and given:
            remember_answers(engine, result, given, actor=args.user)
        worst = max(worst, result.exit_code)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
        else:
            msg = result.message_en if args.lang == "en" else result.message_zh
            print(f"{path.name}: {msg}")
            _print_problems(result, args.lang)
        if tick:
            tick(i + 1, len(paths))
        loaded = loaded or result.status == "loaded"
    if loaded:
        summary.refresh_quietly(engine)  # the dashboard's reads stay fast
    return worst


def cmd_template(args: argparse.Namespace) -> int:
    from etl.cli import _parse_period, _resolve_region
    from etl.template import write_template
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    code = _resolve_region(args.city)
    period = _parse_period(args.period)
    out = Path(args.out or f"模板_{regions.get(code).name}_{period.label}.xlsx")
    write_template(out, city_code=code, period=period, region_table=regions, catalog=load_catalog())
    print(f"模板已写入 template written: {out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from etl.cli import _engine, _parse_period, _resolve_region
    from etl.export import export_city_template
    from lawstats.domain.regions import load_regions

    code = _resolve_region(args.city)
    period = _parse_period(args.period)
    out = Path(args.out or f"数据_{load_regions().get(code).name}_{period.label}.xlsx")
    filled = export_city_template(_engine(args), code, period, str(out))
    print(f"已导出 exported {filled} figures: {out}")
    return 0
