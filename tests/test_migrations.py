"""Schema versions: Alembic migrations create and upgrade the store on DuckDB and PostgreSQL.

A store made by the last code before Alembic (its DDL frozen in tests/data/schema_v1_*.sql)
upgrades in place and keeps every row; the migrations and lawstats.store.schema never drift
apart; a store newer than the code is refused; a store at head costs two reads and no write.

Each test gets a store of its own: a DuckDB file, or on PostgreSQL (LAWSTATS_TEST_PG_URL) a
schema of its own in that database, dropped afterwards, so the tests share nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

import duckdb_sqlalchemy.alembic_impl  # noqa: F401  (Alembic's DuckDB implementation)
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.pool import NullPool

from etl.cli import main
from lawstats import store
from lawstats.store import migrations
from lawstats.store.revisions import list_batches
from lawstats.store.schema import metadata
from lawstats.store.spellings import list_spellings
from tests.conftest import ROOT, pg_url, require_or_skip

DATA = ROOT / "tests" / "data"
NOW = dt.datetime(2025, 3, 1, 9, 30)
# reloaded from the catalog and region files on every upgrade, not kept
REFERENCE_TABLES = {"regions", "indicators"}
# derived from the facts; the pre-Alembic stores below have none
SUMMARY_TABLES = {"range_grains", "summary_dirty"}


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    """The URL of a new, empty store of the test's own."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'store.duckdb'}"
        return
    base = pg_url()
    require_or_skip(bool(base), "PostgreSQL (LAWSTATS_TEST_PG_URL)")
    schema = f"lawstats_mig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    own = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    own_url = own.render_as_string(hide_password=False)
    engine = store.get_engine(own_url, create=False)
    with engine.connect() as conn:  # everything below lands in that schema, never in public
        assert conn.execute(sa.text("SELECT current_schema()")).scalar() == schema
        assert sa.inspect(conn).get_table_names() == []
    try:
        yield own_url
    finally:
        engine.dispose()
        store._schema_ready.discard(str(engine.url))
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _forget_schema_checks():
    """ensure_schema runs once per URL and process: each test starts from a clean slate."""
    yield
    store._schema_ready.clear()


# --------------------------------------------------------------------------- helpers


def _backend(engine) -> str:
    return "postgres" if engine.dialect.name == "postgresql" else "duckdb"


def _frozen_statements(backend: str) -> list[str]:
    """The CREATE statements of tests/data/schema_v1_<backend>.sql, in order."""
    text = (DATA / f"schema_v1_{backend}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in body.split(";") if s.strip()]
    assert len(statements) > 20 and all(s.startswith("CREATE") for s in statements)
    return statements


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return migrations.stored_revision(conn)


def _facts_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(sa.column("id"), sa.column("superseded_by")).select_from(sa.table("facts"))
        ).all()


def _tables(engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def _insert(conn, name: str, rows: list[dict]) -> None:
    """Insert plain rows by column name (no Table object: the old tables have the old shape)."""
    table = sa.table(name, *[sa.column(k) for k in rows[0]])
    conn.execute(table.insert(), rows)


def _pre_alembic_store(url: str, *, marked: bool = True):
    """A store as the last code before Alembic left it: its DDL, meta schema_version '1' (unless
    `marked` is False), and rows of each kind a bureau cannot lose, ids drawn from the
    store's sequences as the product draws them."""
    engine = store.get_engine(url, create=False)
    with engine.begin() as conn:
        for statement in _frozen_statements(_backend(engine)):
            conn.exec_driver_sql(statement)
        if not marked:
            return engine
        b1, b2 = store.next_ids(conn, store.batch_id_seq, 2)
        f1, f2, f3 = store.next_ids(conn, store.fact_id_seq, 3)
        (t1,) = store.next_ids(conn, store.target_id_seq, 1)
        (s1,) = store.next_ids(conn, store.settlement_id_seq, 1)
        (g1,) = store.next_ids(conn, store.report_generation_id_seq, 1)
        _insert(
            conn,
            "meta",
            [
                {"key": "schema_version", "value": "1"},
                {"key": "reference_digest", "value": "digest of older reference files"},
                {"key": store.SUMMARY_READY_KEY, "value": store.SUMMARY_READY},
                {"key": "data_version", "value": "20250301T093000.000000"},
                {"key": "is_demo", "value": "false"},
            ],
        )
        batch = {
            "sha256": "ab" * 32,
            "source_type": "spreadsheet",
            "uploaded_by": "ana",
            "uploaded_at": NOW,
            "period_label": "2024年",
            "context_code": "620500",
            "facts_written": 2,
            "facts_superseded": 0,
            "facts_unchanged": 0,
            "is_demo": False,
        }
        _insert(
            conn,
            "batches",
            [
                {**batch, "id": b1, "file_name": "秦州区2024年调解.xlsx", "status": "active"},
                {
                    **batch,
                    "id": b2,
                    "file_name": "秦州区2024年调解（更正）.xlsx",
                    "status": "rolled_back",
                    "rolled_back_at": NOW,
                    "rolled_back_by": "admin",
                    "rollback_reason": "上传错了文件",
                },
            ],
        )
        fact = {
            "region_code": "620502",
            "period_start": dt.date(2024, 1, 1),
            "period_end": dt.date(2024, 12, 31),
            "period_months": 12,
            "is_reported_rate": False,
            "is_not_reported": False,
        }
        _insert(
            conn,
            "facts",
            [
                {**fact, "id": f1, "indicator_code": "mediation_cases", "value": 4000.0,
                 "is_approximate": True, "batch_id": b1, "is_current": True,
                 "superseded_by": None, "source_ref": "Sheet1!C3"},
                {**fact, "id": f2, "indicator_code": "mediation_success", "value": 3988.0,
                 "is_approximate": False, "batch_id": b1, "is_current": False,
                 "superseded_by": b2, "source_ref": "Sheet1!C4"},
                {**fact, "id": f3, "indicator_code": "mediation_success", "value": 3990.0,
                 "is_approximate": False, "batch_id": b2, "is_current": True,
                 "superseded_by": None, "source_ref": "Sheet1!C4"},
            ],
        )  # fmt: skip
        _insert(
            conn,
            "users",
            [
                {
                    "username": "ana",
                    "display_name": "秦州区统计员",
                    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                    "role": "analyst",
                    "regions": "620502",
                    "active": True,
                    "created_at": NOW,
                    "created_by": "admin",
                    "updated_at": NOW,
                    "last_login_at": NOW,
                }
            ],
        )
        _insert(
            conn,
            "login_attempts",
            [{"username": "bob", "failures": 2, "first_failure_at": NOW, "locked_until": None}],
        )
        _insert(
            conn,
            "header_spellings",
            [
                {
                    "id": store.next_ids(conn, store.spelling_id_seq, 1)[0],
                    "spelling": "调处纠纷数",
                    "indicator_code": "mediation_cases",
                    "created_by": "ana",
                    "created_at": NOW,
                    "active": True,
                }
            ],
        )
        target = {"region_code": "620502", "indicator_code": "mediation_cases", "year": 2024}
        _insert(
            conn,
            "targets",
            [
                {
                    **target,
                    "id": t1,
                    "kind": "at_least",
                    "value": 3500.0,
                    "note": "年初下达",
                    "version": 2,
                    "updated_by": "admin",
                    "updated_at": NOW,
                }
            ],
        )
        _insert(
            conn,
            "target_history",
            [
                {
                    **target,
                    "id": store.next_ids(conn, store.target_history_id_seq, 1)[0],
                    "version": 2,
                    "action": "update",
                    "old_kind": "at_least",
                    "old_value": 3000.0,
                    "new_kind": "at_least",
                    "new_value": 3500.0,
                    "actor": "admin",
                    "at": NOW,
                    "source": "page",
                    "reason": "调整",
                }
            ],
        )
        _insert(
            conn,
            "target_reopenings",
            [
                {
                    "id": store.next_ids(conn, store.target_reopen_id_seq, 1)[0],
                    "region_code": "620502",
                    "year": 2024,
                    "reopened_by": "admin",
                    "reopened_at": NOW,
                    "reason": "更正",
                }
            ],
        )
        _insert(
            conn,
            "target_settlements",
            [
                {
                    "id": s1,
                    "region_code": "620502",
                    "year": 2024,
                    "settled_by": "admin",
                    "settled_at": NOW,
                    "note": "年终交账",
                }
            ],
        )
        _insert(
            conn,
            "settled_results",
            [
                {
                    **target,
                    "settlement_id": s1,
                    "kind": "at_least",
                    "target_value": 3500.0,
                    "actual": 4000.0,
                    "completion": 1.142857,
                    "status": "met",
                    "detail": "{}",
                }
            ],
        )
        _insert(
            conn,
            "report_generations",
            [
                {
                    "id": g1,
                    "region_code": "620502",
                    "period_label": "2024年",
                    "generated_at": NOW,
                    "generated_by": "ana",
                    "data_version": "20250301T093000.000000",
                    "is_demo": False,
                    "sentence_count": 1,
                }
            ],
        )
        _insert(
            conn,
            "report_sentences",
            [
                {
                    "generation_id": g1,
                    "seq": 1,
                    "sentence_key": "figure:mediation_cases",
                    "section": "figures",
                    "text": "全年调解案件约4000件。",
                    "batch_ids": f"[{b1}]",
                }
            ],
        )
        _insert(
            conn,
            "audit_log",
            [
                {
                    "id": store.next_ids(conn, store.audit_id_seq, 1)[0],
                    "at": NOW,
                    "actor": "ana",
                    "action": "load",
                    "target": f"batch:{b1}",
                    "detail": '{"facts": 2}',
                }
            ],
        )
    return engine


def _snapshot(
    engine, columns: dict[str, list[str]] | None = None, only=None
) -> dict[str, list[tuple]]:
    """Every row of every kept table (that the store has; of `only`'s tables when given), by the
    columns the table has now (or by `columns`: a later revision's added columns left out)."""
    out = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(metadata.tables) & set(inspector.get_table_names())
        if only is not None:
            tables &= set(only)
        for name in sorted(tables - REFERENCE_TABLES - SUMMARY_TABLES - {"meta"}):
            names = [c["name"] for c in inspector.get_columns(name)]
            if columns is not None and name in columns:
                names = [c for c in names if c in columns[name]]
            cols = [sa.column(c) for c in names]
            out[name] = conn.execute(
                sa.select(*cols).select_from(sa.table(name)).order_by(*cols)
            ).all()
        out["meta"] = conn.execute(
            sa.select(sa.column("key"), sa.column("value"))
            .select_from(sa.table("meta"))
            .order_by(sa.column("key"))
        ).all()
    return out


def _drift(engine, target: sa.MetaData = metadata) -> list:
    """What Alembic's autogenerate would change to turn the store into `target`."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": migrations.include_object(engine.dialect.name),
                "compare_type": migrations.compare_type(engine.dialect.name),
            },
        )
        return compare_metadata(context, target)


def _flat(diffs: list) -> list[tuple]:
    """compare_metadata's list, with the column changes (lists of tuples) flattened."""
    out = []
    for d in diffs:
        out.extend(d if isinstance(d, list) else [d])
    return out


def _normalized(statement: str) -> str:
    return " ".join(statement.replace('"', "").split())


# --------------------------------------------------------------------------- an empty store


def test_an_empty_store_gets_every_table_at_head(url):
    engine = store.get_engine(url, create=False)
    assert _tables(engine) == set()
    store.ensure_schema(engine)
    assert _revision(engine) == migrations.HEAD
    tables = _tables(engine)
    assert set(metadata.tables) <= tables, set(metadata.tables) - tables
    with engine.connect() as conn:
        assert "v_facts" in sa.inspect(conn).get_view_names()
        assert conn.execute(sa.select(sa.func.count()).select_from(store.indicators)).scalar()
        assert store.get_meta(conn, "reference_digest") == store._reference_digest()


def test_revision_0001_makes_exactly_what_the_last_code_before_alembic_made(url):
    """On an empty store, 0001 issues that code's CREATE statements (plus alembic_version):
    stores made by it and stores made by 0001 are the same."""
    engine = store.get_engine(url, create=False)
    creates: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith("CREATE"):
            creates.append(statement.strip())

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as conn:
            assert migrations.upgrade(conn, "0001") == (None, "0001")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    got = [_normalized(s) for s in creates if "alembic_version" not in s]
    expected = [_normalized(s) for s in _frozen_statements(_backend(engine))]
    if engine.dialect.name == "duckdb":
        assert got == expected
    else:  # the order of a table's indexes is not fixed
        assert sorted(got) == sorted(expected)


# --------------------------------------------------------------------------- a pre-Alembic store


def test_a_pre_alembic_store_upgrades_in_place_and_keeps_every_row(url):
    engine = _pre_alembic_store(url)
    assert _revision(engine) is None and "alembic_version" not in _tables(engine)
    before = _snapshot(engine)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        columns = {name: [c["name"] for c in inspector.get_columns(name)] for name in before}
    empty = [name for name, rows in before.items() if not rows]
    assert not empty, f"the test store has no rows in {empty}"
    assert len(before["facts"]) == 3 and len(before["batches"]) == 2

    store.ensure_schema(engine)

    assert _revision(engine) == migrations.HEAD
    after = _snapshot(engine, columns, only=set(before) | {"fact_history"})
    meta_before, meta_after = dict(before.pop("meta")), dict(after.pop("meta"))
    # 0002: the loads recorded so far become the append-only history (facts.superseded_by)
    history = after.pop("fact_history")
    superseded = [(f.superseded_by, f.id) for f in _facts_rows(engine) if f.superseded_by]
    assert superseded and sorted((b, i) for b, i, _action in history) == sorted(superseded)
    assert {action for _b, _i, action in history} <= {"superseded"}
    assert after == before
    # meta: every key kept; the reference tables were reloaded (newer files), which marks the
    # summary for a rebuild, as on every start whose reference files changed
    assert set(meta_before) <= set(meta_after)
    changed = {k for k in meta_before if meta_before[k] != meta_after[k]}
    assert changed == {"reference_digest", store.SUMMARY_READY_KEY}
    assert meta_after["reference_digest"] == store._reference_digest()
    assert meta_after[store.SUMMARY_READY_KEY] == store.SUMMARY_REBUILD
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.regions)).scalar() > 0
        # the view still answers (the current facts of a region the regions table knows)
        assert conn.execute(sa.text("SELECT count(*) FROM v_facts")).scalar() == 2
        # 0005: the facts kept are totals, of no breakdown member (NULL in v_facts)
        members = conn.execute(sa.text("SELECT DISTINCT dimension, member FROM v_facts")).all()
        assert [tuple(r) for r in members] == [(None, None)]
        # the sequences kept their place: new ids come after the stored ones
        assert store.next_ids(conn, store.batch_id_seq, 1)[0] > max(r[0] for r in before["batches"])
        assert store.next_ids(conn, store.fact_id_seq, 1)[0] > max(r[0] for r in before["facts"])
        # the product's own reads see the kept rows
        assert list(list_batches(conn)["status"]) == ["rolled_back", "active"]
    spellings = list_spellings(engine)
    assert list(spellings["spelling"]) == ["调处纠纷数"]
    # learned before mappings had a scope, it applied to everyone: it stays promoted (0002)
    assert spellings[["unit_code", "template_key"]].isna().all(axis=None)
    assert _drift(engine) == []


def test_a_pre_alembic_store_gets_a_new_summary(url):
    """The first summary table (grains_year) is dropped; a summary table of another shape is
    replaced by an empty one, marked to be rebuilt from the facts; the facts stay."""
    engine = _pre_alembic_store(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE grains_year (y SMALLINT)")
        conn.exec_driver_sql("DROP TABLE summary_dirty")
        conn.exec_driver_sql("CREATE TABLE summary_dirty (y SMALLINT, indicator_code VARCHAR)")
        # the reference files as they are: only the summary's renewal can mark it now
        conn.execute(
            store.meta.update()
            .where(store.meta.c.key == "reference_digest")
            .values(value=store._reference_digest())
        )
    facts_before = _snapshot(engine)["facts"]
    with engine.connect() as conn:
        kept = {"facts": [c["name"] for c in sa.inspect(conn).get_columns("facts")]}

    store.ensure_schema(engine)

    assert _revision(engine) == migrations.HEAD
    assert "grains_year" not in _tables(engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("summary_dirty")}
        assert columns == set(store.summary_dirty.c.keys())
        assert store.get_meta(conn, store.SUMMARY_READY_KEY) == store.SUMMARY_REBUILD
    assert _snapshot(engine, kept)["facts"] == facts_before
    assert _drift(engine) == []


def test_a_pre_alembic_store_with_a_table_of_another_shape_is_left_alone(url):
    engine = _pre_alembic_store(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE batches DROP COLUMN note")
    before = _snapshot(engine)
    with pytest.raises(store.StoreError) as err:
        store.ensure_schema(engine)
    assert "batches" in err.value.message_zh and "batches" in err.value.message_en
    assert _revision(engine) is None and "alembic_version" not in _tables(engine)
    assert _snapshot(engine) == before


def test_tables_without_a_known_schema_version_are_not_upgraded(url):
    engine = _pre_alembic_store(url, marked=False)
    with pytest.raises(store.StoreError) as err:
        store.ensure_schema(engine)
    assert "schema_version" in err.value.message_en
    assert "alembic_version" not in _tables(engine)


# --------------------------------------------------------------------------- drift


def test_the_migrations_make_exactly_the_schema_the_code_declares(url):
    engine = store.get_engine(url)
    assert _revision(engine) == migrations.HEAD
    assert _drift(engine) == []


def test_the_drift_check_sees_a_schema_change_without_a_migration(url):
    """A column, a table or a type changed in the schema without a migration is reported:
    the check above can fail."""
    engine = store.get_engine(url)
    changed = sa.MetaData()
    for table in metadata.tables.values():
        copy = table.to_metadata(changed)
        # to_metadata drops ddl_if: PostgreSQL-only indexes stay PostgreSQL-only in the copy
        indexes = {i.name: i for i in table.indexes}
        for index in copy.indexes:
            index._ddl_if = indexes[index.name]._ddl_if
        copy.primary_key._ddl_if = table.primary_key._ddl_if
    changed.tables["batches"].append_column(sa.Column("reviewed_by", sa.String(64)))
    changed.tables["facts"].c.region_code.type = sa.Integer()
    sa.Table("review_notes", changed, sa.Column("id", sa.Integer, primary_key=True))
    diffs = _flat(_drift(engine, changed))
    kinds = {(d[0], d[2], d[3].name) for d in diffs if d[0] == "add_column"}
    assert kinds == {("add_column", "batches", "reviewed_by")}, diffs
    assert [d[2:4] for d in diffs if d[0] == "modify_type"] == [("facts", "region_code")], diffs
    assert [d[1].name for d in diffs if d[0] == "add_table"] == ["review_notes"], diffs
    assert len(diffs) == 3, diffs


# --------------------------------------------------------------------------- guards and cost


def test_a_store_newer_than_the_code_is_refused(url):
    engine = store.get_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    store._schema_ready.clear()
    with pytest.raises(store.StoreError) as err:
        store.ensure_schema(engine)
    assert "9999" in err.value.message_zh and "9999" in err.value.message_en
    assert _revision(engine) == "9999"


def test_a_store_at_head_is_opened_with_one_read_and_no_write(url):
    engine = store.get_engine(url)
    store._schema_ready.clear()
    with engine.connect() as conn:
        version = store.get_meta(conn, "data_version")
    statements: list[str] = []
    commits: list[bool] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    def committed(_conn):
        commits.append(True)

    sa.event.listen(engine, "before_cursor_execute", record)
    sa.event.listen(engine, "commit", committed)
    try:
        store.ensure_schema(engine)
        store.ensure_schema(engine)  # the second time in a process: nothing at all
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        sa.event.remove(engine, "commit", committed)
    # one query: the revision and the reference digest together (SET: DuckDB's progress bar off)
    queries = [s for s in statements if not s.lstrip().upper().startswith("SET ")]
    assert len(queries) == 1, statements
    assert all(s.lstrip().upper().startswith("SELECT") for s in queries), statements
    assert commits == []
    with engine.connect() as conn:
        assert store.get_meta(conn, "data_version") == version


# --------------------------------------------------------------------------- python -m etl db


def test_the_db_command_upgrades_and_reports_the_revision(url, capsys):
    _pre_alembic_store(url).dispose()
    assert main(["db", "current", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "pre-migration schema (schema_version 1)" in out and "to be upgraded" in out

    assert main(["db", "upgrade", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "schema upgraded: 迁移前的结构 pre-migration schema (schema_version 1) -> " in out
    assert out.rstrip().endswith(f"-> {migrations.HEAD}"), out

    assert main(["db", "upgrade", "--db", url]) == 0
    assert f"schema up to date: {migrations.HEAD}" in capsys.readouterr().out
    assert main(["db", "current", "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"schema revision: {migrations.HEAD}" in out and "up to date" in out
    assert _revision(store.get_engine(url, create=False)) == migrations.HEAD

    assert main(["db", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:4] for line in lines] == [p.name[:4] for p in migrations.revision_files()]
    assert lines[0].startswith("0001  initial schema") and lines[-1].endswith("(head)")


def test_the_db_command_refuses_a_newer_store_and_a_missing_file(tmp_path, capsys):
    path = tmp_path / "newer.duckdb"
    engine = store.get_engine(path)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    store._schema_ready.clear()
    assert main(["db", "current", "--db", str(path)]) == 0
    assert "newer than this program" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "9999" in err and "update the program first" in err and "请先升级程序" in err
    assert _revision(engine) == "9999"

    missing = tmp_path / "missing.duckdb"
    assert main(["db", "current", "--db", str(missing)]) == 2
    assert "no such database file" in capsys.readouterr().err
    assert not missing.exists()
