"""One ingest at a time per data folder, and a record of an ingest that did not finish.

Two ingests writing the same Chroma collection and keyword index would interleave their
deletes and the keyword rebuild, and two processes writing one embedded Chroma folder can
break it. So `ingest()` holds an exclusive OS file lock (`filelock`, flock on Unix) on
`<data_dir>/ingest.lock` for its whole run. The OS releases it when the holder dies, even
by SIGKILL, so a killed ingest never blocks the next one.

Next to the lock, `ingest.lock.json` names the holder (PID, host, start time) for the
"busy" message. It is removed only when an ingest finishes, so finding it when the lock is
free means the previous ingest was killed or failed part-way: `IngestLock.interrupted`
then holds what it said, and the ingest checks the store before trusting it
(`recover.py`) and looks for what the cut-short run left behind.

While an ingest holds the lock in the main thread, SIGTERM (`kill PID`, `docker stop`,
systemd) stops it at the next Python instruction rather than at once, so the process is
never ended inside one of Chroma's writes; see `stop_between_writes`.
"""

import contextlib
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

from newsqa.errors import IndexBusyError

LOCK_FILE = "ingest.lock"
HOLDER_FILE = "ingest.lock.json"


class IngestLock:
    """Exclusive lock on a data folder for the length of an ingest (a context manager)."""

    def __init__(self, data_dir: Path, *, wait: float = 0.0, record: bool = True):
        """`record=False` for a short hold by a reader: the holder file, possibly left by a
        killed ingest for the next ingest to act on, is then neither replaced nor removed."""
        self.data_dir = Path(data_dir)
        self.wait = wait
        self.record = record
        self.interrupted: dict | None = None  # holder record left by a killed ingest
        self._lock = None

    @property
    def holder_path(self) -> Path:
        return self.data_dir / HOLDER_FILE

    def acquire(self) -> "IngestLock":
        from filelock import FileLock, Timeout

        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.data_dir / LOCK_FILE, timeout=self.wait)
        try:
            lock.acquire()
        except Timeout:
            raise IndexBusyError(self._busy_message()) from None
        self._lock = lock
        self.interrupted = _read_json(self.holder_path)
        if self.record:
            _write_json(self.holder_path, {"pid": os.getpid(), "host": socket.gethostname(),
                                           "started": time.strftime("%Y-%m-%d %H:%M:%S")})
        return self

    def release(self, *, finished: bool = True) -> None:
        """Unlock; the holder record is removed only when the work `finished`, so an ingest
        that failed or was stopped part-way is treated like a killed one next time."""
        if self._lock is None:
            return
        if self.record and finished:
            with contextlib.suppress(OSError):
                self.holder_path.unlink()
        self._lock.release()
        self._lock = None

    def __enter__(self) -> "IngestLock":
        return self.acquire()

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.release(finished=exc_type is None)

    def _busy_message(self) -> str:
        holder = _read_json(self.holder_path) or {}
        who = ""
        if holder.get("pid"):
            who = f" (process {holder['pid']}"
            if holder.get("host") and holder["host"] != socket.gethostname():
                who += f" on {holder['host']}"
            who += f", started {holder['started']})" if holder.get("started") else ")"
        waited = f" after waiting {self.wait:g} s" if self.wait else ""
        return (f"Another ingest is writing to {self.data_dir}{who}; gave up{waited} and "
                "changed nothing. Wait for it to finish and run this again, or raise "
                "NEWSQA_INGEST_LOCK_WAIT to wait longer.")


def try_lock(data_dir: Path) -> IngestLock | None:
    """The lock if no ingest holds it right now, else None (also None when the folder is
    read-only): for readers that may tidy up only while nobody is writing."""
    try:
        return IngestLock(data_dir, wait=0, record=False).acquire()
    except (IndexBusyError, OSError):
        return None


@contextlib.contextmanager
def stop_between_writes():
    """Turn SIGTERM into SystemExit(143) while the block runs (main thread only).

    The default SIGTERM action ends the process wherever it is, possibly halfway through
    Chroma writing its HNSW files, which can leave the embedded store unreadable. A Python
    handler runs only between interpreter instructions, i.e. after a Chroma or model call
    returns, and SystemExit unwinds through the ingest's cleanup. SIGKILL cannot be
    handled; `recover.py` deals with what it leaves.
    """
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {} if path.exists() else None
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value), encoding="utf-8")
    os.replace(partial, path)
