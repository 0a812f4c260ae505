"""文字报告补录 Backfill: figures from a work report's prose, reviewed by an analyst, committed as one batch.

Analysts (for their regions) and admins only. The page draws; etl.narrative reads the text and
builds the reviewed result, and lawstats.workflow.workspace loads it through the one ETL pipeline.
"""

import datetime as dt
import hashlib
import re

import pandas as pd
import streamlit as st

from etl.narrative import ExtractError, ReadError, extract_text, read_document
from etl.narrative import review as rv
from etl.narrative.extractor import MAX_TEXT_CHARS
from lawstats import settings
from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import load_regions
from lawstats.ui import auth_ui
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate
from lawstats.workflow import workspace as ws

page_gate()

tr = ui.tr
user = auth_ui.require_role("analyst")
ui.demo_banner()
st.title(tr("backfill_title"))
st.caption(tr("backfill_intro"))
catalog, regions, lang = load_catalog(), load_regions(), ui.lang()
STATE = "bf_result"

# --- input --------------------------------------------------------------------------------------

paste_tab, upload_tab = st.tabs([tr("backfill_tab_paste"), tr("backfill_tab_upload")])
pasted = paste_tab.text_area(
    tr("backfill_text"), height=220, key="bf_text", max_chars=MAX_TEXT_CHARS
)
limit_mb = max(1, settings.max_upload_bytes() // 2**20)
uploaded = upload_tab.file_uploader(
    tr("backfill_file"),
    type=["txt", "docx", "html", "htm"],
    key="bf_file",
    max_upload_size=limit_mb,
)
c1, c2, c3 = st.columns(3)
region_text = c1.text_input(tr("backfill_region"), key="bf_region", help=tr("backfill_region_help"))
period_text = c2.text_input(tr("backfill_period"), key="bf_period", help=tr("backfill_period_help"))
report_date = c3.date_input(
    tr("backfill_date"),
    value=None,
    key="bf_date",
    help=tr("backfill_date_help"),
    min_value=dt.date(1990, 1, 1),
)

if st.button(tr("backfill_read"), type="primary", key="bf_read"):
    if uploaded is not None:
        data, name = uploaded.getvalue(), uploaded.name
    else:
        data, name = pasted.encode("utf-8"), "pasted.txt"
    if not data.strip():
        st.warning(tr("backfill_need_text"))
        st.stop()
    try:
        result = extract_text(
            read_document(data, name),
            region=region_text.strip() or None,
            period=period_text.strip() or None,
            report_date=report_date,
            extra_spellings=rv.learned_spellings(ui.engine(), user.regions),
        )
    except (ReadError, ExtractError) as exc:
        st.error(tr("backfill_read_error", msg=exc.message_zh if lang == "zh" else exc.message_en))
        st.stop()
    st.session_state[STATE] = (result, name, hashlib.sha256(data).hexdigest())
    st.session_state.pop("bf_editor", None)

if STATE not in st.session_state:
    st.info(tr("backfill_need_text"))
    st.stop()
result, source_name, source_sha = st.session_state[STATE]

# --- what was understood ------------------------------------------------------------------------

period, period_source = result.clock.default_period()
st.markdown(
    tr(
        "backfill_summary",
        region=regions.full_name(result.region_code)
        if result.region_code
        else tr("backfill_unknown"),
        region_source=tr(f"backfill_src_{result.region_source}"),
        period=ui.period_text(period) if period else tr("backfill_unknown"),
        period_source=tr(f"backfill_src_{period_source}"),
        date=result.report_date.isoformat() if result.report_date else tr("backfill_unknown"),
    )
)
if period_source == "inferred":
    st.warning(tr("backfill_inferred_warning", year=result.clock.inferred_year))
if result.region_code is None:
    st.warning(tr("backfill_no_region"))

# --- candidates -----------------------------------------------------------------------------------

NOTES = {
    "derived": tr("backfill_note_derived"),
    "part_of": tr("backfill_note_part_of"),
    "parts": tr("backfill_note_parts"),
    **{
        n: tr(f"backfill_note_{n}")
        for n in (
            "parts_add_up",
            "parts_exceed_whole",
            "conflict",
            "no_period",
            "no_region",
            "mapped_by_analyst",
            "breakdown_member",
            "respectively",
        )
    },
}
st.subheader(tr("backfill_candidates", n=len(result.candidates)))
edited = None
if not result.candidates:
    st.info(tr("backfill_none_found"))
else:
    st.caption(tr("backfill_candidates_help"))
    items = rv.candidates_json(result, catalog=catalog, regions=regions)
    stored = rv.stored_values(ui.engine(), items)
    frame = pd.DataFrame(rv.review_rows(result, stored, lang=lang, note_text=NOTES))
    region_choices = rv.region_options(result.region_code, regions) or [
        r for r in frame["region"].unique() if r
    ]
    edited = st.data_editor(
        frame,
        key="bf_editor",
        hide_index=True,
        disabled=["id", "sentence", "notes", "stored"],
        column_order=[
            "accept",
            "region",
            "period",
            "indicator",
            "value",
            "approximate",
            "sentence",
            "notes",
            "stored",
        ],
        column_config={
            "accept": st.column_config.CheckboxColumn(tr("backfill_col_accept")),
            "region": st.column_config.SelectboxColumn(
                tr("backfill_col_region"), options=region_choices, required=True
            ),
            "period": st.column_config.TextColumn(tr("backfill_col_period"), required=True),
            "indicator": st.column_config.SelectboxColumn(
                tr("backfill_col_indicator"),
                options=[rv.indicator_option(c, catalog, lang) for c in catalog.codes],
                required=True,
            ),
            "value": st.column_config.NumberColumn(tr("backfill_col_value"), format="%g"),
            "approximate": st.column_config.CheckboxColumn(tr("backfill_col_approximate")),
            "sentence": st.column_config.TextColumn(tr("backfill_col_sentence"), width="large"),
            "notes": st.column_config.TextColumn(tr("backfill_col_notes")),
            "stored": st.column_config.TextColumn(tr("backfill_col_stored")),
        },
    )
    with st.expander(tr("backfill_sentences")):
        for c in result.candidates:
            st.markdown(f"**{c.id}** · " + rv.highlighted_markdown(c.sentence, c.span))

# --- unrecognised figures -------------------------------------------------------------------------

st.subheader(tr("backfill_unrecognised", n=len(result.unrecognised)))
if result.unrecognised:
    st.caption(tr("backfill_unrecognised_help"))
    st.dataframe(
        pd.DataFrame(
            {
                "id": [u.id for u in result.unrecognised],
                tr("backfill_col_raw"): [u.raw for u in result.unrecognised],
                tr("backfill_col_label"): [u.label for u in result.unrecognised],
                tr("backfill_col_reason"): [
                    tr(f"backfill_reason_{u.reason}") for u in result.unrecognised
                ],
                tr("backfill_col_sentence"): [
                    f"第{u.sentence_no}句 " + rv.marked_snippet(u.sentence, u.span)
                    for u in result.unrecognised
                ],
            }
        ),
        hide_index=True,
    )
    by_id = {u.id: u for u in result.unrecognised}
    with st.form("bf_map"):
        m1, m2 = st.columns(2)
        uid = m1.selectbox(
            tr("backfill_map_figure"),
            list(by_id),
            format_func=lambda i: f"{i} {by_id[i].raw} {by_id[i].label}",
            key="bf_map_uid",
        )
        code = m2.selectbox(
            tr("backfill_map_indicator"),
            catalog.codes,
            format_func=lambda c: rv.indicator_option(c, catalog, lang),
            key="bf_map_code",
        )
        words = st.text_input(tr("backfill_map_words"), key="bf_map_words", max_chars=40)
        remember = st.checkbox(tr("backfill_map_remember"), key="bf_map_remember")
        if st.form_submit_button(tr("backfill_map_apply")):
            try:
                cand = rv.map_unrecognised(result, uid, code, label=words.strip() or None)
            except rv.ReviewError as exc:
                st.error(exc.message_zh if lang == "zh" else exc.message_en)
            else:
                wording = words.strip() or by_id[uid].label
                if remember and wording:
                    ws.remember_spellings(
                        ui.engine(),
                        {wording: code},
                        actor=user.username,
                        unit_code=result.region_code or next(iter(user.regions), None),
                        template_key=rv.TEXT_TEMPLATE,
                    )
                    st.session_state["bf_notice"] = tr(
                        "backfill_remembered", words=wording, indicator=catalog.get(code).name(lang)
                    )
                else:
                    st.session_state["bf_notice"] = tr(
                        "backfill_mapped", raw=cand.raw, indicator=catalog.get(code).name(lang)
                    )
                st.session_state.pop("bf_editor", None)
                st.rerun()
notice = st.session_state.pop("bf_notice", None)
if notice:
    st.success(notice)

# --- commit ---------------------------------------------------------------------------------------

if edited is not None:
    st.subheader(tr("backfill_commit"))
    st.caption(tr("backfill_commit_help"))
    try:
        decisions = rv.decisions_from_rows(edited.to_dict("records"))
    except rv.ReviewError as exc:
        st.error(exc.message_zh if lang == "zh" else exc.message_en)
        st.stop()
    doc = rv.reviewed_document(result, source_name, source_sha256=source_sha, decisions=decisions)
    accepted = sum(1 for c in doc["candidates"] if c["accept"] is True)
    st.write(tr("backfill_accepted", n=accepted))
    refused = rv.regions_not_writable(doc, user)
    if refused:
        st.error(
            tr("backfill_not_writable", regions="、".join(regions.full_name(c) for c in refused))
        )
    if st.button(
        tr("backfill_commit"),
        type="primary",
        key="bf_commit",
        disabled=bool(refused) or not accepted,
    ):
        name = re.sub(r"\.[A-Za-z0-9]+$", "", source_name) + ".reviewed.json"
        loaded = ws.commit(
            ui.engine(),
            user,
            rv.document_bytes(doc),
            name,
            ws.UploadOptions(),
            confirm_warnings=True,
            remember=False,
        )
        if loaded.status == "loaded":
            st.success(
                tr(
                    "backfill_loaded",
                    batch=loaded.batch_id,
                    written=loaded.facts_written,
                    superseded=loaded.facts_superseded,
                )
            )
        elif loaded.status == "unchanged":
            st.info(tr("backfill_unchanged", batch=loaded.batch_id))
        else:
            msg = "；".join(p.message(lang) for p in loaded.report.errors) or loaded.message_zh
            st.error(tr("backfill_refused", msg=msg))
