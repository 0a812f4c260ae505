"""CLI for targets and assessment: `targets import|list|history|reopen|relock|settle`, `progress`, `assess`.

Exit codes as elsewhere: 0 done, 1 refused (file problems, locked or settled year, no
permission; nothing written), 2 unreadable file, unknown region/period or bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from etl.cli import EXIT_OK, EXIT_REFUSED, UsageError


def read_target_file(
    data: bytes,
    filename: str,
    *,
    default_year: int | None = None,
    context: str | None = None,
):
    """Targets from an .xlsx/.xls/.csv file's bytes: (targets, problems). Raises etl.readers.ReadError."""
    from etl.sandbox import read_workbook
    from lawstats import settings
    from lawstats.analysis import targets as tg

    book = read_workbook(data, filename, max_unpacked_bytes=settings.max_upload_bytes())
    found: list[tg.Target] = []
    problems: list[tg.Problem] = []
    first_problems: list[tg.Problem] | None = None
    for sheet in book.sheets:
        if sheet.is_empty():
            continue
        name = sheet.name if len(book.sheets) > 1 else ""
        got, probs = tg.parse_rows(
            sheet.cells, sheet=name, default_year=default_year, context=context
        )
        if not got and len(probs) == 1 and first_problems is None:
            first_problems = probs  # a sheet without a target table (notes, instructions)
            continue
        found += got
        problems += probs
    if not found and not problems and first_problems:
        problems = first_problems
    keys: set[tuple[str, str, int]] = set()
    for tgt in found:
        if tgt.key in keys:
            problems.append(
                tg.Problem(
                    filename,
                    f"{tgt.region_code} {tgt.indicator_code} {tgt.year} 的目标出现了两次",
                    f"{tgt.region_code} {tgt.indicator_code} {tgt.year} appears twice",
                )
            )
        keys.add(tgt.key)
    return found, problems


def _account(engine, name: str):
    """The account named by --user, if there is one (its permissions then apply); else None."""
    from lawstats.store import auth

    try:
        return auth.get_user(engine, name)
    except Exception:  # noqa: BLE001 - no accounts table yet: a trusted operator
        return None


def _region(text: str) -> str:
    from etl.cli import _resolve_region

    return _resolve_region(text)


def _refused(exc) -> int:
    print(f"拒绝 refused: {exc.message_zh} / {exc.message_en}", file=sys.stderr)
    return EXIT_REFUSED


# --------------------------------------------------------------------------- targets


def cmd_import(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from etl.readers import ReadError
    from lawstats.analysis import targets as tg

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"文件不存在 file not found: {path}")
    context = _region(args.context) if args.context else None
    try:
        found, problems = read_target_file(
            path.read_bytes(), path.name, default_year=args.year, context=context
        )
    except ReadError as exc:
        raise UsageError(f"{exc.problem.message_zh} / {exc.problem.message_en}") from None
    if problems:
        for p in problems:
            print(f"  [错误 error] {p.message('zh')} / {p.message_en}", file=sys.stderr)
        if args.json:
            print(
                json.dumps(
                    {"status": "refused", "problems": [vars(p) for p in problems]},
                    ensure_ascii=False,
                )
            )
        print(
            f"{path.name}: 有 {len(problems)} 处问题，未导入 refused, nothing imported",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    engine = _engine(args)
    if args.dry_run:
        _print_json_or(
            args,
            {"status": "dry_run", "targets": len(found)},
            f"{path.name}: {len(found)} 项目标可以导入（未写入） dry run",
        )
        return EXIT_OK
    try:
        result = tg.save_targets(
            engine,
            found,
            actor=args.user,
            user=_account(engine, args.user),
            source=f"import:{path.name}",
            reason=args.reason or None,
        )
    except tg.TargetError as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "status": "refused",
                        "message_zh": exc.message_zh,
                        "message_en": exc.message_en,
                    },
                    ensure_ascii=False,
                )
            )
        return _refused(exc)
    summary = {
        "status": "imported" if result.changed else "unchanged",
        "targets": len(found),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    _print_json_or(
        args,
        summary,
        f"{path.name}: 新增 {result.created} 项，修改 {result.updated} 项，未变 {result.unchanged} 项"
        f" (created {result.created}, updated {result.updated}, unchanged {result.unchanged})",
    )
    return EXIT_OK


def _print_json_or(args: argparse.Namespace, payload: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(text)


def _print_frame(args: argparse.Namespace, frame, empty: str, line) -> int:
    """A frame as JSON records (--json) or one text line per row."""
    if args.json:
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
    elif frame.empty:
        print(empty)
    else:
        for r in frame.itertuples(index=False):
            print(line(r))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.analysis import targets as tg
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.regions import load_regions

    frame = tg.list_targets(_engine(args), _region(args.region), args.year, include_children=True)
    catalog, regions = load_catalog(), load_regions()

    def line(r) -> str:
        ind = catalog.get(r.indicator_code)
        text = tg.target_text(r.kind, float(r.value), ind, r.per_code)
        name = regions.get(r.region_code).name
        return f"{r.year}  {name:<10} {ind.name_zh:<16} {text:<20} v{r.version}  {r.updated_by}"

    return _print_frame(args, frame, "没有目标 no targets", line)


def cmd_history(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.analysis import targets as tg

    frame = tg.history(_engine(args), _region(args.region), args.year, include_children=True)

    def line(r) -> str:
        old = "—" if r.old_kind is None else f"{r.old_kind} {r.old_value:g}"
        new = "—" if r.new_kind is None else f"{r.new_kind} {r.new_value:g}"
        what = f"{r.region_code} {r.indicator_code} {r.year} v{r.version}"
        return f"{r.at}  {r.actor:<10} {r.action:<7} {what}: {old} -> {new}  {r.source or ''}"

    return _print_frame(args, frame, "没有修改记录 no changes recorded", line)


def _admin_action(args: argparse.Namespace, work, message) -> int:
    """reopen / relock / settle: run `work(engine, region_code, user)`, print `message(result)`."""
    from etl.cli import _engine
    from lawstats.analysis import targets as tg

    code = _region(args.region)
    engine = _engine(args)
    try:
        result = work(engine, code, _account(engine, args.user))
    except tg.TargetError as exc:
        return _refused(exc)
    print(message(code, result))
    return EXIT_OK


def cmd_reopen(args: argparse.Namespace) -> int:
    from lawstats.analysis import targets as tg

    return _admin_action(
        args,
        lambda e, code, user: tg.reopen(
            e, code, args.year, actor=args.user, reason=args.reason, user=user
        ),
        lambda code, _: f"已重新开放 reopened: {code} {args.year} ({args.reason})",
    )


def cmd_relock(args: argparse.Namespace) -> int:
    from lawstats.analysis import targets as tg

    return _admin_action(
        args,
        lambda e, code, user: tg.relock(e, code, args.year, actor=args.user, user=user),
        lambda code, n: f"已重新锁定 locked again: {code} {args.year} ({n})",
    )


def cmd_settle(args: argparse.Namespace) -> int:
    from lawstats.analysis import targets as tg

    return _admin_action(
        args,
        lambda e, code, user: tg.settle(
            e, code, args.year, actor=args.user, user=user, note=args.note or ""
        ),
        lambda code, n: f"已结算 settled: {n} targets of {code} {args.year}",
    )


# --------------------------------------------------------------------------- progress


def _through(text: str | None, year: int):
    from etl.cli import _parse_period
    from lawstats.domain.periods import Period

    if not text:
        return None
    p = _parse_period(text)
    if p.end.year != year:
        raise UsageError(f"--as-of {text} 不在 {year} 年内 / is not inside {year}")
    return Period.months(year, 1, p.end.month)


def cmd_progress(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.analysis import targets as tg
    from lawstats.domain.formatting import format_number
    from lawstats.domain.regions import load_regions

    code = _region(args.region)
    through = _through(args.as_of, args.year)
    frame = tg.progress(_engine(args), code, args.year, through, include_children=True)
    if args.json:
        print(json.dumps(tg.progress_records(frame), ensure_ascii=False, indent=2))
        return EXIT_OK
    regions = load_regions()
    if frame.empty:
        print(f"{regions.full_name(code)} {args.year}年没有目标 no targets")
        return EXIT_OK
    months = int(frame["months"].iloc[0])
    print(
        f"{regions.full_name(code)}  {args.year}年目标（截至 {frame['through'].iloc[0]}，"
        f"序时进度 {format_number(months / 12 * 100, 1)}%）"
    )
    for r in frame.to_dict("records"):
        print(f"  [{r['status_zh']}] {r['region_name']} {tg.explain(r)}")
    print(tg.summary_sentence(frame))
    return EXIT_OK


# --------------------------------------------------------------------------- assessment


def cmd_assess(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.analysis import assessment as asm
    from lawstats.reports import bulletin

    try:
        schemes = asm.load_schemes()
    except asm.SchemeError as exc:
        raise UsageError(str(exc)) from None
    if args.list or not args.scheme:
        for s in schemes.values():
            print(f"{s.code:<24} {s.frequency:<10} {s.max_points:g} 分  {s.name_zh}  ({s.source})")
        if args.list:
            return EXIT_OK
        raise UsageError("需要 --scheme CODE（见 --list） / --scheme CODE is required (see --list)")
    if args.scheme not in schemes:
        raise UsageError(f"未知考评方案 unknown scheme: {args.scheme} ({', '.join(schemes)})")
    scheme = schemes[args.scheme]
    if args.year is None:
        raise UsageError("需要 --year / --year is required")
    if args.region:
        parent = _region(args.region)
    elif scheme.scope:
        parent = scheme.scope
    else:
        raise UsageError("方案未指定范围，请给出 --region / the scheme has no scope; give --region")
    if args.quarter and not 1 <= args.quarter <= 4:
        raise UsageError("--quarter 须为 1-4")
    months = 3 * args.quarter if args.quarter else 12
    engine = _engine(args)
    a = asm.score(engine, scheme, parent, args.year, months, lang=args.lang)
    if args.out:
        from lawstats.store.demo_mode import is_demo

        b = bulletin.build(a, args.lang, is_demo=is_demo(engine))
        out = Path(args.out)
        if out.suffix.lower() == ".docx":
            out.write_bytes(bulletin.to_docx(b))
        elif out.suffix.lower() == ".xlsx":
            out.write_bytes(bulletin.to_xlsx(b))
        else:
            raise UsageError("--out 须为 .docx 或 .xlsx / --out must end in .docx or .xlsx")
        print(f"通报已写入 bulletin written: {out}", file=sys.stderr)
    if args.json:
        payload = {
            "scheme": scheme.code,
            "region_code": parent,
            "period": a.period.label,
            "previous_period": a.previous_label,
            "totals": json.loads(a.totals.to_json(orient="records", force_ascii=False)),
            "breakdown": json.loads(
                asm.breakdown_export(a).to_json(orient="records", force_ascii=False)
            ),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    from lawstats.reports.bulletin import summary_sentences

    print(f"{scheme.name_zh}  {a.period.label}")
    print(asm.ranking_table(a, args.lang).to_string(index=False))
    for s in summary_sentences(a, args.lang):
        print(s)
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def register(sub, with_db) -> None:
    tp = sub.add_parser("targets", help="targets: import, list, history, reopen, relock, settle")
    tsub = tp.add_subparsers(dest="targets_command", required=True)

    sp = with_db(
        tsub.add_parser("import", help="import targets from .xlsx/.xls/.csv (all or nothing)")
    )
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--year", type=int, help="year for rows that give none")
    sp.add_argument("--context", help="the city the file is about (resolves short county names)")
    sp.add_argument("--user", default="cli", help="who is importing (recorded in the history)")
    sp.add_argument("--reason", help="why (recorded with each change)")
    sp.add_argument("--dry-run", action="store_true", help="check the file; write nothing")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_import)

    sp = with_db(tsub.add_parser("list", help="targets of a region and the regions below it"))
    sp.add_argument("--region", required=True)
    sp.add_argument("--year", type=int)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_list)

    sp = with_db(
        tsub.add_parser("history", help="every change of the targets (who, when, old -> new)")
    )
    sp.add_argument("--region", required=True)
    sp.add_argument("--year", type=int)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_history)

    for name, func, text in (
        ("reopen", cmd_reopen, "reopen a year's locked targets (admin, with a reason)"),
        ("relock", cmd_relock, "lock reopened targets again (admin)"),
        ("settle", cmd_settle, "year-end settlement: freeze the year's results (admin)"),
    ):
        sp = with_db(tsub.add_parser(name, help=text))
        sp.add_argument("--region", required=True)
        sp.add_argument("--year", type=int, required=True)
        sp.add_argument("--user", default="cli", help="who (an account's role is checked)")
        if name == "reopen":
            sp.add_argument("--reason", required=True)
        if name == "settle":
            sp.add_argument("--note")
        sp.set_defaults(func=func)

    sp = with_db(
        sub.add_parser("progress", help="targets of a region and its children against 序时进度")
    )
    sp.add_argument("--region", required=True, help="region name (天水市, 秦州区...)")
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--as-of", dest="as_of", help="through month YYYY-MM (default: latest data)")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_progress)

    sp = with_db(
        sub.add_parser(
            "assess", help="score a 考评 scheme; --out writes the bulletin (.docx/.xlsx)"
        )
    )
    sp.add_argument("--scheme", help="scheme code (see --list)")
    sp.add_argument("--list", action="store_true", help="list the schemes in data/schemes/")
    sp.add_argument(
        "--region", help="the city whose counties are assessed (default: the scheme's scope)"
    )
    sp.add_argument("--year", type=int)
    sp.add_argument("--quarter", type=int, help="through quarter 1-4 (default: the whole year)")
    sp.add_argument("--out", help="bulletin file .docx or .xlsx")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_assess)
