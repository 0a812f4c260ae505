"""Hostile and unlucky files (issue 16): each is refused quickly with a message that names what
is wrong, the parse costs at most one worker process (never the CLI or the server), peak memory
stays bounded, and the store is exactly as it was.

The files are generated in code (tests/hostile_files.py). Times and memory are measured per
refusal; the bounds asserted here are far above what a bounded reader needs and far below what
an unbounded one took (minutes and 5-7 GB), so they catch a regression without being a speed
benchmark (scripts/bench_hostile.py prints the measured figures)."""

from __future__ import annotations

import json
import pickle
import resource
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from etl import sandbox
from etl.readers import ReadError
from lawstats import store
from tests.conftest import ROOT
from tests.hostile_files import HOSTILE, many_rows_xlsx, national_wide_xlsx
from tests.test_upload_page import real_db  # noqa: F401, F811 - a fixture

MESSY = ROOT / "tests" / "data" / "messy"
PEAK_LIMIT_MB = 1536  # issue 16: < 1.5 GB peak for every hostile file
TIME_LIMIT_S = (
    30  # generous: the bounded reader refuses each in 0.1-3 s, an unbounded one took minutes
)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for make, name, _ in HOSTILE.values():
        (folder / name).write_bytes(make())
    return folder


@pytest.fixture
def loaded_db(tmp_path):
    """A store holding one real batch, and a fingerprint of everything in it."""
    db = tmp_path / "store.duckdb"
    run_cli("load", str(MESSY / "wide_simple.xlsx"), "--db", str(db))
    return db


def fingerprint(db) -> tuple:
    engine = store.get_engine(str(db))
    try:
        with store.connect(engine) as conn:
            batches = conn.execute(
                sa.text("SELECT id, status, file_name FROM batches ORDER BY id")
            ).all()
            facts = conn.execute(
                sa.text(
                    "SELECT region_code, period_start, period_end, indicator_code, value, "
                    "batch_id, is_current FROM facts ORDER BY 1, 2, 3, 4, 6"
                )
            ).all()
            spellings = conn.execute(sa.text("SELECT count(*) FROM header_spellings")).scalar()
    finally:
        engine.dispose()
    return tuple(batches), tuple(facts), spellings


def run_cli(*args: str, preexec=None) -> tuple[int, str, float, float]:
    """Run `python -m etl ARGS` under a small wrapper that reports the peak RSS of the command
    and every process it started (the parse worker included): (exit code, output, seconds, MB)."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'rc': r.returncode, 'out': r.stdout + r.stderr,\n"
        "  's': time.perf_counter() - t,\n"
        "  'mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, sys.executable, "-m", "etl", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=preexec,
        timeout=300,
    )
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    return info["rc"], info["out"], info["s"], info["mb"]


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_refused_by_the_cli(case, hostile_dir, loaded_db):
    _, name, names = HOSTILE[case]
    before = fingerprint(loaded_db)
    rc, out, seconds, peak_mb = run_cli(
        "load", str(hostile_dir / name), "--db", str(loaded_db), "--json"
    )
    assert rc in (1, 2), out
    assert "Traceback" not in out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["status"] == "refused"
    messages = " ".join(p["message_zh"] + " " + p["message_en"] for p in report["problems"])
    assert names in messages
    assert seconds < TIME_LIMIT_S and peak_mb < PEAK_LIMIT_MB, (seconds, peak_mb)
    assert fingerprint(loaded_db) == before


def test_the_refusals_name_the_sheet_and_its_range():
    make, name, _ = HOSTILE["far_cell_xfd"]
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(make(), name)
    assert caught.value.problem.message_zh.startswith(
        "表格范围过大：Sheet1 的使用区域到 XFD1048576"
    )
    assert "XFD1048576" in caught.value.problem.message_en
    make, name, _ = HOSTILE["wide_line_csv"]
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(make(), name)
    assert "60,001列" in caught.value.problem.message_zh


def test_a_sheet_calamine_cannot_even_allocate_costs_only_the_worker():
    """A1 plus ZZ200000: calamine's own grid would be 4.5 GB, so the worker hits its memory
    limit and ends (calamine aborts its process); this process goes on, the sheet is named, and
    the next file is read by a fresh worker."""
    make, name, _ = HOSTILE["far_cell_zz200000"]
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(make(), name)
    assert "ZZ200000" in caught.value.problem.message_zh
    book = sandbox.read_workbook((MESSY / "wide_simple.xlsx").read_bytes(), "wide_simple.xlsx")
    assert book.sheets[0].cells


def test_a_file_beyond_the_workers_memory_is_refused_and_the_worker_replaced(monkeypatch):
    monkeypatch.setenv("LAWSTATS_PARSE_MEMORY_MB", "80")
    data = many_rows_xlsx(240_000)  # within the size limits, not within 80 MB of memory
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(data, "rows.xlsx")
    assert caught.value.problem.code == "parse_limit"
    assert "80 MB" in caught.value.problem.message_en
    monkeypatch.delenv("LAWSTATS_PARSE_MEMORY_MB")
    book = sandbox.read_workbook((MESSY / "wide_simple.xlsx").read_bytes(), "wide_simple.xlsx")
    assert book.sheets[0].cells


def test_a_parse_that_takes_too_long_is_stopped(monkeypatch):
    monkeypatch.setenv("LAWSTATS_PARSE_TIMEOUT_S", "0.2")
    start = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(many_rows_xlsx(100_000), "rows.xlsx")
    assert time.perf_counter() - start < 10
    assert caught.value.problem.code == "parse_limit"
    assert "0.2 s" in caught.value.problem.message_en


def test_the_sheet_limits_are_settings(monkeypatch):
    data = (MESSY / "wide_simple.xlsx").read_bytes()
    assert sandbox.read_workbook(data, "wide_simple.xlsx")
    monkeypatch.setenv("LAWSTATS_MAX_SHEET_ROWS", "3")
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(data, "wide_simple.xlsx")
    assert caught.value.problem.code == "sheet_too_large"
    monkeypatch.delenv("LAWSTATS_MAX_SHEET_ROWS")
    monkeypatch.setenv("LAWSTATS_MAX_FILE_CELLS", "10")
    with pytest.raises(ReadError) as caught:
        sandbox.read_workbook(data, "wide_simple.xlsx")
    assert caught.value.problem.code == "file_too_many_cells"


def test_a_worker_reply_cannot_make_this_process_run_code():
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(pickle.UnpicklingError):
        sandbox._Unpickler(__import__("io").BytesIO(pickle.dumps(("ok", Evil())))).load()


def test_a_full_disk_refuses_the_file_with_a_message(loaded_db):
    """The store's file may not grow (RLIMIT_FSIZE, as on a full disk): the load is refused in
    words, not a traceback, and the store keeps every batch it had."""
    import os

    size = os.path.getsize(loaded_db)
    before = fingerprint(loaded_db)

    def no_growth():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size // 4, size // 4))

    # a file large enough that its write goes to the store's file (a small one only to the WAL)
    wide = loaded_db.parent / "national2024.xlsx"
    wide.write_bytes(national_wide_xlsx())
    rc, out, _, _ = run_cli("load", str(wide), "--db", str(loaded_db), preexec=no_growth)
    assert rc == 1, out
    assert "Traceback" not in out
    assert "磁盘空间不足" in out and "数据库未改动" in out
    assert fingerprint(loaded_db) == before


# --------------------------------------------------------------------------- the upload page


@pytest.mark.parametrize("case", ["far_cell_xfd", "wide_line_csv", "huge_field_csv"])
def test_a_hostile_upload_is_refused_on_the_page(case, real_db):  # noqa: F811
    from lawstats.i18n import t
    from tests.test_upload_page import run, upload

    make, name, names = HOSTILE[case]
    before = n_facts_and_batches(real_db)
    at = upload(run("pages/upload.py", user="boss"), name, make())
    table = next(d.value for d in at.dataframe if t("up_col_message") in d.value.columns)
    assert any(names in str(m) for m in table[t("up_col_message")]), table
    assert t("up_commit") not in [b.label for b in at.button]
    assert n_facts_and_batches(real_db) == before


def n_facts_and_batches(engine) -> tuple[int, int]:
    with store.connect(engine) as conn:
        return (
            conn.execute(sa.select(sa.func.count()).select_from(store.facts)).scalar_one(),
            conn.execute(sa.select(sa.func.count()).select_from(store.batches)).scalar_one(),
        )
