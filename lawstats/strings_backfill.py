"""UI text of the 文字报告补录 (backfill from report text) page and the report-text mark (#8)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "backfill_nav": ("文字报告补录", "Backfill from reports"),
    "backfill_title": ("文字报告补录", "Backfill from report text"),
    "backfill_intro": (
        "把工作总结、“回眸”文章、工作要点等文字报告中的数字补录为历史数据：粘贴文字或上传 .txt / .docx / .html，"
        "系统找出与指标对应的数字并标出原句，您逐条核对（采用、修改或不采用）后作为一个批次提交。"
        "文字报告中的数字不如统计报表确定，看板上会标注“来源：文字报告”。",
        "Turn the figures in year-end reviews, WeChat articles and work plans into history: paste the text or"
        " upload a .txt / .docx / .html file; figures that match an indicator are listed with their sentence;"
        " check each (accept, edit or reject) and commit them as one batch. Such figures are less certain than"
        " a statistical form: the dashboard marks them “来源：文字报告”.",
    ),
    "backfill_tab_paste": ("粘贴文字", "Paste text"),
    "backfill_tab_upload": ("上传文件", "Upload a file"),
    "backfill_text": ("报告全文", "The report's text"),
    "backfill_file": ("报告文件（.txt / .docx / .html）", "Report file (.txt / .docx / .html)"),
    "backfill_region": ("报告所属地区", "The report's region"),
    "backfill_region_help": (
        "留空则按标题和正文识别；“全市”指该地区。",
        "Empty: read from the title and text; 全市 means this region.",
    ),
    "backfill_period": ("默认期间", "Default period"),
    "backfill_period_help": (
        "句中未写时间的数字所属期间（如 2024 或 2024年1-6月）；留空则按标题识别。",
        "Period of figures whose sentence names none (2024, 2024年1-6月); empty: from the title.",
    ),
    "backfill_date": ("报告日期", "Report date"),
    "backfill_date_help": (
        "用于“今年以来”“截至目前”“去年”；留空则按文中日期识别。",
        "Anchors 今年以来 / 截至目前 / 去年; empty: a date found in the text.",
    ),
    "backfill_read": ("识别数字", "Find figures"),
    "backfill_need_text": ("请先粘贴文字或上传文件。", "Paste the text or upload a file first."),
    "backfill_read_error": ("无法读取：{msg}", "Cannot read: {msg}"),
    "backfill_summary": (
        "地区：{region}（{region_source}）　期间：{period}（{period_source}）　报告日期：{date}",
        "Region: {region} ({region_source})   period: {period} ({period_source})   report date: {date}",
    ),
    "backfill_unknown": ("未识别", "not found"),
    "backfill_src_option": ("手动指定", "set by you"),
    "backfill_src_title": ("按标题", "from the title"),
    "backfill_src_text": ("按正文", "from the text"),
    "backfill_src_document": ("按标题", "from the title"),
    "backfill_src_report_date": ("按报告日期", "from the report date"),
    "backfill_src_inferred": ("按文中年份推定", "inferred from the years named"),
    "backfill_src_none": ("未识别", "not found"),
    "backfill_inferred_warning": (
        "报告未注明日期和期间：期间按文中最常出现的年份（{year}年）推定。请核对，或在上方填写报告日期/默认期间后重新识别。",
        "The report states no date or period: the period is inferred from the year it names most ({year})."
        " Check it, or set the report date / default period above and read again.",
    ),
    "backfill_no_region": (
        "未能识别报告所属地区，请在上方填写后重新识别。",
        "The report's region was not found: set it above and read again.",
    ),
    "backfill_candidates": ("候选数据（{n} 条）", "Candidates ({n})"),
    "backfill_candidates_help": (
        "逐条核对：取消“采用”即不采用；地区、期间、指标、数值和约数标记都可修改。【】内为原文中的数字。",
        "Check each row: untick 采用 to reject; region, period, indicator, value and the approximate flag can"
        " be edited. The figure is between 【】 in its sentence.",
    ),
    "backfill_none_found": (
        "没有找到与指标对应的数字。可在下方“未识别的数字”中手动对应。",
        "No figure matching an indicator was found. Map figures by hand below (unrecognised figures).",
    ),
    "backfill_col_accept": ("采用", "Accept"),
    "backfill_col_region": ("地区", "Region"),
    "backfill_col_period": ("期间", "Period"),
    "backfill_col_indicator": ("指标", "Indicator"),
    "backfill_col_value": ("数值", "Value"),
    "backfill_col_approximate": ("约数", "Approx."),
    "backfill_col_sentence": ("原句", "Sentence"),
    "backfill_col_notes": ("说明", "Notes"),
    "backfill_col_stored": ("库中现值", "Stored now"),
    "backfill_col_raw": ("原文数字", "As written"),
    "backfill_col_label": ("可能指", "Probably counts"),
    "backfill_col_reason": ("未采用原因", "Why not read"),
    "backfill_note_derived": (
        "上年数：由“{base}”和变化量“{delta}”推算",
        "last year's value: from “{base}” and the change “{delta}”",
    ),
    "backfill_note_part_of": ("属于“{ref}”", "part of “{ref}”"),
    "backfill_note_parts": ("其中：{parts}", "of which: {parts}"),
    "backfill_note_parts_add_up": ("各分项合计与总数一致", "parts add up to the whole"),
    "backfill_note_parts_exceed_whole": (
        "注意：各分项合计大于总数",
        "check: parts exceed the whole",
    ),
    "backfill_note_conflict": (
        "注意：同一地区、期间、指标有不同数值，请只采用一条",
        "check: another value for the same region, period and indicator: accept only one",
    ),
    "backfill_note_no_period": ("注意：期间未识别，请填写", "check: no period, fill it in"),
    "backfill_note_no_region": ("注意：地区未识别，请填写", "check: no region, fill it in"),
    "backfill_note_mapped_by_analyst": ("手动对应", "mapped by hand"),
    "backfill_sentences": ("原文中的位置", "Where the figures are"),
    "backfill_unrecognised": ("未识别的数字（{n} 个）", "Unrecognised figures ({n})"),
    "backfill_unrecognised_help": (
        "这些数字没有对应到指标（原因见表）。如某个数字确属某项指标，可在下方选中后对应；勾选“记住此说法”后，以后的报告会自动识别这种说法。",
        "These figures matched no indicator (see why). If one does count an indicator, map it below; with"
        " “remember this wording” later reports recognise the wording by themselves.",
    ),
    "backfill_map_figure": ("数字", "Figure"),
    "backfill_map_indicator": ("对应指标", "Indicator"),
    "backfill_map_words": (
        "说法（指标在文中的写法）",
        "Wording (how the text names the indicator)",
    ),
    "backfill_map_remember": (
        "记住此说法，以后自动识别",
        "Remember this wording for later reports",
    ),
    "backfill_map_apply": ("对应为候选数据", "Map to a candidate"),
    "backfill_mapped": (
        "已将“{raw}”对应为 {indicator}，并加入候选数据。",
        "Mapped “{raw}” to {indicator}; added to the candidates.",
    ),
    "backfill_remembered": (
        "已记住说法“{words}” → {indicator}。",
        "Remembered “{words}” → {indicator}.",
    ),
    "backfill_commit": ("提交为一个批次", "Commit as one batch"),
    "backfill_commit_help": (
        "已采用的数据作为一个批次写入（来源类型：文字报告），经过与报表相同的校验；可在“数据管理”中回滚。",
        "The accepted figures are written as one batch (source type: report text) after the same checks as"
        " a spreadsheet; it can be rolled back on the data page.",
    ),
    "backfill_accepted": ("已采用 {n} 条", "{n} accepted"),
    "backfill_nothing_accepted": ("没有采用任何数据。", "Nothing accepted."),
    "backfill_not_writable": (
        "您无权写入以下地区的数据：{regions}。请不采用这些行，或联系管理员。",
        "You may not write figures for: {regions}. Reject those rows or ask an administrator.",
    ),
    "backfill_loaded": (
        "已提交为批次 #{batch}：写入 {written} 条，替换 {superseded} 条。",
        "Committed as batch #{batch}: {written} written, {superseded} superseded.",
    ),
    "backfill_refused": ("未提交：{msg}", "Not committed: {msg}"),
    "backfill_unchanged": (
        "这些数据已于批次 #{batch} 提交，未重复写入。",
        "Already committed as batch #{batch}; nothing written.",
    ),
    "backfill_reason_no_indicator": ("无对应指标", "no indicator named"),
    "backfill_reason_no_count_cue": (
        "数字在名称前，缺少“全市/共有”等计数语境",
        "figure before the noun without 全市/共有",
    ),
    "backfill_reason_event": ("表彰等事件，非统计数", "an event (award), not a count"),
    "backfill_reason_unit_mismatch": ("单位与指标不符", "unit does not fit the indicator"),
    "backfill_reason_ambiguous": ("可对应多个指标", "fits several indicators"),
    "backfill_reason_topic": ("段落未提及该项业务", "the paragraph is about something else"),
    "backfill_reason_subcategory": ("为指标的一个子类", "a sub-category of the indicator"),
    "backfill_reason_other_subject": ("主语为其他业务", "another subject"),
    "backfill_reason_target": ("目标或计划，非实际数", "a target or plan"),
    "backfill_reason_other_scope": ("全省或全国数字", "a province or national figure"),
    "backfill_reason_respectively": ("“分别”并列，未拆分", "“分别” pairs are not split"),
    "backfill_reason_stock_change": ("为增量，非期末数", "a change, not a level"),
    "backfill_reason_not_integer": ("计数不是整数", "a count that is not whole"),
    "backfill_reason_cumulative": ("多年累计数", "a multi-year total"),
    "backfill_reason_future": ("期间在报告日期之后", "period after the report date"),
    "backfill_reason_other_region": ("为其他地区", "another region"),
    "backfill_reason_change": (
        "变化量，无法推算上年数",
        "a change without a figure to apply it to",
    ),
    "backfill_flag_report_text": ("来源：文字报告", "source: report text"),
}
