"""Parse untrusted files in a worker process with memory and time limits.

The readers (etl/readers.py) refuse what they can measure before expanding it, but a parser
can still meet a file that makes it allocate without bound (calamine aborts the whole process
when an allocation fails) or loop for minutes. So an uploaded or loaded file is parsed in a
separate worker process (`python -m etl.sandbox`) with an address-space limit
(LAWSTATS_PARSE_MEMORY_MB) and a deadline (LAWSTATS_PARSE_TIMEOUT_S): the worst file costs one
worker, which is replaced, never the Streamlit server or the CLI. A refused file gets a
`parse_limit` problem that says which limit it hit.

Workers are kept and reused (starting one costs about 0.3 s); each parses one file at a time and
a parse that ends the worker (memory, timeout, crash) is never retried. The reply is a pickle of
plain cell values, unpickled with only the readers' own classes and datetime allowed, so even a
worker taken over by a hostile file cannot make this process run code.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from etl.problems import make_problem
from etl.read_limits import ReadLimits
from etl.readers import MAX_UNPACKED_BYTES, ReadError, Workbook

_HEADER = struct.Struct("<Q")
_ALLOWED = {
    ("etl.readers", "Workbook"),
    ("etl.readers", "Sheet"),
    ("etl.problems", "Problem"),
    ("etl.read_limits", "ReadLimits"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed from a parse worker")
        return super().find_class(module, name)


class _Ended(Exception):
    """The worker ended or was stopped before it answered; `why` is memory | timeout | crash."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class _Worker:
    def __init__(self, memory_bytes: int):
        self.memory_bytes = memory_bytes
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "etl.sandbox", str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # calamine's abort prints a Rust backtrace there
            close_fds=True,
        )

    def call(self, request: tuple, timeout: float) -> tuple:
        blob = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(blob)) + blob)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Ended("crash") from None
        deadline = time.monotonic() + timeout
        header = self._read(_HEADER.size, deadline)
        reply = self._read(_HEADER.unpack(header)[0], deadline)
        return _Unpickler(io.BytesIO(reply)).load()

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        parts, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Ended("timeout")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise _Ended("timeout")
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:  # the worker died: killed by the kernel, or calamine aborted
                self.proc.wait()
                raise _Ended("memory" if self.proc.returncode in (-6, -9, 134, 137) else "crash")
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


_idle: list[_Worker] = []
_lock = threading.Lock()
MAX_IDLE = 2  # kept for reuse; more may run at once when several uploads parse together


def _take(memory_bytes: int) -> _Worker:
    with _lock:
        while _idle:
            w = _idle.pop()
            if w.alive() and w.memory_bytes == memory_bytes:
                return w
            w.stop()
    return _Worker(memory_bytes)


def _give_back(w: _Worker) -> None:
    with _lock:
        if len(_idle) < MAX_IDLE and w.alive():
            _idle.append(w)
            return
    w.stop()


def prestart(memory_bytes: int | None = None) -> None:
    """Start an idle worker, in a thread (a command that will parse a file calls this first, so
    that the worker starts while the command imports the rest of the pipeline)."""
    if memory_bytes is None:
        from lawstats import settings

        memory_bytes = settings.parse_memory_bytes()
    with _lock:
        if any(w.memory_bytes == memory_bytes for w in _idle):
            return
    threading.Thread(
        target=lambda: _give_back(_Worker(memory_bytes)), name="lawstats-parse-prestart"
    ).start()


def shutdown() -> None:
    """Stop the idle workers (tests; the workers also end when this process does)."""
    with _lock:
        while _idle:
            _idle.pop().stop()


_WHY = {
    "memory": (
        "解析这个文件需要的内存超过上限 {mb} MB",
        "parsing it needs more memory than the limit of {mb} MB",
    ),
    "timeout": ("解析这个文件超过了时限 {s} 秒", "parsing it took longer than the limit of {s} s"),
    "crash": ("解析程序在读这个文件时异常退出", "the parser stopped abnormally on it"),
}


def _refusal(filename: str, why: str, memory_bytes: int, timeout: float) -> ReadError:
    zh, en = _WHY[why]
    params = {"mb": round(memory_bytes / 2**20), "s": f"{timeout:g}"}
    return ReadError(
        make_problem(
            "parse_limit",
            file=filename,
            reason_zh=zh.format(**params),
            reason_en=en.format(**params),
        )
    )


def read_workbook(
    data: bytes,
    filename: str,
    *,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    limits: ReadLimits | None = None,
    memory_bytes: int | None = None,
    timeout_s: float | None = None,
) -> Workbook:
    """etl.readers.read_workbook in a worker process with memory and time limits (defaults:
    the settings); raises ReadError, also when the worker runs out of memory or time."""
    from lawstats import settings

    limits = limits or ReadLimits.from_settings()
    memory_bytes = memory_bytes or settings.parse_memory_bytes()
    timeout = timeout_s or settings.parse_timeout_s()
    try:
        status, value = _call(
            ("read", data, filename, max_unpacked_bytes, limits), memory_bytes, timeout
        )
    except _Ended as exc:
        raise _ended_refusal(data, filename, exc.why, limits, memory_bytes, timeout) from None
    if status == "ok":
        return value
    if status == "refused":
        raise ReadError(value)
    raise _ended_refusal(data, filename, "memory", limits, memory_bytes, timeout)


def _call(request: tuple, memory_bytes: int, timeout: float) -> tuple:
    """One request to a worker; raises _Ended when it died or ran out of time (the worker is
    stopped then, and after a MemoryError it leaves by itself)."""
    worker = _take(memory_bytes)
    try:
        reply = worker.call(request, timeout)
    except BaseException:
        worker.stop()
        raise
    if reply[0] == "memory":
        worker.stop()
    else:
        _give_back(worker)
    return reply


def _ended_refusal(
    data: bytes, filename: str, why: str, limits: ReadLimits, memory_bytes: int, timeout: float
) -> ReadError:
    """The refusal of a file whose parse ended the worker: a sheet whose cell references reach
    beyond the limits is named (measured by a fresh worker), else the limit it hit."""
    if why != "timeout" and data[:4] == b"PK\x03\x04":
        try:
            status, value = _call(("extent", data, filename, limits), memory_bytes, timeout)
        except _Ended:
            status, value = "ended", None
        if status == "refused" and value is not None:
            return ReadError(value)
    return _refusal(filename, why, memory_bytes, timeout)


# --------------------------------------------------------------------------- the worker side


def _serve(memory_bytes: int) -> None:
    import resource

    from etl.readers import read_workbook as read_here
    from etl.readers import sheet_extent_problem

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the replies
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return  # the parent closed the pipe
        kind, data, filename, *rest = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
        try:
            if kind == "extent":
                reply: tuple = ("refused", sheet_extent_problem(data, filename, rest[0]))
            else:
                max_unpacked, limits = rest
                reply = (
                    "ok",
                    read_here(data, filename, max_unpacked_bytes=max_unpacked, limits=limits),
                )
        except ReadError as exc:
            reply = ("refused", exc.problem)
        except MemoryError:
            reply = ("memory", None)
        del data
        try:
            blob = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reply, blob = ("memory", None), pickle.dumps(("memory", None))
        stdout.write(_HEADER.pack(len(blob)) + blob)
        stdout.flush()
        if reply[0] == "memory":
            return


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
