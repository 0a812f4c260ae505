"""Builds the held-out trap corpus: new cities, spellings, units, layouts and encodings for the
eleven traps of tests/data/corpus (same expected.json format, see its README).

These files were written before the header grammar was tuned and are never tuned on: they
measure the ETL on files it was not written against (docs/benchmarks.md). Deterministic.
Run: python tests/data/corpus_heldout/make_heldout.py   (needs xlsxwriter and xlwt)
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import random
import shutil
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
OUT = HERE / "files"
REGIONS = HERE.parent.parent.parent / "data" / "regions_2024.csv"


# --------------------------------------------------------------------------- helpers


def Y(y):
    return (f"{y}-01-01", f"{y}-12-31")


def YTD(y, m):
    return (f"{y}-01-01", f"{y}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}")


def M(y, m):
    return (f"{y}-{m:02d}-01", f"{y}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}")


def Q(y, q):
    m0 = 3 * q - 2
    return (f"{y}-{m0:02d}-01", f"{y}-{m0 + 2:02d}-{calendar.monthrange(y, m0 + 2)[1]:02d}")


def counties(city: str) -> list[str]:
    rows = list(csv.DictReader(REGIONS.open(encoding="utf-8")))
    code = next(r["code"] for r in rows if r["name"] == city and r["level"] == "city")
    return [r["name"] for r in rows if r["parent_code"] == code]


class Sheet:
    def __init__(self, name="Sheet1"):
        self.name, self.cells, self.merges = name, {}, []

    def put(self, r, c, v):
        if v is not None:
            self.cells[(r, c)] = v

    def row(self, r, values, c0=0):
        for j, v in enumerate(values):
            self.put(r, c0 + j, v)

    def merge(self, r1, c1, r2, c2, v):
        self.merges.append((r1, c1, r2, c2))
        self.put(r1, c1, v)

    def dense(self):
        if not self.cells:
            return []
        nr = max(r for r, _ in self.cells) + 1
        nc = max(c for _, c in self.cells) + 1
        return [
            ["" if self.cells.get((r, c)) is None else self.cells[(r, c)] for c in range(nc)]
            for r in range(nr)
        ]


def write_xlsx(name, sheets):
    wb = xlsxwriter.Workbook(str(OUT / name))
    wb.set_properties({"created": __import__("datetime").datetime(2024, 1, 1)})
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True})
    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        tops = set()
        for r1, c1, r2, c2 in sh.merges:
            ws.merge_range(r1, c1, r2, c2, sh.cells.get((r1, c1), ""), bold)
            tops.add((r1, c1))
        for (r, c), v in sorted(sh.cells.items()):
            if (r, c) in tops:
                continue
            if isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    wb.close()


def write_xls(name, sheets):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for sh in sheets:
        ws = wb.add_sheet(sh.name)
        tops = set()
        for r1, c1, r2, c2 in sh.merges:
            ws.write_merge(r1, r2, c1, c2, sh.cells.get((r1, c1), ""))
            tops.add((r1, c1))
        for (r, c), v in sorted(sh.cells.items()):
            if (r, c) not in tops:
                ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    (OUT / name).write_bytes(buf.getvalue())


def write_csv(name, sheet, encoding="utf-8-sig"):
    with (OUT / name).open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(sheet.dense())


CASES = []


def F(region, period, code, value, approx=None):
    return [region, period[0], period[1], code, value, approx]


def K(region, period, code):
    return [region, period[0], period[1], code]


def case(cid, trap, steps, facts, must_not=(), optional=(), exclusive=True, note="", rel_tol=None):
    c = {
        "id": cid,
        "trap": trap,
        "steps": steps,
        "facts": list(facts),
        "must_not": list(must_not),
        "optional": list(optional),
        "exclusive": exclusive,
        "note": note,
    }
    if rel_tol:
        c["rel_tol"] = rel_tol
    CASES.append(c)


def step(file, expect, mentions=None):
    s = {"file": file, "expect": expect}
    if mentions:
        s["refuse_mentions"] = mentions
    return s


def per_county(cs, period, cols):
    return [F(cs[i], period, code, v[i]) for i in range(len(cs)) for code, v in cols.items()]


def totals(city, period, cols):
    return [F(city, period, code, sum(v)) for code, v in cols.items()]


def rate(a, b):
    return round(a / b * 100, 1)


def cases_and_success(rng, n, lo, hi):
    mc = [rng.randint(lo, hi) for _ in range(n)]
    ms = [c - rng.randint(0, max(1, c // 50)) for c in mc]
    return mc, ms


def build():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)

    # ------------------------------------------------------------ h01 T1: merged parent 人民调解案件
    rng = random.Random(9101)
    city, P = "株洲市", Y(2024)
    cs = counties(city)
    n = len(cs)
    org = [rng.randint(90, 260) for _ in cs]
    mc, ms = cases_and_success(rng, n, 400, 1600)
    jc = [rng.randint(10, m // 12) for m in ms]
    sh = Sheet("调解")
    sh.merge(0, 0, 0, 5, "株洲市2024年度人民调解工作统计表")
    sh.merge(1, 0, 2, 0, "县市区")
    sh.merge(1, 1, 2, 1, "调解组织(个)")
    sh.merge(1, 2, 1, 4, "人民调解案件")
    sh.row(2, ["受理数(件)", "调解成功(件)", "调解成功率(%)"], 2)
    sh.merge(1, 5, 2, 5, "司法确认(件)")
    for i in range(n):
        sh.row(3 + i, [cs[i], org[i], mc[i], ms[i], rate(ms[i], mc[i]), jc[i]])
    sh.row(3 + n, ["总计", sum(org), sum(mc), sum(ms), rate(sum(ms), sum(mc)), sum(jc)])
    sh.put(5 + n, 0, "制表：株洲市司法局基层科")
    write_xlsx("h01_zhuzhou_2024_merged_cases.xlsx", [sh])
    cols = {
        "mediation_orgs": org,
        "mediation_cases": mc,
        "mediation_success": ms,
        "judicial_confirmations": jc,
    }
    case(
        "h01_merged_parent_cases",
        "T1",
        [step("h01_zhuzhou_2024_merged_cases.xlsx", "load")],
        per_county(cs, P, cols),
        optional=totals(city, P, cols)
        + [F(cs[i], P, "mediation_success_rate", rate(ms[i], mc[i])) for i in range(n)]
        + [F(city, P, "mediation_success_rate", rate(sum(ms), sum(mc)))],
        note="人民调解案件 spans 受理数/调解成功/调解成功率; 总计 row; 制表 footer",
    )

    # ------------------------------------------------------------ h02 T1: three header rows, .xls
    rng = random.Random(9102)
    city, P = "宝鸡市", YTD(2024, 9)
    cs = counties(city)
    n = len(cs)
    org = [rng.randint(100, 300) for _ in cs]
    med = [o * rng.randint(3, 5) for o in org]
    mc, ms = cases_and_success(rng, n, 300, 1200)
    sh = Sheet("1-9月")
    sh.merge(0, 0, 0, 4, "宝鸡市2024年1-9月人民调解工作进展情况")
    sh.merge(1, 0, 3, 0, "单位名称")
    sh.merge(1, 1, 1, 4, "人民调解")
    sh.merge(2, 1, 2, 2, "组织队伍")
    sh.row(3, ["调委会(个)", "调解员(人)"], 1)
    sh.merge(2, 3, 2, 4, "纠纷调处")
    sh.row(3, ["受理(件)", "调处成功(件)"], 3)
    sh.row(4, ["全市", sum(org), sum(med), sum(mc), sum(ms)])
    for i in range(n):
        sh.row(5 + i, [cs[i], org[i], med[i], mc[i], ms[i]])
    write_xls("h02_baoji_2024_1-9_three_header_rows.xls", [sh])
    cols = {"mediation_orgs": org, "mediators": med, "mediation_cases": mc, "mediation_success": ms}
    case(
        "h02_three_row_header_xls",
        "T1",
        [step("h02_baoji_2024_1-9_three_header_rows.xls", "load")],
        per_county(cs, P, cols),
        optional=totals(city, P, cols),
        note=".xls, 人民调解 › 组织队伍 / 纠纷调处 › leaves; 全市 totals row first",
    )

    # ------------------------------------------------------------ h03 T2: parts with 其中 and 标准化
    rng = random.Random(9103)
    city, P = "曲靖市", Y(2024)
    cs = counties(city)
    n = len(cs)
    town = [rng.randint(8, 20) for _ in cs]
    vill = [rng.randint(100, 300) for _ in cs]
    ent = [rng.randint(2, 12) for _ in cs]
    sect = [rng.randint(3, 15) for _ in cs]
    tot = [
        a + b + c + d + rng.randint(0, 4) for a, b, c, d in zip(town, vill, ent, sect, strict=True)
    ]
    std = [int(t * rng.uniform(0.4, 0.8)) for t in tot]
    med = [t * rng.randint(4, 6) for t in tot]
    sh = Sheet("调解组织")
    sh.merge(0, 0, 0, 7, "曲靖市2024年人民调解组织网络建设情况表")
    sh.put(1, 6, "单位：个、人")
    body = [[cs[i], tot[i], town[i], vill[i], ent[i], sect[i], std[i], med[i]] for i in range(n)]
    body.append(["合计", sum(tot), sum(town), sum(vill), sum(ent), sum(sect), sum(std), sum(med)])
    sh.row(
        2,
        [
            "县（市、区）",
            "调委会总数",
            "其中：乡镇（街道）调委会",
            "其中：村（社区）调委会",
            "企事业单位调委会",
            "行业性、专业性调委会",
            "标准化调委会",
            "人民调解员",
        ],
    )
    for i, line in enumerate(body):
        sh.row(3 + i, line)
    write_xlsx("h03_qujing_2024_committee_parts.xlsx", [sh])
    cols = {"mediation_orgs": tot, "mediation_orgs_sector": sect, "mediators": med}
    ed2 = {
        "mediation_orgs_township": town,
        "mediation_orgs_village": vill,
        "mediation_orgs_enterprise": ent,
    }
    case(
        "h03_parts_and_standardised",
        "T2",
        [step("h03_qujing_2024_committee_parts.xlsx", "load")],
        per_county(cs, P, cols),
        optional=totals(city, P, cols) + per_county(cs, P, ed2) + totals(city, P, ed2),
        note="units only in a 单位 row; 标准化调委会 is a part with no indicator, never mediation_orgs",
    )

    # ------------------------------------------------------------ h04 T2: traditional, GB18030 CSV
    rng = random.Random(9104)
    city, P = "遵义市", Y(2023)
    cs = counties(city)
    trad = {
        "红花岗区": "紅花崗區",
        "汇川区": "匯川區",
        "播州区": "播州區",
        "桐梓县": "桐梓縣",
        "绥阳县": "綏陽縣",
        "正安县": "正安縣",
        "凤冈县": "鳳岡縣",
        "湄潭县": "湄潭縣",
        "余庆县": "餘慶縣",
        "习水县": "習水縣",
        "赤水市": "赤水市",
        "仁怀市": "仁懷市",
    }
    cs = [c for c in cs if c in trad]
    n = len(cs)
    full = [rng.randint(20, 90) for _ in cs]
    med = [f * rng.randint(8, 14) for f in full]
    town = [rng.randint(10, 30) for _ in cs]
    tot = [t + rng.randint(150, 300) for t in town]
    sh = Sheet()
    sh.row(0, ["遵義市2023年人民調解組織隊伍統計"])
    sh.row(
        1, ["縣(市、區)", "專職調解員(人)", "調解員總數(人)", "鄉鎮調委會(個)", "調解組織合計(個)"]
    )
    for i in range(n):
        sh.row(2 + i, [trad[cs[i]], full[i], med[i], town[i], tot[i]])
    write_csv("h04_遵義市2023年調解組織.csv", sh, "gb18030")
    cols = {"mediators": med, "mediation_orgs": tot}
    case(
        "h04_traditional_gb18030_csv",
        "T2",
        [step("h04_遵義市2023年調解組織.csv", "load")],
        per_county(cs, P, cols),
        optional=per_county(cs, P, {"mediators_fulltime": full, "mediation_orgs_township": town}),
        note="traditional characters in a GB18030 CSV; the parts come before the totals 總數/合計",
    )

    # ------------------------------------------------------------ h05 T3: flows beside stocks
    rng = random.Random(9105)
    city, P = "淄博市", Y(2024)
    cs = counties(city)
    n = len(cs)
    org = [rng.randint(150, 400) for _ in cs]
    new_org = [rng.randint(0, 6) for _ in cs]
    med = [o * rng.randint(3, 5) for o in org]
    hired = [rng.randint(10, 90) for _ in cs]
    trained = [m * rng.randint(1, 2) for m in med]
    mc = [rng.randint(500, 2000) for _ in cs]
    sh = Sheet("Sheet1")
    sh.merge(0, 0, 0, 6, "淄博市2024年人民调解组织队伍和业务统计")
    body = [[cs[i], org[i], new_org[i], med[i], hired[i], trained[i], mc[i]] for i in range(n)]
    body.append(["合计", sum(org), sum(new_org), sum(med), sum(hired), sum(trained), sum(mc)])
    sh.row(
        1,
        [
            "区县",
            "调解组织(个)",
            "其中：当年新建(个)",
            "调解员(人)",
            "新聘调解员(人)",
            "培训调解员(人次)",
            "调解纠纷(件)",
        ],
    )
    for i, line in enumerate(body):
        sh.row(2 + i, line)
    write_xlsx("h05_zibo_2024_new_and_trained.xlsx", [sh])
    cols = {"mediation_orgs": org, "mediators": med, "mediation_cases": mc}
    ed2 = {"mediation_orgs_new": new_org, "mediators_trained": trained}
    case(
        "h05_new_hired_trained",
        "T3",
        [step("h05_zibo_2024_new_and_trained.xlsx", "load")],
        per_county(cs, P, cols),
        must_not=[K(r, P, "mediators_fulltime") for r in cs + [city]],
        optional=totals(city, P, cols) + per_county(cs, P, ed2) + totals(city, P, ed2),
        note="当年新建 and 新聘 are additions in the year, not the stocks; 培训(人次) is training",
    )

    # ------------------------------------------------------------ h06 T4: wrong and convertible units
    rng = random.Random(9106)
    city, P = "芜湖市", Y(2024)
    cs = counties(city)
    n = len(cs)
    la = [rng.randint(200, 900) for _ in cs]
    la_served = [a * rng.randint(3, 7) for a in la]
    fund_yuan = [rng.randint(200, 900) * 1000 for _ in cs]
    area = [rng.randint(1500, 4000) for _ in cs]
    scr_times = [rng.randint(10, 50) for _ in cs]
    sh = Sheet("2024")
    sh.merge(0, 0, 0, 5, "芜湖市2024年司法行政基层工作情况")
    body = [[cs[i], la[i], la_served[i], fund_yuan[i], area[i], scr_times[i]] for i in range(n)]
    body.append(["合计", sum(la), sum(la_served), sum(fund_yuan), sum(area), sum(scr_times)])
    sh.row(
        1,
        [
            "县（市、区）",
            "法律援助案件(件)",
            "法律援助受理(人次)",
            "调解经费(元)",
            "司法所业务用房面积(平方米)",
            "排查纠纷(次)",
        ],
    )
    for i, line in enumerate(body):
        sh.row(2 + i, line)
    write_xlsx("h06_wuhu_2024_units.xlsx", [sh])
    cols = {"legal_aid_cases": la, "office_floor_area": area}
    fund = {"mediation_funding": [f / 10000 for f in fund_yuan]}
    case(
        "h06_wrong_and_convertible_units",
        "T4",
        [step("h06_wuhu_2024_units.xlsx", "load")],
        per_county(cs, P, cols),
        must_not=[K(r, P, "disputes_screened") for r in cs + [city]],
        optional=totals(city, P, cols) + per_county(cs, P, fund) + totals(city, P, fund),
        rel_tol=0.0005,
        note="法律援助受理(人次) is no case count; 排查纠纷(次) no dispute count; 元 converts to 万元",
    )

    # ------------------------------------------------------------ h07 T4: legal aid in the wrong units
    rng = random.Random(9107)
    city, P = "柳州市", YTD(2024, 6)
    cs = counties(city)
    n = len(cs)
    la = [rng.randint(50, 300) for _ in cs]
    consult_cases = [rng.randint(100, 900) for _ in cs]
    recip_times = [a + rng.randint(0, 40) for a in la]
    recovered = [rng.randint(100000, 900000) for _ in cs]
    sh = Sheet("法律援助")
    sh.merge(0, 0, 0, 4, "柳州市2024年1-6月法律援助工作统计")
    sh.row(1, ["县区", "法律援助案件(件)", "法律咨询(件)", "受援人(人次)", "挽回经济损失(元)"])
    for i in range(n):
        sh.row(2 + i, [cs[i], la[i], consult_cases[i], recip_times[i], recovered[i]])
    write_xlsx("h07_liuzhou_2024h1_legal_aid_units.xlsx", [sh])
    cols = {"legal_aid_cases": la}
    rec = {"legal_aid_recovered": [r / 10000 for r in recovered]}
    case(
        "h07_legal_aid_units",
        "T4",
        [step("h07_liuzhou_2024h1_legal_aid_units.xlsx", "load")],
        per_county(cs, P, cols),
        must_not=[
            K(r, P, c) for r in cs for c in ("legal_aid_consultations", "legal_aid_recipients")
        ],
        optional=per_county(cs, P, rec),
        rel_tol=0.0005,
        note="法律咨询(件) is not consultations (人次); 受援人(人次) is not recipients (人)",
    )

    # ------------------------------------------------------------ h08 T5: reconsideration words
    rng = random.Random(9108)
    city, P = "湖州市", Y(2024)
    cs = counties(city)
    n = len(cs)
    rec = [rng.randint(40, 160) for _ in cs]
    acc = [r - rng.randint(2, 10) for r in rec]
    clo = [a - rng.randint(0, 8) for a in acc]
    up = [int(c * 0.6) for c in clo]
    rev = [rng.randint(1, 6) for _ in cs]
    rej = [rng.randint(1, 8) for _ in cs]
    sh = Sheet("复议")
    sh.merge(0, 0, 0, 6, "湖州市2024年行政复议工作情况")
    sh.put(1, 6, "单位：件")
    sh.row(2, ["县区", "新收", "受理", "办结", "维持", "撤销", "驳回"])
    for i in range(n):
        sh.row(3 + i, [cs[i], rec[i], acc[i], clo[i], up[i], rev[i], rej[i]])
    sh.row(3 + n, ["合计", sum(rec), sum(acc), sum(clo), sum(up), sum(rev), sum(rej)])
    write_xlsx("h08_huzhou_2024_reconsideration.xlsx", [sh])
    cols = {"reconsideration_accepted": acc, "reconsideration_closed": clo}
    ed2 = {
        "reconsideration_received": rec,
        "reconsideration_upheld": up,
        "reconsideration_revoked": rev,
        "reconsideration_rejected": rej,
    }
    case(
        "h08_reconsideration_bare_words",
        "T5",
        [step("h08_huzhou_2024_reconsideration.xlsx", "load")],
        per_county(cs, P, cols),
        optional=totals(city, P, cols) + per_county(cs, P, ed2) + totals(city, P, ed2),
        note="bare 受理/办结 (unit in a 单位 row) under a 行政复议 title",
    )

    # ------------------------------------------------------------ h09 T5: legal aid named by the sheet
    rng = random.Random(9109)
    city, P = "十堰市", Y(2024)
    cs = counties(city)
    n = len(cs)
    acc = [rng.randint(200, 900) for _ in cs]
    clo = [a - rng.randint(0, 30) for a in acc]
    recip = [c + rng.randint(0, 20) for c in clo]
    sh = Sheet("法律援助")
    sh.merge(0, 0, 0, 3, "十堰市2024年统计表")
    sh.row(1, ["县（市、区）", "受理(件)", "结案(件)", "受援人数(人)"])
    for i in range(n):
        sh.row(2 + i, [cs[i], acc[i], clo[i], recip[i]])
    write_xlsx("h09_shiyan_2024_sheet_named.xlsx", [sh])
    must_not = [
        K(r, P, c)
        for r in cs + [city]
        for c in ("reconsideration_accepted", "reconsideration_closed", "mediation_cases")
    ]
    case(
        "h09_group_from_sheet_name",
        "T5",
        [step("h09_shiyan_2024_sheet_named.xlsx", "load_or_refuse")],
        [],
        must_not=must_not,
        optional=[F(cs[i], P, "legal_aid_cases", [acc[i], clo[i]]) for i in range(n)]
        + per_county(cs, P, {"legal_aid_closed": clo, "legal_aid_recipients": recip}),
        note="only the sheet name (法律援助) says what 受理/结案 count",
    )

    # ------------------------------------------------------------ h10 T6: long GB18030 CSV, 报告期
    rng = random.Random(9110)
    city = "黔南布依族苗族自治州"
    P, wrong = YTD(2023, 9), Y(2024)
    cs = counties(city)[:8]
    n = len(cs)
    mc, ms = cases_and_success(rng, n, 200, 900)
    med = [rng.randint(300, 1200) for _ in cs]
    sh = Sheet()
    sh.row(0, ["单位名称", "报告期", "指标", "计量单位", "本期数"])
    r = 1
    for i in range(n):
        for name, unit, v in (
            ("调解纠纷", "件", mc[i]),
            ("调解成功", "件", ms[i]),
            ("人民调解员", "人", med[i]),
        ):
            sh.row(r, [cs[i], "2023年1-9月", name, unit, v])
            r += 1
    write_csv("h10_黔南州2024年调解数据.csv", sh, "gb18030")
    cols = {"mediation_cases": mc, "mediation_success": ms, "mediators": med}
    case(
        "h10_long_period_column",
        "T6",
        [step("h10_黔南州2024年调解数据.csv", "load_or_refuse")],
        per_county(cs, P, cols),
        must_not=[K(cs[i], wrong, c) for i in range(n) for c in cols],
        note="报告期 column says 2023年1-9月, the file name 2024年",
    )

    # ------------------------------------------------------------ h11 T6: title month vs file name
    rng = random.Random(9111)
    city = "常德市"
    P, wrong = M(2023, 11), Y(2024)
    cs = counties(city)
    n = len(cs)
    mc, ms = cases_and_success(rng, n, 40, 200)
    sh = Sheet("Sheet1")
    sh.merge(0, 0, 0, 2, "常德市人民调解工作月报（2023年11月）")
    sh.row(1, ["地区", "调解纠纷(件)", "调解成功(件)"])
    for i in range(n):
        sh.row(2 + i, [cs[i], mc[i], ms[i]])
    write_xlsx("h11_常德市2024年报表.xlsx", [sh])
    cols = {"mediation_cases": mc, "mediation_success": ms}
    case(
        "h11_title_month_vs_filename",
        "T6",
        [step("h11_常德市2024年报表.xlsx", "load_or_refuse")],
        per_county(cs, P, cols),
        must_not=[K(cs[i], wrong, c) for i in range(n) for c in cols],
        note="the title says 2023年11月 in brackets, the file name 2024年",
    )

    # ------------------------------------------------------------ h12 T7: a county's own one-row file
    rng = random.Random(9112)
    P = Y(2024)
    sh = Sheet("2024")
    sh.merge(0, 0, 0, 3, "武陵区司法局2024年人民调解工作统计表")
    sh.row(1, ["单位", "调解组织(个)", "调解纠纷(件)", "调解成功(件)"])
    org, mc = rng.randint(80, 160), rng.randint(900, 1600)
    ms = mc - rng.randint(5, 20)
    sh.row(2, ["武陵区", org, mc, ms])
    write_xlsx("h12_wuling_2024_own_row.xlsx", [sh])
    case(
        "h12_county_own_row",
        "T7",
        [step("h12_wuling_2024_own_row.xlsx", "load")],
        [
            F("武陵区", P, "mediation_orgs", org),
            F("武陵区", P, "mediation_cases", mc),
            F("武陵区", P, "mediation_success", ms),
        ],
        note="a county's own table: one row naming the county of the title",
    )

    # ------------------------------------------------------------ h13 T7: a province's file of two cities
    rng = random.Random(9113)
    P = YTD(2024, 6)
    yy, cd = counties("岳阳市")[:5], counties("衡阳市")[:5]
    cs = yy + cd
    n = len(cs)
    mc, ms = cases_and_success(rng, n, 150, 700)
    sh = Sheet("上半年")
    sh.merge(0, 0, 0, 2, "湖南省部分县市区2024年1-6月人民调解情况")
    sh.row(1, ["县市区", "调解纠纷(件)", "调解成功(件)"])
    for i in range(n):
        sh.row(2 + i, [cs[i], mc[i], ms[i]])
    write_xlsx("h13_hunan_2024h1_two_cities.xlsx", [sh])
    cols = {"mediation_cases": mc, "mediation_success": ms}
    case(
        "h13_province_two_cities",
        "T7",
        [step("h13_hunan_2024h1_two_cities.xlsx", "load")],
        per_county(cs, P, cols),
        note="counties of 岳阳市 and 衡阳市 under a province title: the context is the province",
    )

    # ------------------------------------------------------------ h14 T8: side-by-side blocks
    rng = random.Random(9114)
    city, P = "邵阳市", Y(2024)
    cs = counties(city)[:8]
    n = len(cs)
    mc, ms = cases_and_success(rng, n, 300, 1200)
    rel = [rng.randint(20, 120) for _ in cs]
    ho = [r - rng.randint(0, 3) for r in rel]
    sh = Sheet("2024")
    sh.merge(0, 0, 0, 6, "邵阳市2024年人民调解和安置帮教工作统计")
    sh.row(1, ["县市区", "调解纠纷(件)", "调解成功(件)"])
    sh.row(1, ["县市区", "刑满释放人员(人)", "衔接到位(人)"], 4)
    for i in range(n):
        sh.row(2 + i, [cs[i], mc[i], ms[i]])
        sh.row(2 + i, [cs[i], rel[i], ho[i]], 4)
    write_xlsx("h14_shaoyang_2024_side_by_side.xlsx", [sh])
    cols = {
        "mediation_cases": mc,
        "mediation_success": ms,
        "released_total": rel,
        "released_handed_over": ho,
    }
    case(
        "h14_side_by_side_blocks",
        "T8",
        [step("h14_shaoyang_2024_side_by_side.xlsx", "load_or_refuse", ["刑满释放人员"])],
        per_county(cs, P, cols),
        optional=[F(cs[i], P, "released_handover_rate", rate(ho[i], rel[i])) for i in range(n)],
        note="two blocks side by side with one empty column between: both load, or a refusal naming the second",
    )

    # ------------------------------------------------------------ h15 T8: stacked tables in a GBK CSV
    rng = random.Random(9115)
    city, P = "衡阳市", Y(2023)
    cs = counties(city)[:7]
    n = len(cs)
    oc = [rng.randint(8, 20) for _ in cs]
    st = [o * rng.randint(3, 5) for o in oc]
    la = [rng.randint(150, 600) for _ in cs]
    sh = Sheet()
    sh.row(0, ["一、衡阳市2023年司法所情况"])
    sh.row(1, ["县（市、区）", "司法所数(个)", "工作人员(人)"])
    for i in range(n):
        sh.row(2 + i, [cs[i], oc[i], st[i]])
    r = 2 + n + 1
    sh.row(r, ["二、衡阳市2023年法律援助情况"])
    sh.row(r + 1, ["县（市、区）", "法律援助案件(件)"])
    for i in range(n):
        sh.row(r + 2 + i, [cs[i], la[i]])
    write_csv("h15_衡阳市2023年两表.csv", sh, "gbk")
    cols = {"office_count": oc, "office_staff": st, "legal_aid_cases": la}
    case(
        "h15_stacked_gbk_csv",
        "T8",
        [step("h15_衡阳市2023年两表.csv", "load_or_refuse", ["法律援助"])],
        per_county(cs, P, cols),
        note="GBK CSV, two titled tables one below the other with one blank line",
    )

    # ------------------------------------------------------------ h16 T9: yearbook with units in names
    rng = random.Random(9116)
    city = "玉溪市"
    years = [2022, 2023, 2024]
    rows = {
        "mediation_orgs": [rng.randint(900, 1100) for _ in years],
        "mediation_cases": [rng.randint(9000, 12000) for _ in years],
    }
    rows["mediation_success"] = [c - rng.randint(60, 150) for c in rows["mediation_cases"]]
    sh = Sheet("主要指标")
    sh.merge(0, 0, 0, 4, "玉溪市人民调解主要指标")
    sh.row(1, ["指标名称", "2022年", "2023年", "2024年", "2024年比2023年增长(%)"])
    labels = {
        "mediation_orgs": "人民调解委员会(个)",
        "mediation_cases": "调解民间纠纷(件)",
        "mediation_success": "调解成功(件)",
    }
    for k, (code, vals) in enumerate(rows.items()):
        growth = round((vals[2] - vals[1]) / vals[1] * 100, 1)
        sh.row(2 + k, [labels[code], *vals, growth])
    write_xlsx("h16_yuxi_yearbook.xlsx", [sh])
    facts = [
        F(city, Y(y), code, vals[j]) for code, vals in rows.items() for j, y in enumerate(years)
    ]
    case(
        "h16_yearbook_units_in_names",
        "T9",
        [step("h16_yuxi_yearbook.xlsx", "load_or_refuse")],
        facts,
        optional=[
            F(
                city,
                Y(y),
                "mediation_success_rate",
                rate(rows["mediation_success"][j], rows["mediation_cases"][j]),
            )
            for j, y in enumerate(years)
        ],
        note="indicators down with their units in the name, years across, a growth column last",
    )

    # ------------------------------------------------------------ h17 T10: .xls blank and one-cell templates
    rng = random.Random(9117)
    city, P = "台州市", M(2024, 3)
    cs = counties(city)
    n = len(cs)
    mc, ms = cases_and_success(rng, n, 60, 300)
    jc = [rng.randint(1, 10) for _ in cs]

    def monthly(name, filled):
        sh = Sheet("3月")
        sh.merge(0, 0, 0, 3, "台州市2024年3月人民调解工作月报")
        sh.row(1, ["县（市、区）", "调解纠纷(件)", "调解成功(件)", "司法确认(件)"])
        for i in range(n):
            sh.row(2 + i, [cs[i], *filled(i)])
        sh.row(2 + n, ["合计"])
        sh.put(4 + n, 0, "填报人：　　　　　审核人：")
        write_xls(name, [sh])

    monthly("h17_1_taizhou_2024m03_filled.xls", lambda i: [mc[i], ms[i], jc[i]])
    monthly("h17_2_taizhou_2024m03_blank.xls", lambda i: [])
    new_jc = jc[2] + 1
    monthly("h17_3_taizhou_2024m03_one_cell.xls", lambda i: [None, None, new_jc] if i == 2 else [])
    cols = {"mediation_cases": mc, "mediation_success": ms, "judicial_confirmations": jc}
    facts = per_county(cs, P, cols)
    for f in facts:
        if f[0] == cs[2] and f[3] == "judicial_confirmations":
            f[4] = [jc[2], new_jc]
    case(
        "h17_blank_and_one_cell_xls",
        "T10",
        [
            step("h17_1_taizhou_2024m03_filled.xls", "load"),
            step("h17_2_taizhou_2024m03_blank.xls", "load_or_refuse"),
            step("h17_3_taizhou_2024m03_one_cell.xls", "load_or_refuse"),
        ],
        facts,
        note="blank template (empty 合计 row too), then one corrected cell: nothing else may change",
    )

    # ------------------------------------------------------------ h18 T10: a template of dashes
    rng = random.Random(9118)
    city, P = "榆林市", Q(2024, 2)
    cs = counties(city)
    n = len(cs)
    rel = [rng.randint(10, 60) for _ in cs]
    ho = [r - rng.randint(0, 2) for r in rel]

    def quarterly(name, filled):
        sh = Sheet()
        sh.row(0, ["榆林市2024年第二季度安置帮教工作统计表"])
        sh.row(1, ["县区", "刑满释放人员(人)", "衔接到位(人)"])
        for i in range(n):
            sh.row(2 + i, [cs[i], *filled(i)])
        write_csv(name, sh, "utf-8-sig")

    quarterly("h18_1_yulin_2024q2_filled.csv", lambda i: [rel[i], ho[i]])
    quarterly("h18_2_yulin_2024q2_dashes.csv", lambda i: ["—", "—"])
    cols = {"released_total": rel, "released_handed_over": ho}
    case(
        "h18_template_of_dashes",
        "T10",
        [
            step("h18_1_yulin_2024q2_filled.csv", "load"),
            step("h18_2_yulin_2024q2_dashes.csv", "load_or_refuse"),
        ],
        per_county(cs, P, cols),
        optional=[F(cs[i], P, "released_handover_rate", rate(ho[i], rel[i])) for i in range(n)],
        note="a re-sent template with — in every cell: not reported, never a withdrawal",
    )

    # ------------------------------------------------------------ h19 T11: approximations and markers
    city, P = "汉中市", Y(2024)
    cs = counties(city)[:9]
    cells = [
        ("3200余", 3200, True),
        ("约1.5万", 15000, True),
        ("近900", 900, True),
        ("2,345", 2345, False),
        ("１２３４", 1234, False),
        ("无", None, None),
        ("\\", None, None),
        ("未统计", None, None),
        ("1600多", 1600, True),
    ]
    med = [
        ("1,020", 1020, False),
        ("—", None, None),
        ("约2100", 2100, True),
        ("/", None, None),
        ("880", 880, False),
        ("1.2万余", 12000, True),
        ("640", 640, False),
        ("无", None, None),
        ("约700", 700, True),
    ]
    sh = Sheet("2024年")
    sh.merge(0, 0, 0, 2, "汉中市2024年人民调解工作统计表")
    sh.row(1, ["县区", "调解纠纷(件)", "人民调解员(人)"])
    for i in range(len(cs)):
        sh.row(2 + i, [cs[i], cells[i][0], med[i][0]])
    sh.put(3 + len(cs), 0, "注：“无”“\\”“—”“/”“未统计”为未报送。")
    write_xlsx("h19_hanzhong_2024_approx_markers.xlsx", [sh])
    facts, must_not = [], []
    for i, c in enumerate(cs):
        for code, (_raw, v, approx) in (("mediation_cases", cells[i]), ("mediators", med[i])):
            if v is None:
                must_not.append(K(c, P, code))
            else:
                facts.append(F(c, P, code, v, approx))
    case(
        "h19_approx_and_markers",
        "T11",
        [step("h19_hanzhong_2024_approx_markers.xlsx", "load")],
        facts,
        must_not=must_not,
        note="余/约/近/多 approximate; full-width digits exact; 无, \\, —, /, 未统计 not reported",
    )

    (HERE / "expected.json").write_text(
        json.dumps({"cases": CASES}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{len(CASES)} cases, {len(list(OUT.iterdir()))} files")


if __name__ == "__main__":
    build()
