"""年度报告 Report: a region's figures for a period as Chinese sentences, tables and charts; downloads, trace, diff."""

import pandas as pd
import streamlit as st

from lawstats import settings
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import rounding_note
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.reports import generations as rg
from lawstats.reports import report as rp
from lawstats.reports import report_export as rx
from lawstats.ui import common as ui
from lawstats.ui import look
from lawstats.ui.gate import page_gate

page_gate()


@st.cache_data(show_spinner=False, max_entries=16)
def build(version: str, region_code: str, period_label: str) -> rp.Report:
    return rp.build_report(ui.engine(), region_code, Period.from_label(period_label))


@st.cache_data(show_spinner=False, max_entries=32)
def generations(version: str, region_code: str, period_label: str, saved: int) -> pd.DataFrame:
    return rg.list_generations(ui.engine(), region_code, period_label)


version = ui.data_version()
ui.demo_banner()
ui.require_data(version)
catalog = load_catalog()
regions = load_regions()

st.caption(ui.tr("report_intro"))
if ui.lang() == "en":
    st.caption(ui.tr("report_language_note"))
c1, c2 = st.columns([2, 3])
region_code = ui.region_picker(version, container=c1)
period = ui.period_picker(version, container=c2)
built = st.session_state.setdefault("_report_built", set())
if (version, region_code, period.label) in built:
    report = build(version, region_code, period.label)
else:  # the first build of a view takes a while: say what is being done (Stop cancels it)
    with st.status(ui.tr("report_building", period=ui.period_text(period))) as status:
        report = build(version, region_code, period.label)
        status.update(label=ui.tr("report_built"), state="complete", expanded=False)
    built.add((version, region_code, period.label))
# widgets whose content is this report are keyed by it: a fixed key would keep showing the
# previous region's (or the previous data's) text after the selection changes (#18)
shown_key = f"{region_code}_{period.label}_{version}"

st.subheader(report.title)
st.caption(ui.tr("report_as_of", when=rx.as_of_text(report), previous=report.previous_period.label))
st.caption(rounding_note(ui.lang()))
if report.empty:
    st.info(ui.tr("report_no_data"))
    st.stop()

preview, download, trace, compare = st.tabs(
    [ui.tr(f"report_tab_{k}") for k in ("preview", "download", "trace", "diff")]
)

with preview:
    if report.targets:
        st.markdown(f"#### {ui.tr('report_targets')}")
        st.write(rx.targets_text(report))
    for i, section in enumerate(report.sections):
        st.markdown(f"#### {rx.section_heading(i, section)}")
        for text in rx.section_paragraphs(report, section):
            st.text(text)
        table = rx.unit_table_frame(report, section)
        if not table.empty:
            st.dataframe(table, hide_index=True, width="stretch")
        if section.chart is not None:
            st.plotly_chart(
                section.chart,
                width="stretch",
                key=f"report_chart_{section.group}",
                config=look.plot_config(ui.lang()),
            )

with download:
    with_charts = st.checkbox(ui.tr("report_charts"), value=True, key="report_with_charts")
    base = f"{report.region_name}{report.period.label}法治工作统计报告"
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        ui.tr("report_download_docx"),
        lambda: rx.to_docx(report, charts=with_charts),
        f"{base}.docx",
        rx.MIME["docx"],
        key="report_docx",
        on_click="ignore",
    )
    c2.download_button(
        ui.tr("report_download_xlsx"),
        lambda: rx.to_xlsx(report),
        f"{base}.xlsx",
        rx.MIME["xlsx"],
        key="report_xlsx",
        on_click="ignore",
    )
    text = rx.to_text(report)
    c3.download_button(
        ui.tr("report_download_txt"),
        text.encode("utf-8"),
        f"{base}.txt",
        rx.MIME["txt"],
        key="report_txt",
        on_click="ignore",
    )
    st.text_area(ui.tr("report_text_copy"), text, height=240, key=f"report_text_{shown_key}")

    st.markdown(f"##### {ui.tr('report_template')}")
    st.caption(ui.tr("report_template_help"))
    st.dataframe(
        pd.DataFrame(
            {
                ui.tr("report_placeholder"): list(rx.TEMPLATE_HELP),
                ui.tr("report_placeholder_meaning"): list(rx.TEMPLATE_HELP.values()),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    upload = st.file_uploader(ui.tr("report_template"), type=["docx"], key="report_template")
    if upload is not None:
        limit = settings.max_upload_bytes()
        data = upload.getvalue()
        if len(data) > limit:
            st.error(
                ui.tr(
                    "report_template_too_big",
                    size=round(len(data) / 2**20, 1),
                    limit=round(limit / 2**20, 1),
                )
            )
        else:
            try:
                unknown = rx.unknown_placeholders(data, report)
            except Exception as exc:  # noqa: BLE001 - python-docx raises several kinds
                st.error(ui.tr("report_template_bad", error=type(exc).__name__))
            else:
                if unknown:
                    st.warning(ui.tr("report_template_unknown", names="、".join(unknown)))
                st.download_button(
                    ui.tr("report_template_download"),
                    lambda: rx.to_docx(report, charts=with_charts, template=data),
                    f"{base}（模板）.docx",
                    rx.MIME["docx"],
                    key="report_docx_template",
                    on_click="ignore",
                )

with trace:
    st.caption(ui.tr("report_trace_intro"))
    shown = rx.traceable_figures(report)
    t1, t2 = st.columns([3, 2])
    code = t1.selectbox(
        ui.tr("report_trace_figure"),
        list(shown),
        format_func=lambda c: shown[c],
        key="report_trace_code",
    )
    where = t2.selectbox(
        ui.tr("report_trace_region"),
        [report.region_code, *report.units],
        format_func=lambda c: regions.get(c).name,
        key="report_trace_region",
    )
    batches = report.trace(code, where)
    if batches.empty:
        st.info(ui.tr("report_trace_none"))
    else:
        st.dataframe(rx.trace_table(batches, ui.tr), hide_index=True, width="stretch")
    used = [s.text for s in report.sentences() if code in s.indicator_codes]
    if used:
        st.markdown(f"##### {ui.tr('report_trace_sentences')}")
        for text in used:
            st.text(text)

with compare:
    st.caption(ui.tr("report_diff_intro"))
    from lawstats.ui.auth_ui import current_user

    user = current_user()
    saved = st.session_state.get("report_saved", 0)
    if user is not None and user.has_role("analyst") and user.can_write(region_code):
        if st.button(ui.tr("report_save"), key="report_save"):
            gen_id = rg.save_generation(ui.engine(), report, user=user.username)
            st.session_state["report_saved"] = gen_id
            st.success(ui.tr("report_saved", id=gen_id))
            saved = gen_id
    else:
        st.caption(ui.tr("report_save_login"))
    history = generations(version, region_code, period.label, saved)
    if history.empty:
        st.info(ui.tr("report_diff_need_two"))
    else:
        options = ["current", *[int(i) for i in history["id"]]]
        labels = {
            int(r.id): ui.tr(
                "report_generation",
                id=int(r.id),
                when=f"{r.generated_at:%Y-%m-%d %H:%M}",
                who=r.generated_by,
            )
            for r in history.itertuples(index=False)
        }
        labels["current"] = ui.tr("report_current")
        d1, d2 = st.columns(2)
        old = d1.selectbox(
            ui.tr("report_diff_old"), options[1:], format_func=labels.get, key="report_diff_old"
        )
        new = d2.selectbox(
            ui.tr("report_diff_new"), options, format_func=labels.get, key="report_diff_new"
        )
        before = rg.generation_sentences(ui.engine(), old)
        after = (
            rg.sentences_frame(report)
            if new == "current"
            else rg.generation_sentences(ui.engine(), new)
        )
        diff = rg.diff_sentences(before, after)
        if diff.empty:
            st.success(ui.tr("report_diff_none"))
        else:
            st.warning(ui.tr("report_diff_count", n=len(diff)))
            st.dataframe(rx.diff_table(diff, report, ui.tr), hide_index=True, width="stretch")
