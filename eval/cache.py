"""Build each test set's index once and reuse it: `<data_dir>/eval-cache/<key>/`.

The key hashes what determines the index — the corpus bytes (and adapter version), the
embedding model's name, the chunking settings, and the product's declared passage format
(`newsqa.index.PASSAGE_FORMAT`, bumped whenever loading, cleaning or chunking output
changes) with the store schema — so a changed corpus, model, chunk size or cleaning rule
gets its own folder instead of silently reusing stale passages, while refactoring code that
does not change passages keeps the (expensive) cached indexes. A finished build leaves `build.json` (its IngestReport figures); a folder without
it (interrupted build) is simply ingested again, which the product's ingest makes cheap
(unchanged articles are skipped). Old folders are never deleted automatically: remove
`<data_dir>/eval-cache/` to reclaim the space.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from newsqa.errors import NewsqaError
from newsqa.eval.corpus import Corpus
from newsqa.index.embed import TextEmbedder
from newsqa.index.pipeline import ingest, open_store
from newsqa.index.store import PassageStore
from newsqa.settings import Settings

MANIFEST = "build.json"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexBuild:
    """Figures of the build that made a cached index (kept for the cost metrics)."""

    key: str
    corpus: str
    embedding_model: str
    chunk_tokens: int
    chunk_overlap_sentences: int
    articles: int
    skipped: int
    passages_written: int
    passages_total: int
    seconds: float
    chunks_per_s: float | None
    built_at: str
    skipped_examples: tuple[str, ...] = ()


@dataclass
class CachedIndex:
    folder: Path
    settings: Settings  # the run's settings with data_dir pointing at the cached index
    store: PassageStore
    build: IndexBuild
    reused: bool


def passage_code_fingerprint() -> str:
    """The product's declared passage format and store schema (bumped by the product when
    loading, cleaning or chunking output changes)."""
    from newsqa.index import PASSAGE_FORMAT
    from newsqa.index.store import SCHEMA_VERSION

    return f"passages-{PASSAGE_FORMAT}-schema-{SCHEMA_VERSION}"


def cache_key(corpus: Corpus, model: str, settings: Settings) -> str:
    digest = hashlib.sha256()
    for part in (corpus.content_hash(), model, str(settings.chunk_tokens),
                 str(settings.chunk_overlap_sentences), passage_code_fingerprint()):
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:20]


def _read_manifest(folder: Path) -> IndexBuild | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        data["skipped_examples"] = tuple(data.get("skipped_examples", ()))
        return IndexBuild(**data)
    except (OSError, ValueError, TypeError):
        return None


def _write_manifest(folder: Path, build: IndexBuild) -> None:
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(json.dumps(asdict(build), indent=2), encoding="utf-8")
    partial.replace(folder / MANIFEST)


def cached_index(corpus: Corpus, settings: Settings, embedder: TextEmbedder, *,
                 progress: Progress | None = None) -> CachedIndex:
    """The index of `corpus` under `settings.data_dir/eval-cache`, built if needed."""
    key = cache_key(corpus, embedder.vector_id, settings)
    folder = Path(settings.data_dir).resolve() / "eval-cache" / key
    index_settings = settings.model_copy(update={"data_dir": folder})
    store = open_store(index_settings, embedder)
    build = _read_manifest(folder)
    if build is not None and build.key == key and store.count() == build.passages_total:
        return CachedIndex(folder, index_settings, store, build, reused=True)

    paths = corpus.ingest_paths(folder / "input")
    report = ingest(paths, index_settings, embedder=embedder, store=store, progress=progress)
    build = IndexBuild(
        key=key, corpus=corpus.name, embedding_model=embedder.name,
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap_sentences=settings.chunk_overlap_sentences,
        articles=len(report.new) + len(report.updated) + len(report.unchanged),
        skipped=len(report.skipped), passages_written=report.passages_written,
        passages_total=report.passages_total, seconds=round(report.seconds, 2),
        chunks_per_s=(round(report.passages_written / report.seconds, 1)
                      if report.seconds > 0 and report.passages_written else None),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        skipped_examples=tuple(str(s) for s in report.skipped[:20]),
    )
    if build.passages_total == 0:
        reasons = "; ".join(build.skipped_examples[:3]) or "no articles found"
        raise NewsqaError(f"Nothing from corpus {corpus.name} could be indexed ({reasons}).")
    _write_manifest(folder, build)
    return CachedIndex(folder, index_settings, store, build, reused=False)
