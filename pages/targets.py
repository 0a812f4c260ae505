"""目标 Targets: status heat map (county x indicator), lagging list first, entry, import, history, lock and settlement."""

from datetime import date

import streamlit as st

from lawstats import settings
from lawstats.analysis import targets as tg
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import format_number
from lawstats.domain.regions import load_regions
from lawstats.reports import charts
from lawstats.ui import common as ui
from lawstats.ui import look
from lawstats.ui.gate import page_gate

page_gate()


@st.cache_data(show_spinner=False, max_entries=64)
def _progress(version: str, region_code: str, year: int, months: int):
    from lawstats.domain.periods import Period

    return tg.progress(
        ui.engine(), region_code, year, Period.months(year, 1, months), include_children=True
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _latest_month(version: str, region_code: str, year: int) -> int | None:
    return tg.latest_month(ui.engine(), region_code, year)


@st.cache_data(show_spinner=False, max_entries=16)
def _target_regions(version: str) -> list[str]:
    return tg.regions_with_targets(ui.engine())


@st.cache_data(show_spinner=False, max_entries=16)
def _target_years(version: str) -> list[int]:
    return tg.years_with_targets(ui.engine())


version = ui.data_version()
ui.demo_banner()
engine = ui.engine()
regions = load_regions()
lang = ui.lang()
if not ui.regions_with_data(version) and not _target_years(version):
    st.warning(ui.tr("tg_empty_db"))
    st.stop()

c1, c2, c3 = st.columns([3, 2, 2])
options = ui.region_options(version)
with_targets = _target_regions(version)
region_code = ui.synced_selectbox(
    ui.tr("region"),
    options,
    "region",
    next((c for c in with_targets if c in options), ui.default_region(options)),
    container=c1,
    format_func=regions.full_name,
)
# years with data or targets, and this year and next (targets are set before the data comes)
this_year = date.today().year
years = sorted(
    set(ui.years_with_data(version)) | set(_target_years(version)) | {this_year, this_year + 1},
    reverse=True,
)
default_year = next(iter(_target_years(version)), years[0])
year = ui.synced_selectbox(
    ui.tr("tg_year"), years, "year", default_year, container=c2, format_func=lambda y: f"{y}"
)
latest = _latest_month(version, region_code, year) or 12
months = ui.synced_selectbox(
    ui.tr("tg_through"),
    list(range(1, 13)),
    "through",
    latest,
    container=c3,
    format_func=lambda n: ui.tr("tg_through_n", n=n),
)
ui.breadcrumb(region_code)
region_name = regions.get(region_code).name

lock = tg.lock_state(engine, region_code, year)
if lock.state == "settled":
    st.success(ui.tr("tg_lock_settled", year=year), icon=":material/task_alt:")
elif lock.state == "reopened":
    st.info(
        ui.tr(
            "tg_lock_reopened",
            year=year,
            by=lock.reopened_by,
            at=lock.reopened_at,
            reason=lock.reason,
        ),
        icon=":material/lock_open:",
    )
elif lock.state == "locked":
    st.caption(":material/lock: " + ui.tr("tg_lock_locked", year=year))
else:
    st.caption(ui.tr("tg_lock_open", year=year))

frame = _progress(version, region_code, year, months)
if frame.empty:
    st.info(ui.tr("tg_no_targets", region=region_name, year=year))
else:
    st.caption(
        ui.tr(
            "tg_through_caption",
            through=frame["through"].iloc[0],
            expected=format_number(months / 12 * 100, 1),
            months=months,
        )
    )
    st.markdown(f"**{tg.summary_sentence(frame, lang)}**")

    st.markdown(f"#### {ui.tr('tg_lagging_title')}")
    lag = tg.lagging(frame)
    if lag.empty:
        st.success(ui.tr("tg_lagging_none"))
    else:
        st.dataframe(tg.progress_table(lag, lang), hide_index=True, width="stretch")

    revised = frame[frame["revised"]]
    if not revised.empty:
        st.markdown(f"#### {ui.tr('tg_revisions_title')}")
        for r in revised.to_dict("records"):
            st.warning(f"{r['region_name']} · {tg.explain(r, lang)}")

    cells, rows, cols = tg.heatmap_cells(frame, lang)
    labels = tg.STATUS_ZH if lang == "zh" else tg.STATUS_EN
    fig = charts.status_heatmap(
        cells,
        rows,
        cols,
        tg.STATUSES,
        labels,
        title=ui.tr("tg_heatmap_title", region=region_name, through=frame["through"].iloc[0]),
    )
    st.plotly_chart(
        fig,
        key=f"tg_heatmap_{region_code}_{year}",
        width="stretch",
        config=look.plot_config(ui.lang()),
    )
    st.caption(ui.tr("tg_heatmap_hint"))
    keys = [f"{r.region_code}|{r.indicator_code}" for r in frame.itertuples(index=False)]
    picked = st.selectbox(
        ui.tr("tg_cell_pick"),
        ["", *keys],
        format_func=lambda k: (
            ui.tr("tg_cell_none")
            if not k
            else " · ".join(
                (regions.get(k.split("|")[0]).name, load_catalog().get(k.split("|")[1]).name(lang))
            )
        ),
        key="tg_cell",
    )
    if picked:
        st.info(tg.explain(frame.iloc[keys.index(picked)].to_dict(), lang))

    st.markdown(f"#### {ui.tr('tg_table_title')}")
    st.dataframe(tg.progress_table(frame, lang), hide_index=True, width="stretch")
    ui.downloads(tg.export_frame(frame, lang), f"targets_{region_code}_{year}_{months}", "targets")

with st.expander(ui.tr("tg_history_title")):
    hist = tg.history(engine, region_code, year)
    if hist.empty:
        st.caption(ui.tr("tg_history_empty"))
    else:
        table = tg.history_table(hist, lang)
        st.dataframe(table, hide_index=True, width="stretch")
        ui.downloads(table, f"target_history_{region_code}_{year}", "target_history")
    events = tg.lock_events(engine, region_code, year, lang)
    if not events.empty:
        st.markdown(f"**{ui.tr('tg_lock_events')}**")
        st.dataframe(events, hide_index=True, width="stretch")

# --------------------------------------------------------------------------- writing (analysts, admins)
st.divider()
st.subheader(ui.tr("tg_manage_title"))
from lawstats.ui import auth_ui  # noqa: E402 - imported where the write section starts

user = auth_ui.require_role("analyst")
scope = tg.scope_codes(region_code, True, regions)
writable = [c for c in scope if user.can_write(c)]
flash = st.session_state.pop("tg_flash", None)
if flash:
    st.success(flash)


def act(work, message) -> None:
    """Run a write; on success remember the message (a function of the result) and rerun."""
    try:
        result = work()
    except tg.TargetError as exc:
        st.error(exc.message_en if lang == "en" else exc.message_zh)
        return
    st.session_state["tg_flash"] = message(result)
    st.rerun()


def saved(res) -> str:
    if not res.changed:
        return ui.tr("tg_nothing_changed")
    return ui.tr("tg_saved", created=res.created, updated=res.updated, deleted=res.deleted)


if user.has_role("admin"):
    if lock.state == "locked":
        reason = st.text_input(
            ui.tr("tg_reopen_reason"), key=f"tg_reopen_reason_{region_code}_{year}", max_chars=500
        )
        if st.button(ui.tr("tg_reopen_button", year=year), key="tg_reopen"):
            act(
                lambda: tg.reopen(
                    engine, region_code, year, actor=user.username, reason=reason, user=user
                ),
                lambda _: ui.tr("tg_reopened_ok"),
            )
    elif lock.state == "reopened" and st.button(ui.tr("tg_relock_button"), key="tg_relock"):
        where = lock.reopening_region or region_code
        act(
            lambda: tg.relock(engine, where, year, actor=user.username, user=user),
            lambda _: ui.tr("tg_relocked"),
        )
elif lock.state == "locked":
    st.caption(ui.tr("tg_admin_only"))

if not writable:
    st.info(ui.tr("tg_no_write", region=region_name))
elif not lock.locked:
    names = tg.unique_names(writable, regions)
    options = tg.editor_options(lang)
    cols = tg.editor_columns(lang)
    stored = tg.list_targets(engine, region_code, year)
    st.caption(ui.tr("tg_editor_help"))
    edited = st.data_editor(
        tg.editor_frame(stored, names, lang),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"tg_editor_{region_code}_{year}",
        column_config={
            cols["region"]: st.column_config.SelectboxColumn(
                options=list(names.values()), required=True
            ),
            cols["indicator"]: st.column_config.SelectboxColumn(
                options=options["indicator"], required=True
            ),
            cols["kind"]: st.column_config.SelectboxColumn(options=options["kind"], required=True),
            cols["value"]: st.column_config.NumberColumn(required=True),
            cols["per"]: st.column_config.SelectboxColumn(options=options["per"]),
            cols["note"]: st.column_config.TextColumn(max_chars=500),
        },
    )
    if st.button(ui.tr("tg_save"), type="primary", key="tg_save"):
        found, problems = tg.targets_from_editor(edited, year, names, lang)
        for p in problems:
            st.error(p)
        if not problems:
            act(
                lambda: tg.save_targets(
                    engine,
                    found,
                    actor=user.username,
                    user=user,
                    source="page",
                    delete_missing_in=(writable, year),
                ),
                saved,
            )

    st.markdown(f"##### {ui.tr('tg_import_title')}")
    st.caption(ui.tr("tg_import_help"))
    upload = st.file_uploader(
        ui.tr("tg_import_file"), type=["xlsx", "xlsm", "xls", "csv"], key="tg_upload"
    )
    if upload is not None:
        data = upload.getvalue()
        limit = settings.max_upload_bytes()
        if len(data) > limit:
            st.error(ui.tr("tg_too_large", mb=round(limit / 2**20)))
        else:
            from etl.cli.targets_cmd import read_target_file
            from etl.readers import ReadError

            try:
                found, problems = read_target_file(
                    data, upload.name, default_year=year, context=region_code
                )
            except ReadError as exc:
                problem = tg.Problem(upload.name, exc.problem.message_zh, exc.problem.message_en)
                found, problems = [], [problem]
            if problems:
                st.error(ui.tr("tg_import_problems", n=len(problems)))
                st.text("\n".join(f"- {p.message(lang)}" for p in problems))
            else:
                st.caption(ui.tr("tg_import_preview"))
                st.dataframe(tg.targets_table(found, lang), hide_index=True, width="stretch")
                if st.button(ui.tr("tg_import_button", n=len(found)), key="tg_import"):
                    source = f"import:{upload.name}"
                    act(
                        lambda: tg.save_targets(
                            engine, found, actor=user.username, user=user, source=source
                        ),
                        saved,
                    )

if user.has_role("admin") and lock.state != "settled":
    st.markdown(f"##### {ui.tr('tg_settle_title')}")
    st.caption(ui.tr("tg_settle_help", region=region_name, year=year))
    if not tg.year_over(year):
        st.caption(ui.tr("tg_settle_not_yet", year=year))
    else:
        # keyed by what it confirms: a tick for one region and year never carries over (#18)
        sure = st.checkbox(
            ui.tr("tg_settle_confirm", year=year), key=f"tg_settle_sure_{region_code}_{year}"
        )
        if st.button(ui.tr("tg_settle_button", year=year), disabled=not sure, key="tg_settle"):
            act(
                lambda: tg.settle(engine, region_code, year, actor=user.username, user=user),
                lambda n: ui.tr("tg_settled_ok", n=n),
            )
