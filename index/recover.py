"""Repair the embedded Chroma store when a killed ingest left it unreadable.

Chroma 1.5's embedded store commits each upsert to SQLite (atomic), then every 1,000
records persists its HNSW graph to files next to it, without a journal. A process killed
during that persist can leave files Chroma cannot replay its log into: every later read
fails with "Failed to apply logs to the hnsw segment writer", or the process segfaults
(chroma-core/chroma#7678, #7510; reproduced here within a few SIGKILLs of a busy writer).

The vectors are derived data. Each passage's text and metadata stay in Chroma's SQLite
tables, and the text a passage was embedded from is its header (title, source, date) plus
its text. So after an ingest was killed (`IngestLock.interrupted`), the next ingest opens
the collection in a child process first, where a segfault cannot take the ingest with it,
and if it cannot be read: copies the rows to a journal file, drops the collection,
re-embeds the passages and writes them back, then deletes the journal. An ingest killed
during the repair finds the journal and resumes from it, so no passage is lost.

A Chroma server (`NEWSQA_CHROMA_URL`) is not killed with the ingest, so none of this
applies to it.
"""

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np

from newsqa.index.article import Article
from newsqa.index.chunk import passage_header
from newsqa.index.embed import TextEmbedder
from newsqa.index.store import PassageStore

# What Chroma says when its HNSW files and its log disagree.
_DAMAGE = re.compile(r"hnsw|apply logs|segment (reader|writer)|pickle", re.I)
_PROBE_SECONDS = 300
_EMBED_BATCH = 256

# Runs in a child process: open the collection, count it (which replays Chroma's log into
# the HNSW index), and look a sample of stored vectors up by themselves.
_PROBE = """
import sys
import chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
names = {c.name for c in client.list_collections()}
if sys.argv[2] not in names:
    sys.exit(0)
collection = client.get_collection(sys.argv[2])
if collection.count() == 0:
    sys.exit(0)
sample = collection.get(limit=64, include=["embeddings"])
found = collection.query(query_embeddings=sample["embeddings"], n_results=3, include=[])
misses = sum(pid not in hits for pid, hits in zip(sample["ids"], found["ids"]))
if misses > len(sample["ids"]) // 10:
    sys.exit(f"{misses} of {len(sample['ids'])} stored vectors are not found by their own search")
"""


def journal_path(store: PassageStore) -> Path:
    return store.data_dir / "recovery" / f"{store.collection_name}.jsonl"


def is_damage(error: BaseException) -> bool:
    """Whether an exception from Chroma says its vector index cannot be read."""
    return type(error).__module__.startswith("chromadb") and bool(_DAMAGE.search(str(error)))


def probe(store: PassageStore) -> str | None:
    """None when the embedded collection opens and searches in a fresh process; else why not."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(store.data_dir / "chroma"), store.collection_name],
            capture_output=True, text=True, timeout=_PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        return None  # slow is not broken: go on and let the ingest itself find out
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        return f"reading it crashed the process (signal {-done.returncode})"
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {done.returncode}"


def stored_rows(store: PassageStore) -> tuple[list[str], list[str], list[dict]]:
    """(ids, documents, metadatas) of the collection, read from Chroma's SQLite file.

    Chroma cannot serve these itself while its vector index is damaged (every read first
    replays the log into it). SQLite commits each write whole, so these rows are exactly
    the writes Chroma acknowledged.
    """
    path = store.data_dir / "chroma" / "chroma.sqlite3"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        segment = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "JOIN databases d ON c.database_id = d.id "
            "WHERE c.name = ? AND d.name = 'default_database' AND s.scope = 'METADATA'",
            (store.collection_name,)).fetchone()
        if segment is None:
            return [], [], []
        rows: dict[int, tuple[str, dict]] = {
            rid: (pid, {}) for rid, pid in db.execute(
                "SELECT id, embedding_id FROM embeddings WHERE segment_id = ? ORDER BY id",
                segment)}
        documents: dict[int, str] = {}
        for rid, key, text, number, real, flag in db.execute(
                "SELECT m.id, m.key, m.string_value, m.int_value, m.float_value, m.bool_value "
                "FROM embedding_metadata m JOIN embeddings e ON m.id = e.id "
                "WHERE e.segment_id = ?", segment):
            if rid not in rows:
                continue
            if key == "chroma:document":
                documents[rid] = text
            elif not key.startswith("chroma:"):
                value = text if text is not None else number if number is not None else real
                rows[rid][1][key] = bool(flag) if flag is not None else value
    finally:
        db.close()
    kept = [rid for rid in rows if rid in documents]
    return ([rows[rid][0] for rid in kept], [documents[rid] for rid in kept],
            [rows[rid][1] for rid in kept])


def embedding_text(document: str, meta: dict) -> str:
    """The text a stored passage was embedded from (`Passage.embedding_text`)."""
    article = Article(id=meta.get("article_id", ""), title=meta.get("title", ""), text="",
                      source=meta.get("source"), published=meta.get("published"))
    return f"{passage_header(article)}\n{document}"


def rebuild_vectors(store: PassageStore, embedder: TextEmbedder) -> int:
    """Drop the collection and write its passages back with fresh vectors; the journal
    makes this safe to interrupt. Returns the number of passages re-embedded."""
    journal = journal_path(store)
    if not journal.exists():
        ids, documents, metadatas = stored_rows(store)
        journal.parent.mkdir(parents=True, exist_ok=True)
        partial = journal.with_name(journal.name + ".partial")
        with open(partial, "w", encoding="utf-8") as out:
            for row in zip(ids, documents, metadatas):
                out.write(json.dumps(row) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, journal)
    with open(journal, encoding="utf-8") as rows:
        ids, documents, metadatas = (list(column) for column in zip(*map(json.loads, rows))) \
            if journal.stat().st_size else ([], [], [])
    damaged = _vector_segments(store)
    store.drop()
    store.reopen()
    for i in range(0, len(ids), _EMBED_BATCH):
        batch = slice(i, i + _EMBED_BATCH)
        vectors = embedder.embed([embedding_text(d, m) for d, m in
                                  zip(documents[batch], metadatas[batch])])
        store.put_rows(ids[batch], np.asarray(vectors), documents[batch], metadatas[batch])
    for segment in damaged - _vector_segments(store):  # Chroma leaves the dropped files
        shutil.rmtree(store.data_dir / "chroma" / segment, ignore_errors=True)
    journal.unlink()
    with contextlib.suppress(OSError):
        journal.parent.rmdir()
    return len(ids)


def _vector_segments(store: PassageStore) -> set[str]:
    """Ids of the HNSW segment folders Chroma's SQLite file lists for this collection."""
    db = sqlite3.connect(f"file:{store.data_dir / 'chroma' / 'chroma.sqlite3'}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = ? AND s.scope = 'VECTOR'", (store.collection_name,))}
    finally:
        db.close()


def recover(store: PassageStore, embedder: TextEmbedder, *, interrupted: bool) -> str | None:
    """Make sure the store can be read before an ingest writes to it; repair it if not.

    Returns a note for the ingest report when a repair was made, else None.
    """
    if not store.embedded:
        return None
    problem = None
    if journal_path(store).exists():
        problem = "an earlier repair was interrupted"
    elif interrupted:
        problem = probe(store)
    else:
        try:
            store.count()
        except Exception as error:
            if not is_damage(error):
                raise
            problem = str(error)
    if problem is None:
        return None
    count = rebuild_vectors(store, embedder)
    reason = problem.rsplit(": ", 2)[-2:] if ": " in problem else [problem]
    return (f"the vector index could not be read after an interrupted ingest "
            f"({': '.join(reason)}); it was rebuilt from the {count} stored passages")
