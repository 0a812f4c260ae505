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
    "nav_trends": ("趋势", "Trends"),
    "nav_rankings": ("排名", "Rankings"),
    "nav_methodology": ("指标说明", "Methodology"),
    "period_kind": ("期间类型", "Period type"),
    "kind_year": ("年度", "Year"),
    "kind_quarter": ("季度", "Quarter"),
    "kind_month": ("月度", "Month"),
    "kind_ytd": ("1-N月累计", "Year to date"),
    "year": ("年份", "Year"),
    "quarter": ("季度", "Quarter"),
    "month": ("月份", "Month"),
    "through_month": ("截至月份", "Through month"),
    "quarter_n": ("第{n}季度", "Q{n}"),
    "month_n": ("{n}月", "Month {n}"),
    "ytd_n": ("1-{n}月", "Jan-{n}"),
    "compared_with": ("{period}（对比 {previous}）", "{period} (against {previous})"),
    "flag_not_reported": ("— 未报送", "— not reported"),
    "flag_approximate": ("≈ 约数", "≈ approximate"),
    "flag_coverage": ("{r}/{e} 县区已报", "{r}/{e} units reported"),
    "flag_months": ("缺月份 {c}/{e}", "months {c}/{e}"),
    "missing_title": ("未报送单位", "Units that have not reported"),
    "missing_none": ("本期所有县区均已报送。", "Every unit has reported for this period."),
    "missing_count": (
        "{n} 个县区本期未报送或未报全：",
        "{n} units have not reported (or not every month) for this period:",
    ),
    "missing_months": ("{name}（{m}/{e} 个月）", "{name} ({m}/{e} months)"),
    "no_batches": ("尚无导入批次。", "No batches loaded yet."),
    "drill_up": ("上级", "Up"),
    "drill_into": ("下钻到", "Drill into"),
    "drill_hint": (
        "点击图中的地区或在下方选择，即可下钻到该地区。",
        "Click a region in the chart, or choose it below, to drill down.",
    ),
    "drill_none": ("（不下钻）", "(stay here)"),
    "regions_compare": ("对比地区", "Regions to compare"),
    "series_yearly": ("年度", "Yearly"),
    "series_monthly": ("月度（本年与上年）", "Monthly (this and last year)"),
    "series_kind": ("序列", "Series"),
    "trend_title": ("{indicator}：{scope}", "{indicator}: {scope}"),
    "ytd_title": ("{period}累计与上年同期", "{period} year to date against last year"),
    "ytd_this": ("本年累计", "This year to date"),
    "ytd_last": ("上年同期", "Same range last year"),
    "normalisation": ("口径", "Normalisation"),
    "norm_absolute": ("绝对数", "Absolute"),
    "norm_per_10k": ("每万常住人口", "Per 10,000 residents"),
    "norm_per_office": ("每个司法所", "Per judicial office"),
    "norm_per_mediator": ("每名调解员", "Per mediator"),
    "norm_ratio_note": (
        "比率类指标只按原值排名。",
        "Rates are ranked as they are, not normalised.",
    ),
    "rank": ("排名", "Rank"),
    "rank_change": ("名次变化", "Rank change"),
    "note": ("备注", "Note"),
    "small_flag": ("数量过小，慎比", "too small to compare"),
    "small_warning": (
        "{names} 的基数小于 {n}，排名波动大，不宜直接比较。",
        "{names}: counts below {n}; their ranks swing easily and should not be compared directly.",
    ),
    "ceiling_note": (
        "天花板效应：多数地区的{indicator}集中在 {lo}%–{hi}% 之间，排名差距很小、意义有限。建议改看每万人调解件数或司法确认件数等更能区分工作量的指标。",
        "Ceiling effect: most regions' {indicator} lies between {lo}% and {hi}%, so ranks barely separate them. Prefer a measure such as mediations per 10,000 residents or judicial confirmations.",
    ),
    "ranking_title": ("{scope}{level}排名：{indicator}", "{scope}: {level} ranked by {indicator}"),
    "level_city": ("各市", "cities"),
    "level_county": ("各县区", "counties"),
    "no_units": (
        "该地区没有可排名的下级单位，请选择省或市。",
        "This region has no units below it to rank; choose a province or a city.",
    ),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "kind": ("类型", "Kind"),
    "kind_flow": ("流量（期间累计）", "flow (summed over the period)"),
    "kind_stock": ("存量（期末数）", "stock (level at period end)"),
    "kind_ratio": ("比率（分子÷分母×100）", "ratio (numerator ÷ denominator × 100)"),
    "unit": ("单位", "Unit"),
    "formula": ("计算方法", "Formula"),
    "better": ("方向", "Better"),
    "better_up": ("越高越好", "higher is better"),
    "better_down": ("越低越好", "lower is better"),
    "better_none": ("中性", "neutral"),
    "definition": ("定义", "Definition"),
    "source": ("数据来源", "Source"),
    "source_text": (
        "各县区司法局按月/季/年报送的统计报表，经导入校验后入库（每条数据记录批次号）；市、省数据按汇总规则由下级数据计算。",
        "Monthly/quarterly/yearly statistical returns from county justice bureaus, validated on load (every figure keeps its batch id); city and province figures are rolled up from them.",
    ),
    "group": ("分组", "Group"),
    "methodology_intro": (
        "本页列出看板中每个指标的定义、单位、类型、计算方法、方向和数据来源；卡片和图表上的提示文字与此一致。",
        "Every indicator on the dashboard with its definition, unit, kind, formula, direction and source; the tooltips on cards and charts show the same text.",
    ),
    "rollup_rules": (
        "汇总规则：流量按月份相加，存量取期末数，比率由分子分母重新计算（不做平均）；同比对比上年相同日期范围，比率的变化以“个百分点”表示。",
        "Roll-up rules: flows add up over months, stocks take the level at period end, rates are recomputed from numerator and denominator (never averaged); year on year compares the same date range one year earlier, and rates change in percentage points.",
    ),
    "empty_page": (
        "数据库中还没有数据。请先运行 `python -m etl demo` 生成示例数据，或用 `python -m etl load 文件.xlsx` 导入报表，然后刷新本页。",
        "The database has no data yet. Run `python -m etl demo` for demo data, or `python -m etl load FILE.xlsx` to load a spreadsheet, then reload this page.",
    ),
    "no_series": (
        "所选地区和期间没有该指标的数据。",
        "No data for this indicator, region and period.",
    ),
    "breadcrumb": ("位置", "Location"),
    "table": ("数据表", "Table"),
}


# Each feature keeps its strings in its own module (lawstats/strings_<feature>.py, a dict named
# STRINGS with the same shape); they are merged here so t() sees one catalog. A key defined
# twice is a bug and fails at import.
FEATURE_MODULES = (
    "lawstats.strings_auth",
    "lawstats.strings_workspace",
    "lawstats.strings_targets",
    "lawstats.strings_report",
    "lawstats.strings_backfill",
)


def _merge_features() -> None:
    import importlib

    for name in FEATURE_MODULES:
        module = importlib.import_module(name)
        clash = set(module.STRINGS) & set(STRINGS)
        if clash:
            raise RuntimeError(f"{name} redefines UI strings: {sorted(clash)}")
        STRINGS.update(module.STRINGS)


_merge_features()


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The text for `key` in `lang`, with {params} filled in."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**params) if params else text
