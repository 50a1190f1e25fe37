"""The write path with the real embedding model and a real Chroma folder."""

import json

import pytest

from newsqa.cli import main as cli
from newsqa.errors import IndexMismatchError
from newsqa.index.pipeline import ingest, open_store
from newsqa.index.store import PassageStore

from conftest import SAMPLE_FILE, SAMPLES


def _feed(path, text_b="The second story is about a harbor ferry returning in spring."):
    path.write_text("\n".join(json.dumps(r) for r in [
        {"title": "Council budget", "text": "The city council approved the budget on Tuesday.",
         "url": "https://news.example/budget", "source": "Example News", "published": "2024-05-01"},
        {"title": "Ferry returns", "text": text_b, "url": "https://news.example/ferry",
         "source": "Example News", "published": "2024-05-02"},
    ]) + "\n")


def test_sample_ingest_then_reingest_writes_nothing(settings, embedder):
    first = ingest([SAMPLES], settings, embedder=embedder)
    assert (len(first.new), len(first.updated), len(first.skipped)) == (1, 0, 0)
    assert first.passages_written == first.passages_total >= 2
    store = open_store(settings, embedder)
    hits = store.query(embedder.embed_query("legally binding security guarantees"), 10)
    assert all(embedder.count_tokens([h.title + "\n" + h.text])[0] <= settings.chunk_tokens for h in hits)
    # Passages carry offsets into the cleaned text and the article's metadata.
    assert all(h.source == "The Week" and h.published == "2022-01-28" for h in hits)
    assert sorted(h.position for h in hits) == list(range(len(hits)))

    again = ingest([SAMPLES], settings, embedder=embedder)
    assert (len(again.new), len(again.updated), len(again.unchanged)) == (0, 0, 1)
    assert again.passages_written == 0
    assert again.passages_total == first.passages_total


def test_edited_article_replaces_all_its_old_passages(settings, embedder, tmp_path):
    feed = tmp_path / "feed.jsonl"
    _feed(feed, text_b=" ".join(["The old ferry timetable had twelve crossings a day."] * 60))
    first = ingest([feed], settings, embedder=embedder)
    assert len(first.new) == 2 and first.passages_total > 2

    _feed(feed, text_b="The ferry now runs every hour from the new dock.")
    second = ingest([feed], settings, embedder=embedder)
    assert (len(second.new), len(second.updated), len(second.unchanged)) == (0, 1, 1)
    store = open_store(settings, embedder)
    assert store.count() == 2
    hits = store.query(embedder.embed_query("ferry timetable"), 5)
    assert not any("twelve crossings" in h.text for h in hits)
    assert any("every hour" in h.text for h in hits)


def test_edited_text_file_without_url_replaces_its_previous_version(settings, embedder, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Library hours\nThe library now opens at nine on weekdays.\n")
    ingest([path], settings, embedder=embedder)
    path.write_text("Library hours\nThe library now opens at eight on weekdays.\n")
    report = ingest([path], settings, embedder=embedder)
    assert (len(report.new), len(report.updated)) == (0, 1)
    store = open_store(settings, embedder)
    assert [h.text for h in store.query(embedder.embed_query("library opening"), 5)] == [
        "The library now opens at eight on weekdays."]


def test_a_jsonl_line_taken_by_another_article_keeps_the_earlier_one(settings, embedder, tmp_path):
    """Articles with their own URL or id are different articles, not versions of a line."""
    feed = tmp_path / "feed.jsonl"
    _feed(feed)
    ingest([feed], settings, embedder=embedder)
    feed.write_text(json.dumps({"title": "Tram line", "text": "The tram line opens in October.",
                                "url": "https://news.example/tram"}) + "\n")  # now on line 1
    report = ingest([feed], settings, embedder=embedder)
    assert (len(report.new), len(report.updated)) == (1, 0)
    store = open_store(settings, embedder)
    titles = {h.title for h in store.query(embedder.embed_query("budget ferry tram"), 10)}
    assert titles == {"Council budget", "Ferry returns", "Tram line"}

    # An article identified only by its content is an earlier version of its line.
    feed.write_text(json.dumps({"title": "Pool", "text": "The pool opens at nine."}) + "\n")
    ingest([feed], settings, embedder=embedder)
    feed.write_text(json.dumps({"title": "Pool", "text": "The pool opens at ten."}) + "\n")
    report = ingest([feed], settings, embedder=embedder)
    assert (len(report.new), len(report.updated)) == (0, 1)
    texts = [h.text for h in open_store(settings, embedder).query(embedder.embed_query("pool"), 10)]
    assert "The pool opens at ten." in texts and "The pool opens at nine." not in texts


def test_bad_input_is_skipped_and_nothing_stored_is_lost(settings, embedder, tmp_path):
    ingest([SAMPLES], settings, embedder=embedder)
    before = open_store(settings, embedder).count()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(b"\x00\xff\x00")
    (bad / "broken.jsonl").write_text('{"title": "ok", "text": "A fine story about bees."}\n{oops\n')
    (bad / "furniture.txt").write_text("Promo\nSubscribe to our newsletter\nSign up today\n")
    report = ingest([bad], settings, embedder=embedder)
    assert len(report.new) == 1
    reasons = {s.origin.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.jsonl:2", "furniture.txt"}
    assert "page furniture" in reasons["furniture.txt"]
    assert report.passages_total == before + 1


def test_cli_exit_status_is_nonzero_only_when_nothing_was_ingested(settings, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(SystemExit) as failed:
        cli(["ingest", str(empty), "--data-dir", str(settings.data_dir)])
    assert failed.value.code == 1
    assert "empty.txt: file is empty" in capsys.readouterr().out

    cli(["ingest", str(empty), str(SAMPLE_FILE), "--data-dir", str(settings.data_dir)])
    output = capsys.readouterr().out
    assert "1 new" in output and "1 skipped" in output and "file is empty" in output


def test_cli_prints_article_text_literally_never_as_terminal_markup(settings, tmp_path, capsys):
    article = tmp_path / "markup.txt"
    article.write_text("[bold red]Ferry[/bold red] news [link=https://evil.example]here[/link]\n"
                       "Source: [blink]Harbor Times[/blink]\n\n"
                       "The harbor ferry [b]returns[/b] in April after repairs, the council said.\n")
    cli(["ingest", str(article), "--data-dir", str(settings.data_dir)])
    capsys.readouterr()
    cli(["ask", "When does the harbor ferry return?", "--data-dir", str(settings.data_dir)])
    output = capsys.readouterr().out
    assert "[bold red]Ferry[/bold red]" in output and "[blink]Harbor Times[/blink]" in output
    assert "[b]returns[/b]" in output


def test_model_mismatch_stops_with_instructions_and_rebuild_recovers(settings, embedder):
    ingest([SAMPLES], settings, embedder=embedder)
    with pytest.raises(IndexMismatchError) as mismatch:
        PassageStore(settings.data_dir, collection=settings.collection,
                     model_name="bge-small-en-v1.5", dimension=384)
    message = str(mismatch.value)
    assert "all-MiniLM-L6-v2" in message and "bge-small-en-v1.5" in message
    assert "--rebuild" in message
    with pytest.raises(IndexMismatchError):
        PassageStore(settings.data_dir, collection=settings.collection,
                     model_name="all-MiniLM-L6-v2", dimension=768)
    # The failed opens changed nothing.
    assert open_store(settings, embedder).count() > 0
    rebuilt = PassageStore(settings.data_dir, collection=settings.collection,
                           model_name="bge-small-en-v1.5", dimension=384, rebuild=True)
    assert rebuilt.count() == 0


def test_the_next_group_is_embedded_while_this_one_is_written(settings, embedder, tmp_path,
                                                               monkeypatch):
    """The model does not wait on Chroma: the second group of articles is being embedded
    before the first group's write returns (a write that waited for it would time out)."""
    import threading

    from newsqa.index import pipeline

    monkeypatch.setattr(pipeline, "_EMBED_GROUP", 2)
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({
        "title": f"Harbour report {i}", "url": f"https://news.example/harbour-{i}",
        "text": f"The harbour board met for the {i}th time and approved {i} new moorings.",
        "source": "Example News", "published": "2024-05-01"}) + "\n" for i in range(6)))
    second_embedding = threading.Event()
    calls = []

    class Recording:
        def __getattr__(self, name):
            return getattr(embedder, name)

        def embed(self, texts):
            calls.append(len(texts))
            if len(calls) == 2:
                second_embedding.set()
            return embedder.embed(texts)

    real_put = PassageStore.put_articles
    waited = []

    def put_articles(self, items, **kwargs):
        if not waited:
            waited.append(second_embedding.wait(timeout=30))
        return real_put(self, items, **kwargs)

    monkeypatch.setattr(PassageStore, "put_articles", put_articles)
    report = ingest([path], settings, embedder=Recording())
    assert waited == [True]
    assert len(report.new) == 6 and len(calls) >= 3
    assert report.passages_total == report.passages_written >= 6
