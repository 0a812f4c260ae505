"""A fact may carry one breakdown member (#19): facts gain dimension and member, v_facts shows them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

A breakdown member's figure (婚姻家庭纠纷 of dispute_type under mediation_cases) is stored under its
own figure code, mediation_cases.dispute_type.marriage_family, so the facts' key is (region,
period, indicator, member) and no member's figure is ever summed into its total's. The new
columns name the breakdown and member of such a fact; existing facts are totals and get ''
(NULL is read as '' too). v_facts gains the two columns at its end, NULL for a total (so that
`WHERE member IS NULL` keeps the totals, as outside tools filter them); its other columns and rows
are as before (a total's figure code is its indicator's code).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW = """
CREATE VIEW v_facts AS
SELECT f.region_code,
       r.name AS region_name,
       r.level AS region_level,
       r.parent_code,
       f.period_start,
       f.period_end,
       f.indicator_code,
       f.value,
       f.is_approximate,
       f.batch_id{extra}
FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current
"""
_MEMBER_COLUMNS = """,
       nullif(f.dimension, '') AS dimension,
       nullif(f.member, '') AS member"""


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DROP VIEW IF EXISTS v_facts"))
    op.add_column("facts", sa.Column("dimension", sa.String(32), server_default=""))
    op.add_column("facts", sa.Column("member", sa.String(32), server_default=""))
    bind.execute(sa.text(_VIEW.format(extra=_MEMBER_COLUMNS)))


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DROP VIEW IF EXISTS v_facts"))
    op.drop_column("facts", "member")
    op.drop_column("facts", "dimension")
    bind.execute(sa.text(_VIEW.format(extra="")))
