"""`python -m etl db upgrade|current|history`: the store's schema revision (Alembic).

Every start upgrades the store by itself (lawstats.store.ensure_schema); this is for operators
who want to upgrade before starting the servers, or to see where a store stands. A store newer
than the program is refused (exit 2, the store untouched).
"""

from __future__ import annotations

import argparse


def _raw_engine(args: argparse.Namespace):
    """The engine without ensure_schema: `current` must not upgrade what it reports on."""
    from lawstats.store import get_engine

    return get_engine(args.db, create=False)


def _state(engine) -> tuple[str | None, str]:
    """(revision, how to print it): a revision, an empty store or one made before migrations."""
    import sqlalchemy as sa

    from lawstats.store import connect, get_meta, migrations
    from lawstats.store.schema import metadata

    with connect(engine) as conn:
        revision = migrations.stored_revision(conn)
        if revision is not None:
            return revision, revision
        tables = set(sa.inspect(conn).get_table_names()) & set(metadata.tables)
        if not tables:
            return None, "空库 empty"
        legacy = get_meta(conn, "schema_version") if "meta" in tables else None
    return None, f"迁移前的结构 pre-migration schema (schema_version {legacy})"


def cmd_db(args: argparse.Namespace) -> int:
    from lawstats.store import migrations, upgrade_schema

    if args.action == "history":
        for path in migrations.revision_files():
            mark = "  (head)" if path.name[:4] == migrations.HEAD else ""
            print(f"{path.name[:4]}  {path.stem[5:].replace('_', ' ')}{mark}")
        return 0
    if args.action == "current":
        from etl.cli import UsageError
        from lawstats.store import duckdb_path, normalize_url

        path = duckdb_path(normalize_url(args.db))
        if path is not None and not path.exists():
            raise UsageError(f"数据库文件不存在 no such database file: {path}")
    engine = _raw_engine(args)
    revision, label = _state(engine)
    if args.action == "current":
        known = {path.name[:4] for path in migrations.revision_files()}
        if revision == migrations.HEAD:
            note = "已是最新 up to date"
        elif revision is not None and revision not in known:
            note = "比本程序新，请先升级程序 newer than this program: update the program"
        else:
            note = "待升级 to be upgraded (python -m etl db upgrade)"
        print(
            f"数据库结构版本 schema revision: {label}；本程序 program head {migrations.HEAD}；{note}"
        )
        return 0
    before, after = upgrade_schema(engine)
    if before == after and revision == after:
        print(f"数据库结构已是最新 schema up to date: {after}")
    else:
        print(f"数据库结构已升级 schema upgraded: {label} -> {after}")
    return 0


def register(sub, with_db) -> None:
    """Add the `db` subcommand."""
    sp = with_db(
        sub.add_parser("db", help="the store's schema revision: upgrade, current, history")
    )
    sp.add_argument(
        "action",
        choices=("upgrade", "current", "history"),
        help="upgrade: to the newest revision; current: the store's; history: every revision",
    )
    sp.set_defaults(func=cmd_db)
