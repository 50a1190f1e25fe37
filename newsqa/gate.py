"""One limit on how many questions are answered at once, shared by the page and the APIs.

Answering is CPU-bound (see `ui.queue_limits`), so the page's Gradio queue lets
`concurrency` answers run at once and `max_queue` wait. The REST, OpenAI-compatible and
MCP routes run outside Gradio's queue; without a shared limit they would answer beside the
page's answers and oversubscribe the same cores. `AnswerGate` is that limit: a semaphore of
the page's size that every answer holds while it runs (the page's in `ui_ask.answer_turns`,
the programs' in `run`), and, for the programs, a cap on how many may wait, past which a
request is refused at once (HTTP 503) instead of piling up, as Gradio's full queue does.

Programs' work runs on the gate's own threads, so waiting requests never take the
threads that FastAPI and Gradio serve files and events with.
"""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from newsqa.errors import NewsqaError

T = TypeVar("T")


class BusyError(NewsqaError):
    """Every answering slot is taken and the waiting line is full (HTTP 503)."""


class AnswerGate:
    def __init__(self, concurrency: int, max_waiting: int, *, name: str = "answer"):
        self.concurrency = max(1, concurrency)
        self.max_waiting = max(0, max_waiting)
        self.name = name
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._admitted = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency + self.max_waiting,
                                        thread_name_prefix=f"newsqa-{name}")

    @contextmanager
    def slot(self):
        """Hold one answering slot (blocks until one is free); for the page's handlers,
        whose waiting line Gradio's queue already caps."""
        self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()

    def _admit(self) -> None:
        with self._lock:
            if self._admitted >= self.concurrency + self.max_waiting:
                raise BusyError(f"The server is busy: {self.concurrency} requests are being "
                                f"answered and {self.max_waiting} are waiting. Try again in a "
                                "few seconds.")
            self._admitted += 1

    def _leave(self) -> None:
        with self._lock:
            self._admitted -= 1

    def _held(self, work: Callable[[], T]) -> T:
        with self.slot():
            return work()

    async def run(self, work: Callable[[], T]) -> T:
        """Run `work()` in a slot, on the gate's threads; BusyError at once when full."""
        self._admit()
        try:
            future = self._pool.submit(self._held, work)
        except BaseException:
            self._leave()
            raise
        # Counted until the work ends, not until the caller stops waiting: a client that
        # hangs up does not free room while its answer is still being computed.
        future.add_done_callback(lambda _: self._leave())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
