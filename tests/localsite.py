"""A tiny web site on 127.0.0.1 for the URL and feed tests: pages, feeds and failures.

Each route is (status, content type, body, seconds to wait first, extra headers); every
request is recorded (path and User-Agent, and all its headers) so tests can check what was
fetched, and what not. A route with an ETag or Last-Modified header answers a conditional
GET that matches it with 304, as a real feed server does; `busiest` is the most requests
that were ever being answered at once.
"""

import contextlib
import http.server
import threading
from dataclasses import dataclass, field


@dataclass
class Route:
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    headers: dict = field(default_factory=dict)
    send_length: bool = True  # False: no Content-Length, the body ends when the connection does


class LocalSite:
    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.requests: list[tuple[str, str]] = []  # (path, User-Agent)
        self.headers: list[tuple[str, dict]] = []  # (path, request headers)
        self.busiest = 0
        self._active = 0
        self._count_lock = threading.Lock()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                with site._count_lock:
                    site._active += 1
                    site.busiest = max(site.busiest, site._active)
                try:
                    self._answer()
                finally:
                    with site._count_lock:
                        site._active -= 1

            def _answer(self):
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                site.headers.append((self.path, dict(self.headers.items())))
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.delay:
                    threading.Event().wait(route.delay)
                etag = route.headers.get("ETag")
                modified = route.headers.get("Last-Modified")
                if route.status == 200 and (
                        (etag and self.headers.get("If-None-Match") == etag)
                        or (modified and not etag
                            and self.headers.get("If-Modified-Since") == modified)):
                    self.send_response(304)
                    self.send_header("ETag", etag or "")
                    self.end_headers()
                    return
                body = route.body.encode() if isinstance(route.body, str) else route.body
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value.format(base=site.base))
                if route.send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, size limit): that is the point

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def fetched(self, path: str) -> bool:
        return any(p == path for p, _ in self.requests)

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@contextlib.contextmanager
def serve(routes: dict[str, Route]):
    """Serve `routes` in a thread; always shut down at the end."""
    site = LocalSite(routes)
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()
        thread.join(timeout=5)
