"""The keyword index follows the store change by change: an ingest costs what it changes,
filters apply inside the keyword search, and replicas on a Chroma server catch up by
fetching only what changed (two app processes, an ingest in a third)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsqa.index.filters import PassageFilter
from newsqa.index.keyword import KeywordIndex
from newsqa.index.pipeline import ingest, open_keyword_index, open_store
from newsqa.settings import Settings

from conftest import SAMPLES

HERE = Path(__file__).parent


def _article(folder: Path, name: str, title: str, text: str, published: str = "2026-11-20",
             source: str = "Harbor Times") -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"id": name, "title": title, "text": text,
                                "published": published, "source": source}))
    return path


def _store_ids(settings, embedder) -> list[str]:
    return sorted(pid for pid, _, _ in open_store(settings, embedder).scan(texts=False))


def test_an_ingest_syncs_only_what_it_changed(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data")
    ingest([SAMPLES], settings, embedder=embedder)
    keyword = open_keyword_index(settings)
    first = keyword._state()
    assert first["generation"] == 1 and keyword.count() > 0

    ferry = _article(tmp_path, "ferry", "Harbor ferry to resume",
                     "The harbor ferry will resume service in April after repairs to its hull.")
    report = ingest([ferry], settings, embedder=embedder)
    state = keyword._state()
    assert state["generation"] == 1 and state["synced_seq"] > first["synced_seq"]  # no rebuild
    assert keyword.search("hull repairs ferry", 3)[0][0].startswith("ferry#")
    assert sorted(keyword.ids()) == _store_ids(settings, embedder)

    # What a sync reads is what changed: the new article's passages, not the index.
    store = open_store(settings, embedder)
    changed = list(store.changed_since(first["synced_seq"]))
    assert {meta["article_id"] for _, _, meta in changed} == {"ferry"}
    assert len(changed) == report.passages_written

    # An edit replaces the article's passages; the old words are gone from the index.
    ferry = _article(tmp_path, "ferry", "Harbor ferry to resume",
                     "The harbor ferry stays docked until June while the pier is rebuilt.")
    before = keyword._state()["synced_seq"]
    assert len(ingest([ferry], settings, embedder=embedder).updated) == 1
    assert keyword.search("hull", 3) == []
    assert keyword.search("pier rebuilt", 3)[0][0].startswith("ferry#")
    assert sorted(keyword.ids()) == _store_ids(settings, embedder)
    gone = list(store.deleted_since(before))
    assert all(pid.startswith("ferry#") for pid, _ in gone)  # tombstones of the old version only
    assert keyword._state()["generation"] == 1

    # Nothing changed: the sync reads nothing and writes nothing.
    synced = keyword._state()["synced_seq"]
    again = ingest([ferry, SAMPLES], settings, embedder=embedder)
    assert again.passages_written == 0 and keyword._state()["synced_seq"] == synced


def test_filters_apply_inside_the_keyword_search(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data")
    ingest([_article(tmp_path, "old", "Ferry", "The ferry fare rises to four dollars.",
                     published="2026-01-05", source="Harbor Times"),
            _article(tmp_path, "new", "Ferry", "The ferry fare rises to five dollars.",
                     published="2026-03-05", source="Bay Post"),
            _article(tmp_path, "undated", "Ferry", "The ferry fare rises to six dollars.",
                     published="", source="Bay Post")], settings, embedder=embedder)
    keyword = open_keyword_index(settings)

    def found(**bounds):
        return sorted(pid.split("#")[0] for pid, _ in
                      keyword.search("ferry fare", 10, PassageFilter.build(**bounds)))

    assert found() == ["new", "old", "undated"]
    assert found(as_of="2026-02-01") == ["old"]  # undated passages are left out under a bound
    assert found(since="2026-02-01") == ["new"]
    assert found(sources=["bay post"]) == ["new", "undated"]
    assert found(sources=["Bay Post"], until="2026-12-31") == ["new"]
    assert found(sources=["nobody"]) == []


def test_a_second_index_follows_the_same_store_from_its_own_folder(tmp_path, embedder):
    """What a replica does: its own keyword folder, brought up to date by sync alone."""
    settings = Settings(data_dir=tmp_path / "data")
    ingest([SAMPLES], settings, embedder=embedder)
    store = open_store(settings, embedder)
    replica = KeywordIndex(tmp_path / "replica" / "keyword")
    assert replica.sync(store).rebuilt  # first sight: built from the whole store
    assert sorted(replica.ids()) == _store_ids(settings, embedder)

    ingest([_article(tmp_path, "drug", "Trial", "A Zyxoplatin trial began with nine patients.")],
           settings, embedder=embedder)
    assert replica.search("Zyxoplatin", 3) == []  # not yet synced
    report = replica.sync(store)
    assert not report.rebuilt and report.added == 1 and report.removed == 0
    assert replica.search("Zyxoplatin", 3)[0][0] == "drug#0"

    ingest([_article(tmp_path, "drug", "Trial", "The trial was halted after two weeks.")],
           settings, embedder=embedder)
    report = replica.sync(store)
    assert replica.search("Zyxoplatin", 3) == [] and replica.search("halted", 3)[0][0] == "drug#0"
    assert sorted(replica.ids()) == _store_ids(settings, embedder)

    # Another collection (the store was rebuilt): the replica starts over instead of mixing.
    rebuilt = open_store(settings, embedder, rebuild=True)
    assert replica.sync(rebuilt).rebuilt and replica.ids() == []


def _read_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_text().splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # log output of the libraries
    return lines


def test_two_app_processes_catch_up_with_an_ingest_in_a_third(chroma_server, tmp_path, embedder):
    """Two app processes (own data folders, as on two machines) answer from one Chroma
    server while a third process ingests. Both find the new article by keyword and by
    meaning from their first keyword sync after the ingest ended, with no error on the way."""
    url = f"http://127.0.0.1:{chroma_server}"
    ingest([SAMPLES], Settings(data_dir=tmp_path / "writer", chroma_url=url), embedder=embedder)
    fresh = _article(tmp_path, "volcano", "Volcano wakes",
                     "The Quillbarrow volcano erupted on Tuesday, sending ash over three villages.")
    probe = "Quillbarrow volcano ash"
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    apps, logs = [], []
    try:
        for n in (1, 2):
            logs.append(tmp_path / f"app{n}.jsonl")
            apps.append(subprocess.Popen(
                [sys.executable, str(HERE / "replica_app.py"), str(tmp_path / f"app{n}"), url,
                 str(stop), probe, "What erupted on Tuesday?"],
                stdout=open(logs[-1], "w"), stderr=subprocess.DEVNULL, env=env,
                start_new_session=True))
        deadline = time.monotonic() + 180
        while not all(any("ready" in line for line in _read_lines(log)) for log in logs):
            assert all(app.poll() is None for app in apps), "an app process stopped"
            assert time.monotonic() < deadline, "the app processes did not start"
            time.sleep(0.5)
        time.sleep(2)  # a few rounds before the ingest

        ingest_started = time.time()
        done = subprocess.run(
            [str(Path(sys.executable).parent / "newsqa"), "ingest", str(fresh),
             "--data-dir", str(tmp_path / "writer")],
            env={**os.environ, "NEWSQA_CHROMA_URL": url}, capture_output=True, text=True,
            timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        ingest_ended = time.time()

        def caught_up(lines):  # a round after a sync that began after the ingest ended
            return any((l.get("last_sync") or 0) > ingest_ended for l in lines)

        while not all(caught_up(_read_lines(log)) for log in logs):
            assert all(app.poll() is None for app in apps), "an app process stopped"
            assert time.monotonic() < deadline + 120, "no keyword sync after the ingest"
            time.sleep(0.5)
    finally:
        stop.touch()
        for app in apps:
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()

    for log in logs:
        rounds = [l for l in _read_lines(log) if "t" in l]
        during = [l for l in rounds if ingest_started <= l["t"] <= ingest_ended]
        assert [l["error"] for l in rounds if l["error"]] == [] and rounds[-1]["sync_errors"] == 0
        # Every round after a sync that began after the ingest ended finds the new article
        # both ways: the replica caught up within one sync interval.
        after_sync = [l for l in rounds if (l["last_sync"] or 0) > ingest_ended]
        assert after_sync and all("volcano#0" in l["keyword"] and "volcano#0" in l["dense"]
                                  for l in after_sync)
        assert all("Quillbarrow" in l["answer"] for l in after_sync)
        print(f"{log.name}: {len(rounds)} rounds, {len(during)} during the ingest, "
              f"first keyword hit {min(l['t'] for l in after_sync) - ingest_ended:.1f} s after it")


def test_changes_are_read_by_id_each_row_once(tmp_path):
    """`changed_since` finds the changed ids with one single-bound query and reads them by
    id a page at a time: every row comes back once, also when one change number (one upsert)
    holds more rows than a page; `deleted_since` likewise, and `changes_after` sees both."""
    import numpy as np

    from newsqa.index.store import PassageStore

    store = PassageStore(tmp_path, collection="paging", model_name="m", dimension=4)
    ids = [f"row{i}" for i in range(9000)]  # three upserts of up to 4,000 rows
    store.put_rows(ids, np.random.default_rng(0).random((9000, 4), dtype=np.float32),
                   ["text"] * 9000, [{"article_id": "a", "origin": "o"}] * 9000)
    seen = [pid for pid, _, _ in store.changed_since(0, batch=500)]
    assert len(seen) == 9000 and set(seen) == set(ids)
    newest = max(int(meta["seq"]) for _, _, meta in store.changed_since(0))
    assert list(store.changed_since(newest)) == [] and not store.changes_after(newest)
    store.delete_passages(ids[:4500])
    gone = list(store.deleted_since(newest, batch=300))
    assert sorted(pid for pid, _ in gone) == sorted(ids[:4500])
    assert store.changes_after(newest) and not store.changes_after(max(s for _, s in gone))
