"""Tests for lawstats.domain.regions: the region table, totals labels and the name resolver."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawstats.domain.regions import (
    STATUSES,
    TOTAL_LABELS,
    Region,
    RegionTable,
    is_total_label,
    load_regions,
    resolve_region,
    short_name,
)


@pytest.fixture(scope="module")
def table() -> RegionTable:
    return load_regions()


OFFICIAL = [r for r in load_regions() if r.is_official]


# -- the table ----------------------------------------------------------------------------


def test_table_size_and_levels(table):
    assert load_regions() is table  # cached
    assert len(table) == 3210 + 3  # official divisions + 兵团, 台商投资区 and 全国
    assert [r.code for r in table if r.level == "country"] == ["100000"]
    provinces = [r for r in table if r.level == "province"]
    assert all(p.parent_code == "100000" for p in provinces)  # the country is the root
    assert len(provinces) == 31 + 1
    assert len([r for r in table if r.level == "city"]) == 333
    assert len([r for r in table if r.level == "county"]) == 2846 + 1
    assert "620502" in table and "999999" not in table
    with pytest.raises(KeyError):
        table.get("999999")


def test_extra_units_and_reporting_flags(table):
    taishang = table.get("350599")
    assert taishang == Region("350599", "泉州台商投资区", "county", "350500", False, True)
    corps = table.get("660000")
    assert (corps.level, corps.parent_code, corps.is_official) == ("province", "100000", False)
    kinmen = table.get("350527")
    assert kinmen.is_official and not kinmen.reports
    assert table.get("620502").reports and table.get("620502").is_official


@pytest.mark.parametrize(
    ("code", "all_children", "reporting"),
    [("620500", 7, 7), ("350500", 13, 12), ("110000", 16, 16), ("620000", 14, 14)],
)
def test_children(table, code, all_children, reporting):
    kids = table.children(code)
    assert len(kids) == all_children
    assert [k.code for k in kids] == sorted(k.code for k in kids)
    assert len(table.children(code, reporting_only=True)) == reporting


def test_children_of_quanzhou(table):
    names = [r.name for r in table.children("350500")]
    assert "泉州台商投资区" in names and "金门县" in names
    assert "金门县" not in [r.name for r in table.children("350500", reporting_only=True)]
    assert table.children("620502") == []


def test_descendants_path_ancestors(table):
    assert len(table.descendants("620500")) == 7
    gansu = table.descendants("620000")
    assert len(gansu) == 14 + 86
    assert {r.level for r in gansu} == {"city", "county"}
    assert [r.name for r in table.path("620502")] == ["全国", "甘肃省", "天水市", "秦州区"]
    assert [r.name for r in table.ancestors("620502")] == ["天水市", "甘肃省", "全国"]
    assert [r.name for r in table.path("110105")] == ["全国", "北京市", "朝阳区"]
    assert [r.code for r in table.ancestors("620000")] == ["100000"]
    assert table.ancestors("100000") == []
    assert table.full_name("620502") == "甘肃省天水市秦州区"
    assert table.full_name("110105") == "北京市朝阳区"
    assert table.full_name("350599") == "福建省泉州市泉州台商投资区"


@pytest.mark.parametrize(
    ("code", "ancestor", "expected"),
    [
        ("620502", "620502", True),
        ("620502", "620500", True),
        ("620502", "620000", True),
        ("620502", "350500", False),
        ("620500", "620502", False),
        ("350599", "350000", True),
        ("999999", "620000", False),
    ],
)
def test_is_within(table, code, ancestor, expected):
    assert table.is_within(code, ancestor) is expected


def test_to_frame(table):
    df = table.to_frame()
    assert list(df.columns) == ["code", "name", "level", "parent_code", "is_official", "reports"]
    assert len(df) == len(table)
    row = df.set_index("code").loc["350527"]
    assert row["name"] == "金门县" and bool(row["is_official"]) and not bool(row["reports"])


@pytest.mark.parametrize(
    ("name", "level", "official", "expected"),
    [
        ("秦州区", "county", True, "秦州"),
        ("张家川回族自治县", "county", True, "张家川"),
        ("内蒙古自治区", "province", True, "内蒙古"),
        ("广西壮族自治区", "province", True, "广西"),
        ("新疆维吾尔自治区", "province", True, "新疆"),
        ("天水市", "city", True, "天水"),
        ("北京市", "province", True, "北京"),
        ("广东省", "province", True, "广东"),
        ("延边朝鲜族自治州", "city", True, "延边"),
        ("大兴安岭地区", "city", True, "大兴安岭"),
        ("阿拉善盟", "city", True, "阿拉善"),
        ("东乡族自治县", "county", True, "东乡"),
        ("鄂伦春自治旗", "county", True, "鄂伦春"),
        ("积石山保安族东乡族撒拉族自治县", "county", True, "积石山"),
        ("巴里坤哈萨克自治县", "county", True, "巴里坤"),
        ("湘西土家族苗族自治州", "city", True, "湘西"),
        ("神农架林区", "county", True, "神农架"),
        ("六枝特区", "county", True, "六枝"),
        ("赵县", "county", True, "赵县"),
        ("城区", "county", True, "城区"),
        ("泉州台商投资区", "county", False, "泉州台商投资区"),
        ("新疆生产建设兵团", "province", False, "新疆生产建设兵团"),
    ],
)
def test_short_name(name, level, official, expected):
    assert short_name(name, level, official) == expected


def test_region_short_name_property(table):
    assert table.get("620525").short_name == "张家川"
    assert table.get("350599").short_name == "泉州台商投资区"


# -- resolving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "context", "code"),
    [
        ("秦州区", None, "620502"),
        ("秦州", None, "620502"),
        ("天水市秦州区", None, "620502"),
        ("天水秦州", None, "620502"),
        ("甘肃省天水市秦州区", None, "620502"),
        ("甘肃天水秦州区", None, "620502"),
        ("秦 州 区", None, "620502"),
        ("秦州区\u3000", None, "620502"),
        ("\u00a0秦州区 ", None, "620502"),
        ("秦州區", None, "620502"),
        ("秦州区司法局", None, "620502"),
        ("秦州", "620500", "620502"),
        ("秦州", "天水市", "620502"),
        ("臨洮縣", None, "621124"),
        ("臨洮(lín táo)縣", None, "621124"),
        ("臨洮（lín táo）縣", None, "621124"),
        ("臨(lín)洮(táo)", None, "621124"),
        ("张家川", None, "620525"),
        ("张家川县", None, "620525"),
        ("张家川回族自治县", None, "620525"),
        ("張家川回族自治縣", None, "620525"),
        ("天水市", None, "620500"),
        ("天水", None, "620500"),
        ("广东", None, "440000"),
        ("广东省", None, "440000"),
        ("内蒙古", None, "150000"),
        ("內蒙古自治區", None, "150000"),
        ("广西", None, "450000"),
        ("新疆", None, "650000"),
        ("兵团", None, "660000"),
        ("新疆生产建设兵团", None, "660000"),
        ("泉州台商投资区", None, "350599"),
        ("台商区", "泉州市", "350599"),
        ("台商投资区", "泉州市", "350599"),
        ("台商投资区", "350500", "350599"),
        ("北京", None, "110000"),
        ("北京市", None, "110000"),
        ("朝阳区", "北京市", "110105"),
        ("朝阳区", "110000", "110105"),
        ("朝阳区", "北京", "110105"),
        ("朝阳区", "长春市", "220104"),
        ("朝阳区", "220100", "220104"),
        ("朝阳区", "吉林省", "220104"),
        ("北京市朝阳区", None, "110105"),
        ("北京朝阳", None, "110105"),
        ("长春市朝阳区", None, "220104"),
        ("吉林省长春市朝阳区", None, "220104"),
        ("吉林省吉林市", None, "220200"),
        ("吉林市", None, "220200"),
        ("吉林省", None, "220000"),
        ("吉林", "吉林省", "220200"),  # inside a province file, a bare name is a subdivision
        ("吉林", "220000", "220200"),
        ("吉林", "吉林市", "220200"),
        ("甘肃", "620500", "620000"),  # outside the context, but the only candidate
        ("城关", "兰州市", "620102"),
        ("全州", "桂林市", "450324"),  # a county, not a totals label, inside 桂林市
        ("全州县", None, "450324"),
        ("乾县", None, "610424"),
        ("乾縣", None, "610424"),
        ("延边州", None, "222400"),
    ],
)
def test_resolve_ok(table, text, context, code):
    res = table.resolve(text, context)
    assert (res.status, res.code) == ("ok", code), res.message_en
    assert res.ok and res.candidates == (code,)
    assert table.full_name(code) in res.message_zh
    assert resolve_region(text, context) == res


@pytest.mark.parametrize(
    ("text", "context", "candidates"),
    [
        ("朝阳区", None, ("110105", "220104")),
        ("朝阳区", "广东省", ("110105", "220104")),  # context holds none: all stay
        ("吉林", None, ("220000", "220200")),
        ("城关", None, ("540102", "620102")),
        ("城区", "山西省", ("140302", "140502")),
        ("河南", None, ("410000", "632324")),
        ("承德", "河北省", ("130800", "130821")),
        ("临夏", "临夏回族自治州", ("622901", "622921")),
    ],
)
def test_resolve_ambiguous(table, text, context, candidates):
    res = table.resolve(text, context)
    assert res.status == "ambiguous" and res.code is None and not res.ok
    assert res.candidates == candidates
    assert "多个同名地区" in res.message_zh and "请指明所属市或省" in res.message_zh
    assert "several regions" in res.message_en


def test_ambiguous_message_names_parents(table):
    res = table.resolve("朝阳区")
    assert res.message_zh == "“朝阳区”有多个同名地区：北京市朝阳区、长春市朝阳区，请指明所属市或省"


def test_ambiguous_message_is_capped(table):
    res = table.resolve("鼓楼区")
    assert len(res.candidates) == 4
    many = table.resolve("市中区")
    assert many.status == "ambiguous"


@pytest.mark.parametrize("text", ["XX县", "", "   ", "火星市", "12345", "秦州区区区", None])
def test_resolve_unknown(table, text):
    res = table.resolve(text)
    assert res.status == "unknown" and res.code is None and res.candidates == ()
    assert res.message_zh and res.message_en


def test_unknown_message(table):
    assert table.resolve("XX县").message_zh == "未知地区“XX县”"


@pytest.mark.parametrize(
    ("text", "context", "code"),
    [
        ("全市", "620500", "620500"),
        ("全市", "天水市", "620500"),
        ("合计", "620500", "620500"),
        ("合 计：", "620500", "620500"),
        ("總計", "620500", "620500"),
        ("全市合计", "620500", "620500"),
        ("全市", None, None),
        ("合计", None, None),
        ("小计", None, None),
        ("全州", None, None),
        ("全州", "甘南藏族自治州", "623000"),
        ("天水市合计", None, "620500"),
        ("甘肃省总计", None, "620000"),
        ("全市", "XX市", None),  # an unknown context is ignored
    ],
)
def test_resolve_total(table, text, context, code):
    res = table.resolve(text, context)
    assert res.status == "total"
    assert res.code == code
    assert not res.ok and res.is_total


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("合计", True),
        ("总计", True),
        ("小计", True),
        ("全市", True),
        ("全省", True),
        ("全区", True),
        ("全县", True),
        ("全州", True),
        ("全盟", True),
        ("汇总", True),
        ("全市合计", True),
        ("合  计", True),
        ("合计：", True),
        ("總計", True),
        ("秦州区", False),
        ("市本级", False),  # the city's own unit, not a total
        ("", False),
    ],
)
def test_is_total_label(text, expected):
    assert is_total_label(text) is expected


def test_total_labels_are_normalised():
    assert "全市合计" in TOTAL_LABELS
    assert all(" " not in label for label in TOTAL_LABELS)


# -- properties and exhaustive checks -----------------------------------------------------


def test_every_region_resolves_by_name_in_its_parent_and_by_full_name(table):
    for r in table:
        context = r.parent_code or r.code
        assert table.resolve(r.name, context).code == r.code, r.name
        if r.level != "country":  # 全国 on its own is a totals label (of the file's context)
            assert table.resolve(table.full_name(r.code)).code == r.code, r.name
        short = table.resolve(r.short_name, context)
        assert r.code in short.candidates or (r.code, short.code) == ("220000", "220200"), r.name


@given(st.sampled_from(OFFICIAL))
def test_official_region_resolves_within_its_city_or_province(region):
    table = load_regions()
    context = region.parent_code or region.code
    assert table.resolve(region.name, context).code == region.code
    province = table.path(region.code)[1].code
    res = table.resolve(region.name, province)
    assert res.code == region.code or (res.status == "ambiguous" and region.code in res.candidates)


@given(st.text(), st.one_of(st.none(), st.text(), st.sampled_from(["620500", "110000"])))
def test_resolve_never_raises(text, context):
    res = resolve_region(text, context)
    assert res.status in STATUSES
    assert (res.code is not None) == (res.status == "ok") or res.status == "total"
    assert isinstance(res.message_zh, str) and isinstance(res.message_en, str)


def test_resolve_is_fast(table):
    names = [r.name for r in table] + ["秦州", "朝阳区", "合计", "XX县", "甘肃天水秦州区"]
    table.resolve("预热")
    start = time.perf_counter()
    for _ in range(3):
        for name in names:
            table.resolve(name, "620500")
    per_call = (time.perf_counter() - start) / (3 * len(names))
    assert per_call < 200e-6
