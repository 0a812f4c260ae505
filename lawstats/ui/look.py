"""How the dashboard looks beyond Streamlit's defaults: no truncated text, cards that stack on a
phone, a print stylesheet, the 大屏 (wall screen) type sizes, and Plotly in Chinese (locale,
number format, toolbar) from local assets only. No Streamlit calls at import time.
"""

from __future__ import annotations

import streamlit as st

# Plotly's own texts in Chinese: its config accepts a locale dictionary inline, so nothing is
# fetched (plotly.js ships locales as separate scripts, which Streamlit does not load).
_ZH_DICTIONARY = {
    "Autoscale": "自动缩放",
    "Box Select": "矩形框选",
    "Click to enter Colorscale title": "点击输入色阶标题",
    "Click to enter Plot title": "点击输入图表标题",
    "Click to enter X axis title": "点击输入X轴标题",
    "Click to enter Y axis title": "点击输入Y轴标题",
    "Compare data on hover": "悬停时比较数据",
    "Double-click on legend to isolate one trace": "双击图例只显示该系列",
    "Double-click to zoom back out": "双击恢复原大小",
    "Download plot as a png": "下载图表为PNG图片",
    "Download plot as a PNG": "下载图表为PNG图片",
    "Download plot as JSON": "下载图表数据为JSON",
    "Image download succeeded": "图片已下载",
    "JSON download succeeded": "JSON已下载",
    "Preparing image - this may take a few seconds": "正在生成图片，请稍候",
    "Sorry, there was a problem downloading your image!": "抱歉，下载图片时出错",
    "Sorry, there was a problem downloading your JSON file!": "抱歉，下载JSON时出错",
    "Share chart...": "分享图表…",
    "Reset views": "重置视图",
    "Erase active shape": "删除所选图形",
    "Download plot": "下载图表",
    "Edit in Chart Studio": "在线编辑",
    "Lasso Select": "套索选择",
    "Orbital rotation": "轨道旋转",
    "Pan": "平移",
    "Produced with Plotly": "由Plotly生成",
    "Reset": "重置",
    "Reset axes": "重置坐标轴",
    "Reset view": "重置视图",
    "Show closest data on hover": "悬停时显示最近数据",
    "Snapshot succeeded": "截图成功",
    "Sorry, there was a problem downloading your snapshot!": "抱歉，下载截图时出错",
    "Taking snapshot - this may take a few seconds": "正在截图，请稍候",
    "Toggle Spike Lines": "切换辅助线",
    "Toggle show closest data on hover": "切换悬停显示最近数据",
    "Zoom": "缩放",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "close:": "收盘：",
    "trace": "系列",
    "lat:": "纬度：",
    "lon:": "经度：",
    "q1:": "第一四分位：",
    "q3:": "第三四分位：",
    "median:": "中位数：",
    "mean": "平均值",
    "max:": "最大值：",
    "min:": "最小值：",
    "new text": "新文本",
    "kde:": "密度：",
}
_ZH_FORMAT = {
    "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    "months": [f"{m}月" for m in range(1, 13)],
    "shortMonths": [f"{m}月" for m in range(1, 13)],
    "date": "%Y-%m-%d",
    "decimal": ".",
    "thousands": ",",
    "grouping": [3],
    "currency": ["¥", ""],
}


def plot_config(lang: str = "zh") -> dict:
    """st.plotly_chart's config: the language, thousands separators, a short toolbar (download
    as PNG named after nothing remote; no Plotly logo, no link to an online editor)."""
    config = {
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
        "toImageButtonOptions": {"format": "png", "scale": 2},
    }
    if lang != "en":
        config["locale"] = "zh-CN"
        config["locales"] = {"zh-CN": {"dictionary": _ZH_DICTIONARY, "format": _ZH_FORMAT}}
    return config


CSS = """
<style>
/* no truncation: metric values, labels, select boxes and captions wrap instead of "…" */
[data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p,
[data-testid="stMetricDelta"] > div, [data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"] p,
[data-baseweb="select"] div[value], [data-baseweb="select"] span, [data-baseweb="tag"] span,
[data-testid="stWidgetLabel"] p, .stButton button p, [data-testid="stExpander"] summary p,
[data-testid="stAlertContentInfo"] p, [data-testid="stAlertContentWarning"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; word-break: normal;
}
[data-baseweb="tag"], [data-tag] { max-width: none !important; height: auto !important; }
/* segmented controls (period kind, series kind) wrap onto a second line instead of scrolling */
[data-testid="stButtonGroup"] > div { flex-wrap: wrap !important; overflow: visible !important; row-gap: .25rem; }
[data-testid="stMetricValue"] { font-size: clamp(1.3rem, 2.2vw, 2rem); line-height: 1.25; }
/* the headline strip */
.ls-strip { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: .75rem; }
.ls-card { border: 1px solid rgba(49,51,63,.2); border-radius: .5rem; padding: .6rem .8rem; }
.ls-card h4 { font-size: 1rem; margin: 0 0 .2rem 0; padding: 0; font-weight: 600; }
.ls-card .ls-value { font-size: 1.8rem; font-weight: 600; line-height: 1.2; }
.ls-card .ls-exact { font-size: .8rem; color: #57606a; }
.ls-card .ls-row { font-size: .9rem; margin-top: .15rem; }
.ls-good { color: #1a7f37; } .ls-bad { color: #cf222e; } .ls-neutral { color: #57606a; }
.ls-bar { height: .45rem; background: #eaeef2; border-radius: .25rem; position: relative; margin: .3rem 0 .1rem; }
.ls-bar > span { display: block; height: 100%; border-radius: .25rem; background: #1f6feb; max-width: 100%; }
.ls-bar > i { position: absolute; top: -.2rem; bottom: -.2rem; width: 2px; background: #24292f; }
/* a phone: columns stack, charts keep their width */
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; gap: .5rem !important; }
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { min-width: 100% !important; flex: 1 1 100% !important; }
  .ls-strip { grid-template-columns: 1fr; }
  .block-container, [data-testid="stMainBlockContainer"] { padding-left: .75rem !important; padding-right: .75rem !important; }
}
/* print: the figures only, no navigation, no widgets that do nothing on paper */
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"], .stButton, [data-testid="stBaseButton-secondary"],
  [data-testid="stPopover"], .ls-noprint, [data-testid="stChatInput"] { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], .block-container, [data-testid="stMainBlockContainer"] {
    padding: 0 !important; margin: 0 !important; max-width: none !important; overflow: visible !important; }
  .ls-card, [data-testid="stPlotlyChart"], [data-testid="stMetric"] { break-inside: avoid; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"""

WALL_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebarCollapsedControl"] { display: none !important; }
html, body, [data-testid="stApp"] { font-size: 22px; }
.block-container, [data-testid="stMainBlockContainer"] { max-width: none !important; padding: 1rem 2rem !important; }
.ls-strip { grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); }
.ls-card .ls-value { font-size: 2.6rem; }
.ls-card h4 { font-size: 1.4rem; }
.ls-card .ls-row { font-size: 1.2rem; }
</style>
"""


PRINT_VIEW_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stDownloadButton"], [data-testid="stPopover"], .ls-noprint { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { max-width: none !important; padding: .5rem 1rem !important; }
</style>
"""


def builtin_texts_css(texts: dict[str, str]) -> str:
    """Streamlit's own words on the file uploader (its button and drop-zone hint, which no
    parameter sets) in the page's language: the built-in text hidden, ours drawn in its place.
    `texts`: upload (the button), drop (the hint), fullscreen (a chart's full-screen button)."""

    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    button = '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"]'
    hint = '[data-testid="stFileUploaderDropzoneInstructions"] > div'
    return (
        "<style>"
        f"{button} p {{ display: none !important; }}"
        f"{button}::after {{ content: {q(texts['upload'])}; }}"
        f"{hint} > span {{ display: none !important; }}"
        f"{hint}::after {{ content: {q(texts['drop'])}; font-size: .85rem; }}"
        # the full-screen button Streamlit adds to Plotly's toolbar (its tooltip is the title)
        '.js-plotly-plot .plotly [data-title="Fullscreen"]::after'
        f" {{ content: {q(texts['fullscreen'])} !important; }}"
        "</style>"
    )


def apply(mode: str | None = None, texts: dict[str, str] | None = None) -> None:
    """The stylesheet on this page (once per run, in app.py); mode 'wall' (大屏) or 'print'
    (the view the PDF is printed from); `texts`: Streamlit's built-in words in the page's
    language (builtin_texts_css)."""
    extra = {"wall": WALL_CSS, "print": PRINT_VIEW_CSS}.get(mode or "", "")
    st.html(CSS + extra + (builtin_texts_css(texts) if texts else ""))
