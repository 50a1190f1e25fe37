"""Read articles from files, folders and web addresses.

Supported: `.txt`/`.md` (first line is the title, optional `Key: value` header lines),
`.html`/`.htm` (main text and metadata via trafilatura), `.jsonl` (one article per line),
`.json` (one article or a list), RSS/Atom feeds (`.rss`, `.atom`, `.xml`; index/feeds.py)
and `http(s)://` addresses of article pages or feeds (index/web.py). Unusable input never
raises: it is yielded as `Skipped` with the file (and line, or URL) and what to do. What
had to be guessed (a text's encoding, a missing title, an unreadable date) is stored and
said in `Article.notes`.
"""

import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsqa.index.article import Article, Skipped, article_id
from newsqa.index.dates import parse_date
from newsqa.index.limits import LoadLimits, megabytes

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | FEED_SUFFIXES
_SUPPORTED = ".txt, .md, .html, .jsonl, .json, .rss, .atom or .xml (a feed)"

# Formats people try that newsqa does not read, with what to do instead.
_CONVERT_FIRST = {
    ".pdf": "save the article as text (.txt) or as a web page (.html) first",
    ".doc": "save the article as plain text (.txt) or .html first",
    ".docx": "save the article as plain text (.txt) or .html first",
    ".odt": "save the article as plain text (.txt) or .html first",
    ".rtf": "save the article as plain text (.txt) first",
    ".csv": "convert the rows to .jsonl (one JSON object with 'title' and 'text' per line)",
}

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
_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")
_BARE_DOMAIN = re.compile(r"^(www\.)?[\w-]+(\.[\w-]+)+/")
# Valid multi-byte UTF-8 sequences: a file holding these is UTF-8 with damaged bytes,
# not a file in a legacy encoding.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_BAD_BYTE = re.compile("[\udc80-\udcff]")  # an undecodable byte, kept by surrogateescape

LoadResult = Article | Skipped


def load_paths(paths: Iterable[Path | str | Article],
               limits: LoadLimits | None = None) -> Iterator[LoadResult]:
    """Every article under the given files, folders (recursively, sorted) and URLs.

    `Article` objects (e.g. text pasted into the UI, see `load_text`) pass through as they are.
    """
    limits = limits or LoadLimits()
    fetcher = None
    try:
        for raw in paths:
            if isinstance(raw, Article):
                yield raw
                continue
            if isinstance(raw, str) and _is_address(raw):
                if fetcher is None:
                    from newsqa.index.web import Fetcher  # httpx only when there is a URL

                    fetcher = Fetcher(limits)
                yield from fetcher.load(raw.strip())
                continue
            yield from _load_local(Path(raw), limits)
    finally:
        if fetcher is not None:
            fetcher.close()


def _is_address(raw: str) -> bool:
    """'https://…', 'file:…', 'javascript:…' (but not an existing file that has a colon)."""
    return bool(_URL_SCHEME.match(raw.strip())) and not Path(raw).exists()


def _load_local(path: Path, limits: LoadLimits) -> Iterator[LoadResult]:
    if path.is_dir():
        visible = sorted(
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        files = [p for p in visible if p.suffix.lower() in SUPPORTED_SUFFIXES]
        if not files:
            yield Skipped(str(path), f"folder holds no {_SUPPORTED} files")
        for file in files:
            yield from load_file(file, limits)
        yield from _unreadable_in_folder(path, [p for p in visible if p not in set(files)])
    elif path.is_file():
        yield from load_file(path, limits)
    elif _BARE_DOMAIN.match(str(path)):
        yield Skipped(str(path), "no such file or folder; for a web address, start it with https://")
    else:
        yield Skipped(str(path), "no such file or folder")


def _unreadable_in_folder(folder: Path, others: list[Path]) -> Iterator[Skipped]:
    """One line per file type a folder holds but newsqa cannot read, so none goes unnoticed
    (a folder of a thousand images gives one line, not a thousand)."""
    by_type: dict[str, list[Path]] = {}
    for other in others:
        by_type.setdefault(other.suffix.lower() or "(no extension)", []).append(other)
    for suffix, group in sorted(by_type.items()):
        names = ", ".join(str(p.relative_to(folder)) for p in group[:3])
        more = f" and {len(group) - 3} more" if len(group) > 3 else ""
        yield Skipped(str(folder), f"{len(group)} {suffix} file{'s' if len(group) != 1 else ''} "
                      f"not read ({names}{more}): newsqa reads {_SUPPORTED}; convert them to "
                      "text first")


def load_file(path: Path, limits: LoadLimits | None = None) -> Iterator[LoadResult]:
    limits = limits or LoadLimits()
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(origin, f"unsupported file type {suffix or '(none)'}; "
                      + _CONVERT_FIRST.get(suffix, f"use {_SUPPORTED}"))
        return
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            yield Skipped(origin, f"file is {megabytes(size)}, over the {limits.max_file_mb:g} MB "
                          "limit; split it, or raise NEWSQA_MAX_FILE_MB")
            return
        data = path.read_bytes()
    except OSError as error:
        yield Skipped(origin, f"cannot read file ({error.strerror}); check it exists and is readable")
        return
    if suffix in FEED_SUFFIXES:
        from newsqa.index.feeds import load_feed

        yield from load_feed(data, origin, limits)
        return
    decoded = decode(data, origin, per_line=suffix in {".jsonl", ".ndjson"})
    if isinstance(decoded, Skipped):
        yield decoded
        return
    text, note = decoded
    if suffix in TEXT_SUFFIXES:
        results = [_from_text(text, origin)]
    elif suffix in HTML_SUFFIXES:
        results = [from_html(text, origin)]
    elif suffix == ".json":
        results = _from_json(text, origin)
    else:
        results = _from_jsonl(text, origin)
    for result in results:
        yield result.with_note(note) if note and isinstance(result, Article) else result


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


def _from_record(record: object, origin: str) -> LoadResult:
    if not isinstance(record, dict):
        kind = {"int": "a number", "float": "a number", "str": "a string", "list": "a list",
                "bool": "true/false", "NoneType": "null"}.get(type(record).__name__, "a value")
        return Skipped(origin, "expected a JSON object with the article's fields, like "
                       f"{{\"title\": …, \"text\": …}}; got {kind}")
    text = record.get("text") or record.get("body") or record.get("content")
    if isinstance(text, list):  # e.g. a list of paragraphs or evidence sentences
        text = "\n".join(str(part) for part in text)
    if not isinstance(text, str) or not text.strip():
        found = ", ".join(repr(key) for key in list(record)[:8]) or "none"
        return Skipped(origin, "article has no text (expected a non-empty 'text' or 'body' "
                       f"field; fields found: {found})")
    return make_article(
        title=str(record.get("title") or record.get("headline") or ""),
        text=text,
        origin=origin,
        url=record.get("url") or record.get("link"),
        source=record.get("source") or record.get("publisher"),
        published=record.get("published") or record.get("published_date")
        or record.get("published_at") or record.get("date"),
        author=record.get("author"),
        explicit_id=record.get("id"),
    )


def _from_jsonl(content: str, origin: str) -> Iterator[LoadResult]:
    lines = content.splitlines()
    cut_short = not content.endswith(("\n", "\r"))
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        if bad := _BAD_BYTE.search(line):
            byte = ord(bad.group()) - 0xDC00
            yield Skipped(where, f"invalid UTF-8 (byte 0x{byte:02x}) on this line; fix it or "
                          "re-save the file as UTF-8")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            hint = "each line must be one JSON object"
            if number == len(lines) and cut_short:
                hint = "the last line looks cut short: was the file completely written?"
            yield Skipped(where, f"malformed JSON ({error.msg} at column {error.colno}); {hint}")
            continue
        yield _from_record(record, where)


def _from_json(content: str, origin: str) -> Iterator[LoadResult]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        yield Skipped(f"{origin}:{error.lineno}", f"malformed JSON ({error.msg} at column "
                      f"{error.colno}); expected one article object or a list of them")
        return
    if isinstance(data, list):
        if not data:
            yield Skipped(origin, "empty JSON list; expected article objects")
        for number, record in enumerate(data, start=1):
            yield _from_record(record, f"{origin}[{number}]")
    else:
        yield _from_record(data, origin)
