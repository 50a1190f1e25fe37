"""Questions that ask for the newest news ("latest", "this week", "yesterday").

Such phrasing makes the retriever favour recently published articles, counted back from
the question's as-of date (or from the newest candidate when there is none).
"""

import math
import re
from datetime import date

_RECENT = re.compile(
    r"\b(latest|most recent(ly)?|recent(ly)?|newest|this (week|month|weekend|year)|today|tonight"
    r"|yesterday|last (night|week|weekend)|currently|current|right now|so far|upcoming|just)\b",
    re.I,
)


def asks_for_recent(question: str) -> bool:
    return bool(_RECENT.search(question))


def _to_date(day: int) -> date | None:
    try:
        return date(day // 10000, day // 100 % 100, day % 100)
    except ValueError:
        return None


def age_in_days(day: int | None, reference_day: int | None) -> int | None:
    """Days from `day` back to `reference_day` (both YYYYMMDD), never negative; None if
    either is unknown."""
    published, reference = _to_date(day or 0), _to_date(reference_day or 0)
    if not published or not reference:
        return None
    return max((reference - published).days, 0)


def recency_weight(day: int, reference_day: int, half_life_days: float = 7.0) -> float:
    """1.0 for an article from the reference day, halving every `half_life_days` before it;
    0 for undated articles."""
    age = age_in_days(day, reference_day)
    return 0.0 if age is None else math.pow(0.5, age / half_life_days)


class RecencyClock:
    """What "latest" and "today" count back from when a question gives no as-of date.

    A live index (one that follows feeds, index/subscriptions.py) is current: "today" is the
    clock's day. A fixed archive may end years ago: there "latest" means the newest found,
    which is what `recency_day` None leaves to the retriever. `mode` is the setting
    `recency_from`: auto (live when feeds are followed), clock, or newest.
    """

    def __init__(self, mode: str, data_dir):
        from pathlib import Path

        self.mode = mode
        self.feeds_file = Path(data_dir) / "feeds.json"
        self._seen: tuple | None = None  # (mtime, size) of feeds.json when last read
        self._live = False

    def today(self) -> str | None:
        if self.mode == "newest" or (self.mode == "auto" and not self._follows_feeds()):
            return None
        return date.today().isoformat()

    def _follows_feeds(self) -> bool:
        try:
            stat = self.feeds_file.stat()
        except OSError:
            return False
        key = (stat.st_mtime_ns, stat.st_size)
        if key != self._seen:
            from newsqa.errors import NewsqaError
            from newsqa.index.subscriptions import FeedBook

            try:
                self._live = bool(FeedBook(self.feeds_file.parent).all())
            except NewsqaError:  # a damaged list is reported by the feed commands
                self._live = False
            self._seen = key
        return self._live
