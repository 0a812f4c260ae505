"""A store that fails while a file is written (disk full, the server gone, a driver error) gives
the file a refusal in words, after the transaction rolled back: never a traceback."""

from __future__ import annotations

import errno

import sqlalchemy as sa

from etl.problems import Problem, make_problem


def _store_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a store can raise outside SQLAlchemy's wrapping (a driver's own, e.g.
    DuckDB's on a connection it was handed back aborted)."""
    errors: list[type[BaseException]] = [sa.exc.DBAPIError, sa.exc.ResourceClosedError, OSError]
    try:
        import duckdb

        errors.append(duckdb.Error)
    except ImportError:  # pragma: no cover - duckdb is a requirement
        pass
    return tuple(errors)


STORE_ERRORS = _store_errors()
_DISK_FULL = (
    "no space left",
    "enospc",
    "disk full",
    "could not extend file",
    "disk is full",
    "file too large",
)


def store_failure(filename: str, exc: BaseException) -> Problem:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
    if (
        isinstance(exc, OSError)
        and exc.errno == errno.ENOSPC
        or any(m in text.lower() for m in _DISK_FULL)
    ):
        return make_problem(
            "store_failed",
            file=filename,
            reason_zh=f"服务器磁盘空间不足（{text}），请联系管理员清理磁盘后重试",
            reason_en=f"the server's disk is full ({text}); ask the administrator to free space and retry",
        )
    return make_problem(
        "store_failed",
        file=filename,
        reason_zh=f"数据库出错（{text}）",
        reason_en=f"a database error occurred ({text})",
    )
