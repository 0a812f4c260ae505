"""Benchmark (not a test): how many overview renders the served dashboard gives per second under
concurrent sessions, next to a trivial Streamlit page served the same way.

Usage: python scripts/bench_serve.py [--db /tmp/national.duckdb] [--processes 2] [--sessions 20]
                                     [--seconds 20] [--rounds 3]

Both apps run under scripts/serve's supervisor (deploy/serve.py: N Streamlit processes behind
nginx, sticky sessions) on the same machine, loaded in turn (rounds alternate the two). Each of `--sessions` virtual
users does what a browser opening the dashboard does, over and over: fetches the page through
nginx (which sets the sticky cookie), opens the websocket (/_stcore/stream), asks for a run of the
script (the default page: the overview of the province 甘肃省, 2024年, with six years of
sparklines; or the trivial page, `st.write` of one line), reads the messages until the run
finishes, and closes. Throughput: finished renders per second over `--seconds` after a warm-up;
the figure is the median of the per-round ratios overview / trivial (target: >= 0.5 under 20
sessions).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRIVIAL_APP = 'import streamlit as st\n\nst.write("法治统计看板")\n'
QUERY = "region=620000&period=2024%E5%B9%B4"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_served(app: Path | None, processes: int, env: dict, run_dir: Path) -> tuple:
    """deploy/serve.py on free ports; returns (process, base URL)."""
    port, first = free_port(), free_port()
    cmd = [
        sys.executable,
        str(ROOT / "deploy" / "serve.py"),
        "--processes",
        str(processes),
        "--port",
        str(port),
        "--first-port",
        str(first),
        "--run-dir",
        str(run_dir),
    ]
    if app is not None:
        cmd += ["--app", str(app)]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    for line in proc.stdout:
        if line.startswith("==> 法治统计看板 at"):
            break
    else:
        raise SystemExit("deploy/serve.py did not start")
    return proc, f"127.0.0.1:{port}"


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


async def one_render(host: str, query: str) -> float:
    """A new browser session: page, websocket, one script run to its end; seconds taken."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection(*host.split(":"))
    writer.write(f"GET /?{query} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.read()).split(b"\r\n\r\n", 1)[0].decode("latin-1")
    writer.close()
    cookies = [
        line.split(":", 1)[1].strip().split(";", 1)[0]
        for line in head.split("\r\n")
        if line.lower().startswith("set-cookie:")
    ]
    headers = {"Cookie": "; ".join(cookies)} if cookies else {}
    async with websockets.connect(
        f"ws://{host}/_stcore/stream",
        subprotocols=["streamlit"],
        additional_headers=headers,
        max_size=None,
        open_timeout=120,
    ) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        await ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(ws.recv(), 300))
            if fwd.WhichOneof("type") == "script_finished":
                if fwd.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"script finished with status {fwd.script_finished}")
                break
    return time.perf_counter() - t0


async def load(host: str, sessions: int, seconds: float, warmup: float, query: str) -> dict:
    done: list[tuple[float, float]] = []
    errors: list[str] = []
    start = time.perf_counter()
    end = start + warmup + seconds

    async def user() -> None:
        while time.perf_counter() < end:
            try:
                took = await one_render(host, query)
                done.append((time.perf_counter(), took))
            except Exception as exc:  # noqa: BLE001 - counted, not fatal
                errors.append(repr(exc)[:200])
                await asyncio.sleep(0.5)

    await asyncio.gather(*(user() for _ in range(sessions)))
    counted = [took for at, took in done if start + warmup <= at <= end]
    return {
        "per_s": len(counted) / seconds,
        "median": statistics.median(counted) if counted else float("nan"),
        "p95": float(sorted(counted)[int(0.95 * (len(counted) - 1))]) if counted else float("nan"),
        "renders": len(counted),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/national.duckdb")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0, help="per app and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=float, default=10.0)
    args = ap.parse_args()
    if not Path(args.db).exists():
        subprocess.run(
            [sys.executable, "-m", "etl", "synth", "--db", args.db], cwd=ROOT, check=True
        )
    subprocess.run([sys.executable, "-m", "etl", "summary", "--db", args.db], cwd=ROOT, check=True)
    env = {**os.environ, "LAWSTATS_DB_URL": args.db, "PYTHONPATH": str(ROOT)}
    work = Path(tempfile.mkdtemp(prefix="bench_serve_"))
    trivial = work / "trivial.py"
    trivial.write_text(TRIVIAL_APP)
    cases = [("overview (app.py)", None, QUERY), ("trivial page", trivial, "")]
    served, rounds = [], []
    try:
        # both served at once, idle in turn: rounds alternate overview, trivial, overview, ...,
        # so that the other work on a shared machine weighs on both sides of each ratio
        for label, app, _query in cases:
            served.append(start_served(app, args.processes, env, work / label.split()[0]))
        for i in range(args.rounds):
            warmup = args.warmup if i == 0 else 2.0
            rounds.append(
                [
                    asyncio.run(load(host, args.sessions, args.seconds, warmup, query))
                    for (_label, _app, query), (_proc, host) in zip(cases, served, strict=True)
                ]
            )
    finally:
        for proc, _host in served:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    ratios = [ov["per_s"] / tr["per_s"] for ov, tr in rounds]
    cmd = (
        f"python scripts/bench_serve.py --processes {args.processes} --sessions {args.sessions} "
        f"--seconds {args.seconds:g} --rounds {args.rounds}"
    )
    print(f"\n`{cmd}` ({os.cpu_count()} cores)\n")
    print("| app | renders/s (median of rounds) | median render | 95th percentile | errors |")
    print("|---|---|---|---|---|")
    for k, (label, _app, _query) in enumerate(cases):
        runs = [r[k] for r in rounds]
        print(
            f"| {label} | {statistics.median(r['per_s'] for r in runs):.2f} "
            f"| {statistics.median(r['median'] for r in runs):.2f} s "
            f"| {statistics.median(r['p95'] for r in runs):.2f} s | {sum(r['errors'] for r in runs)} |"
        )
        for r in runs:
            if r["first_error"]:
                print(f"<!-- first error: {r['first_error']} -->")
    print(
        f"\noverview / trivial: {statistics.median(ratios):.2f} (median of rounds: "
        + ", ".join(f"{x:.2f}" for x in ratios)
        + ")"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
