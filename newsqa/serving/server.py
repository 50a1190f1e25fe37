"""One process, one port, one login: the page, the REST API, OpenAI-compatible chat and MCP.

The page is a Gradio app; Gradio is built on FastAPI, so the program routes are FastAPI
routes in an outer app with the page mounted at "/" (`gr.mount_gradio_app`, Gradio's
documented way to sit beside other routes), all served by one uvicorn server:

    /api/ask  /api/search  /api/ingest  /api/stats  /healthz   REST (newsqa/serving/rest.py)
    /api/feeds  /api/feeds/poll                                 followed feeds (newsqa/serving/rest_feeds.py)
    /v1/chat/completions  /v1/models                            OpenAI (newsqa/serving/openai_api.py)
    /mcp                                                        MCP (newsqa/serving/mcp_tools.py)
    /docs  /openapi.json                                        the API's documentation
    /docs/assets                                                Swagger UI's script and style
    everything else                                             the page and /gradio_api

The page keeps Gradio's login form; the program routes take the same `NEWSQA_AUTH`
logins as a bearer token or HTTP Basic, and have their body limits, in `guard.py`. All
answers, the page's included, share one limit (newsqa/gate.py) of the page's size.
`serve` listens before it loads anything (newsqa/serving/starting.py): the port answers
with a loading page at once, and with the page once the models and the index are ready.
"""

import contextlib
import errno
import logging
import socket
import threading
import time
from dataclasses import dataclass

from newsqa.errors import NewsqaError
from newsqa.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """Ask questions about the indexed news articles; every answer cites its passages.

With a login configured (NEWSQA_AUTH), send `Authorization: Bearer user:password` or HTTP
Basic. The OpenAI-compatible chat is at `/v1` (model `newsqa`), the MCP server at `/mcp`."""


def build_server(blocks, assistant, settings: Settings, credentials, gate, watcher=None):
    """`credentials`: the logins (a `LoginBook`, or the parsed logins), None without any."""
    """The outer FastAPI app: program routes, their guard, and the page mounted at '/'."""
    import gradio as gr
    from fastapi import Depends, FastAPI
    from starlette.routing import Mount
    from fastapi.security import HTTPBearer

    from newsqa import __version__ as version
    from newsqa.serving.rest import api_router
    from newsqa.serving.rest_feeds import feeds_router
    from newsqa.serving.errors import install
    from newsqa.serving.guard import ProgramGuard, login_book, page_user
    from newsqa.serving.models import request_models
    from newsqa.auth import is_loopback
    from newsqa.gate import AnswerGate
    from newsqa.serving.mcp_tools import build_mcp
    from newsqa.serving.openai_api import openai_router
    from newsqa.intake import upload_limit_bytes
    from newsqa.page.layout import PAGE_CSS

    ingest_gate = AnswerGate(1, 4, name="ingest")  # the page's ingest runs one at a time too
    models = request_models(settings)
    mcp = build_mcp(assistant, gate, ingest_gate,
                    loopback_only=credentials is None and is_loopback(settings.host))
    mcp_app = mcp.streamable_http_app()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with mcp.session_manager.run():
            yield

    app = FastAPI(title="newsqa", version=version, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  lifespan=lifespan)
    install(app)
    add_offline_docs(app)
    # Documents the bearer login in /docs (its "Authorize" button); ProgramGuard enforces it.
    documented = {"dependencies": [Depends(HTTPBearer(auto_error=False))]} if credentials else {}
    app.include_router(api_router(assistant, gate, ingest_gate, models, **documented))
    app.include_router(feeds_router(settings, watcher, **documented))
    app.include_router(openai_router(assistant, gate, models, **documented))
    app.router.routes.extend(mcp_app.routes)  # /mcp
    upload_limit = upload_limit_bytes(settings)
    book = login_book(credentials)
    mounted = {}  # the page's Gradio app, once mounted below: its sessions say who is logged in
    app.add_middleware(ProgramGuard, logins=book,
                       page_user=lambda scope: page_user(mounted.get("app"), scope),
                       json_limit=settings.api_max_body_kb * 1024,
                       upload_limit=upload_limit * settings.max_ingest_files + 1024 * 1024,
                       rate_per_minute=settings.api_rate_per_minute,
                       failures_per_minute=settings.login_failures_per_minute)
    # Last: the page catches every path the routes above do not. Its login form checks
    # the same book (hashed passwords included).
    gr.mount_gradio_app(app, blocks, path="/", auth=book.check_pair if book else None,
                        max_file_size=upload_limit,
                        css=PAGE_CSS, show_error=False, server_name=settings.host,
                        server_port=settings.port)
    mounted["app"] = next(route.app for route in app.routes
                          if isinstance(route, Mount) and route.path == "")
    return app


def add_offline_docs(app) -> None:
    """/docs with Swagger UI's script, style and icon served from here, not from a CDN, so
    the page works on a machine without internet. The files come from the installed
    `fastapi-offline` package (its `static` folder), through FastAPI's documented
    `get_swagger_ui_html`; /docs/assets is under /docs, so it takes the same login."""
    from pathlib import Path

    import fastapi_offline
    from fastapi import Request
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs/assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request):
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/assets/favicon.png")


def check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise NewsqaError(f"Port {port} on {host} is already in use: stop the other "
                                  "program or pass --port (NEWSQA_PORT).") from None
            raise NewsqaError(f"Cannot listen on {host}:{port}: {error.strerror}.") from None


class RunningServer:
    """A uvicorn server on its own thread; `local_url`, `block_thread()`, `close()`."""

    def __init__(self, app, host: str, port: int):
        import uvicorn

        check_port_free(host, port)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="newsqa-server",
                                       daemon=True)
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.local_url = f"http://{shown}:{port}/"
        self.watcher = None  # the feed watcher's thread (index/watch.py), stopped with the server

    def start(self, timeout: float = 60) -> "RunningServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise NewsqaError(f"The server did not start on {self.local_url}; see the "
                                  "messages above.")
            time.sleep(0.05)
        return self

    def block_thread(self) -> None:
        try:
            while self.thread.is_alive():
                self.thread.join(0.5)
        except KeyboardInterrupt:
            print("Stopping…", flush=True)
        finally:
            self.close()

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.server.should_exit = True
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(10)


def serve(settings: Settings, *, with_samples: bool = True, block: bool = True):
    """Start the UI, with the program routes beside it on the same port (newsqa/serving/server.py).
    A non-loopback bind without credentials stops here, before any model loads
    (newsqa/auth.py); there are no share links. The port answers at once, with a loading
    page, while the models and the index load (newsqa/serving/starting.py)."""
    from newsqa.auth import launch_credentials
    from newsqa.serving.starting import StartingApp

    credentials = launch_credentials(settings)
    shell = StartingApp()
    server = RunningServer(shell, settings.host, settings.port).start()
    print(f"Starting: {server.local_url} answers now and opens the page once the models and "
          "the index are loaded…", flush=True)
    try:
        app = build_everything(settings, credentials, with_samples=with_samples)
    except BaseException as error:
        shell.failed(f"The server could not start: {error}")
        server.close()
        raise
    shell.ready(app.server)
    server.watcher = start_watching(app.watcher) if settings.watch_feeds else None
    print(f"Ready: open {server.local_url} in a browser (Ctrl+C stops it). Programs: "
          f"{server.local_url}docs", flush=True)
    if block:
        server.block_thread()
    return server


@dataclass
class BuiltApp:
    server: object  # the outer FastAPI app
    watcher: object  # the feed watcher, started by `serve` when NEWSQA_WATCH_FEEDS is on


def build_everything(settings: Settings, credentials, *, with_samples: bool) -> BuiltApp:
    """The assistant (models, index), the page and the routes, ready to serve."""
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.gate import AnswerGate, queue_limits
    from newsqa.serving.guard import login_book
    from newsqa.index.watch import FeedWatcher
    from newsqa.page.app import build_app, ensure_sample_articles

    assistant = NewsAssistant(settings)  # loads the language model too, if one is set
    if with_samples:
        ensure_sample_articles(assistant)
    assistant.warm_up()
    concurrency, max_queue = queue_limits(settings)
    gate = AnswerGate(concurrency, max_queue)  # the page's limit, shared with the APIs
    watcher = FeedWatcher(settings, embedder=assistant.embedder, store=assistant.store)
    book = login_book(credentials)  # one book: the page's roles, its login form, the routes
    app = build_app(assistant, gate, watcher, role_of=book.role_of if book else None)
    app.queue(default_concurrency_limit=concurrency, max_size=max_queue)
    server = build_server(app, assistant, settings, book, gate,
                          watcher if settings.watch_feeds else None)
    return BuiltApp(server, watcher)


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
