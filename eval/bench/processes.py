"""Start a server we own in its own process group, wait until it answers, always stop it.

Shared by `newsqa loadtest`, `newsqa bench` (cold start) and the tests, so each stops what it
started by PID group, and only that.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from newsqa.errors import NewsqaError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ready(url: str, timeout: float = 2) -> bool:
    """The URL answers with a success status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


class ServerDidNotStart(NewsqaError):
    """The process exited or did not become ready in time (the message ends with its output)."""


@contextmanager
def running_process(args: list[str], log_path: Path, ready: Callable[[], bool], *, what: str,
                    timeout: float, env: dict | None = None,
                    poll: float = 0.5) -> Iterator[subprocess.Popen]:
    """Run `args` with output to `log_path` until `ready()`; SIGTERM (then SIGKILL) on exit."""
    with open(log_path, "w+") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, env=env)
        started = time.monotonic()
        try:
            while not ready():
                if process.poll() is not None or time.monotonic() - started > timeout:
                    log.seek(0)
                    raise ServerDidNotStart(f"{what} did not start; its output ends with:\n"
                                            f"{log.read()[-3000:]}")
                time.sleep(poll)
            yield process
        finally:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
