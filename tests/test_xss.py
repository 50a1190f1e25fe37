"""Article text cannot run code in the UI: a real browser, the real app, hostile articles.

Articles come from files, pastes and the web, so their titles, bodies, sources, URLs and
even file names may carry `<script>`, `<img onerror=…>` and `javascript:` links. They are
added here the way a user would (upload and paste in the "Add articles" tab, plus a
`javascript:` address in the URL box), asked about, and their sources opened; at each step
the page must show no sign that any of it ran: `window.__pwned` stays undefined, no dialog
opens, no event-handler attribute, <script> or <img> appears in the areas that show
article text, and every link there is http(s) (or a same-origin relative Gradio link).
"""

import re

import pytest

from ui_browser import (ANSWER_MS, STEP_MS, artifacts_dir, ask, chromium, require_chromium,
                        running_app)

PWN = "window.__pwned=1"
HOSTILE_NAME = f'<img src=x onerror="{PWN}">lighthouse.txt'  # Gradio strips <>"/ on save
HOSTILE_FILE = f"""<script>{PWN}</script> Lighthouse keepers <img src=x onerror="{PWN}"> strike
Source: <img src=x onerror="{PWN}">Gazette<script>{PWN}</script>
Date: 2023-05-02
URL: javascript:{PWN}

The lighthouse keepers of Port Vesna went on strike on Monday over unpaid overtime \
<script>{PWN}</script>.
Their union said <img src=x onerror="alert(1)"> the strike would last until the harbour \
authority paid twelve weeks of wages [click here](javascript:{PWN}) \
<a href="javascript:{PWN}">or here</a>.
"""
HOSTILE_PASTE = f"""Harbour pilots <svg onload="{PWN}"></svg> walk out
Source: javascript:{PWN}
URL:  JaVaScRiPt:alert(1)

The harbour pilots of Port Vesna walked out on Friday in support of the lighthouse keepers, \
<iframe src="javascript:{PWN}"></iframe> leaving forty ships at anchor.
"""
AREAS = ("#chat, #sources-panel, #ingest-summary, #corpus-stats, #filter-sources, "
         "#stories-list, #story-timeline")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    require_chromium()
    with running_app(tmp_path_factory.mktemp("xss") / "data") as url:
        yield url


def assert_inert(page, dialogs: list, step: str) -> None:
    # Had an <img src=x onerror=…> slipped through, its handler runs only once the image
    # fails to load: wait for every image on the page to settle (events, not a timer).
    page.evaluate("""() => Promise.all([...document.images].filter(img => !img.complete)
        .map(img => new Promise(done => { img.addEventListener('load', done);
                                          img.addEventListener('error', done); })))""")
    assert page.evaluate("() => window.__pwned") is None, f"script ran ({step})"
    assert dialogs == [], f"a dialog opened ({step}): {dialogs}"
    found = page.evaluate("""(areas) => {
        const nodes = [...document.querySelectorAll(areas)]
            .flatMap(area => [area, ...area.querySelectorAll('*')]);
        return {
            handlers: nodes.flatMap(e => [...e.attributes]
                .filter(a => a.name.toLowerCase().startsWith('on'))
                .map(a => `${e.tagName} ${a.name}`)),
            tags: nodes.filter(e => ['SCRIPT', 'IMG', 'IFRAME', 'OBJECT', 'EMBED']
                .includes(e.tagName)).map(e => e.outerHTML),
            svgWithHandlers: nodes.filter(e => e.tagName.toLowerCase() === 'svg'
                && [...e.attributes].some(a => a.name.startsWith('on'))).length,
            hrefs: nodes.filter(e => e.hasAttribute('href')).map(e => e.getAttribute('href')),
        };
    }""", AREAS)
    assert found["handlers"] == [], f"event handler attributes ({step}): {found['handlers']}"
    assert found["tags"] == [], f"active elements from article text ({step}): {found['tags']}"
    for href in found["hrefs"]:
        bare = re.sub(r"[\s\x00-\x1f]", "", href).lower()
        assert not bare.startswith(("javascript:", "data:", "vbscript:")), (step, href)
        assert re.match(r"https?://", href) or (href.startswith("/") and not href.startswith("//")) \
            or href.startswith("#"), (step, href)


def test_hostile_articles_stay_inert(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page = open_app_with(page, app_url)
        assert_inert(page, dialogs, "page load")

        # Add them through the UI: a hostile upload, an empty file with a hostile name
        # (skipped: its name is shown), a hostile paste and a javascript: "URL".
        page.get_by_role("tab", name="Add articles").click()
        hostile = tmp_path / HOSTILE_NAME
        hostile.write_text(HOSTILE_FILE, encoding="utf-8")
        empty = tmp_path / f"'><svg onload={PWN}>.md"
        empty.write_text("   \n", encoding="utf-8")
        page.locator("#upload-files input[type='file']").set_input_files([str(hostile), str(empty)])
        expect(page.locator("#upload-files")).to_contain_text("lighthouse", timeout=STEP_MS)
        page.locator("#paste-article textarea").fill(HOSTILE_PASTE)
        page.locator("#article-urls textarea").fill(f"javascript:{PWN}")
        page.locator("#add-articles").click()
        summary = page.locator("#ingest-summary .nq-ingest")
        expect(summary).to_contain_text("2 new", timeout=ANSWER_MS)
        assert_inert(page, dialogs, "ingest summary")
        expect(summary).to_contain_text(f"<script>{PWN}</script> Lighthouse keepers")  # as text
        expect(summary.locator(".nq-skipped li", has_text=f"javascript:{PWN}")).to_have_count(1)
        expect(summary.locator(".nq-skipped li", has_text="svg onload")).to_contain_text("empty")
        expect(page.locator("#corpus-stats .nq-stats")).to_have_attribute("data-articles", "3")
        page.screenshot(path=str(artifacts_dir() / "xss-ingest-summary.png"), full_page=True)

        # Ask about each; open the chat's Sources block and the panel's links.
        page.get_by_role("tab", name="Ask").click()
        panel = ask(page, "Why did the lighthouse keepers of Port Vesna strike?")
        expect(panel).to_have_attribute("data-state", "answered")
        title = panel.locator(".nq-title").first
        expect(title).to_contain_text(f"<script>{PWN}</script> Lighthouse keepers")
        expect(panel.locator("a.nq-title")).to_have_count(0)  # javascript: never becomes a link
        expect(panel.locator(".nq-url-note").first).to_contain_text(f"javascript:{PWN}")
        expect(panel.locator(".nq-meta").first).to_contain_text(f'<img src=x onerror="{PWN}">Gazette')
        expect(panel.locator("mark").first).to_contain_text("unpaid overtime")
        title.click()  # not a link: it only folds the source away...
        expect(panel.locator("mark").first).to_be_hidden()
        title.click()  # ...and opens it again
        expect(panel.locator("mark").first).to_be_visible()
        page.get_by_text("Sources (").last.click()
        expect(page.locator("#chat blockquote").last).to_be_visible()
        expect(page.locator("#chat blockquote").last).to_contain_text("unpaid overtime")
        page.screenshot(path=str(artifacts_dir() / "xss-sources.png"), full_page=True)
        assert_inert(page, dialogs, "lighthouse answer and sources")

        panel = ask(page, "Why did the harbour pilots of Port Vesna walk out?")
        expect(panel).to_have_attribute("data-state", "answered")
        expect(panel).to_contain_text("forty ships at anchor")
        expect(panel.locator("a.nq-title")).to_have_count(0)
        page.get_by_text("Sources (").last.click()
        expect(page.locator("#chat blockquote").last).to_be_visible()
        for text in page.locator("#sources-panel .nq-title").all():
            text.click()
        assert_inert(page, dialogs, "pilots answer and sources")

        # The question itself is shown escaped too, and the source menu lists the hostile
        # source names as plain options.
        ask(page, f'<img src=x onerror="{PWN}"><script>{PWN}</script>')
        page.get_by_text("Filters: dates and sources").click()
        page.locator("#filter-sources input[role='combobox']").click()
        expect(page.get_by_role("option", name=re.compile("Gazette"))).to_be_visible(timeout=STEP_MS)
        page.screenshot(path=str(artifacts_dir() / "xss-source-menu.png"), full_page=True)
        assert_inert(page, dialogs, "question and source menu")

        # The Stories tab lists the hostile story and shows its timeline, as text.
        page.get_by_role("tab", name="Stories").click()
        page.locator("#stories-scope").get_by_text("All").click()
        listed = page.locator("#stories-list .nq-stories-table")
        expect(listed).to_contain_text(f"<script>{PWN}</script> Lighthouse keepers",
                                       timeout=STEP_MS)
        page.locator("#story-choice input[role='combobox']").click()
        page.get_by_role("option", name=re.compile("Lighthouse keepers")).first.click()
        timeline = page.locator("#story-timeline .nq-story")
        expect(timeline.locator(".nq-item").first).to_contain_text("unpaid overtime",
                                                                   timeout=ANSWER_MS)
        page.screenshot(path=str(artifacts_dir() / "xss-story-timeline.png"), full_page=True)
        assert_inert(page, dialogs, "stories list and timeline")


def open_app_with(page, url: str):
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=STEP_MS * 2)
    return page
