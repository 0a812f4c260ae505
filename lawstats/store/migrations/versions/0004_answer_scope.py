"""Learned header mappings are scoped: the reporting unit and the template they were answered for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

header_spellings gains unit_code (the region the file reported for) and template_key (the
file's shape). Both NULL: a mapping an admin promoted to every unit and template. Existing rows
were learned before mappings had a scope and applied to everyone: they keep NULL, so they stay
promoted (an admin can revoke them on the admin page).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("header_spellings", sa.Column("unit_code", sa.String(12)))
    op.add_column("header_spellings", sa.Column("template_key", sa.String(32)))


def downgrade() -> None:
    op.drop_column("header_spellings", "template_key")
    op.drop_column("header_spellings", "unit_code")
