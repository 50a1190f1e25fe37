"""Ages as a reader says them, and what "latest" counts back from in a live index."""

import time
from datetime import date, datetime, timedelta, timezone

from newsqa.assistant.age import ago, published_age, until
from newsqa.assistant.recency import RecencyClock
from newsqa.index.subscriptions import FeedBook, Subscription


def test_ago_and_until():
    assert [ago(s) for s in (5, 300, 3 * 3600 + 5, 86400 * 1.5, 86400 * 9, 86400 * 95,
                             86400 * 1500)] == [
        "just now", "5 min ago", "3 h ago", "yesterday", "9 days ago", "3 months ago",
        "4 years ago"]
    assert until(10) == "now" and until(600) == "in 10 min" and until(7200) == "in 2 h"


def test_published_age_from_a_time_or_a_day():
    now = time.time()
    three_hours = datetime.fromtimestamp(now - 3 * 3600 - 60, timezone.utc)
    assert published_age(three_hours.strftime("%Y-%m-%dT%H:%M:%SZ"), now=now) == "3 h ago"
    today = date.fromtimestamp(now)
    assert published_age(today.isoformat(), now=now) == "today"
    assert published_age((today - timedelta(days=1)).isoformat(), now=now) == "yesterday"
    # An as-of question's "today" is its as-of day; nothing after it gets an age.
    assert published_age("2024-03-01", as_of="2024-03-04") == "3 days ago"
    assert published_age("2024-03-05", as_of="2024-03-04") is None
    assert published_age(None) is None and published_age("someday") is None


def test_latest_counts_from_the_clock_only_in_a_live_index(tmp_path):
    auto = RecencyClock("auto", tmp_path)
    assert auto.today() is None  # an archive: "latest" is the newest found
    FeedBook(tmp_path).add(Subscription(url="https://news.example/feed.xml"))
    assert auto.today() == date.today().isoformat()  # follows feeds: it is live
    FeedBook(tmp_path).remove("https://news.example/feed.xml")
    assert auto.today() is None
    assert RecencyClock("clock", tmp_path).today() == date.today().isoformat()
    assert RecencyClock("newest", tmp_path).today() is None


def test_a_live_index_gives_no_recency_boost_to_articles_that_are_not_recent(sample_assistant):
    """The sample articles are from 2022: counted back from their own newest date they get
    the full "latest" boost; counted from today (a live index) almost none."""
    from newsqa.index.filters import PassageFilter

    question = "What is the latest on the Putin Macron call?"
    archive = sample_assistant.retriever.invoke(question, filters=PassageFilter())
    live = sample_assistant.retriever.invoke(question, filters=PassageFilter(today="2026-12-01"))
    plain = sample_assistant.retriever.invoke(question, filters=PassageFilter(as_of="2099-01-01"))
    assert archive[0].metadata["score"] > 1.3 * live[0].metadata["score"]
    # From today, the boost of a 2022 article is under 1 % of the best fused score.
    gap = max(abs(d.metadata["score"] - p.metadata["score"]) for d, p in zip(live, plain))
    assert gap < 0.01 * live[0].metadata["score"]
