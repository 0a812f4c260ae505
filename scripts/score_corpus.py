"""Score a trap corpus (files/ + expected.json): wrong facts stored, missing facts, refusals.

Usage: python scripts/score_corpus.py [CORPUS_DIR ...] [-v]
(default: tests/data/corpus and tests/data/corpus_heldout).

Each case is loaded the way the shared corpus checker does it: a fresh DuckDB per case, its steps
in order through `python -m etl load FILE --db DB --json` (here the same CLI entry point, called in
this process), then `v_facts` read back and scored:

  WRONG    a stored fact whose value (or approximate flag) differs from `facts`/`optional`, a fact
           in `must_not`, a fact outside facts+optional in an `exclusive` case, or any change made
           by a refused step
  MISSING  an expected fact absent although some step loaded
  REFUSED  a step that had to load was refused, or a refusal that had to name something did not

The format of expected.json is described in tests/data/corpus/README.md.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPORA = (ROOT / "tests/data/corpus", ROOT / "tests/data/corpus_heldout")


@dataclass
class CaseResult:
    case_id: str
    trap: str
    wrong: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    stored: int = 0

    @property
    def ok(self) -> bool:
        return not (self.wrong or self.missing or self.refused)


@dataclass
class Score:
    corpus: str
    cases: list[CaseResult]

    @property
    def wrong(self) -> int:
        return sum(len(c.wrong) for c in self.cases)

    @property
    def missing(self) -> int:
        return sum(len(c.missing) for c in self.cases)

    @property
    def refusals(self) -> int:
        return sum(len(c.refused) for c in self.cases)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.ok)

    def summary(self) -> str:
        return (
            f"{self.corpus}: {len(self.cases)} cases, wrong facts {self.wrong}, missing "
            f"{self.missing}, refusals {self.refusals} ({self.passed}/{len(self.cases)} cases pass)"
        )


def _load(db: Path, path: Path) -> tuple[int, dict, str]:
    """`python -m etl load PATH --db DB --json`, in this process: exit code, JSON, all output."""
    from etl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["load", str(path), "--db", str(db), "--json"])
        except SystemExit as exc:  # argparse or a usage error
            code = int(exc.code or 0)
    result: dict = {}
    for line in reversed(out.getvalue().strip().splitlines()):
        try:
            result = json.loads(line)
            break
        except ValueError:
            continue
    return code, result, out.getvalue() + err.getvalue()


def _facts(db: Path) -> dict[tuple, tuple]:
    """(region name, start, end, indicator) -> (value, approximate) of the current facts."""
    import sqlalchemy as sa

    from lawstats.store import connect, get_engine

    if not db.exists():
        return {}
    engine = get_engine(f"duckdb:///{db}", create=False)
    try:
        with connect(engine) as conn:
            rows = conn.execute(
                sa.text(
                    "select region_name, cast(period_start as varchar), "
                    "cast(period_end as varchar), indicator_code, value, is_approximate "
                    "from v_facts"
                )
            ).all()
    finally:
        engine.dispose()
    return {(r[0], r[1][:10], r[2][:10], r[3]): (r[4], r[5]) for r in rows}


def ratio_parts() -> dict[str, tuple[str, str]]:
    from lawstats.domain.catalog import load_catalog

    return {i.code: (i.numerator, i.denominator) for i in load_catalog() if i.is_ratio}


def _derived_ok(key: tuple, got: tuple, stored: dict, ratios: dict) -> bool:
    """A rate the ETL derived itself is no misread when it equals its stored parts."""
    parts = ratios.get(key[3])
    if not parts or got[0] is None:
        return False
    num, den = stored.get(key[:3] + (parts[0],)), stored.get(key[:3] + (parts[1],))
    if not num or not den or num[0] is None or not den[0]:
        return False
    return abs(float(got[0]) - num[0] / den[0] * 100) <= 0.051


def _close(got, want, code: str, rel: float) -> bool:
    if got is None:
        return False
    for w in want if isinstance(want, list) else [want]:
        tol = max(1e-6, rel * abs(w))
        if code.endswith("_rate"):
            tol = max(tol, 0.051)  # a rate may be stored as written or recomputed from its parts
        if abs(float(got) - w) <= tol:
            return True
    return False


def run_case(case: dict, files: Path, ratios: dict) -> CaseResult:
    out = CaseResult(case["id"], case["trap"])
    db = Path(tempfile.mkdtemp(prefix="corpus_")) / "t.duckdb"
    any_loaded = False
    for step in case["steps"]:
        before = _facts(db)
        code, result, text = _load(db, files / step["file"])
        status = result.get("status")
        after = _facts(db)
        if code == 0 and status in ("loaded", "unchanged"):
            any_loaded = True
            continue
        if step["expect"] == "load":
            msg = result.get("message_zh") or text.strip()[-200:]
            out.refused.append(f"{step['file']} refused (exit {code}, {status}): {msg}")
        elif step.get("refuse_mentions") and not all(m in text for m in step["refuse_mentions"]):
            out.refused.append(f"{step['file']} refused without naming {step['refuse_mentions']}")
        if after != before:
            changed = [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
            out.wrong.append(f"refused step {step['file']} changed {len(changed)} facts")
    stored = _facts(db)
    out.stored = len(stored)
    rel = case.get("rel_tol", 0.0)
    allowed: set[tuple] = set()
    for kind in ("facts", "optional"):
        for region, start, end, code, value, approx in case.get(kind, []):
            key = (region, start, end, code)
            allowed.add(key)
            got = stored.get(key)
            if got is None:
                if kind == "facts" and any_loaded:
                    out.missing.append(f"{region} {start}..{end} {code}")
                continue
            if not _close(got[0], value, code, rel):
                out.wrong.append(f"{region} {start}..{end} {code} = {got[0]} (want {value})")
            elif approx is not None and bool(got[1]) != bool(approx):
                out.wrong.append(f"{region} {start}..{end} {code} approximate={got[1]}")
    for region, start, end, code in case.get("must_not", []):
        key = (region, start, end, code)
        if key in stored:
            out.wrong.append(f"must-not {region} {start}..{end} {code} = {stored[key][0]}")
        allowed.add(key)
    if case.get("exclusive"):
        for key, got in sorted(stored.items()):
            if key not in allowed and not _derived_ok(key, got, stored, ratios):
                out.wrong.append(f"unexpected {key[0]} {key[1]}..{key[2]} {key[3]} = {got[0]}")
    return out


def score(corpus: Path, only: set[str] | None = None) -> Score:
    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    ratios = ratio_parts()
    cases = [c for c in expected["cases"] if only is None or c["id"] in only]
    return Score(corpus.name, [run_case(c, corpus / "files", ratios) for c in cases])


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    dirs = [Path(a) for a in argv if not a.startswith("-")] or list(DEFAULT_CORPORA)
    bad = 0
    for d in dirs:
        result = score(d)
        for c in result.cases:
            if c.ok and not verbose:
                continue
            if c.ok:
                print(f"ok   {c.case_id} [{c.trap}] ({c.stored} facts stored)")
                continue
            why = []
            if c.wrong:
                why.append(f"{len(c.wrong)} wrong: " + "; ".join(c.wrong[:3]))
            if c.missing:
                why.append(f"{len(c.missing)} missing: " + "; ".join(c.missing[:2]))
            why += c.refused[:2]
            print(f"FAIL {c.case_id} [{c.trap}]: " + " || ".join(why))
        print(result.summary())
        bad += result.wrong + result.missing + result.refusals
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
