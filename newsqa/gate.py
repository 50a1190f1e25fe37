"""One limit on how many questions are answered at once, shared by the page and the APIs.

Answering is CPU-bound (see `queue_limits` below), so the page's Gradio queue lets
`concurrency` answers run at once and `max_queue` wait. The REST, OpenAI-compatible and
MCP routes run outside Gradio's queue; without a shared limit they would answer beside the
page's answers and oversubscribe the same cores. `AnswerGate` is that limit: a semaphore of
the page's size that every answer holds while it runs (the page's in `page.ask.answer_turns`,
the programs' in `run`), and, for the programs, a cap on how many may wait, past which a
request is refused at once (HTTP 503) instead of piling up, as Gradio's full queue does.

Programs' work runs on the gate's own threads, so waiting requests never take the
threads that FastAPI and Gradio serve files and events with.
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from newsqa.errors import NewsqaError
from newsqa.settings import Settings

log = logging.getLogger(__name__)

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


def queue_limits(settings: Settings) -> tuple[int, int]:
    """(questions answered at once, questions allowed to wait) for Gradio's queue.

    Answering is CPU-bound (ONNX embedder and cross-encoder, BM25, verification, and with
    `llamacpp:` a model generating on the CPU) and the target box has 2 cores, so the
    default is 2 at a time: measured with `newsqa loadtest` (20 sessions, 60 s, on a shared
    2-core box) it gave 2.6-4.3 answers/s where 1 at a time gave 1.6-2.8 (4 runs each;
    2 was faster in 3 of 4 back-to-back pairs) and 3 or 4 at a time no more (3.5, 3.2):
    with two, one answer's ONNX work overlaps the other's Python; with more, they only take
    turns on the same two cores. An in-process llama.cpp model is not thread-safe, so with
    `llamacpp:` it is always 1 (a remote `openai:`/`ollama:` server does its own queuing).
    `NEWSQA_UI_CONCURRENCY` overrides the default. It is one limit for the page and the
    /chat API because build_app gives both answer events `concurrency_id="answer"`.

    The waiting line is capped (`NEWSQA_MAX_QUEUE`) so that a burst cannot pile up work
    without bound: 64 questions wait for the extractive answerer, about 15-25 s at the
    rates above; with llama.cpp (~8 s per answer on 2 cores) 8 questions, about a minute.
    Past that, Gradio turns a question away at once ("This application is currently busy.
    Please try again." in the browser, "Queue is full" for gradio_client) rather than
    leaving people waiting for minutes.
    """
    in_process_model = settings.llm.strip().lower().partition(":")[0] == "llamacpp"
    concurrency = settings.ui_concurrency or 2
    if in_process_model and concurrency > 1:
        if settings.ui_concurrency:
            log.warning("NEWSQA_UI_CONCURRENCY=%d ignored: an in-process llama.cpp model "
                        "answers one question at a time", settings.ui_concurrency)
        concurrency = 1
    return concurrency, settings.max_queue or (8 if in_process_model else 64)
