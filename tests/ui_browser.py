"""Helpers shared by the real-browser tests (test_browser.py, test_xss.py): start the app as
a user would (`newsqa serve` on a free 127.0.0.1 port), drive Debian's chromium with
Playwright, and wait on what the page shows rather than on timers.

Chromium is optional on a developer machine (the tests skip without it) but required where
NEWSQA_REQUIRE_BROWSER is set, e.g. in CI, so a missing browser can never pass silently.
"""

import contextlib
import os
import sys
from pathlib import Path

import pytest

from conftest import background_process, chromium_path, free_port, http_ready, required

REPO = Path(__file__).resolve().parent.parent

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Chromium looks up Google hosts even with the flags above; only 127.0.0.1 resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
START_TIMEOUT = 180  # seconds for the app to answer HTTP (models load first; ~10-20 s here)
ANSWER_MS = 90_000  # one answer, with room for a machine under load
STEP_MS = 30_000  # page reactions that need no model (tabs, uploads, accordions)


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        if required("BROWSER"):
            pytest.fail("chromium is required here (CI, or NEWSQA_REQUIRE_BROWSER) but not installed")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return path


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("NEWSQA_ARTIFACTS", REPO / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def running_app(data_dir: Path):
    """`python -m newsqa.cli serve` on a free port, stopped (by process group) afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1",
           "ORT_DISABLE_TELEMETRY": "1",
           # the URL tests' local site is on 127.0.0.1, refused by default (index/urlguard.py)
           "NEWSQA_ALLOW_PRIVATE_URLS": "127.0.0.1"}
    with background_process(
        [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port), "--data-dir",
         str(data_dir)],
        data_dir.parent / f"{data_dir.name}-server.log", lambda: http_ready(url),
        what="the app", timeout=START_TIMEOUT, env=env,
    ):
        yield url


@contextlib.contextmanager
def chromium():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_app(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url, wait_until="load")  # never "networkidle": Gradio's heartbeat stays open
    page.locator("#question textarea").wait_for(timeout=STEP_MS * 2)
    return page


def ask(page, question: str):
    """Type a question, press Enter, and wait until the sources panel shows this turn's
    outcome (answer, decline or error); returns the panel's locator for that turn."""
    turn = page.locator("#chat [data-testid='user']").count() + 1
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    return wait_for_turn(page, turn)


def wait_for_turn(page, turn: int):
    from playwright.sync_api import expect

    done = page.locator(f"#sources-panel .nq-turn[data-turn='{turn}']"
                        ":not([data-state='searching']):not([data-state='drafting'])")
    expect(done).to_have_count(1, timeout=ANSWER_MS)
    return done


def set_filter(page, elem_id: str, value: str) -> None:
    """Open the filters if closed, type the value and leave the box (as a user would), so the
    page has taken the value before the next question is sent."""
    from playwright.sync_api import expect

    accordion = page.get_by_text("Filters: dates and sources")
    field = page.locator(f"#{elem_id} textarea")
    if not field.is_visible():
        accordion.click()
    expect(field).to_be_editable(timeout=STEP_MS)
    field.fill(value)
    field.press("Tab")
    expect(field).to_have_value(value)


def corpus_articles(page) -> str:
    return page.locator("#corpus-stats .nq-stats").get_attribute("data-articles")


def latest_answer(page):
    """The chat's latest answer message (not a collapsible "Sources" block)."""
    return page.locator("#chat .message:not(.thought) > [data-testid='bot']").last


# The WCAG contrast ratio of an element's text against the background it is drawn on: its
# colour with the opacity of it and every ancestor applied, over the nearest background.
CONTRAST_JS = """(el) => {
    const rgba = (text) => {
        const m = text.match(/rgba?\\(([^)]+)\\)/);
        if (!m) throw new Error('unexpected colour ' + text);
        const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
        return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
    };
    let opacity = 1;
    for (let n = el; n; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity);
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (let n = el; n; n = n.parentElement) {
        const b = rgba(getComputedStyle(n).backgroundColor);
        if (b.a > 0.5) { bg = b; break; }
    }
    const fg = rgba(getComputedStyle(el).color), a = fg.a * opacity;
    const shown = {r: fg.r * a + bg.r * (1 - a), g: fg.g * a + bg.g * (1 - a),
                   b: fg.b * a + bg.b * (1 - a)};
    const lum = (c) => ['r', 'g', 'b'].map((k) => {
        const v = c[k] / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const [hi, lo] = [lum(shown), lum(bg)].sort((x, y) => y - x);
    return {ratio: (hi + 0.05) / (lo + 0.05), italic: getComputedStyle(el).fontStyle === 'italic'};
}"""


def text_contrast(locator) -> dict:
    """{"ratio": WCAG contrast of the element's text, "italic": bool}, measured once the
    page's CSS transitions and animations (e.g. a block fading in as it opens) are over."""
    locator.wait_for(timeout=STEP_MS)
    locator.page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running')",
        timeout=STEP_MS)
    return locator.evaluate(CONTRAST_JS)
