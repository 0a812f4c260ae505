"""The published-report evaluation sets (#18): the answer key parses, names valid catalog codes,
regions, periods and breakdown members, each value is in its quote, and the split is the recorded
rule. None of these tests runs the extractor (that is scripts/eval_narrative.py). The texts are
not in the repository (PROVENANCE.md): that each quote stands in its text and every figure of a
text is annotated is checked by `scripts/eval_narrative.py --check` where the texts are present;
the checker itself is tested here on a text of its own."""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import re
from decimal import Decimal

import pytest

from lawstats.domain.periods import parse_period
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "narrative" / "real"
CATALOG_V2 = REAL / "catalog" / "indicators_v2.csv"
DIMENSIONS = REAL / "catalog" / "dimensions.csv"
WHY = {
    "no catalog indicator",
    "subset or other scope",
    "multi-year total",
    "plan or target",
    "change or share",
    "breakdown without a dimension",
    "case detail",
    "restatement of another figure",
    "page metadata",
    "not a statistic",
}
FIGURE_KEYS = {"quote", "value", "is_approximate", "indicator_code"}
FACT_KEYS = {"region_code", "period"}
OPTIONAL_KEYS = {"dimension", "member", "why", "note", "ambiguous"}


def _rows(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


STEMS = sorted(p.stem for p in REAL.glob("*.json") if p.stem != "split")
CODES_V2 = {r["code"] for r in _rows(CATALOG_V2)}
CODES_V1 = {r["code"] for r in _rows(ROOT / "data" / "indicators.csv")}
MEMBERS = {
    (r["dimension"], r["member"]): set(r["applies_to"].split("|")) for r in _rows(DIMENSIONS)
}
REGIONS = {r["code"] for r in _rows(ROOT / "data" / "regions_2024.csv")}


def _spec(stem: str) -> dict:
    return json.loads((REAL / f"{stem}.json").read_text(encoding="utf-8"))


# Numbers as a quote writes them: digits grouped by commas or spaces, decimals, 万/亿, and the
# few number words the texts use. Independent of etl.narrative.numbers (the code under test).
_NUMBER = re.compile(r"(\d{1,3}(?:[, ]\d{3})+|\d+)(\.\d+)?\s*(?:余|多)?(万|亿)?")
_WORDS = {"为零": 0, "百万": 1_000_000, "一万": 10_000}


def _numbers_in(quote: str) -> set[Decimal]:
    found = {Decimal(v) for w, v in _WORDS.items() if w in quote}
    for m in _NUMBER.finditer(quote):
        n = Decimal(m.group(1).replace(",", "").replace(" ", "") + (m.group(2) or ""))
        scale = {"万": 10_000, "亿": 100_000_000}.get(m.group(3) or "", 1)
        found |= {n, n * scale}
    return found


def test_every_text_has_an_annotation_and_a_provenance_entry():
    assert len(STEMS) >= 12
    assert not list(REAL.glob("*.txt"))  # the texts stay outside the repository (PROVENANCE.md)
    provenance = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    for stem in STEMS:
        assert f"| {stem} |" in provenance, stem


def test_the_catalog_copy_is_the_second_edition():
    assert len(CODES_V2) == 98
    assert CODES_V1 <= CODES_V2, CODES_V1 - CODES_V2


@pytest.mark.parametrize("stem", STEMS)
def test_annotation_parses_and_names_valid_codes(stem):
    spec = _spec(stem)
    assert set(spec) <= {"note", "settings", "figures"}
    assert set(spec["settings"]) <= {"region", "period", "report_date"}
    if "region" in spec["settings"]:
        assert spec["settings"]["region"] in REGIONS
    assert spec["figures"], stem
    for f in spec["figures"]:
        keys = set(f)
        assert FIGURE_KEYS <= keys, f
        code = f["indicator_code"]
        assert isinstance(f["is_approximate"], bool), f
        assert Decimal(str(f["value"])) in _numbers_in(f["quote"]), f
        if code is None:
            assert f.get("why") in WHY, f
            assert keys <= FIGURE_KEYS | OPTIONAL_KEYS, f
            continue
        assert code in CODES_V2, f
        assert keys <= FIGURE_KEYS | FACT_KEYS | OPTIONAL_KEYS and "why" not in keys, f
        assert f["region_code"] in REGIONS, f
        assert parse_period(f["period"]).label == f["period"], f
        if "dimension" in f or "member" in f:
            assert code in MEMBERS[(f["dimension"], f["member"])], f


def test_split_is_the_recorded_rule():
    split = json.loads((REAL / "split.json").read_text(encoding="utf-8"))
    order = list(STEMS)
    random.Random(18).shuffle(order)
    half = (len(order) + 1) // 2
    assert split["real-dev"] == sorted(order[:half])
    assert split["real-heldout"] == sorted(order[half:])


def _evaluator():
    spec = importlib.util.spec_from_file_location(
        "eval_narrative", ROOT / "scripts" / "eval_narrative.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_evaluator_reads_the_real_sets_and_their_facts():
    ev = _evaluator()
    split = json.loads((REAL / "split.json").read_text(encoding="utf-8"))
    assert [p.stem for p in ev.set_files("real-heldout")] == split["real-heldout"]
    facts = ev.expected_facts(_spec("r02_pingshan_2022_legal_aid"))
    assert ("440310", "2022年", "legal_aid_cases", 1428.0, False, None, None) in facts
    assert ("440310", "2022年", "legal_aid_cases", 381.0, False, "legal_aid_type", "civil") in facts
    assert len(facts) == 6  # the 12 figures that are not indicators give no fact
    old = ev.expected_facts(
        json.loads((ROOT / "tests/data/narrative/heldout3/h9_lvliang_2024_review.json").read_text())
    )
    assert ("141100", "2024年", "prelitigation_cases", 4600.0, True, None, None) in old


def test_failure_classes_name_the_field_that_differs():
    ev = _evaluator()
    fact = ("420200", "2020年1-11月", "mediation_cases", 6368.0, False, None, None)
    spec = {"figures": [{"value": 785, "indicator_code": None, "why": "no catalog indicator"}]}
    assert ev.classify_wrong(fact[:1] + ("2020年12月",) + fact[2:], {fact}, spec) == "period"
    assert ev.classify_wrong(("420000",) + fact[1:], {fact}, spec) == "region"
    assert (
        ev.classify_wrong(fact[:2] + ("mediation_success",) + fact[3:], {fact}, spec) == "indicator"
    )
    assert ev.classify_wrong(fact[:4] + (True,) + fact[5:], {fact}, spec) == "approximate flag"
    assert ev.classify_wrong(fact[:3] + (785.0,) + fact[4:], {fact}, spec).startswith(
        "not an indicator"
    )
    first = {"mediation_cases"}
    assert ev.classify_missed(fact, [], first) == "figure not read"
    assert (
        ev.classify_missed(fact, [], first, {6368.0: ["no_indicator"]})
        == "figure read, refused: no_indicator"
    )
    assert ev.classify_missed(fact[:3] + (6367.0,) + fact[4:], [fact], first).startswith("value")
    assert ev.classify_missed(fact[:2] + ("pls_rooms",) + fact[3:], [], first).startswith(
        "indicator the catalog lacks"
    )


def test_the_annotation_check_finds_a_missing_quote_and_an_unannotated_figure(tmp_path):
    ev = _evaluator()
    spec = {
        "settings": {},
        "figures": [
            {"quote": "调解纠纷120件", "value": 120, "is_approximate": False,
             "indicator_code": "mediation_cases", "region_code": "620502", "period": "2024年"},
        ],
    }  # fmt: skip
    text = "2024年，全区调解纠纷120件，调解成功118件。"
    assert ev.annotation_problems(spec, text) == ["unannotated: 20件，调解成功118件。"]
    spec["figures"].append(dict(spec["figures"][0], quote="调解成功118件", value=118))
    assert ev.annotation_problems(spec, text) == []
    assert ev.annotation_problems(spec, text.replace("118", "119")) == [
        "quote not in the text: 调解成功118件",
        "unannotated: 20件，调解成功119件。",
    ]
