"""The web UI without a browser: its presentation helpers (escaping, links, highlighting,
corpus stats, the ingest summary) on hostile and ordinary input, and the `/chat` API of the
real app, launched on a free localhost port and called through gradio_client.

The real-browser tests are in test_browser.py and test_xss.py.
"""

import sys
from html.parser import HTMLParser

import pytest

from conftest import background_process, free_port, http_ready
from newsqa.present import (chat_messages, citation_line, highlighted_passage,
                                   markdown_text, quoted_spans, safe_url, sources_html)
from newsqa.assistant.result import Answer, Citation, RetrievedPassage
from newsqa.corpus_stats import CorpusStats, corpus_stats

PWN = "window.__pwned=1"
HOSTILE = [f"<script>{PWN}</script>", f'<img src=x onerror="{PWN}">', f"[x](javascript:{PWN})",
           f'<a href="javascript:{PWN}">a</a>', f"![i](javascript:{PWN})",
           f"[1](javascript:{PWN})", f"[2]: javascript:{PWN}", f"<javascript:{PWN}>"]


def render_markdown(text: str) -> str:
    """CommonMark with raw HTML on and no link-scheme check of its own (markdown-it drops
    javascript: links by default; the chat's renderer may not), so only our escaping counts."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True
    return md.render(text)


class Elements(HTMLParser):
    """Every start tag with its attributes, from HTML as a browser would parse it."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def assert_inert(markup: str, allowed: set[str]) -> Elements:
    found = Elements(markup)
    for tag, attrs in found.tags:
        assert tag in allowed, (tag, attrs)
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith(("http://", "https://")), attrs["href"]
    return found


def hostile_answer() -> Answer:
    body = " ".join(HOSTILE)
    passage = f"Before {HOSTILE[0]}. The strike began on Monday {HOSTILE[1]}. After {HOSTILE[2]}."
    quote = f"The strike began on Monday {HOSTILE[1]}."
    citation = Citation(n=1, title=f"Strike {HOSTILE[0]}{HOSTILE[1]}", source=HOSTILE[1],
                        url=f"javascript:{PWN}", published="2023-05-02", quote=quote,
                        article_id="a1", chunk_id="c1",
                        also_in=[{"article_id": "a2", "title": HOSTILE[0], "source": HOSTILE[2],
                                  "url": f"JAVASCRIPT:{PWN}", "published": None}])
    safe = Citation(n=2, title="A safe one", source="Wire", url="https://news.example/a?b=1&c=2",
                    published="2023-05-03", quote="Plain words.", article_id="a3", chunk_id="c3")
    return Answer(question=f"Why {HOSTILE[1]}?", answer=f"{body} {quote} [1] Plain words. [2]",
                  abstained=False, citations=[citation, safe], confidence=0.7,
                  standalone_question=f"Why {HOSTILE[0]}?",
                  retrieved=[RetrievedPassage(chunk_id="c1", article_id="a1", title="t", score=1,
                                              text=passage),
                             RetrievedPassage(chunk_id="c3", article_id="a3", title="t", score=1,
                                              text="Plain words. More context.")])


@pytest.mark.parametrize("url, expected", [
    ("https://news.example/a", True), ("http://news.example/a?b=1&c=2#d", True),
    (" https://news.example/a ", True),
    (f"javascript:{PWN}", False), (f"JaVaScRiPt:{PWN}", False), (f" javascript:{PWN}", False),
    (f"java\nscript:{PWN}", False), ("data:text/html,<script>1</script>", False),
    ("vbscript:msgbox(1)", False), ("//news.example/a", False), ("http:/no-host", False),
    ("news.example/a", False), ('https://news.example/"onmouseover="x', False), ("", False),
    (None, False),
])
def test_only_absolute_http_urls_become_links(url, expected):
    assert (safe_url(url) is not None) is expected


def test_sources_panel_escapes_everything_and_highlights_the_quote_in_its_passage():
    answer = hostile_answer()
    markup = sources_html(answer, filters=f"sources: {HOSTILE[1]}")
    found = assert_inert(markup, allowed={"div", "p", "q", "details", "summary", "span", "a",
                                          "time", "blockquote", "mark", "code", "ul", "li"})
    # The hostile strings are shown as text, not dropped: a reader sees what the article says.
    for text in HOSTILE[:3]:
        assert text in found.text
    # The javascript: URL is shown as inert text, never as a link; the https one is a link.
    links = [attrs for tag, attrs in found.tags if tag == "a"]
    assert [a["href"] for a in links] == ["https://news.example/a?b=1&c=2"]
    assert links[0]["rel"] == "noopener noreferrer nofollow" and links[0]["target"] == "_blank"
    assert f"Link not opened (not http/https): javascript:{PWN}" in found.text
    # Each quote is marked once, inside the passage it came from.
    assert markup.count("<mark>") == 2
    marked = highlighted_passage(answer.retrieved[0].text, answer.citations[0].quote)
    assert marked.startswith("Before &lt;script&gt;") and "&gt;.</mark> After " in marked
    assert Elements(marked).text == answer.retrieved[0].text


def test_highlight_falls_back_to_the_quote_when_the_passage_is_unknown():
    assert highlighted_passage(None, "a <b>") == "<mark>a &lt;b&gt;</mark>"
    assert highlighted_passage("other text", "missing") == "<mark>missing</mark>"


CALL = ("Macron spoke with Putin on Friday. Putin accused NATO of ignoring Russia's "
        "concerns. Both agreed de-escalation is needed. Macron advised Putin to respect "
        "the sovereignty of other countries.")


def one_article_answer(spans: bool = True) -> Answer:
    """Two citations of one article; the first quotes its passage's 1st and 3rd sentences."""
    first, third = CALL.split(". ")[0] + ".", "Both agreed de-escalation is needed."
    second_passage = "Earlier context. Macron advised Putin to respect the sovereignty."
    one = Citation(n=1, title="Inside the call", source="The Week", url="https://w.example/call",
                   published="2022-01-28", quote=CALL[:CALL.index(third) + len(third)],
                   spans=[[0, len(first)], [CALL.index(third), CALL.index(third) + len(third)]]
                   if spans else [], article_id="a1", chunk_id="a1#0")
    two = Citation(n=2, title="Inside the call", source="The Week", url="https://w.example/call",
                   published="2022-01-28", quote="Macron advised Putin to respect the sovereignty.",
                   spans=[[17, 65]] if spans else [], article_id="a1", chunk_id="a1#1")
    return Answer(question="What about Macron?", abstained=False, citations=[one, two],
                  answer=f"“Inside the call” — {first} [1] {third} [1] {two.quote} [2]",
                  retrieved=[RetrievedPassage(chunk_id="a1#0", article_id="a1", title="t",
                                              score=1, text=CALL),
                             RetrievedPassage(chunk_id="a1#1", article_id="a1", title="t",
                                              score=1, text=second_passage)])


class Marks(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.marks: list[str] = []
        self._open = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            self._open = True
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.marks[-1] += data


@pytest.mark.parametrize("spans", [True, False], ids=["spans", "no-spans"])
def test_only_the_quoted_sentences_are_highlighted(spans):
    """A quote runs from the first quoted sentence to the last; the one between them (not
    quoted) stays unmarked, with or without `Citation.spans` (then the answer's sentences)."""
    answer = one_article_answer(spans)
    marks = Marks(sources_html(answer)).marks
    assert marks == ["Macron spoke with Putin on Friday.", "Both agreed de-escalation is needed.",
                     "Macron advised Putin to respect the sovereignty."]
    assert not any("accused NATO" in m for m in marks)


def test_a_paraphrase_without_spans_marks_the_whole_quote():
    citation = Citation(n=1, title="T", quote="Both agreed de-escalation is needed.",
                        article_id="a", chunk_id="c")
    assert quoted_spans(citation, CALL, "They agreed to calm things down. [1]") == [
        (CALL.index("Both"), CALL.index("Both") + len(citation.quote))]
    stale = citation.model_copy(update={"spans": [[0, 5], [7, 10_000]]})  # not in this passage
    assert quoted_spans(stale, CALL, "Both agreed de-escalation is needed. [1]") == [
        (CALL.index("Both"), CALL.index("Both") + len(citation.quote))]


def test_citations_of_one_article_share_one_title():
    answer = one_article_answer()
    markup = sources_html(answer)
    found = Elements(markup)
    assert [tag for tag, _ in found.tags].count("details") == 1
    assert found.text.count("Inside the call") == 1 and found.text.count("The Week") == 1
    assert '<span class="nq-numbers">[1] [2]</span>' in markup
    labels = [attrs["data-n"] for tag, attrs in found.tags if tag == "div" and "data-n" in attrs]
    assert labels == ["1", "2"]  # each passage still labelled with its number
    sources = render_markdown(chat_messages(answer)[1]["content"])
    text = Elements(sources).text
    assert text.count("Inside the call") == 1 and "[1] [2] Inside the call" in text
    assert "[1] Macron spoke with Putin on Friday. … Both agreed de-escalation is needed." in text
    assert "accused NATO" not in text  # the chat quotes only what the answer quoted, too
    assert "[2] Macron advised Putin to respect the sovereignty." in text
    assert "<em>" not in sources  # notes are plain text, not faded italics


def test_the_short_answer_leads_in_bold_and_stays_escaped():
    citation = Citation(n=1, title="T", quote="q", article_id="a", chunk_id="c")
    short = {"text": HOSTILE[1], "n": 1, "start": 0, "end": 1}
    answer = Answer(question="Who?", answer=f"**{HOSTILE[1]}** [1]\n\n“T” — q [1]",
                    abstained=False, citations=[citation], short_answer=short)
    rendered = render_markdown(chat_messages(answer)[0]["content"])
    found = assert_inert(rendered, allowed={"p", "strong"})
    assert ("strong", {}) in found.tags and HOSTILE[1] in found.text
    plain = answer.model_copy(update={"short_answer": None})  # article text's own ** stays literal
    assert "<strong>" not in render_markdown(chat_messages(plain)[0]["content"])


def test_a_decline_gets_an_empty_panel_that_says_why():
    answer = Answer(question="Who won?", answer="I could not find this <here>.", abstained=True)
    markup = sources_html(answer)
    assert "No sources" in markup and "&lt;here&gt;" in markup and "<mark>" not in markup


def test_chat_markdown_renders_no_markup_from_articles():
    answer = hostile_answer()
    messages = chat_messages(answer)
    assert [m.get("metadata", {}).get("title") for m in messages] == [None, "Sources (2)"]
    render = render_markdown
    for message, shown in zip(messages, (HOSTILE, HOSTILE[:2])):
        found = assert_inert(render(message["content"]),
                             allowed={"p", "em", "strong", "blockquote", "a"})
        for text in shown:
            assert text in found.text  # shown literally
    answer_text = Elements(render(messages[0]["content"])).text
    assert "[1]" in answer_text and "[2]" in answer_text  # the markers survive escaping
    sources = Elements(render(messages[1]["content"]))
    assert [attrs["href"] for tag, attrs in sources.tags if tag == "a"] == [
        "https://news.example/a?b=1&c=2"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_leaves_nothing_for_markdown_to_interpret(text):
    rendered = render_markdown(markdown_text(text) + "\n\n[2]")
    assert Elements(rendered).tags == [("p", {}), ("p", {})]
    assert Elements(rendered).text.strip().startswith(text.strip())


def test_citation_line_for_the_terminal_keeps_text_and_drops_unsafe_links():
    from newsqa.assistant.age import published_age

    citation = Citation(n=1, title="AT&T <Q&A>", source="Wire", url="javascript:x",
                        published="2023-05-02", quote="q", article_id="a", chunk_id="c")
    assert citation_line(citation) == "**[1] AT&T <Q&A>** — Wire · 2023-05-02 (" \
        + published_age("2023-05-02") + ")"
    https = citation.model_copy(update={"url": "https://w.example/a"})
    assert citation_line(https).endswith("· [link](https://w.example/a)")


class FakeStore:
    def __init__(self, rows):
        self.rows = rows

    def scan(self, *, texts: bool = True):
        for i, meta in enumerate(self.rows):
            yield f"p{i}", "text" if texts else None, meta


def test_corpus_stats_counts_articles_passages_sources_and_dates():
    store = FakeStore([
        {"article_id": "a", "source": "The Week", "published": "2022-01-28"},
        {"article_id": "a", "source": "The Week", "published": "2022-01-28"},
        {"article_id": "b", "source": "harbour Gazette", "published": "2023-03-14"},
        {"article_id": "c", "source": "The Week"},
        {"article_id": "d", "published": "2021-12-31"},
    ])
    stats = corpus_stats(store)
    assert stats == CorpusStats(articles=4, passages=5, sources=("harbour Gazette", "The Week"),
                                earliest="2021-12-31", latest="2023-03-14", undated=1)
    assert stats.summary() == ("4 articles · 5 passages · 2 sources · published 2021-12-31 to "
                               "2023-03-14 · 1 undated")
    assert corpus_stats(FakeStore([])).summary() == "0 articles · 0 passages · 0 sources"
    assert CorpusStats(articles=1, passages=1, sources=("x",)).summary() == (
        "1 article · 1 passage · 1 source")


def test_a_big_index_is_counted_in_the_background_and_remembered(tmp_path, monkeypatch):
    """Beyond LiveStats.SYNC_LIMIT passages the page never waits for the count: first the
    passage count alone, then the full stats; a restart reuses them from disk while the
    index is unchanged, and counts again once it changed."""
    import threading

    from newsqa.corpus_stats import LiveStats

    class CountedStore(FakeStore):
        def __init__(self, rows):
            super().__init__(rows)
            self.data_dir, self.scans = tmp_path, 0
            self.release = threading.Event()

        def count(self):
            return len(self.rows)

        def scan(self, *, texts: bool = True):
            self.scans += 1
            self.release.wait(10)  # a slow scan, let go by the test
            yield from super().scan(texts=texts)

    monkeypatch.setattr(LiveStats, "SYNC_LIMIT", 1)
    store = CountedStore([{"article_id": "a", "source": "Wire"}, {"article_id": "b"}])
    live = LiveStats(store)
    first = live.current()
    assert first.counting and first.passages == 2
    assert first.summary() == "2 passages (counting articles and sources…)"
    store.release.set()
    live._background.join(10)
    assert live.current() == CorpusStats(articles=2, passages=2, sources=("Wire",), undated=2)
    assert store.scans == 1

    restarted = LiveStats(store)
    assert restarted.current().articles == 2 and store.scans == 1  # from corpus-stats.json
    store.rows.append({"article_id": "c"})
    store.release.clear()
    again = LiveStats(store)
    assert again.current().counting  # changed since: counted again
    store.release.set()
    again._background.join(10)
    assert again.current().articles == 3 and store.scans == 2


def test_ingest_summary_lists_everything_escaped(tmp_path):
    from newsqa.index.article import Skipped
    from newsqa.index.pipeline import IngestReport
    from newsqa.page.add import ingest_summary_html

    uploads = tmp_path / "uploads"
    report = IngestReport(new=["a1"], unchanged=["a2"], passages_written=3, passages_total=9,
                          skipped=[Skipped(str(uploads / f"{HOSTILE[1]}.txt"), "file is empty")])
    report.warnings = [f"{uploads}/x.txt: date {HOSTILE[0]} unreadable"]
    markup = ingest_summary_html(report, [Skipped(f"pasted: {HOSTILE[0]}", HOSTILE[1])],
                                 {"a1": f"“{HOSTILE[0]}” — Wire"}, uploads)
    found = assert_inert(markup, allowed={"div", "p", "strong", "h4", "ul", "li", "code"})
    assert "1 new, 0 updated, 1 unchanged, 2 skipped" in found.text
    assert "3 passages written, 9 in the index" in found.text
    assert f"uploaded {HOSTILE[1]}.txt: file is empty" in found.text  # not the server path
    assert f"pasted: {HOSTILE[0]}: {HOSTILE[1]}" in found.text
    assert f"uploaded x.txt: date {HOSTILE[0]} unreadable" in found.text
    assert f"“{HOSTILE[0]}” — Wire" in found.text


def test_collect_inputs_keeps_uploads_and_reads_pasted_text(tmp_path):
    from newsqa.index.article import Article, Skipped
    from newsqa.intake import collect_inputs

    upload = tmp_path / "gradio-tmp" / "story.txt"
    upload.parent.mkdir()
    upload.write_text("Title\n\nBody.", encoding="utf-8")
    folder = tmp_path / "data" / "uploads"
    found = collect_inputs([str(upload)], "My title\nSource: Wire\n\nSome text.",
                           " https://a.example/1 \n\nhttps://a.example/feed.xml\n", folder)
    assert found.items[0] == str(folder / "story.txt") and (folder / "story.txt").is_file()
    pasted = found.items[1]
    assert isinstance(pasted, Article) and pasted.title == "My title" and pasted.source == "Wire"
    assert pasted.origin == "pasted: My title"
    assert found.items[2:] == ["https://a.example/1", "https://a.example/feed.xml"]
    assert found.skipped == []
    only_title = collect_inputs(None, "Just a title", "", folder)
    assert only_title.items == [] and isinstance(only_title.skipped[0], Skipped)


class FakeAssistant:
    """Just what the page needs to be built: settings and a store (nothing is embedded)."""

    def __init__(self, settings, rows):
        self.settings = settings
        self.store = FakeStore(rows)
        self.store.count = lambda: len(self.store.rows)
        self.embedder = object()
        self.keyword = None  # no keyword index: the stats line has no "updated" part


def page_event(app, name: str):
    return next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == name)


def test_adding_articles_reports_refreshes_and_shows_errors_as_messages(tmp_path, monkeypatch):
    from newsqa.errors import IndexBusyError
    from newsqa.index.article import Article
    from newsqa.index.pipeline import IngestReport
    from newsqa.settings import Settings
    from newsqa.page.app import build_app

    calls = []

    def fake_ingest(items, settings, *, embedder, store, progress, added_by="", replace_any=False):
        calls.append(items)
        if len(calls) == 1:
            raise IndexBusyError("Another ingest is writing to this index; try again shortly.")
        progress(0, 1)
        store.rows.append({"article_id": "new", "source": "Wire", "published": "2023-05-02"})
        progress(1, 1)
        return IngestReport(new=["new"], passages_written=1, passages_total=2)

    monkeypatch.setattr("newsqa.index.pipeline.ingest", fake_ingest)
    assistant = FakeAssistant(Settings(data_dir=tmp_path / "data"),
                              [{"article_id": "old", "source": "The Week", "published": "2022-01-28"}])
    assistant.store.passage_ids = lambda article_id: []
    assistant.store.get = lambda ids: []
    add = page_event(build_app(assistant), "add_articles")
    pasted = "A pasted title\nSource: Wire\n\nSome text."

    busy = add(None, pasted, "", ["The Week"])
    assert "Nothing was added: Another ingest is writing to this index" in busy[0]
    assert all(isinstance(value, dict) for value in busy[1:])  # gr.skip(): inputs kept for a retry
    assert isinstance(calls[0][0], Article) and calls[0][0].title == "A pasted title"

    summary, stats, sources, files, paste, urls = add(None, pasted, "", ["The Week"])
    assert "1 new, 0 updated, 0 unchanged, 0 skipped" in summary
    assert 'data-articles="2"' in stats and "2 sources" in stats
    assert sources.choices == [("The Week", "The Week"), ("Wire", "Wire")]
    assert sources.value == ["The Week"]  # the reader's selection is kept
    assert (files, paste, urls) == (None, "", "")

    nothing = add(None, "  ", "\n", [])
    assert "Nothing to add" in nothing[0] and len(calls) == 2


def test_a_read_only_page_has_no_add_articles_event(tmp_path):
    from newsqa.settings import Settings
    from newsqa.page.app import build_app

    app = build_app(FakeAssistant(Settings(data_dir=tmp_path / "data", ui_ingest=False), []))
    names = {getattr(f.fn, "__name__", "") for f in app.fns.values()}
    assert "respond" in names and "chat_api" in names and "add_articles" not in names


# --- the real app, through its API --------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    data_dir = tmp_path_factory.mktemp("app-data")
    url = f"http://127.0.0.1:{port}/"

    def ready() -> bool:
        return http_ready(url)

    with background_process(
        [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        data_dir / "server.log", ready, what="the app", timeout=180,
    ):
        yield url


def test_chat_api_answers_with_sources(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict("What did Putin demand?", api_name="/chat")
    messages = result if isinstance(result, list) else [result]
    text = " ".join(m["content"] if isinstance(m, dict) else str(m) for m in messages)
    assert "legally binding security guarantees" in text
    assert "[1]" in text
    sources = [m for m in messages if isinstance(m, dict) and (m.get("metadata") or {}).get("title")]
    assert sources and sources[0]["metadata"]["title"].startswith("Sources")
    assert "Inside Macron's Friday call with Putin" in sources[0]["content"]
    assert "The Week" in sources[0]["content"]
    # A follow-up in the same client session is read against the earlier question.
    follow_up = client.predict("Did he agree to anything?", api_name="/chat")
    assert "Understood as: Did Putin agree to anything?" in str(follow_up)


def test_chat_api_date_and_source_filters(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    before = client.predict("What did Putin demand?", "2022-01-27", "", [], api_name="/chat")
    assert "could not find this" in str(before) and "legally binding" not in str(before)
    same_day = client.predict("What did Putin demand?", "2022-01-28", "", ["The Week"], api_name="/chat")
    assert "legally binding" in str(same_day)
    other_source = client.predict("What did Putin demand?", "", "", ["Harbour Gazette"],
                                  api_name="/chat")
    assert "legally binding" not in str(other_source)
    in_range = client.predict("What did Putin demand?", "", "2022-01-27", [], "2022-01-29",
                              api_name="/chat")
    assert "legally binding" in str(in_range)
    too_late = client.predict("What did Putin demand?", "", "2022-01-29", [], "2022-02-28",
                              api_name="/chat")
    assert "legally binding" not in str(too_late)
    bad = client.predict("What did Putin demand?", "last Tuesday-ish", "", [], api_name="/chat")
    assert "YYYY-MM-DD" in str(bad)
    bad_until = client.predict(message="What did Putin demand?", until="soon", api_name="/chat")
    assert "until" in str(bad_until) and "YYYY-MM-DD" in str(bad_until)
