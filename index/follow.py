"""Following a feed or a site: check the address once, find a site's feed, subscribe.

`newsqa follow`, the page's Feeds panel and the API all come here. The address is fetched
once, through the same guarded fetcher as everything else, so a typo, a page without a
feed or a refused address is reported at once rather than at the first background poll.
A site's page (HTML) is searched for the feed it announces
(`<link rel="alternate" type="application/rss+xml" href=...>`), which is then followed.
"""

from urllib.parse import urljoin

from newsqa.errors import FeedError, NotYoursError
from newsqa.index.feeds import read_feed
from newsqa.index.limits import LoadLimits
from newsqa.index.subscriptions import FeedBook, Subscription, parse_every
from newsqa.index.web import Fetcher, FetchFailure, NotModified, Page, url_problem

_FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
                    "application/feed+json")


def feed_links(html: bytes, base: str) -> list[str]:
    """The feeds a page announces, in its order, as absolute addresses."""
    from lxml import etree, html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    found = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_LINK_TYPES[:3] and href:
            found.append(urljoin(base, href))
    return list(dict.fromkeys(found))


def check_feed(url: str, limits: LoadLimits) -> tuple[str, str | None, str | None]:
    """(feed address, its title, the site page it was found on) or FeedError saying why."""
    url = url.strip()
    problem = url_problem(url)
    if problem:
        raise FeedError(f"Cannot follow {url!r}: {problem}.")
    fetcher = Fetcher(limits)
    try:
        page = fetcher.fetch(url)
        site = None
        if isinstance(page, Page) and page.kind == "html":
            links = feed_links(page.data, page.url)
            if not links:
                raise FeedError(f"{url} is a web page that announces no RSS or Atom feed; give "
                                "the feed's own address (often /feed, /rss or /atom.xml).")
            site, url = url, links[0]
            page = fetcher.fetch(url)
        if isinstance(page, (FetchFailure, NotModified)):
            reason = page.reason if isinstance(page, FetchFailure) else "HTTP 304 with no cache"
            raise FeedError(f"Cannot follow {url}: {reason}.")
        if page.kind != "feed":
            raise FeedError(f"Cannot follow {url}: it serves {page.content_type or 'untyped'} "
                            "content, not an RSS or Atom feed.")
        parsed = read_feed(page.data, url, limits)
        if not parsed.entries and parsed.problems:
            raise FeedError(f"Cannot follow {url}: {parsed.problems[0].reason}.")
        return url, parsed.source, site
    finally:
        fetcher.close()


def follow(settings, url: str, *, every: str | float | None = None,
           keep: bool = False, followed_by: str | None = None) -> tuple[Subscription, bool]:
    """Check and subscribe; (the subscription, whether it is new). Due for a poll at once.
    `followed_by`: the login that follows it (None: the operator)."""
    seconds = parse_every(every if every not in (None, "") else settings.feed_every)
    feed_url, title, site = check_feed(url, LoadLimits.from_settings(settings))
    return FeedBook(settings.data_dir).add(
        Subscription(url=feed_url, every=seconds, keep=keep, title=title, site=site,
                     followed_by=followed_by))


def unfollow(settings, url: str, *, by: str | None = None,
             any_feed: bool = True) -> Subscription:
    """Stop polling a feed (by its address, or the site's it was followed by). Its
    articles stay in the index. With `any_feed` false, only a feed that `by` followed."""
    book = FeedBook(settings.data_dir)
    url = url.strip()
    match = next((f for f in book.all() if url in (f.url, f.site)), None)
    if match is None:
        followed = ", ".join(f.url for f in book.all()) or "none"
        raise FeedError(f"{url} is not followed (followed: {followed}).")
    if not any_feed and match.followed_by != by:
        raise NotYoursError(f"{match.url} was followed by someone else: only they or an "
                            "admin may unfollow it.")
    book.remove(match.url)
    return match
