"""The Gradio chat UI: a thin layer over `NewsAssistant`.

Bound to 127.0.0.1 unless told otherwise, analytics and share links off. On first start
with an empty index it ingests the bundled sample articles so there is something to ask.
"""

import logging

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.chat import chat_messages
from newsqa.settings import Settings

log = logging.getLogger(__name__)

EXAMPLES = [
    "What did Putin demand?",
    "What did Macron advise Putin?",
    "Did Putin agree to anything?",
    "What did Biden say about the call?",
]


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


def build_app(assistant: NewsAssistant):
    import gradio as gr

    from newsqa.errors import NewsqaError

    def respond(message: str, history: list, as_of: str, since: str, sources: list[str]):
        """Streams a model's draft as it is written, then the verified, cited answer."""
        if not message or not message.strip():
            yield [gr.ChatMessage(role="assistant", content="Please type a question.")]
            return
        draft = ""
        try:
            for item in assistant.stream(message, as_of=as_of or None, since=since or None,
                                         sources=sources or (),
                                         history=user_questions(history)):
                if isinstance(item, str):
                    draft += item
                    yield [gr.ChatMessage(role="assistant", content=draft + " ▌"),
                           gr.ChatMessage(role="assistant", content="Checking each sentence "
                                          "against the articles…", metadata={
                                              "title": "Sources", "status": "pending"})]
                else:
                    yield [gr.ChatMessage(**m) for m in chat_messages(item)]
        except NewsqaError as error:
            yield [gr.ChatMessage(role="assistant", content=f"⚠️ {error}")]

    filters = [
        gr.Textbox("", label="As of (YYYY-MM-DD): use nothing published later", placeholder="any date"),
        gr.Textbox("", label="Published since (YYYY-MM-DD)", placeholder="any date"),
        gr.Dropdown(choices=assistant.store.sources(), value=[], multiselect=True, label="Sources",
                    info="Leave empty for all sources"),
    ]

    return gr.ChatInterface(
        respond,
        title="newsqa",
        description="Ask about the indexed news articles. Every answer cites the passages it "
                    "comes from; when the articles do not say, it tells you so.",
        examples=[[q, "", "", []] for q in EXAMPLES],
        additional_inputs=filters,
        additional_inputs_accordion=gr.Accordion("Filters: dates and sources", open=False),
        cache_examples=False,
        api_name="chat",
        flagging_mode="never",
        analytics_enabled=False,
        fill_height=True,
    )


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
    2-core box) it gave 2.6-4.1 answers/s where 1 at a time gave 2.3-2.8 and 3 or 4 at a
    time no more (3.2-3.5): with two, one answer's ONNX work overlaps the other's Python,
    with more they only take turns on the same two cores. An in-process llama.cpp model is
    not thread-safe, so with `llamacpp:` it is always 1 (a remote `openai:`/`ollama:`
    server does its own queuing). `NEWSQA_UI_CONCURRENCY` overrides the default.

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
               prevent_thread_lock=not block, quiet=False)
    return app
