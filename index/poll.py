"""One poll of followed feeds: fetch politely, read only what changed, schedule the next.

Fetching goes through `web.Fetcher`, the same guarded client as `newsqa ingest URL`
(every address and redirect hop checked by urlguard.py, a timeout, a size cap), with:

- a conditional GET: the ETag and Last-Modified of the last answer are sent back, and a
  304 costs one request and no parsing; a 200 with the same bytes as last time is not
  parsed either;
- a cap per poll: at most `feed_max_mb` of feed, `max_feed_items` entries;
- only changed entries are read: an entry whose fingerprint (feeds.entry_fingerprint) is
  the one recorded last time is skipped before its page would be fetched;
- many feeds at once on a bounded pool: `feed_connections` threads share one client whose
  connection pool has the same bound. Threads rather than httpx's async client, because
  the guarded transport and the redirect checks are synchronous and already tested; the
  work is waiting on sockets, which threads do as well at this scale (50 feeds);
- the next poll: the feed's interval with +-10 % jitter (feeds followed together do not
  stay in lockstep), or after a failure an exponential back-off (interval x 2^failures, at
  most a day), never sooner than the server's `Retry-After`.

Nothing here writes to the index: `watch.py` ingests what a poll returns and only then
records the new state, so a poll cut short is simply done again.
"""

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from newsqa.index.article import Article, Skipped
from newsqa.index.feeds import entry_fingerprint, entry_key, feed_articles, read_feed
from newsqa.index.limits import LoadLimits
from newsqa.index.subscriptions import Subscription, trim_seen
from newsqa.index.web import Fetcher, FetchFailure, NotModified, Page

JITTER = 0.1  # +-10 % of the interval
MAX_BACKOFF = 86400.0  # a day: a feed that keeps failing is still tried daily
MAX_RETRY_AFTER = 7 * 86400.0


@dataclass
class FeedPoll:
    """What one poll of one feed found (nothing is stored yet)."""

    url: str
    status: str  # "changed", "not-modified", "unchanged" (same bytes or same entries), "error"
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    fresh: dict[str, str] = field(default_factory=dict)  # entry key -> fingerprint, read now
    entries: int = 0  # in the feed as fetched
    error: str | None = None
    retry_after: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha: str | None = None
    title: str | None = None


def feed_limits(limits: LoadLimits, feed_max_mb: float) -> LoadLimits:
    if feed_max_mb >= limits.max_file_mb:
        return limits
    return replace(limits, max_file_mb=feed_max_mb, size_setting="NEWSQA_FEED_MAX_MB")


def make_fetcher(limits: LoadLimits, connections: int) -> Fetcher:
    return Fetcher(limits, max_connections=connections)


def poll_one(fetcher: Fetcher, feed: Subscription) -> FeedPoll:
    """Fetch `feed` (conditionally) and read its new and edited entries."""
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    page = fetcher.fetch(feed.url, headers or None)
    if isinstance(page, NotModified):
        return FeedPoll(feed.url, "not-modified", etag=feed.etag,
                        last_modified=feed.last_modified, body_sha=feed.body_sha)
    if isinstance(page, FetchFailure):
        return FeedPoll(feed.url, "error", error=page.reason, retry_after=page.retry_after)
    assert isinstance(page, Page)
    kind = page.kind
    if kind != "feed":
        what = "an HTML page" if kind == "html" else f"{page.content_type or 'untyped'} content"
        return FeedPoll(feed.url, "error", error=f"the address now serves {what}, not an RSS or "
                        "Atom feed; it is tried again later (unfollow it if it moved)")
    body_sha = hashlib.sha256(page.data).hexdigest()[:32]
    found = FeedPoll(feed.url, "unchanged", etag=page.etag, last_modified=page.last_modified,
                     body_sha=body_sha)
    if body_sha == feed.body_sha:
        return found
    headers = {"content-type": f"{page.content_type}; charset={page.charset}"
               if page.charset else page.content_type, "content-location": page.url}
    parsed = read_feed(page.data, feed.url, fetcher.limits, headers=headers)
    found.title = parsed.source
    found.entries = len(parsed.entries)
    if not parsed.entries:
        found.status, found.error = "error", "; ".join(s.reason for s in parsed.problems)
        found.body_sha = None  # read it again next time
        return found
    found.skipped.extend(parsed.problems)
    changed = [e for e in parsed.entries if feed.seen.get(entry_key(e)) != entry_fingerprint(e)]
    if not changed:
        return found
    found.status = "changed"
    for entry, result in zip(changed, feed_articles(parsed, fetcher.limits,
                                                    fetch_page=fetcher.article_page,
                                                    entries=changed)):
        (found.articles if isinstance(result, Article) else found.skipped).append(result)
        found.fresh[entry_key(entry)] = entry_fingerprint(entry)
    return found


def poll_feeds(feeds: list[Subscription], limits: LoadLimits, *, connections: int = 8,
               fetcher: Fetcher | None = None) -> list[FeedPoll]:
    """Poll `feeds` at most `connections` at a time; one feed's failure is its own."""
    if not feeds:
        return []
    own = fetcher is None
    fetcher = fetcher or make_fetcher(limits, connections)
    _ = fetcher.client  # made once, before the threads share it
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(connections, len(feeds))),
                                thread_name_prefix="newsqa-poll") as pool:
            return list(pool.map(lambda f: _safely(fetcher, f), feeds))
    finally:
        if own:
            fetcher.close()


def _safely(fetcher: Fetcher, feed: Subscription) -> FeedPoll:
    try:
        return poll_one(fetcher, feed)
    except Exception as error:  # a parser or page bug must not stop the other feeds
        return FeedPoll(feed.url, "error", error=f"{type(error).__name__}: {error}")


def next_poll_after(feed: Subscription, poll: FeedPoll, now: float,
                    rng: random.Random | None = None) -> tuple[float, int]:
    """(when to poll next, failures in a row) after `poll`."""
    rng = rng or random
    jitter = 1 + rng.uniform(-JITTER, JITTER)
    if poll.status != "error":
        return now + feed.every * jitter, 0
    failures = feed.failures + 1
    wait = min(feed.every * 2 ** failures, max(MAX_BACKOFF, feed.every)) * jitter
    if poll.retry_after:
        wait = max(wait, min(poll.retry_after, MAX_RETRY_AFTER))
    return now + wait, failures


def recorded(feed: Subscription, poll: FeedPoll, now: float, *, new: int = 0, updated: int = 0,
             rng: random.Random | None = None) -> Subscription:
    """`feed` with what `poll` found, once its articles are stored."""
    next_poll, failures = next_poll_after(feed, poll, now, rng)
    change = {"last_poll": now, "next_poll": next_poll, "failures": failures,
              "last_status": poll.status}
    if poll.status == "error":
        change["last_error"] = poll.error
        return feed.model_copy(update=change)
    change.update(last_success=now, last_error=None, etag=poll.etag,
                  last_modified=poll.last_modified, body_sha=poll.body_sha,
                  last_new=new, last_updated=updated, total_new=feed.total_new + new,
                  total_updated=feed.total_updated + updated)
    if poll.title:
        change["title"] = poll.title
    if poll.fresh:
        seen = {k: v for k, v in feed.seen.items() if k not in poll.fresh}
        change["seen"] = trim_seen({**seen, **poll.fresh})
    return feed.model_copy(update=change)
