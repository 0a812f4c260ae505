"""数据管理 Data: batch history with diffs and rollback, missing reports (催报), blank templates.

Analysts and admins (the navigation shows it to them only); rollback is checked per region in
lawstats.workflow.workspace as well.
"""

import streamlit as st

from lawstats.analysis import dashboard
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import PeriodError, parse_period
from lawstats.domain.regions import load_regions
from lawstats.ui import auth_ui
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate
from lawstats.ui.plain_text import md_escape
from lawstats.workflow import reporting
from lawstats.workflow import workspace as ws

page_gate()

tr = ui.tr
user = auth_ui.require_role("analyst")
ui.demo_banner()
st.title(tr("data_title"))
version = ui.data_version()
regions = load_regions()

tab_batches, tab_missing, tab_conflicts, tab_template = st.tabs(
    [
        tr("data_tab_batches"),
        tr("data_tab_missing"),
        tr("data_tab_conflicts"),
        tr("data_tab_template"),
    ]
)

BATCH_COLUMNS = {
    "id": "data_col_id",
    "file_name": "data_col_file",
    "uploaded_by": "data_col_by",
    "uploaded_at": "data_col_at",
    "period_label": "data_col_period",
    "regions": "data_col_regions",
    "facts_written": "data_col_written",
    "facts_superseded": "data_col_superseded",
    "facts_unchanged": "data_col_unchanged",
    "status": "data_col_status",
}


@st.cache_data(show_spinner=False, max_entries=8)
def _history(version: str, lang: str):
    return ws.batch_history(ui.engine(), lang=lang)


def _batch_label(row) -> str:
    return f"#{row['id']} · {row['file_name']} · {row['uploaded_at']:%Y-%m-%d %H:%M}"


def _rollback_form(batch: dict) -> None:
    batch_id = int(batch["id"])
    if batch["status"] != "active":
        st.info(
            tr(
                "data_rolled_back_info",
                at=batch.get("rolled_back_at"),
                by=md_escape(batch.get("rolled_back_by")),
                reason=md_escape(batch.get("rollback_reason") or ""),
            )
        )
        return
    refusal = ws.rollback_refusal(ui.engine(), user, batch_id)
    st.markdown(f"**{tr('data_rollback')}**")
    st.caption(tr("data_rollback_help"))
    if refusal is not None:
        message = md_escape(refusal[1 if ui.lang() == "en" else 0])
        st.warning(tr("data_rollback_refused", message=message))
        return
    with st.form(f"rollback_{batch_id}"):
        reason = st.text_input(tr("data_rollback_reason"), max_chars=500, key=f"reason_{batch_id}")
        submitted = st.form_submit_button(tr("data_rollback_confirm"), type="primary")
    if not submitted:
        return
    if not reason.strip():
        st.error(tr("data_rollback_need_reason"))
        return
    try:
        done = ws.rollback(ui.engine(), auth_ui.current_user(), batch_id, reason)
    except ws.WorkspaceError as exc:
        st.error(
            tr(
                "data_rollback_refused",
                message=md_escape(exc.message_en if ui.lang() == "en" else exc.message_zh),
            )
        )
        return
    st.session_state["data_flash"] = tr("data_rollback_done", batch=batch_id, **done)
    st.rerun()


with tab_batches:
    flash = st.session_state.pop("data_flash", None)
    if flash:
        st.success(flash)
    history = _history(version, ui.lang())
    if history.empty:
        st.info(tr("data_batches_empty"))
    else:
        c1, c2 = st.columns(2)
        only_mine = c1.toggle(tr("data_only_mine"), value=False, key="data_only_mine")
        show_rolled = c2.toggle(tr("data_show_rolled_back"), value=True, key="data_show_rolled")
        shown = history
        if only_mine:
            shown = shown[shown["uploaded_by"] == user.username]
        if not show_rolled:
            shown = shown[shown["status"] == "active"]
        table = shown[list(BATCH_COLUMNS)].assign(
            status=[tr(f"data_status_{s}") for s in shown["status"]]
        )
        st.dataframe(
            table.rename(columns={k: tr(v) for k, v in BATCH_COLUMNS.items()}),
            hide_index=True,
            key="data_batches",
        )
        ui.downloads(
            table.rename(columns={k: tr(v) for k, v in BATCH_COLUMNS.items()}), "batches", "batches"
        )
        if not shown.empty:
            records = {int(r["id"]): r for r in shown.to_dict("records")}
            batch_id = st.selectbox(
                tr("data_pick_batch"),
                list(records),
                format_func=lambda b: _batch_label(records[b]),
                key="data_batch",
            )
            batch = records[batch_id]
            st.markdown(f"#### {tr('data_diff', batch=batch_id)}")
            diff = ws.batch_changes(ui.engine(), batch_id, ui.lang())
            diff = diff.assign(change=[tr(f"data_change_{c}") for c in diff["change"]])
            diff_shown = diff[
                ["region", "period", "indicator", "old_value", "new_value", "change", "is_current"]
            ].rename(
                columns={
                    "region": tr("up_col_region"),
                    "period": tr("up_col_period"),
                    "indicator": tr("up_col_ind"),
                    "old_value": tr("up_col_old"),
                    "new_value": tr("up_col_new"),
                    "change": tr("data_col_change"),
                    "is_current": tr("data_col_current"),
                }
            )
            st.dataframe(diff_shown.head(ws.MAX_PREVIEW_ROWS), hide_index=True)
            if len(diff_shown) > ws.MAX_PREVIEW_ROWS:
                st.caption(tr("up_preview_cut", n=ws.MAX_PREVIEW_ROWS))
            ui.downloads(diff_shown, f"batch_{batch_id}", f"diff_{batch_id}")
            _rollback_form(batch)


def _city_options() -> list[str]:
    """Cities with data, plus the user's own regions and their cities; the user's first."""
    options = [
        c for c in ui.region_options(version) if regions.get(c).level in ("city", "province")
    ]
    mine: list[str] = []
    for code in user.regions:
        if code in regions:
            r = regions.get(code)
            mine.extend([r.parent_code] if r.level == "county" and r.parent_code else [])
            mine.append(code)
    return list(dict.fromkeys([*mine, *options]))


with tab_missing:
    st.caption(tr("data_missing_intro"))
    options = _city_options()
    if not options or not ui.years_with_data(version):
        st.info(tr("data_batches_empty"))
    else:
        city = st.selectbox(
            tr("data_missing_region"), options, format_func=regions.full_name, key="missing_region"
        )
        period = ui.period_picker(version)
        catalog = load_catalog()
        expected = reporting.expected_indicators(catalog)
        codes = st.multiselect(
            tr("data_missing_indicators"),
            expected,
            default=expected,
            format_func=lambda c: catalog.get(c).name(ui.lang()),
            key="missing_codes",
            placeholder=ui.tr("choose_options"),
        )
        if period is not None and codes:
            missing = reporting.missing_reports(ui.engine(), city, period, codes, ui.lang())
            label = ui.period_text(period)
            if missing.empty:
                st.success(tr("data_missing_none", period=label))
            else:
                summary = reporting.missing_summary(missing, len(codes), ui.lang())
                st.warning(
                    tr("data_missing_count", period=label, units=len(summary), n=len(missing))
                )
                st.dataframe(
                    summary[["region", "missing", "expected", "indicators"]].rename(
                        columns={
                            "region": tr("up_col_region"),
                            "missing": tr("data_col_missing"),
                            "expected": tr("data_col_expected"),
                            "indicators": tr("data_col_indicators"),
                        }
                    ),
                    hide_index=True,
                )
                detail = missing.assign(
                    status=[tr(f"data_missing_status_{s}") for s in missing["status"]],
                    months=[
                        f"{a}/{b}"
                        for a, b in zip(
                            missing["months_covered"], missing["months_expected"], strict=True
                        )
                    ],
                )[["region", "indicator", "status", "months"]].rename(
                    columns={
                        "region": tr("up_col_region"),
                        "indicator": tr("up_col_ind"),
                        "status": tr("data_col_status"),
                        "months": tr("data_col_months"),
                    }
                )
                st.dataframe(detail, hide_index=True)
                ui.downloads(detail, f"催报_{regions.get(city).name}_{period.label}", "missing")

with tab_conflicts:
    st.caption(tr("data_conflicts_intro"))
    c_options = _city_options()
    if not c_options or not ui.years_with_data(version):
        st.info(tr("data_batches_empty"))
    else:
        c_region = st.selectbox(
            tr("data_missing_region"),
            c_options,
            format_func=regions.full_name,
            key="conflict_region",
        )
        c_text = st.text_input(
            tr("up_period"),
            str(ui.years_with_data(version)[0]),
            help=tr("up_period_help"),
            key="conflict_period",
        )
        try:
            c_period = parse_period(c_text) if c_text.strip() else None
        except PeriodError as exc:
            st.error(exc.message_en if ui.lang() == "en" else exc.message_zh)
            c_period = None
        if c_period is not None:
            found = dashboard.conflicts_frame(ui.engine(), c_region, c_period, lang=ui.lang())
            c_label = ui.period_text(c_period)
            if found.empty:
                st.success(tr("data_conflicts_none", period=c_label))
            else:
                st.warning(tr("data_conflicts_count", period=c_label, n=len(found)))
                st.dataframe(found, hide_index=True)
                ui.downloads(
                    found, f"冲突_{regions.get(c_region).name}_{c_period.label}", "conflicts"
                )

with tab_template:
    st.caption(tr("data_template_intro"))
    cities = [c for c in _city_options() if regions.get(c).level == "city"] or [
        r.code for r in regions if r.level == "city"
    ]
    t_city = st.selectbox(
        tr("data_template_city"), cities, format_func=regions.full_name, key="template_city"
    )
    t_period_text = st.text_input(
        tr("up_period"), "", help=tr("up_period_help"), key="template_period"
    )
    try:
        t_period = parse_period(t_period_text) if t_period_text.strip() else None
    except PeriodError as exc:
        st.error(exc.message_en if ui.lang() == "en" else exc.message_zh)
        t_period = None
    if t_period is not None:
        st.download_button(
            tr("data_template_download"),
            data=lambda c=t_city, p=t_period: reporting.template_bytes(c, p),
            file_name=reporting.template_name(t_city, t_period),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="template_download",
            on_click="ignore",
            icon=":material/download:",
        )
