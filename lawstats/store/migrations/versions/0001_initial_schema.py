"""The schema of the last release before Alembic (tables, sequences, indexes, v_facts).

Revision ID: 0001
Revises:
Create Date: 2026-12-04

On an empty store it issues exactly the statements that release's ensure_schema issued
(tests/data/schema_v1_<backend>.sql). A store made before Alembic (meta schema_version "1")
is adopted instead, every row kept: what it lacks is created (tables added by later features,
the view), the first summary table (grains_year) is dropped, a summary table of another shape
(derived data) is replaced by an empty one and marked for a rebuild, and any other table of
another shape stops the upgrade. DuckDB stores made before ids lost their index keep their key
on facts.id (both work). The definitions are frozen here: later revisions change the schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# derived from the facts, never edited: renewed (empty, rebuilt later) when of another shape
SUMMARY_TABLES = ("range_grains", "summary_dirty")
SUMMARY_READY_KEY, SUMMARY_REBUILD = "range_grains_ready", "0"

V_FACTS_DDL = """
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
       f.batch_id
FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current
"""


def v1_metadata() -> sa.MetaData:
    """The tables as that release defined them (a MetaData of their own, never the live one)."""
    md = sa.MetaData()
    sa.Table(
        "regions",
        md,
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("parent_code", sa.String(12)),
        sa.Column("is_official", sa.Boolean, nullable=False),
        sa.Column("reports", sa.Boolean, nullable=False),
    )
    sa.Table(
        "indicators",
        md,
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name_zh", sa.String(64), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("numerator", sa.String(64)),
        sa.Column("denominator", sa.String(64)),
        sa.Column("better", sa.String(8), nullable=False),
        sa.Column("group_code", sa.String(32), nullable=False),
        sa.Column("decimals", sa.Integer, nullable=False),
        sa.Column("definition_zh", sa.Text),
        sa.Column("definition_en", sa.Text),
    )
    batch_id_seq = sa.Sequence("batches_id_seq", metadata=md)
    sa.Table(
        "batches",
        md,
        sa.Column("id", sa.Integer, batch_id_seq, primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sheet", sa.String(255)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_type", sa.String(16), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("period_label", sa.String(64)),
        sa.Column("context_code", sa.String(12)),
        sa.Column("facts_written", sa.Integer, nullable=False, default=0),
        sa.Column("facts_superseded", sa.Integer, nullable=False, default=0),
        sa.Column("facts_unchanged", sa.Integer, nullable=False, default=0),
        sa.Column("warnings_json", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("is_demo", sa.Boolean, nullable=False, default=False),
        sa.Column("rolled_back_at", sa.DateTime),
        sa.Column("rolled_back_by", sa.String(64)),
        sa.Column("rollback_reason", sa.Text),
    )
    fact_id_seq = sa.Sequence("facts_id_seq", metadata=md)
    facts = sa.Table(
        "facts",
        md,
        sa.Column("id", sa.BigInteger, fact_id_seq, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("period_months", sa.SmallInteger, nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("is_approximate", sa.Boolean, nullable=False),
        sa.Column("is_reported_rate", sa.Boolean, nullable=False),
        sa.Column("is_not_reported", sa.Boolean, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("superseded_by", sa.Integer),
        sa.Column("source_ref", sa.String(128)),
        sa.PrimaryKeyConstraint("id").ddl_if(dialect="postgresql"),
    )
    sa.Index("ix_facts_indicator_period", facts.c.indicator_code, facts.c.period_start).ddl_if(
        dialect="postgresql"
    )
    sa.Index("ix_facts_region", facts.c.region_code).ddl_if(dialect="postgresql")
    sa.Index("ix_facts_batch", facts.c.batch_id).ddl_if(dialect="postgresql")
    audit_id_seq = sa.Sequence("audit_log_id_seq", metadata=md)
    sa.Table(
        "audit_log",
        md,
        sa.Column("id", sa.Integer, audit_id_seq, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(255)),
        sa.Column("detail", sa.Text),
    )
    range_grains = sa.Table(
        "range_grains",
        md,
        sa.Column("y", sa.SmallInteger, nullable=False),
        sa.Column("f", sa.SmallInteger, nullable=False),
        sa.Column("m", sa.SmallInteger, nullable=False),
        sa.Column("r", sa.Integer, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("is_stock", sa.Boolean, nullable=False),
        sa.Column("grain", sa.SmallInteger, nullable=False),
        sa.Column("batch_ids", sa.ARRAY(sa.Integer), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("approx", sa.Boolean, nullable=False),
        sa.Column("rate", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
    )
    sa.Index(
        "ix_range_grains",
        range_grains.c.y,
        range_grains.c.f,
        range_grains.c.m,
        range_grains.c.indicator_code,
    ).ddl_if(dialect="postgresql")
    sa.Table(
        "summary_dirty",
        md,
        sa.Column("y", sa.SmallInteger, nullable=False),
        sa.Column("indicator_code", sa.String(64)),
        sa.Column("region_code", sa.String(12)),
    )
    sa.Table(
        "users",
        md,
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("regions", sa.Text, nullable=False, default=""),
        sa.Column("active", sa.Boolean, nullable=False, default=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
    )
    sa.Table(
        "login_attempts",
        md,
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failure_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime),
    )
    spelling_id_seq = sa.Sequence("header_spellings_id_seq", metadata=md)
    sa.Table(
        "header_spellings",
        md,
        sa.Column("id", sa.Integer, spelling_id_seq, primary_key=True),
        sa.Column("spelling", sa.String(255), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, default=True),
        sa.Column("revoked_by", sa.String(64)),
        sa.Column("revoked_at", sa.DateTime),
    )
    target_id_seq = sa.Sequence("targets_id_seq", metadata=md)
    sa.Table(
        "targets",
        md,
        sa.Column("id", sa.Integer, target_id_seq, primary_key=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("per_code", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("region_code", "indicator_code", "year", name="uq_targets_cell"),
    )
    target_history_id_seq = sa.Sequence("target_history_id_seq", metadata=md)
    sa.Table(
        "target_history",
        md,
        sa.Column("id", sa.Integer, target_history_id_seq, primary_key=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_kind", sa.String(16)),
        sa.Column("old_value", sa.Double),
        sa.Column("old_per_code", sa.String(64)),
        sa.Column("new_kind", sa.String(16)),
        sa.Column("new_value", sa.Double),
        sa.Column("new_per_code", sa.String(64)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("reason", sa.Text),
    )
    target_reopen_id_seq = sa.Sequence("target_reopenings_id_seq", metadata=md)
    sa.Table(
        "target_reopenings",
        md,
        sa.Column("id", sa.Integer, target_reopen_id_seq, primary_key=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("reopened_by", sa.String(64), nullable=False),
        sa.Column("reopened_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("relocked_by", sa.String(64)),
        sa.Column("relocked_at", sa.DateTime),
    )
    settlement_id_seq = sa.Sequence("target_settlements_id_seq", metadata=md)
    sa.Table(
        "target_settlements",
        md,
        sa.Column("id", sa.Integer, settlement_id_seq, primary_key=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("settled_by", sa.String(64), nullable=False),
        sa.Column("settled_at", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text),
    )
    sa.Table(
        "settled_results",
        md,
        sa.Column("settlement_id", sa.Integer, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_value", sa.Double, nullable=False),
        sa.Column("per_code", sa.String(64)),
        sa.Column("actual", sa.Double),
        sa.Column("completion", sa.Double),
        sa.Column("growth", sa.Double),
        sa.Column("gap_pp", sa.Double),
        sa.Column("shortfall", sa.Double),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("region_code", "indicator_code", "year", name="pk_settled_results"),
    )
    report_generation_id_seq = sa.Sequence("report_generations_id_seq", metadata=md)
    sa.Table(
        "report_generations",
        md,
        sa.Column("id", sa.Integer, report_generation_id_seq, primary_key=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period_label", sa.String(64), nullable=False),
        sa.Column("generated_at", sa.DateTime, nullable=False),
        sa.Column("generated_by", sa.String(64), nullable=False),
        sa.Column("data_version", sa.String(64)),
        sa.Column("data_as_of", sa.DateTime),
        sa.Column("is_demo", sa.Boolean, nullable=False),
        sa.Column("sentence_count", sa.Integer, nullable=False),
    )
    sa.Table(
        "report_sentences",
        md,
        sa.Column("generation_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("sentence_key", sa.String(128), nullable=False),
        sa.Column("section", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("batch_ids", sa.Text),
        sa.PrimaryKeyConstraint("generation_id", "seq"),
    )
    sa.Table(
        "meta",
        md,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text),
    )
    return md


def upgrade() -> None:
    bind = op.get_bind()
    md = v1_metadata()
    existing = set(sa.inspect(bind).get_table_names()) & set(md.tables)
    md.create_all(bind, checkfirst=True)
    if existing:
        _adopt(bind, md, existing)
    if "v_facts" not in sa.inspect(bind).get_view_names():
        bind.execute(sa.text(V_FACTS_DDL))


def _adopt(bind: sa.Connection, md: sa.MetaData, existing: set[str]) -> None:
    """Check and complete the tables of a store made before Alembic; its rows stay."""
    from lawstats.store.errors import StoreError

    bind.execute(sa.text("DROP TABLE IF EXISTS grains_year"))
    inspector = sa.inspect(bind)
    wrong = []
    for name in sorted(existing):
        table = md.tables[name]
        have = {(c["name"], bool(c["nullable"])) for c in inspector.get_columns(name)}
        if have == {(c.name, bool(c.nullable)) for c in table.c}:
            continue
        if name not in SUMMARY_TABLES:
            wrong.append(name)
            continue
        table.drop(bind)
        table.create(bind)
        meta = md.tables["meta"]
        bind.execute(meta.delete().where(meta.c.key == SUMMARY_READY_KEY))
        bind.execute(meta.insert().values(key=SUMMARY_READY_KEY, value=SUMMARY_REBUILD))
    if wrong:
        names = ", ".join(wrong)
        raise StoreError(
            f"数据库中这些表的列与版本 1 的结构不符，未升级：{names}",
            f"these tables' columns differ from schema version 1; not upgraded: {names}",
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DROP VIEW IF EXISTS v_facts"))
    v1_metadata().drop_all(bind, checkfirst=True)
