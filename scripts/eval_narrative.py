"""Precision and recall of the report-text extractor on the annotated sets in tests/data/narrative.

    python scripts/eval_narrative.py [--set dev|heldout|all] [--verbose]

A candidate is right when region, period, indicator, value and the approximate flag all equal an
expected fact of its file. Precision = right candidates / candidates; recall = expected facts
found / expected facts. The held-out set was annotated before the extractor first ran on it and
is not tuned on (tests/data/narrative/PROVENANCE.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "narrative"
SETS = ("dev", "heldout", "heldout2", "heldout3")


def _key(region: str | None, period: str | None, code: str, value: float, approx: bool) -> tuple:
    return (region, period, code, round(float(value), 4), bool(approx))


def _text_path(spec_path: Path, spec: dict) -> Path:
    if spec.get("text"):
        return (spec_path.parent / spec["text"]).resolve()
    for ext in (".txt", ".html", ".docx"):
        p = spec_path.with_suffix(ext)
        if p.exists():
            return p
    raise FileNotFoundError(f"no text for {spec_path}")


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
    expected = {
        _key(e["region_code"], e["period"], e["indicator_code"], e["value"], e["is_approximate"])
        for e in spec["expected"]
    }
    got = [
        (
            _key(
                c.region_code,
                c.period.label if c.period else None,
                c.indicator_code,
                c.value,
                c.is_approximate,
            ),
            c,
        )
        for c in result.candidates
    ]
    right = [k for k, _c in got if k in expected]
    wrong = [(k, c) for k, c in got if k not in expected]
    missed = expected - {k for k, _c in got}
    return {
        "file": spec_path.stem,
        "expected": len(expected),
        "candidates": len(got),
        "right": len(set(right)),
        "wrong": wrong,
        "missed": sorted(missed, key=str),
    }


def evaluate_set(name: str) -> list[dict]:
    return [evaluate_file(p) for p in sorted((DATA / name).glob("*.json"))]


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.1%}" if b else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--verbose", "-v", action="store_true", help="list wrong and missed facts")
    args = parser.parse_args(argv)
    for name in SETS if args.set == "all" else (args.set,):
        rows = evaluate_set(name)
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
            if args.verbose:
                for k, c in r["wrong"]:
                    print(f"      wrong  {k}  ← 第{c.sentence_no}句 “{c.raw}” ({c.label})")
                for k in r["missed"]:
                    print(f"      missed {k}")
        print(f"  precision {_ratio(right, cand)}   (wrong candidates: {cand - right})")
        print(f"  recall    {_ratio(found, expected)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
