"""Who may open a DuckDB file, and how: many readers or one writer, across threads and processes.

DuckDB lets one process open a file read-write, and then no other process may open it at all;
read-only, any number of processes may open it at once. And within one process a read-only and
a read-write connection to the same file cannot coexist. So every unit of work on a DuckDB file
asks a FileAccess first:

- a read opens the file read-only (a shared lock: the dashboards of every app process read at
  once), or, while this process is writing, joins the process's read-write instance (DuckDB's
  snapshot isolation shows it the last commit, never the writer's unfinished work);
- a write waits until no reader of this process holds the file, then opens it read-write.

Across processes two small files next to the database coordinate the same, with flock(2):
`<db>.rw-intent`, which a writer holds exclusively from the moment it wants the file (new readers
wait behind it, so a stream of readers cannot starve a writer; the writer's pid is written into
it, for the "waiting for PID n" message, and when its write ends a stamp that tells readers'
caches the data may have changed) and readers hold shared only while they take
`<db>.rw-lock`, which readers hold shared and a writer exclusively while the file is open. Waits
are polled every few milliseconds up to the caller's deadline. Writers hold the file only to
commit (etl.load, lawstats.store.summary do their reading and computing before), so a reader
waits at most one commit.

A process that does not take part (the duckdb command line, an older version of this program)
is still met by DuckDB's own lock error, which lawstats.store retries.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_POLL_MAX_S = 0.01
# how long a writer waits for readers at least, whatever its deadline for other writers
READER_GRACE_S = 10.0


class Busy(Exception):
    """The access was not granted before the deadline; `pid`: the last writer that asked for it."""

    def __init__(self, pid: str):
        super().__init__(pid)
        self.pid = pid


class FileAccess:
    """Readers and writers of one DuckDB file in this process (one instance per file: for_path)."""

    def __init__(self, path: Path):
        self.path = path
        self.intent_path = path.with_name(path.name + ".rw-intent")
        self.lock_path = path.with_name(path.name + ".rw-lock")
        self._cond = threading.Condition()
        self._mode: str | None = None  # None, "ro" (readers) or "rw" (a writer, joined readers)
        self._users = 0
        self._writers_waiting = 0
        self._fds: list[int] = []  # the flock'ed files held for this process's users
        self._held = threading.local()  # per thread: reads and writes held (nesting)

    # ------------------------------------------------------------------ the two kinds of access

    @contextmanager
    def reading(
        self, deadline: float, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[bool]:
        """Hold a read; yields True to open read-only, False to join this process's writer."""
        nested = self._depth("r") + self._depth("w") > 0
        with self._cond:
            if not nested:
                # a writer of this process that waits goes first (it waits for the readers)
                while self._writers_waiting and self._mode != "rw":
                    self._wait(deadline)
            if self._mode is None:
                self._take_shared(deadline, on_wait)
                self._mode = "ro"
            self._users += 1
            read_only = self._mode == "ro"
        self._count("r", 1)
        try:
            yield read_only
        finally:
            self._count("r", -1)
            self._leave()

    @contextmanager
    def writing(
        self, deadline: float, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[None]:
        """Hold the file for writing (one writer in all processes at a time). `deadline` bounds
        the wait for another writer; readers, who hold the file for one read each, are waited
        for at least READER_GRACE_S (so a writer that will not wait for writers still writes
        while the dashboards read)."""
        readers_deadline = max(deadline, time.monotonic() + READER_GRACE_S)
        if self._depth("r") and not self._depth("w"):
            raise RuntimeError(
                "a DuckDB write cannot start while the same thread holds a read of the file"
            )
        with self._cond:
            if self._depth("w"):
                self._users += 1  # nested in this thread's own write
            else:
                self._writers_waiting += 1
                try:
                    while self._mode == "ro":
                        self._wait(readers_deadline)  # this process's readers finish first
                    if self._mode is None:
                        self._take_exclusive(deadline, readers_deadline, on_wait)
                        self._mode = "rw"
                    self._users += 1
                finally:
                    self._writers_waiting -= 1
                    self._cond.notify_all()
        self._count("w", 1)
        try:
            yield
        finally:
            self._count("w", -1)
            self._leave()

    # ------------------------------------------------------------------ bookkeeping

    def _depth(self, kind: str) -> int:
        return getattr(self._held, kind, 0)

    def _count(self, kind: str, step: int) -> None:
        setattr(self._held, kind, self._depth(kind) + step)

    def _wait(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0 or not self._cond.wait(left):
            if time.monotonic() >= deadline:
                raise Busy(self.writer_pid())

    def _leave(self) -> None:
        with self._cond:
            self._users -= 1
            if self._users == 0:
                self._release()
                self._mode = None
                self._cond.notify_all()

    # ------------------------------------------------------------------ across processes

    def _take_shared(self, deadline: float, on_wait) -> None:
        intent = _open(self.intent_path)
        try:
            self._flock(intent, fcntl.LOCK_SH, deadline, on_wait)
            lock = _open(self.lock_path)
            try:
                self._flock(lock, fcntl.LOCK_SH, deadline, on_wait)
            except BaseException:
                os.close(lock)
                raise
        finally:
            os.close(intent)  # (closing releases its lock)
        self._fds = [lock]

    def _take_exclusive(self, deadline: float, readers_deadline: float, on_wait) -> None:
        intent = _open(self.intent_path)
        try:
            self._flock(intent, fcntl.LOCK_EX, deadline, on_wait)  # other writers
            _write_pid(intent)
            lock = _open(self.lock_path)
            try:
                self._flock(lock, fcntl.LOCK_EX, readers_deadline, None)  # readers
            except BaseException:
                os.close(lock)
                raise
        except BaseException:
            os.close(intent)
            raise
        self._fds = [lock, intent]  # released in this order

    def _release(self) -> None:
        if self._mode == "rw":
            _write_stamp(self._fds[1])  # after the commit: readers' caches see a change
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def _flock(self, fd: int, kind: int, deadline: float, on_wait) -> None:
        delay, told = 0.001, False
        while True:
            try:
                fcntl.flock(fd, kind | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if time.monotonic() >= deadline:
                raise Busy(self.writer_pid())
            if on_wait is not None and not told:
                on_wait(self.writer_pid())
                told = True
            time.sleep(delay)
            delay = min(delay * 2, _POLL_MAX_S)

    def writer_pid(self) -> str:
        """The pid of the writer that holds or last asked for the file ('?' if none is known)."""
        lines = self._intent_text().splitlines()
        if len(lines) > 1 and lines[1].strip():
            return lines[1].strip()
        return (lines[0].split(" ")[0] if lines else "") or "?"

    def stamp(self) -> str:
        """What the last writer left when its write ended (its pid and the time): a changed
        stamp means a write may have committed. A writer at work leaves it as it was (its pid
        goes on a second line), so a reader's cache stays valid until the write ends."""
        lines = self._intent_text().splitlines()
        return lines[0].strip() if lines else ""

    def _intent_text(self) -> str:
        try:
            return self.intent_path.read_text()
        except OSError:
            return ""


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except PermissionError:  # another account's file: flock needs no write access
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)


def _write_pid(fd: int) -> None:
    """The writer's pid on the second line, the last stamp kept on the first."""
    try:
        first = os.pread(fd, 256, 0).decode(errors="replace").split("\n", 1)[0]
    except OSError:
        first = ""
    _write_text(fd, f"{first}\n{os.getpid()}")


def _write_stamp(fd: int) -> None:
    _write_text(fd, f"{os.getpid()} {time.time_ns()}")


def _write_text(fd: int, text: str) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
    except OSError:
        pass  # a file of another account, read-only here: no pid, no stamp


def try_flock(path: Path, deadline: float) -> int | None:
    """An exclusive flock on a small file of its own, polled until `deadline`: its descriptor,
    or None if another holder kept it (unflock releases it)."""
    fd = _open(path)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(_POLL_MAX_S)


def unflock(fd: int) -> None:
    os.close(fd)


_registry: dict[Path, FileAccess] = {}
_registry_lock = threading.Lock()


def for_path(path: Path) -> FileAccess:
    """The one FileAccess of this process for a database file."""
    with _registry_lock:
        access = _registry.get(path)
        if access is None:
            access = _registry[path] = FileAccess(path)
        return access
