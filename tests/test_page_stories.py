"""The page's Stories tab and story answers in the chat, without a browser: the page's own
handlers (found by name in `app.fns`) called on a real tiny index with the real models. The
list shows the biggest stories of this week or all, choosing one shows its dated, cited
timeline, everything from the articles is escaped, and a timeline asked in the chat shows
its items dated in the chat and in the sources panel."""

import re

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.index.pipeline import ingest
from newsqa.page.app import build_app
from newsqa.page.stories import week_start
from newsqa.settings import Settings

from test_stories import FERRY, GLACIER, LIBRARY, write

PWN = "window.__pwned=1"
OLD_GLACIER = GLACIER.replace("Date: 2023-03-20", "Date: 2023-01-10")  # before "this week"
HOSTILE = f"""Lighthouse keepers <script>{PWN}</script> strike at Port Vesna
Source: <img src=x onerror="{PWN}">Gazette
Date: 2023-03-22

The lighthouse keepers of Port Vesna went on strike on Monday over unpaid overtime <script>{PWN}</script>, their union said.
The union said <img src=x onerror="{PWN}"> the strike would last until the harbour authority paid twelve weeks of wages.
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory, embedder, reranker):
    root = tmp_path_factory.mktemp("page-stories")
    settings = Settings(data_dir=root / "data")
    ingest([write(root / "in", {**FERRY, "library.txt": LIBRARY, "glacier.txt": OLD_GLACIER,
                                "hostile.txt": HOSTILE})], settings, embedder=embedder)
    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    app = build_app(assistant)
    return assistant, {getattr(f.fn, "__name__", ""): f.fn for f in app.fns.values()}


def rows(listed: str) -> list[dict]:
    """The list's rows as their data-attributes, in order."""
    return [dict(re.findall(r'data-(\w+)="([^"]*)"', row))
            for row in re.findall(r'<tr class="nq-story-row"[^>]*>', listed)]


def ferry_id(assistant) -> str:
    return next(s.id for s in assistant.stories.stories(limit=10) if len(s.articles) == 4)


def test_this_week_counts_back_from_today_or_the_newest_article():
    assert week_start("2023-03-24", None) == "2023-03-18"
    assert week_start("2023-03-24", "2023-04-02") == "2023-03-27"  # a live index: the clock


def test_the_list_shows_the_biggest_stories_of_this_week_or_all(page):
    assistant, handlers = page
    week, menu = handlers["list_stories"]("This week", None)
    listed = rows(week)
    assert listed[0] == {"story": ferry_id(assistant), "articles": "4", "origins": "3"}
    assert "from 2023-03-18 on" in week and "Alpine glacier" not in week  # 2023-01-10
    assert "Coast Herald, Harbour Gazette, Island Times" in week
    assert "<td>2023-03-06</td><td>2023-03-24</td>" in week
    assert [value for _, value in menu.choices] == [r["story"] for r in listed]
    assert menu.value is None
    everything, menu = handlers["list_stories"]("All", listed[0]["story"])
    assert "Alpine glacier retreat" in everything and len(rows(everything)) == 4
    assert menu.value == listed[0]["story"]  # the choice is kept while its story is listed


def test_choosing_a_story_shows_its_dated_cited_timeline(page):
    assistant, handlers = page
    shown = handlers["show_story"](ferry_id(assistant))
    assert 'data-items="3"' in shown
    assert re.findall(r'<li class="nq-item" data-date="([^"]*)"', shown) == [
        "2023-03-06", "2023-03-14", "2023-03-23"]
    assert "<time class=\"nq-day\" datetime=\"2023-03-14\">March 14, 2023</time>" in shown
    assert "Coast Herald, Island Times" in shown  # one development, both outlets
    assert "approved a budget of 41 million shillings" in shown
    assert "4 articles · 3 independent" in shown
    assert shown.count('class="nq-article"') == 3  # the cited articles, [1] to [3]
    assert "no longer in the index" in handlers["show_story"]("s-gone")
    assert "Choose a story" in handlers["show_story"](None)


def test_article_text_in_the_list_and_timeline_is_escaped(page):
    assistant, handlers = page
    listed, _ = handlers["list_stories"]("All", None)
    hostile = next(s.id for s in assistant.stories.stories(limit=10) if "Lighthouse" in s.title)
    shown = handlers["show_story"](hostile)
    for html in (listed, shown):
        assert "<script" not in html and "<img" not in html and "onerror=\"" not in html
    assert "Lighthouse keepers &lt;script&gt;" in listed
    assert "&lt;img src=x onerror=&quot;" in shown  # the source, as text
    assert "unpaid overtime &lt;script&gt;" in shown


def test_hostile_items_stay_text_in_the_chat_and_panel():
    from newsqa.assistant.result import Answer, Citation, StoryItem
    from newsqa.present import chat_messages, sources_html

    from test_app import assert_inert, render_markdown

    hostile = f'<img src=x onerror="{PWN}"> [x](javascript:{PWN}) **bold**'
    answer = Answer(question="Give me a timeline of it", abstained=False, kind="timeline",
                    answer=f"Timeline, 1 development from 1 article:\n\n- **May 1, 2023** "
                           f"(Gazette): {hostile} [1]",
                    items=[StoryItem(date="2023-05-01", text=hostile, n=1,
                                     sources=[f"<script>{PWN}</script>"])],
                    citations=[Citation(n=1, title="t", quote=hostile, article_id="a",
                                        chunk_id="c")])
    chat = render_markdown(chat_messages(answer)[0]["content"])
    found = assert_inert(chat, {"p", "ul", "li", "strong"})
    assert "May 1, 2023" in found.text and hostile in found.text  # as text, asterisks too
    assert_inert(sources_html(answer), {"div", "p", "q", "ol", "li", "time", "span",
                                        "blockquote", "details", "summary", "mark"})


def test_a_timeline_in_the_chat_is_dated_there_and_in_the_sources_panel(page):
    _, handlers = page
    question = "Give me a timeline of the Zanzibar ferry"
    history = [{"role": "user", "content": question}]
    *_, (chat, panel, asked) = handlers["respond"](question, history, [], "", "", "", [])
    answer = chat[1]["content"]
    assert "- **March 6, 2023** (Harbour Gazette): " in answer  # bold, not literal asterisks
    assert "\\*" not in answer
    assert re.findall(r'<li class="nq-item" data-date="([^"]*)"', panel) == [
        "2023-03-06", "2023-03-14", "2023-03-23"]
    assert 'data-state="answered"' in panel and asked == [question]
