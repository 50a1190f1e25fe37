"""The door in front of the program routes: the login, and a cap on request bodies.

The page has Gradio's login form; programs cannot fill in a form, so the REST, OpenAI and
MCP routes (and their /docs) take the same `NEWSQA_AUTH` logins as a bearer token,
`Authorization: Bearer user:password` (what an OpenAI client sends as its `api_key`), or as
HTTP Basic (`curl -u user:password`; a browser asks for it on /docs). Without a configured
login (loopback only, see newsqa/auth.py) the routes are open like the page. A request
without a valid login gets 401 before anything else runs.

Bodies are capped before a route reads them: a `Content-Length` over the limit is refused
at once with 413, and a body that turns out longer while it streams in is cut off with
413 too. JSON routes get `api_max_body_kb`; /api/ingest gets room for `max_ingest_files`
uploads of `max_upload_mb` each.

With logins configured, each login also gets `api_rate_per_minute` requests a minute
(`ratelimit.py`); past that, 429 with `Retry-After`. An MCP client pays for its tool calls,
not for the protocol's own requests around them (initialize, tools/list, notifications).
Failed logins are limited too, per user name (`login_failures_per_minute`) and per client
address (four times that), the page's login form included: past that, 429 until the bucket
refills, even for the right password, so guessing is slow; a login that succeeds costs nothing.

Each login has a role (newsqa/auth.py): routes that change the index or the feeds need an
editor (403 otherwise), and the login is handed to the routes in the request's scope
(`SCOPE_LOGIN`) for the finer rules (whose article, whose feed). State-changing requests
that a browser sends (an `Origin` or `Referer` header) must come from this server's own
origin: a web page elsewhere cannot make a visitor's browser post to it (cross-site
request forgery). Programs sending a bearer token are not browsers and are not checked.

A pure ASGI middleware on the outer app, so it covers every program route, the mounted MCP
app included, while the page (mounted Gradio, /gradio_api/...) keeps Gradio's own checks.
"""

import base64
import binascii
import json
from urllib.parse import parse_qs, unquote, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request

from newsqa.auth import Login, LoginBook, may
from newsqa.serving.ratelimit import RateLimiter

PROTECTED = ("/api", "/v1", "/mcp", "/docs", "/openapi.json", "/healthz")
CHALLENGE = 'Bearer realm="newsqa", Basic realm="newsqa"'
SCOPE_LOGIN = "newsqa.login"  # the checked `Login` of the request, for the routes
PAGE_LOGIN = ("/login", "/login/")  # Gradio's login form posts here
# What a reader may not do: (method, path) that change the index or the feeds.
EDITS = {("POST", "/api/ingest"), ("POST", "/api/feeds"), ("DELETE", "/api/feeds"),
         ("POST", "/api/feeds/poll")}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Gradio's own routes the login screen needs before anyone is logged in; every other
# /gradio_api route (queue, heartbeat, startup-events, cancel, reset, info, files) wants
# a logged-in page, though Gradio answers some of them without one.
PAGE_API = "/gradio_api/"
PAGE_OPEN = {"login_check", "app_id", "user", "token"}
UPLOAD_PATH = PAGE_API + "upload"
FILE_PATH = PAGE_API + "file="


class PageUploads:
    """Who uploaded which file through the page. Gradio answers an upload with the file's
    path on the server, and serves any such path to any logged-in page (`/gradio_api/file=`):
    a path one user learns from another would show them that user's upload. So each path an
    upload answers with is remembered with its uploader, and only they may read it back."""

    LIMIT = 10_000

    def __init__(self):
        self._owners: dict[str, str] = {}

    def recording(self, user: str, send):
        chunks: list[bytes] = []

        async def watched(message):
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._remember(user, b"".join(chunks))
            await send(message)
        return watched

    def _remember(self, user: str, body: bytes) -> None:
        try:
            paths = json.loads(body or b"null")
        except ValueError:
            return
        for path in paths if isinstance(paths, list) else []:
            if isinstance(path, str):
                self._owners[path] = user
        while len(self._owners) > self.LIMIT:
            self._owners.pop(next(iter(self._owners)))

    def may_read(self, user: str, path: str) -> bool:
        wanted = unquote(path[len(FILE_PATH):])
        owner = self._owners.get(wanted)
        return owner is None or owner == user


def page_user(gradio_app, scope) -> str | None:
    """The user a page's Gradio session cookie belongs to (None: not logged in). Gradio
    keeps its sessions in `App.tokens`, set by its /login under `access-token-<cookie_id>`."""
    if gradio_app is None:
        return None
    cookies = Request(scope).cookies
    token = (cookies.get(f"access-token-{gradio_app.cookie_id}")
             or cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
    return gradio_app.tokens.get(token) if token else None


def needs_page_login(path: str) -> bool:
    if not path.startswith(PAGE_API):
        return False
    name = path[len(PAGE_API):].strip("/").split("/", 1)[0]
    return name not in PAGE_OPEN


def is_protected(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PROTECTED)


def request_login(scope) -> Login | None:
    """The checked login of a request (None on a server without logins)."""
    return scope.get(SCOPE_LOGIN)


class _TooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit. An HTTPException, so
    FastAPI's body parser passes it on as a 413 instead of turning it into a 400."""

    def __init__(self, limit: int):
        super().__init__(413, f"The request body is larger than this route accepts "
                              f"({limit:,} bytes).")


def presented_login(headers: dict[bytes, bytes]) -> str | None:
    """'user:password' from a Bearer or Basic Authorization header, else None."""
    raw = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, value = raw.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            return base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def login_book(logins) -> LoginBook | None:
    """A `LoginBook` from logins (or (user, password) pairs); None without any."""
    if not logins:
        return None
    if isinstance(logins, LoginBook):
        return logins
    return LoginBook([login if isinstance(login, Login) else Login(*login) for login in logins])


def cross_site(headers: dict[bytes, bytes]) -> str | None:
    """The foreign origin a browser says a request comes from, else None.

    Browsers send `Origin` with every cross-site POST (and `Referer` unless told not to);
    a request whose origin's host:port is not the `Host` it was sent to was made by a page
    of another site."""
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    for name in (b"origin", b"referer"):
        value = headers.get(name, b"").decode("latin-1").strip()
        if not value:
            continue
        if value == "null":
            return value
        claimed = urlsplit(value).netloc.lower()
        return None if claimed == host else value
    return None


async def _send_json(send, status: int, message: str, *, kind: str, code: str,
                     headers: list | None = None, param: str | None = None) -> None:
    body = json.dumps({"error": {"message": message, "type": kind, "param": param,
                                 "code": code}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive, limit: int) -> tuple[bytes, list[dict], bool]:
    """The whole body (up to `limit` + 1 bytes), the messages read, and whether it ended."""
    messages, body = [], b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return body, messages, False
        body += message.get("body", b"")
        if not message.get("more_body") or len(body) > limit:
            return body, messages, not message.get("more_body")


def _replay(messages: list[dict], receive):
    pending = list(messages)

    async def replayed():
        return pending.pop(0) if pending else await receive()
    return replayed


def _tool_calls(body: bytes) -> int:
    """How many MCP tool calls a JSON-RPC body (one message or a batch) makes."""
    try:
        parsed = json.loads(body or b"null")
    except ValueError:
        return 1  # it will be refused; counting it keeps a flood of junk bounded
    batch = parsed if isinstance(parsed, list) else [parsed]
    return sum(1 for m in batch if isinstance(m, dict) and m.get("method") == "tools/call")


class ProgramGuard:
    def __init__(self, app, *, logins, json_limit: int, upload_limit: int,
                 rate_per_minute: int = 0, failures_per_minute: int = 5, page_user=None):
        self.app = app
        self.page_user = page_user  # scope -> the logged-in page user, or None
        self.uploads = PageUploads()
        self.logins = login_book(logins)
        self.json_limit = json_limit
        self.upload_limit = upload_limit
        self.rate = RateLimiter(rate_per_minute if self.logins else 0)
        self.failures = RateLimiter(failures_per_minute if self.logins else 0,
                                    burst=failures_per_minute)
        # One address may be many people (an office behind one NAT): it gets four times
        # a user name's allowance, so one person's typos do not lock out the others.
        self.address_failures = RateLimiter(4 * failures_per_minute if self.logins else 0,
                                            burst=4 * failures_per_minute)

    def limit_for(self, path: str) -> int:
        return self.upload_limit if path.rstrip("/") == "/api/ingest" else self.json_limit

    def _failures_wait(self, client: str, user: str) -> float:
        return max(self.address_failures.wait(client), self.failures.wait(user))

    def _failed(self, client: str, user: str) -> None:
        self.address_failures.take(client)
        self.failures.take(user)

    async def _too_many_failures(self, send, wait: float) -> None:
        after = self.failures.retry_after(wait)
        await _send_json(send, 429, f"Too many failed logins from this address or for this "
                         f"user: at most {self.failures.per_minute} a minute "
                         f"(NEWSQA_LOGIN_FAILURES_PER_MINUTE); retry in {after} s.",
                         kind="rate_limit_error", code="login_rate_limited",
                         headers=[(b"retry-after", after.encode())])

    async def _page_login(self, scope, receive, send) -> None:
        """Gradio's login form, with failed attempts counted like the programs' ones."""
        client = (scope.get("client") or ("?",))[0]
        body, messages, _ = await _read_body(receive, 64 * 1024)
        user = (parse_qs(body.decode("utf-8", "replace")).get("username") or [""])[0].strip()
        wait = self._failures_wait(client, user)
        if wait:
            await self._too_many_failures(send, wait)
            return

        async def watched_send(message):
            if message["type"] == "http.response.start" and message["status"] in (400, 401):
                self._failed(client, user)
            await send(message)

        await self.app(scope, _replay(messages, receive), watched_send)

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if self.failures.enabled and path in PAGE_LOGIN and scope.get("method") == "POST":
            await self._page_login(scope, receive, send)
            return
        if self.logins and self.page_user is not None and scope["type"] == "http" \
                and needs_page_login(path):
            user = self.page_user(scope)
            if user is None:
                await _send_json(send, 401, "Log in on the page first.",
                                 kind="authentication_error", code="unauthorized")
                return
            if path.rstrip("/") == UPLOAD_PATH:
                await self.app(scope, receive, self.uploads.recording(user, send))
                return
            if path.startswith(FILE_PATH) and not self.uploads.may_read(user, path):
                await _send_json(send, 404, "No such file.", kind="not_found_error",
                                 code="http_404")
                return
        if scope["type"] != "http" or not is_protected(path):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        method = scope.get("method", "GET")
        if method in UNSAFE_METHODS and not headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            foreign = cross_site(headers)
            if foreign:
                await _send_json(send, 403, f"Refused: this request was sent by a page of "
                                 f"another site ({foreign[:100]}), not by this server's page. "
                                 "Programs send Authorization: Bearer user:password.",
                                 kind="permission_error", code="cross_site_request")
                return
        if self.logins:
            presented = presented_login(headers) or ""
            user, _, password = presented.partition(":")
            user = user.strip()
            client = (scope.get("client") or ("?",))[0]
            wait = self._failures_wait(client, user)
            if wait:
                await self._too_many_failures(send, wait)
                return
            login = self.logins.check(user, password) if presented else None
            if login is None:
                if presented:
                    self._failed(client, user)
                await _send_json(send, 401, "A login is required: send Authorization: Bearer "
                                 "user:password (an NEWSQA_AUTH login; the OpenAI client's api_key) "
                                 "or HTTP Basic (curl -u user:password).",
                                 kind="authentication_error", code="unauthorized",
                                 headers=[(b"www-authenticate", CHALLENGE.encode())])
                return
            scope[SCOPE_LOGIN] = login
            if (method, path.rstrip("/")) in EDITS and not may(login.role, "edit"):
                await _send_json(send, 403, f"Login '{login.user}' is a {login.role}: it may "
                                 "ask, search and read stories, but adding articles and "
                                 "following feeds needs an editor (role in NEWSQA_AUTH: "
                                 "user:password:editor).", kind="permission_error",
                                 code="role_forbidden")
                return
        limit = self.limit_for(path)
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _send_json(send, 413, f"The request body is larger than this route "
                                 f"accepts ({limit:,} bytes). Send less (fewer or smaller "
                                 "files, a shorter history).", kind="invalid_request_error",
                                 code="body_too_large")
                return
        if self.rate.enabled and path != "/healthz":
            cost = 1
            if path.rstrip("/") == "/mcp":  # tool calls pay, the protocol around them does not
                body, messages, ended = await _read_body(receive, limit)
                if not ended and len(body) > limit:
                    await _send_json(send, 413, f"The request body is larger than this route "
                                     f"accepts ({limit:,} bytes).", kind="invalid_request_error",
                                     code="body_too_large")
                    return
                receive = _replay(messages, receive)
                cost = _tool_calls(body) if method == "POST" else 0
            login = scope[SCOPE_LOGIN]
            wait = self.rate.take(login.user, cost) if cost else 0.0
            if wait:
                await _send_json(send, 429, f"Too many requests for login '{login.user}': at most "
                                 f"{self.rate.per_minute} a minute (NEWSQA_API_RATE_PER_MINUTE); "
                                 f"retry in {self.rate.retry_after(wait)} s.",
                                 kind="rate_limit_error", code="rate_limited",
                                 headers=[(b"retry-after", self.rate.retry_after(wait).encode())])
                return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge as error:
            if not started:
                await _send_json(send, 413, error.detail, kind="invalid_request_error",
                                 code="body_too_large")
