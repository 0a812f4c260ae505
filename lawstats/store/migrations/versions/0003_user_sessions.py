"""user sessions: the login sessions behind the dashboard's session cookie

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

Runs on DuckDB and PostgreSQL alike, inside the one transaction of ensure_schema. A migration is
frozen once released: it spells out the tables it needs, it does not import lawstats.store.schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic (NNNN, the file's number)
revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a store adopted by 0001 that already has the table (made by this code, then marked as a
    # store from before Alembic) keeps it
    if sa.inspect(op.get_bind()).has_table("user_sessions"):
        return
    op.create_table(
        "user_sessions",
        sa.Column("handle", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("claim_hash", sa.String(64)),
        sa.Column("sid_hash", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("user_sessions")
