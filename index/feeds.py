"""RSS and Atom feeds as a way in: each feed entry becomes one article.

feedparser reads the feed (RSS 0.9x/1.0/2.0 and Atom, broken XML, a dozen date formats,
HTML inside entries); this module decides what an entry becomes and says why one could not
be used. It is always given the feed's bytes as a stream, never a path or URL, so feedparser
never opens or fetches anything itself (index/web.py fetches, with its timeout and size limit).

Many feeds carry only a teaser per entry. For a feed fetched from the web, each entry with
no content but a short summary gets its own page fetched for the full article (a few at a
time, at most `max_feed_items` entries); when that fails the teaser is stored, with a note,
because a short source the user can see is better than a silently missing one.
"""

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from newsqa.index.article import Article, Skipped
from newsqa.index.formats import LoadResult, make_article
from newsqa.index.limits import LoadLimits

SHORT_TEXT_CHARS = 1000  # a summary shorter than this is a teaser, not the article
_PAGE_WORKERS = 4  # linked pages fetched at once: quick, and polite to one site
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)
_EMAIL_AUTHOR = re.compile(r"^\S+@\S+\s*\((?P<name>[^)]+)\)$")  # RSS "jane@x.org (Jane Doe)"
_BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "pre", "table", "tr", "section", "article", "figure", "figcaption", "header",
               "footer", "hr", "dd", "dt")
# feedparser flags these as "bozo" although the entries were read correctly.
_BENIGN_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")

FetchPage = Callable[[str], LoadResult]


def looks_like_feed(data: bytes) -> bool:
    """An RSS, RDF or Atom root element near the start (for .xml files and untyped downloads)."""
    return bool(_FEED_ROOT.search(data[:4096]))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (an entry's content), one paragraph per line."""
    if "<" not in fragment:
        return "\n".join(" ".join(line.split()) for line in fragment.splitlines() if line.strip())
    from lxml import etree, html

    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath(".//script|.//style|.//noscript|.//template"):
        bad.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter(*_BLOCK_TAGS):
        block.text = "\n" + (block.text or "")
        block.tail = "\n" + (block.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


@dataclass
class ParsedFeed:
    """A feed read but not yet turned into articles: its entries, and what was wrong."""

    origin: str
    entries: list  # feedparser entries, at most `max_feed_items`, in the feed's order
    problems: list[Skipped]  # malformed, truncated, not a feed, no entries
    source: str | None  # the feed's title (or host): each article's source


def read_feed(data: bytes, origin: str, limits: LoadLimits | None = None, *,
              headers: dict | None = None) -> ParsedFeed:
    """Parse a feed's bytes; nothing is fetched."""
    import feedparser

    limits = limits or LoadLimits()
    if not data.strip():
        return ParsedFeed(origin, [], [Skipped(origin, "file is empty")], None)
    # A stream, not bytes: feedparser would try bytes as a file name first.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers or {})
    entries = list(parsed.entries)
    usable = [e for e in entries if e.get("title") or e.get("link") or _entry_text(e)]
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and type(problem).__name__ in _BENIGN_BOZO:
        problem = None
    if not usable:
        if problem is not None:
            reason = (f"malformed feed, no entries could be read ({_describe(problem)}); "
                      "check that the file or URL is a complete RSS or Atom feed")
        elif not parsed.get("version"):
            reason = ("not an RSS or Atom feed (newsqa reads .xml files only as feeds); give "
                      "the feed's own file or address")
        else:
            reason = "the feed has no entries"
        return ParsedFeed(origin, [], [Skipped(origin, reason)], None)
    problems = []
    if problem is not None:
        problems.append(Skipped(origin, f"feed is malformed ({_describe(problem)}); the "
                                f"{len(entries)} entries before the error were read, any after "
                                "it were not"))
    feed_title = html_to_text(parsed.feed.get("title") or "") or None
    source = feed_title or urlsplit(parsed.feed.get("link") or "").hostname
    if len(entries) > limits.max_feed_items:
        problems.append(Skipped(f"{origin}#entry-{limits.max_feed_items + 1}-{len(entries)}",
                                f"not read: the feed has {len(entries)} entries and "
                                f"NEWSQA_MAX_FEED_ITEMS is {limits.max_feed_items}; raise it to "
                                "read more"))
        entries = entries[:limits.max_feed_items]
    return ParsedFeed(origin, entries, problems, source)


def entry_key(entry) -> str:
    """What identifies an entry across polls: its guid, else its link, else its title."""
    for key in ("id", "link", "title"):
        value = (entry.get(key) or "").strip()
        if value:
            return value
    return "text:" + hashlib.sha1(_entry_text(entry).encode("utf-8")).hexdigest()[:16]


def entry_fingerprint(entry) -> str:
    """Changes when anything stored from the entry could: an unchanged fingerprint means
    the entry (and the page behind it) need not be looked at again."""
    # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning
    parts = [dict.get(entry, k) or "" for k in ("title", "link", "summary", "published",
                                                "updated", "author")]
    parts.extend(c.get("value") or "" for c in entry.get("content") or [])
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:20]


def feed_articles(feed: ParsedFeed, limits: LoadLimits | None = None, *,
                  fetch_page: FetchPage | None = None,
                  entries: list | None = None) -> Iterator[LoadResult]:
    """One article per usable entry (all of `feed.entries`, or just `entries`), a `Skipped`
    per unusable one. `fetch_page(url)` fetches the page of an entry that holds only a
    teaser."""
    limits = limits or LoadLimits()
    chosen = feed.entries if entries is None else entries
    number_of = {id(e): n for n, e in enumerate(feed.entries, start=1)}
    texts = [_entry_text(e) for e in chosen]
    pages: dict[str, LoadResult] = {}
    if fetch_page is not None and limits.fetch_feed_pages:
        links = list(dict.fromkeys(e.get("link") for e, text in zip(chosen, texts)
                                   if e.get("link") and _teaser_only(e, text)))
        if links:
            with ThreadPoolExecutor(max_workers=min(_PAGE_WORKERS, len(links))) as pool:
                pages = dict(zip(links, pool.map(fetch_page, links)))
    for entry, text in zip(chosen, texts):
        yield _entry_article(entry, text, f"{feed.origin}#entry-{number_of.get(id(entry), 0)}",
                             feed.source, pages)


def load_feed(data: bytes, origin: str, limits: LoadLimits | None = None, *,
              fetch_page: FetchPage | None = None, headers: dict | None = None,
              ) -> Iterator[LoadResult]:
    """One article per usable entry, a `Skipped` per unusable one (origin `feed#entry-N`).

    `fetch_page(url)` (given for feeds fetched from the web) fetches an entry's own page
    when the entry holds only a teaser.
    """
    feed = read_feed(data, origin, limits, headers=headers)
    yield from feed.problems
    yield from feed_articles(feed, limits, fetch_page=fetch_page)


def _entry_article(entry, text: str, where: str, source: str | None,
                   pages: dict[str, LoadResult]) -> LoadResult:
    link = (entry.get("link") or "").strip() or None
    title = html_to_text(entry.get("title") or "")
    published = _entry_date(entry)
    published_at = _entry_time(entry)
    author = _author(entry)
    notes = []
    page = pages.get(link) if link else None
    if isinstance(page, Article) and len(page.text) > len(text):
        text = page.text
        published = published or page.published
        author = author or page.author
        title = title or page.title
    elif isinstance(page, Skipped):
        if not text:
            return Skipped(where, f"entry {_name(title, link)} has no text in the feed, and its "
                           f"page could not be read ({page.reason})")
        notes.append(f"stored the feed's summary only; the full article could not be fetched "
                     f"({page.reason})")
    if not text:
        what_to_do = "ingest the article's own URL instead" if link else "it has no link either"
        return Skipped(where, f"entry {_name(title, link)} has no text (no content or summary); "
                       f"{what_to_do}")
    # A stable origin, "feed#link" (or guid, or title), not the entry's position: positions
    # shift as a feed gains entries, and the store replaces a content-identified article by
    # a new one from the same origin, which would delete entries that dropped off the feed.
    guid = (entry.get("id") or "").strip() or None
    key = link or guid or title
    origin = f"{where.rsplit('#', 1)[0]}#{key}" if key else where
    # The id comes from the link, so the same article ingested by its URL is not stored twice.
    return make_article(title=title, text=text, origin=origin, url=link, source=source,
                        published=published, author=author, notes=notes,
                        explicit_id=None if link else guid, published_at=published_at)


def _teaser_only(entry, text: str) -> bool:
    """No content block (that is the article, however short), only a short summary."""
    return not any((c.get("value") or "").strip() for c in entry.get("content") or []) \
        and len(text) < SHORT_TEXT_CHARS


def _entry_text(entry) -> str:
    """The longest of the entry's content blocks and its summary, as plain text."""
    candidates = [c.get("value") or "" for c in entry.get("content") or []]
    candidates.append(entry.get("summary") or "")
    texts = [html_to_text(c) for c in candidates if c.strip()]
    return max(texts, key=len, default="")


def _entry_date(entry):
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
            except ValueError:
                continue
    # feedparser could not read it: make_article parses the raw text and notes a failure
    return entry.get("published") or entry.get("updated") or None


def _entry_time(entry) -> str | None:
    """The entry's publication time in UTC (feedparser converts), ISO 8601, if it gives one."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6]).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def _author(entry) -> str | None:
    author = (entry.get("author") or "").strip()
    found = _EMAIL_AUTHOR.match(author)
    return found["name"].strip() if found else (author or None)


def _name(title: str, link: str | None) -> str:
    return repr(title) if title else (link or "(untitled)")


def _describe(problem: Exception) -> str:
    line = getattr(problem, "getLineNumber", lambda: None)()
    text = getattr(problem, "getMessage", lambda: str(problem))()
    return f"{text} at line {line}" if line else str(text)
