"""Read articles from files, folders and web addresses: each is routed by its suffix or
scheme to the reader of its format (index/formats.py, index/feeds.py, index/web.py).

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
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsqa.index.article import Article, Skipped
from newsqa.index.formats import LoadResult, decode, from_html, load_text, make_article
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

_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")
_BARE_DOMAIN = re.compile(r"^(www\.)?[\w-]+(\.[\w-]+)+/")
_BAD_BYTE = re.compile("[\udc80-\udcff]")  # an undecodable byte, kept by surrogateescape



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
        results = [load_text(text, origin)]
    elif suffix in HTML_SUFFIXES:
        results = [from_html(text, origin)]
    elif suffix == ".json":
        results = _from_json(text, origin)
    else:
        results = _from_jsonl(text, origin)
    for result in results:
        yield result.with_note(note) if note and isinstance(result, Article) else result


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
