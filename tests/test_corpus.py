"""The trap corpus (tests/data/corpus): every case loaded the way the shared corpus checker loads
it (a fresh DuckDB per case, its steps in order through `etl load --json`), with zero wrong facts
stored and every expected fact present. The held-out corpus (tests/data/corpus_heldout), which
was not tuned on, must store no wrong fact either; its recall is reported in docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
_SPEC = importlib.util.spec_from_file_location(
    "score_corpus", Path(__file__).resolve().parent.parent / "scripts" / "score_corpus.py"
)
score_corpus = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = score_corpus  # dataclasses look their module up there
_SPEC.loader.exec_module(score_corpus)


def _cases(name: str) -> list[dict]:
    return json.loads((DATA / name / "expected.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", _cases("corpus"), ids=lambda c: c["id"])
def test_corpus_case(case):
    result = score_corpus.run_case(case, DATA / "corpus" / "files", score_corpus.ratio_parts())
    assert result.wrong == []
    assert result.refused == []
    assert result.missing == []


@pytest.mark.parametrize("case", _cases("corpus_heldout"), ids=lambda c: c["id"])
def test_heldout_case_stores_no_wrong_fact(case):
    result = score_corpus.run_case(
        case, DATA / "corpus_heldout" / "files", score_corpus.ratio_parts()
    )
    assert result.wrong == []
