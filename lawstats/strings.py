"""All user-facing UI text in one catalog: Simplified Chinese by default, English alongside."""

from __future__ import annotations

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("法治统计看板", "Rule-of-Law Statistics Dashboard"),
    "demo_banner": (
        "示例数据：本库为程序生成的演示数据（与公开报道的城市年度数字一致），不是真实统计。",
        "示例数据 Demo data: generated for demonstration (matching published city figures); not real statistics.",
    ),
    "language": ("语言 Language", "Language 语言"),
    "nav_overview": ("总览", "Overview"),
    "region": ("地区", "Region"),
    "period": ("期间", "Period"),
    "indicator": ("指标", "Indicator"),
    "value": ("本期", "This period"),
    "previous": ("上年同期", "Same period last year"),
    "change": ("同比", "Year on year"),
    "coverage": ("覆盖", "Coverage"),
    "units_reported": ("{reported}/{expected} 县区已报", "{reported}/{expected} units reported"),
    "months_missing": ("缺月份 {covered}/{expected}", "months {covered}/{expected}"),
    "reported_rate": ("按报送比率", "rate as reported"),
    "empty_db": (
        "数据库中还没有数据。运行 `python -m etl demo` 生成示例数据，或用 `python -m etl load 文件.xlsx` 导入报表。",
        "The database has no data yet. Run `python -m etl demo` for demo data, or `python -m etl load FILE.xlsx` to load a spreadsheet.",
    ),
    "data_as_of": ("数据更新：批次 #{batch}，{when}", "Data as of batch #{batch}, {when}"),
    "no_data_for_selection": ("所选地区和期间没有数据。", "No data for this region and period."),
}


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The text for `key` in `lang`, with {params} filled in."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**params) if params else text
