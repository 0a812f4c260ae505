"""季度通报 (quarterly bulletin) of an assessment: summary sentences, ranking, score table, lagging items; .docx and .xlsx."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pandas as pd

from lawstats.analysis import assessment as asm
from lawstats.analysis import targets as tg
from lawstats.domain.formatting import format_number
from lawstats.domain.regions import load_regions
from lawstats.domain.safecell import excel_writer, safe_cell, safe_frame
from lawstats.i18n import t


@dataclass
class Bulletin:
    title: str
    subtitle: str
    sentences: list[str]
    ranking: pd.DataFrame
    scores: pd.DataFrame
    lagging: dict[str, list[str]] = field(default_factory=dict)  # unit name -> sentences
    demo_note: str | None = None
    lang: str = "zh"


def _join(names: list[str], lang: str) -> str:
    return "、".join(names) if lang == "zh" else ", ".join(names)


def _pts(v: float) -> str:
    return format_number(v, 2)


def summary_sentences(a: asm.Assessment, lang: str = "zh") -> list[str]:
    """Chinese (or English) sentences stating the result: average, first, last, rank moves, targets.

    Every count in them is counted from the list the bulletin prints (lagging_rows): the
    statuses named in one sentence are the ones counted in the next (#18)."""
    regions = load_regions()
    tt = a.totals
    out: list[str] = []
    if tt.empty:
        return [t("bul_no_units", lang)]
    period = a.period.label if lang == "zh" else a.period.label_en
    out.append(
        t(
            "bul_overall",
            lang,
            period=period,
            scheme=a.scheme.name(lang),
            parent=regions.get(a.parent_code).name,
            n=len(tt),
            max=format_number(a.scheme.max_points, 2),
            avg=_pts(float(tt["total"].mean())),
        )
    )
    top = tt[tt["rank"] == 1]
    low_rank = tt["rank"].max()
    bottom = tt[tt["rank"] == low_rank]
    first = _join(list(top["region_name"]), lang)
    key = "bul_first_tied" if len(top) > 1 else "bul_first"
    text = t(key, lang, names=first, score=_pts(float(top["total"].iloc[0])))
    if len(tt) > 1 and low_rank != 1:
        text += t(
            "bul_last",
            lang,
            names=_join(list(bottom["region_name"]), lang),
            score=_pts(float(bottom["total"].iloc[0])),
        )
    out.append(text)
    if a.previous_label and tt["rank_change"].notna().any():
        up = tt[tt["rank_change"].fillna(0) > 0]
        down = tt[tt["rank_change"].fillna(0) < 0]
        prev = a.previous_text(lang)
        if up.empty and down.empty:
            out.append(t("bul_ranks_same", lang, previous=prev))
        else:
            parts = []
            if not up.empty:
                parts.append(
                    t(
                        "bul_ranks_up",
                        lang,
                        names=_join(
                            [
                                t("bul_moved", lang, name=r.region_name, n=int(r.rank_change))
                                for r in up.itertuples()
                            ],
                            lang,
                        ),
                    )
                )
            if not down.empty:
                parts.append(
                    t(
                        "bul_ranks_down",
                        lang,
                        names=_join(
                            [
                                t("bul_moved", lang, name=r.region_name, n=-int(r.rank_change))
                                for r in down.itertuples()
                            ],
                            lang,
                        ),
                    )
                )
            sep = "；" if lang == "zh" else "; "
            out.append(
                t("bul_ranks_vs", lang, previous=prev)
                + sep.join(parts)
                + ("。" if lang == "zh" else ".")
            )
    p = a.progress
    if not p.empty:
        p = p[p["region_code"].isin(a.units)]
        c = tg.status_counts(p)
        out.append(t("bul_targets", lang, n=len(p), **c))
        # the same rows the 滞后事项 section lists, counted by the statuses the sentence names
        listed = lagging_rows(a)
        lag = listed[listed["status"].isin(tg.LAGGING)] if not listed.empty else listed
        if not lag.empty:
            per = lag.groupby("region_name", sort=False).size()
            per = per.sort_values(ascending=False, kind="stable")
            worst = per[per == per.iloc[0]]
            out.append(
                t(
                    "bul_most_lagging",
                    lang,
                    names=_join(list(worst.index), lang),
                    n=int(per.iloc[0]),
                )
            )
        else:
            out.append(t("bul_none_lagging", lang))
    return out


def lagging_rows(a: asm.Assessment) -> pd.DataFrame:
    """The targets the 滞后事项 section lists (behind, missed, without data), worst unit first:
    the one list the summary's counts come from."""
    return asm.lagging_items(a)


def build(a: asm.Assessment, lang: str = "zh", *, is_demo: bool = False) -> Bulletin:
    """The bulletin's content; to_docx / to_xlsx lay it out."""
    regions = load_regions()
    period = a.period.label if lang == "zh" else a.period.label_en
    title = t("bul_title", lang, parent=regions.get(a.parent_code).name, period=period)
    subtitle = t(
        "bul_subtitle", lang, scheme=a.scheme.name(lang), max=format_number(a.scheme.max_points, 2)
    )
    lag: dict[str, list[str]] = {}
    for r in lagging_rows(a).to_dict("records"):
        lag.setdefault(r["region_name"], []).append(tg.explain(r, lang))
    return Bulletin(
        title=title,
        subtitle=subtitle,
        sentences=summary_sentences(a, lang),
        ranking=asm.ranking_table(a, lang),
        scores=asm.breakdown_matrix(a, lang),
        lagging=lag,
        demo_note=t("bul_demo_note", lang) if is_demo else None,
        lang=lang,
    )


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if isinstance(v, float):
        return format_number(v, 2)
    return str(v)


def _docx_table(doc, frame: pd.DataFrame) -> None:
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = str(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = _cell(v)


def to_docx(b: Bulletin) -> bytes:
    """The bulletin as a Word document (python-docx)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    doc.add_heading(b.title, level=0)
    doc.add_paragraph(b.subtitle)
    if b.demo_note:
        doc.add_paragraph(b.demo_note)
    doc.add_heading(t("bul_h_summary", b.lang), level=1)
    for s in b.sentences:
        doc.add_paragraph(s)
    doc.add_heading(t("bul_h_ranking", b.lang), level=1)
    _docx_table(doc, b.ranking)
    if not b.scores.empty:
        doc.add_heading(t("bul_h_scores", b.lang), level=1)
        _docx_table(doc, b.scores)
    doc.add_heading(t("bul_h_lagging", b.lang), level=1)
    if not b.lagging:
        doc.add_paragraph(t("bul_none_lagging", b.lang))
    for name, lines in b.lagging.items():
        doc.add_heading(name, level=2)
        for line in lines:
            doc.add_paragraph(line, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def lagging_frame(b: Bulletin) -> pd.DataFrame:
    rows = [(name, line) for name, lines in b.lagging.items() for line in lines]
    return pd.DataFrame(rows, columns=[t("asm_col_region", b.lang), t("bul_col_item", b.lang)])


def to_xlsx(b: Bulletin) -> bytes:
    """The bulletin as a workbook: 通报 (sentences), 排名, 得分明细, 滞后事项; every cell via safe_cell."""
    buf = io.BytesIO()
    lang = b.lang
    with excel_writer(buf) as writer:
        lines = [b.title, b.subtitle] + ([b.demo_note] if b.demo_note else []) + [""] + b.sentences
        pd.DataFrame({t("bul_sheet_text", lang): [safe_cell(x) for x in lines]}).to_excel(
            writer, sheet_name=t("bul_sheet_text", lang)[:31], index=False
        )
        safe_frame(b.ranking).to_excel(
            writer, sheet_name=t("bul_sheet_ranking", lang)[:31], index=False
        )
        if not b.scores.empty:
            safe_frame(b.scores).to_excel(
                writer, sheet_name=t("bul_sheet_scores", lang)[:31], index=False
            )
        safe_frame(lagging_frame(b)).to_excel(
            writer, sheet_name=t("bul_sheet_lagging", lang)[:31], index=False
        )
        for ws in writer.sheets.values():
            ws.set_column(0, 0, 28)
            ws.set_column(1, 30, 16)
    return buf.getvalue()
