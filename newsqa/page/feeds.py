"""The page's Feeds panel: the table of followed feeds, and what following one says.

No Gradio here: the tab is placed in `layout.py` and its events attached in
`events.py`. The panel only reads and edits `feeds.json` (index/subscriptions.py) and
wakes the server's watcher; the polling itself is index/watch.py's, in this process or in a
`newsqa watch` elsewhere. Reading feeds.json is cheap (one small file, no index), so the
page re-reads it on a timer and a background poll's counts appear without a reload.

Everything shown is escaped: titles, addresses and errors come from the feeds themselves.
"""

import time

from newsqa.assistant.age import ago, until
from newsqa.present import escape_html, link_html, notice_html
from newsqa.errors import NewsqaError
from newsqa.index.subscriptions import FeedBook, Subscription, format_every

NO_FEEDS = ("No feeds followed yet: give a feed's address (or a site that announces one) "
            "above and press Follow.")

_STATUS = {"not-modified": "not modified", "unchanged": "no changes", "error": "failed"}


def feeds_panel(data_dir, now: float | None = None) -> tuple[str, list[tuple[str, str]]]:
    """(the table as HTML, the followed feeds as (label, url) menu choices) from feeds.json;
    a feeds.json that cannot be read is shown as the error it is, with no choices."""
    try:
        feeds = FeedBook(data_dir).all()
    except NewsqaError as error:
        return notice_html(f"⚠️ {error}", kind="error"), []
    return feeds_table_html(feeds, now), feed_choices(feeds)


def feed_choices(feeds: list[Subscription]) -> list[tuple[str, str]]:
    """'Title — url' labels for the unfollow menu; the value is the feed's address."""
    return [(f"{feed.title} — {feed.url}" if feed.title else feed.url, feed.url)
            for feed in feeds]


def feeds_table_html(feeds: list[Subscription], now: float | None = None) -> str:
    """One row per feed: name and address, interval, last and next poll, what the last poll
    and all polls brought, and the last error. Each row's numbers are also data-attributes,
    so tests (and scripts) need not parse the text."""
    if not feeds:
        return f'<div class="nq-feeds">{notice_html(NO_FEEDS)}</div>'
    now = time.time() if now is None else now
    head = "".join(f"<th>{name}</th>" for name in (
        "Feed", "Every", "Last poll", "Next poll", "Last poll brought", "In all", "Last error"))
    rows = "".join(_row(feed, now) for feed in feeds)
    return (f'<div class="nq-feeds"><table class="nq-feeds-table"><thead><tr>{head}</tr>'
            f"</thead><tbody>{rows}</tbody></table></div>")


def _row(feed: Subscription, now: float) -> str:
    data = {"url": feed.url, "status": feed.last_status or "never", "last-new": feed.last_new,
            "last-updated": feed.last_updated, "total-new": feed.total_new,
            "total-updated": feed.total_updated, "failures": feed.failures}
    attributes = "".join(f' data-{key}="{escape_html(value)}"' for key, value in data.items())
    name = f"<strong>{escape_html(feed.title or feed.url)}</strong><br>" + link_html(
        feed.url, feed.url, css_class="nq-feed-url")
    if feed.site:
        name += f'<br><span class="nq-note">found on {escape_html(feed.site)}</span>'
    if feed.keep:
        name += '<br><span class="nq-note">articles kept</span>'
    return (f'<tr class="nq-feed"{attributes}><td>{name}</td>'
            f"<td>{escape_html(format_every(feed.every))}</td>"
            f'<td class="nq-last-poll">{escape_html(_last_poll(feed, now))}</td>'
            f'<td class="nq-next-poll">{escape_html(until(max(0.0, feed.next_poll - now)))}</td>'
            f'<td class="nq-last-counts">{escape_html(_last_counts(feed))}</td>'
            f'<td class="nq-total-counts">{feed.total_new:,} new, {feed.total_updated:,} '
            f"updated</td>"
            f'<td class="nq-last-error">{_last_error(feed)}</td></tr>')


def _last_poll(feed: Subscription, now: float) -> str:
    if feed.last_poll is None:
        return "never"
    status = _STATUS.get(feed.last_status or "")
    when = ago(max(0.0, now - feed.last_poll))
    return f"{when} · {status}" if status else when


def _last_counts(feed: Subscription) -> str:
    if feed.last_success is None:
        return "—"
    return f"{feed.last_new:,} new, {feed.last_updated:,} updated"


def _last_error(feed: Subscription) -> str:
    if not feed.last_error:
        return "—"
    times = ("" if feed.failures <= 0 else
             " (1 failure)" if feed.failures == 1 else f" ({feed.failures} failures in a row)")
    return f'<span class="nq-error">{escape_html(feed.last_error)}</span>{escape_html(times)}'


# --- what the panel's buttons do ------------------------------------------------------------

def polls_here(settings, watcher) -> bool:
    """Whether this server polls feeds: its watcher is running (not switched off, and no
    other watcher held the data folder when it started)."""
    return watcher is not None and settings.watch_feeds and watcher.running


def _who_polls(settings, watcher) -> str:
    if polls_here(settings, watcher):
        return ("This server polls it now, then at that interval; the table below shows what "
                "it brought.")
    return ("This server does not poll feeds: `newsqa serve` (with NEWSQA_WATCH_FEEDS on) or "
            "`newsqa watch` on this data folder does.")


def follow_notice(settings, url: str, every: str, keep: bool, watcher=None,
                  followed_by: str | None = None) -> tuple[str, bool]:
    """Follow `url` (a feed, or a site announcing one) and say how it went, as notice HTML;
    (notice, whether it is followed now). Errors are the user-facing FeedError messages."""
    from newsqa.index.follow import follow

    url = (url or "").strip()
    if not url:
        return notice_html("Give the address of a feed, or of a site that announces one.",
                           kind="error"), False
    try:
        feed, is_new = follow(settings, url, every=(every or "").strip() or None, keep=keep,
                              followed_by=followed_by)
    except NewsqaError as error:
        return notice_html(f"⚠️ Not followed: {error}", kind="error"), False
    if polls_here(settings, watcher):
        watcher.wake()
    found = f" (found on {feed.site})" if feed.site else ""
    what = "Following" if is_new else "Already following (interval and keep updated):"
    return notice_html(f"{what} {feed.title or feed.url}{found}, every "
                       f"{format_every(feed.every)}. {_who_polls(settings, watcher)}"), True


def unfollow_notice(settings, url: str | None, *, by: str | None = None,
                    any_feed: bool = True) -> str:
    from newsqa.index.follow import unfollow

    if not url:
        return notice_html("Choose a followed feed to unfollow.", kind="error")
    try:
        feed = unfollow(settings, url, by=by, any_feed=any_feed)
    except NewsqaError as error:
        return notice_html(f"⚠️ {error}", kind="error")
    return notice_html(f"Unfollowed {feed.title or feed.url}; its articles stay in the index.")


def poll_now_notice(settings, watcher=None) -> str:
    """Make every feed due at once and wake the watcher (if this server runs one)."""
    try:
        feeds = FeedBook(settings.data_dir)
        if not feeds.all():
            return notice_html(NO_FEEDS, kind="error")
        feeds.poll_now()
    except NewsqaError as error:
        return notice_html(f"⚠️ {error}", kind="error")
    if polls_here(settings, watcher):
        watcher.wake()
        return notice_html("Polling every followed feed now; the table shows what it brought.")
    return notice_html("Every followed feed is due now. " + _who_polls(settings, watcher))
