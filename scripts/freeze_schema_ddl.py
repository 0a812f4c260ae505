"""Record the DDL that `ensure_schema` issues on an empty store, one file per backend.

Used once, on the last code before Alembic (commit f744393; the store's schema is the same since
8655378), to freeze the schema every store made by it has: tests/data/schema_v1_duckdb.sql and
schema_v1_postgres.sql. tests/test_migrations.py builds "old" stores from these files, upgrades
them, and checks that revision 0001 issues the same statements on an empty store. Do not
regenerate these two files from today's code: they are the record of what that code made.

Usage, with that code exported to a folder (git archive f744393 | tar -x -C /tmp/v1):
  python scripts/freeze_schema_ddl.py --tree /tmp/v1 NEW_DUCKDB_FILE [URL_OF_AN_EMPTY_PG_DATABASE]
(writes tests/data/schema_v1_<backend>.sql of this checkout)
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
-- The schema the last code before Alembic (commit f744393) made in an empty {backend} store:
-- every CREATE statement its ensure_schema issued, in order (scripts/freeze_schema_ddl.py).
-- Frozen: tests/test_migrations.py builds pre-Alembic stores from it. Do not regenerate.
"""


def capture_ddl(url: str) -> list[str]:
    """The CREATE statements `ensure_schema` runs on the empty store at `url`."""
    from lawstats.store import _engine, ensure_schema

    engine = _engine(url)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith("CREATE"):
            statements.append(statement.strip())

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        ensure_schema(engine)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return statements


def write(backend: str, statements: list[str]) -> Path:
    path = ROOT / "tests" / "data" / f"schema_v1_{backend}.sql"
    body = "".join(f"{s};\n\n" for s in statements)
    path.write_text(HEADER.format(backend=backend) + "\n" + body, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "--tree":
        print(__doc__, file=sys.stderr)
        return 2
    tree = Path(argv[1]).resolve()
    if not (tree / "lawstats" / "store" / "__init__.py").is_file():
        print(f"{tree} is not a checkout of the product", file=sys.stderr)
        return 2
    if (tree / "lawstats" / "store" / "migrations").exists():
        print(f"{tree} already has migrations: give the code from before them", file=sys.stderr)
        return 2
    sys.path.insert(0, str(tree))
    duck = Path(argv[2]).resolve()
    if duck.exists():
        print(f"{duck} exists; give the path of a new file", file=sys.stderr)
        return 2
    print(write("duckdb", capture_ddl(f"duckdb:///{duck}")))
    if len(argv) > 3:
        print(write("postgres", capture_ddl(argv[3])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
