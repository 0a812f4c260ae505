"""Precision and recall of the report-text extractor on the annotated sets in tests/data/narrative.

    python scripts/eval_narrative.py [--set dev|heldout|heldout2|heldout3|all|real-dev|real-heldout|real]
                                     [--verbose] [--classes]

A candidate is right when region, period, indicator, value and the approximate flag all equal an
expected fact of its file (and, for a figure that is a breakdown member, its dimension and member:
read from the candidate's `dimension` and `member` attributes when it has them, else none).
Precision = right candidates / candidates; recall = expected facts found / expected facts.

Sets: `dev` and `heldout*` are texts written for the project (`expected` lists the facts);
`real-dev` and `real-heldout` are published report texts in tests/data/narrative/real, split by
its split.json, whose `figures` annotate every figure (catalog facts and "not an indicator").
`all` is the written sets, `real` both real sets. Each held-out set was annotated before the
extractor first ran on it and is not tuned on (the PROVENANCE.md files say how and when).
`--classes` sorts each wrong and missed fact into a failure class (period, region, indicator,
indicator the catalog lacks, approximate flag, value) and counts them.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "narrative"
REAL = DATA / "real"
SETS = ("dev", "heldout", "heldout2", "heldout3")
REAL_SETS = ("real-dev", "real-heldout")
# The published texts themselves are not in the repository (their source, a stored copy of the
# pages, asks for no verbatim copies): PROVENANCE.md names each text's address; put the texts,
# named <stem>.txt, in this git-ignored folder or point LAWSTATS_REAL_TEXTS / --texts at them.
REAL_TEXTS = REAL / "texts"


def _key(
    region: str | None,
    period: str | None,
    code: str,
    value: float,
    approx: bool,
    dimension: str | None = None,
    member: str | None = None,
) -> tuple:
    return (region, period, code, round(float(value), 4), bool(approx), dimension, member)


def real_texts() -> Path:
    """Where the published texts are: --texts, else LAWSTATS_REAL_TEXTS, else REAL_TEXTS."""
    import os

    return Path(os.environ.get("LAWSTATS_REAL_TEXTS") or REAL_TEXTS)


def _text_path(spec_path: Path, spec: dict) -> Path:
    if spec.get("text"):
        return (spec_path.parent / spec["text"]).resolve()
    folders = [spec_path.parent]
    if spec_path.parent == REAL:
        folders = [real_texts()]
    for folder in folders:
        for ext in (".txt", ".html", ".docx"):
            p = (folder / spec_path.name).with_suffix(ext)
            if p.exists():
                return p
    if spec_path.parent == REAL:
        raise FileNotFoundError(
            f"the published text {spec_path.stem}.txt is not in {real_texts()}: the texts are "
            "not in the repository; get each one from the address in "
            "tests/data/narrative/real/PROVENANCE.md (or use --texts DIR)"
        )
    raise FileNotFoundError(f"no text for {spec_path}")


def expected_facts(spec: dict) -> dict[tuple, dict]:
    """The facts a file expects, each with its annotation (`expected` or `figures` format)."""
    if "figures" not in spec:
        return {
            _key(
                e["region_code"], e["period"], e["indicator_code"], e["value"], e["is_approximate"]
            ): e
            for e in spec["expected"]
        }
    out: dict[tuple, dict] = {}
    for f in spec["figures"]:
        if f["indicator_code"] is None:
            continue
        key = _key(
            f["region_code"],
            f["period"],
            f["indicator_code"],
            f["value"],
            f["is_approximate"],
            f.get("dimension"),
            f.get("member"),
        )
        out.setdefault(key, f)
    return out


def evaluate_file(spec_path: Path) -> dict:
    from etl.narrative import extract_text, read_document

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    path = _text_path(spec_path, spec)
    settings = spec.get("settings", {})
    result = extract_text(
        read_document(path.read_bytes(), path.name),
        region=settings.get("region"),
        period=settings.get("period"),
        report_date=settings.get("report_date"),
    )
    annotated = expected_facts(spec)
    expected = set(annotated)
    got = [
        (
            _key(
                c.region_code,
                c.period.label if c.period else None,
                c.indicator_code,
                c.value,
                c.is_approximate,
                getattr(c, "dimension", None),
                getattr(c, "member", None),
            ),
            c,
        )
        for c in result.candidates
    ]
    refused: dict[float, list[str]] = {}
    for u in result.unrecognised:
        refused.setdefault(round(float(u.value), 4), []).append(u.reason)
    right = [k for k, _c in got if k in expected]
    wrong = [(k, c) for k, c in got if k not in expected]
    missed = expected - {k for k, _c in got}
    return {
        "file": spec_path.stem,
        "spec": spec,
        "annotated": annotated,
        "expected": len(expected),
        "breakdowns": sum(1 for k in expected if k[6] is not None),
        "breakdowns_missed": sum(1 for k in missed if k[6] is not None),
        "candidates": len(got),
        "right": len(set(right)),
        "wrong": wrong,
        "missed": sorted(missed, key=str),
        "refused": refused,
    }


def set_files(name: str) -> list[Path]:
    if name in REAL_SETS:
        split = json.loads((REAL / "split.json").read_text(encoding="utf-8"))
        return [REAL / f"{stem}.json" for stem in split[name]]
    return sorted((DATA / name).glob("*.json"))


def evaluate_set(name: str) -> list[dict]:
    return [evaluate_file(p) for p in set_files(name)]


# --- failure classes -----------------------------------------------------------------------------


def _first_edition_codes() -> set[str]:
    with (ROOT / "data" / "indicators.csv").open(encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh)}


def _not_indicator_values(spec: dict) -> dict[float, str]:
    return {
        round(float(f["value"]), 4): f["why"]
        for f in spec.get("figures", [])
        if f["indicator_code"] is None
    }


def classify_wrong(key: tuple, expected: set[tuple], spec: dict) -> str:
    """Why a candidate is wrong: the field that differs from an expected fact of the same value."""
    region, period, code, value, approx, _dim, member = key
    for e in expected:
        if e[3] != value:
            continue
        if e[2] == code and e[0] == region and e[1] == period and e[4] != approx:
            return "approximate flag"
        if e[2] == code and e[0] == region and e[1] != period:
            return "period"
        if e[2] == code and e[1] == period and e[0] != region:
            return "region"
        if e[2] == code and e[6] != member:
            return "breakdown member"
        if e[0] == region and e[1] == period and e[2] != code:
            return "indicator"
    why = _not_indicator_values(spec).get(value)
    if why:
        return f"not an indicator ({why})"
    return "value or unannotated figure"


def classify_missed(
    key: tuple,
    got: list[tuple],
    first_edition: set[str],
    refused: dict[float, list[str]] | None = None,
) -> str:
    """Why an expected fact was not found: a field of a candidate of the same value that differs,
    an indicator the catalog lacks, or the reason the extractor gave for refusing the figure."""
    region, period, code, value, approx, _dim, member = key
    same_value = [g for g in got if g[3] == value]
    for g in same_value:
        if g[2] == code and g[0] == region and g[1] == period:
            return "approximate flag" if g[4] != approx else "breakdown member"
        if g[2] == code and g[0] == region:
            return "period"
        if g[2] == code:
            return "region"
    if code not in first_edition:
        return "indicator the catalog lacks (second edition)"
    if member is not None:
        return "breakdown member"
    if any(g[2] == code and g[0] == region and g[1] == period for g in got):
        return "value (another figure taken for it)"
    if same_value:
        return "indicator"
    reasons = (refused or {}).get(value)
    if reasons:
        return "figure read, refused: " + "/".join(sorted(set(reasons)))
    return "figure not read"


def failure_classes(rows: list[dict]) -> Counter:
    first_edition = _first_edition_codes()
    counts: Counter = Counter()
    for r in rows:
        expected = set(r["annotated"])
        got = [k for k, _c in r["wrong"]] + [k for k in expected if k not in set(r["missed"])]
        for k, _c in r["wrong"]:
            counts["wrong: " + classify_wrong(k, expected, r["spec"])] += 1
        for k in r["missed"]:
            counts["missed: " + classify_missed(k, got, first_edition, r["refused"])] += 1
    return counts


# --- report --------------------------------------------------------------------------------------


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.1%}" if b else "n/a"


def _shown(key: tuple) -> tuple:
    """A fact as printed: without the breakdown fields when it is not a breakdown member."""
    return key[:5] if key[5] is None and key[6] is None else key


def _print_set(name: str, rows: list[dict], verbose: bool, classes: bool) -> None:
    cand = sum(r["candidates"] for r in rows)
    right = sum(r["right"] for r in rows)
    found = sum(r["expected"] - len(r["missed"]) for r in rows)
    expected = sum(r["expected"] for r in rows)
    print(f"[{name}] {len(rows)} reports")
    for r in rows:
        print(
            f"  {r['file']:<34} expected {r['expected']:>3}  candidates {r['candidates']:>3}"
            f"  right {r['right']:>3}  wrong {len(r['wrong']):>2}  missed {len(r['missed']):>2}"
        )
        if verbose:
            for k, c in r["wrong"]:
                print(f"      wrong  {_shown(k)}  ← 第{c.sentence_no}句 “{c.raw}” ({c.label})")
            for k in r["missed"]:
                note = r["annotated"][k].get("ambiguous")
                print(f"      missed {_shown(k)}" + (f"  (ambiguous: {note})" if note else ""))
    print(f"  precision {_ratio(right, cand)}   (wrong candidates: {cand - right})")
    print(f"  recall    {_ratio(found, expected)}")
    parts = sum(r["breakdowns"] for r in rows)
    if parts:
        parts_found = parts - sum(r["breakdowns_missed"] for r in rows)
        print(
            f"  recall without breakdown members {_ratio(found - parts_found, expected - parts)}"
            f"   (breakdown members found: {parts_found}/{parts})"
        )
    first_edition = _first_edition_codes()
    known = [(k, r) for r in rows for k in r["annotated"] if k[2] in first_edition]
    if len(known) < expected:
        known_found = sum(1 for k, r in known if k not in set(r["missed"]))
        print(f"  recall on indicators data/indicators.csv has {_ratio(known_found, len(known))}")
    if classes:
        for label, n in failure_classes(rows).most_common():
            print(f"  {n:>4}  {label}")


# What is not a figure: dates, times, years, document numbers, hotline numbers and identifiers.
_NOT_FIGURES = [
    r"\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    r"\d{1,2}\.\d{1,2}\.\d{4}\s+\d{1,2}:\d{2}",
    r"\d{1,2}:\d{2}(?::\d{2})?",
    r"(?:19|20)\d{2}(?=\s*年|\))",
    r"\d{1,2}(?=\s*月|~\d+月)",
    r"\d+(?=日)",  # a day (711日: a page that lost the 月 of 7月11日)
    r"\d+(?=号)",
    r"〔\d{4}〕",
    r"“(?:12348|12345|148)”",
    r"索引号: \S+",
]
_DIGITS = re.compile(r"\d+(?:[, ]\d{3})*(?:\.\d+)?")


def annotation_problems(spec: dict, text: str) -> list[str]:
    """What is wrong with an answer key against its text: a quote that is not in the text, a
    number in the text that no quote covers (dates, years, document numbers aside)."""
    problems = [
        f"quote not in the text: {f['quote']}" for f in spec["figures"] if f["quote"] not in text
    ]
    covered = [False] * len(text)

    def cover(start: int, end: int) -> None:
        for i in range(start, end):
            covered[i] = True

    for f in spec["figures"]:
        for m in re.finditer(re.escape(f["quote"]), text):
            cover(*m.span())
    for pattern in _NOT_FIGURES:
        for m in re.finditer(pattern, text):
            cover(*m.span())
    return problems + [
        f"unannotated: {text[max(0, m.start() - 8) : m.end() + 4]}"
        for m in _DIGITS.finditer(text)
        if not all(covered[m.start() : m.end()])
    ]


def check_real_texts() -> int:
    """--check: every answer key of the real sets against its text; the number of problems."""
    n = 0
    for name in REAL_SETS:
        for spec_path in set_files(name):
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
            text = _text_path(spec_path, spec).read_text(encoding="utf-8")
            for problem in annotation_problems(spec, text):
                print(f"{spec_path.stem}: {problem}")
                n += 1
    print(f"answer keys checked against their texts: {n} problems")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all", *REAL_SETS, "real"], default="all")
    parser.add_argument("--verbose", "-v", action="store_true", help="list wrong and missed facts")
    parser.add_argument("--classes", action="store_true", help="count failures by class")
    parser.add_argument(
        "--texts", help="folder of the published texts (<stem>.txt; default: LAWSTATS_REAL_TEXTS)"
    )
    parser.add_argument(
        "--check", action="store_true", help="check the real sets' answer keys against the texts"
    )
    args = parser.parse_args(argv)
    if args.texts:
        import os

        os.environ["LAWSTATS_REAL_TEXTS"] = args.texts
    if args.check:
        return 1 if check_real_texts() else 0
    groups = {"all": SETS, "real": REAL_SETS}
    for name in groups.get(args.set, (args.set,)):
        _print_set(name, evaluate_set(name), args.verbose, args.classes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
