"""Keeping the index current on its own: poll the followed feeds, store what changed.

A `FeedWatcher` cycle: poll every due feed (`poll.py`, concurrently and conditionally),
hand each feed's new and edited entries to the same `ingest()` as every other way in, then
record that feed's new state (validators, entry fingerprints, next poll) in `feeds.json`, then
apply retention (`retention.py`). The order is what makes a killed watcher safe: until a
feed's state is recorded, its next poll reads the same entries again, and `ingest()`
stores an already stored version of an article as "unchanged", so a restart neither
duplicates nor loses an entry.

The schedule is a plain loop, not a scheduler library: every feed's next poll time is
already state that must survive restarts (it is in feeds.json), so the loop only sleeps
until the earliest one (or at most `MAX_SLEEP`, to notice feeds followed meanwhile) and
can be woken at once (`wake()`, e.g. when the page follows a feed).

One watcher per data folder: `WatchLock` holds `<data_dir>/watch.lock` (an OS lock, freed
when the process dies, even by SIGKILL) for the watcher's life; a second one is refused,
naming the first.
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from newsqa.errors import IndexBusyError, WatcherBusyError
from newsqa.index.article import Skipped
from newsqa.index.limits import LoadLimits
from newsqa.index.poll import FeedPoll, feed_limits, poll_feeds, recorded
from newsqa.index.retention import ExpiryReport, expire, is_expired
from newsqa.index.subscriptions import FeedBook, Subscription

log = logging.getLogger(__name__)

WATCH_LOCK = "watch.lock"
MAX_SLEEP = 30.0  # seconds: how soon a feed followed by another process is noticed
EXPIRE_EVERY = 3600.0  # retention runs at most hourly when no feed brought anything
INGEST_GROUP = 32  # articles per ingest() of a poll: the ingest lock is held that long
YIELD_SECONDS = 0.2


@dataclass
class FeedResult:
    """One feed's share of a cycle."""

    url: str
    status: str
    new: int = 0
    updated: int = 0
    error: str | None = None
    next_poll: float | None = None


@dataclass
class CycleReport:
    feeds: list[FeedResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ingests: list = field(default_factory=list)  # the IngestReports of what was stored
    expired: ExpiryReport | None = None
    busy: str | None = None  # the ingest lock was held: nothing recorded, polled again soon
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.feeds)

    def summary(self) -> str:
        errors = sum(1 for f in self.feeds if f.status == "error")
        unchanged = sum(1 for f in self.feeds if f.status in ("not-modified", "unchanged"))
        text = (f"{len(self.feeds)} feeds polled: {self.new} new, {self.updated} updated "
                f"articles; {unchanged} unchanged, {errors} failed ({self.seconds:.1f} s)")
        if self.busy:
            text += f"; not stored: {self.busy}"
        if self.expired is not None and self.expired.articles:
            text += f"; {self.expired.summary()}"
        return text


class WatchLock:
    """The one-watcher-per-data-folder lock (a context manager)."""

    def __init__(self, data_dir):
        from pathlib import Path

        self.data_dir = Path(data_dir)
        self._lock = None

    def acquire(self) -> "WatchLock":
        import json

        from filelock import FileLock, Timeout

        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.data_dir / WATCH_LOCK, timeout=0)
        holder = self.data_dir / (WATCH_LOCK + ".json")
        try:
            lock.acquire()
        except Timeout:
            try:
                who = json.loads(holder.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                who = {}
            by = f" (process {who.get('pid')} on {who.get('host')}, since {who.get('started')})" \
                if who.get("pid") else ""
            raise WatcherBusyError(
                f"Another watcher already polls the feeds of {self.data_dir}{by}: a `newsqa "
                "serve` or `newsqa watch`. Stop it first, or use it; two would fetch every "
                "feed twice.") from None
        self._lock = lock
        holder.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                      "started": time.strftime("%Y-%m-%d %H:%M:%S")}),
                          encoding="utf-8")
        return self

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "WatchLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


class FeedWatcher:
    """Polls the feeds of `settings.data_dir` and ingests what changed.

    `embedder` and `store` are shared with the caller when given (the server's), else
    loaded on the first cycle that has something to store. `clock` and `rng` (the jitter)
    are for tests.
    """

    def __init__(self, settings, *, embedder=None, store=None, clock=time.time, rng=None,
                 progress=None):
        self.settings = settings
        self.progress = progress  # passed to ingest(): (done, total) articles
        self.book = FeedBook(settings.data_dir)
        self.embedder = embedder
        self.store = store
        self.clock = clock
        self.rng = rng
        self.last_cycle: CycleReport | None = None
        self._wake = threading.Event()
        self._last_expiry = 0.0
        self.running = False  # a loop (`run`) is polling: wake() has someone to wake

    # --- one cycle ------------------------------------------------------------------
    def poll(self, *, only: list[str] | None = None, force: bool = False) -> CycleReport:
        """Poll the due feeds (`only` these, `force`: due or not) and store what changed."""
        started, cpu = time.perf_counter(), time.process_time()
        now = self.clock()
        feeds = [f for f in self.book.all()
                 if (only is None or f.url in only) and (force or f.due(now))]
        report = CycleReport()
        limits = feed_limits(LoadLimits.from_settings(self.settings), self.settings.feed_max_mb)
        polls = poll_feeds(feeds, limits, connections=self.settings.feed_connections)
        stored_any = False
        later = {}  # feeds without articles: their state is written at the end, in one go
        for feed, found in zip(feeds, polls):
            if report.busy is not None:  # the index is taken: leave the rest due, try again
                report.feeds.append(FeedResult(found.url, "error", error=report.busy))
                continue
            if not found.articles:
                report.skipped.extend(found.skipped)
                later[found.url] = found
                continue
            counts = self._store(found, report, now)
            if counts is None:
                report.feeds.append(FeedResult(found.url, "error", error=report.busy))
                continue
            stored_any |= any(counts)
            # Recorded as soon as its articles are stored: a kill after this loses nothing.
            saved = self.book.update(found.url, self._recording(found, now, *counts))
            report.feeds.append(self._result(found, saved, *counts))
        saved = self.book.update_many({url: self._recording(found, now, 0, 0)
                                       for url, found in later.items()})
        report.feeds.extend(self._result(found, saved.get(url), 0, 0)
                            for url, found in later.items())
        report.expired = self._expire(now, changed=stored_any)
        report.seconds = time.perf_counter() - started
        report.cpu_seconds = time.process_time() - cpu
        self.last_cycle = report
        return report

    def _store(self, found: FeedPoll, report: CycleReport, now: float) -> tuple[int, int] | None:
        """Ingest one feed's articles, INGEST_GROUP at a time: (new, updated), or None when
        the ingest lock was held (nothing of this feed is recorded; it stays due).

        In groups, so that a big first poll does not keep an upload on the page waiting
        for minutes: between groups the lock is free for a moment."""
        from newsqa.index.pipeline import ingest

        report.skipped.extend(found.skipped)
        articles = []
        for article in found.articles:
            if is_expired(article, self.settings.keep_days, now):
                report.skipped.append(Skipped(article.origin, "published before the "
                                              "NEWSQA_KEEP_DAYS window; not stored"))
            else:
                articles.append(article)
        new = updated = 0
        for i in range(0, len(articles), INGEST_GROUP):
            if i:
                time.sleep(YIELD_SECONDS)  # let a waiting writer (an upload) take the lock
            self.open_index()
            try:
                result = ingest(articles[i:i + INGEST_GROUP], self.settings,
                                embedder=self.embedder, store=self.store, progress=self.progress)
            except IndexBusyError as error:
                report.busy = str(error)
                return None
            report.ingests.append(result)
            report.skipped.extend(result.skipped)
            new, updated = new + len(result.new), updated + len(result.updated)
        return new, updated

    def _recording(self, found: FeedPoll, now: float, new: int, updated: int):
        return lambda current: recorded(current, found, now, new=new, updated=updated,
                                        rng=self.rng)

    @staticmethod
    def _result(found: FeedPoll, saved: Subscription | None, new: int, updated: int) -> FeedResult:
        if found.status == "error":
            log.warning("feed %s: %s", found.url, found.error)
        return FeedResult(found.url, found.status, new=new, updated=updated, error=found.error,
                          next_poll=saved.next_poll if saved else None)

    def _expire(self, now: float, *, changed: bool) -> ExpiryReport | None:
        if not self.settings.keep_days or (not changed and now - self._last_expiry < EXPIRE_EVERY):
            return None
        self._last_expiry = now
        self.open_index()
        try:
            return expire(self.settings, self.store, now=now,
                          keep_feeds=[f.url for f in self.book.all() if f.keep])
        except IndexBusyError:
            self._last_expiry = 0.0  # try again next cycle
            return None

    def open_index(self) -> None:
        if self.embedder is None:
            from newsqa.index.embed import load_embedder

            self.embedder = load_embedder(self.settings.embedding_model,
                                          batch_size=self.settings.embedding_batch_size,
                                          threads=self.settings.threads)
        if self.store is None:
            from newsqa.index.pipeline import open_store

            self.store = open_store(self.settings, self.embedder)

    # --- the loop -------------------------------------------------------------------
    def seconds_to_next(self) -> float:
        feeds = self.book.all()
        if not feeds:
            return MAX_SLEEP
        return max(0.0, min(min(f.next_poll for f in feeds) - self.clock(), MAX_SLEEP))

    def wake(self) -> None:
        """Poll now (the page followed a feed, say) instead of after the current sleep."""
        self._wake.set()

    def run(self, stop: threading.Event, on_cycle=None) -> None:
        """Cycle until `stop` is set; each cycle's report goes to `on_cycle`. An error in
        one cycle is logged and the loop goes on: a watcher must outlive a bad feed."""
        self.running = True
        try:
            self._loop(stop, on_cycle)
        finally:
            self.running = False

    def _loop(self, stop: threading.Event, on_cycle) -> None:
        while not stop.is_set():
            try:
                report = self.poll()
                if on_cycle is not None and (report.feeds or report.expired):
                    on_cycle(report)
                wait = self.seconds_to_next()
            except Exception:  # keep watching; the next cycle may well succeed
                log.exception("feed poll failed; trying again in %g s", MAX_SLEEP)
                wait = MAX_SLEEP
            self._wake.clear()
            if wait > 0:
                # Whichever comes first: the next due feed, a wake(), or stop.
                deadline = time.monotonic() + wait
                while not stop.is_set() and not self._wake.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._wake.wait(min(left, 0.5))

    def start(self, on_cycle=None) -> "BackgroundWatcher":
        """Run in a daemon thread, holding the watch lock (WatcherBusyError if held)."""
        return BackgroundWatcher(self, on_cycle).start()


class BackgroundWatcher:
    """A watcher on its own thread (for `newsqa serve`); `stop()` ends it."""

    def __init__(self, watcher: FeedWatcher, on_cycle=None):
        self.watcher = watcher
        self.on_cycle = on_cycle
        self.lock = WatchLock(watcher.settings.data_dir)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="newsqa-watch", daemon=True)

    def start(self) -> "BackgroundWatcher":
        self.lock.acquire()
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.watcher.run(self.stopping, self.on_cycle)
        finally:
            self.lock.release()

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        self.watcher.wake()
        self.thread.join(timeout)
