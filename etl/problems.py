"""Problems as data: one registry of problem types, a Problem per finding, and a Report that collects them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class ProblemType:
    severity: str  # error | warning
    template_zh: str
    template_en: str


# One registry: code -> severity and message templates. `{where}` is filled in by make_problem
# from sheet/cell/column ("第7行 D列（调解成功）" / "Row 7, column D (mediation_success)").
PROBLEM_TYPES: dict[str, ProblemType] = {
    # --- the file as a whole ---
    "unreadable_file": ProblemType(
        ERROR, "无法读取文件：{reason}", "The file cannot be read: {reason}"
    ),
    "empty_file": ProblemType(
        ERROR, "文件是空的，没有任何数据", "The file is empty: it holds no data"
    ),
    "file_too_large": ProblemType(
        ERROR,
        "文件太大（解压后约{size_mb}MB，上限{limit_mb}MB），请拆分后再上传",
        "The file is too large (about {size_mb} MB unpacked, limit {limit_mb} MB): split it and upload the parts",
    ),
    "sheet_too_large": ProblemType(
        ERROR,
        "表格范围过大：{sheet_name} 的使用区域到 {end}（{detail}）。请删除远处多余的单元格或拆分表格后再上传",
        "The sheet is too large: the used range of {sheet_name} reaches {end} ({detail}). Delete the stray far cells or split the table, then upload again",
    ),
    "file_too_many_cells": ProblemType(
        ERROR,
        "文件太大：各工作表合计超过{cells}个单元格（上限{limit}个），请拆分成几个文件后再上传",
        "The file is too large: its sheets hold more than {cells} cells together (limit {limit}); split it into several files",
    ),
    "parse_limit": ProblemType(
        ERROR,
        "无法读取文件：{reason}，已拒绝（服务器未受影响）",
        "The file cannot be read: {reason}; it was refused (the server is not affected)",
    ),
    "store_failed": ProblemType(
        ERROR,
        "文件未能写入：{reason}。数据库未改动",
        "The file could not be written: {reason}. The database is unchanged",
    ),
    "unsupported_type": ProblemType(
        ERROR,
        "不支持的文件类型（{kind}）：请上传 Excel（.xlsx/.xls）或 CSV 文件",
        "Unsupported file type ({kind}): upload an Excel (.xlsx/.xls) or CSV file",
    ),
    "no_table": ProblemType(
        ERROR,
        "{where}没有找到数据表：需要一行表头（如“地区”和指标名称）和至少一行地区数据{seen}",
        "{where}: no data table found: a header row (e.g. 地区 and indicator names) and at least one region row are needed{seen}",
    ),
    "nothing_to_load": ProblemType(
        ERROR,
        "文件中没有任何数字（单元格都是空白或未报送标记），未导入；已入库的数据未改动。空白表示本文件未填报，不会清除已有数据；如要撤回已入库的数字，请在该单元格填写“撤回”",
        "The file holds no figure (every cell is blank or marked not reported): nothing was loaded and the stored figures are unchanged. A blank means this file does not say; to withdraw a stored figure, write 撤回 in its cell",
    ),
    "nothing_changed": ProblemType(
        ERROR,
        "文件中的数字与已入库的完全相同（已在批次 {held} 中），没有可更新的内容，未导入",
        "Every figure in the file equals the stored one (held by batch {held}): nothing would change, so nothing was loaded",
    ),
    "withdrawal_unconfirmed": ProblemType(
        ERROR,
        "{where}标记为“撤回”：将撤回已入库的{region_name}该项数字。撤回需要确认（上传页面勾选确认，或命令行加 --confirm-withdraw）",
        "{where} is marked 撤回: the stored figure of {region_name} would be withdrawn. A withdrawal needs a confirmation (tick it on the upload page, or --confirm-withdraw on the command line)",
    ),
    "no_indicator": ProblemType(
        ERROR,
        "{where}无法确定这张表是哪个指标（{raw}）：请在“指标：”行写明指标名称",
        "{where}: cannot tell which indicator this table holds ({raw}): name it in an “指标：” line",
    ),
    "hidden_sheet_skipped": ProblemType(
        WARNING,
        "{where}已隐藏，其中的数据表未导入；如需导入，请在 Excel 中取消隐藏后重新上传",
        "{where} is hidden: its table was not loaded; to load it, unhide the sheet in Excel and upload again",
    ),
    "unrecognised_table": ProblemType(
        WARNING,
        "{where}起的表格（表头：{header}）没有可识别的指标，未导入",
        "{where}: the table starting here (header: {header}) names no known indicator and was not loaded",
    ),
    "layout_uncertain": ProblemType(
        WARNING,
        "{where}的表格结构不确定（按“{layout}”读取，把握{confidence}），请核对读取结果",
        "{where}: the table layout is uncertain (read as “{layout}”, confidence {confidence}): check the result",
    ),
    # --- regions and periods ---
    "unknown_region": ProblemType(
        ERROR,
        "{where}的地区“{raw}”无法识别{hint}",
        "{where}: region “{raw}” is not recognised{hint}",
    ),
    "ambiguous_region": ProblemType(
        ERROR,
        "{where}的地区“{raw}”有多个同名地区（{candidates}），请写全称或指定所属市",
        "{where}: region “{raw}” is ambiguous ({candidates}): write the full name or choose the city",
    ),
    "region_outside_context": ProblemType(
        ERROR,
        "{where}的地区“{raw}”不属于{context}",
        "{where}: region “{raw}” is not within {context}",
    ),
    "no_period": ProblemType(
        ERROR,
        "{where}找不到统计期间：请在标题、工作表名或文件名中写明（如“2024年1-6月”），或上传时选择期间",
        "{where}: no reporting period found: state it in the title, sheet name or file name (e.g. 2024年1-6月) or choose it when uploading",
    ),
    "period_contradiction": ProblemType(
        ERROR,
        "{where}：{source}写的期间是“{found}”，{other_source}写的是“{other}”，两者不一致，无法确定数据属于哪个期间。请核对后在上传时指定期间（命令行 --period）",
        "{where}: the {source} says the period is “{found}”, the {other_source} says “{other}”; they disagree, so the period is not certain. Check it and give the period with the upload (--period on the command line)",
    ),
    "bad_period": ProblemType(
        ERROR,
        "{where}的期间“{raw}”无法识别{hint}",
        "{where}: period “{raw}” is not understood{hint}",
    ),
    # --- cell values ---
    "not_a_number": ProblemType(
        ERROR, "{where}的值“{raw}”不是数字", "{where}: “{raw}” is not a number"
    ),
    "excel_error_cell": ProblemType(
        ERROR,
        "{where}是 Excel 错误值“{raw}”，请检查公式",
        "{where}: Excel error value “{raw}”: check the formula",
    ),
    "negative_count": ProblemType(
        ERROR, "{where}的值{value}是负数", "{where}: value {value} is negative"
    ),
    "rate_out_of_range": ProblemType(
        ERROR,
        "{where}的比率{value}%不在0到100之间",
        "{where}: rate {value}% is not between 0 and 100",
    ),
    "non_integer_count": ProblemType(
        ERROR,
        "{where}的值{value}应为整数（单位：{unit}）",
        "{where}: value {value} should be a whole number (unit: {unit})",
    ),
    "numerator_above_denominator": ProblemType(
        ERROR,
        "{where}的{part}（{value}）大于{whole}（{whole_value}）",
        "{where}: {part} ({value}) is greater than {whole} ({whole_value})",
    ),
    "duplicate_conflict": ProblemType(
        ERROR,
        "{where}的值{value}与{other_cell}的值{other_value}重复且不一致（同一地区、期间、指标）：“{header}”和“{other_header}”都读作{indicator_name}（{why}）。请核对表头，或在上传页面把其中一列答复为别的指标或“不是指标”",
        "{where}: value {value} conflicts with {other_value} in {other_cell} (same region, period and indicator): “{header}” and “{other_header}” are both read as {indicator_name} ({why}). Check the headers, or answer one of them as another indicator or “not an indicator” on the upload page",
    ),
    "duplicate_same_value": ProblemType(
        WARNING,
        "{where}与{other_cell}重复填报了相同的值{value}",
        "{where}: the same value {value} is also reported in {other_cell}",
    ),
    "approximate_value": ProblemType(
        WARNING,
        "{where}的值“{raw}”是约数，按{value}记录并标注为约数",
        "{where}: “{raw}” is approximate: stored as {value} and flagged approximate",
    ),
    # --- columns and units ---
    "unmapped_column": ProblemType(
        WARNING,
        "{where}的表头“{header}”未导入：{reason}",
        "{where}: header “{header}” was not imported: {reason}",
    ),
    "mapping_question": ProblemType(
        ERROR,
        "{where}的表头“{header}”需要确认：{reason}。请选择它对应的指标（{options}）或“不是指标”",
        "{where}: header “{header}” needs an answer: {reason}. Choose its indicator ({options}) or “not an indicator”",
    ),
    "unmapped_indicator": ProblemType(
        WARNING,
        "{where}的指标“{raw}”未导入：{reason}",
        "{where}: indicator “{raw}” was not imported: {reason}",
    ),
    "unit_mismatch": ProblemType(
        WARNING,
        "{where}的单位“{unit}”与指标单位“{expected}”不一致，未换算",
        "{where}: unit “{unit}” differs from the indicator's unit “{expected}” and was not converted",
    ),
    "fraction_rate_scaled": ProblemType(
        WARNING,
        "{where}的比率按小数填写（如{example}），已乘以100换算为百分数",
        "{where}: rates were entered as fractions (e.g. {example}) and were multiplied by 100",
    ),
    # --- consistency between figures ---
    "total_mismatch": ProblemType(
        WARNING,
        "{where}的合计{total}与各地区之和{sum}不一致",
        "{where}: total {total} differs from the sum of the regions {sum}",
    ),
    "members_above_total": ProblemType(
        ERROR,
        "{where}：按{dimension}分的各项之和{sum}大于总数{whole}{value}（各项在{cells}）",
        "{where}: the members by {dimension} add up to {sum}, more than the total {whole} "
        "{value} ({cells})",
    ),
    "members_short_of_total": ProblemType(
        WARNING,
        "{where}：按{dimension}分的各项之和{sum}小于总数{whole}{value}；未填报的分类项：{missing}"
        "（未填报不作为0）",
        "{where}: the members by {dimension} add up to {sum}, less than the total {whole} {value}; "
        "members not reported: {missing} (not reported is not zero)",
    ),
    "part_above_whole": ProblemType(
        WARNING,
        "{where}的{part}（{value}）大于{whole}（{whole_value}）",
        "{where}: {part} ({value}) is greater than {whole} ({whole_value})",
    ),
    "rate_inconsistent": ProblemType(
        WARNING,
        "{where}填报的比率{value}%与按件数计算的{computed}%相差超过0.1个百分点",
        "{where}: reported rate {value}% differs from {computed}% computed from the counts by more than 0.1 point",
    ),
    "change_inconsistent": ProblemType(
        WARNING,
        "{where}填报的同比{value}{unit}与按本期数{current}和上年同期数{previous}计算的{computed}{unit}不一致",
        "{where}: the reported year-on-year change {value}{unit} differs from {computed}{unit} computed from this period's {current} and last year's {previous}",
    ),
    "previous_year_mismatch": ProblemType(
        WARNING,
        "{where}填报的上年同期数{value}与已入库的{previous_period}数据{stored}不一致",
        "{where}: last year's figure {value} differs from the stored figure {stored} for {previous_period}",
    ),
    "large_change": ProblemType(
        WARNING,
        "{where}的值{value}比上年同期{previous}变化{pct}%，请核实",
        "{where}: value {value} changed by {pct}% from {previous} in the same period last year: please check",
    ),
    "region_not_permitted": ProblemType(
        ERROR,
        "{where}：您没有权限上报{region_name}的数据（只能上报分配给您的地区及其下级）",
        "{where}: you may not submit figures for {region_name} (only for your assigned regions and below)",
    ),
}

_CELL_RE = re.compile(r"^([A-Z]+)(\d+)$")


def format_number(value: Any) -> str:
    """A number as people write it: 13287, 98.6, 294.17 (no float noise, no trailing zeros)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return "NaN"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


class _Params(dict):
    """Template parameters; a missing one prints as empty text instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


def _where(
    sheet: str | None,
    cell: str | None,
    column: str | None,
    label_en: str | None,
    row_label: str | None = None,
):
    if cell:
        m = _CELL_RE.match(cell)
        if m:
            col, row = m.groups()
            of_zh = f"（{row_label}）" if row_label else ""
            of_en = f" ({row_label})" if row_label else ""
            zh = f"第{row}行{of_zh} {col}列" + (f"（{column}）" if column else "")
            en = f"Row {row}{of_en}, column {col}" + (
                f" ({label_en or column})" if label_en or column else ""
            )
            return zh, en
    if sheet:
        return f"工作表“{sheet}”", f"Sheet “{sheet}”"
    return "文件", "The file"


@dataclass(frozen=True)
class Problem:
    severity: str
    code: str
    message_zh: str
    message_en: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    region: str | None = None
    indicator: str | None = None

    @property
    def address(self) -> str | None:
        """'Sheet1!D7', or the sheet name alone, or None for a whole-file problem."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh

    def to_dict(self) -> dict[str, Any]:
        # the fields are plain values: a copy of them, not dataclasses.asdict's deep copy
        # (80,000 warnings of a national file: 0.1 s instead of 6 s)
        d = dict(self.__dict__)
        d["address"] = self.address
        return d


def make_problem(
    code: str,
    *,
    file: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    region: str | None = None,
    indicator: str | None = None,
    column: str | None = None,
    row_label: str | None = None,
    **params: Any,
) -> Problem:
    """Build a Problem of a registered type; `column` (the header as written) names the column
    and `row_label` (the row's region as written) the row in messages."""
    ptype = PROBLEM_TYPES[code]
    where_zh, where_en = _where(sheet, cell, column, indicator, row_label)
    # A parameter may come in two languages: hint_zh / hint_en fill {hint} in each template.
    common = {k: format_number(v) for k, v in params.items() if not k.endswith(("_zh", "_en"))}
    common.setdefault("column", column or "")
    lang = {
        s: {k[:-3]: format_number(v) for k, v in params.items() if k.endswith("_" + s)}
        for s in ("zh", "en")
    }
    zh = ptype.template_zh.format_map(_Params(common, **lang["zh"], where=where_zh))
    en = ptype.template_en.format_map(_Params(common, **lang["en"], where=where_en))
    return Problem(ptype.severity, code, zh, en, file, sheet, cell, region, indicator)


@dataclass
class Report:
    """Every problem found in one file, errors and warnings together."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    @property
    def counts(self) -> dict[str, int]:
        out = {ERROR: 0, WARNING: 0}
        for p in self.problems:
            out[p.severity] += 1
        return out

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def find(self, code: str) -> list[Problem]:
        return [p for p in self.problems if p.code == code]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts,
            "problems": [p.to_dict() for p in self.problems],
        }
