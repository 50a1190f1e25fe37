"""The article formats that every loader shares: text with a header, HTML, loose fields.

`load.py` (files, folders, the dispatch by suffix), `feeds.py` (entries of RSS/Atom) and
`web.py` (fetched pages) all turn what they read into an `Article` here, so none of them
needs another: the formats sit under the three and import none of them.
"""

import re
import textwrap
from collections.abc import Iterable

from newsqa.index.article import Article, Skipped, article_id
from newsqa.index.dates import parse_date

LoadResult = Article | Skipped

# Header keys accepted at the top of a text article, mapped to Article fields.
_TEXT_HEADER_KEYS = {
    "source": "source",
    "publisher": "source",
    "url": "url",
    "link": "url",
    "date": "published",
    "published": "published",
    "author": "author",
    "by": "author",
}
_TITLE_MAX_WORDS = 25  # a first line longer than this is a paragraph, not a headline
_MIN_HTML_WORDS = 10  # fewer words of main text on a page: not an article
# Valid multi-byte UTF-8 sequences: a file holding these is UTF-8 with damaged bytes,
# not a file in a legacy encoding.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode(data: bytes, origin: str, *, per_line: bool = False) -> tuple[str, str | None] | Skipped:
    """The file's text and a note when its encoding had to be guessed; or why it has none.

    UTF-8 is expected. A file in a legacy encoding (Latin-1, Windows-1252, …) is read with
    the encoding charset-normalizer recognises, and said; a UTF-8 file with damaged bytes
    is refused with the line (per line for JSONL, whose good lines are still read).
    """
    if not data.strip():
        return Skipped(origin, "file is empty")
    if b"\x00" in data[:8192]:
        return Skipped(origin, "binary file, not text; give a UTF-8 .txt, .md, .html or .jsonl file")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        bad = error
    line = data[: bad.start].count(b"\n") + 1
    if _UTF8_SEQUENCE.search(data):
        if per_line:  # undecodable bytes stay marked; _from_jsonl skips just those lines
            return data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff"), None
        return Skipped(f"{origin}:{line}", f"invalid UTF-8 (byte 0x{data[bad.start]:02x}) in an "
                       "otherwise UTF-8 file; fix that line or re-save the file as UTF-8")
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return Skipped(f"{origin}:{line}", f"not UTF-8 (byte 0x{data[bad.start]:02x}) and no other "
                       "text encoding fits; if it is text, re-save the file as UTF-8")
    # Short texts fit several legacy encodings equally well; for English news the likeliest
    # by far is Windows-1252 (a superset of Latin-1), so it wins a tie.
    least = min(match.chaos for match in matches)
    fitting = [match for match in matches if match.chaos <= least]
    if any("cp1252" in match.could_be_from_charset for match in fitting):
        text, name = data.decode("cp1252", errors="replace"), "Latin-1/Windows-1252"
    else:
        text, name = str(fitting[0]), fitting[0].encoding
    how = "the likeliest of the encodings that fit" if len(fitting) > 1 else "detected"
    return text, f"not UTF-8; read as {name} ({how}); re-save the file as UTF-8 to be sure"


def make_article(*, title: str, text: str, origin: str, url=None, source=None, published=None,
                 author=None, explicit_id=None, notes: Iterable[str] = (),
                 published_at: str | None = None) -> LoadResult:
    """An Article from loose fields; a missing title is derived and an odd date noted."""
    title = " ".join((title or "").split())
    text = (text or "").strip()
    if not text:
        return Skipped(origin, "article has no text")
    notes = list(notes)
    url = (str(url).strip() or None) if url else None
    iso_date, date_note = parse_date(published)
    if date_note:
        notes.append(date_note)
    if not title:
        title = _derived_title(text)
        notes.append(f"no title; used the start of the text ({title!r}) — give a title "
                     "(first line of a .txt, a 'title' field in JSON)")
    return Article(
        id=article_id(explicit=explicit_id, url=url, title=title, text=text),
        title=title,
        text=text,
        source=(str(source).strip() or None) if source else None,
        url=url,
        published=iso_date,
        author=(str(author).strip() or None) if author else None,
        published_at=published_at if iso_date else None,
        origin=origin,
        notes=tuple(notes),
    )


def _derived_title(text: str) -> str:
    first_line = " ".join(text.split("\n", 1)[0].split())
    return textwrap.shorten(first_line, width=90, placeholder=" …")


def load_text(content: str, origin: str) -> LoadResult:
    """An article from plain text, as in a .txt file: title line, optional `Key: value` lines."""
    return _from_text(content, origin)


def _from_text(content: str, origin: str) -> LoadResult:
    lines = content.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    title = ""
    if lines and len(lines[0].split()) <= _TITLE_MAX_WORDS:
        title = lines.pop(0).strip().lstrip("#").strip()
    # else the text starts with a paragraph: keep it, and make_article derives a title.
    fields: dict[str, str] = {}
    while lines:
        key, sep, value = lines[0].partition(":")
        field = _TEXT_HEADER_KEYS.get(key.strip().lower())
        if not sep or field is None or not value.strip() or field in fields:
            break
        fields[field] = value.strip()
        lines.pop(0)
    return make_article(title=title, text="\n".join(lines), origin=origin, **fields)


def from_html(content: str | bytes, origin: str, *, url: str | None = None,
              source: str | None = None) -> LoadResult:
    """The main text and metadata of an HTML page; `url`/`source` fill in what the page lacks."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        content, with_metadata=True, include_comments=False, include_tables=False
    )
    meta = (doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)) if doc is not None else {}
    words = (meta.get("text") or "").split()
    if len(words) < _MIN_HTML_WORDS:  # e.g. only "<noscript>Enable JavaScript</noscript>"
        found = f" (only {' '.join(words)!r})" if words else ""
        return Skipped(origin, f"no article text found in this HTML page{found}; it may be "
                       "empty or built by JavaScript: save the article's text as .txt instead")
    return make_article(
        title=meta.get("title") or "",
        text=meta.get("text") or "",
        origin=origin,
        url=meta.get("url") or url,
        source=meta.get("sitename") or meta.get("hostname") or source,
        published=meta.get("date"),
        author=meta.get("author"),
    )
