"""A token-checking reverse proxy in front of `chroma run`, for the tests.

`chroma run` (chromadb 1.5) has no login of its own: its server answers every request, even
with chromadb's CHROMA_SERVER_AUTHN_* settings in its environment. An authenticated
deployment checks a token before Chroma sees the request, as this proxy does: it answers
401 without the token and 403 with a wrong one (plain text, as a web server's proxy would),
and forwards the rest unchanged. newsqa's client then meets the same refusals here as in
front of a real one.
"""

import contextlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

# Hop-by-hop and length headers: the proxy's own connection sets them again.
_DROPPED = {"host", "connection", "keep-alive", "transfer-encoding", "content-length",
            "content-encoding", "upgrade", "te", "trailer", "proxy-authorization"}


@dataclass
class ProxyLog:
    """What the proxy let through and what it turned away (the tests assert on both)."""

    forwarded: int = 0
    missing: int = 0
    wrong: int = 0
    forbidden: int = 0  # right token, but a request `refuse` matched


def expected_value(token: str, header: str) -> str:
    """The header value a client must send: `Bearer TOKEN` in Authorization, else the token."""
    return f"Bearer {token}" if header.lower() == "authorization" else token


def proxy_app(upstream: str, token: str, header: str, log: ProxyLog,
              refuse: Callable[[str, str], bool]) -> Starlette:
    client = httpx.AsyncClient(base_url=upstream, timeout=60)
    expected = expected_value(token, header)

    async def forward(request: Request) -> Response:
        sent = request.headers.get(header)
        if sent is None:
            log.missing += 1
            return PlainTextResponse("Unauthorized", status_code=401)
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            log.wrong += 1
            return PlainTextResponse("Forbidden", status_code=403)
        if refuse(request.method, request.url.path):  # what this token may not do
            log.forbidden += 1
            return PlainTextResponse("Forbidden", status_code=403)
        log.forwarded += 1
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in _DROPPED and k.lower() != header.lower()}
        answer = await client.request(request.method, request.url.path,
                                      params=request.query_params, headers=headers,
                                      content=await request.body())
        return Response(answer.content, status_code=answer.status_code,
                        headers={k: v for k, v in answer.headers.items()
                                 if k.lower() not in _DROPPED})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


@contextlib.contextmanager
def running_proxy(upstream: str, token: str, port: int, *, header: str = "Authorization",
                  refuse: Callable[[str, str], bool] = lambda method, path: False,
                  ) -> Iterator[tuple[str, ProxyLog]]:
    """Serve the proxy on 127.0.0.1:`port` in a thread of this process; yields its URL and
    log, and stops it on exit. `refuse(method, path)` true: 403 even with the token."""
    log = ProxyLog()
    server = uvicorn.Server(uvicorn.Config(proxy_app(upstream, token, header, log, refuse),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test proxy on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.should_exit = True
        thread.join(timeout=10)
