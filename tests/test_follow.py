"""Following feeds: real HTTP on 127.0.0.1, real models and Chroma, the index asserted
after every poll (ids, versions, no duplicates, keyword index in step).

A local server's feed changes between polls: new and edited entries, 304 Not Modified,
a 500 then recovery, Retry-After, a timeout, malformed XML, a redirect loop, an oversized
body, HTML instead of a feed. The clock is the test's, so back-off is checked exactly.
"""

import json
import random
import re
import threading
import time

import pytest
from feedfixtures import entry, page, rss
from localsite import Route, serve

from newsqa.errors import FeedError, WatcherBusyError
from newsqa.index.follow import feed_links, follow, unfollow
from newsqa.index.pipeline import open_keyword_index, open_store
from newsqa.index.poll import JITTER, MAX_BACKOFF
from newsqa.index.subscriptions import FeedBook, format_every, parse_every
from newsqa.index.watch import FeedWatcher, WatchLock
from newsqa.settings import Settings

FEED = "/feed.xml"


@pytest.fixture(autouse=True)
def allow_the_local_site(monkeypatch):
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "127.0.0.1")


@pytest.fixture
def site():
    with serve({}) as running:
        yield running


def publish(site, entries, path=FEED, **route):
    """Serve `entries` at `path`, with an ETag that changes with the content (as servers do)."""
    body = rss(site.base, entries)
    headers = {"ETag": f'"{abs(hash(body))}"', **route.pop("headers", {})}
    site.routes[path] = Route(body, content_type="application/rss+xml", headers=headers, **route)
    for e in entries:
        site.routes[f"/news/{e.key}"] = Route(page(e))


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def stored(settings, embedder):
    """{article id: (title, texts, content hashes)} and the keyword index's passage count."""
    store = open_store(settings, embedder)
    articles: dict[str, tuple[str, list[str], set[str]]] = {}
    for _, text, meta in store.scan():
        title, texts, hashes = articles.setdefault(meta["article_id"], (meta["title"], [], set()))
        texts.append(text)
        hashes.add(meta["content_hash"])
    return articles, store.count(), open_keyword_index(settings).count()


def assert_consistent(settings, embedder, expected_titles: int):
    articles, passages, keyword = stored(settings, embedder)
    assert len(articles) == expected_titles
    assert keyword == passages  # the keyword index holds exactly the stored passages
    for title, texts, hashes in articles.values():
        assert len(hashes) == 1, f"two versions of {title!r} are stored"
    return articles


def test_new_edited_and_unchanged_entries(site, settings, embedder):
    publish(site, [entry(0), entry(1)])
    feed, new = follow(settings, site.url(FEED), every="10m")
    assert new and feed.title == "Valley Wire" and feed.every == 600
    clock = Clock()
    watcher = FeedWatcher(settings, embedder=embedder, clock=clock)

    first = watcher.poll()
    assert (first.new, first.updated) == (2, 0)
    assert_consistent(settings, embedder, 2)

    # Not due yet: nothing is fetched.
    requests = site.count(FEED)
    assert watcher.poll().feeds == [] and site.count(FEED) == requests

    # Due, unchanged: a conditional GET answered 304, nothing read or stored.
    clock.now += 700
    second = watcher.poll()
    assert second.feeds[0].status == "not-modified" and second.ingests == []
    sent = site.headers[-1][1]
    assert sent.get("If-None-Match") == site.routes[FEED].headers["ETag"]

    # One entry edited, one added, one unchanged.
    publish(site, [entry(0), entry(1, edit=1), entry(2)])
    clock.now += 700
    third = watcher.poll()
    assert (third.new, third.updated) == (1, 1)
    articles = assert_consistent(settings, embedder, 3)
    edited = next(texts for title, texts, _ in articles.values() if "Quillmere" in title)
    assert any("110 million" in t for t in edited)
    assert not any(re.search(r"\b10 million", t) for t in edited)
    state = FeedBook(settings.data_dir).get(site.url(FEED))
    assert (state.total_new, state.total_updated, state.last_new, state.last_updated) == (3, 1, 1, 1)
    assert len(state.seen) == 3 and state.failures == 0


def test_unchanged_entries_cost_no_page_fetch(site, settings, embedder):
    """Teaser-only entries get their page fetched once; a later poll of a changed feed
    fetches only the new entry's page."""
    publish(site, [entry(0, teaser=True), entry(1, teaser=True)])
    follow(settings, site.url(FEED), every="1m")
    clock = Clock()
    watcher = FeedWatcher(settings, embedder=embedder, clock=clock)
    assert watcher.poll().new == 2
    assert site.count("/news/story-0") == 1 and site.count("/news/story-1") == 1
    articles = assert_consistent(settings, embedder, 2)
    assert all(any("council said" in t for t in texts) for _, texts, _ in articles.values())

    publish(site, [entry(0, teaser=True), entry(1, teaser=True), entry(2, teaser=True)])
    clock.now += 120
    assert watcher.poll().new == 1
    assert site.count("/news/story-0") == 1 and site.count("/news/story-2") == 1


def test_failures_back_off_honour_retry_after_and_recover(site, settings, embedder):
    follow_url = site.url(FEED)
    publish(site, [entry(3)])
    follow(settings, follow_url, every="60s")  # (checked while the feed works)
    publish(site, [entry(3)], status=500)
    clock = Clock()
    watcher = FeedWatcher(settings, embedder=embedder, clock=clock, rng=random.Random(7))
    book = FeedBook(settings.data_dir)

    waits = []
    for _ in range(3):
        report = watcher.poll()
        assert report.feeds[0].status == "error" and "HTTP 500" in report.feeds[0].error
        state = book.get(follow_url)
        waits.append(state.next_poll - clock.now)
        clock.now = state.next_poll
    for failures, wait in enumerate(waits, start=1):
        assert 60 * 2 ** failures * (1 - JITTER) <= wait <= 60 * 2 ** failures * (1 + JITTER)
    assert book.get(follow_url).failures == 3 and "HTTP 500" in book.get(follow_url).last_error

    publish(site, [entry(3)], status=503, headers={"Retry-After": "5000"})
    watcher.poll()
    assert book.get(follow_url).next_poll - clock.now >= 5000
    clock.now = book.get(follow_url).next_poll

    publish(site, [entry(3)])
    report = watcher.poll()
    assert report.new == 1
    state = book.get(follow_url)
    assert state.failures == 0 and state.last_error is None
    assert 60 * (1 - JITTER) <= state.next_poll - clock.now <= 60 * (1 + JITTER)
    assert_consistent(settings, embedder, 1)


def test_back_off_is_capped_at_a_day(site, settings, embedder):
    publish(site, [entry(4)])
    follow(settings, site.url(FEED), every="2h")
    FeedBook(settings.data_dir).update(site.url(FEED), lambda s: s.model_copy(update={"failures": 12}))
    publish(site, [entry(4)], status=502)
    clock = Clock()
    FeedWatcher(settings, embedder=embedder, clock=clock).poll()
    wait = FeedBook(settings.data_dir).get(site.url(FEED)).next_poll - clock.now
    assert MAX_BACKOFF * (1 - JITTER) <= wait <= MAX_BACKOFF * (1 + JITTER)


def test_broken_feeds_are_reported_and_do_not_stop_the_others(site, settings, embedder, monkeypatch):
    """Timeout, malformed XML, redirect loop, oversized body, HTML instead of XML: each is
    its own error; the good feed beside them is stored in the same cycle."""
    publish(site, [entry(5)], path="/good.xml")
    bad = {"/slow.xml": "no answer within", "/broken.xml": "malformed feed",
           "/loop.xml": "too many redirects", "/huge.xml": "NEWSQA_FEED_MAX_MB",
           "/html.xml": "HTML page, not an RSS or Atom feed"}
    for path in bad:
        publish(site, [entry(6)], path=path)  # all fine while they are followed
        follow(settings, site.url(path), every="5m")
    follow(settings, site.url("/good.xml"), every="5m")
    site.routes["/slow.xml"] = Route(site.routes["/slow.xml"].body, "application/rss+xml", delay=3)
    site.routes["/broken.xml"] = Route("<?xml version='1.0'?><rss version='2.0'><channel>"
                                       "<title>Wire</title></chan", "application/rss+xml")
    site.routes["/loop.xml"] = Route("", status=302, headers={"Location": "{base}/loop.xml"})
    site.routes["/huge.xml"] = Route(b"<rss>" + b" " * 1_200_000 + b"</rss>", "application/rss+xml")
    site.routes["/html.xml"] = Route("<!doctype html><html><body>Moved</body></html>")

    slow_settings = settings.model_copy(update={"fetch_timeout": 1.0, "feed_max_mb": 1.0})
    report = FeedWatcher(slow_settings, embedder=embedder).poll()
    by_url = {f.url: f for f in report.feeds}
    assert by_url[site.url("/good.xml")].new == 1
    for path, reason in bad.items():
        result = by_url[site.url(path)]
        assert result.status == "error" and reason in result.error, (path, result.error)
    assert_consistent(settings, embedder, 1)
    book = FeedBook(settings.data_dir)
    assert all(book.get(site.url(p)).failures == 1 for p in bad)


def test_entries_stay_put_when_the_feed_drops_them(site, settings, embedder):
    publish(site, [entry(7), entry(8)])
    follow(settings, site.url(FEED), every="1m")
    clock = Clock()
    watcher = FeedWatcher(settings, embedder=embedder, clock=clock)
    watcher.poll()
    publish(site, [entry(8)])  # entry 7 fell off the end of the feed
    clock.now += 90
    watcher.poll()
    assert_consistent(settings, embedder, 2)


def test_follow_a_site_page_finds_its_feed(site, settings):
    publish(site, [entry(9)])
    site.routes["/"] = Route(f'<html><head><link rel="alternate" type="application/rss+xml" '
                             f'href="{FEED}" title="Wire"></head><body>Home</body></html>')
    feed, _ = follow(settings, site.url("/"))
    assert feed.url == site.url(FEED) and feed.site == site.url("/")
    assert feed.every == parse_every(settings.feed_every)
    assert unfollow(settings, site.url("/")).url == site.url(FEED)  # by the site's address too
    assert FeedBook(settings.data_dir).all() == []


def test_what_cannot_be_followed_says_why(site, settings):
    site.routes["/plain"] = Route("<html><body>No feed here</body></html>")
    with pytest.raises(FeedError, match="announces no RSS or Atom feed"):
        follow(settings, site.url("/plain"))
    with pytest.raises(FeedError, match="HTTP 404"):
        follow(settings, site.url("/missing.xml"))
    with pytest.raises(FeedError, match="only http"):
        follow(settings, "ftp://example.com/feed")
    with pytest.raises(FeedError, match="not followed"):
        unfollow(settings, site.url("/nothing"))
    assert FeedBook(settings.data_dir).all() == []


def test_feed_links_are_made_absolute():
    html = (b'<html><head><link rel="alternate" type="application/atom+xml" href="/atom">'
            b'<link rel="stylesheet" href="/s.css"><link rel="alternate" '
            b'type="application/rss+xml" href="https://other.example/rss"></head></html>')
    assert feed_links(html, "https://news.example/section/") == [
        "https://news.example/atom", "https://other.example/rss"]


def test_intervals():
    assert parse_every("90s") == 90 and parse_every("15m") == 900 and parse_every("2h") == 7200
    assert format_every(900) == "15m" and format_every(86400) == "1d" and format_every(90) == "90s"
    for wrong in ("15", "soon", "0s"):
        with pytest.raises(FeedError):
            parse_every(wrong)


def test_a_damaged_feeds_file_is_reported_not_overwritten(settings, site):
    settings.data_dir.mkdir(parents=True)
    path = settings.data_dir / "feeds.json"
    path.write_text(json.dumps({"format": "newsqa-feeds-1", "feeds": [{"url": "x", "every": "often"}]}))
    with pytest.raises(FeedError, match=r"feeds\.0\.every"):
        FeedBook(settings.data_dir).all()
    path.write_text("{not json")
    publish(site, [entry(10)])
    with pytest.raises(FeedError, match="not valid JSON"):
        follow(settings, site.url(FEED))
    assert path.read_text() == "{not json"


def test_retention_removes_old_articles_from_both_indexes_and_keeps_pins(site, settings, embedder):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    old, recent = now - timedelta(days=40), now - timedelta(days=2)
    publish(site, [entry(0, published=old), entry(1, published=old), entry(2, published=recent)])
    follow(settings, site.url(FEED), every="1h")
    FeedWatcher(settings, embedder=embedder).poll()
    assert_consistent(settings, embedder, 3)

    from newsqa.index.retention import Pins

    Pins(settings.data_dir).change(add=[site.url("/news/story-1")])  # pinned by its URL
    keeping = settings.model_copy(update={"keep_days": 30})
    store = open_store(keeping, embedder)
    from newsqa.index.retention import expire

    dry = expire(keeping, store, dry_run=True)
    assert len(dry.articles) == 1 and dry.kept == 1
    assert_consistent(settings, embedder, 3)  # a dry run changes nothing
    report = expire(keeping, store)
    assert len(report.articles) == 1 and report.passages > 0
    articles = assert_consistent(settings, embedder, 2)
    assert {title for title, _, _ in articles.values()} == {
        "Quillmere opens its new library", "Ostrava Vale opens its new tram depot"}
    keyword = open_keyword_index(settings)
    assert keyword.search("Varnholt footbridge", 5) == []  # gone from keyword search too

    # A watcher does not even store an entry that is already past the window.
    publish(site, [entry(3, published=old), entry(4, published=recent)])
    report = FeedWatcher(keeping, embedder=embedder).poll(force=True)
    assert report.new == 1 and any("NEWSQA_KEEP_DAYS" in s.reason for s in report.skipped)


def test_a_second_watcher_is_refused(settings):
    with WatchLock(settings.data_dir):
        with pytest.raises(WatcherBusyError, match=r"process \d+"):
            WatchLock(settings.data_dir).acquire()
    with WatchLock(settings.data_dir):  # free again once the first let go
        pass


def test_questions_are_answered_while_a_poll_stores_entries(site, settings, embedder, reranker):
    from newsqa.assistant.chain import NewsAssistant

    publish(site, [entry(0)])
    follow(settings, site.url(FEED), every="1m")
    watcher = FeedWatcher(settings, embedder=embedder, clock=Clock())
    watcher.poll()
    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    publish(site, [entry(n) for n in range(12)])
    FeedBook(settings.data_dir).poll_now()

    errors, answers, done = [], [], threading.Event()

    def ask_repeatedly():
        while not done.is_set():
            try:
                answers.append(assistant.ask("How much did the new footbridge in Varnholt cost?"))
            except Exception as error:  # pragma: no cover - the assertion reports it
                errors.append(error)

    asker = threading.Thread(target=ask_repeatedly)
    asker.start()
    try:
        report = watcher.poll()
    finally:
        done.set()
        asker.join(60)
    assert report.new == 11 and errors == [] and answers
    assert all(re.search(r"\b3 million", a.answer) for a in answers)
    later = assistant.ask("Who is the mayor of Marrowgate?")  # an entry of this poll
    assert "Rafe Lindqvist" in later.answer and later.citations


def test_an_editor_unfollows_only_the_feeds_it_followed(tmp_path):
    from newsqa.errors import NotYoursError
    from newsqa.index.follow import unfollow
    from newsqa.index.subscriptions import FeedBook, Subscription

    settings = Settings(data_dir=tmp_path / "data")
    book = FeedBook(settings.data_dir)
    book.add(Subscription(url="https://a.example/feed.xml", followed_by="user-alice"))
    book.add(Subscription(url="https://b.example/feed.xml", followed_by="user-bob"))
    with pytest.raises(NotYoursError, match="followed by someone else"):
        unfollow(settings, "https://a.example/feed.xml", by="user-bob", any_feed=False)
    assert len(book.all()) == 2  # nothing removed
    assert unfollow(settings, "https://b.example/feed.xml", by="user-bob",
                    any_feed=False).url == "https://b.example/feed.xml"
    assert unfollow(settings, "https://a.example/feed.xml", by="user-ada").url  # an admin
    assert book.all() == []
