"""Article pages and feeds fetched from `http(s)://` addresses.

A module of its own because the network fails in ways files do not: unknown hosts,
refused connections, silent servers, HTTP errors, huge or non-article responses. Each such
failure becomes one `Skipped` line naming the URL and what to do, never an exception that
would stop the rest of the batch. httpx does the HTTP (timeouts, streaming under a size
cap); redirects are followed here, hop by hop, so that every address is checked by
index/urlguard.py (no private or local addresses unless allowed) before anything connects to
it. The bytes then take the same path as files: HTML through trafilatura (index/formats.py),
RSS/Atom through index/feeds.py.
"""

import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from newsqa.index.article import Skipped
from newsqa.index.feeds import load_feed, looks_like_feed
from newsqa.index.formats import LoadResult, from_html
from newsqa.index.limits import LoadLimits, megabytes
from newsqa.index.urlguard import BlockedAddress, guarded_transport

MAX_REDIRECTS = 10

HTML_TYPES = {"text/html", "application/xhtml+xml"}
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
XML_TYPES = {"application/xml", "text/xml"}  # a feed, or some other XML document
UNTYPED = {"", "text/plain", "application/octet-stream", "binary/octet-stream"}  # look inside
_ACCEPT = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
           "application/xml;q=0.9,*/*;q=0.5")


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str  # media type only, lower case
    charset: str | None
    data: bytes
    etag: str | None = None  # validators for the next conditional GET (index/poll.py)
    last_modified: str | None = None

    @property
    def kind(self) -> str:
        """'html', 'feed', 'xml' (not a feed) or 'other'."""
        if self.content_type in FEED_TYPES:
            return "feed"
        if self.content_type in HTML_TYPES:
            return "html"
        if self.content_type in XML_TYPES or self.content_type in UNTYPED:
            if looks_like_feed(self.data):
                return "feed"
            start = self.data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
            if start.startswith((b"<!doctype html", b"<html")):
                return "html"
            return "xml" if self.content_type in XML_TYPES else "other"
        return "other"


@dataclass(frozen=True)
class NotModified:
    """HTTP 304 to a conditional GET: what was fetched last time is still current."""

    url: str


@dataclass(frozen=True)
class FetchFailure(Skipped):
    """A fetch that failed, with what a poller needs to schedule the retry."""

    status: int | None = None  # HTTP status, None for network failures
    retry_after: float | None = None  # seconds the server asked to wait (Retry-After)


def url_problem(url: str) -> str | None:
    """Why this address cannot be fetched, or None: only http(s) with a host is fetched."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return ("file: addresses are not fetched; give the path itself, e.g. "
                f"{parts.path or '/path/to/article.html'}")
    if scheme not in ("http", "https"):
        return (f"{scheme}: addresses are not fetched; only http:// and https:// addresses of "
                "article pages or RSS/Atom feeds")
    if not parts.hostname:
        return "the address has no host name; it should look like https://example.com/article"
    return None


class Fetcher:
    """One HTTP client for a batch of URLs (connections are reused), closed by `close()`."""

    def __init__(self, limits: LoadLimits | None = None, *, max_connections: int | None = None):
        """`max_connections` bounds the open connections of all threads sharing this
        fetcher (a poller's); a request waits for a free one rather than failing."""
        self.limits = limits or LoadLimits()
        self.max_connections = max_connections
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            pool = {}
            if self.max_connections:
                pool = {"limits": httpx.Limits(max_connections=self.max_connections,
                                               max_keepalive_connections=self.max_connections)}
            self._client = httpx.Client(
                transport=guarded_transport(self.limits.url_policy, **pool),
                timeout=httpx.Timeout(self.limits.fetch_timeout, pool=None),
                follow_redirects=False,
                headers={"User-Agent": self.limits.user_agent, "Accept": _ACCEPT})
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def load(self, url: str) -> Iterator[LoadResult]:
        """The article at `url`, or each entry of the feed there."""
        page = self.fetch(url)
        if isinstance(page, Skipped):
            yield page
            return
        kind = page.kind
        if kind == "html":
            yield self._article(page, url)
        elif kind == "feed":
            _ = self.client  # made before the page-fetching threads share it
            headers = {"content-type": f"{page.content_type}; charset={page.charset}"
                       if page.charset else page.content_type, "content-location": page.url}
            yield from load_feed(page.data, url, self.limits, fetch_page=self.article_page,
                                 headers=headers)
        elif kind == "xml":
            yield Skipped(url, "an XML document that is not an RSS or Atom feed; give the "
                          "address of an article page or of the feed itself")
        else:
            yield Skipped(url, f"content type {page.content_type or '(none)'} is neither an HTML "
                          "page nor an RSS/Atom feed; download it and convert it to .txt or .html")

    def article_page(self, url: str) -> LoadResult:
        """The article at the link of a feed entry (an HTML page only)."""
        page = self.fetch(url)
        if isinstance(page, Skipped):
            return page
        if page.kind != "html":
            return Skipped(url, f"content type {page.content_type or '(none)'} is not an HTML page")
        return self._article(page, url)

    def _article(self, page: Page, url: str) -> LoadResult:
        content: str | bytes = page.data
        if page.charset:  # the server said; otherwise trafilatura reads the page's own <meta>
            try:
                content = page.data.decode(page.charset, errors="replace")
            except LookupError:
                pass
        return from_html(content, url, url=page.url, source=urlsplit(page.url).hostname)

    def fetch(self, url: str, headers: dict | None = None) -> Page | NotModified | FetchFailure:
        """The response body if it is a success, within the size limit; else why not.

        Redirects are followed one hop at a time (at most MAX_REDIRECTS); each hop's address
        is checked like the first, before it is connected to. `headers` are sent with every
        hop (a poller's If-None-Match / If-Modified-Since: a 304 is `NotModified`).
        """
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                problem = url_problem(current)
                if problem:
                    return FetchFailure(url, problem if current == url
                                        else f"redirected to {current}: {problem}")
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code == 304:
                        return NotModified(url)
                    if response.next_request is None:
                        return self._page(url, response)
                    current = str(response.next_request.url)
            return FetchFailure(url, self._network_problem(url, httpx.TooManyRedirects("")))
        except BlockedAddress as error:
            return FetchFailure(url, str(error) if current == url
                                else f"redirected to {current}: {error}")
        except httpx.HTTPError as error:
            return FetchFailure(url, self._network_problem(current, error))
        except (OSError, ValueError) as error:  # e.g. a malformed address httpx cannot use
            return FetchFailure(url, f"cannot fetch ({error}); check the address")

    def _page(self, url: str, response: httpx.Response) -> Page | FetchFailure:
        if response.status_code >= 400:
            return FetchFailure(url, _status_problem(response), status=response.status_code,
                                retry_after=retry_after(response.headers.get("retry-after")))
        limit = self.limits.max_bytes
        too_big = (f"larger than the {self.limits.max_file_mb:g} MB limit; raise "
                   f"{self.limits.size_setting} to fetch it")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return FetchFailure(url, f"{megabytes(int(declared))}, {too_big}")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                return FetchFailure(url, too_big)
            chunks.append(chunk)
        media_type, _, params = response.headers.get("content-type", "").partition(";")
        return Page(url=str(response.url), content_type=media_type.strip().lower(),
                    charset=_charset(params), data=b"".join(chunks),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"))

    def _network_problem(self, url: str, error: httpx.HTTPError) -> str:
        parts = urlsplit(url)
        host = parts.hostname or url
        if isinstance(error, httpx.TimeoutException):
            return (f"no answer within {self.limits.fetch_timeout:g} s; check the address or "
                    "raise NEWSQA_FETCH_TIMEOUT")
        if isinstance(error, httpx.TooManyRedirects):
            return "too many redirects; open the address in a browser to see where it leads"
        if isinstance(error, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            return f"not a usable address ({error}); check it"
        cause = _root_cause(error)
        if isinstance(cause, socket.gaierror):
            return (f"cannot find the host {host} (DNS lookup failed); check the address and "
                    "the internet connection")
        if isinstance(cause, ConnectionRefusedError):
            port = parts.port or (443 if parts.scheme == "https" else 80)
            return (f"connection refused by {host}:{port}; check the address and port, and that "
                    "the server is running")
        if isinstance(cause, ssl.SSLError):
            return (f"secure connection to {host} failed ({getattr(cause, 'reason', None) or cause}); "
                    "check the address, or the machine's date and certificates")
        if isinstance(error, httpx.RemoteProtocolError):
            return f"the server broke off or sent an invalid response ({error}); try again later"
        return f"download failed ({type(error).__name__}: {error or cause}); try again later"


def _status_problem(response: httpx.Response) -> str:
    status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    code = response.status_code
    if code in (404, 410):
        return f"{status}: no page at this address; check the URL"
    if code in (401, 403):
        return (f"{status}: the site refused access (it may need a login or block downloads); "
                "save the page from a browser and ingest the .html file")
    if code == 429:
        return f"{status}: the site is limiting requests; try again later"
    if code >= 500:
        return f"{status}: the server failed; try again later"
    return f"{status}; check the address"


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


def _root_cause(error: BaseException) -> BaseException:
    """The OSError under httpx's and httpcore's wrappers (DNS, refused, TLS)."""
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError):
            return error
        nxt = error.__cause__ or error.__context__
        if nxt is None:
            break
        error = nxt
    return error

