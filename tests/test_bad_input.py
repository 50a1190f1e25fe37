"""The bad-input matrix: one kind of bad input per test, each through the real write path.

Every test starts from an index that already holds one good article, then ingests a batch
mixing the bad input with a good article, and checks three things: the message names the
file (and line) and says what to do; the good article in the same batch is stored; and
what was stored before is still there and still answers its question.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.cli import main as cli
from newsqa.errors import IndexMismatchError, StoreError
from newsqa.index.article import Article
from newsqa.index.chunk import chunk_article
from newsqa.index.clean import clean_text
from newsqa.index.pipeline import IngestReport, ingest, open_store
from newsqa.settings import Settings

BEFORE = ("Library extends opening hours\nSource: Valley Herald\nDate: 2024-04-02\n"
          "The city library will stay open until ten at night from May, the head librarian said "
          "on Tuesday. The longer hours are paid for by a grant from the state arts council.\n")
BEFORE_QUESTION, BEFORE_TITLE = "Until what time will the library stay open?", "Library extends opening hours"
GOOD = ("Harbor ferry returns\nSource: Coastal Times\nDate: 2024-03-05\n"
        "The harbor ferry will carry passengers again from April after repairs to its fire-damaged "
        "dock, the port authority announced. Tickets will cost the same as before the fire.\n")
GOOD_QUESTION, GOOD_TITLE = "When will the harbor ferry carry passengers again?", "Harbor ferry returns"


@pytest.fixture
def before(settings, embedder, tmp_path) -> int:
    """The index holds one good article before the bad batch arrives; its passage count."""
    path = tmp_path / "before" / "library.txt"
    path.parent.mkdir()
    path.write_text(BEFORE)
    report = ingest([path], settings, embedder=embedder)
    assert len(report.new) == 1
    return report.passages_total


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(GOOD)
    return path


def _reasons(report: IngestReport, tmp_path: Path) -> dict[str, str]:
    return {s.origin.replace(f"{tmp_path}/", ""): s.reason for s in report.skipped}


def _notes(report: IngestReport, tmp_path: Path) -> dict[str, str]:
    return {n.origin.replace(f"{tmp_path}/", ""): n.reason for n in report.warnings}


def _assert_intact(report: IngestReport, before: int, settings, embedder, reranker,
                   *, stored: int = 1) -> NewsAssistant:
    """The batch's good articles are stored; the earlier article still answers its question."""
    assert len(report.new) == stored, report.summary()
    assert report.passages_total >= before + stored
    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    for question, title in ((BEFORE_QUESTION, BEFORE_TITLE), (GOOD_QUESTION, GOOD_TITLE)):
        answer = assistant.ask(question)
        assert not answer.abstained, (question, answer.answer)
        assert answer.citations[0].title == title
    return assistant


def _metadata(settings, embedder) -> dict[str, dict]:
    """Stored metadata by article title."""
    return {meta["title"]: meta for _, _, meta in open_store(settings, embedder).scan()}


def test_empty_file(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "empty.txt").write_text(" \n\n")
    report = ingest([tmp_path / "empty.txt", good], settings, embedder=embedder)
    assert _reasons(report, tmp_path) == {"empty.txt": "file is empty"}
    _assert_intact(report, before, settings, embedder, reranker)


def test_binary_file(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    report = ingest([tmp_path / "photo.txt", good], settings, embedder=embedder)
    reason = _reasons(report, tmp_path)["photo.txt"]
    assert "binary file" in reason and "UTF-8 .txt" in reason
    _assert_intact(report, before, settings, embedder, reranker)


def test_invalid_utf8_is_refused_with_the_line_and_only_that_line(settings, embedder, reranker,
                                                                   before, good, tmp_path):
    # A UTF-8 file (it has "é" as UTF-8) with one damaged byte on line 3.
    (tmp_path / "damaged.txt").write_bytes(
        "Café reopens\nThe café on Main Street reopened.\n".encode() + b"Prices rose \xff today.\n")
    # In JSONL only the damaged line is lost; the lines around it are stored.
    (tmp_path / "feed.jsonl").write_bytes(b"\n".join([
        json.dumps({"title": "Bakery café", "text": "The bakery café opens at seven."}).encode(),
        b'{"title": "Bad", "text": "caf\xe9 au lait"}',
        json.dumps({"title": "Night café", "text": "Café Nuit, the café by the station, now "
                    "stays open all night."}, ensure_ascii=False).encode(),
    ]) + b"\n")
    report = ingest([tmp_path / "damaged.txt", tmp_path / "feed.jsonl", good], settings,
                    embedder=embedder)
    reasons = _reasons(report, tmp_path)
    assert set(reasons) == {"damaged.txt:3", "feed.jsonl:2"}
    assert "invalid UTF-8 (byte 0xff)" in reasons["damaged.txt:3"]
    assert "re-save the file as UTF-8" in reasons["damaged.txt:3"]
    assert "invalid UTF-8 (byte 0xe9) on this line" in reasons["feed.jsonl:2"]
    _assert_intact(report, before, settings, embedder, reranker, stored=3)
    assert {"Bakery café", "Night café"} <= set(_metadata(settings, embedder))


def test_latin1_text_is_read_with_a_note(settings, embedder, reranker, before, good, tmp_path):
    text = ("Café owner wins award\nThe owner of the harbour café, known for its crème brûlée, "
            "won the region's prize for small businesses on Friday.\n")
    (tmp_path / "latin1.txt").write_bytes(text.encode("latin-1"))
    report = ingest([tmp_path / "latin1.txt", good], settings, embedder=embedder)
    assert not report.skipped
    note = _notes(report, tmp_path)["latin1.txt"]
    assert "not UTF-8; read as Latin-1/Windows-1252" in note and "re-save the file as UTF-8" in note
    assistant = _assert_intact(report, before, settings, embedder, reranker, stored=2)
    answer = assistant.ask("What is the harbour café known for?")
    assert answer.citations[0].title == "Café owner wins award"
    assert "crème brûlée" in answer.citations[0].quote


def test_malformed_jsonl_line(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"title": "Bee count", "text": "Volunteers counted more bees this spring."})
        + '\n{"title": "Broken", "text": "no closing brace"\n'
        + json.dumps({"title": "Bridge works", "text": "The old bridge closes for repairs in June."})
        + "\n")
    report = ingest([tmp_path / "feed.jsonl", good], settings, embedder=embedder)
    reason = _reasons(report, tmp_path)["feed.jsonl:2"]
    assert "malformed JSON" in reason and "column" in reason
    assert "each line must be one JSON object" in reason
    _assert_intact(report, before, settings, embedder, reranker, stored=3)


def test_truncated_jsonl_last_line(settings, embedder, reranker, before, good, tmp_path):
    whole = json.dumps({"title": "Bee count", "text": "Volunteers counted more bees this spring."})
    cut = json.dumps({"title": "Bridge works", "text": "The old bridge closes for repairs."})[:30]
    (tmp_path / "feed.jsonl").write_text(f"{whole}\n{cut}")  # no newline: the write stopped
    report = ingest([tmp_path / "feed.jsonl", good], settings, embedder=embedder)
    reason = _reasons(report, tmp_path)["feed.jsonl:2"]
    assert "malformed JSON" in reason and "last line looks cut short" in reason
    _assert_intact(report, before, settings, embedder, reranker, stored=2)


@pytest.mark.parametrize("content, origin, expected", [
    ("42", "shape.json", "expected a JSON object with the article's fields"),
    ('["first story", "second story"]', "shape.json[1]", "got a string"),
    ('{"title": "Only a title", "url": "https://x.org/1"}', "shape.json",
     "fields found: 'title', 'url'"),
    ("[]", "shape.json", "empty JSON list"),
], ids=["number", "list-of-strings", "object-without-text", "empty-list"])
def test_json_of_the_wrong_shape(settings, embedder, reranker, before, good, tmp_path,
                                 content, origin, expected):
    (tmp_path / "shape.json").write_text(content)
    report = ingest([tmp_path / "shape.json", good], settings, embedder=embedder)
    assert expected in _reasons(report, tmp_path)[origin]
    _assert_intact(report, before, settings, embedder, reranker)


def test_article_without_text(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "headline-only.txt").write_text("Council meets on Monday\n")
    (tmp_path / "feed.jsonl").write_text(json.dumps({"title": "Empty", "text": "   "}) + "\n")
    report = ingest([tmp_path / "headline-only.txt", tmp_path / "feed.jsonl", good], settings,
                    embedder=embedder)
    reasons = _reasons(report, tmp_path)
    assert reasons["headline-only.txt"] == "article has no text"
    assert "expected a non-empty 'text' or 'body' field" in reasons["feed.jsonl:1"]
    _assert_intact(report, before, settings, embedder, reranker)


def test_article_without_title_is_stored_with_a_derived_title_and_a_note(
        settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "feed.jsonl").write_text(json.dumps(
        {"text": "Volunteers counted more bees this spring than in any year since 2010.",
         "url": "https://bees.example/count"}) + "\n")
    # A .txt that starts with a paragraph (too long for a headline) keeps it as text.
    paragraph = ("The river rose above its banks overnight and the council closed the riverside "
                 "road until the water goes down, officials said on Sunday morning in a statement.")
    (tmp_path / "no-title.txt").write_text(paragraph + "\nMore rain is expected.\n")
    report = ingest([tmp_path / "feed.jsonl", tmp_path / "no-title.txt", good], settings,
                    embedder=embedder)
    assert not report.skipped
    notes = _notes(report, tmp_path)
    assert "no title; used the start of the text" in notes["feed.jsonl:1"]
    assert "'title' field in JSON" in notes["feed.jsonl:1"]
    assert "no title" in notes["no-title.txt"]
    stored = _metadata(settings, embedder)
    assert "Volunteers counted more bees this spring than in any year since 2010." in stored
    river = next(title for title in stored if title.startswith("The river rose"))
    assert river.endswith("…") and len(river) <= 90
    assistant = _assert_intact(report, before, settings, embedder, reranker, stored=3)
    answer = assistant.ask("Which road did the council close?")
    assert answer.citations[0].title == river and "riverside road" in answer.citations[0].quote


def test_file_over_max_file_mb(settings, embedder, reranker, before, good, tmp_path):
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as sparse:  # 60 MB on paper, no disk blocks: cheap to make
        sparse.truncate(60 * 1024 * 1024)
    report = ingest([huge, good], settings, embedder=embedder)
    reason = _reasons(report, tmp_path)["huge.jsonl"]
    assert reason == "file is 60.0 MB, over the 50 MB limit; split it, or raise NEWSQA_MAX_FILE_MB"
    _assert_intact(report, before, settings, embedder, reranker)
    # The limit is a setting.
    small = settings.model_copy(update={"max_file_mb": 0.0001})
    report = ingest([good], small, embedder=embedder)
    assert "over the 0.0001 MB limit" in _reasons(report, tmp_path)["good.txt"]


def test_very_long_single_line_is_cut_into_passages(settings, embedder, reranker, before, good,
                                                    tmp_path):
    words = ("harbor ferry council budget river bridge school market tower rain wind port dock "
             "ticket road tram").split()
    line = " ".join(words[(i * 7) % len(words)] for i in range(50_000))  # no punctuation
    assert len(line) > 300_000 and "\n" not in line
    # 300 kB is cut into passages that fit the model, quickly (embedding them all would
    # take the test ~30 s on 2 cores, so the whole path below runs on a 30 kB line).
    article = Article(id="long", title="A very long line", text=clean_text(line))
    started = time.perf_counter()
    passages = chunk_article(article, max_tokens=settings.chunk_tokens,
                             count_tokens=embedder.count_tokens, overlap_sentences=1)
    assert time.perf_counter() - started < 10
    assert len(passages) > 200
    assert max(embedder.count_tokens([p.embedding_text for p in passages])) <= settings.chunk_tokens
    assert passages[-1].end == len(article.text)

    (tmp_path / "one-line.txt").write_text("A very long line\n" + line[:30_000])
    report = ingest([tmp_path / "one-line.txt", good], settings, embedder=embedder)
    assert not report.skipped
    assert report.passages_written - 1 > 20  # the good article is one passage
    hits = open_store(settings, embedder).query(embedder.embed_query("harbor ferry council"), 20)
    assert all(embedder.count_tokens([h.title + "\n" + h.text])[0] <= settings.chunk_tokens
               for h in hits)
    _assert_intact(report, before, settings, embedder, reranker, stored=2)


def test_run_without_spaces_cannot_hide_in_one_passage(embedder):
    # Tokenizers count a 100+ character run without spaces as one unknown token.
    article = Article(id="blob", title="Blob", text="data:" + "QUJD" * 5_000 + " end.")
    passages = chunk_article(article, max_tokens=200, count_tokens=embedder.count_tokens,
                             overlap_sentences=0)
    assert len(passages) > 10 and max(len(p.text) for p in passages) < 2_000
    assert "".join(p.text for p in passages).replace(" ", "") == article.text.replace(" ", "")


def test_html_that_is_all_script(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "app.html").write_text(
        "<html><head><script>var app = {};</script></head><body>"
        "<script>document.body.innerHTML = '<p>' + 'Loaded later' + '</p>';</script>"
        "<noscript>Enable JavaScript</noscript></body></html>")
    report = ingest([tmp_path / "app.html", good], settings, embedder=embedder)
    reason = _reasons(report, tmp_path)["app.html"]
    assert reason == ("no article text found in this HTML page (only 'Enable JavaScript'); it may "
                      "be empty or built by JavaScript: save the article's text as .txt instead")
    _assert_intact(report, before, settings, embedder, reranker)


def test_unsupported_extensions(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / "letter.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "notes.odp").write_bytes(b"x")
    report = ingest([tmp_path / "report.pdf", tmp_path / "letter.docx", tmp_path / "notes.odp",
                     good], settings, embedder=embedder)
    reasons = _reasons(report, tmp_path)
    assert reasons["report.pdf"] == ("unsupported file type .pdf; save the article as text (.txt) "
                                     "or as a web page (.html) first")
    assert reasons["letter.docx"].startswith("unsupported file type .docx; save the article")
    assert reasons["notes.odp"].startswith("unsupported file type .odp; use .txt, .md, .html")
    _assert_intact(report, before, settings, embedder, reranker)


def test_unreadable_files_in_a_folder_are_listed_not_silently_ignored(
        settings, embedder, reranker, before, good, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "story.txt").write_text(good.read_text())
    for name in ("a.pdf", "b.pdf", "c.PDF", "d.pdf", "photo.jpg"):
        (folder / name).write_bytes(b"\x00")
    (folder / ".DS_Store").write_bytes(b"\x00")  # hidden files stay unmentioned
    report = ingest([folder], settings, embedder=embedder)
    lines = [s.reason for s in report.skipped if s.origin == str(folder)]
    assert lines == [
        "1 .jpg file not read (photo.jpg): newsqa reads .txt, .md, .html, .jsonl, .json, .rss, "
        ".atom or .xml (a feed); convert them to text first",
        "4 .pdf files not read (a.pdf, b.pdf, c.PDF and 1 more): newsqa reads .txt, .md, .html, "
        ".jsonl, .json, .rss, .atom or .xml (a feed); convert them to text first"]
    assert len(report.new) == 1
    _assert_intact(report, before, settings, embedder, reranker)


def test_duplicate_ids_in_one_batch(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"id": "a1", "title": "Bee count", "text": "Volunteers counted more bees this spring."},
        {"id": "a1", "title": "Bridge works", "text": "The old bridge closes for repairs."},
        {"id": "a2", "title": "Tram line", "text": "The new tram line opens in October."},
        {"id": "a2", "title": "Tram line", "text": "The new tram line opens in October."},
    ]) + "\n")
    report = ingest([tmp_path / "feed.jsonl", good], settings, embedder=embedder)
    reasons = _reasons(report, tmp_path)
    assert reasons["feed.jsonl:2"] == (f"same id (a1) as {tmp_path}/feed.jsonl:1 but a different "
                                       "article; the first one was kept; give each article its "
                                       "own 'id' (or URL)")
    assert reasons["feed.jsonl:4"].startswith(f"same article as {tmp_path}/feed.jsonl:3")
    _assert_intact(report, before, settings, embedder, reranker, stored=3)
    assert "Bridge works" not in _metadata(settings, embedder)


@pytest.mark.parametrize("date, stored, note", [
    ("28/01/2022", "2022-01-28", None),
    ("Jan 28th 2022", "2022-01-28", None),
    ("yesterday", None, "date 'yesterday' not understood; stored without a date"),
    ("2022-13-45", None, "date '2022-13-45' not understood; stored without a date"),
    ("03/04/2022", "2022-03-04", "could be day/month or month/day"),
    ("2022", "2022-01-01", "date '2022' has no day; stored as 2022-01-01"),
    (None, None, None),
], ids=["day-first", "ordinal", "relative", "impossible", "ambiguous", "year-only", "missing"])
def test_dates_in_odd_formats(settings, embedder, reranker, before, good, tmp_path, date, stored,
                              note):
    record = {"title": "Bee count", "text": "Volunteers counted more bees this spring."}
    if date is not None:
        record["date"] = date
    (tmp_path / "feed.jsonl").write_text(json.dumps(record) + "\n")
    report = ingest([tmp_path / "feed.jsonl", good], settings, embedder=embedder)
    assert not report.skipped
    notes = _notes(report, tmp_path)
    if note is None:
        assert notes == {}
    else:
        assert note in notes["feed.jsonl:1"] and "YYYY-MM-DD" in notes["feed.jsonl:1"]
    assert _metadata(settings, embedder)["Bee count"].get("published") == stored
    _assert_intact(report, before, settings, embedder, reranker, stored=2)


def test_changed_embedding_model_stops_with_instructions(settings, embedder, reranker, before,
                                                         good, tmp_path, capsys):
    other = settings.model_copy(update={"embedding_model": Settings(embedding_model="bge-small")
                                        .embedding_model})
    with pytest.raises(IndexMismatchError) as mismatch:
        ingest([good], other)
    message = str(mismatch.value)
    assert "built with all-MiniLM-L6-v2-int8" in message and "bge-small-en-v1.5-int8" in message
    assert f"--rebuild --data-dir {settings.data_dir}" in message
    # The CLI says the same in one line, exit status 2, no traceback.
    with pytest.raises(SystemExit) as failed:
        cli(["ingest", str(good), "--data-dir", str(settings.data_dir),
             "--embedding-model", "bge-small"])
    assert failed.value.code == 2
    assert "--rebuild" in capsys.readouterr().err
    # Nothing was written: the earlier article is there and answers; the batch then goes in.
    assert open_store(settings, embedder).count() == before
    report = ingest([good], settings, embedder=embedder)
    _assert_intact(report, before, settings, embedder, reranker)


def test_read_only_data_folder_fails_before_writing(embedder, reranker, good):
    # A folder any user can reach (the pytest tmp folder of root is private).
    top = Path(tempfile.mkdtemp(prefix="newsqa-readonly-"))
    try:
        os.chmod(top, 0o755)
        settings = Settings(data_dir=top / "data")
        (top / "library.txt").write_text(BEFORE)
        before = ingest([top / "library.txt"], settings, embedder=embedder).passages_total
        listing = sorted((str(p), p.stat().st_size) for p in settings.data_dir.rglob("*"))
        for path in [settings.data_dir, *settings.data_dir.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        if os.geteuid() == 0:
            message = _ingest_as_nobody(settings, good, top)
        else:
            with pytest.raises(StoreError) as refused:
                ingest([good], settings, embedder=embedder)
            message = str(refused.value)
        assert message.startswith(f"The index folder {settings.data_dir} is read-only")
        assert "nothing was changed" in message and "chmod -R u+w" in message
        assert "--data-dir or NEWSQA_DATA_DIR" in message
        assert sorted((str(p), p.stat().st_size) for p in settings.data_dir.rglob("*")) == listing
        for path in [settings.data_dir, *settings.data_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        report = ingest([good], settings, embedder=embedder)
        _assert_intact(report, before, settings, embedder, reranker)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(top)], check=False)
        shutil.rmtree(top, ignore_errors=True)


def _ingest_as_nobody(settings: Settings, good: Path, top: Path) -> str:
    """Root writes through chmod, so the refusal is checked as an unprivileged user."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or subprocess.run(["id", "nobody"], capture_output=True).returncode:
        pytest.skip("running as root, where chmod does not stop writes, and no setpriv/nobody "
                    "to check the read-only folder as another user")
    good_copy = top / "good.txt"
    shutil.copy(good, good_copy)
    os.chmod(good_copy, 0o644)
    script = ("import sys; from newsqa.index.pipeline import ingest; from newsqa.settings import "
              "Settings; ingest([sys.argv[1]], Settings(data_dir=sys.argv[2], "
              "embedding_model='/not/needed/the/check/comes/first'))")
    run = subprocess.run(
        [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-c",
         script, str(good_copy), str(settings.data_dir)],
        capture_output=True, text=True, cwd=top, timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(top)})
    assert run.returncode == 1, run.stderr
    return run.stderr.strip().splitlines()[-1].removeprefix("newsqa.errors.StoreError: ")


def test_missing_paths(settings, embedder, reranker, before, good, tmp_path):
    (tmp_path / "empty-folder").mkdir()
    report = ingest([tmp_path / "nope.txt", tmp_path / "empty-folder", "www.example.com/story",
                     good], settings, embedder=embedder)
    reasons = _reasons(report, tmp_path)
    assert reasons["nope.txt"] == "no such file or folder"
    assert reasons["empty-folder"].startswith("folder holds no .txt, .md, .html")
    assert reasons["www.example.com/story"].endswith("start it with https://")
    _assert_intact(report, before, settings, embedder, reranker)


def test_cli_lists_skips_and_notes(settings, before, good, tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "feed.jsonl").write_text(json.dumps(
        {"title": "Bee count", "text": "More bees this spring.", "date": "yesterday"}) + "\n")
    cli(["ingest", str(tmp_path / "empty.txt"), str(tmp_path / "feed.jsonl"), str(good),
         "--data-dir", str(settings.data_dir)])
    output = capsys.readouterr().out
    assert "2 new" in output and "1 skipped" in output
    assert f"skipped {tmp_path}/empty.txt: file is empty" in output
    assert f"note {tmp_path}/feed.jsonl:1: date 'yesterday' not understood" in output

