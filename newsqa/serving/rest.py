"""The REST API: ask, search, add articles and see what is indexed, over plain JSON.

Mounted beside the page on the same port (newsqa/serving/server.py). Each route does what a
command does, with the same code: `/api/ask` returns `Answer.public_dict()`, the object
`newsqa ask --json` prints; `/api/ingest` runs `index.pipeline.ingest()` with the page's
`collect_inputs` (so uploads, pasted text and URLs are read, fetched and checked as on the
page); `/api/stats` is the page's index line as numbers. Answers and searches hold a slot
of the gate shared with the page (newsqa/gate.py); ingests take turns through their own.
Requests are validated by the models in `models.py` before anything runs.
"""

import dataclasses
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from newsqa.auth import may
from newsqa.serving.errors import ApiError
from newsqa.serving.guard import request_login
from newsqa.serving.models import Filters, RequestModels
from newsqa.assistant.chain import NewsAssistant
from newsqa.errors import FilterError
from newsqa.gate import AnswerGate
from newsqa.index.dates import to_iso_date
from newsqa.index.filters import PassageFilter
from newsqa.index.owners import OPERATOR
from newsqa.corpus_stats import LiveStats
from newsqa.intake import article_labels, collect_inputs, display_origin, uploader

INGEST_SWITCH = "NEWSQA_UI_INGEST"


def passage_filter(filters: Filters) -> PassageFilter:
    """The request's filters, checked now: a bad date is a 422 naming it, before any work."""
    for name in ("as_of", "since", "until"):
        try:
            PassageFilter.build(**{name: getattr(filters, name)})
        except FilterError:
            raise ApiError(422, f"filters.{name}: cannot read {getattr(filters, name)!r} as a "
                                "date; use YYYY-MM-DD.", param=f"filters.{name}",
                           code="bad_date") from None
    return PassageFilter.build(as_of=filters.as_of, since=filters.since, until=filters.until,
                               sources=filters.sources)


def answering_assistant(assistant: NewsAssistant, llm: str | None) -> NewsAssistant:
    """The server's assistant, or the same without its model for `llm="none"`.

    Programs cannot pick another model: loading one per request would take minutes, and a
    path or a hosted model named by a stranger is not theirs to choose.
    """
    configured = assistant.settings.llm.strip().lower()
    wanted = (llm or "").strip().lower()
    if not wanted or wanted == configured:
        return assistant
    if wanted == "none":
        return assistant.without_model()
    offered = "'none'" + (f" or '{assistant.settings.llm}'" if configured != "none" else "")
    raise ApiError(422, f"llm: this server answers with {offered}. Leave llm out for the "
                        "default; another model is chosen on the server (NEWSQA_LLM).",
                   param="llm", code="llm_not_offered")


def passage_json(rank: int, document) -> dict:
    meta = document.metadata
    scores = {"fused" if key == "score" else key.removesuffix("_score"): meta[key]
              for key in meta if key.endswith("score") and isinstance(meta[key], int | float)}
    return {"rank": rank, "chunk_id": meta.get("chunk_id"), "article_id": meta.get("article_id"),
            "title": meta.get("title"), "source": meta.get("source"), "url": meta.get("url"),
            "published": meta.get("published"), "start": meta.get("start"),
            "end": meta.get("end"),
            "score": meta.get("rerank_score", meta.get("score")), "scores": scores,
            "also_in": meta.get("also_in") or [], "text": document.page_content}


def ingest_json(report, skipped_before: list, labels: dict[str, str], upload_folder: Path) -> dict:
    """The ingest summary the page shows, as data."""
    skipped = [*skipped_before, *report.skipped]
    return {
        "summary": report.summary(),
        "new": [{"article_id": i, "label": labels.get(i)} for i in report.new],
        "updated": [{"article_id": i, "label": labels.get(i)} for i in report.updated],
        "unchanged": len(report.unchanged),
        "skipped": [{"origin": display_origin(s.origin, upload_folder), "reason": s.reason}
                    for s in skipped],
        "warnings": [display_origin(str(w), upload_folder) for w in report.warnings],
        "passages_written": report.passages_written,
        "passages_total": report.passages_total,
        "seconds": round(report.seconds, 2),
    }


def program_owner(scope) -> tuple[str, str | None]:
    """Whose uploads a program's are (`newsqa.intake.uploader`) and its role: the checked
    login (newsqa/serving/guard.py), else `program` with no role (a server without logins
    has one user, its operator)."""
    from types import SimpleNamespace

    login = request_login(scope or {})
    if login is None:
        return "program", None
    return uploader(SimpleNamespace(username=login.user)), login.role


def run_ingest(assistant: NewsAssistant, files: list[Path], text: str, urls: list[str],
               owner: str = "program", role: str | None = None) -> dict:
    """One "Add" of the page, from a program: the same inputs, checks and `ingest()`; each
    login's uploads are its own, as on the page, and so are its articles: with logins, an
    article someone else added is not replaced (index/owners.py) unless by an admin."""
    from newsqa.index.pipeline import IngestReport, ingest

    settings = assistant.settings
    upload_folder = Path(settings.data_dir) / "uploads"
    # As strings: collect_inputs reads a `.name` attribute as Gradio's temp-file path.
    found = collect_inputs([str(f) for f in files], text, "\n".join(urls), upload_folder,
                           owner=owner)
    added_by = owner if role is not None else OPERATOR
    report = (ingest(found.items, settings, embedder=assistant.embedder, store=assistant.store,
                     added_by=added_by, replace_any=may(role, "administer"))
              if found.items else IngestReport())
    labels = article_labels(assistant.store, [*report.new, *report.updated])
    return ingest_json(report, found.skipped, labels, upload_folder)


def upload_name(filename: str | None, number: int) -> str:
    """The file name to keep an upload under; 422 naming the part for a name that is not a
    plain file name a file system can hold (`..`, a path ending in a separator, too long)."""
    name = Path(filename or f"upload-{number}").name
    problem = ("is not a file name" if name in ("", ".", "..") or "\x00" in name
               else "is longer than 255 bytes" if len(name.encode("utf-8", "surrogatepass")) > 255
               else None)
    if problem:
        shown = (filename or "")[:60] + ("…" if len(filename or "") > 60 else "")
        raise ApiError(422, f"files.{number}: the file name {shown!r} {problem}; send the file "
                            "under a plain name such as article.txt.",
                       param=f"files.{number}", code="bad_file_name")
    return name


def url_list(urls: list[str], limit: int) -> list[str]:
    found = [line.strip() for value in urls or [] for line in value.splitlines() if line.strip()]
    if len(found) > limit:
        raise ApiError(422, f"urls: {len(found)} given, at most {limit} per request "
                            "(NEWSQA_MAX_INGEST_URLS); send the rest in another request.",
                       param="urls", code="too_many")
    return found


def api_router(assistant: NewsAssistant, gate: AnswerGate, ingest_gate: AnswerGate,
               models: RequestModels, **router_options) -> APIRouter:
    router = APIRouter(**router_options)
    settings = assistant.settings
    live = LiveStats(assistant.store)
    AskRequest, SearchRequest = models.AskRequest, models.SearchRequest

    @router.post("/api/ask", tags=["answers"], summary="Answer a question, with citations")
    async def ask(request: AskRequest) -> dict:
        """The object `newsqa ask --json` prints: `answer` with [n] markers, `citations`,
        `short_answer`, `abstained`, `confidence`, `timings_ms`, `generation`."""
        answerer = answering_assistant(assistant, request.llm)
        filters = passage_filter(request.filters)
        answer = await gate.run(lambda: answerer.ask(request.question, filters=filters,
                                                     history=list(request.history)))
        return answer.public_dict()

    @router.post("/api/search", tags=["answers"], summary="The passages a question finds")
    async def search(request: SearchRequest) -> dict:
        """The reranked passages an answer would be chosen from, best first, with their
        scores (`score`: the cross-encoder's, when reranking is on) and metadata."""
        filters = passage_filter(request.filters)
        documents = await gate.run(lambda: assistant.search(
            request.query, filters=filters, history=list(request.history)))
        return {"query": request.query,
                "passages": [passage_json(rank, d) for rank, d in enumerate(documents, 1)]}

    @router.get("/api/stories", tags=["stories"], summary="The biggest stories in the index")
    async def stories(since: str | None = Query(None, description="Only stories with an article on or after this date (YYYY-MM-DD)."),
                      limit: int = Query(20, ge=1, le=200, description="How many stories."),
                      min_articles: int = Query(2, ge=1, description="Leave out smaller stories.")) -> dict:
        """Stories by independent reports (syndicated copies count once), then articles:
        each with its outlets, first and last days and its articles."""
        day = to_iso_date(since) if since else None
        if since and day is None:
            raise ApiError(422, f"since: cannot read {since!r} as a date; use YYYY-MM-DD.",
                           param="since", code="bad_date")
        found = await gate.run(lambda: assistant.stories.stories(
            since=day, limit=limit, min_articles=min_articles))
        return {"stories": [story.as_dict() for story in found]}

    if settings.ui_ingest:
        @router.post("/api/ingest", tags=["articles"], summary="Add articles")
        async def add(http: Request, files: list[UploadFile] = File([], description="Article files (.txt .md .html .json .jsonl .rss .atom .xml)."),
                      text: str = Form("", description="A pasted article: title on the first line, optional Source:/Date:/URL: lines."),
                      urls: list[str] = Form([], description="Article or feed URLs (repeat the field, or one per line).")) -> dict:
            """Read, check and index articles as the page's "Add articles" does; returns what
            was added, updated, unchanged or skipped and why."""
            addresses = url_list(urls, settings.max_ingest_urls)
            if len(files) > settings.max_ingest_files:
                raise ApiError(422, f"files: {len(files)} given, at most "
                                    f"{settings.max_ingest_files} per request "
                                    "(NEWSQA_MAX_INGEST_FILES).", param="files", code="too_many")
            if not files and not text.strip() and not addresses:
                raise ApiError(422, "Nothing to add: send files, text (a pasted article) or "
                                    "urls.", param="files", code="empty")
            limit = int(settings.max_upload_mb * 1024 * 1024)
            scratch = Path(tempfile.mkdtemp(prefix="newsqa-api-upload-"))
            try:
                saved = []
                for number, upload in enumerate(files):
                    name = upload_name(upload.filename, number)
                    if (upload.size or 0) > limit:
                        raise ApiError(413, f"files.{number} ({name}) is larger than "
                                            f"{settings.max_upload_mb:g} MB (NEWSQA_MAX_UPLOAD_MB).",
                                       param=f"files.{number}", code="file_too_large")
                    target = scratch / str(number) / name
                    target.parent.mkdir()
                    with target.open("wb") as out:
                        shutil.copyfileobj(upload.file, out)
                    saved.append(target)
                owner, role = program_owner(http.scope)
                return await ingest_gate.run(
                    lambda: run_ingest(assistant, saved, text, addresses, owner, role))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    else:
        @router.post("/api/ingest", tags=["articles"], summary="Add articles (switched off here)")
        async def add_disabled() -> dict:
            """Adding articles is switched off on this server."""
            raise ApiError(403, f"Adding articles is switched off on this server "
                                f"({INGEST_SWITCH}=false). Ask its operator, or ingest with "
                                "`newsqa ingest` where the index lives.",
                           kind="permission_error", code="ingest_disabled")

    @router.get("/api/stats", tags=["articles"], summary="What the index holds")
    def stats() -> dict:
        current = live.current()
        return {**dataclasses.asdict(current), "summary": current.summary()}

    @router.get("/healthz", tags=["service"], summary="Is the server up")
    def healthz() -> dict:
        return {"status": "ok", "passages": assistant.store.count()}

    return router
