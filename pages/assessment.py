"""考评 Assessment: a scheme's per-county scores by item, total, ranking, rank change, bulletin downloads."""

import streamlit as st

from lawstats.analysis import assessment as asm
from lawstats.domain.regions import load_regions
from lawstats.reports import bulletin
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate

page_gate()


@st.cache_data(show_spinner=False, max_entries=32)
def _score(version: str, scheme_code: str, parent_code: str, year: int, months: int, lang: str):
    scheme = asm.load_schemes()[scheme_code]
    return asm.score(ui.engine(), scheme, parent_code, year, months, lang=lang)


@st.cache_data(show_spinner=False, max_entries=16)
def _bulletin_files(
    version: str, scheme_code: str, parent_code: str, year: int, months: int, lang: str
):
    a = _score(version, scheme_code, parent_code, year, months, lang)
    b = bulletin.build(a, lang, is_demo=ui._is_demo(version))
    return bulletin.to_docx(b), bulletin.to_xlsx(b)


version = ui.data_version()
ui.demo_banner()
lang = ui.lang()
regions = load_regions()
try:
    schemes = asm.load_schemes()
except asm.SchemeError as exc:
    st.error(ui.tr("asm_scheme_error", msg=exc.message_en if lang == "en" else exc.message_zh))
    st.stop()
if not schemes:
    st.warning(ui.tr("asm_no_schemes"))
    st.stop()
if not ui.regions_with_data(version):
    st.warning(ui.tr("asm_empty_db"))
    st.stop()

c1, c2, c3, c4 = st.columns([3, 2, 1, 2])
codes = list(schemes)
scheme_code = ui.synced_selectbox(
    ui.tr("asm_scheme"),
    codes,
    "scheme",
    codes[0],
    container=c1,
    format_func=lambda c: schemes[c].name(lang),
)
scheme = schemes[scheme_code]
options = ui.region_options(version)
parent_options = [c for c in options if regions.children(c, reporting_only=True)]
default_parent = (
    scheme.scope if scheme.scope in parent_options else ui.default_region(parent_options)
)
parent_code = ui.synced_selectbox(
    ui.tr("asm_scope"),
    parent_options,
    "region",
    default_parent,
    container=c2,
    format_func=regions.full_name,
)
years = ui.years_with_data(version)
default_year = ui.latest_complete_year(version) or years[0]
year = ui.synced_selectbox(
    ui.tr("asm_year"), years, "year", default_year, container=c3, format_func=lambda y: f"{y}"
)
if scheme.frequency == "quarterly":
    quarter = ui.synced_selectbox(
        ui.tr("asm_quarter"),
        [1, 2, 3, 4],
        "quarter",
        4,
        container=c4,
        format_func=lambda n: ui.tr("asm_quarter_n", n=n, m=3 * n),
    )
    months = 3 * int(quarter)
else:
    months = 12
st.markdown(f"### {scheme.name(lang)}")

a = _score(version, scheme_code, parent_code, int(year), months, lang)
if not a.units:
    st.info(ui.tr("asm_no_units", region=regions.get(parent_code).name))
    st.stop()
period = a.period.label if lang == "zh" else a.period.label_en
if a.previous_label:
    st.caption(
        ui.tr(
            "asm_period_caption",
            period=period,
            max=f"{scheme.max_points:g}",
            previous=a.previous_text(lang),
        )
    )
else:
    st.caption(ui.tr("asm_period_caption_first", period=period, max=f"{scheme.max_points:g}"))
if (
    any(i.basis == "target" and not i.target_kind for i in scheme.items)
    and (a.breakdown["status"] == "no_target").all()
):
    st.warning(ui.tr("asm_no_targets_hint"))

for sentence in bulletin.summary_sentences(a, lang):
    st.markdown(sentence)

st.markdown(f"#### {ui.tr('asm_ranking_title')}")
ranking = asm.ranking_table(a, lang)
st.dataframe(ranking, hide_index=True, width="stretch")
ui.downloads(ranking, f"assessment_ranking_{scheme_code}_{a.period.label}", "asm_ranking")

st.markdown(f"#### {ui.tr('asm_breakdown_title')}")
matrix = asm.breakdown_matrix(a, lang)
st.dataframe(matrix, hide_index=True, width="stretch")
ui.downloads(
    asm.breakdown_export(a), f"assessment_scores_{scheme_code}_{a.period.label}", "asm_scores"
)

st.markdown(f"#### {ui.tr('asm_detail_title')}")
unit = st.selectbox(
    ui.tr("asm_detail_pick"),
    list(a.totals["region_code"]),
    format_func=lambda c: regions.get(c).name,
    key="asm_unit",
)
detail = asm.unit_detail(a, unit, lang)
st.dataframe(detail, hide_index=True, width="stretch")
ui.downloads(detail, f"assessment_{scheme_code}_{unit}_{a.period.label}", "asm_detail")

st.markdown(f"#### {ui.tr('asm_bulletin_title')}")
docx_bytes, xlsx_bytes = _bulletin_files(version, scheme_code, parent_code, int(year), months, lang)
d1, d2, _ = st.columns([1, 1, 3])
name = f"{regions.get(parent_code).name}_{a.period.label}_{scheme_code}_通报"
d1.download_button(
    ui.tr("asm_download_docx"),
    docx_bytes,
    f"{name}.docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    key="asm_docx",
    on_click="ignore",
)
d2.download_button(
    ui.tr("asm_download_xlsx"),
    xlsx_bytes,
    f"{name}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="asm_xlsx",
    on_click="ignore",
)
