"""Read articles from files and folders.

Supported: `.txt`/`.md` (first line is the title, optional `Key: value` header lines),
`.html`/`.htm` (main text and metadata via trafilatura), `.jsonl` (one article per line)
and `.json` (one article or a list). Unusable input never raises: it is yielded as
`Skipped` with the file, the line where one applies, and what to do.
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsqa.index.article import Article, Skipped, article_id
from newsqa.index.dates import to_iso_date

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

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

LoadResult = Article | Skipped


def load_paths(paths: Iterable[Path | str | Article]) -> Iterator[LoadResult]:
    """Every article under the given files and folders (folders recursively, sorted).

    `Article` objects (e.g. text pasted into the UI, see `load_text`) pass through as they are.
    """
    for raw in paths:
        if isinstance(raw, Article):
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                yield Skipped(str(path), "folder holds no .txt, .md, .html or .jsonl files")
            for file in files:
                yield from load_file(file)
        elif path.is_file():
            yield from load_file(path)
        else:
            yield Skipped(str(path), "no such file or folder")


def load_file(path: Path) -> Iterator[LoadResult]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(str(path), f"unsupported file type {suffix or '(none)'}; "
                      "use .txt, .md, .html, .htm, .jsonl or .json")
        return
    text = _read_text(path)
    if isinstance(text, Skipped):
        yield text
        return
    if suffix in TEXT_SUFFIXES:
        yield _from_text(text, str(path))
    elif suffix in HTML_SUFFIXES:
        yield _from_html(text, str(path))
    elif suffix == ".json":
        yield from _from_json(text, str(path))
    else:
        yield from _from_jsonl(text, str(path))


def _read_text(path: Path) -> str | Skipped:
    origin = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return Skipped(origin, f"cannot read file ({error.strerror})")
    if not data.strip():
        return Skipped(origin, "file is empty")
    if b"\x00" in data[:8192]:
        return Skipped(origin, "binary file, not text; give a UTF-8 .txt, .md, .html or .jsonl file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Skipped(f"{origin}:{line}",
                       f"invalid UTF-8 (byte 0x{data[error.start]:02x}); re-save the file as UTF-8")


def _make(*, title: str, text: str, origin: str, url=None, source=None, published=None,
          author=None, explicit_id=None) -> LoadResult:
    title = " ".join((title or "").split())
    text = (text or "").strip()
    if not text:
        return Skipped(origin, "article has no text")
    url = (url or "").strip() or None
    return Article(
        id=article_id(explicit=explicit_id, url=url, title=title, text=text),
        title=title or text.split("\n", 1)[0][:120],
        text=text,
        source=(str(source).strip() or None) if source else None,
        url=url,
        published=to_iso_date(published),
        author=(str(author).strip() or None) if author else None,
        origin=origin,
    )


def load_text(content: str, origin: str) -> LoadResult:
    """An article from plain text, as in a .txt file: title line, optional `Key: value` lines."""
    return _from_text(content, origin)


def _from_text(content: str, origin: str) -> LoadResult:
    lines = content.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    title = lines.pop(0).strip().lstrip("#").strip() if lines else ""
    fields: dict[str, str] = {}
    while lines:
        key, sep, value = lines[0].partition(":")
        field = _TEXT_HEADER_KEYS.get(key.strip().lower())
        if not sep or field is None or not value.strip() or field in fields:
            break
        fields[field] = value.strip()
        lines.pop(0)
    return _make(title=title, text="\n".join(lines), origin=origin, **fields)


def _from_html(content: str, origin: str) -> LoadResult:
    import trafilatura

    doc = trafilatura.bare_extraction(
        content, with_metadata=True, include_comments=False, include_tables=False
    )
    if doc is None:
        return Skipped(origin, "no article text found in this HTML page")
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return _make(
        title=meta.get("title") or "",
        text=meta.get("text") or "",
        origin=origin,
        url=meta.get("url"),
        source=meta.get("sitename") or meta.get("hostname"),
        published=meta.get("date"),
        author=meta.get("author"),
    )


def _from_record(record: object, origin: str) -> LoadResult:
    if not isinstance(record, dict):
        return Skipped(origin, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text") or record.get("body") or record.get("content")
    if isinstance(text, list):  # e.g. a list of paragraphs or evidence sentences
        text = "\n".join(str(part) for part in text)
    if not isinstance(text, str) or not text.strip():
        return Skipped(origin, "article has no text (expected a non-empty 'text' or 'body' field)")
    return _make(
        title=str(record.get("title") or ""),
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
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield Skipped(where, f"malformed JSON ({error.msg} at column {error.colno}); "
                          "each line must be one JSON object")
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
        for number, record in enumerate(data, start=1):
            yield _from_record(record, f"{origin}[{number}]")
    else:
        yield _from_record(data, origin)
