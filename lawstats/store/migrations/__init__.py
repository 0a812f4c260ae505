"""Schema versions: the store's Alembic migrations, run by `lawstats.store.ensure_schema`.

`versions/NNNN_<what>.py` holds revision "NNNN", each revising the one before it (one line of
history, no branches); HEAD is the newest file's number. Migrations run programmatically on a
connection the caller opened and holds the writer locks on (alembic.ini is not needed):
`config(conn)` points Alembic at this folder and hands env.py the connection.

Alembic itself is imported only when a store is behind (or by `python -m etl db`): opening a
store at head costs the read of its revision (and ensure_schema's of the reference digest). A store made before Alembic (its tables, no alembic_version,
meta schema_version "1") is upgraded from the start: revision 0001 adopts it, keeping its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"
# meta "schema_version" of the stores made before Alembic; their schema is revision 0001's
LEGACY_SCHEMA_VERSION = "1"


def revision_files() -> list[Path]:
    """The migration files, oldest first (named NNNN_<what>.py, revision id NNNN)."""
    return sorted(VERSIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py"))


HEAD = revision_files()[-1].name[:4]


def config(connection: Connection | None = None) -> Config:
    """An Alembic config for this folder; env.py migrates `connection` (in its transaction)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def stored_revision(conn: Connection) -> str | None:
    """The revision in alembic_version, None when the table is missing or empty."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def store_state(conn: Connection) -> str | None:
    """The store's revision; None for an empty store or one made before Alembic (to be upgraded
    from the start). Raises StoreError for a store this code cannot upgrade: a newer revision,
    or tables of this product without alembic_version and without the pre-Alembic marker."""
    from lawstats.store.errors import StoreError
    from lawstats.store.schema import metadata

    revision = stored_revision(conn)
    if revision is not None:
        if revision != HEAD and revision not in {
            s.revision for s in script_directory().walk_revisions()
        }:
            raise StoreError(
                f"数据库结构版本 {revision} 比本程序新（本程序最高为 {HEAD}），请先升级程序",
                f"the database's schema revision {revision} is newer than this program's "
                f"({HEAD}); update the program first",
            )
        return revision
    tables = set(sa.inspect(conn).get_table_names())
    if not tables & set(metadata.tables):
        return None
    legacy = None
    if "meta" in tables:
        legacy = conn.execute(
            sa.text("SELECT value FROM meta WHERE key = 'schema_version'")
        ).scalar()
    if legacy != LEGACY_SCHEMA_VERSION:
        raise StoreError(
            f"数据库中已有本程序的表，但没有可识别的结构版本（schema_version={legacy!r}），不予升级",
            f"the database has this program's tables but no known schema version "
            f"(schema_version={legacy!r}); not upgrading it",
        )
    return None


def upgrade(conn: Connection, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the store on `conn` (inside the caller's transaction, which holds the writer
    locks) to `revision`; returns (before, after). A store at that revision is left alone."""
    before = store_state(conn)
    target = HEAD if revision == "head" else revision
    if before == target:
        return before, before
    from alembic import command

    command.upgrade(config(conn), revision)
    return before, stored_revision(conn)


def include_object(dialect_name: str) -> Callable[..., bool]:
    """An autogenerate filter for a dialect: an index or constraint made for another dialect
    only (`ddl_if`) is not missing there. env.py and tests/test_migrations.py use it."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        if reflected or ddl_if is None or ddl_if.dialect is None:
            return True
        wanted = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else tuple(ddl_if.dialect)
        return dialect_name in wanted

    return include


def compare_type(dialect_name: str) -> Callable[..., bool | None]:
    """An autogenerate type comparison for a dialect: DuckDB has one text type (TEXT is an
    alias of VARCHAR, whose length it ignores), so String(n) and Text are the same there.
    Returns None (Alembic's own comparison) everywhere else."""

    def compare(
        context: Any, inspected: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
    ) -> bool | None:
        if dialect_name == "duckdb" and isinstance(metadata_type, sa.String):
            return not isinstance(inspected_type, sa.String)
        return None

    return compare
