"""Listen first, load second: the port answers while the models and the index load.

Loading takes seconds (Gradio, the embedding and reranking models, the index, the first
warm-up), and a server that does not answer for that long looks dead to a browser and to
a health check. `StartingApp` is the ASGI app uvicorn serves from the first moment; until
the real app is handed over (`ready(app)`) it answers:

- `/` and other page addresses with a small "loading" page (503, `Retry-After`), which
  reloads itself every second, so a browser opened at once shows the real page as soon
  as it exists;
- `/healthz` with 503 `{"status": "loading"}` (a load balancer keeps waiting);
- every other request (the APIs, MCP, Gradio's own routes) by waiting for the real app,
  up to `wait_seconds`, then passing it on: a question asked early is answered late,
  not refused. After that, 503 with `Retry-After`.

Once ready, every request goes straight to the real app, whose lifespan (Gradio's queue,
the MCP session manager) is run here, since uvicorn ran the lifespan of this app before
the real one existed.
"""

import asyncio
import json
import threading

LOADING_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="1"><title>newsqa is starting</title>
<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:36em;color:#333}</style>
</head><body><h1>newsqa</h1><p role="status">Loading the models and the index&hellip;
this page opens by itself in a few seconds.</p></body></html>"""
PAGE_PATHS = ("/", "/index.html")


class StartingApp:
    def __init__(self, *, wait_seconds: float = 120):
        self.wait_seconds = wait_seconds
        self.app = None
        self._ready = threading.Event()
        self._failed: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._lifespan_task = None

    # -- handing over ------------------------------------------------------------------
    def ready(self, app) -> None:
        """Serve `app` from now on (called from the loading thread); runs its lifespan first."""
        if self._loop is None:  # no lifespan from the server (a test client): nothing to run
            self.app = app
            self._ready.set()
            return
        started = threading.Event()
        self._loop.call_soon_threadsafe(
            lambda: setattr(self, "_lifespan_task",
                            self._loop.create_task(self._run_lifespan(app, started))))
        if not started.wait(60):
            raise RuntimeError("The app's start-up (its lifespan) did not finish in 60 s.")

    def failed(self, message: str) -> None:
        """Loading failed: waiting requests are answered with `message` (503)."""
        self._failed = message
        self._ready.set()

    async def _run_lifespan(self, app, started: threading.Event) -> None:
        async with app.router.lifespan_context(app):
            self.app = app
            self._ready.set()
            started.set()
            await self._stopping.wait()

    # -- ASGI ---------------------------------------------------------------------------
    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.app is None and not self._ready.is_set():
            path = scope.get("path", "")
            if scope["type"] == "http" and path in PAGE_PATHS and scope.get("method") == "GET":
                await _respond(send, 503, LOADING_PAGE, b"text/html; charset=utf-8")
                return
            if scope["type"] == "http" and path == "/healthz":
                await _respond(send, 503, json.dumps({"status": "loading"}).encode(),
                               b"application/json")
                return
            loaded = await asyncio.get_running_loop().run_in_executor(
                None, self._ready.wait, self.wait_seconds)
            if not loaded or self.app is None:
                message = self._failed or "The server is still loading; try again shortly."
                if scope["type"] == "http":
                    await _respond(send, 503, json.dumps({"error": {
                        "message": message, "type": "server_busy", "param": None,
                        "code": "loading"}}).encode(), b"application/json")
                return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._loop = asyncio.get_running_loop()
                self._stopping = asyncio.Event()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._stopping is not None:
                    self._stopping.set()
                if self._lifespan_task is not None:
                    await self._lifespan_task
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _respond(send, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"retry-after", b"1"),
                            (b"cache-control", b"no-store"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
