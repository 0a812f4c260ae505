"""Report generations: each generated report's sentences stored, listed, and diffed against an
earlier generation (what changed in the text since the data changed)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats.reports.report import Report
from lawstats.store import (
    audit,
    connect,
    read_frame,
    report_generation_id_seq,
    report_generations,
    report_sentences,
    transaction,
)


def save_generation(engine: Engine, report: Report, *, user: str) -> int:
    """Store this generation's sentences (for later diffs); returns the generation id."""
    sentences = report.sentences()
    with transaction(engine, bump_version=False) as conn:
        gen_id = int(conn.execute(sa.select(report_generation_id_seq.next_value())).scalar_one())
        conn.execute(
            report_generations.insert().values(
                id=gen_id,
                region_code=report.region_code,
                period_label=report.period.label,
                generated_at=report.generated_at,
                generated_by=user,
                data_version=report.data_version[:64],
                data_as_of=report.data_as_of,
                is_demo=report.is_demo,
                sentence_count=len(sentences),
            )
        )
        if sentences:
            conn.execute(
                report_sentences.insert(),
                [
                    {
                        "generation_id": gen_id,
                        "seq": i,
                        "sentence_key": s.key,
                        "section": s.section,
                        "text": s.text,
                        "batch_ids": json.dumps(list(s.batch_ids)),
                    }
                    for i, s in enumerate(sentences)
                ],
            )
        audit(
            conn,
            user,
            "report",
            f"report:{gen_id}",
            region=report.region_code,
            period=report.period.label,
            sentences=len(sentences),
        )
    return gen_id


def list_generations(
    engine: Engine, region_code: str | None = None, period_label: str | None = None
) -> pd.DataFrame:
    """Stored generations, newest first (optionally of one region and period)."""
    stmt = sa.select(report_generations).order_by(report_generations.c.id.desc())
    params: dict[str, Any] = {}
    if region_code is not None:
        stmt = stmt.where(report_generations.c.region_code == sa.bindparam("region"))
        params["region"] = region_code
    if period_label is not None:
        stmt = stmt.where(report_generations.c.period_label == sa.bindparam("period"))
        params["period"] = period_label
    with connect(engine) as conn:
        return read_frame(conn, stmt, params)


def generation_sentences(engine: Engine, generation_id: int) -> pd.DataFrame:
    """A stored generation's sentences in document order: key, section, text, batch_ids."""
    stmt = (
        sa.select(
            report_sentences.c.seq,
            report_sentences.c.sentence_key.label("key"),
            report_sentences.c.section,
            report_sentences.c.text,
            report_sentences.c.batch_ids,
        )
        .where(report_sentences.c.generation_id == sa.bindparam("g"))
        .order_by(report_sentences.c.seq)
    )
    with connect(engine) as conn:
        out = read_frame(conn, stmt, {"g": int(generation_id)})
    out["batch_ids"] = [tuple(json.loads(b)) if b else () for b in out["batch_ids"]]
    return out


def sentences_frame(report: Report) -> pd.DataFrame:
    """A report's sentences in the shape generation_sentences returns."""
    rows = [
        {"seq": i, "key": s.key, "section": s.section, "text": s.text, "batch_ids": s.batch_ids}
        for i, s in enumerate(report.sentences())
    ]
    return pd.DataFrame(rows, columns=["seq", "key", "section", "text", "batch_ids"])


def diff_sentences(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Sentences that differ between two generations: changed, added or removed (by key)."""
    a = dict(zip(old["key"], old["text"], strict=True))
    b = dict(zip(new["key"], new["text"], strict=True))
    section = {
        **dict(zip(old["key"], old["section"], strict=True)),
        **dict(zip(new["key"], new["section"], strict=True)),
    }
    rows = []
    for key in [*b, *(k for k in a if k not in b)]:
        before, after = a.get(key), b.get(key)
        if before == after:
            continue
        status = "added" if before is None else ("removed" if after is None else "changed")
        rows.append(
            {"key": key, "section": section[key], "status": status, "old": before, "new": after}
        )
    return pd.DataFrame(rows, columns=["key", "section", "status", "old", "new"])
