"""The feeds a data folder follows, and what each poll of them left behind.

One JSON file, `<data_dir>/feeds.json`, holds every followed feed: its address and
interval, its HTTP validators (ETag, Last-Modified) for the next conditional GET, when it
was polled and is due next, its failures, and a fingerprint of each entry it had last time
(`feeds.entry_fingerprint`), so an unchanged entry costs nothing. pydantic reads it, so a
hand-edited file with a wrong field is reported by name instead of half-read.

Several processes may touch the file (a watcher, `newsqa follow` in a shell, the page's Feeds
panel): every change is read-modify-write under a file lock (`feeds.json.lock`) and written
atomically (a temporary file, then rename), so none is lost and a kill never leaves half a
file. A watcher keeps its poll results in memory and commits each feed's new state with
`FeedBook.update`, on top of whatever the file says by then.
"""

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from newsqa.errors import FeedError

FEEDS_FILE = "feeds.json"
FORMAT = "newsqa-feeds-1"
DEFAULT_EVERY = 15 * 60.0
MIN_EVERY = 1.0  # seconds; tests poll every second, real feeds rarely change within minutes
MAX_SEEN = 2000  # entry fingerprints kept per feed (a feed lists its newest ~10-100)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


class Subscription(BaseModel):
    """One followed feed and the state its polls keep."""

    url: str
    every: float = Field(DEFAULT_EVERY, ge=MIN_EVERY, description="seconds between polls")
    keep: bool = Field(False, description="its articles are never removed by NEWSQA_KEEP_DAYS")
    title: str | None = None
    site: str | None = None  # the page it was found on, when followed by a site's address
    # Who followed it on a server with logins ("user-NAME"); None: the operator. Only they
    # or an admin may unfollow it.
    followed_by: str | None = None
    added: float = Field(default_factory=time.time)
    # --- what the polls left behind ---
    etag: str | None = None
    last_modified: str | None = None
    body_sha: str | None = None  # of the last body read: the same bytes are not parsed again
    last_poll: float | None = None
    last_success: float | None = None
    next_poll: float = 0.0  # due at once
    failures: int = 0  # in a row; the back-off grows with it
    last_error: str | None = None
    last_status: str | None = None  # changed, not-modified, unchanged, error
    last_new: int = 0
    last_updated: int = 0
    total_new: int = 0
    total_updated: int = 0
    seen: dict[str, str] = Field(default_factory=dict)  # entry key -> fingerprint

    def due(self, now: float) -> bool:
        return self.next_poll <= now


class _FeedsFile(BaseModel):
    format: str = FORMAT
    feeds: list[Subscription] = Field(default_factory=list)


def parse_every(text: str | float | None) -> float:
    """'90s', '15m', '2h', '1d' as seconds (a unit is required: '15' could mean anything)."""
    if text is None or text == "":
        return DEFAULT_EVERY
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        found = _DURATION.match(str(text))
        if not found:
            raise FeedError(f"Cannot read the interval {text!r}: give a number and a unit, "
                            "e.g. 90s, 15m, 2h or 1d.")
        seconds = float(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()]
    if seconds < MIN_EVERY:
        raise FeedError(f"The interval {text!r} is too short: at least {MIN_EVERY:g} s.")
    return seconds


def format_every(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


class FeedBook:
    """The followed feeds of one data folder (`feeds.json`)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / FEEDS_FILE

    def all(self) -> list[Subscription]:
        return self._read().feeds

    def get(self, url: str) -> Subscription | None:
        return next((s for s in self.all() if s.url == url), None)

    def add(self, subscription: Subscription) -> tuple[Subscription, bool]:
        """Follow a feed; one already followed keeps its state and takes the new interval
        and `keep`. Returns (the subscription, whether it is new)."""
        with self._editing() as book:
            for i, old in enumerate(book.feeds):
                if old.url == subscription.url:
                    book.feeds[i] = old.model_copy(update={
                        "every": subscription.every, "keep": subscription.keep,
                        "next_poll": min(old.next_poll, subscription.next_poll)})
                    return book.feeds[i], False
            book.feeds.append(subscription)
            return subscription, True

    def remove(self, url: str) -> Subscription | None:
        with self._editing() as book:
            for i, old in enumerate(book.feeds):
                if old.url == url:
                    return book.feeds.pop(i)
        return None

    def update(self, url: str, change: Callable[[Subscription], Subscription]) -> Subscription | None:
        """Apply `change` to the feed as the file holds it now (None: it was unfollowed)."""
        return self.update_many({url: change}).get(url)

    def update_many(self, changes: dict[str, Callable[[Subscription], Subscription]]
                    ) -> dict[str, Subscription]:
        """`update` for several feeds in one write (a cycle of 304s writes the file once)."""
        if not changes:
            return {}
        done = {}
        with self._editing() as book:
            for i, old in enumerate(book.feeds):
                if old.url in changes:
                    book.feeds[i] = done[old.url] = changes[old.url](old)
        return done

    def poll_now(self, url: str | None = None) -> None:
        """Make one feed (or all) due at once."""
        with self._editing() as book:
            for i, old in enumerate(book.feeds):
                if url is None or old.url == url:
                    book.feeds[i] = old.model_copy(update={"next_poll": 0.0})

    # --- the file ---------------------------------------------------------------
    @contextlib.contextmanager
    def _editing(self) -> Iterator[_FeedsFile]:
        from filelock import FileLock

        from filelock import Timeout

        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock", timeout=30)
        try:
            lock.acquire()
        except Timeout:
            raise FeedError(f"{self.path} has been locked by another newsqa process for 30 s; "
                            "nothing was changed. Try again.") from None
        try:
            book = self._read()
            yield book
            write_atomically(self.path, book.model_dump_json(indent=1))
        finally:
            lock.release()

    def _read(self) -> _FeedsFile:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _FeedsFile()
        except OSError as error:
            raise FeedError(f"Cannot read {self.path}: {error.strerror}.") from None
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise FeedError(f"{self.path} is not valid JSON (line {error.lineno}: {error.msg}); "
                            "nothing was changed. Fix it, or move it away to start the list "
                            "of followed feeds again.") from None
        if isinstance(data, dict) and data.get("format", FORMAT) != FORMAT:
            raise FeedError(f"{self.path} has format {data.get('format')!r}, not {FORMAT!r} "
                            "(written by another newsqa version); nothing was changed.")
        try:
            return _FeedsFile.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise FeedError(f"{self.path}: field {where}: {first['msg']}; nothing was changed. "
                            "Fix that field, or unfollow and follow the feed again.") from None


def trim_seen(seen: dict[str, str]) -> dict[str, str]:
    """The newest MAX_SEEN fingerprints (dicts keep insertion order: newest last)."""
    if len(seen) <= MAX_SEEN:
        return seen
    return dict(list(seen.items())[-MAX_SEEN:])


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
