"""What the index holds, in numbers a person can check: articles, passages, sources, dates.

The UI shows these above the chat so a reader knows what the assistant can and cannot know
(nothing published after the latest date, nothing from a source that is not listed), and
so that adding articles visibly changes something. Computed from passage metadata alone
(`PassageStore.scan(texts=False)`), which every store version has; one pass also yields the source
list for the filter menu, so the UI needs no second scan.
"""

import contextlib
import dataclasses
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.assistant.age import ago
from newsqa.index.subscriptions import write_atomically
from newsqa.present import escape_html


def plural(n: int, word: str) -> str:
    """'1 article', '2,310 passages'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class CorpusStats:
    articles: int = 0
    passages: int = 0
    sources: tuple[str, ...] = field(default=())  # distinct publishers, sorted case-insensitively
    earliest: str | None = None  # ISO date of the oldest dated article
    latest: str | None = None
    undated: int = 0  # articles without a publication date (date filters leave them out)
    counting: bool = False  # only `passages` is known yet (a big index is being counted)

    def summary(self) -> str:
        """'2 articles · 9 passages · 1 source · published 2022-01-28 to 2022-02-03'."""
        if self.counting:
            return f"{plural(self.passages, 'passage')} (counting articles and sources…)"
        parts = [plural(self.articles, "article"), plural(self.passages, "passage"),
                 plural(len(self.sources), "source")]
        if self.earliest:
            parts.append(f"published {self.earliest} to {self.latest}")
        if self.undated:
            parts.append(f"{self.undated:,} undated")
        return " · ".join(parts)


def corpus_stats(store) -> CorpusStats:
    """Count what `store` (a `PassageStore`) holds, from one scan of its passages' metadata."""
    passages = 0
    dates: dict[str, str | None] = {}  # article_id -> published
    sources: set[str] = set()
    for _, _, meta in store.scan(texts=False):
        passages += 1
        meta = meta or {}
        article = meta.get("article_id")
        if article is not None and article not in dates:
            dates[article] = meta.get("published") or None
        if meta.get("source"):
            sources.add(str(meta["source"]))
    dated = sorted(d for d in dates.values() if d)
    return CorpusStats(
        articles=len(dates), passages=passages,
        sources=tuple(sorted(sources, key=lambda s: (s.lower(), s))),
        earliest=dated[0] if dated else None, latest=dated[-1] if dated else None,
        undated=len(dates) - len(dated),
    )


def stats_html(stats: CorpusStats, updated: float | None = None,
               now: float | None = None) -> str:
    """'Index: 3 articles · … · updated 5 min ago' (`updated`: epoch seconds of the index's
    last change, when known), so a reader sees that background polls keep it current."""
    text = stats.summary()
    attributes = f'data-articles="{stats.articles}" data-passages="{stats.passages}"'
    if updated:
        text += f" · updated {ago(max(0.0, (time.time() if now is None else now) - updated))}"
        attributes += f' data-updated="{updated:.0f}"'
    return f'<p class="nq-stats" {attributes}>Index: {escape_html(text)}</p>'


class LiveStats:
    """The store's corpus stats, without ever making a page (or a server's start) wait long.

    Counting articles, sources and dates reads every passage's metadata: a fraction of a
    second for a few thousand passages, minutes for a million. Up to `SYNC_LIMIT` passages
    the count is done when asked, as the stats are needed; beyond it, on a background thread
    whenever the passage count changed, and until it is done `current()` gives the last
    result: from memory, or from `<data_dir>/corpus-stats.json` written by the last count
    (valid while the store's count and last change are the same), or at first the passage
    count alone. Many pages' timers asking at once start one count.
    """

    SYNC_LIMIT = 20_000

    def __init__(self, store, keyword=None):
        self.store = store
        self.keyword = keyword  # its last change is when the index was last updated
        self._count: int | None = None
        self._stats: CorpusStats | None = None
        self._scanning = threading.Lock()
        self._background: threading.Thread | None = None
        folder = getattr(store, "data_dir", None)
        self._cache = Path(folder) / "corpus-stats.json" if folder is not None else None

    def current(self, force: bool = False) -> CorpusStats:
        count = self.store.count()
        if not force and self._stats is not None and self._count == count:
            return self._stats
        if count <= self.SYNC_LIMIT:
            with self._scanning:
                if force or self._stats is None or self._count != count:
                    self._count, self._stats = count, corpus_stats(self.store)
            return self._stats
        if self._stats is None or self._count != count:
            cached = self._read_cache(count)
            if cached is not None:
                self._count, self._stats = count, cached
                return cached
        self._count_in_background()
        return self._stats or CorpusStats(passages=count, counting=True)

    def _count_in_background(self) -> None:
        with self._scanning:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(target=self._count_now, daemon=True,
                                                 name="newsqa-corpus-stats")
            self._background.start()

    def _count_now(self) -> None:
        count, change = self.store.count(), self.updated()
        stats = corpus_stats(self.store)
        self._count, self._stats = count, stats
        if self._cache is not None:
            with contextlib.suppress(OSError):
                write_atomically(self._cache, json.dumps(
                    {"passages": count, "last_change": change,
                     "stats": dataclasses.asdict(stats)}))

    def _read_cache(self, count: int) -> CorpusStats | None:
        if self._cache is None:
            return None
        try:
            saved = json.loads(self._cache.read_text(encoding="utf-8"))
            if saved["passages"] != count or saved["last_change"] != self.updated():
                return None
            fields = saved["stats"]
            return CorpusStats(**{**fields, "sources": tuple(fields.get("sources", ()))})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def updated(self) -> float | None:
        """When the index last changed (one small file read), or None without a keyword index."""
        return self.keyword.last_change() if self.keyword is not None else None

    def html(self, force: bool = False) -> str:
        """The stats line as it is now; cheap enough for the page's refresh timer."""
        return stats_html(self.current(force), self.updated())
