"""The finished UI in a real browser (Debian chromium via Playwright), against the real app
started with `newsqa serve`: ask and read the cited answer, open its source with the quote
highlighted in its passage (only what the answer quotes, each article once), check that the
page is legible (no label over the chat, aligned filters, readable notes), filter by date
and source, add an article by upload and by paste and by feed and article URL, follow a
feed in the Feeds tab and see its polls, then ask about them. One app for the module; the
tests run in file order and only the last three add articles. Screenshots go to
NEWSQA_ARTIFACTS (default test-artifacts/).
"""

import re

import pytest

from ui_browser import (ANSWER_MS, STEP_MS, artifacts_dir, ask, chromium, corpus_articles,
                        latest_answer, open_app, require_chromium, running_app, set_filter,
                        text_contrast)

FERRY_ARTICLE = """Council approves Zanzibar ferry budget
Source: Harbour Gazette
Date: 2023-03-14
URL: https://harbour.example/zanzibar-ferry

The Stone Town council approved a budget of 41 million shillings for the new Zanzibar ferry on Tuesday.
The ferry will carry 300 passengers between Stone Town and Pemba from next year, officials said.
"""

PASTED_ARTICLE = """Elmsworth village library reopens
Source: Valley Post
Date: 2023-04-01

The Elmsworth village library reopened on Saturday after a two-year renovation paid for by a
local lottery. Librarian Ada Mistry said the new reading room seats 40 people.
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    require_chromium()  # skip (or fail) before paying for the app's start
    with running_app(tmp_path_factory.mktemp("browser") / "data") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_ask_read_the_cited_answer_and_open_its_source(browser, app_url):
    from playwright.sync_api import expect

    page = open_app(browser, app_url)
    panel = ask(page, "What did Putin demand?")
    expect(panel).to_have_attribute("data-state", "answered")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("legally binding security guarantees")
    expect(chat).to_contain_text("[1]")
    # the demand, and the next sentence of the article that says Moscow kept to it
    expect(chat).to_contain_text("Sources (2)")

    source = panel.locator("details.nq-article").first
    expect(source.locator("summary")).to_contain_text("[1]")
    expect(source.locator("summary")).to_contain_text("Inside Macron's Friday call with Putin")
    expect(source.locator(".nq-meta")).to_contain_text("The Week")
    expect(source.locator(".nq-meta time")).to_have_attribute("datetime", "2022-01-28")
    marks = source.locator(".nq-passage mark")
    expect(marks).to_have_count(2)  # both quotes are from this article
    quote = marks.first
    expect(quote).to_contain_text("legally binding security guarantees")
    # The quote sits inside its passage: the sentence before it is shown too, unmarked.
    passage = source.locator(".nq-passage").first
    expect(passage).to_contain_text("Rather, Putin is said to have used the call")
    assert len(passage.inner_text()) > len(quote.inner_text()) + 100
    page.screenshot(path=str(artifacts_dir() / "ask-answer-and-sources.png"), full_page=True)

    # A source can be folded away and opened again.
    source.locator("summary").click()
    expect(quote).to_be_hidden()
    source.locator("summary").click()
    expect(quote).to_be_visible()

    # The chat's collapsible Sources block opens to the same citation.
    page.get_by_text("Sources (2)").first.click()
    expect(chat.locator("blockquote").first).to_be_visible()
    expect(chat.locator("blockquote").first).to_contain_text("legally binding security guarantees")

    # A follow-up is read against the chat: "he" is Putin.
    ask(page, "Did he agree to anything?")
    expect(chat).to_contain_text("Understood as: Did Putin agree to anything?")

    # An example question is asked with one click; a question the articles do not answer
    # is declined with an empty sources panel, and earlier answers stay on screen.
    page.get_by_role("button", name="What did Biden say about the call?").click()
    declined = page.locator("#sources-panel .nq-turn[data-turn='3'][data-state='declined']")
    expect(declined).to_have_count(1, timeout=ANSWER_MS)
    expect(declined).to_contain_text("No sources")
    expect(chat).to_contain_text("could not find this in the indexed articles")
    expect(chat).to_contain_text("legally binding security guarantees")
    page.close()


def flat(text: str) -> str:
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\"”])\s+|\n+", text) if len(s.split()) >= 3]


def test_only_quoted_sentences_are_highlighted_and_each_article_is_shown_once(browser, app_url):
    """The follow-up cites two passages of the sample's one article: one title, two
    labelled passages, and a <mark> only on sentences the answer quotes."""
    from playwright.sync_api import expect

    page = open_app(browser, app_url)
    ask(page, "What did Putin demand?")
    panel = ask(page, "What about Macron?")
    expect(panel).to_have_attribute("data-state", "answered")
    answer = flat(latest_answer(page).inner_text())
    cited = sorted(set(re.findall(r"\[(\d+)\]", answer)), key=int)
    assert len(cited) >= 2, f"expected two citations of the one sample article: {answer}"

    # One block for the article, its title once, each cited passage labelled [n] inside.
    expect(panel.locator("details.nq-article")).to_have_count(1)
    expect(panel.locator(".nq-title")).to_have_count(1)
    expect(panel.locator(".nq-title")).to_have_text("Inside Macron's Friday call with Putin")
    expect(panel.locator(".nq-meta")).to_have_count(1)
    passages = panel.locator(".nq-citation")
    assert [passages.nth(i).get_attribute("data-n") for i in range(passages.count())] == cited
    expect(passages.first.locator(".nq-n")).to_have_text(f"[{cited[0]}]")

    # Every mark is text the answer quotes; no sentence it does not quote is marked.
    marks = [flat(m) for m in panel.locator(".nq-passage mark").all_inner_texts()]
    assert marks, "nothing is highlighted"
    for mark in marks:
        assert mark in answer, f"highlighted but not quoted: {mark!r}"
    unquoted = [s for text in panel.locator(".nq-passage").all_inner_texts()
                for s in sentences(text) if flat(s) not in answer]
    assert unquoted, "the passages should hold sentences the answer does not quote"
    for sentence in unquoted:
        assert not any(flat(sentence) in mark for mark in marks), f"marked: {sentence!r}"
    panel.screenshot(path=str(artifacts_dir() / "sources-highlight-and-grouping.png"))

    # The chat's Sources block: one heading for the article, readable (not faded italics).
    page.get_by_text(f"Sources ({len(cited)})").last.click()
    block = page.locator("#chat .thought-group").last
    expect(block.locator("blockquote").first).to_be_visible()
    expect(block.locator("strong", has_text="Inside Macron's Friday call with Putin")).to_have_count(1)
    for element in [block.locator(".message-content p").first, block.locator("blockquote p").first]:
        shown = text_contrast(element)
        assert shown["ratio"] >= 4.5 and not shown["italic"], shown
    block.screenshot(path=str(artifacts_dir() / "chat-sources-block.png"))

    # The confidence line and the source's details are readable (WCAG AA: 4.5:1).
    for element in [panel.locator(".nq-note").first, panel.locator(".nq-meta"),
                    panel.locator(".nq-question")]:
        assert text_contrast(element)["ratio"] >= 4.5, element

    # No label floats over the chat: scrolled to the top of the view, the first line of
    # the answer is the answer's own text at every point.
    expect(page.locator("#chat [data-testid='block-label']")).to_have_count(0)
    message = latest_answer(page)
    message.evaluate("e => e.scrollIntoView({block: 'start'})")
    covered = message.evaluate("""(e) => {
        const box = e.getBoundingClientRect();
        return [0.02, 0.25, 0.5, 0.75, 0.98].map((f) => {
            const at = document.elementFromPoint(box.left + f * box.width, box.top + 4);
            return at && !e.contains(at) && !at.contains(e) ? at.outerHTML.slice(0, 120) : null;
        }).filter(Boolean);
    }""")
    assert covered == [], f"something covers the top message: {covered}"
    page.locator("#chat").screenshot(path=str(artifacts_dir() / "chat-scrolled-no-label.png"))
    page.screenshot(path=str(artifacts_dir() / "chat-follow-up-and-sources.png"), full_page=True)

    # The three date boxes line up.
    page.get_by_text("Filters: dates and sources").click()
    boxes = [page.locator(f"#{name} textarea, #{name} input").first.bounding_box()
             for name in ("filter-as-of", "filter-since", "filter-until")]
    assert len({round(b["y"]) for b in boxes}) == 1, boxes
    assert len({round(b["height"]) for b in boxes}) == 1, boxes
    page.locator("#filters").screenshot(path=str(artifacts_dir() / "filters-aligned.png"))
    page.close()


def test_date_and_source_filters(browser, app_url):
    from playwright.sync_api import expect

    page = open_app(browser, app_url)
    chat = page.locator("#chat")

    set_filter(page, "filter-as-of", "2022-01-27")  # the day before the article
    panel = ask(page, "What did Putin demand?")
    expect(panel.locator(".nq-filters")).to_contain_text("as of 2022-01-27")
    expect(panel).to_have_attribute("data-state", "declined")
    expect(chat).to_contain_text("could not find this")

    set_filter(page, "filter-as-of", "")
    set_filter(page, "filter-since", "2022-01-27")
    set_filter(page, "filter-until", "2022-01-29")
    panel = ask(page, "What did Putin demand?")
    expect(panel).to_have_attribute("data-state", "answered")
    expect(panel.locator(".nq-filters")).to_contain_text("since 2022-01-27; until 2022-01-29")
    expect(panel.locator("mark").first).to_contain_text("legally binding security guarantees")
    page.screenshot(path=str(artifacts_dir() / "filters-date-range.png"), full_page=True)

    set_filter(page, "filter-until", "late January-ish")
    panel = ask(page, "What did Putin demand?")
    expect(panel).to_have_attribute("data-state", "error")
    expect(panel).to_contain_text("use YYYY-MM-DD")
    expect(chat.locator("[data-testid='bot']").last).to_contain_text("use YYYY-MM-DD")

    set_filter(page, "filter-until", "")
    set_filter(page, "filter-since", "")
    choose_source(page, "The Week")
    panel = ask(page, "What did Putin demand?")
    expect(panel).to_have_attribute("data-state", "answered")
    expect(panel.locator(".nq-filters")).to_contain_text("sources: The Week")
    page.close()


def choose_source(page, name: str) -> None:
    from playwright.sync_api import expect

    menu = page.locator("#filter-sources input[role='combobox']")
    if not menu.is_visible():
        page.get_by_text("Filters: dates and sources").click()
    menu.click()
    option = page.get_by_role("option", name=name, exact=True)
    expect(option).to_be_visible(timeout=STEP_MS)
    option.click()
    expect(page.locator("#filter-sources")).to_contain_text(name)
    page.keyboard.press("Escape")


def test_add_articles_by_upload_and_paste_then_ask(browser, app_url, tmp_path):
    from playwright.sync_api import expect

    page = open_app(browser, app_url)
    assert corpus_articles(page) == "1"  # the bundled sample article only
    expect(page.locator("#corpus-stats")).to_contain_text("1 article ·")

    page.get_by_role("tab", name="Add articles").click()
    upload = tmp_path / "zanzibar-ferry.txt"
    upload.write_text(FERRY_ARTICLE, encoding="utf-8")
    page.locator("#upload-files input[type='file']").set_input_files(str(upload))
    expect(page.locator("#upload-files")).to_contain_text("zanzibar-ferry", timeout=STEP_MS)
    page.locator("#add-articles").click()
    summary = page.locator("#ingest-summary .nq-ingest")
    expect(summary).to_contain_text("1 new, 0 updated, 0 unchanged, 0 skipped", timeout=ANSWER_MS)
    expect(summary).to_contain_text("Council approves Zanzibar ferry budget")
    expect(summary).to_contain_text("Harbour Gazette")
    expect(page.locator("#corpus-stats .nq-stats")).to_have_attribute("data-articles", "2")
    expect(page.locator("#corpus-stats")).to_contain_text("2 articles")
    expect(page.locator("#corpus-stats")).to_contain_text("2022-01-28 to 2023-03-14")
    page.screenshot(path=str(artifacts_dir() / "add-articles-upload.png"), full_page=True)

    # Pasted text (title on the first line) and an address that cannot be fetched here.
    page.locator("#paste-article textarea").fill(PASTED_ARTICLE)
    page.locator("#article-urls textarea").fill("https://news.example.invalid/story")
    page.locator("#add-articles").click()
    expect(summary).to_contain_text("1 new, 0 updated, 0 unchanged, 1 skipped", timeout=ANSWER_MS)
    expect(summary).to_contain_text("Elmsworth village library reopens")
    expect(summary.locator(".nq-skipped li", has_text="news.example.invalid")).to_have_count(1)
    expect(page.locator("#corpus-stats .nq-stats")).to_have_attribute("data-articles", "3")
    page.screenshot(path=str(artifacts_dir() / "add-articles-paste-and-skipped.png"),
                    full_page=True)

    page.get_by_role("tab", name="Ask").click()
    panel = ask(page, "What budget did the council approve for the Zanzibar ferry?")
    expect(panel).to_have_attribute("data-state", "answered")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("41 million shillings")
    expect(chat).to_contain_text("[1]")
    title = panel.locator("a.nq-title").first
    expect(title).to_have_text("Council approves Zanzibar ferry budget")
    expect(title).to_have_attribute("href", "https://harbour.example/zanzibar-ferry")
    expect(title).to_have_attribute("target", "_blank")
    expect(panel.locator(".nq-meta").first).to_contain_text("Harbour Gazette")
    expect(panel.locator("mark").first).to_contain_text("41 million shillings")
    page.screenshot(path=str(artifacts_dir() / "ask-about-the-upload.png"), full_page=True)

    panel = ask(page, "Who said the new reading room seats 40 people?")
    expect(panel).to_have_attribute("data-state", "answered")
    expect(panel).to_contain_text("Elmsworth village library reopens")

    # The source menu was refreshed by the ingest: filtering to the new source leaves
    # nothing about Putin to answer from.
    choose_source(page, "Harbour Gazette")
    panel = ask(page, "What did Putin demand?")
    expect(panel).to_have_attribute("data-state", "declined")
    expect(panel.locator(".nq-filters")).to_contain_text("sources: Harbour Gazette")
    assert not re.search("legally binding", panel.inner_text())
    page.close()


OBSERVATORY_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Highland Courier</title><link>{base}/</link>
<description>Local news</description>
<item><title>Observatory names new comet</title><link>{base}/comet</link>
<pubDate>Tue, 09 May 2023 08:00:00 GMT</pubDate>
<description>The Kessock observatory named the comet it found in April after the school
pupils who first spotted it on the night sky images. Director Iona Baird said the comet
will pass closest to the Sun in 2031.</description></item>
</channel></rss>"""

QUARRY_PAGE = """<html><head><title>Quarry plan withdrawn</title>
<meta property="og:site_name" content="Glen Times"></head><body><article>
<h1>Quarry plan withdrawn</h1><p>Published 2023-05-10</p>
<p>The company behind the Glenmore quarry plan withdrew its application on Wednesday after
1,200 objections were lodged with the council.</p>
<p>Residents had argued that the quarry would close the glen's only footpath for ten years.</p>
</article></body></html>"""


def test_add_a_feed_and_an_article_by_url_then_ask(browser, app_url):
    """URLs given in the UI are fetched by the app (here from a web server on 127.0.0.1)."""
    from playwright.sync_api import expect

    from localsite import Route, serve

    with serve({}) as site:
        site.routes["/feed.xml"] = Route(OBSERVATORY_FEED.format(base=site.base),
                                         "application/rss+xml")
        site.routes["/quarry"] = Route(QUARRY_PAGE)
        page = open_app(browser, app_url)
        stats = page.locator("#corpus-stats .nq-stats")
        # After the sample, the upload and the paste of the test before (file order).
        expect(stats).to_have_attribute("data-articles", "3", timeout=STEP_MS)
        page.get_by_role("tab", name="Add articles").click()
        page.locator("#article-urls textarea").fill(
            f"{site.url('/feed.xml')}\n{site.url('/quarry')}")
        page.locator("#add-articles").click()
        summary = page.locator("#ingest-summary .nq-ingest")
        expect(summary).to_contain_text("2 new, 0 updated, 0 unchanged, 0 skipped",
                                        timeout=ANSWER_MS)
        expect(summary).to_contain_text("Observatory names new comet")
        expect(summary).to_contain_text("Quarry plan withdrawn")
        expect(stats).to_have_attribute("data-articles", "5")
        assert site.fetched("/feed.xml") and site.fetched("/quarry")
        page.screenshot(path=str(artifacts_dir() / "add-articles-by-url.png"), full_page=True)

    page.get_by_role("tab", name="Ask").click()
    panel = ask(page, "How many objections were lodged against the Glenmore quarry?")
    expect(panel).to_have_attribute("data-state", "answered")
    expect(page.locator("#chat")).to_contain_text("1,200 objections")
    expect(panel.locator("a.nq-title").first).to_have_attribute("href", re.compile(r"/quarry$"))
    panel = ask(page, "When will the comet pass closest to the Sun?")
    expect(panel).to_have_attribute("data-state", "answered")
    expect(panel).to_contain_text("Highland Courier")
    expect(panel.locator("mark").first).to_contain_text("2031")
    page.close()


MARSH_ITEMS = [
    """<item><title>Tollmere market moves to the quay</title><link>{base}/market</link>
<pubDate>Mon, 05 Jun 2023 08:00:00 GMT</pubDate>
<description>The Tollmere Saturday market moved to the old quay this week, where its sixty
stalls have room to grow, the market trust said.</description></item>""",
    """<item><title>Tollmere choir wins regional prize</title><link>{base}/choir</link>
<pubDate>Tue, 06 Jun 2023 08:00:00 GMT</pubDate>
<description>The Tollmere school choir won the regional singing prize with a folk song
about the marsh, conductor Wyn Harrow said.</description></item>""",
]
BRIDGE_ITEM = """<item><title>Tollmere opens the Heronsgate Bridge</title><link>{base}/bridge</link>
<pubDate>Thu, 08 Jun 2023 08:00:00 GMT</pubDate>
<description>The Heronsgate Bridge, a 180-metre footbridge across the river Wendle at
Tollmere, opened on Thursday. Mayor Edda Quill said the crossing cuts the walk to the station
by twenty minutes.</description></item>"""


def marsh_feed(base: str, items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Marsh Gazette</title><link>{base}/</link><description>Local news"
            f"</description>{''.join(item.format(base=base) for item in items)}"
            "</channel></rss>")


def test_follow_a_feed_in_the_feeds_panel_then_ask_about_its_new_entry(browser, app_url):
    """Follow a feed on the Feeds tab; the server's watcher polls it (woken by Follow, then by
    Poll now) and the table, refreshed by the page's timer, shows what each poll brought. The
    interval is an hour, so only the buttons can make it poll within the test."""
    from playwright.sync_api import expect

    from localsite import Route, serve

    with serve({}) as site:
        feed_url = site.url("/marsh.xml")
        site.routes["/marsh.xml"] = Route(marsh_feed(site.base, MARSH_ITEMS),
                                          "application/rss+xml")
        site.routes["/no-feed"] = Route("<html><body><p>Nothing to follow.</p></body></html>")
        page = open_app(browser, app_url)
        stats = page.locator("#corpus-stats .nq-stats")
        # The line as of now (the page's load event adds when the index last changed).
        expect(stats).to_have_attribute("data-updated", re.compile(r"^\d+$"), timeout=STEP_MS)
        before = int(corpus_articles(page))  # 5 after the tests before, in file order
        page.get_by_role("tab", name="Feeds").click()
        table = page.locator("#feeds-table")
        expect(table).to_contain_text("No feeds followed yet", timeout=STEP_MS)
        notice = page.locator("#feed-notice")

        # A page that announces no feed is refused, with the reason.
        page.locator("#feed-url textarea").fill(site.url("/no-feed"))
        page.locator("#follow-feed").click()
        expect(notice.locator(".nq-error")).to_contain_text("announces no RSS or Atom feed",
                                                            timeout=STEP_MS)

        page.locator("#feed-url textarea").fill(feed_url)
        page.locator("#feed-every textarea").fill("1h")
        page.locator("#feed-keep input[type='checkbox']").check()
        page.locator("#follow-feed").click()
        expect(notice).to_contain_text("Following Marsh Gazette, every 1h", timeout=STEP_MS)
        expect(page.locator("#feed-url textarea")).to_have_value("")
        row = table.locator("tr.nq-feed")
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-url", feed_url)
        expect(row).to_contain_text("articles kept")
        # The first poll (the watcher was woken) reaches the table by the page's timer.
        expect(row).to_have_attribute("data-total-new", "2", timeout=ANSWER_MS)
        expect(row.locator(".nq-last-counts")).to_have_text("2 new, 0 updated")
        expect(row.locator(".nq-last-poll")).to_have_text("just now")
        expect(row.locator(".nq-next-poll")).to_contain_text("in ")
        expect(stats).to_have_attribute("data-articles", str(before + 2), timeout=STEP_MS)
        expect(page.locator("#corpus-stats")).to_contain_text("updated just now")

        # The feed gets a new entry; "Poll now" fetches it at once, not in an hour.
        site.routes["/marsh.xml"] = Route(marsh_feed(site.base, [BRIDGE_ITEM, *MARSH_ITEMS]),
                                          "application/rss+xml")
        page.locator("#poll-feeds").click()
        expect(notice).to_contain_text("Polling every followed feed now", timeout=STEP_MS)
        expect(row).to_have_attribute("data-total-new", "3", timeout=ANSWER_MS)
        expect(row).to_have_attribute("data-last-new", "1")
        expect(row.locator(".nq-last-counts")).to_have_text("1 new, 0 updated")
        expect(row.locator(".nq-total-counts")).to_have_text("3 new, 0 updated")
        expect(row.locator(".nq-last-error")).to_have_text("—")
        expect(stats).to_have_attribute("data-articles", str(before + 3), timeout=STEP_MS)
        page.screenshot(path=str(artifacts_dir() / "feeds-panel.png"), full_page=True)

    page.get_by_role("tab", name="Ask").click()
    panel = ask(page, "What is the name of the new footbridge across the river Wendle?")
    expect(panel).to_have_attribute("data-state", "answered")
    expect(page.locator("#chat")).to_contain_text("Heronsgate Bridge")
    expect(page.locator("#chat")).to_contain_text("[1]")
    expect(panel.locator(".nq-title").first).to_have_text("Tollmere opens the Heronsgate Bridge")
    expect(panel.locator(".nq-meta").first).to_contain_text("Marsh Gazette")

    # Unfollowing keeps the articles and empties the table.
    page.get_by_role("tab", name="Feeds").click()
    menu = page.locator("#unfollow-choice input[role='combobox']")
    menu.click()
    option = page.get_by_role("option", name=f"Marsh Gazette — {feed_url}", exact=True)
    expect(option).to_be_visible(timeout=STEP_MS)
    option.click()
    page.locator("#unfollow-feed").click()
    expect(notice).to_contain_text("Unfollowed Marsh Gazette", timeout=STEP_MS)
    expect(table).to_contain_text("No feeds followed yet")
    expect(stats).to_have_attribute("data-articles", str(before + 3))
    page.close()
