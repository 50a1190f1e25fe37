"""Two ingests on one data folder, and questions asked while an ingest runs.

A second ingest waits for the first (up to `ingest_lock_wait`) and then stops with a clear
message; a killed ingest's lock is free at once. Questions keep being answered during an
ingest in the same process (what the web UI does with uploads) and from another process;
new articles are found afterwards without restarting the assistant.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.errors import IndexBusyError
from newsqa.index.lock import HOLDER_FILE, IngestLock, try_lock
from newsqa.index.pipeline import ingest, open_store
from newsqa.index.recover import embedding_text
from newsqa.settings import Settings

from test_crash_safety import forget_open_client, write_corpus

NEWSQA = str(Path(sys.executable).parent / "newsqa")

# A real ingest whose progress callback pauses, so that it is still running (holding the
# lock) while the test starts a second one, however fast the machine.
_SLOW_INGEST = """
import sys, time
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings
def progress(done, total):
    print("progress", done, total, flush=True)
    time.sleep(float(sys.argv[3]))
report = ingest([sys.argv[1]], Settings(data_dir=sys.argv[2]), progress=progress)
print("done", report.summary(), flush=True)
"""


def _start_ingest(corpus: Path, data_dir: Path, pause: float = 0.0) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INGEST, str(corpus), str(data_dir), str(pause)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # wait until it holds the lock and writes
        if line.startswith("progress"):
            return process
    process.wait()
    pytest.fail("the ingest ended before storing anything")


def _cli_ingest(corpus: Path, data_dir: Path, wait: float, **popen) -> subprocess.Popen:
    env = {**os.environ, "NEWSQA_INGEST_LOCK_WAIT": str(wait)}
    return subprocess.Popen([NEWSQA, "ingest", str(corpus), "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, **popen)


def _finish(process: subprocess.Popen, timeout: float = 300) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    return output or ""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"), articles=120, seed=11)


@pytest.fixture(scope="module")
def first_part(corpus, tmp_path_factory) -> Path:
    """A third of the corpus: what is indexed before the ingest under test adds the rest."""
    folder = tmp_path_factory.mktemp("first-part")
    for path in corpus.iterdir():
        if path.name == "feed-0.jsonl" or path.name.startswith("story-00"):
            (folder / path.name).write_text(path.read_text())
    return folder


# --- the ingest lock ----------------------------------------------------------------------
def test_second_ingest_waits_then_stops_with_a_clear_message(corpus, tmp_path):
    data_dir = tmp_path / "data"
    first = _start_ingest(corpus, data_dir, pause=1.5)
    try:
        started = time.monotonic()
        busy = _cli_ingest(corpus, data_dir, wait=1)
        output = _finish(busy, timeout=120)
        busy_seconds = time.monotonic() - started
        patient = _cli_ingest(corpus, data_dir, wait=300)
        assert first.poll() is None, "the first ingest should still hold the lock"
    finally:
        first_output = _finish(first)
    print(f"busy ingest gave up after {busy_seconds:.1f} s (process start included)")
    assert busy.returncode == 2, output
    message = " ".join(output.split())
    assert f"Another ingest is writing to {data_dir} (process {first.pid}, started" in message
    assert "Wait for it to finish and run this again" in message
    assert "after waiting 1 s" in message

    assert first.returncode == 0, first_output
    patient_output = _finish(patient)
    assert patient.returncode == 0, patient_output
    assert "0 new, 0 updated, 120 unchanged" in " ".join(patient_output.split())


def test_lock_of_a_killed_ingest_is_free_at_once(tmp_path):
    """The OS drops a dead process's flock; the record it left says an ingest was cut short."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom newsqa.index.lock import IngestLock\n"
         "lock = IngestLock(sys.argv[1]).acquire()\nprint('held', flush=True)\ntime.sleep(600)",
         str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusyError, match=f"process {holder.pid}"):
            IngestLock(tmp_path, wait=0.2).acquire()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    reader = try_lock(tmp_path)  # a reader tidying the keyword index keeps that record
    assert reader is not None and reader.interrupted["pid"] == holder.pid
    reader.release()
    started = time.monotonic()
    with IngestLock(tmp_path, wait=0) as lock:
        assert time.monotonic() - started < 1
        assert lock.interrupted["pid"] == holder.pid
        assert json.loads((tmp_path / HOLDER_FILE).read_text())["pid"] == os.getpid()
    assert not (tmp_path / HOLDER_FILE).exists()
    with IngestLock(tmp_path) as lock:
        assert lock.interrupted is None  # the last one finished cleanly


# --- questions during an ingest -------------------------------------------------------------
def _new_article(corpus_settings: Settings, embedder, before: set[str]) -> tuple[str, str]:
    """(article id, its first sentence) of an article the ingest under test added."""
    store = open_store(corpus_settings, embedder)
    for pid, text, meta in store.scan():
        if meta["article_id"] not in before and meta["position"] == 0:
            return meta["article_id"], text.split(", story number")[0]
    pytest.fail("the ingest added no article")


def _ask_until(done, assistant: NewsAssistant) -> tuple[int, list[str], list[float]]:
    asked, errors, seconds = 0, [], []
    questions = ["What did the port authority decide about the ferry terminal?",
                 "How much will the flood defences cost?", "Who called the decision overdue?"]
    while not done():
        started = time.perf_counter()
        try:
            answer = assistant.ask(questions[asked % len(questions)])
            assert answer.retrieved
        except Exception as error:  # counted, not raised: the test reports them all
            errors.append(f"{type(error).__name__}: {error}")
        seconds.append(time.perf_counter() - started)
        asked += 1
    return asked, errors, seconds


def _finds(assistant: NewsAssistant, article_id: str, sentence: str) -> bool:
    return article_id in {p.article_id for p in assistant.ask(sentence).retrieved}


def test_questions_are_answered_during_an_ingest_in_the_same_process(
        corpus, first_part, settings, embedder, reranker):
    ingest([first_part], settings, embedder=embedder)
    before = {meta["article_id"] for _, _, meta in open_store(settings, embedder).scan()}
    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    synced = assistant.keyword._state()["synced_seq"]

    outcome = {}

    def run():
        try:
            outcome["report"] = ingest([corpus], settings, embedder=embedder)
        except Exception as error:
            outcome["error"] = error

    writer = threading.Thread(target=run)
    writer.start()
    asked, errors, seconds = _ask_until(lambda: not writer.is_alive(), assistant)
    writer.join()
    print(f"in-process: {asked} questions during the ingest, median "
          f"{np.median(seconds):.2f} s, {outcome.get('report') and outcome['report'].summary()}")
    assert "error" not in outcome, outcome.get("error")
    assert errors == [] and asked > 0
    assert len(outcome["report"].new) == 120 - len(before)

    article_id, sentence = _new_article(settings, embedder, before)
    assert _finds(assistant, article_id, sentence)  # no restart needed
    assert assistant.keyword._state()["synced_seq"] > synced  # synced, not rebuilt
    assert assistant.keyword._state()["generation"] == 1
    assert _dense_finds(assistant.store, embedder, article_id)  # same client: new vectors seen


def _questions_during_a_cli_ingest(corpus, first_part, settings, embedder, reranker):
    ingest([first_part], settings, embedder=embedder)
    before = {meta["article_id"] for _, _, meta in open_store(settings, embedder).scan()}
    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    env = {"env": {**os.environ, **({"NEWSQA_CHROMA_URL": settings.chroma_url}
                                    if settings.chroma_url else {})}}
    process = subprocess.Popen([NEWSQA, "ingest", str(corpus), "--data-dir", str(settings.data_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **env)
    try:
        asked, errors, seconds = _ask_until(lambda: process.poll() is not None, assistant)
    finally:
        output = _finish(process)
    print(f"{'server' if settings.chroma_url else 'embedded'}: {asked} questions during a CLI "
          f"ingest, median {np.median(seconds):.2f} s; {' '.join(output.split())[-160:]}")
    assert process.returncode == 0, output
    assert errors == [] and asked > 0
    return assistant, _new_article(settings, embedder, before)


def test_questions_from_another_process_during_a_cli_ingest(
        corpus, first_part, settings, embedder, reranker):
    """Embedded Chroma: answers keep coming without errors while another process ingests.
    The open assistant's keyword index reloads, so new passages are found by keyword search
    at once; its dense search sees the other process's new vectors only after a restart,
    because this process keeps its HNSW index in memory (README: use a Chroma server when
    another process ingests while the app answers)."""
    assistant, (article_id, sentence) = _questions_during_a_cli_ingest(
        corpus, first_part, settings, embedder, reranker)
    assert f"{article_id}#0" == assistant.keyword.search(sentence, 1)[0][0]
    assert assistant.store.get([f"{article_id}#0"])  # its text and metadata, from SQLite
    print(f"open assistant finds the new article: {_finds(assistant, article_id, sentence)}")

    forget_open_client(settings)  # what a restart does
    restarted = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    assert _finds(restarted, article_id, sentence)
    assert _dense_finds(restarted.store, embedder, article_id)


def _dense_finds(store, embedder, article_id: str) -> bool:
    row = store.get([f"{article_id}#0"])[0]
    vector = embedder.embed([embedding_text(row.text, {"title": row.title, "source": row.source,
                                                       "published": row.published})])[0]
    return row.id in [hit.id for hit in store.query(np.asarray(vector), 3)]


def test_questions_from_another_process_through_a_chroma_server(
        chroma_server, corpus, first_part, tmp_path, embedder, reranker):  # noqa: F811
    settings = Settings(data_dir=tmp_path / "local", chroma_url=f"http://127.0.0.1:{chroma_server}")
    assistant, (article_id, sentence) = _questions_during_a_cli_ingest(
        corpus, first_part, settings, embedder, reranker)
    assert _finds(assistant, article_id, sentence)  # no restart needed
    assert _dense_finds(assistant.store, embedder, article_id)
