"""The analyst workspace without Streamlit: upload preview and commit through the one ETL
pipeline (etl.load.load_bytes), learned header spellings, batch history and rollback (missing
reports and blank templates: lawstats.workflow.reporting). Pages call these and only draw the
results.

Every write checks the user's role here too (not only in the page), and every write lands in
the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.answers import Answers, remember_answers, remembered_answers, used_answers
from etl.headers import answer_key
from etl.load import LoadResult, load_bytes
from etl.problems import ERROR, Problem
from lawstats import store
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.store import spellings, summary
from lawstats.store.auth import User
from lawstats.store.spellings import list_spellings  # noqa: F401  (re-exported for pages)
from lawstats.workflow.reporting import indicator_label as _indicator_label
from lawstats.workflow.reporting import region_label as _region_label

LAYOUTS = ("wide", "long", "matrix", "yearbook", "template")
MAX_PREVIEW_ROWS = 2000


class WorkspaceError(store.StoreError):
    """A workspace action was refused (message in Chinese and English)."""


def require_writer(user: User | None) -> User:
    """The user if it may write at all (analyst or admin, active); raises otherwise."""
    if user is None or not user.has_role("analyst"):
        raise WorkspaceError("需要统计员或管理员权限", "this needs the analyst or admin role")
    return user


def _require_admin(user: User | None) -> User:
    if user is None or not user.has_role("admin"):
        raise WorkspaceError("需要管理员权限", "this needs the admin role")
    return user


# --------------------------------------------------------------------------- upload


@dataclass(frozen=True)
class UploadOptions:
    """What the analyst corrected or answered on the upload page (None / empty = as detected)."""

    period: str | None = None
    context: str | None = None
    layout: str | None = None
    # header as written -> indicator code ('' = not an indicator): answers for this file
    mapping: tuple[tuple[str, str], ...] = ()
    confirm_withdrawals: bool = False  # the cells marked 撤回 may withdraw stored figures

    def with_mapping(self, mapping: Mapping[str, str]) -> UploadOptions:
        pairs = tuple(sorted((h, c or "") for h, c in mapping.items() if h and c is not None))
        return replace(self, mapping=pairs)


spelling_key = answer_key  # the key an answer for a header is kept under


def extra_spellings(engine: Engine, options: UploadOptions | None = None) -> Answers:
    """This upload's answers plus every remembered one, for load_bytes (each applies only to
    its reporting unit's template, or everywhere when promoted; never over a certain match)."""
    return remembered_answers(engine, _given(options))


def _given(options: UploadOptions | None) -> dict[str, str]:
    return {spelling_key(h): c for h, c in (options.mapping if options else ()) if spelling_key(h)}


def _load(
    engine: Engine,
    user: User,
    data: bytes,
    filename: str,
    options: UploadOptions,
    *,
    dry_run: bool,
    strict: bool = False,
    on_wait: Callable[[str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> LoadResult:
    return load_bytes(
        engine,
        data,
        filename,
        user=user.username,
        period=options.period or None,
        context=options.context or None,
        layout=options.layout or None,
        dry_run=dry_run,
        strict=strict,
        allowed_regions=user.allowed_regions(),
        extra_spellings=extra_spellings(engine, options),
        on_wait=on_wait,
        confirm_withdrawals=options.confirm_withdrawals,
        on_stage=on_stage,
    )


def preview(
    engine: Engine,
    user: User | None,
    data: bytes,
    filename: str,
    options: UploadOptions,
    on_stage: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate a file as `user` would load it and say what would change; writes nothing.
    `on_stage`: told as each stage of the load begins (etl.load.STAGES)."""
    user = require_writer(user)
    return _load(engine, user, data, filename, options, dry_run=True, on_stage=on_stage)


def commit(
    engine: Engine,
    user: User | None,
    data: bytes,
    filename: str,
    options: UploadOptions,
    *,
    confirm_warnings: bool,
    remember: bool = True,
    on_wait: Callable[[str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> LoadResult:
    """Load the file as one batch. Without `confirm_warnings` a file with warnings is refused
    (strict); errors (unanswered questions among them) always refuse. On success the page's
    answers are remembered for the file's reporting unit and template."""
    user = require_writer(user)
    result = _load(
        engine,
        user,
        data,
        filename,
        options,
        dry_run=False,
        strict=not confirm_warnings,
        on_wait=on_wait,
        on_stage=on_stage,
    )
    if result.status == "loaded":
        summary.refresh_later(engine)  # the dashboard's summary, in the background
    if result.status == "loaded" and remember and options.mapping:
        remember_answers(engine, result, _given(options), actor=user.username)
    return result


def used_mapping(result: LoadResult, options: UploadOptions) -> dict[str, str]:
    """The page's answers that the file's columns actually used (header -> code)."""
    return {header: code for header, code, _u, _t in used_answers(result, _given(options))}


def withdrawals_frame(result: LoadResult, lang: str = "zh") -> pd.DataFrame:
    """The stored figures a preview's cells marked 撤回 would withdraw: region, period,
    indicator, the value stored now."""
    superseded = result.preview
    if superseded is None or superseded.empty or "new_value" not in superseded:
        return pd.DataFrame(columns=["region", "period", "indicator", "old_value"])
    gone = superseded[superseded["new_value"].isna()]
    labelled = _label_facts(gone, lang).assign(old_value=gone["old_value"].to_numpy())
    return labelled[["region", "period", "indicator", "old_value"]]


# --------------------------------------------------------------------------- learned spellings


def learned_spellings(engine: Engine, unit_code: str | None = None) -> dict[str, str]:
    """Active answers naming an indicator as key -> code: the promoted ones, and with
    `unit_code` that unit's own too (latest wins)."""
    out: dict[str, str] = {}
    for a in spellings.active_answers(engine):
        promoted = a.unit_code is None and a.template_key is None
        if a.indicator_code and (promoted or (unit_code and a.unit_code == unit_code)):
            key = spelling_key(a.spelling)
            if key:
                out[key] = a.indicator_code
    return out


def remember_spellings(
    engine: Engine,
    mapping: Mapping[str, str],
    *,
    actor: str,
    unit_code: str | None,
    template_key: str | None,
) -> int:
    """Remember header -> indicator answers for one reporting unit and template (an older answer
    for the same header and scope is retired). Promoting to every unit is promote_spelling's."""
    if unit_code is None and template_key is None:
        raise WorkspaceError(
            "只能为一个填报单位记住写法；推广到所有单位需要管理员操作",
            "an answer is remembered for one reporting unit; promoting it is an admin action",
        )
    catalog = load_catalog()
    entries = [
        (header, code, unit_code, template_key)
        for header, code in mapping.items()
        if spelling_key(header) and (code == "" or code in catalog)
    ]
    return spellings.remember(
        engine, entries, actor=actor, same=lambda a, b: spelling_key(a) == spelling_key(b)
    )


def promote_spelling(engine: Engine, user: User | None, spelling_id: int) -> str:
    """Make a remembered answer apply to every reporting unit and template (admin only; audited)."""
    user = _require_admin(user)
    try:
        return spellings.promote(engine, spelling_id, actor=user.username).spelling
    except store.StoreError as exc:
        raise WorkspaceError(exc.message_zh, exc.message_en) from None


def revoke_spelling(engine: Engine, user: User | None, spelling_id: int) -> str:
    """Retire a learned spelling (admin only); returns the spelling."""
    user = _require_admin(user)
    try:
        return spellings.revoke(engine, spelling_id, actor=user.username)
    except store.StoreError as exc:
        raise WorkspaceError(exc.message_zh, exc.message_en) from None


# --------------------------------------------------------------------------- labelled frames


def _period_label(start, end, lang: str) -> str:
    period = Period(store.to_date(start), store.to_date(end))
    return period.label if lang != "en" else period.label_en


def problems_frame(problems: Sequence[Problem], lang: str = "zh") -> pd.DataFrame:
    """One row per problem: severity, sheet, cell, region, indicator, message (errors first)."""
    regions, catalog = load_regions(), load_catalog()
    rows = [
        {
            "severity": p.severity,
            "sheet": p.sheet or "",
            "cell": p.cell or "",
            "region": _region_label(regions, p.region) if p.region in regions else (p.region or ""),
            "indicator": _indicator_label(catalog, p.indicator, lang),
            "message": p.message(lang),
            "code": p.code,
        }
        for p in problems
    ]
    frame = pd.DataFrame(
        rows, columns=["severity", "sheet", "cell", "region", "indicator", "message", "code"]
    )
    if frame.empty:
        return frame
    order = frame["severity"].map({ERROR: 0}).fillna(1)
    return (
        frame.assign(_o=order)
        .sort_values("_o", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def tables_frame(result: LoadResult, lang: str = "zh") -> pd.DataFrame:
    """What was detected per table: sheet, layout, confidence, period, region context, rows."""
    regions = load_regions()
    rows = []
    for t in getattr(result.extraction, "tables", None) or []:
        rows.append(
            {
                "sheet": t.sheet,
                "layout": t.layout,
                "confidence": round(float(t.confidence), 2),
                "period": (t.period.label if lang != "en" else t.period.label_en)
                if t.period
                else "",
                "period_source": t.period_source or "",
                "context": regions.full_name(t.context_code) if t.context_code in regions else "",
                "context_source": t.context_source or "",
                "rows": sum(1 for r in t.rows if r.row_kind == "data"),
                "columns": sum(1 for c in t.columns if c.indicator_code),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "sheet",
            "layout",
            "confidence",
            "period",
            "period_source",
            "context",
            "context_source",
            "rows",
            "columns",
        ],
    )


MAPPING_ROLES = ("indicator", "question", "unmapped")


def mapping_frame(result: LoadResult, lang: str = "zh") -> pd.DataFrame:
    """Column -> indicator per table, with the matcher's confidence (indicator and unmapped
    columns; region, period and ignored columns are structure, not figures)."""
    catalog = load_catalog()
    rows = []
    for t in getattr(result.extraction, "tables", None) or []:
        for c in t.columns:
            if c.role not in MAPPING_ROLES:
                continue
            rows.append(
                {
                    "sheet": t.sheet,
                    "column": c.col_letter,
                    "header": c.header_text,
                    "indicator_code": c.indicator_code or "",
                    "indicator": _indicator_label(catalog, c.indicator_code, lang),
                    "confidence": round(float(c.confidence), 2) if c.indicator_code else None,
                    "unit": c.unit or "",
                    "mapped": bool(c.indicator_code),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "sheet",
            "column",
            "header",
            "indicator_code",
            "indicator",
            "confidence",
            "unit",
            "mapped",
        ],
    )


def _label_facts(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Region, period and indicator names for fact rows (each distinct value labelled once)."""
    regions, catalog = load_regions(), load_catalog()
    region_codes = frame["region_code"].astype(str)
    indicator_codes = frame["indicator_code"].astype(str)
    spans = list(zip(frame["period_start"], frame["period_end"], strict=True))
    region_names = {c: _region_label(regions, c) for c in region_codes.unique()}
    indicator_names = {c: _indicator_label(catalog, c, lang) for c in indicator_codes.unique()}
    period_names = {span: _period_label(*span, lang) for span in set(spans)}
    return pd.DataFrame(
        {
            "region_code": region_codes.to_numpy(),
            "region": region_codes.map(region_names).to_numpy(),
            "period": [period_names[span] for span in spans],
            "indicator_code": indicator_codes.to_numpy(),
            "indicator": indicator_codes.map(indicator_names).to_numpy(),
        }
    )


def change_frames(result: LoadResult, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(new facts, superseded facts old -> new) of a dry run, labelled for people."""
    key = ["region_code", "period_start", "period_end", "indicator_code"]
    superseded = result.preview if result.preview is not None else pd.DataFrame(columns=key)
    to_write = result.to_write if result.to_write is not None else pd.DataFrame(columns=key)
    if not to_write.empty and not superseded.empty:
        marks = superseded[key].assign(_old=True)
        merged = to_write.merge(marks, on=key, how="left")
        new = to_write[merged["_old"].isna().to_numpy()]
    else:
        new = to_write
    new_frame = (
        _label_facts(new, lang).assign(value=new["value"].to_numpy())
        if len(new)
        else _empty_changes(False)
    )
    if len(superseded):
        old_frame = _label_facts(superseded, lang).assign(
            old_value=superseded["old_value"].to_numpy(),
            new_value=superseded["new_value"].to_numpy(),
            old_batch_id=superseded["old_batch_id"].to_numpy(),
        )
    else:
        old_frame = _empty_changes(True)
    return new_frame.reset_index(drop=True), old_frame.reset_index(drop=True)


def _empty_changes(superseded: bool) -> pd.DataFrame:
    cols = ["region_code", "region", "period", "indicator_code", "indicator"]
    cols += ["old_value", "new_value", "old_batch_id"] if superseded else ["value"]
    return pd.DataFrame(columns=cols)


def annotated_copy(
    data: bytes, filename: str, problems: Sequence[Problem], lang: str = "zh"
) -> bytes:
    """The analyst's file with problem cells marked and a 问题清单 sheet (etl.annotate)."""
    from etl.annotate import annotate

    regions, catalog = load_regions(), load_catalog()
    return annotate(
        data,
        filename,
        problems,
        lang=lang,
        region_name=lambda c: _region_label(regions, c) if c in regions else c,
        indicator_name=lambda c: _indicator_label(catalog, c, lang),
    )


# --------------------------------------------------------------------------- batches


def batch_regions(engine: Engine, batch_ids: Iterable[int]) -> dict[int, list[str]]:
    """The regions each batch wrote figures for."""
    ids = [int(b) for b in batch_ids]
    if not ids:
        return {}
    f = store.facts
    stmt = (
        sa.select(f.c.batch_id, f.c.region_code)
        .where(f.c.batch_id.in_(sa.bindparam("ids", expanding=True)))
        .group_by(f.c.batch_id, f.c.region_code)
    )
    out: dict[int, list[str]] = {b: [] for b in ids}
    with store.connect(engine) as conn:
        for batch_id, region in conn.execute(stmt, {"ids": ids}):
            out[int(batch_id)].append(str(region))
    return {b: sorted(v) for b, v in out.items()}


def regions_summary(codes: Sequence[str], lang: str = "zh") -> str:
    """秦州区 · 天水市 7 个县区 · 12 个地区: short enough for a table cell."""
    regions = load_regions()
    known = [c for c in codes if c in regions]
    if not known:
        return ""
    if len(known) == 1:
        return regions.display_name(known[0])
    parents = {regions.get(c).parent_code for c in known}
    if len(parents) == 1 and None not in parents:
        parent = regions.get(parents.pop()).name
        return (
            f"{parent} {len(known)} 个地区" if lang != "en" else f"{parent}: {len(known)} regions"
        )
    return f"{len(known)} 个地区" if lang != "en" else f"{len(known)} regions"


def batch_history(engine: Engine, *, limit: int = 200, lang: str = "zh") -> pd.DataFrame:
    """The load history, newest first, with the regions each batch touched."""
    from lawstats.store.revisions import list_batches

    with store.connect(engine) as conn:
        frame = list_batches(conn, limit=limit)
    if frame.empty:
        frame["regions"] = []
        return frame
    touched = batch_regions(engine, frame["id"].tolist())
    frame["regions"] = [regions_summary(touched.get(int(b), []), lang) for b in frame["id"]]
    frame["region_codes"] = [tuple(touched.get(int(b), [])) for b in frame["id"]]
    return frame


def batch_changes(engine: Engine, batch_id: int, lang: str = "zh") -> pd.DataFrame:
    """What a batch wrote, with the values it superseded, labelled for people."""
    from lawstats.store.revisions import batch_diff

    with store.connect(engine) as conn:
        diff = batch_diff(conn, int(batch_id))
    if diff.empty:
        return pd.DataFrame(
            columns=[
                "region",
                "period",
                "indicator",
                "old_value",
                "new_value",
                "change",
                "is_current",
            ]
        )
    labels = _label_facts(diff, lang)
    return labels.assign(
        old_value=diff["old_value"].to_numpy(),
        new_value=diff["new_value"].to_numpy(),
        change=diff["change"].to_numpy(),
        is_current=diff["is_current"].to_numpy(),
    )


def rollback_refusal(engine: Engine, user: User | None, batch_id: int) -> tuple[str, str] | None:
    """Why `user` may not roll this batch back ((zh, en)), or None if it may."""
    if user is None or not user.has_role("analyst"):
        return ("需要统计员或管理员权限", "this needs the analyst or admin role")
    if user.allowed_regions() is None:
        return None
    touched = batch_regions(engine, [batch_id]).get(int(batch_id), [])
    outside = [c for c in touched if not user.can_write(c)]
    if outside:
        regions = load_regions()
        names = "、".join(_region_label(regions, c) for c in outside[:5])
        more = "等" if len(outside) > 5 else ""
        return (
            f"该批次包含您无权改动的地区：{names}{more}",
            f"the batch holds figures for regions you may not change: {names}",
        )
    return None


def rollback(engine: Engine, user: User | None, batch_id: int, reason: str) -> dict[str, int]:
    """Undo a batch (restoring what it superseded), with a reason; recorded in the audit log."""
    from lawstats.store.revisions import RollbackError, rollback_batch

    user = require_writer(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkspaceError("请填写回滚原因", "give a reason for the rollback")
    refusal = rollback_refusal(engine, user, batch_id)
    if refusal is not None:
        raise WorkspaceError(*refusal)
    try:
        with store.transaction(engine) as conn:
            undone = rollback_batch(conn, int(batch_id), actor=user.username, reason=reason[:500])
    except RollbackError as exc:
        raise WorkspaceError(exc.message_zh, exc.message_en) from exc
    summary.refresh_later(engine)
    return undone


# --------------------------------------------------------------------------- audit log


def audit_entries(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """The latest audit log entries, newest first."""
    t = store.audit_log
    stmt = sa.select(t).order_by(t.c.id.desc()).limit(sa.bindparam("n"))
    with store.connect(engine) as conn:
        return store.read_frame(conn, stmt, {"n": int(limit)})
