"""Breakdowns as a dimension (#19 item 2): members from data/dimensions.csv, figure codes."""

from __future__ import annotations

import shutil

import pytest

from lawstats.domain.catalog import (
    DIMENSIONS_PATH,
    CatalogError,
    figure_code,
    load_catalog,
    read_catalog,
    split_figure,
)


def test_members_come_from_the_data_file():
    cat = load_catalog()
    dims = cat.breakdowns_of("mediation_cases")
    assert [m.code for m in dims["dispute_type"]][:2] == ["marriage_family", "neighbourhood"]
    assert set(cat.breakdowns_of("legal_aid_cases")) == {"legal_aid_type"}
    code = figure_code("mediation_cases", "dispute_type", "marriage_family")
    assert code == "mediation_cases.dispute_type.marriage_family"
    assert split_figure(code) == ("mediation_cases", "dispute_type", "marriage_family")
    assert split_figure("mediation_cases") == ("mediation_cases", "", "")
    fig = cat.get(code)
    assert (fig.kind, fig.unit, fig.group) == ("flow", "件", "mediation")
    assert fig.name_zh == "调解矛盾纠纷件数：婚姻家庭纠纷"
    assert cat.member(code).name_zh == "婚姻家庭纠纷" and cat.member("mediation_cases") is None
    assert cat.dimension_name("dispute_type") == "纠纷类型"
    # a member's figure is found by code but is no indicator of the lists and pages
    assert code in cat and code not in cat.codes
    assert all(i.code not in cat.codes for i in cat.member_figures)


def test_a_member_and_a_breakdown_are_data_rows(tmp_path):
    path = tmp_path / "dimensions.csv"
    shutil.copy(DIMENSIONS_PATH, path)
    with path.open("a", encoding="utf-8") as f:
        f.write("dispute_type,online,网络纠纷,Online,网络,mediation_cases\n")
        f.write("aid_person,minor,未成年人,Minors,未成年,legal_aid_cases\n")
    cat = read_catalog(dimensions_path=path)
    assert cat.get("mediation_cases.dispute_type.online").name_en == "Disputes mediated: Online"
    assert [m.code for m in cat.breakdowns_of("legal_aid_cases")["aid_person"]] == ["minor"]
    assert "mediation_success.dispute_type.online" not in cat  # it applies to cases only


def test_a_member_of_an_unknown_or_ratio_indicator_is_refused(tmp_path):
    path = tmp_path / "dimensions.csv"
    shutil.copy(DIMENSIONS_PATH, path)
    with path.open("a", encoding="utf-8") as f:
        f.write("dispute_type,online,网络纠纷,Online,网络,mediation_success_rate\n")
    with pytest.raises(CatalogError, match="mediation_success_rate"):
        read_catalog(dimensions_path=path)
