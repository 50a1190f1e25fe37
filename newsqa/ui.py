"""The Gradio web UI: ask (chat, sources panel, filters), add articles, see what is indexed.

This module starts it: `build_app` puts the page together, `serve` launches it. The page is
split by concern: `ui_layout.py` places the components (and holds the CSS), `ui_events.py`
attaches what they do, `ui_ask.py` streams an answer into chat messages and the sources
panel, `ui_add.py` runs "Add articles" and the index stats. Answers come from
`NewsAssistant.stream()`; articles go in through `index.pipeline.ingest()` in this process,
with the assistant's own embedder and store, so they can be asked about without a restart;
all presentation (and all escaping of article text) lives in `assistant/chat.py`, the
counts in `corpus_stats.py`.

Next to the page, `/chat` is the API for `gradio_client`: (message, as_of, since, sources,
until) in, the assistant's chat messages (answer, then a "Sources (n)" message) out,
streamed. It keeps the contract of the `gr.ChatInterface` this page replaced, so scripts,
the load test and `newsqa bench` keep working; the page itself uses separate, undocumented
events because it also fills the sources panel.

`serve` runs the page inside newsqa/server.py's app, beside the REST, OpenAI-compatible and
MCP routes, on one port. Bound to 127.0.0.1 unless told otherwise, analytics and share
links off. On first start
with an empty index it ingests the bundled sample articles so there is something to ask.
"""

import logging

from newsqa.assistant.chain import NewsAssistant
from newsqa.settings import Settings
from newsqa.ui_add import LiveStats, collect_inputs, ingest_summary_html  # noqa: F401
from newsqa.ui_ask import user_questions  # noqa: F401 (imported from here by tests)
from newsqa.ui_events import wire
from newsqa.ui_layout import layout

log = logging.getLogger(__name__)


def build_app(assistant: NewsAssistant, gate=None, watcher=None):
    """The page (not launched): layout, then its events. Serve it with `css=PAGE_CSS`
    (Gradio 6 takes page CSS at launch or mount; `serve` does). `gate`: the answer limit shared
    with the API routes (newsqa/gate.py); `watcher`: the feed watcher the Feeds panel wakes."""
    import gradio as gr

    live = LiveStats(assistant.store, assistant.keyword)
    with gr.Blocks(title="newsqa", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        page = layout(live.current(), ingest=assistant.settings.ui_ingest)
        wire(page, assistant, live, app, gate, watcher)
    return app


def ensure_sample_articles(assistant: NewsAssistant) -> None:
    """An empty index gets the bundled sample articles, so a first run can answer."""
    settings = assistant.settings
    if assistant.store.count() == 0 and settings.samples_dir.is_dir():
        from newsqa.index.pipeline import ingest

        report = ingest([settings.samples_dir], settings, embedder=assistant.embedder,
                        store=assistant.store)
        log.warning("Index was empty: ingested the sample articles (%s)", report.summary())


def queue_limits(settings: Settings) -> tuple[int, int]:
    """(questions answered at once, questions allowed to wait) for Gradio's queue.

    Answering is CPU-bound (ONNX embedder and cross-encoder, BM25, verification, and with
    `llamacpp:` a model generating on the CPU) and the target box has 2 cores, so the
    default is 2 at a time: measured with `newsqa loadtest` (20 sessions, 60 s, on a shared
    2-core box) it gave 2.6-4.3 answers/s where 1 at a time gave 1.6-2.8 (4 runs each;
    2 was faster in 3 of 4 back-to-back pairs) and 3 or 4 at a time no more (3.5, 3.2):
    with two, one answer's ONNX work overlaps the other's Python; with more, they only take
    turns on the same two cores. An in-process llama.cpp model is not thread-safe, so with
    `llamacpp:` it is always 1 (a remote `openai:`/`ollama:` server does its own queuing).
    `NEWSQA_UI_CONCURRENCY` overrides the default. It is one limit for the page and the
    /chat API because build_app gives both answer events `concurrency_id="answer"`.

    The waiting line is capped (`NEWSQA_MAX_QUEUE`) so that a burst cannot pile up work
    without bound: 64 questions wait for the extractive answerer, about 15-25 s at the
    rates above; with llama.cpp (~8 s per answer on 2 cores) 8 questions, about a minute.
    Past that, Gradio turns a question away at once ("This application is currently busy.
    Please try again." in the browser, "Queue is full" for gradio_client) rather than
    leaving people waiting for minutes.
    """
    in_process_model = settings.llm.strip().lower().partition(":")[0] == "llamacpp"
    concurrency = settings.ui_concurrency or 2
    if in_process_model and concurrency > 1:
        if settings.ui_concurrency:
            log.warning("NEWSQA_UI_CONCURRENCY=%d ignored: an in-process llama.cpp model "
                        "answers one question at a time", settings.ui_concurrency)
        concurrency = 1
    return concurrency, settings.max_queue or (8 if in_process_model else 64)


def upload_limit_bytes(settings: Settings) -> int:
    return max(1, int(settings.max_upload_mb * 1024 * 1024))


def serve(settings: Settings, *, with_samples: bool = True, block: bool = True):
    """Start the UI, with the program routes beside it on the same port (newsqa/server.py).
    A non-loopback bind without credentials stops here, before any model loads
    (newsqa/auth.py); there are no share links."""
    from newsqa.auth import launch_credentials
    from newsqa.gate import AnswerGate
    from newsqa.index.watch import FeedWatcher
    from newsqa.server import RunningServer, build_server

    credentials = launch_credentials(settings)
    assistant = NewsAssistant(settings)  # loads the language model too, if one is set
    if with_samples:
        ensure_sample_articles(assistant)
    assistant.warm_up()
    concurrency, max_queue = queue_limits(settings)
    gate = AnswerGate(concurrency, max_queue)  # the page's limit, shared with the APIs
    watcher = FeedWatcher(settings, embedder=assistant.embedder, store=assistant.store)
    app = build_app(assistant, gate, watcher)
    app.queue(default_concurrency_limit=concurrency, max_size=max_queue)
    server = RunningServer(build_server(app, assistant, settings, credentials, gate,
                                        watcher if settings.watch_feeds else None),
                           settings.host, settings.port).start()
    server.watcher = start_watching(watcher) if settings.watch_feeds else None
    print(f"Ready: open {server.local_url} in a browser (Ctrl+C stops it). Programs: "
          f"{server.local_url}docs", flush=True)
    if block:
        server.block_thread()
    return server


def start_watching(watcher):
    """Poll the followed feeds in the background, unless another watcher already does."""
    from newsqa.errors import WatcherBusyError

    def report(cycle) -> None:
        changed = cycle.new or cycle.updated or (cycle.expired and cycle.expired.articles)
        failed = any(f.status == "error" for f in cycle.feeds)
        # A cycle of 304s is not news; what was added, removed or failed is.
        (log.warning if changed or failed else log.info)("Feeds: %s", cycle.summary())

    try:
        return watcher.start(on_cycle=report)
    except WatcherBusyError as error:
        log.warning("Not polling feeds here: %s", error)
        return None
