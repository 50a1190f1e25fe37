"""The unit that flows through the write path: one news article, plus the record of one
that could not be used (`Skipped`) and of one stored with a caveat (`Note`)."""

import hashlib
import re
from dataclasses import dataclass, field, replace

_URL_SCHEME = re.compile(r"^[a-z]+://", re.I)


def normalize_url(url: str) -> str:
    """Same article, same id: scheme, `www.`, case of the host and a trailing slash are ignored."""
    url = _URL_SCHEME.sub("", url.strip())
    host, _, rest = url.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{rest}".rstrip("/")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def article_id(*, explicit: str | None, url: str | None, title: str, text: str) -> str:
    """A stable id: the feed's own id, else one from the URL, else one from the content."""
    if explicit:
        return re.sub(r"[^\w.:-]+", "_", str(explicit).strip())[:128]
    if url:
        return "u" + _digest(normalize_url(url))
    return "c" + _digest(" ".join(f"{title}\n{text}".lower().split()))


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    author: str | None = None
    # When it was published to the minute, ISO 8601 in UTC ("2026-12-01T09:30:00Z"), where
    # the source says (feeds do): for ages such as "3 h ago". `published` stays the day.
    published_at: str | None = None
    origin: str = ""  # where it came from: "path", "path:line", a URL, "feed#entry-N"
    # What the loader had to guess (a derived title, an unreadable date, a guessed
    # encoding): the article is stored, and the user is told. Not part of the index.
    notes: tuple[str, ...] = field(default=(), compare=False)
    # On whose behalf it was stored ("" the operator, "user-NAME" a login): see owners.py.
    # Not part of the content: the same text from two people is the same article.
    added_by: str = field(default="", compare=False)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        fields = (self.title, self.text, self.source, self.url, self.published, self.author)
        if self.published_at:  # only then: hashes of articles stored before it stay the same
            fields = (*fields, self.published_at)
        return hashlib.sha1("\x1f".join(f or "" for f in fields).encode("utf-8")).hexdigest()

    def with_text(self, text: str) -> "Article":
        return replace(self, text=text)

    def with_note(self, note: str) -> "Article":
        return replace(self, notes=(*self.notes, note))


@dataclass(frozen=True)
class Skipped:
    """An input that was not stored, and why (shown to the user, so it says what to do)."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True)
class Note:
    """An input that was stored, but with a caveat the user should know about (and can fix)."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"
