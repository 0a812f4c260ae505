"""Alembic's environment for the store: migrate the connection the caller passed.

lawstats.store.ensure_schema (and `python -m etl db upgrade`) open the connection, begin the
transaction and take the writer locks, then pass it as `config.attributes["connection"]`; the
migrations run inside that transaction, so a failed upgrade leaves the store as it was. There
is no alembic.ini and no offline (--sql) mode.
"""

from __future__ import annotations

# Alembic's implementation for the "duckdb" dialect name (duckdb-sqlalchemy registers it by
# itself only when Alembic was imported before the dialect, which is not the case here).
import duckdb_sqlalchemy.alembic_impl  # noqa: F401
import sqlalchemy as sa
from alembic import context

from lawstats.store.migrations import VERSION_TABLE, compare_type, include_object
from lawstats.store.schema import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=include_object(connection.dialect.name),
        compare_type=compare_type(connection.dialect.name),
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise SystemExit(
            "the store's migrations run on a connection: use `python -m etl db upgrade` "
            "(or lawstats.store.ensure_schema); there is no alembic.ini"
        )
    _run(connection)


run()
