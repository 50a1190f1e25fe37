"""Adding articles from the page, and the line that says what is indexed.

No Gradio here: what one click on "Add" brings in (uploads kept under `DATA_DIR/uploads`,
pasted text, URLs), the summary of an ingest as HTML (all of it escaped: titles, file names
and reasons come from the input), and the corpus counts, rescanned only when the store's
passage count changes, with when the index last changed. The event that runs the ingest is
in `ui_events.py`.
"""

import contextlib
import dataclasses
import hashlib
import json
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.assistant.age import ago
from newsqa.assistant.chat import escape_html
from newsqa.corpus_stats import CorpusStats, corpus_stats, plural
from newsqa.index.subscriptions import write_atomically


@dataclass
class IngestInputs:
    """What one click on "Add" hands to `ingest`, and what was refused before it."""

    items: list = field(default_factory=list)  # paths, URLs and pasted `Article`s
    skipped: list = field(default_factory=list)  # `Skipped` found before ingesting


_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")
_OWNER_FOLDER = re.compile(r"(user-[^/]+|session-[0-9a-f]+|anonymous|program)/")


def uploader(request) -> str:
    """Whose uploads these are, as a folder name: `user-NAME` when logged in, else
    `session-HASH` for the browser session, `anonymous` without a request.

    Articles without an id or URL of their own are identified by where they came from, and
    an upload from the same place replaces the earlier one. Keeping each uploader's files in
    a folder of their own means two people's `report.txt` are two articles; only the same
    user's same file replaces. A name that is not a plain file name, and the session hash
    (a value the browser holds), appear only as a hash.
    """
    name = getattr(request, "username", None) if request is not None else None
    if name:
        name = str(name)
        return f"user-{name}" if _SAFE_NAME.fullmatch(name) else f"user-{_digest(name)}"
    session = getattr(request, "session_hash", None) if request is not None else None
    return f"session-{_digest(str(session))}" if session else "anonymous"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def keep_uploads(paths, folder: Path) -> list[Path]:
    """Copy Gradio's temporary uploads to `folder` under their own names.

    The index records where each article came from; a stable `DATA_DIR/uploads/NAME`
    (instead of a temp path that Gradio deletes) means uploading an edited file again
    replaces the earlier version, as re-ingesting a file from the CLI does, and the
    uploaded originals stay next to the index they were added to.
    """
    kept = []
    for raw in paths or []:
        source = Path(getattr(raw, "name", raw))
        name = source.name.lstrip(".") or "upload"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        kept.append(target)
    return kept


def pasted_article(text: str, owner: str | None = None):
    """An `Article` (or `Skipped`) from pasted text: title on the first line, as in a .txt.

    With an `owner` (see `uploader`), two people pasting articles under the same title do not
    replace each other's.
    """
    from newsqa.index.load import load_text

    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return load_text(text, f"pasted ({owner}): {title[:80]}" if owner else f"pasted: {title[:80]}")


def collect_inputs(files, pasted: str, urls: str, upload_folder: Path,
                   owner: str | None = None) -> IngestInputs:
    """What to ingest; with an `owner`, uploads go to `upload_folder/owner/`."""
    from newsqa.index.article import Skipped

    found = IngestInputs()
    folder = upload_folder / owner if owner else upload_folder
    found.items.extend(str(p) for p in keep_uploads(files, folder))
    if pasted and pasted.strip():
        article = pasted_article(pasted, owner)
        (found.skipped if isinstance(article, Skipped) else found.items).append(article)
    found.items.extend(line.strip() for line in (urls or "").splitlines() if line.strip())
    return found


def article_labels(store, article_ids: list[str], limit: int = 20) -> dict[str, str]:
    """'“Title” — Source · date' for up to `limit` stored articles (for the ingest summary)."""
    labels = {}
    for article_id in article_ids[:limit]:
        passages = store.get(store.passage_ids(article_id)[:1])
        if passages:
            p = passages[0]
            details = " · ".join(x for x in (p.source, p.published) if x)
            labels[article_id] = f"“{p.title}”" + (f" — {details}" if details else "")
    return labels


def display_origin(origin: str, upload_folder: Path) -> str:
    """'uploaded NAME' for a kept upload (not the server's path, nor whose folder it is in)."""
    prefix = str(upload_folder) + "/"
    if not origin.startswith(prefix):
        return origin
    rest = origin[len(prefix):]
    owner = _OWNER_FOLDER.match(rest)
    return "uploaded " + (rest[owner.end():] if owner else rest)


def ingest_summary_html(report, skipped_before: list, labels: dict[str, str],
                        upload_folder: Path) -> str:
    """Counts, then every added article, every skipped input with its reason, and warnings.

    All of it is escaped: titles, origins (file names) and reasons come from the input.
    """
    skipped = [*skipped_before, *report.skipped]
    counts = (f"{len(report.new)} new, {len(report.updated)} updated, "
              f"{len(report.unchanged)} unchanged, {len(skipped)} skipped")
    parts = [f'<p class="nq-counts"><strong>{escape_html(counts)}</strong> — '
             f"{plural(report.passages_written, 'passage')} written, "
             f"{report.passages_total:,} in the index ({report.seconds:.1f} s).</p>"]
    for heading, ids in (("New", report.new), ("Updated", report.updated)):
        if ids:
            items = "".join(f"<li>{escape_html(labels.get(i, i))}</li>" for i in ids[:20])
            more = f"<li>…and {len(ids) - 20} more</li>" if len(ids) > 20 else ""
            parts.append(f'<h4>{heading}</h4><ul class="nq-{heading.lower()}">{items}{more}</ul>')
    if skipped:
        items = "".join(f"<li><code>{escape_html(display_origin(s.origin, upload_folder))}</code>: "
                        f"{escape_html(s.reason)}</li>" for s in skipped)
        parts.append(f'<h4>Skipped</h4><ul class="nq-skipped">{items}</ul>')
    warnings = report.warnings
    if warnings:
        items = "".join(f"<li>{escape_html(display_origin(str(w), upload_folder))}</li>"
                        for w in warnings)
        parts.append(f'<h4>Warnings</h4><ul class="nq-warnings">{items}</ul>')
    return f'<div class="nq-ingest">{"".join(parts)}</div>'


def stats_html(stats: CorpusStats, updated: float | None = None,
               now: float | None = None) -> str:
    """'Index: 3 articles · … · updated 5 min ago' (`updated`: epoch seconds of the index's
    last change, when known), so a reader sees that background polls keep it current."""
    text = stats.summary()
    attributes = f'data-articles="{stats.articles}" data-passages="{stats.passages}"'
    if updated:
        text += f" · updated {ago(max(0.0, (time.time() if now is None else now) - updated))}"
        attributes += f' data-updated="{updated:.0f}"'
    return f'<p class="nq-stats" {attributes}>Index: {escape_html(text)}</p>'


class LiveStats:
    """The store's corpus stats, without ever making a page (or a server's start) wait long.

    Counting articles, sources and dates reads every passage's metadata: a fraction of a
    second for a few thousand passages, minutes for a million. Up to `SYNC_LIMIT` passages
    the count is done when asked, as the stats are needed; beyond it, on a background thread
    whenever the passage count changed, and until it is done `current()` gives the last
    result: from memory, or from `<data_dir>/corpus-stats.json` written by the last count
    (valid while the store's count and last change are the same), or at first the passage
    count alone. Many pages' timers asking at once start one count.
    """

    SYNC_LIMIT = 20_000

    def __init__(self, store, keyword=None):
        self.store = store
        self.keyword = keyword  # its last change is when the index was last updated
        self._count: int | None = None
        self._stats: CorpusStats | None = None
        self._scanning = threading.Lock()
        self._background: threading.Thread | None = None
        folder = getattr(store, "data_dir", None)
        self._cache = Path(folder) / "corpus-stats.json" if folder is not None else None

    def current(self, force: bool = False) -> CorpusStats:
        count = self.store.count()
        if not force and self._stats is not None and self._count == count:
            return self._stats
        if count <= self.SYNC_LIMIT:
            with self._scanning:
                if force or self._stats is None or self._count != count:
                    self._count, self._stats = count, corpus_stats(self.store)
            return self._stats
        if self._stats is None or self._count != count:
            cached = self._read_cache(count)
            if cached is not None:
                self._count, self._stats = count, cached
                return cached
        self._count_in_background()
        return self._stats or CorpusStats(passages=count, counting=True)

    def _count_in_background(self) -> None:
        with self._scanning:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(target=self._count_now, daemon=True,
                                                 name="newsqa-corpus-stats")
            self._background.start()

    def _count_now(self) -> None:
        count, change = self.store.count(), self.updated()
        stats = corpus_stats(self.store)
        self._count, self._stats = count, stats
        if self._cache is not None:
            with contextlib.suppress(OSError):
                write_atomically(self._cache, json.dumps(
                    {"passages": count, "last_change": change,
                     "stats": dataclasses.asdict(stats)}))

    def _read_cache(self, count: int) -> CorpusStats | None:
        if self._cache is None:
            return None
        try:
            saved = json.loads(self._cache.read_text(encoding="utf-8"))
            if saved["passages"] != count or saved["last_change"] != self.updated():
                return None
            fields = saved["stats"]
            return CorpusStats(**{**fields, "sources": tuple(fields.get("sources", ()))})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def updated(self) -> float | None:
        """When the index last changed (one small file read), or None without a keyword index."""
        return self.keyword.last_change() if self.keyword is not None else None

    def html(self, force: bool = False) -> str:
        """The stats line as it is now; cheap enough for the page's refresh timer."""
        return stats_html(self.current(force), self.updated())
