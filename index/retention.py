"""Retention: articles older than `NEWSQA_KEEP_DAYS` leave the index, pinned ones stay.

Off by default (an archive keeps everything). When set, an article is old when it was
published more than that many days ago, or, undated, when it was written (its rows'
change number) that long ago. Kept regardless: articles of `NEWSQA_KEEP_SOURCES`, of feeds
followed with `--keep`, and articles pinned with `newsqa pin` (`pins.json`).

Removal is an ingest-like write: it holds the data folder's ingest lock, deletes through
`PassageStore.delete_passages` (a tombstone before each row, so every keyword index learns
of it) and brings the keyword index up to date before it lets go. Killed part-way, the rows
not yet deleted are found and deleted on the next run; the keyword index catches up by the
tombstones as after any cut-short ingest.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from newsqa.index.article import Article, article_id
from newsqa.index.filters import day_number, source_key
from newsqa.index.lock import IngestLock, stop_between_writes
from newsqa.index.subscriptions import write_atomically

PINS_FILE = "pins.json"


@dataclass
class ExpiryReport:
    cutoff: date | None = None  # articles published before this day are old
    articles: list[str] = field(default_factory=list)  # removed (or, dry run, to remove)
    passages: int = 0
    kept: int = 0  # old articles kept because they are pinned
    seconds: float = 0.0

    def summary(self) -> str:
        if self.cutoff is None:
            return "retention is off (NEWSQA_KEEP_DAYS is not set)"
        return (f"{len(self.articles)} articles ({self.passages} passages) older than "
                f"{self.cutoff.isoformat()} removed, {self.kept} pinned kept "
                f"({self.seconds:.1f} s)")


class Pins:
    """Articles that retention never removes, by id (`pins.json`)."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / PINS_FILE

    def ids(self) -> set[str]:
        try:
            value = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as error:
            from newsqa.errors import NewsqaError

            raise NewsqaError(f"Cannot read {self.path} ({error}); fix or remove it (it lists "
                              "the pinned article ids).") from None
        return {str(i) for i in value.get("pinned", [])} if isinstance(value, dict) else set()

    def change(self, add: list[str] = (), remove: list[str] = ()) -> set[str]:
        ids = (self.ids() | {pin_id(a) for a in add}) - {pin_id(r) for r in remove}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps({"pinned": sorted(ids)}, indent=1))
        return ids


def pin_id(value: str) -> str:
    """An article id, or the id newsqa gives the article at this URL."""
    value = value.strip()
    if "://" in value:
        return article_id(explicit=None, url=value, title="", text="")
    return value


def cutoff_day(keep_days: int, now: float) -> date:
    return date.fromtimestamp(now) - timedelta(days=keep_days)


def is_expired(article: Article, keep_days: int | None, now: float) -> bool:
    """Whether retention would remove `article` at once (a poller skips such entries)."""
    if not keep_days:
        return False
    day = day_number(article.published)
    return bool(day) and day < int(cutoff_day(keep_days, now).strftime("%Y%m%d"))


def expire(settings, store, *, keep_feeds: list[str] = (), now: float | None = None,
           dry_run: bool = False) -> ExpiryReport:
    """Remove the old articles (see the module docstring); `dry_run` only counts them."""
    from newsqa.index.pipeline import open_keyword_index
    from newsqa.index.stories import open_story_index

    started = time.perf_counter()
    report = ExpiryReport()
    if not settings.keep_days:
        return report
    now = time.time() if now is None else now
    report.cutoff = cutoff_day(settings.keep_days, now)
    pinned = Pins(settings.data_dir).ids()
    kept_sources = {source_key(s) for s in settings.kept_sources}
    kept_origins = tuple(f"{url}#" for url in keep_feeds)
    with IngestLock(settings.data_dir, wait=settings.ingest_lock_wait), stop_between_writes():
        old = store.older_than(int(report.cutoff.strftime("%Y%m%d")),
                               int((now - settings.keep_days * 86400) * 1_000_000))
        doomed: list[str] = []
        for article, rows in old.items():
            meta = rows[0][1]
            if article in pinned or meta.get("source_key") in kept_sources \
                    or str(meta.get("origin", "")).startswith(kept_origins):
                report.kept += 1
                continue
            report.articles.append(article)
            doomed.extend(pid for pid, _ in rows)
        report.passages = len(doomed)
        if doomed and not dry_run:
            store.delete_passages(sorted(doomed))
            open_keyword_index(settings).ensure_current(store)
            open_story_index(settings.data_dir).ensure_current(store)
    report.seconds = time.perf_counter() - started
    return report
