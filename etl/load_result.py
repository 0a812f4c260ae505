"""What happened to one file: the LoadResult, its messages and its exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from etl import load_checks
from etl.problems import Problem, Report


@dataclass
class LoadResult:
    """What happened to one file; `status` is loaded | unchanged | refused | dry_run."""

    filename: str
    status: str
    sha256: str
    batch_id: int | None = None
    facts_written: int = 0
    facts_superseded: int = 0
    facts_unchanged: int = 0
    report: Report = field(default_factory=Report)
    extraction: Any = None
    preview: pd.DataFrame | None = None  # facts to write with the values they supersede
    to_write: pd.DataFrame | None = None  # dry run: the facts a load would write (new + changed)
    message_zh: str = ""
    message_en: str = ""
    reloaded: tuple[int, ...] = ()  # rolled-back batches of this same file (loaded again)

    @property
    def problems(self) -> list[Problem]:
        return list(self.report.problems)

    @property
    def exit_code(self) -> int:
        # 0 loaded (unchanged, dry run), 2 unreadable, 3 only mapping questions, 1 refused
        if self.status in ("loaded", "unchanged", "dry_run"):
            return 0
        if any(p.code in UNREADABLE for p in self.report.errors):
            return 2
        if self.report.errors and all(p.code == "mapping_question" for p in self.report.errors):
            return 3
        return 1

    def questions(self) -> list[dict[str, Any]]:
        """The columns the header grammar could not decide, with the indicators it offers."""
        return load_checks.result_questions(self.extraction)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "status": self.status,
            "batch_id": self.batch_id,
            "facts_written": self.facts_written,
            "facts_superseded": self.facts_superseded,
            "facts_unchanged": self.facts_unchanged,
            "sha256": self.sha256,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "counts": self.report.counts,
            "problems": [p.to_dict() for p in self.report.problems],
            "questions": self.questions(),
            "notes": self.notes(),
        }

    def notes(self) -> list[dict[str, str]]:
        """What was recognised and checked without being stored (上年同期 / 同比 columns), and
        the columns converted from another unit."""
        return load_checks.result_notes(self.extraction)


UNREADABLE = {
    "unreadable_file",
    "empty_file",
    "unsupported_type",
    "file_too_large",
    "sheet_too_large",
    "file_too_many_cells",
    "parse_limit",
}


def loaded(result: LoadResult, written) -> LoadResult:
    if written.batch_id is None:  # every figure equals the current one: no batch (#18)
        result.status = "unchanged"
        result.facts_unchanged = written.unchanged
        held = "、".join(f"#{b}" for b in written.same_as) or "—"
        result.message_zh = f"文件中的数据与已有数据（批次 {held}）完全相同，未新建批次"
        result.message_en = f"every figure equals the stored one (batch {held}); no batch made"
        return result
    result.status = "loaded"
    result.batch_id = written.batch_id
    result.facts_written = written.written
    result.facts_superseded = written.superseded
    result.facts_unchanged = written.unchanged
    result.preview = written.changes
    result.message_zh = (
        f"已导入为批次 {written.batch_id}：写入 {written.written} 条，替换 {written.superseded} 条，"
        f"未变 {written.unchanged} 条"
    )
    result.message_en = (
        f"loaded as batch {written.batch_id}: {written.written} written, {written.superseded} superseded,"
        f" {written.unchanged} unchanged"
    )
    result.reloaded = tuple(written.reloaded)
    if written.reloaded:  # the same file again after its rollback: a new batch, said so
        earlier = "、".join(f"#{b}" for b in written.reloaded)
        result.message_zh += f"（该文件曾作为批次 {earlier} 导入并已回滚，现重新导入）"
        result.message_en += (
            f" (this file was loaded as batch {earlier} and rolled back; loaded again)"
        )
    return result


def unchanged(result: LoadResult, earlier: int) -> LoadResult:
    result.status = "unchanged"
    result.batch_id = int(earlier)
    result.message_zh = f"该文件已于批次 {earlier} 导入，未重复写入"
    result.message_en = f"already loaded as batch {earlier}; nothing written"
    return result


def refused(result: LoadResult, *, strict: bool = False) -> LoadResult:
    result.status = "refused"
    n_err = len(result.report.errors)
    if strict:
        result.message_zh = (
            f"严格模式：有 {len(result.report.warnings)} 条警告，文件未导入，数据库未改动"
        )
        result.message_en = (
            f"strict mode: {len(result.report.warnings)} warnings; file refused, database unchanged"
        )
    else:
        result.message_zh = f"发现 {n_err} 个错误，文件未导入，数据库未改动"
        result.message_en = f"{n_err} errors; file refused, database unchanged"
    return result
