"""Writes the breakdown fixtures (#19) from published figures (sources in README.md here):
`python tests/data/breakdowns/make_fixtures.py` rewrites the .xlsx files beside it."""

from __future__ import annotations

from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent

# 黄石市司法局, 2016年8月 矛盾纠纷排查化解工作要情: cases received by dispute type, as printed
HUANGSHI = [
    ("婚姻家庭纠纷", 160, 18.4),
    ("邻里纠纷", 278, 32),
    ("房屋宅基地纠纷", 67, 7.7),
    ("合同纠纷", 44, 5.1),
    ("生产经营纠纷", 31, 3.6),
    ("损害赔偿纠纷", 76, 8.7),
    ("山林土地纠纷", 18, 2.1),
    ("征地拆迁纠纷", 28, 3.2),
    ("环境污染纠纷", 4, 0.5),
    ("劳动争议纠纷", 13, 1.5),
    ("消费纠纷", 7, 0.8),
    ("医疗纠纷", 55, 6.3),
    ("道路交通事故纠纷", 33, 3.8),
    ("物业纠纷", 1, 0.1),
    ("其它纠纷", 54, 6.2),
]
HUANGSHI_TOTAL = 869
# 深圳市坪山区 2022 年度法治政府建设报告: 组织办理法律援助案件 1428 宗
PINGSHAN = [("民事", 381), ("刑事", 242), ("行政", 1), ("法律帮助", 804)]
PINGSHAN_TOTAL = 1428


def huangshi(rows=HUANGSHI, total=HUANGSHI_TOTAL) -> openpyxl.Workbook:
    """Members down the rows: 纠纷类型 | 受理纠纷（件） | 占比（%）, the city's month in the title."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "纠纷类型"
    ws.append(["黄石市2016年8月矛盾纠纷排查化解情况（按纠纷类型）"])
    ws.append(["纠纷类型", "受理纠纷（件）", "占比（%）"])
    for name, cases, pct in rows:
        ws.append([name, cases, pct])
    ws.append(["合计", total, 100])
    return wb


def pingshan(rows=PINGSHAN, total=PINGSHAN_TOTAL) -> openpyxl.Workbook:
    """Members across the columns as a "其中：" list after the total, unit 宗 in a unit row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "法律援助"
    ws.append(["深圳市坪山区2022年法律援助案件情况"])
    ws.append(["单位：宗"])
    ws.append(
        ["地区", "法律援助案件", *(f"其中：{n}" if i == 0 else n for i, (n, _v) in enumerate(rows))]
    )
    ws.append(["坪山区", total, *(v for _n, v in rows)])
    return wb


def pingshan_merged(rows=PINGSHAN, total=PINGSHAN_TOTAL) -> openpyxl.Workbook:
    """Members across the columns under a merged header: 法律援助案件（宗） › 合计 | 民事 | 刑事 ..."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "法律援助"
    ws.append(["深圳市坪山区2022年法律援助案件情况"])
    ws.append(["地区", "法律援助案件（宗）", *([None] * len(rows))])
    ws.append([None, "合计", *(n for n, _v in rows)])
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=2 + len(rows))
    ws.append(["坪山区", total, *(v for _n, v in rows)])
    return wb


if __name__ == "__main__":
    huangshi().save(HERE / "huangshi_2016-08_dispute_types.xlsx")
    pingshan_merged().save(HERE / "pingshan_2022_legal_aid.xlsx")
