"""The store's tables, sequences, indexes and the public view: the schema as the code uses it.

lawstats.store imports every name from here, so `from lawstats.store import facts` keeps
working. A change here needs a migration (lawstats/store/migrations/versions/): the tables a
migrated database has are compared with this metadata by tests/test_migrations.py.
DuckDB specifics are marked with `ddl_if(dialect="postgresql")`: no ART index (facts' key and
the read indexes) in DuckDB, whose zone maps answer those reads and whose indexes slow loads.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

regions = sa.Table(
    "regions",
    metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("level", sa.String(12), nullable=False),
    sa.Column("parent_code", sa.String(12)),
    sa.Column("is_official", sa.Boolean, nullable=False),
    sa.Column("reports", sa.Boolean, nullable=False),
)

indicators = sa.Table(
    "indicators",
    metadata,
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

batch_id_seq = sa.Sequence("batches_id_seq", metadata=metadata)
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, batch_id_seq, primary_key=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sheet", sa.String(255)),
    sa.Column("sha256", sa.String(64), nullable=False),
    # spreadsheet | demo | report_text | template | manual
    sa.Column("source_type", sa.String(16), nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_at", sa.DateTime, nullable=False),
    # active | rolled_back
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

fact_id_seq = sa.Sequence("facts_id_seq", metadata=metadata)
facts = sa.Table(
    "facts",
    metadata,
    sa.Column("id", sa.BigInteger, fact_id_seq, nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    # whole calendar months the period covers, 0 when it is not month-aligned
    sa.Column("period_months", sa.SmallInteger, nullable=False),
    # an indicator's code, or a breakdown member's figure code (indicator.dimension.member,
    # lawstats.domain.catalog.figure_code): the key is (region, period, indicator, member)
    sa.Column("indicator_code", sa.String(64), nullable=False),
    # the breakdown and member of a member's figure; '' (or NULL) for the indicator's total
    sa.Column("dimension", sa.String(32), server_default=""),
    sa.Column("member", sa.String(32), server_default=""),
    # NULL together with is_not_reported: the unit sent the form but left this blank (not zero)
    sa.Column("value", sa.Double),
    sa.Column("is_approximate", sa.Boolean, nullable=False),
    # a ratio figure as reported, without its numerator and denominator
    sa.Column("is_reported_rate", sa.Boolean, nullable=False),
    sa.Column("is_not_reported", sa.Boolean, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False),
    sa.Column("superseded_by", sa.Integer),
    sa.Column("source_ref", sa.String(128)),
    # Ids are unique by construction (batches._next_fact_ids under the write lock). DuckDB keeps
    # no index for the key: its ART index cost a tenth of a load's time at commit, and every
    # lookup by id there is a scan over ascending ids that zone maps prune (stores made before
    # this change keep their key; both work).
    sa.PrimaryKeyConstraint("id").ddl_if(dialect="postgresql"),
)
# PostgreSQL needs indexes for the per-indicator reads; DuckDB answers them from zone maps
# over rows kept in indicator order, and ART indexes would only slow bulk loads there.
sa.Index("ix_facts_indicator_period", facts.c.indicator_code, facts.c.period_start).ddl_if(
    dialect="postgresql"
)
sa.Index("ix_facts_region", facts.c.region_code).ddl_if(dialect="postgresql")
sa.Index("ix_facts_batch", facts.c.batch_id).ddl_if(dialect="postgresql")

# What each batch did to facts, append-only (#18): its load superseded a fact ("superseded"),
# its rollback retired its own current fact ("retired") or made an earlier one current again
# ("restored"). facts.is_current is the state; this table is the history, and a batch's diff
# is read from it, so a later rollback never rewrites what an earlier load did.
fact_history = sa.Table(
    "fact_history",
    metadata,
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("fact_id", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.PrimaryKeyConstraint("batch_id", "action", "fact_id"),
)

audit_id_seq = sa.Sequence("audit_log_id_seq", metadata=metadata)
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, audit_id_seq, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(255)),
    sa.Column("detail", sa.Text),
)

# --------------------------------------------------------------------------- tables: summary
# (lawstats.store.summary: the roll-up's grains of every region for the periods the dashboard offers:
# months f..m of year y: year to date (f = 1), quarters, single months; derived from facts,
# never edited)

range_grains = sa.Table(
    "range_grains",
    metadata,
    sa.Column("y", sa.SmallInteger, nullable=False),
    sa.Column("f", sa.SmallInteger, nullable=False),  # first month
    sa.Column("m", sa.SmallInteger, nullable=False),  # last month
    # f * 16 + m: one number per range, the table's sort key, so that a read of some ranges
    # (a plain IN list) skips the others on disk
    sa.Column("r", sa.Integer, nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("is_stock", sa.Boolean, nullable=False),
    # -1 the exact range's own fact, else the months of the tiling facts (0 for a stock level)
    sa.Column("grain", sa.SmallInteger, nullable=False),
    sa.Column("batch_ids", sa.ARRAY(sa.Integer), nullable=False),  # distinct, the facts' batches
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
# the years, indicators and regions whose facts changed since the summary was refreshed
summary_dirty = sa.Table(
    "summary_dirty",
    metadata,
    sa.Column("y", sa.SmallInteger, nullable=False),
    sa.Column("indicator_code", sa.String(64)),  # an indicator changed this year, or
    sa.Column("region_code", sa.String(12)),  # a region changed this year
)

# --------------------------------------------------------------------------- tables: accounts (#6)
# (users, learned header spellings)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    # argon2id hash (argon2-cffi's encoded form); the password itself is never stored
    sa.Column("password_hash", sa.Text, nullable=False),
    # viewer | analyst | admin
    sa.Column("role", sa.String(16), nullable=False),
    # assigned region codes, comma-separated (an analyst may write these and their descendants)
    sa.Column("regions", sa.Text, nullable=False, default=""),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime),
)

# Failed-login throttle, keyed by the name typed (existing or not, so it reveals nothing).
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_failure_at", sa.DateTime, nullable=False),
    sa.Column("locked_until", sa.DateTime),
)

# Login sessions behind the dashboard's session cookie (lawstats.store.sessions): only hashes of
# the secrets are stored, so a copy of the database opens no session.
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    # server-side handle of the session (never sent to a browser)
    sa.Column("handle", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    # sha256 of the one-time claim token that turns the login into a cookie (NULL once used)
    sa.Column("claim_hash", sa.String(64)),
    # sha256 of the cookie's session id (NULL until claimed)
    sa.Column("sid_hash", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("seen_at", sa.DateTime, nullable=False),
    # set by logout or expiry: the session is over for every tab and process
    sa.Column("ended_at", sa.DateTime),
)

spelling_id_seq = sa.Sequence("header_spellings_id_seq", metadata=metadata)
# Analysts' answers to header questions (the header as written -> an indicator code, '' for
# "not an indicator"), kept for the reporting unit and template they were given for; both NULL:
# promoted by an admin to every unit and template. Fed to later loads (etl.answers).
header_spellings = sa.Table(
    "header_spellings",
    metadata,
    sa.Column("id", sa.Integer, spelling_id_seq, primary_key=True),
    sa.Column("spelling", sa.String(255), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("unit_code", sa.String(12)),
    sa.Column("template_key", sa.String(32)),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("revoked_by", sa.String(64)),
    sa.Column("revoked_at", sa.DateTime),
)

# --------------------------------------------------------------------------- tables: targets and assessment (#5)
# (targets, their version history, admin reopenings of locked years, year-end settlements)

target_id_seq = sa.Sequence("targets_id_seq", metadata=metadata)
# One target per region x indicator x year (the package lawstats/analysis/targets/ owns the
# semantics: model, evaluation, locking, settlement).
targets = sa.Table(
    "targets",
    metadata,
    sa.Column("id", sa.Integer, target_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    # at_least | at_most | growth | per_unit | rate_floor
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    # per_unit only: the stock the value is per (office_count: 人/所); NULL = the unit's own value
    sa.Column("per_code", sa.String(64)),
    sa.Column("note", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("region_code", "indicator_code", "year", name="uq_targets_cell"),
)

target_history_id_seq = sa.Sequence("target_history_id_seq", metadata=metadata)
# Every change of a target: who, when, old -> new (a deletion has no new kind/value).
target_history = sa.Table(
    "target_history",
    metadata,
    sa.Column("id", sa.Integer, target_history_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # create | update | delete
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("old_kind", sa.String(16)),
    sa.Column("old_value", sa.Double),
    sa.Column("old_per_code", sa.String(64)),
    sa.Column("new_kind", sa.String(16)),
    sa.Column("new_value", sa.Double),
    sa.Column("new_per_code", sa.String(64)),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    # page | import:<file name> | cli
    sa.Column("source", sa.String(255)),
    sa.Column("reason", sa.Text),
)

target_reopen_id_seq = sa.Sequence("target_reopenings_id_seq", metadata=metadata)
# An admin reopening a year's locked targets for a region (and everything below it).
target_reopenings = sa.Table(
    "target_reopenings",
    metadata,
    sa.Column("id", sa.Integer, target_reopen_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("reopened_by", sa.String(64), nullable=False),
    sa.Column("reopened_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("relocked_by", sa.String(64)),
    sa.Column("relocked_at", sa.DateTime),
)

settlement_id_seq = sa.Sequence("target_settlements_id_seq", metadata=metadata)
# Year-end settlement (年终交账) of a region's targets and those below it.
target_settlements = sa.Table(
    "target_settlements",
    metadata,
    sa.Column("id", sa.Integer, settlement_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("settled_by", sa.String(64), nullable=False),
    sa.Column("settled_at", sa.DateTime, nullable=False),
    sa.Column("note", sa.Text),
)

# The frozen result of each settled target (later revisions are compared with it, never replace it).
settled_results = sa.Table(
    "settled_results",
    metadata,
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
    # per-unit detail and anything else needed to restate the result (JSON)
    sa.Column("detail", sa.Text),
    sa.PrimaryKeyConstraint("region_code", "indicator_code", "year", name="pk_settled_results"),
)

# --------------------------------------------------------------------------- tables: reports (#7)
# Each generation of a year-end report keeps its sentences, so two generations can be diffed
# (a revision changes exactly the sentences of the figures it touched).

report_generation_id_seq = sa.Sequence("report_generations_id_seq", metadata=metadata)
report_generations = sa.Table(
    "report_generations",
    metadata,
    sa.Column("id", sa.Integer, report_generation_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("period_label", sa.String(64), nullable=False),
    sa.Column("generated_at", sa.DateTime, nullable=False),
    sa.Column("generated_by", sa.String(64), nullable=False),
    # the store's data version and the newest upload behind the figures, at generation time
    sa.Column("data_version", sa.String(64)),
    sa.Column("data_as_of", sa.DateTime),
    sa.Column("is_demo", sa.Boolean, nullable=False),
    sa.Column("sentence_count", sa.Integer, nullable=False),
)
report_sentences = sa.Table(
    "report_sentences",
    metadata,
    sa.Column("generation_id", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    # stable id of the statement (figure:mediation_cases, top:mediation, targets...)
    sa.Column("sentence_key", sa.String(128), nullable=False),
    sa.Column("section", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("batch_ids", sa.Text),  # JSON list of the batches behind the sentence
    sa.PrimaryKeyConstraint("generation_id", "seq"),
)

# --------------------------------------------------------------------------- tables: text backfill (#8)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
)

# The public, documented view (docs/data-formats.md, "The v_facts view"). Static DDL: no user input in it.
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
       f.batch_id,
       nullif(f.dimension, '') AS dimension,
       nullif(f.member, '') AS member
FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current
"""
V_FACTS_COLUMNS = (
    "region_code",
    "region_name",
    "region_level",
    "parent_code",
    "period_start",
    "period_end",
    "indicator_code",
    "value",
    "is_approximate",
    "batch_id",
    "dimension",
    "member",
)
