"""Analysts' answers to header questions (the header_spellings table), scoped to the reporting
unit and template they were given for; an admin may promote one to every unit and template.

The upload workflow, the CLI and the prose review read and write them here (below all three).
Every write lands in the audit log: an answer remembered (spelling_add), promoted
(spelling_promote) or retired (spelling_revoke).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats import store
from lawstats.store.errors import StoreError


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    spelling: str  # the header as written (a merged header as "parent › child")
    indicator_code: str  # '' = not an indicator
    unit_code: str | None  # None with template_key None: promoted to every unit and template
    template_key: str | None


def list_spellings(engine: Engine) -> pd.DataFrame:
    """Every remembered answer, newest first (active and retired)."""
    t = store.header_spellings
    with store.connect(engine) as conn:
        return store.read_frame(conn, sa.select(t).order_by(t.c.id.desc()))


def active_answers(engine: Engine) -> list[StoredAnswer]:
    """The active answers, oldest first (a later one for the same header and scope wins)."""
    t = store.header_spellings
    cols = (t.c.id, t.c.spelling, t.c.indicator_code, t.c.unit_code, t.c.template_key)
    with store.connect(engine) as conn:
        rows = conn.execute(sa.select(*cols).where(t.c.active.is_(True)).order_by(t.c.id)).all()
    return [StoredAnswer(int(r[0]), r[1], r[2] or "", r[3], r[4]) for r in rows]


def remember(
    engine: Engine,
    entries: Iterable[tuple[str, str, str | None, str | None]],
    *,
    actor: str,
    same: Callable[[str, str], bool] = lambda a, b: a == b,
) -> int:
    """Store answers (header as written, code, unit, template); an older active answer for the
    same header (compared by `same`) and the same scope is retired. Returns how many were added."""
    t = store.header_spellings
    added = 0
    with store.transaction(engine, bump_version=False) as conn:
        active = conn.execute(
            sa.select(
                t.c.id, t.c.spelling, t.c.indicator_code, t.c.unit_code, t.c.template_key
            ).where(t.c.active.is_(True))
        ).all()
        for header, code, unit, template in entries:
            scope = (unit, template)
            old = [r for r in active if (r[3], r[4]) == scope and same(r[1], header)]
            if any((r[2] or "") == code for r in old):
                continue
            for r in old:
                _retire(conn, r[0], actor)
            new_id = _insert(conn, header[:255], code, unit, template, actor)
            store.audit(
                conn,
                actor,
                "spelling_add",
                header[:255],
                indicator=code,
                id=new_id,
                unit=unit,
                template=template,
            )
            added += 1
    return added


def promote(engine: Engine, spelling_id: int, *, actor: str) -> StoredAnswer:
    """An answer made for every reporting unit and template (an admin's action; the caller
    checks the role): a promoted copy, the answer it came from kept. Recorded in the audit log."""
    t = store.header_spellings
    with store.transaction(engine, bump_version=False) as conn:
        row = conn.execute(sa.select(t).where(t.c.id == int(spelling_id))).first()
        if row is None or not row.active:
            raise StoreError(
                f"没有编号为 {spelling_id} 的有效写法", f"no active spelling {spelling_id}"
            )
        new_id = _insert(conn, row.spelling, row.indicator_code, None, None, actor)
        store.audit(
            conn,
            actor,
            "spelling_promote",
            row.spelling,
            indicator=row.indicator_code,
            id=new_id,
            promoted_from=int(spelling_id),
            unit=row.unit_code,
        )
    return StoredAnswer(new_id, row.spelling, row.indicator_code, None, None)


def revoke(engine: Engine, spelling_id: int, *, actor: str) -> str:
    """Retire an answer (the caller checks the role); returns the header."""
    t = store.header_spellings
    with store.transaction(engine, bump_version=False) as conn:
        row = conn.execute(sa.select(t).where(t.c.id == int(spelling_id))).first()
        if row is None:
            raise StoreError(f"没有编号为 {spelling_id} 的写法", f"no spelling {spelling_id}")
        _retire(conn, int(spelling_id), actor)
        store.audit(conn, actor, "spelling_revoke", row.spelling, id=int(spelling_id))
    return row.spelling


def _insert(conn, spelling: str, code: str, unit: str | None, template: str | None, actor: str):
    new_id = store.next_ids(conn, store.spelling_id_seq, 1)[0]
    conn.execute(
        store.header_spellings.insert().values(
            id=new_id,
            spelling=spelling,
            indicator_code=code,
            unit_code=unit,
            template_key=template,
            created_by=actor,
            created_at=store.now(),
            active=True,
        )
    )
    return new_id


def _retire(conn, spelling_id: int, actor: str) -> None:
    t = store.header_spellings
    conn.execute(
        t.update()
        .where(t.c.id == spelling_id)
        .values(active=False, revoked_by=actor, revoked_at=store.now())
    )
