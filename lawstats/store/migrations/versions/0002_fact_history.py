"""Append-only fact history, and a summary rebuilt for the exact-period rule (#18).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

- `fact_history` (batch_id, fact_id, action): what each batch did to facts, never rewritten: its
  load superseded a fact, its rollback retired its own fact or restored an earlier one. A
  batch's diff is read from it, so rolling back one batch no longer rewrites the diff of
  another. Filled from `facts.superseded_by` for the loads recorded so far (rollbacks before
  this revision rewrote that column; what they rewrote cannot be recovered).
- The summary (range_grains) is marked for a rebuild: its grains now carry every indicator's
  figure for exactly the period (a stock's annual level beats its December level).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMMARY_READY_KEY, SUMMARY_REBUILD = "range_grains_ready", "0"


def upgrade() -> None:
    op.create_table(
        "fact_history",
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("fact_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", "action", "fact_id"),
    )
    op.execute(
        "INSERT INTO fact_history (batch_id, fact_id, action) "
        "SELECT superseded_by, id, 'superseded' FROM facts WHERE superseded_by IS NOT NULL"
    )
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.String))
    op.execute(meta.update().where(meta.c.key == SUMMARY_READY_KEY).values(value=SUMMARY_REBUILD))


def downgrade() -> None:
    op.drop_table("fact_history")
