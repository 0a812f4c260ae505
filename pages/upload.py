"""数据上报 Upload: check county spreadsheets cell by cell, fix the reading, preview the change, load.

Analysts (for their regions) and admins only. The page draws; lawstats.workflow.workspace does the work
through the one ETL pipeline (etl.load.load_bytes).
"""

import hashlib
from dataclasses import replace

import streamlit as st

from lawstats import settings
from lawstats.analysis import dashboard
from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import load_regions
from lawstats.ui import auth_ui
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate
from lawstats.ui.plain_text import md_escape
from lawstats.workflow import workspace as ws

page_gate()

tr = ui.tr
user = auth_ui.require_role("analyst")
ui.demo_banner()
st.title(tr("up_title"))
st.caption(tr("up_intro"))
if auth_ui.is_demo_database():
    st.warning(tr("up_demo_first_real"), icon=":material/warning:")

scope = user.allowed_regions()
if scope is None:
    st.caption(tr("up_scope_all"))
else:
    table = load_regions()
    st.caption(tr("up_scope", regions="、".join(table.full_name(c) for c in user.regions)))

limit_mb = max(1, settings.max_upload_bytes() // 2**20)
files = st.file_uploader(
    tr("up_files"), accept_multiple_files=True, key="up_files", max_upload_size=limit_mb
)
st.caption(tr("up_limit", mb=limit_mb))
if not files:
    st.info(tr("up_no_files"))
    st.stop()

LAYOUT_OPTIONS = ["", *ws.LAYOUTS]


def _options_form(key: str, current: ws.UploadOptions) -> ws.UploadOptions:
    """Period, region context and layout overrides; returns the options to use."""
    with st.expander(tr("up_options"), expanded=bool(current.period or current.context)):
        with st.form(f"opts_{key}"):
            c1, c2, c3 = st.columns(3)
            period = c1.text_input(
                tr("up_period"), current.period or "", help=tr("up_period_help"), max_chars=40
            )
            context = c2.text_input(
                tr("up_context"), current.context or "", help=tr("up_context_help"), max_chars=40
            )
            layout = c3.selectbox(
                tr("up_layout"),
                LAYOUT_OPTIONS,
                index=LAYOUT_OPTIONS.index(current.layout or ""),
                format_func=lambda v: tr(f"up_layout_{v or 'auto'}"),
            )
            if st.form_submit_button(tr("up_apply")):
                return ws.UploadOptions(
                    period.strip() or None, context.strip() or None, layout or None, current.mapping
                )
    return current


def _preview(key: str, data: bytes, name: str, options: ws.UploadOptions):
    """The dry run for these options, kept for this session until the options change."""
    cache = st.session_state.setdefault("up_previews", {})
    hit = cache.get(key)
    if hit is not None and hit[0] == options:
        return hit[1]
    cancelled = st.session_state.setdefault("up_cancelled", set())
    if key in cancelled:
        st.info(tr("up_cancelled", file=md_escape(name)))
        if st.button(tr("up_check_again"), key=f"again_{key}"):
            cancelled.discard(key)
            st.rerun()
        st.stop()
    # A click on 取消 while the check runs stops this run at its next stage (Streamlit ends a run
    # at its next element when a widget changes); the rerun then lands here with the click.
    slot = st.empty()
    if slot.button(tr("up_cancel"), key=f"cancel_{key}", icon=":material/stop_circle:"):
        cancelled.add(key)
        st.rerun()
    with st.status(tr("up_checking", file=md_escape(name)), expanded=True) as status:
        result = ws.preview(
            ui.engine(),
            user,
            data,
            name,
            options,
            on_stage=lambda code: status.write(tr(f"up_stage_{code}")),
        )
        status.update(
            label=tr("up_checked", file=md_escape(name)), state="complete", expanded=False
        )
    slot.empty()
    cache[key] = (options, result)
    return result


def _detected(result) -> None:
    frame = ws.tables_frame(result, ui.lang())
    if frame.empty:
        return
    st.markdown(f"**{tr('up_detected')}**")
    names = {
        "sheet": "up_col_sheet",
        "layout": "up_col_layout",
        "confidence": "up_col_confidence",
        "period": "up_col_period",
        "period_source": "up_col_period_source",
        "context": "up_col_context",
        "context_source": "up_col_context_source",
        "rows": "up_col_rows",
        "columns": "up_col_columns",
    }
    frame["layout"] = [tr(f"up_layout_{v}") for v in frame["layout"]]
    st.dataframe(frame.rename(columns={k: tr(v) for k, v in names.items()}), hide_index=True)


def _mapping(key: str, result, options: ws.UploadOptions) -> ws.UploadOptions:
    """The column -> indicator table, and a form to map (or re-map) one column."""
    frame = ws.mapping_frame(result, ui.lang())
    if frame.empty:
        return options
    catalog = load_catalog()
    chosen = dict(options.mapping)
    st.markdown(f"**{tr('up_mapping')}**")
    st.caption(tr("up_mapping_help"))
    shown = frame.assign(
        map_to=[
            catalog.get(chosen[h]).name(ui.lang()) if h in chosen else "" for h in frame["header"]
        ]
    )
    shown = shown.sort_values("mapped", kind="stable")[
        ["sheet", "column", "header", "indicator", "confidence", "unit", "map_to"]
    ]
    st.dataframe(
        shown.rename(
            columns={
                "sheet": tr("up_col_sheet"),
                "column": tr("up_col_column"),
                "header": tr("up_col_header"),
                "indicator": tr("up_col_indicator"),
                "confidence": tr("up_col_confidence"),
                "unit": tr("up_col_unit"),
                "map_to": tr("up_col_map_to"),
            }
        ),
        hide_index=True,
    )
    notes = result.notes()
    if notes:  # 上年同期 / 同比 columns: recognised and checked, not stored
        st.caption(tr("up_comparisons"))
        st.markdown("\n".join(f"- {md_escape(n[ui.lang()])}" for n in notes))
    headers = list(dict.fromkeys(frame.sort_values("mapped", kind="stable")["header"]))
    codes = ["", *catalog.codes]
    with st.form(f"map_{key}"):
        c1, c2 = st.columns(2)
        header = c1.selectbox(tr("up_col_header"), headers, key=f"map_header_{key}")
        code = c2.selectbox(
            tr("up_col_map_to"),
            codes,
            key=f"map_code_{key}",
            format_func=lambda c: (
                f"{catalog.get(c).name(ui.lang())}（{catalog.get(c).unit}）"
                if c
                else tr("up_map_none")
            ),
        )
        if st.form_submit_button(tr("up_apply_mapping")):
            if code:
                chosen[header] = code
            else:
                chosen.pop(header, None)
            return options.with_mapping(chosen)
    return options


def _questions(key: str, result, options: ws.UploadOptions) -> ws.UploadOptions:
    """A form with one choice per question of the header grammar; the answers go into the
    options (the preview runs again with them) and are remembered when the file loads."""
    questions = result.questions()
    if not questions:
        return options
    catalog = load_catalog()
    st.markdown(f"**{tr('up_questions')}**")
    st.caption(tr("up_questions_help"))
    chosen = dict(options.mapping)
    pick, none = "?", ""

    def label(code: str) -> str:
        if code == pick:
            return tr("up_question_pick")
        if code == none:
            return tr("up_not_indicator")
        ind = catalog.get(code)
        return f"{ind.name(ui.lang())}（{ind.unit}）"

    with st.form(f"questions_{key}"):
        answers = {}
        for i, q in enumerate(questions):
            reason = q["reason_en"] if ui.lang() == "en" else q["reason_zh"]
            st.markdown(
                f"{md_escape(tr('up_question_label', column=q['column'], header=q['header']))}"
                f"  \n{md_escape(reason)}"
            )
            offered = [c for c in q["options"] if c in catalog]
            others = [c for c in catalog.codes if c not in offered]
            answers[q["header"]] = st.selectbox(
                tr("up_col_map_to"),
                [pick, *offered, none, *others],
                format_func=label,
                key=f"q_{key}_{i}",
                label_visibility="collapsed",
            )
        if st.form_submit_button(tr("up_apply_answers"), type="primary"):
            chosen.update({h: c for h, c in answers.items() if c != pick})
            return options.with_mapping(chosen)
    return options


def _report(key: str, result, data: bytes, name: str) -> None:
    st.markdown(f"**{tr('up_report')}**")
    counts = result.report.counts
    c = st.columns(5)
    c[0].metric(tr("up_errors"), counts.get("error", 0))
    c[1].metric(tr("up_warnings"), counts.get("warning", 0))
    if result.status == "dry_run":
        c[2].metric(tr("up_to_write"), f"{result.facts_written:,}")
        c[3].metric(tr("up_to_supersede"), f"{result.facts_superseded:,}")
        c[4].metric(tr("up_unchanged"), f"{result.facts_unchanged:,}")
    if not result.problems:
        st.success(tr("up_no_problems"))
        return
    _problems_table(key, result.problems)
    lang = ui.lang()
    st.download_button(
        tr("up_download_annotated"),
        data=lambda: ws.annotated_copy(data, name, result.problems, lang),
        file_name=_annotated_name(name),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"annotated_{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def _problems_table(key: str, found) -> None:
    """Problems by cell, with severity and sheet filters."""
    problems = ws.problems_frame(found, ui.lang())
    f1, f2 = st.columns(2)
    severities = f1.multiselect(
        tr("up_filter_severity"),
        ["error", "warning"],
        default=["error", "warning"],
        format_func=lambda s: tr(f"up_sev_{s}"),
        key=f"sev_{key}",
        placeholder=tr("choose_options"),
    )
    sheets = sorted(s for s in problems["sheet"].unique() if s)
    sheet = (
        f2.selectbox(tr("up_filter_sheet"), ["", *sheets], key=f"sheet_{key}")
        if len(sheets) > 1
        else ""
    )
    shown = problems[problems["severity"].isin(severities)]
    if sheet:
        shown = shown[shown["sheet"] == sheet]
    shown = shown.assign(
        # words, not coloured emoji: intranet desktops often have no emoji font
        severity=[tr(f"up_sev_{s}") for s in shown["severity"]]
    )
    st.dataframe(
        shown[["severity", "sheet", "cell", "region", "indicator", "message"]].rename(
            columns={
                "severity": tr("up_col_severity"),
                "sheet": tr("up_col_sheet"),
                "cell": tr("up_col_cell"),
                "region": tr("up_col_region"),
                "indicator": tr("up_col_ind"),
                "message": tr("up_col_message"),
            }
        ),
        hide_index=True,
        key=f"problems_{key}",
    )


def _annotated_name(name: str) -> str:
    from etl.annotate import annotated_name

    return annotated_name(name)


def _changes(result) -> None:
    new, superseded = ws.change_frames(result, ui.lang())
    if new.empty and superseded.empty:
        if result.status == "dry_run":
            st.info(tr("up_nothing"))
        return
    st.markdown(f"**{tr('up_changes')}**")
    value_cols = {
        "region": tr("up_col_region"),
        "period": tr("up_col_period"),
        "indicator": tr("up_col_ind"),
        "value": tr("up_col_value"),
        "old_value": tr("up_col_old"),
        "new_value": tr("up_col_new"),
        "old_batch_id": tr("up_col_old_batch"),
    }
    tabs = st.tabs([tr("up_new_facts", n=len(new)), tr("up_superseded_facts", n=len(superseded))])
    for tab, frame, cols in (
        (tabs[0], new, ["region", "period", "indicator", "value"]),
        (
            tabs[1],
            superseded,
            ["region", "period", "indicator", "old_value", "new_value", "old_batch_id"],
        ),
    ):
        with tab:
            st.dataframe(
                frame[cols].head(ws.MAX_PREVIEW_ROWS).rename(columns=value_cols), hide_index=True
            )
            if len(frame) > ws.MAX_PREVIEW_ROWS:
                st.caption(tr("up_preview_cut", n=ws.MAX_PREVIEW_ROWS))


def _commit(key: str, result, data: bytes, name: str, options: ws.UploadOptions) -> None:
    if result.status == "unchanged":
        st.info(tr("up_unchanged_file", batch=result.batch_id))
        return
    errors = result.report.errors
    if errors or result.status != "dry_run":
        st.error(tr("up_blocked", n=len(errors)))
        return
    warnings = result.report.warnings
    confirmed = True
    withdrawn = ws.withdrawals_frame(result, ui.lang())
    if not withdrawn.empty:  # cells marked 撤回: say what goes, and ask
        st.warning(tr("up_withdrawals", n=len(withdrawn)))
        st.dataframe(withdrawn, hide_index=True)
        agreed = st.checkbox(tr("up_confirm_withdrawals"), key=f"withdraw_{key}")
        options = replace(options, confirm_withdrawals=agreed)
        confirmed = agreed
    if warnings:
        confirmed = confirmed and st.checkbox(
            tr("up_confirm_warnings", n=len(warnings)), key=f"confirm_{key}"
        )
    remember = True
    if options.mapping:
        remember = st.checkbox(tr("up_remember"), value=True, key=f"remember_{key}")
    if not st.button(tr("up_commit"), type="primary", disabled=not confirmed, key=f"commit_{key}"):
        return
    was_demo = auth_ui.is_demo_database()
    with st.status(tr("up_committing", file=md_escape(name)), expanded=True) as status:
        loaded = ws.commit(
            ui.engine(),
            user,
            data,
            name,
            options,
            confirm_warnings=confirmed,
            remember=remember,
            on_wait=lambda pid: status.write(tr("up_waiting", pid=pid)),
            on_stage=lambda code: status.write(tr(f"up_stage_{code}")),
        )
        status.update(state="complete" if loaded.status in ("loaded", "unchanged") else "error")
    remembered = (
        len(ws.used_mapping(loaded, options)) if remember and loaded.status == "loaded" else 0
    )
    if was_demo and loaded.status == "loaded":  # the first real batch: the demo accounts go
        auth_ui.set_notice("auth_demo_ended")
    st.session_state.setdefault("up_done", {})[key] = (loaded, remembered, ui.data_version())
    st.session_state.get("up_previews", {}).pop(key, None)
    st.rerun()


def _still_true(loaded, version: str) -> bool:
    """A result kept in this session still describes the store (#18): its batch is active; an
    "identical figures" result holds while nothing was written since."""
    if loaded.status not in ("loaded", "unchanged"):
        return True
    if loaded.batch_id is None:
        return version == ui.data_version()
    return dashboard.batch_status(ui.engine(), loaded.batch_id) == "active"


def _done(loaded, remembered: int, _version: str = "") -> None:
    if loaded.status == "loaded":
        st.success(
            tr(
                "up_loaded",
                batch=loaded.batch_id,
                written=f"{loaded.facts_written:,}",
                superseded=f"{loaded.facts_superseded:,}",
                unchanged=f"{loaded.facts_unchanged:,}",
            )
        )
        if loaded.reloaded:
            st.info(tr("up_reloaded", batches="、".join(f"#{b}" for b in loaded.reloaded)))
        if remembered:
            st.caption(tr("up_remembered", n=remembered))
    elif loaded.status == "unchanged" and loaded.batch_id is None:
        st.info(tr("up_unchanged_figures", message=md_escape(_held(loaded))))
    elif loaded.status == "unchanged":
        st.info(tr("up_unchanged_file", batch=loaded.batch_id))
    else:
        message = loaded.message_en if ui.lang() == "en" else loaded.message_zh
        st.error(tr("up_refused", message=md_escape(message)))
        if loaded.problems:
            _problems_table(f"done_{loaded.sha256[:16]}", loaded.problems)


def _held(loaded) -> str:
    """The load's own words on where the figures already are (the batches that hold them)."""
    return loaded.message_en if ui.lang() == "en" else loaded.message_zh


def _file_panel(uploaded) -> str:
    """One uploaded file: options, detection, mapping, report, preview, commit. Returns its key."""
    data = uploaded.getvalue()
    name = uploaded.name
    key = hashlib.sha256(data).hexdigest()[:16]
    st.subheader(md_escape(name))  # a file name is text, never Markdown
    done = st.session_state.get("up_done", {}).get(key)
    if done is not None and not _still_true(done[0], done[2]):
        # rolled back (or the store changed) since: check and load it again, never a stale
        # "success"
        st.session_state["up_done"].pop(key, None)
        if done[0].batch_id is not None:
            st.info(tr("up_rolled_back_since", batch=done[0].batch_id))
        done = None
    if done is not None:
        _done(*done)
    else:
        _check(key, data, name)
    return key


def _check(key: str, data: bytes, name: str) -> None:
    opts_key = f"up_opts_{key}"
    options = st.session_state.get(opts_key, ws.UploadOptions())
    options = _options_form(key, options)
    try:
        result = _preview(key, data, name, options)
    except ws.WorkspaceError as exc:
        st.error(md_escape(exc.message_en if ui.lang() == "en" else exc.message_zh))
        return
    except Exception as exc:  # noqa: BLE001 - a bad file must never take the page down
        st.error(tr("up_file_error", message=md_escape(f"{type(exc).__name__}: {exc}"[:300])))
        return
    _detected(result)
    new_options = _questions(key, result, options)
    if new_options == options:
        new_options = _mapping(key, result, options)
    if new_options != options:
        st.session_state[opts_key] = new_options
        st.rerun()
    st.session_state[opts_key] = options
    _report(key, result, data, name)
    _changes(result)
    _commit(key, result, data, name, options)


keep = set()
for uploaded in files:
    with st.container(border=True):
        keep.add(_file_panel(uploaded))

# forget previews of files no longer on the page
for store_key in ("up_previews", "up_done"):
    cache = st.session_state.get(store_key, {})
    for k in [k for k in cache if k not in keep]:
        cache.pop(k, None)
