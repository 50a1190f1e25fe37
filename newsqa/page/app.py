"""The page: ask (chat, sources panel, filters), add articles, follow feeds, see what is indexed.

`build_app` puts it together; `newsqa/serving/server.py` starts the process and mounts it.
Split by concern: `layout.py` places the components (and holds the CSS), `events.py`
attaches what they do, `ask.py` streams an answer into chat messages and the sources panel,
`add.py` shows what an ingest did, `feeds.py` the Feeds tab. Answers come from
`NewsAssistant.stream()`; articles go in through `index.pipeline.ingest()` in this process,
with the assistant's own embedder and store, so they can be asked about without a restart;
the presentation of answers (and all escaping of article text) lives in `newsqa/present.py`,
the counts in `newsqa/corpus_stats.py`.

Next to the page, `/chat` is the API for `gradio_client`: (message, as_of, since, sources,
until) in, the assistant's chat messages (answer, then a "Sources (n)" message) out,
streamed. It keeps the contract of the `gr.ChatInterface` this page replaced, so scripts,
the load test and `newsqa bench` keep working; the page itself uses separate, undocumented
events because it also fills the sources panel.
"""

import logging

from newsqa.assistant.chain import NewsAssistant
from newsqa.corpus_stats import LiveStats
from newsqa.page.events import wire
from newsqa.page.layout import layout

log = logging.getLogger(__name__)


def build_app(assistant: NewsAssistant, gate=None, watcher=None, role_of=None):
    """The page (not launched): layout, then its events. Serve it with `css=PAGE_CSS`
    (Gradio 6 takes page CSS at launch or mount; `serve` does). `gate`: the answer limit shared
    with the API routes (newsqa/gate.py); `watcher`: the feed watcher the Feeds panel wakes;
    `role_of(user)`: a login's role (newsqa/auth.py), None without logins."""
    import gradio as gr

    live = LiveStats(assistant.store, assistant.keyword)
    with gr.Blocks(title="newsqa", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        page = layout(live.current(), ingest=assistant.settings.ui_ingest,
                      private=role_of is not None)
        wire(page, assistant, live, app, gate, watcher, role_of=role_of)
    return app


def ensure_sample_articles(assistant: NewsAssistant) -> None:
    """An empty index gets the bundled sample articles, so a first run can answer."""
    settings = assistant.settings
    if assistant.store.count() == 0 and settings.samples_dir.is_dir():
        from newsqa.index.pipeline import ingest

        report = ingest([settings.samples_dir], settings, embedder=assistant.embedder,
                        store=assistant.store)
        log.warning("Index was empty: ingested the sample articles (%s)", report.summary())
