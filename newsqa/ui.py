"""The Gradio web UI: ask (chat, sources panel, filters), add articles, see what is indexed.

A thin layer that only wires things: answers come from `NewsAssistant.stream()`; articles
go in through `index.pipeline.ingest()` in this process, with the assistant's own embedder
and store, so they can be asked about without a restart; all presentation (and all escaping
of article text) lives in `assistant/chat.py`, the counts in `corpus_stats.py`.

Next to the page, `/chat` is the API for `gradio_client`: (message, as_of, since, sources,
until) in, the assistant's chat messages (answer, then a "Sources (n)" message) out,
streamed. It keeps the contract of the `gr.ChatInterface` this page replaced, so scripts,
the load test and `newsqa bench` keep working; the page itself uses separate, undocumented
events because it also fills the sources panel.

Bound to 127.0.0.1 unless told otherwise, analytics and share links off. On first start
with an empty index it ingests the bundled sample articles so there is something to ask.
"""

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.chat import (chat_messages, escape_html, markdown_text, notice_html,
                                   sources_html)
from newsqa.assistant.result import Answer
from newsqa.corpus_stats import CorpusStats, corpus_stats, plural
from newsqa.errors import NewsqaError
from newsqa.settings import Settings

log = logging.getLogger(__name__)

EXAMPLES = [
    "What did Putin demand?",
    "What did Macron advise Putin?",
    "Did Putin agree to anything?",
    "What did Biden say about the call?",
]

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".jsonl", ".json", ".rss", ".atom", ".xml"]

PANEL_PLACEHOLDER = ("Ask a question: the passages its answer cites appear here, with the "
                     "quoted sentences highlighted.")

# Scoped to each gr.HTML by Gradio (css_template); no `${` or `{{`: it is a JS template.
PANEL_CSS = """
.nq-citation { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 6px 12px; margin: 0 0 10px; }
.nq-citation summary { cursor: pointer; font-weight: 600; }
.nq-meta, .nq-question, .nq-filters, .nq-note, .nq-url-note, .nq-also {
  color: var(--body-text-color-subdued); font-size: 0.9em; margin: 4px 0; }
.nq-passage { white-space: pre-wrap; margin: 6px 0; padding-left: 10px;
  border-left: 3px solid var(--border-color-primary); }
mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 2px; }
.nq-error { color: var(--error-text-color, #b91c1c); }
.nq-notice { padding: 6px 0; }
.nq-ingest ul { margin: 4px 0 8px 18px; }
"""


def user_questions(history: list) -> list[str]:
    """The earlier user turns of a Gradio messages history, oldest first."""
    questions = []
    for message in history or []:
        role = message.get("role") if isinstance(message, dict) else getattr(message, "role", "")
        content = (message.get("content") if isinstance(message, dict)
                   else getattr(message, "content", ""))
        if isinstance(content, list):  # Gradio 6 may send content as typed parts
            content = " ".join(part.get("text", "") for part in content
                               if isinstance(part, dict) and part.get("type") == "text")
        if role == "user" and isinstance(content, str) and content.strip():
            questions.append(content)
    return questions


# --- asking ---------------------------------------------------------------------------

@dataclass
class Reply:
    """The assistant's messages for one question as they stand (draft, answer or error)."""

    messages: list[dict]
    answer: Answer | None = None
    error: str | None = None


def filters_note(as_of: str = "", since: str = "", until: str = "", sources=()) -> str:
    parts = [f"{name} {value.strip()}" for name, value in
             (("as of", as_of), ("since", since), ("until", until)) if value and value.strip()]
    if sources:
        parts.append("sources: " + ", ".join(sources))
    return "; ".join(parts)


def answer_turns(assistant: NewsAssistant, message: str, earlier: list[str], *, as_of="",
                 since="", until="", sources=()) -> Iterator[Reply]:
    """Stream one question: a model's draft as it is written, then the checked, cited answer.

    A `NewsqaError` (a date that cannot be read, an unreachable model server) becomes a
    message that says what to do, never a traceback.
    """
    if not message or not message.strip():
        yield Reply([{"role": "assistant", "content": "Please type a question."}],
                   error="Please type a question.")
        return
    draft = ""
    try:
        for item in assistant.stream(message, as_of=as_of or None, since=since or None,
                                     until=until or None, sources=sources or (),
                                     history=earlier):
            if isinstance(item, str):
                draft += item
                yield Reply([{"role": "assistant", "content": markdown_text(draft) + " ▌"},
                            {"role": "assistant",
                             "content": "Checking each sentence against the articles…",
                             "metadata": {"title": "Sources", "status": "pending"}}])
            else:
                yield Reply(chat_messages(item), answer=item)
    except NewsqaError as error:
        yield Reply([{"role": "assistant", "content": f"⚠️ {markdown_text(str(error))}"}],
                   error=str(error))


def panel_html(reply: Reply | None, filters: str, number: int) -> str:
    """The sources panel for the chat's `number`th question, marked with its state
    (searching, drafting, answered, declined, error) so a reader or a test can tell a
    finished turn from one still being worked on."""
    if reply is None:
        state, inner = "searching", notice_html("Searching the articles…")
    elif reply.answer is not None:
        state = "declined" if reply.answer.abstained else "answered"
        inner = sources_html(reply.answer, filters=filters)
    elif reply.error:
        state, inner = "error", notice_html(f"⚠️ {reply.error}", kind="error")
    else:
        state, inner = "drafting", notice_html("Checking each sentence against the articles…")
    return f'<div class="nq-turn" data-turn="{int(number)}" data-state="{state}">{inner}</div>'


# --- adding articles ------------------------------------------------------------------

@dataclass
class IngestInputs:
    """What one click on "Add" hands to `ingest`, and what was refused before it."""

    items: list = field(default_factory=list)  # paths, URLs and pasted `Article`s
    skipped: list = field(default_factory=list)  # `Skipped` found before ingesting


def keep_uploads(paths, folder: Path) -> list[Path]:
    """Copy Gradio's temporary uploads to `folder` under their own names.

    The index records where each article came from; a stable `DATA_DIR/uploads/NAME`
    (instead of a temp path that Gradio deletes) means uploading an edited file again
    replaces the earlier version, as re-ingesting a file from the CLI does, and the
    uploaded originals stay next to the index they were added to.
    """
    kept = []
    for raw in paths or []:
        source = Path(getattr(raw, "name", raw))
        name = source.name.lstrip(".") or "upload"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        kept.append(target)
    return kept


def pasted_article(text: str):
    """An `Article` (or `Skipped`) from pasted text: title on the first line, as in a .txt."""
    from newsqa.index.load import load_text

    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return load_text(text, f"pasted: {title[:80]}")


def collect_inputs(files, pasted: str, urls: str, upload_folder: Path) -> IngestInputs:
    from newsqa.index.article import Skipped

    found = IngestInputs()
    found.items.extend(str(p) for p in keep_uploads(files, upload_folder))
    if pasted and pasted.strip():
        article = pasted_article(pasted)
        (found.skipped if isinstance(article, Skipped) else found.items).append(article)
    found.items.extend(line.strip() for line in (urls or "").splitlines() if line.strip())
    return found


def article_labels(store, article_ids: list[str], limit: int = 20) -> dict[str, str]:
    """'“Title” — Source · date' for up to `limit` stored articles (for the ingest summary)."""
    labels = {}
    for article_id in article_ids[:limit]:
        passages = store.get(store.passage_ids(article_id)[:1])
        if passages:
            p = passages[0]
            details = " · ".join(x for x in (p.source, p.published) if x)
            labels[article_id] = f"“{p.title}”" + (f" — {details}" if details else "")
    return labels


def display_origin(origin: str, upload_folder: Path) -> str:
    prefix = str(upload_folder) + "/"
    return "uploaded " + origin[len(prefix):] if origin.startswith(prefix) else origin


def ingest_summary_html(report, skipped_before: list, labels: dict[str, str],
                        upload_folder: Path) -> str:
    """Counts, then every added article, every skipped input with its reason, and warnings.

    All of it is escaped: titles, origins (file names) and reasons come from the input.
    """
    skipped = [*skipped_before, *report.skipped]
    counts = (f"{len(report.new)} new, {len(report.updated)} updated, "
              f"{len(report.unchanged)} unchanged, {len(skipped)} skipped")
    parts = [f'<p class="nq-counts"><strong>{escape_html(counts)}</strong> — '
             f"{plural(report.passages_written, 'passage')} written, "
             f"{report.passages_total:,} in the index ({report.seconds:.1f} s).</p>"]
    for heading, ids in (("New", report.new), ("Updated", report.updated)):
        if ids:
            items = "".join(f"<li>{escape_html(labels.get(i, i))}</li>" for i in ids[:20])
            more = f"<li>…and {len(ids) - 20} more</li>" if len(ids) > 20 else ""
            parts.append(f'<h4>{heading}</h4><ul class="nq-{heading.lower()}">{items}{more}</ul>')
    if skipped:
        items = "".join(f"<li><code>{escape_html(display_origin(s.origin, upload_folder))}</code>: "
                        f"{escape_html(s.reason)}</li>" for s in skipped)
        parts.append(f'<h4>Skipped</h4><ul class="nq-skipped">{items}</ul>')
    warnings = report.warnings
    if warnings:
        items = "".join(f"<li>{escape_html(display_origin(str(w), upload_folder))}</li>"
                        for w in warnings)
        parts.append(f'<h4>Warnings</h4><ul class="nq-warnings">{items}</ul>')
    return f'<div class="nq-ingest">{"".join(parts)}</div>'


def stats_html(stats: CorpusStats) -> str:
    return (f'<p class="nq-stats" data-articles="{stats.articles}" '
            f'data-passages="{stats.passages}">Index: {escape_html(stats.summary())}</p>')


# --- the page ---------------------------------------------------------------------------

def build_app(assistant: NewsAssistant):
    import gradio as gr

    from newsqa.index.pipeline import IngestReport, ingest

    settings = assistant.settings
    upload_folder = Path(settings.data_dir) / "uploads"
    cached: dict = {}

    def current_stats(force: bool = False) -> CorpusStats:
        """One scan of the store's metadata, redone only when its passage count changes."""
        count = assistant.store.count()
        if force or cached.get("count") != count:
            cached.update(count=count, stats=corpus_stats(assistant.store))
        return cached["stats"]

    def refresh(selected=None, force: bool = False):
        """Stats and the source menu's choices, as they are now (the selection is kept)."""
        stats = current_stats(force)
        return stats_html(stats), gr.Dropdown(choices=list(stats.sources), value=selected or [],
                                              allow_custom_value=True)

    # -- events: asking
    def start(message: str, history: list):
        """Show the question at once and clear the box; the answer follows in `respond`.

        The chat shows the question as escaped Markdown; `respond` gets it as typed.
        """
        message = (message or "").strip()
        if not message:
            return gr.skip(), gr.skip(), ""
        return "", [*history, {"role": "user", "content": markdown_text(message)}], message

    def respond(message: str, history: list, asked: list, as_of: str, since: str,
                until: str, sources: list[str]):
        if not message:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        note = filters_note(as_of, since, until, sources)
        number = len(user_questions(history))  # this question is the last of them
        yield history, panel_html(None, note, number), gr.skip()
        for reply in answer_turns(assistant, message, list(asked or []), as_of=as_of,
                                  since=since, until=until, sources=sources or ()):
            yield ([*history, *reply.messages], panel_html(reply, note, number),
                   [*(asked or []), message])

    def chat_api(message: str, as_of: str, since: str, sources: list[str], until: str,
                 asked: list):
        """Answer a question about the indexed articles, citing passages.

        Filters are optional: as_of / since / until dates (YYYY-MM-DD) and a list of source
        names. Returns chat messages: the answer with [n] markers, then, when it cites, a
        message whose metadata title is "Sources (n)". Earlier questions of the same client
        session are used to read follow-ups.
        """
        for reply in answer_turns(assistant, message, list(asked or []), as_of=as_of,
                                  since=since, until=until, sources=sources or ()):
            yield reply.messages, [*(asked or []), message]

    # -- events: adding articles
    def add_articles(files, pasted: str, urls: str, selected: list[str],
                     progress=gr.Progress()):
        found = collect_inputs(files, pasted, urls, upload_folder)
        if not found.items and not found.skipped:
            return (notice_html("Nothing to add: upload files, paste an article or give a URL.",
                                kind="error"), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    gr.skip())
        progress(0, desc="Reading articles…")

        def tick(done: int, total: int) -> None:
            progress((done, total) if total else 1.0, desc="Embedding and storing articles",
                     unit="articles")

        try:
            report = (ingest(found.items, settings, embedder=assistant.embedder,
                             store=assistant.store, progress=tick)
                      if found.items else IngestReport())
        except NewsqaError as error:
            return (notice_html(f"⚠️ Nothing was added: {error}", kind="error"), gr.skip(),
                    gr.skip(), gr.skip(), gr.skip(), gr.skip())
        labels = article_labels(assistant.store, [*report.new, *report.updated])
        summary = ingest_summary_html(report, found.skipped, labels, upload_folder)
        stats, dropdown = refresh(selected, force=True)
        return summary, stats, dropdown, None, "", ""

    with gr.Blocks(title="newsqa", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        gr.Markdown("# newsqa\nAsk about the indexed news articles. Every answer cites the "
                    "passages it comes from; when the articles do not say, it tells you so.")
        stats = current_stats()
        stats_box = gr.HTML(stats_html(stats), elem_id="corpus-stats", js_on_load=None)
        asked = gr.State([])
        pending = gr.State("")

        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Chat", elem_id="chat", height=480, latex_delimiters=[],
                            allow_tags=False, sanitize_html=True, buttons=["copy"],
                            feedback_options=None,
                            placeholder="Ask about the articles; try one of the examples below.")
                        question = gr.Textbox(
                            show_label=False, elem_id="question", submit_btn="Ask",
                            placeholder="Ask about the articles, e.g. What did Putin demand?",
                            autofocus=True, max_length=1000)
                        gr.Markdown("Example questions (click to ask):")
                        with gr.Row(elem_id="examples"):
                            example_buttons = [gr.Button(q, size="sm", variant="secondary",
                                                         elem_classes="nq-example")
                                               for q in EXAMPLES]
                        with gr.Accordion("Filters: dates and sources", open=False,
                                          elem_id="filters"):
                            with gr.Row():
                                as_of = gr.Textbox("", label="As of (YYYY-MM-DD)",
                                                   info="Use nothing published later",
                                                   placeholder="any date", elem_id="filter-as-of")
                                since = gr.Textbox("", label="Published since (YYYY-MM-DD)",
                                                   placeholder="any date", elem_id="filter-since")
                                until = gr.Textbox("", label="Published until (YYYY-MM-DD)",
                                                   placeholder="any date", elem_id="filter-until")
                            # Custom values: a source added since this page (or an API
                            # client's session) was loaded is still a valid filter.
                            sources = gr.Dropdown(choices=list(stats.sources), value=[],
                                                  multiselect=True, allow_custom_value=True,
                                                  label="Sources", elem_id="filter-sources",
                                                  info="Leave empty for all sources")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        panel = gr.HTML(notice_html(PANEL_PLACEHOLDER), elem_id="sources-panel",
                                        css_template=PANEL_CSS, js_on_load=None,
                                        max_height=720)

            if settings.ui_ingest:
                with gr.Tab("Add articles", id="add"):
                    gr.Markdown(
                        "Add articles to the index: upload files, paste an article, or give "
                        "article or feed URLs (one per line). Text files and pasted text: the "
                        "title on the first line, then optional `Source:`, `Date:` and `URL:` "
                        "lines, then the article.")
                    files = gr.File(label="Article files (" + " ".join(UPLOAD_TYPES) + ")",
                                    file_count="multiple",
                                    file_types=UPLOAD_TYPES, elem_id="upload-files")
                    pasted = gr.Textbox(label="Paste an article", lines=8,
                                        elem_id="paste-article",
                                        placeholder="Title\nSource: …\nDate: YYYY-MM-DD\n\nText…")
                    urls = gr.Textbox(label="Article or feed URLs (one per line)", lines=2,
                                      elem_id="article-urls", placeholder="https://…")
                    add = gr.Button("Add to the index", variant="primary",
                                    elem_id="add-articles")
                    summary = gr.HTML("", elem_id="ingest-summary", css_template=PANEL_CSS,
                                      js_on_load=None)
                    add.click(add_articles, [files, pasted, urls, sources],
                              [summary, stats_box, sources, files, pasted, urls],
                              api_visibility="undocumented", concurrency_limit=1,
                              concurrency_id="ingest", show_progress="full")

        # -- wiring: the question box, the Ask button and each example start the same chain
        answer_kwargs = dict(fn=respond,
                             inputs=[pending, chatbot, asked, as_of, since, until, sources],
                             outputs=[chatbot, panel, asked], api_visibility="undocumented",
                             concurrency_id="answer", show_progress="minimal")
        question.submit(start, [question, chatbot], [question, chatbot, pending],
                        queue=False, api_visibility="undocumented").then(**answer_kwargs)
        for button, text in zip(example_buttons, EXAMPLES):
            button.click(lambda history, text=text: start(text, history), [chatbot],
                         [question, chatbot, pending], queue=False,
                         api_visibility="undocumented").then(**answer_kwargs)
        # The chat's own clear button starts a new conversation: no follow-ups, no panel.
        chatbot.clear(lambda: ([], notice_html(PANEL_PLACEHOLDER)), None, [asked, panel],
                      queue=False, api_visibility="undocumented")

        # -- the /chat API (see the module docstring); hidden components carry its values
        api_message = gr.Textbox("", visible=False, label="message")
        api_asked = gr.State([])
        api_result = gr.JSON(visible=False, label="Response")
        api_button = gr.Button(visible=False)
        api_button.click(chat_api, [api_message, as_of, since, sources, until, api_asked],
                         [api_result, api_asked], api_name="chat", concurrency_id="answer")

        app.load(lambda selected: refresh(selected), [sources], [stats_box, sources],
                 queue=False, api_visibility="undocumented")
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
    """Start the UI. A non-loopback bind without credentials stops here, before any model
    loads (newsqa/auth.py); share links stay off whatever GRADIO_SHARE says."""
    from newsqa.auth import launch_credentials

    credentials = launch_credentials(settings)
    assistant = NewsAssistant(settings)  # loads the language model too, if one is set
    if with_samples:
        ensure_sample_articles(assistant)
    assistant.warm_up()
    app = build_app(assistant)
    concurrency, max_queue = queue_limits(settings)
    app.queue(default_concurrency_limit=concurrency, max_size=max_queue)
    app.launch(server_name=settings.host, server_port=settings.port, share=False,
               auth=credentials, max_file_size=upload_limit_bytes(settings),
               prevent_thread_lock=True, quiet=True)  # Gradio's banner suggests share links
    print(f"Ready: open {app.local_url} in a browser (Ctrl+C stops it).", flush=True)
    if block:
        app.block_thread()
    return app
