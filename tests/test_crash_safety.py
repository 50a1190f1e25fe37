"""An ingest killed at any point and then run again leaves a consistent index.

Consistent means: every article present with exactly the passages a clean ingest gives it
(one content version, none missing, no duplicates, nothing left from an earlier version),
the keyword index holding the same passage ids as Chroma, and questions answered.

The first tests put the store into each half-written state a kill can leave (by failing a
write the way a kill would stop it) so that each hole is checked deterministically. The
last ones SIGKILL a real `ingest()` subprocess at several points and compare the rerun
with a clean ingest of the same corpus.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsqa.index import store as store_module
from newsqa.index.keyword import KeywordIndex
from newsqa.index.lock import HOLDER_FILE
from newsqa.index.pipeline import ingest, open_keyword_index, open_store
from newsqa.index.recover import journal_path
from newsqa.settings import Settings

# --- a synthetic but varied corpus -------------------------------------------------------
_PLACES = ["Springfield", "Riverton", "Lakeside", "Maplewood", "Harborview", "Ashford",
           "Cedar Falls", "Brookhaven", "Northgate", "Eastbridge", "Westmoor", "Pinecrest"]
_PEOPLE = ["Maria Okafor", "Daniel Reyes", "Priya Natarajan", "Tomasz Wójcik", "Aiko Tanaka",
           "Samuel Achebe", "Lena Fischer", "Omar Haddad", "Grace Liu", "Jonas Berg"]
_BODIES = ["city council", "school board", "port authority", "water utility", "transit agency",
           "hospital trust", "library board", "parks department", "housing office"]
_TOPICS = ["a new ferry terminal", "the bus network", "flood defences", "a solar farm",
           "the central library", "school lunches", "a bridge repair", "bike lanes",
           "the harbor dredging", "a youth orchestra", "the night market", "heat pumps"]
_VERBS = ["approved", "rejected", "postponed", "expanded", "audited", "funded", "paused"]
_DETAILS = [
    "The vote was {n} to {m} after a debate that lasted until midnight.",
    "{person} said the plan would cost about {money} million over {years} years.",
    "Residents of {place} packed the hall, and {n} of them spoke during public comment.",
    "Work is expected to begin in {month} and finish by {year}.",
    "An earlier estimate put the cost at {money} million, which critics called optimistic.",
    "{person} of the {body} called the decision \"long overdue\".",
    "The {body} will publish a progress report every {n} weeks.",
    "Opponents argued that {topic} should wait until the {year} budget.",
    "A survey of {n} households found broad support for {topic}.",
    "{person} warned that delays could add {m} percent to the final bill.",
]
_MONTHS = ["January", "March", "May", "July", "September", "November"]


def _article(rng: random.Random, number: int) -> dict:
    place, person, body = rng.choice(_PLACES), rng.choice(_PEOPLE), rng.choice(_BODIES)
    topic, verb = rng.choice(_TOPICS), rng.choice(_VERBS)
    sentences = [f"The {body} of {place} {verb} {topic} on {rng.choice(_MONTHS)} "
                 f"{rng.randint(1, 28)}, story number {number}."]
    for _ in range(rng.randint(3, 14)):
        sentences.append(rng.choice(_DETAILS).format(
            n=rng.randint(2, 90), m=rng.randint(1, 30), money=rng.randint(2, 400),
            years=rng.randint(2, 12), person=rng.choice(_PEOPLE), place=place,
            body=rng.choice(_BODIES), topic=rng.choice(_TOPICS), month=rng.choice(_MONTHS),
            year=rng.randint(2024, 2031)))
    return {"title": f"{place} {body} {verb} {topic} ({number})", "text": " ".join(sentences),
            "source": rng.choice(["Example News", "The Daily Ledger", "Harbor Times"]),
            "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "author": person}


def write_corpus(folder: Path, articles: int = 200, seed: int = 7) -> Path:
    """JSONL feeds (articles with URLs) plus plain text files (articles identified by
    their content), deterministic for a seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = [_article(rng, i) for i in range(articles)]
    as_text = records[: articles // 4]
    for i, record in enumerate(as_text):
        (folder / f"story-{i:03d}.txt").write_text(f"{record['title']}\n\n{record['text']}\n")
    feed = records[articles // 4:]
    for part in range(3):
        with open(folder / f"feed-{part}.jsonl", "w") as out:
            for i, record in enumerate(feed[part::3]):
                out.write(json.dumps({**record, "url": f"https://news.example/{part}/{i}"}) + "\n")
    return folder


# --- checking an index ---------------------------------------------------------------------
def snapshot(settings: Settings, embedder) -> dict[str, dict[str, str]]:
    """article id → {passage id: text}, after checking the index holds together."""
    store = open_store(settings, embedder)
    articles: dict[str, dict[str, str]] = {}
    hashes: dict[str, set] = {}
    for pid, text, meta in store.scan():
        articles.setdefault(meta["article_id"], {})[pid] = text
        hashes.setdefault(meta["article_id"], set()).add(meta["content_hash"])
    assert sum(map(len, articles.values())) == store.count()
    assert all(len(h) == 1 for h in hashes.values()), "an article with two content versions"
    for article_id, passages in articles.items():
        assert len(set(passages.values())) == len(passages), f"duplicate passages in {article_id}"
    assert None not in store.article_hashes(list(articles)).values(), "an incomplete article"
    keyword = open_keyword_index(settings)
    assert keyword.is_current(store)
    assert sorted(keyword.ids()) == sorted(pid for p in articles.values() for pid in p)
    return articles


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus, embedder, tmp_path_factory) -> dict[str, dict[str, str]]:
    """The index a clean, uninterrupted ingest makes of the corpus."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("reference"))
    report = ingest([corpus], settings, embedder=embedder)
    assert not report.skipped and len(report.new) == 200
    return snapshot(settings, embedder)


class Killed(Exception):
    """Stands in for SIGKILL: the write it interrupts never completes."""


# --- each half-written state, made deterministically ------------------------------------
def test_article_split_across_two_upserts_is_completed_on_rerun(
        corpus, reference, settings, embedder, monkeypatch):
    """Hole (a): an article whose passages span two Chroma upserts, killed in between."""
    monkeypatch.setattr(store_module, "_PUT_BATCH", 5)
    real_upsert = None

    def upsert_then_die(**rows):
        # Killed before the upsert that holds the rest of an article already begun.
        if not rows["ids"][0].endswith("#0"):
            raise Killed
        return real_upsert(**rows)

    store = open_store(settings, embedder)
    real_upsert = store._collection.upsert
    monkeypatch.setattr(store._collection, "upsert", upsert_then_die)
    with pytest.raises(Killed):
        ingest([corpus], settings, embedder=embedder, store=store)
    monkeypatch.undo()

    store = open_store(settings, embedder)
    stored = store.article_hashes(list(reference))
    cut = [a for a, h in stored.items() if h is None]
    assert cut, "the interrupted upsert should leave an article with only some passages"
    report = ingest([corpus], settings, embedder=embedder)
    assert set(cut) <= set(report.updated) | set(report.new)
    assert snapshot(settings, embedder) == reference


def test_update_killed_before_stale_passages_were_deleted(settings, embedder, tmp_path, monkeypatch):
    """Hole (b): new passages written, old ones not yet deleted: two versions side by side."""
    feed = tmp_path / "feed.jsonl"

    def write(text):
        feed.write_text(json.dumps({"title": "Ferry timetable", "url": "https://news.example/ferry",
                                    "text": text, "published": "2024-05-02"}) + "\n")

    write(" ".join(f"Crossing {i} leaves the old dock at {i} o'clock every day." for i in range(60)))
    ingest([feed], settings, embedder=embedder)
    old_count = open_store(settings, embedder).count()
    write("The ferry now runs every hour from the new dock. It stops at the island twice.")

    store = open_store(settings, embedder)
    monkeypatch.setattr(store._collection, "delete", _die)
    with pytest.raises(Killed):
        ingest([feed], settings, embedder=embedder, store=store)
    monkeypatch.undo()
    store = open_store(settings, embedder)
    assert store.count() == old_count > 1  # passage 0 overwritten, the stale rest still there
    article_id = next(meta["article_id"] for _, _, meta in store.scan())
    assert store.article_hashes([article_id]) == {article_id: None}

    report = ingest([feed], settings, embedder=embedder)
    assert report.updated == [article_id]
    assert [text for _, text, _ in open_store(settings, embedder).scan()] == [
        "The ferry now runs every hour from the new dock. It stops at the island twice."]
    assert open_keyword_index(settings).search("crossing", 5) == []


def test_edited_file_killed_before_its_old_version_was_deleted(settings, embedder, tmp_path, monkeypatch):
    """Hole (c): an edited text file without URL gets a new id; the run is killed after
    writing it and before deleting the old version, which the rerun must still remove."""
    note = tmp_path / "note.txt"
    note.write_text("Library hours\nThe library now opens at nine on weekdays.\n")
    ingest([note], settings, embedder=embedder)
    note.write_text("Library hours\nThe library now opens at eight on weekdays.\n")

    store = open_store(settings, embedder)
    monkeypatch.setattr(store, "delete_article", _die)
    with pytest.raises(Killed):
        ingest([note], settings, embedder=embedder, store=store)
    monkeypatch.undo()
    assert len(open_store(settings, embedder).articles_from_origin(str(note))) == 2

    report = ingest([note], settings, embedder=embedder)
    assert (len(report.new), len(report.updated), len(report.unchanged)) == (0, 0, 1)
    assert [text for _, text, _ in open_store(settings, embedder).scan()] == [
        "The library now opens at eight on weekdays."]
    assert open_keyword_index(settings).search("nine", 5) == []


def test_moved_file_does_not_delete_what_now_sits_at_its_old_place(settings, embedder, tmp_path):
    """The leftover sweep only removes articles from an origin the article itself was
    written from: an unchanged article whose file moved must not delete others."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Harbor\nThe harbor reopens in June.\n")
    ingest([a], settings, embedder=embedder)
    a.rename(b)  # same content, new place: unchanged, stored under origin a.txt
    a.write_text("Parks\nThe parks get new benches.\n")
    ingest([a, b], settings, embedder=embedder)
    report = ingest([b], settings, embedder=embedder)
    assert len(report.unchanged) == 1
    assert open_store(settings, embedder).count() == 2


def _die(*args, **kwargs):
    raise Killed


# --- the keyword index's rebuild, cut short at each step ----------------------------------
@pytest.fixture
def small_index(settings, embedder):
    from conftest import SAMPLES

    ingest([SAMPLES], settings, embedder=embedder)
    return settings


def _versions(keyword: KeywordIndex) -> list[str]:
    return sorted(p.name for p in keyword.folder.iterdir() if p.name.startswith("t"))


@pytest.mark.parametrize("step", ["write", "rename", "pointer"])
def test_keyword_rebuild_killed_part_way_leaves_the_old_index_in_use(small_index, embedder, monkeypatch, step):
    """Hole (d): a rebuild writes `tN.tmp`, renames it to `tN`, then swaps `state.json`.
    Killed before the swap, readers keep the previous index and the DIRTY marker makes the
    next ingest (or reader with no ingest running) build again; leftovers are removed."""
    settings = small_index
    store = open_store(settings, embedder)
    reader = open_keyword_index(settings)
    before = reader.search("legally binding security guarantees", 3)
    assert before and _versions(reader) == ["t000001"]

    target = {"write": (KeywordIndex, "_add"), "rename": (Path, "rename"),
              "pointer": (os, "replace")}[step]
    monkeypatch.setattr(*target, _die)
    writer = open_keyword_index(settings)
    writer.mark_dirty()
    with pytest.raises(Killed):
        writer.rebuild(store)
    monkeypatch.undo()

    assert reader.search("legally binding security guarantees", 3) == before
    assert open_keyword_index(settings).search("legally binding security guarantees", 3) == before
    assert not writer.is_current(store)
    writer.catch_up(store)  # what NewsAssistant does on start
    assert writer.is_current(store)
    assert _versions(writer) == ["t000001", "t000003"]  # the current one and the one before
    assert reader.search("legally binding security guarantees", 3) == before  # reloaded


def test_keyword_sync_killed_after_its_commit_is_applied_again_without_duplicates(
        small_index, embedder, monkeypatch):
    """A sync commits to the index, then moves `synced_seq` on. Killed in between, the next
    sync reads the same changes again; each replaces its passage, so nothing doubles."""
    from newsqa.index import keyword as keyword_module

    settings = small_index
    keyword = open_keyword_index(settings)
    seq = keyword._state()["synced_seq"]
    article = settings.data_dir.parent / "trial.txt"
    article.write_text("Drug trial\n\nA Zyxoplatin trial for nine patients began on Monday.")
    monkeypatch.setattr(keyword_module, "_replace_json", _die)  # the pointer, after the commit
    with pytest.raises(Killed):
        ingest([article], settings, embedder=embedder)
    monkeypatch.undo()
    assert keyword._state()["synced_seq"] == seq  # the commit landed, the pointer did not
    store = open_store(settings, embedder)
    assert keyword.count() == store.count()  # the commit is visible (one stat of state.json)
    report = keyword.ensure_current(store)
    assert report.added > 0 and not report.rebuilt
    assert sorted(keyword.ids()) == sorted(pid for pid, _, _ in store.scan())
    assert keyword.search("Zyxoplatin", 3)[0][0] in keyword.ids()


def test_keyword_index_of_an_earlier_version_is_replaced_on_first_use(small_index, embedder):
    """Indexes built by earlier versions (bm25s generations `vN/` and a `state.json`
    pointing at one) are rebuilt in the current format by the first reader or ingest, and
    their files removed."""
    settings = small_index
    keyword = open_keyword_index(settings)
    folder = keyword.folder
    for path in folder.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (folder / "v000004" / "bm25").mkdir(parents=True)
    (folder / "v000004" / "passages.json").write_text(json.dumps({"ids": [], "days": [], "sources": []}))
    (folder / "state.json").write_text(json.dumps({"generation": 4, "version": "v000004", "count": 3}))
    old = open_keyword_index(settings)
    store = open_store(settings, embedder)
    assert old.search("Macron", 3) == [] and not old.is_current(store)
    old.catch_up(store)
    assert sorted(p.name for p in folder.iterdir()) == ["state.json", "t000005"]
    assert old.search("Macron", 3)


# --- Chroma's own files damaged by a kill ------------------------------------------------
def _precreate(settings: Settings, embedder, sync_threshold: int = 64) -> None:
    """Create the collection as PassageStore would, but persisting its HNSW files every
    `sync_threshold` rows instead of 1,000, so a small test corpus exercises the file
    writes that a kill can tear."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(settings.data_dir / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    client.get_or_create_collection(
        settings.collection, embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "sync_threshold": sync_threshold,
                                "batch_size": min(32, sync_threshold)}},
        metadata={"embedding_model": embedder.name, "embedding_dim": embedder.dimension,
                  "schema": store_module.SCHEMA_VERSION})


def forget_open_client(settings: Settings) -> None:
    """Make the next open of this folder read it from disk, as a new process would:
    Chroma shares one client (and its in-memory HNSW index) per folder per process."""
    from chromadb.api.shared_system_client import SharedSystemClient

    folder = (settings.data_dir / "chroma").resolve()
    for identifier in list(SharedSystemClient._identifier_to_system):
        if identifier and Path(identifier).resolve() == folder:
            SharedSystemClient._identifier_to_system.pop(identifier)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def _tear_hnsw(settings: Settings) -> None:
    """The state a kill during Chroma's HNSW persist leaves: the metadata it writes last
    is cut off (the same error as the torn files seen in real kills)."""
    [pickle] = (settings.data_dir / "chroma").glob("*/index_metadata.pickle")
    pickle.write_bytes(b"")


def _killed_ingest_marker(settings: Settings) -> None:
    (settings.data_dir / HOLDER_FILE).write_text(json.dumps({"pid": 999999, "started": "earlier"}))


@pytest.fixture
def damaged(tmp_path, settings, embedder):
    corpus = write_corpus(tmp_path / "corpus", articles=30, seed=3)
    _precreate(settings, embedder, sync_threshold=16)
    ingest([corpus], settings, embedder=embedder)
    store = open_store(settings, embedder)
    ids = [pid for pid, _, _ in store.scan()]
    before = {"rows": {pid: (text, meta) for pid, text, meta in store.scan()},
              "vectors": dict(store.vectors(ids))}
    assert len(ids) > 16
    forget_open_client(settings)
    _tear_hnsw(settings)
    _killed_ingest_marker(settings)
    return corpus, before


def _assert_same_as(before, settings, embedder):
    import numpy as np

    store = open_store(settings, embedder)
    rows = {pid: (text, meta) for pid, text, meta in store.scan()}
    assert rows == before["rows"]
    vectors = dict(store.vectors(list(rows)))
    # Re-embedded, not copied: the int8 model's dynamic quantization makes a vector depend
    # slightly on the batch it was computed in (cosine 0.97-0.995 between batchings).
    similarity = [float(np.dot(vectors[pid], before["vectors"][pid])) for pid in rows]
    assert min(similarity) > 0.95


def test_unreadable_vector_index_is_rebuilt_from_the_stored_passages(damaged, settings, embedder, reranker):
    """Hole (e): after a kill tore Chroma's HNSW files, every read fails; the next ingest
    finds out in a child process, re-embeds the passages kept in Chroma's SQLite, and
    carries on."""
    from chromadb.errors import ChromaError

    from newsqa.assistant.chain import NewsAssistant

    corpus, before = damaged
    with pytest.raises(ChromaError, match="pickle"):
        open_store(settings, embedder).count()
    forget_open_client(settings)

    report = ingest([corpus], settings, embedder=embedder)
    assert len(report.unchanged) == 30 and report.passages_written == 0
    assert any("rebuilt from the" in str(note) for note in report.warnings)
    _assert_same_as(before, settings, embedder)
    assert not journal_path(open_store(settings, embedder)).parent.exists()
    assert len([p for p in (settings.data_dir / "chroma").iterdir() if p.is_dir()]) == 1  # torn files gone
    answer = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker).ask(
        "What did the city council approve?")
    assert answer.retrieved


def test_repair_killed_part_way_resumes_from_its_journal(damaged, settings, embedder, monkeypatch):
    corpus, before = damaged
    calls = {"n": 0}
    real = store_module.PassageStore.put_rows

    def put_then_die(self, *rows):
        calls["n"] += 1
        if calls["n"] == 1:
            return real(self, *rows)
        raise Killed

    monkeypatch.setattr(store_module.PassageStore, "put_rows", put_then_die)
    monkeypatch.setattr("newsqa.index.recover._EMBED_BATCH", 10)
    with pytest.raises(Killed):
        ingest([corpus], settings, embedder=embedder)
    monkeypatch.undo()
    store = open_store(settings, embedder)
    assert journal_path(store).exists() and store.count() == 10
    _killed_ingest_marker(settings)

    report = ingest([corpus], settings, embedder=embedder)
    assert any("repair was interrupted" in str(note) for note in report.warnings)
    _assert_same_as(before, settings, embedder)


# --- real SIGKILLs ----------------------------------------------------------------------
_INGEST = """
import sys
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings
report = ingest([sys.argv[1]], Settings(data_dir=sys.argv[2]),
                progress=lambda done, total: print("progress", done, total, flush=True))
for note in report.warnings:
    print("note", note, flush=True)
print("done", report.summary(), flush=True)
"""


def run_ingest(corpus: Path, data_dir: Path, kill_at=None, sig=signal.SIGKILL, timeout: float = 180):
    """Run `ingest()` in a child process; send it `sig` when `kill_at(done, total)` says so.
    Returns (return code, output lines, seconds)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", _INGEST, str(corpus), str(data_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip())
            parts = line.split()
            if kill_at and parts[:1] == ["progress"] and kill_at(int(parts[1]), int(parts[2])):
                os.kill(process.pid, sig)
                kill_at = None
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, lines, time.monotonic() - started


KILL_POINTS = {
    "first-group": (lambda done, total: done >= 16, signal.SIGKILL),
    "half-way": (lambda done, total: done >= total // 2, signal.SIGKILL),
    # The last articles are stored; the keyword index is syncing.
    "keyword-sync": (lambda done, total: done == total > 0, signal.SIGKILL),
    # `kill PID`: the ingest stops at the next instruction, never inside a Chroma write.
    "sigterm-half-way": (lambda done, total: done >= total // 2, signal.SIGTERM),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_ingest_then_rerun_matches_a_clean_ingest(
        point, corpus, reference, tmp_path, embedder, reranker):
    from newsqa.assistant.chain import NewsAssistant

    settings = Settings(data_dir=tmp_path / "data")
    _precreate(settings, embedder)
    kill_at, sig = KILL_POINTS[point]
    code, lines, seconds = run_ingest(corpus, settings.data_dir, kill_at, sig)
    # SIGTERM: SystemExit from the handler, a clean unwind; either way the record of the
    # unfinished ingest stays for the rerun.
    assert code == (-sig if sig == signal.SIGKILL else 128 + sig), lines[-5:]
    assert (settings.data_dir / HOLDER_FILE).exists()

    code, lines, rerun_seconds = run_ingest(corpus, settings.data_dir)
    assert code == 0, "\n".join(lines[-20:])  # the lock of the killed process is free again
    print(f"{point}: stopped after {seconds:.1f} s; rerun {rerun_seconds:.1f} s: "
          + " ".join(line for line in lines if line.startswith(("note", "done"))))
    assert not (settings.data_dir / HOLDER_FILE).exists()
    assert snapshot(settings, embedder) == reference

    text = next(t for passages in reference.values() for t in passages.values()
                if "story number 150." in t)
    article_id = next(a for a, passages in reference.items() if text in passages.values())
    answer = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker).ask(
        text.split(", story number")[0])
    assert article_id in {p.article_id for p in answer.retrieved}
