"""The write path as one straight line: load → clean → chunk → embed → store.

Re-ingesting is cheap and safe: an article whose content hash is already stored is not
re-embedded, an edited article replaces all of its old passages, and a bad file or line is
reported and skipped while everything else is still stored.
"""

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.errors import StoreError
from newsqa.index.article import Article, Note, Skipped, normalize_url
from newsqa.index.chunk import chunk_article
from newsqa.index.clean import clean_text
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.index.keyword import KeywordIndex
from newsqa.index.limits import LoadLimits
from newsqa.index.load import load_paths
from newsqa.index.lock import IngestLock, stop_between_writes
from newsqa.index.owners import OPERATOR, claim
from newsqa.index.recover import recover
from newsqa.index.store import PassageStore, open_store  # open_store: re-exported
from newsqa.index.stories import open_story_index
from newsqa.settings import Settings

Progress = Callable[[int, int], None]  # (done, total)
_EMBED_GROUP = 16  # articles embedded together: fewer, fuller model batches


@dataclass
class IngestReport:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)  # stored, with a caveat (Article.notes)
    passages_written: int = 0
    passages_total: int = 0
    seconds: float = 0.0
    keyword_seconds: float = 0.0  # of `seconds`: bringing the keyword index up to date
    stories_seconds: float = 0.0  # of `seconds`: placing the articles in stories

    @property
    def stored_anything(self) -> bool:
        return bool(self.new or self.updated or self.unchanged)

    def summary(self) -> str:
        return (f"{len(self.new)} new, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.skipped)} skipped; {self.passages_written} passages written, "
                f"{self.passages_total} in the index ({self.seconds:.1f} s)")


def check_writable(data_dir: Path) -> None:
    """Fail before anything is written when the index folder cannot be written to.

    Chroma would otherwise fail part-way ("attempt to write a readonly database") after
    the keyword index was already marked for a rebuild.
    """
    data_dir = Path(data_dir)
    todo = "nothing was changed"
    fix = ("make it writable for this user (e.g. chmod -R u+w), or use another folder with "
           "--data-dir or NEWSQA_DATA_DIR")
    if not data_dir.exists():
        parent = next((p for p in data_dir.absolute().parents if p.exists()), None)
        if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
            raise StoreError(f"Cannot create the index folder {data_dir}: {parent} is not "
                             f"writable; {todo}. Create it, or {fix}.")
        return
    for folder, _, files in os.walk(data_dir):
        for path in [folder, *(os.path.join(folder, name) for name in files)]:
            if not os.access(path, os.W_OK):
                where = "" if Path(path) == data_dir else f" ({path} cannot be written)"
                raise StoreError(f"The index folder {data_dir} is read-only{where}; {todo}. "
                                 f"To add articles, {fix}.")


def open_keyword_index(settings: Settings) -> KeywordIndex:
    return KeywordIndex(settings.data_dir / "keyword")


def prepare(paths: Iterable[Path | str | Article],
            settings: Settings | None = None) -> tuple[list[Article], list[Skipped]]:
    """Load and clean every article; duplicates and articles with no text left are skipped.

    `settings` bound what loading may cost (file size, fetch timeout, feed entries); what had
    to be guessed while loading stays on each article's `notes` (see `notes_of`).
    """
    limits = LoadLimits.from_settings(settings) if settings is not None else LoadLimits()
    articles: dict[str, Article] = {}
    skipped: list[Skipped] = []
    for item in load_paths(paths, limits):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        cleaned = clean_text(item.text)
        if not cleaned:
            skipped.append(Skipped(item.origin, "no article text left after removing page "
                                   "furniture (sign-up promos, link lists)"))
        elif item.id in articles:
            first = articles[item.id]
            if first.content_hash == item.with_text(cleaned).content_hash:
                reason = f"same article as {first.origin} (id {item.id}); the first one was kept"
            elif item.url and first.url and normalize_url(item.url) == normalize_url(first.url):
                reason = f"same URL as {first.origin}; the first one was kept"
            else:
                reason = (f"same id ({item.id}) as {first.origin} but a different article; the "
                          "first one was kept; give each article its own 'id' (or URL)")
            skipped.append(Skipped(item.origin, reason))
        else:
            articles[item.id] = item.with_text(cleaned)
    return list(articles.values()), skipped


def notes_of(articles: Iterable[Article]) -> list[Note]:
    """The caveats of stored articles, for the ingest report."""
    return [Note(article.origin, note) for article in articles for note in article.notes]


def ingest(paths: Iterable[Path | str | Article], settings: Settings, *, embedder: TextEmbedder | None = None,
           store: PassageStore | None = None, rebuild: bool = False,
           progress: Progress | None = None, added_by: str = OPERATOR,
           replace_any: bool = False) -> IngestReport:
    """Store the articles' passages; safe to interrupt and run again.

    The run holds the data folder's ingest lock (`lock.py`): a second ingest waits up to
    `settings.ingest_lock_wait` seconds, then stops with `IndexBusyError`. A run killed at
    any point is completed by running it again: an article counts as stored only when all
    of its passages of one version are (`PassageStore.article_hashes`), earlier versions
    from the same origin are removed on every run, the keyword index applies every change
    since its last sync (rows and tombstones carry change numbers: `store.py`), and a
    vector index left unreadable is rebuilt (`recover.py`).

    `added_by` says on whose behalf it runs ("" the operator, "user-NAME" a login): an
    article another person added is never replaced by it, unless `replace_any` (an admin);
    the newcomer's version is stored beside it (`owners.py`).
    """
    started = time.perf_counter()
    check_writable(settings.data_dir)
    embedder = embedder or load_embedder(
        settings.embedding_model, batch_size=settings.embedding_batch_size,
        threads=settings.threads)
    with IngestLock(settings.data_dir, wait=settings.ingest_lock_wait) as lock, \
            stop_between_writes():
        keyword = open_keyword_index(settings)
        if rebuild:
            keyword.mark_dirty()
        store = store or open_store(settings, embedder, rebuild=rebuild)
        report = IngestReport()
        repaired = recover(store, embedder, interrupted=lock.interrupted is not None)
        if repaired:
            keyword.mark_dirty()
        articles, report.skipped = prepare(paths, settings)
        report.warnings = notes_of(articles)
        if added_by != OPERATOR:
            articles, moved = claim(articles, store.article_owners([a.id for a in articles]),
                                    added_by, replace_any=replace_any)
            report.warnings.extend(moved)
        if repaired:
            report.warnings.append(Note(str(settings.data_dir), repaired))
        _write(articles, store, embedder, settings, report, progress,
               after_interruption=lock.interrupted is not None)
        report.keyword_seconds = keyword.ensure_current(store).seconds
        stories_started = time.perf_counter()
        open_story_index(settings.data_dir).ensure_current(store)
        report.stories_seconds = time.perf_counter() - stories_started
        report.passages_total = store.count()
    report.seconds = time.perf_counter() - started
    return report


def _write(articles: list[Article], store: PassageStore, embedder: TextEmbedder,
           settings: Settings, report: IngestReport, progress: Progress | None, *,
           after_interruption: bool) -> None:
    stored = store.article_hashes([a.id for a in articles])  # None: incomplete, write again
    batch_ids = {a.id for a in articles}

    todo = []
    for article in articles:
        if stored.get(article.id) == article.content_hash:
            report.unchanged.append(article.id)
        else:
            todo.append(article)
    # An earlier version left behind by a run cut short before it could delete it (a run
    # that finished deleted it: looking costs a metadata scan, ~0.1 s per 3k passages).
    unchanged = set(report.unchanged)
    leftovers = (store.earlier_versions([a for a in articles if a.id in unchanged], batch_ids)
                 if after_interruption else {})
    done = len(articles) - len(todo)
    if progress:
        progress(done, len(articles))
    for old_ids in leftovers.values():
        for old_id in old_ids:
            store.delete_article(old_id)

    def embedded(group: list[Article]):
        chunked = [chunk_article(a, max_tokens=min(settings.chunk_tokens, embedder.max_tokens),
                                 count_tokens=embedder.count_tokens,
                                 overlap_sentences=settings.chunk_overlap_sentences)
                   for a in group]
        return chunked, embedder.embed([p.embedding_text for ps in chunked for p in ps])

    groups = [todo[i:i + _EMBED_GROUP] for i in range(0, len(todo), _EMBED_GROUP)]
    # The next group is chunked and embedded while this one is written, so the model does
    # not wait on Chroma. Nothing is stored from a group before its own write below.
    ahead = ThreadPoolExecutor(1, thread_name_prefix="ingest-ahead")
    try:
        pending = ahead.submit(embedded, groups[0]) if groups else None
        for k, group in enumerate(groups):
            chunked, vectors = pending.result()
            if k + 1 < len(groups):
                pending = ahead.submit(embedded, groups[k + 1])
            _store_group(group, chunked, vectors, store, stored, batch_ids, report)
            done += len(group)
            if progress:
                progress(done, len(articles))
    finally:
        ahead.shutdown(wait=False, cancel_futures=True)  # an interrupted run stores nothing more


def _store_group(group: list[Article], chunked: list, vectors, store: PassageStore,
                 stored: dict, batch_ids: set, report: IngestReport) -> None:
    """Write one group's passages and vectors, then drop earlier versions of its articles."""
    items, offset = [], 0
    for article, passages in zip(group, chunked):
        items.append((article, passages, vectors[offset:offset + len(passages)]))
        offset += len(passages)
    store.put_articles(items, replacing={a.id for a in group if a.id in stored})
    report.passages_written += offset
    # An article without URL or id is identified by its content, so an edited file gets
    # a new id: the previous version from the same file is deleted now that the new one
    # is written.
    earlier = store.earlier_versions(group, batch_ids)
    for article in group:
        for old_id in earlier.get(article.id, ()):
            store.delete_article(old_id)
        replaced = article.id in stored or article.id in earlier
        (report.updated if replaced else report.new).append(article.id)
