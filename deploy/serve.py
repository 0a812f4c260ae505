"""Run the dashboard as N Streamlit processes behind nginx, and keep them running (scripts/serve).

    scripts/serve [--processes N] [--port 8501] [--address 127.0.0.1] [--first-port 8601]
                  [--run-dir DIR] [--nginx PATH]

Every process serves the same store (LAWSTATS_DB_URL: a DuckDB file on this machine, or
PostgreSQL, which other machines may share); nginx (deploy/nginx.conf.template, from the OS
packages) listens on --address:--port, passes websockets through and keeps each browser on one
process (sticky by cookie). This supervisor starts them, polls every process's /_stcore/health,
restarts a process that ended or stopped answering (and nginx, if it ends), and on SIGTERM or
Ctrl-C stops them all. Sizing: docs/deployment.md ("Several processes").
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
POLL_S = 2.0
# a process that does not answer its health check for this long is restarted (a busy one
# answers late, not never: rendering for 20 sessions on 2 cores takes seconds)
UNHEALTHY_S = 30.0
START_TIMEOUT_S = 60.0


def entry_point() -> Path:
    """What `streamlit run` serves: the ASGI app with the session routes when there is one."""
    asgi = ROOT / "lawstats" / "ui" / "asgi.py"
    return asgi if asgi.exists() else ROOT / "app.py"


@dataclass
class Backend:
    port: int
    proc: subprocess.Popen | None = None
    started: float = 0.0
    healthy_at: float = 0.0
    restarts: int = 0
    log: Path | None = None

    def start(self, env: dict[str, str], run_dir: Path, app: Path) -> None:
        self.log = run_dir / f"streamlit-{self.port}.log"
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(app),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        (run_dir / f"streamlit-{self.port}.pid").write_text(f"{self.proc.pid}\n")
        self.started = self.healthy_at = time.monotonic()

    def healthy(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=POLL_S) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        _stop(self.proc)


@dataclass
class Supervisor:
    args: argparse.Namespace
    run_dir: Path
    env: dict[str, str]
    backends: list[Backend] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    stopping: bool = False

    @property
    def app(self) -> Path:
        return Path(self.args.app) if self.args.app else entry_point()

    def run(self) -> int:
        self.backends = [Backend(self.args.first_port + i) for i in range(self.args.processes)]
        for b in self.backends:
            b.start(self.env, self.run_dir, self.app)
        self._wait_started()
        if self.stopping:
            return 0
        self._start_nginx()
        shown = (
            "localhost"
            if self.args.address in ("127.0.0.1", "localhost", "::1")
            else self.args.address
        )
        print(
            f"==> 法治统计看板 at http://{shown}:{self.args.port} "
            f"({len(self.backends)} processes on ports {self.backends[0].port}-{self.backends[-1].port}, "
            f"nginx; logs in {self.run_dir})",
            flush=True,
        )
        while not self.stopping:
            time.sleep(POLL_S)
            self._watch()
        return 0

    def _wait_started(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = set(range(len(self.backends)))
        while waiting and not self.stopping:
            for i in list(waiting):
                b = self.backends[i]
                if b.proc.poll() is not None:
                    raise SystemExit(f"scripts/serve: process on port {b.port} ended; see {b.log}")
                if b.healthy():
                    waiting.discard(i)
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"scripts/serve: processes did not start in {START_TIMEOUT_S:.0f} s"
                )
            time.sleep(0.2)

    def _start_nginx(self) -> None:
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.args, self.run_dir, [b.port for b in self.backends]))
        self.nginx = subprocess.Popen(
            [self.args.nginx, "-c", str(conf), "-p", str(self.run_dir)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(0.3)
        if self.nginx.poll() is not None:
            raise SystemExit(
                f"scripts/serve: nginx did not start; see {self.run_dir / 'nginx-error.log'}"
            )

    def _watch(self) -> None:
        now = time.monotonic()
        for b in self.backends:
            ended = b.proc.poll() is not None
            if not ended and b.healthy():
                b.healthy_at = now
                continue
            if ended or now - b.healthy_at > UNHEALTHY_S:
                why = f"ended ({b.proc.returncode})" if ended else "stopped answering"
                print(f"==> process on port {b.port} {why}: restarting", flush=True)
                b.stop()
                b.restarts += 1
                b.start(self.env, self.run_dir, self.app)
        if self.nginx is not None and self.nginx.poll() is not None and not self.stopping:
            print("==> nginx ended: restarting", flush=True)
            self._start_nginx()

    def stop(self, *_args) -> None:
        self.stopping = True

    def shutdown(self) -> None:
        _stop(self.nginx)
        for b in self.backends:
            b.stop()


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def nginx_conf(args: argparse.Namespace, run_dir: Path, ports: list[int]) -> str:
    from lawstats import settings

    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in ports
    )
    address = args.address
    listen = f"[{address}]:{args.port}" if ":" in address else f"{address}:{args.port}"
    body_mb = max(int(settings.max_upload_bytes() / 2**20) * 2, 1)
    fields = {
        "WORKERS": "1",
        "RUN_DIR": str(run_dir),
        "BODY_MB": str(body_mb),
        "SERVERS": servers,
        "LISTEN": listen,
    }
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def main(argv: list[str] | None = None) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ap = argparse.ArgumentParser(prog="scripts/serve", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--processes",
        type=int,
        default=max(cores or 1, 1),
        help="Streamlit processes (default: one per core)",
    )
    ap.add_argument("--port", type=int, default=8501, help="the port nginx listens on")
    ap.add_argument(
        "--address",
        default=os.environ.get("LAWSTATS_BIND", "127.0.0.1"),
        help="the address nginx listens on (default 127.0.0.1, or LAWSTATS_BIND)",
    )
    ap.add_argument(
        "--first-port", type=int, default=8601, help="the processes' ports: this and up"
    )
    ap.add_argument("--run-dir", help="nginx's configuration, pid, temp files and the logs")
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--app", help=argparse.SUPPRESS)  # another script (the benchmark's yardstick)
    args = ap.parse_args(argv)
    if args.processes < 1:
        ap.error("--processes must be at least 1")
    if not Path(args.nginx).exists():
        ap.error(f"nginx not found ({args.nginx}): apt-get install nginx")
    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix=f"lawstats-serve-{args.port}-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # one secret for every process: Streamlit signs its XSRF cookie with it, so a browser that
    # moves to another process (its own went down) can still upload
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    sup = Supervisor(args, run_dir, env)
    signal.signal(signal.SIGTERM, sup.stop)
    signal.signal(signal.SIGINT, sup.stop)
    try:
        return sup.run()
    finally:
        sup.shutdown()


if __name__ == "__main__":
    sys.exit(main())
