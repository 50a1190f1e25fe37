"""The page's Feeds panel without a browser: the table of followed feeds (escaped, "never"
for a feed never polled, the counts of the last poll and of all), what Follow, Unfollow and
Poll now say and do (against a web server on 127.0.0.1), and the stats line's age."""

from html.parser import HTMLParser

import pytest

from localsite import Route, serve
from newsqa.index.subscriptions import FeedBook, Subscription
from newsqa.settings import Settings
from newsqa.corpus_stats import stats_html
from newsqa.page.feeds import (feed_choices, feeds_panel, feeds_table_html, follow_notice,
                             poll_now_notice, unfollow_notice)

NOW = 1_700_000_000.0
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Fen Tribune</title><link>{base}/</link>
<description>Local news</description>
<item><title>Lock gates repaired</title><link>{base}/lock</link>
<description>The lock gates at Wendle were repaired on Monday.</description></item>
</channel></rss>"""


@pytest.fixture(autouse=True)
def allow_the_local_site(monkeypatch):
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "127.0.0.1")


class Markup(HTMLParser):
    """The tags, attributes and text of a piece of HTML."""

    def __init__(self, markup: str):
        super().__init__()
        self.starts, self.texts = [], []  # (tag, its attributes) of each start tag; text
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, attrs))

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.starts]

    @property
    def attributes(self) -> list[tuple[str, str]]:
        return [pair for _, attrs in self.starts for pair in attrs]

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def rows(markup: str) -> list[dict]:
    """Each table row's data-attributes, without the `data-` prefix."""
    found = Markup(markup)
    return [{name[5:]: value for name, value in attrs if name.startswith("data-")}
            for tag, attrs in found.starts if tag == "tr" and ("class", "nq-feed") in attrs]


def test_a_hostile_title_error_and_address_are_shown_as_text():
    feed = Subscription(url=f"javascript:alert(1)//{HOSTILE}", title=HOSTILE, every=900,
                        last_poll=NOW - 300, next_poll=NOW + 600, failures=3,
                        last_error=f"HTTP 500 {HOSTILE}", last_status="error")
    markup = feeds_table_html([feed], now=NOW)
    found = Markup(markup)
    assert set(found.tags) <= {"div", "table", "thead", "tbody", "tr", "th", "td", "strong",
                               "br", "span"}, found.tags  # no <script>, <img>, nor a link
    assert not any(name.startswith("on") for name, _ in found.attributes)
    assert "javascript:" not in {value for name, value in found.attributes if name == "href"}
    assert HOSTILE in found.text  # shown, as text
    assert f"HTTP 500 {HOSTILE} (3 failures in a row)" in found.text
    assert "5 min ago · failed" in found.text and "in 10 min" in found.text
    assert rows(markup)[0]["failures"] == "3"


def test_a_feed_never_polled_says_never_and_is_due_now():
    feed = Subscription(url="https://news.example/feed.xml", every=900, added=NOW)
    markup = feeds_table_html([feed], now=NOW)
    found = Markup(markup)
    assert ("Feed Every Last poll Next poll Last poll brought In all Last error "
            "https://news.example/feed.xml https://news.example/feed.xml 15m never now — "
            "0 new, 0 updated —") == found.text
    assert ("href", "https://news.example/feed.xml") in found.attributes
    assert rows(markup) == [{"url": "https://news.example/feed.xml", "status": "never",
                             "last-new": "0", "last-updated": "0", "total-new": "0",
                             "total-updated": "0", "failures": "0"}]


def test_counts_of_the_last_poll_and_of_all_polls_are_shown():
    feeds = [
        Subscription(url="https://a.example/rss", title="Fen Tribune", every=120, keep=True,
                     site="https://a.example/", last_poll=NOW - 7200, last_success=NOW - 7200,
                     next_poll=NOW - 5, last_status="changed", last_new=1, last_updated=2,
                     total_new=1234, total_updated=5),
        Subscription(url="https://b.example/atom", every=3600, last_poll=NOW - 30,
                     last_success=NOW - 30, next_poll=NOW + 3570, last_status="not-modified"),
    ]
    markup = feeds_table_html(feeds, now=NOW)
    text = Markup(markup).text
    assert ("Fen Tribune https://a.example/rss found on https://a.example/ articles kept 2m "
            "2 h ago now 1 new, 2 updated 1,234 new, 5 updated —") in text
    assert "1h just now · not modified in 1 h 0 new, 0 updated 0 new, 0 updated —" in text
    assert [(r["status"], r["last-new"], r["total-new"]) for r in rows(markup)] == [
        ("changed", "1", "1234"), ("not-modified", "0", "0")]
    assert feed_choices(feeds) == [
        ("Fen Tribune — https://a.example/rss", "https://a.example/rss"),
        ("https://b.example/atom", "https://b.example/atom")]


def test_no_feeds_and_an_unreadable_feeds_file(tmp_path):
    table, choices = feeds_panel(tmp_path)
    assert "No feeds followed yet" in table and choices == []
    (tmp_path / "feeds.json").write_text("{not json", encoding="utf-8")
    table, choices = feeds_panel(tmp_path)
    assert 'class="nq-notice nq-error"' in table and "is not valid JSON" in table
    assert choices == []


class Watcher:
    """Stands in for a running FeedWatcher: counts wake() calls."""

    def __init__(self):
        self.woken = 0
        self.running = True

    def wake(self):
        self.woken += 1


def test_follow_poll_now_and_unfollow_from_the_panel(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    watcher = Watcher()
    with serve({}) as site:
        site.routes["/feed.xml"] = Route(FEED.format(base=site.base), "application/rss+xml")
        site.routes["/page"] = Route("<html><body><p>No feed here.</p></body></html>")

        notice, ok = follow_notice(settings, site.url("/feed.xml"), "2m", True, watcher)
        assert ok and 'nq-info' in notice and watcher.woken == 1
        assert "Following Fen Tribune, every 2m. This server polls it now" in Markup(notice).text
        feed = FeedBook(settings.data_dir).get(site.url("/feed.xml"))
        assert (feed.every, feed.keep, feed.title) == (120, True, "Fen Tribune")

        again, ok = follow_notice(settings, site.url("/feed.xml"), "", False, None)
        assert ok and "Already following" in again and "every 15m" in again
        assert "This server does not poll feeds" in again and watcher.woken == 1

        for url, every, expected in [
            (site.url("/page"), "", "announces no RSS or Atom feed"),
            (site.url("/missing"), "", "Cannot follow"),
            (site.url("/feed.xml"), "soon", "Cannot read the interval"),
            ("   ", "", "Give the address of a feed"),
        ]:
            failed, ok = follow_notice(settings, url, every, False, watcher)
            assert not ok and 'class="nq-notice nq-error"' in failed and expected in failed, failed
        assert watcher.woken == 1

    FeedBook(settings.data_dir).update(site.url("/feed.xml"),
                                       lambda f: f.model_copy(update={"next_poll": NOW * 2}))
    polled = poll_now_notice(settings, watcher)
    assert "Polling every followed feed now" in polled and watcher.woken == 2
    assert FeedBook(settings.data_dir).get(site.url("/feed.xml")).next_poll == 0.0
    assert "Every followed feed is due now" in poll_now_notice(settings, None)

    assert "Choose a followed feed" in unfollow_notice(settings, None)
    assert "is not followed" in unfollow_notice(settings, "https://other.example/rss")
    gone = unfollow_notice(settings, site.url("/feed.xml"))
    assert "Unfollowed Fen Tribune; its articles stay in the index" in gone
    assert FeedBook(settings.data_dir).all() == []
    assert "No feeds followed yet" in poll_now_notice(settings, watcher)


def test_a_server_that_does_not_poll_says_who_does(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", watch_feeds=False)
    FeedBook(settings.data_dir).add(Subscription(url="https://a.example/rss"))
    watcher = Watcher()
    notice = poll_now_notice(settings, watcher)
    assert "`newsqa watch`" in notice and watcher.woken == 0


def test_the_stats_line_says_when_the_index_last_changed():
    from newsqa.corpus_stats import CorpusStats

    stats = CorpusStats(articles=2, passages=5, sources=("Wire",))
    assert "updated" not in stats_html(stats)
    line = stats_html(stats, updated=NOW - 300, now=NOW)
    assert line.endswith("Index: 2 articles · 5 passages · 1 source · updated 5 min ago</p>")
    assert f'data-updated="{NOW - 300:.0f}"' in line
    assert "updated just now" in stats_html(stats, updated=NOW + 2, now=NOW)  # clock skew


class FakeStore:
    def count(self):
        return 0

    def scan(self, *, texts: bool = True):
        return iter(())


class FakeAssistant:
    def __init__(self, settings):
        self.settings, self.store, self.keyword, self.embedder = settings, FakeStore(), None, None


def events(app) -> dict:
    return {getattr(f.fn, "__name__", ""): f for f in app.fns.values()}


def test_the_feeds_tab_is_wired_and_absent_from_a_read_only_page(tmp_path):
    from newsqa.page.app import build_app

    app = build_app(FakeAssistant(Settings(data_dir=tmp_path / "data")), watcher=Watcher())
    found = events(app)
    assert {"follow_feed", "unfollow_feed", "poll_feeds", "tick", "refresh_stats"} <= set(found)
    ids = {block.elem_id for block in app.blocks.values()}
    assert {"feed-url", "feed-every", "feed-keep", "follow-feed", "feeds-table",
            "unfollow-choice", "unfollow-feed", "poll-feeds", "corpus-stats"} <= ids
    timers = [b for b in app.blocks.values() if type(b).__name__ == "Timer"]
    assert len(timers) == 1 and 5 <= timers[0].value <= 30

    FeedBook(tmp_path / "data").add(Subscription(url="https://a.example/rss", title="A"))
    table, menu, shown = found["tick"].fn(None, [])
    assert rows(table)[0]["url"] == "https://a.example/rss" and shown == ["https://a.example/rss"]
    assert menu.choices == [("A — https://a.example/rss", "https://a.example/rss")]
    unchanged = found["tick"].fn("https://a.example/rss", shown)[1]
    assert unchanged == {"__type__": "update"}  # gr.skip(): the menu is left alone

    read_only = build_app(FakeAssistant(Settings(data_dir=tmp_path / "ro", ui_ingest=False)))
    assert not {"follow_feed", "unfollow_feed", "poll_feeds", "tick"} & set(events(read_only))
    assert "refresh_stats" in events(read_only)  # background polls change it there too
    ids = {block.elem_id for block in read_only.blocks.values()}
    assert "feeds-table" not in ids and "corpus-stats" in ids
