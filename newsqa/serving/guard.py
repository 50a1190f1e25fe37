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
(`ratelimit.py`); past that, 429 with `Retry-After`.

A pure ASGI middleware on the outer app, so it covers every program route, the mounted MCP
app included, while the page (mounted Gradio, /gradio_api/...) keeps Gradio's own checks.
"""

import base64
import binascii
import hmac
import json

from starlette.exceptions import HTTPException

from newsqa.serving.ratelimit import RateLimiter

PROTECTED = ("/api", "/v1", "/mcp", "/docs", "/openapi.json", "/healthz")
CHALLENGE = 'Bearer realm="newsqa", Basic realm="newsqa"'


def is_protected(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PROTECTED)


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


def login_matches(presented: str | None, logins: list[tuple[str, str]]) -> bool:
    """Compares against every login in constant time each (no early exit on a match)."""
    if presented is None:
        return False
    user, colon, password = presented.partition(":")
    if not colon:
        return False
    given = f"{user.strip()}:{password.strip()}".encode()
    found = False
    for known_user, known_password in logins:
        found |= hmac.compare_digest(given, f"{known_user}:{known_password}".encode())
    return found


async def _send_json(send, status: int, message: str, *, kind: str, code: str,
                     headers: list | None = None) -> None:
    body = json.dumps({"error": {"message": message, "type": kind, "param": None,
                                 "code": code}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class ProgramGuard:
    def __init__(self, app, *, logins: list[tuple[str, str]] | None, json_limit: int,
                 upload_limit: int, rate_per_minute: int = 0):
        self.app = app
        self.logins = logins or None
        self.json_limit = json_limit
        self.upload_limit = upload_limit
        self.rate = RateLimiter(rate_per_minute if self.logins else 0)

    def limit_for(self, path: str) -> int:
        return self.upload_limit if path.rstrip("/") == "/api/ingest" else self.json_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_protected(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.logins and not login_matches(presented_login(headers), self.logins):
            await _send_json(send, 401, "A login is required: send Authorization: Bearer "
                             "user:password (an NEWSQA_AUTH login; the OpenAI client's api_key) "
                             "or HTTP Basic (curl -u user:password).",
                             kind="authentication_error", code="unauthorized",
                             headers=[(b"www-authenticate", CHALLENGE.encode())])
            return
        if self.rate.enabled and scope["path"] != "/healthz":
            user = presented_login(headers).partition(":")[0].strip()
            wait = self.rate.take(user)
            if wait:
                await _send_json(send, 429, f"Too many requests for login '{user}': at most "
                                 f"{self.rate.per_minute} a minute (NEWSQA_API_RATE_PER_MINUTE); "
                                 f"retry in {self.rate.retry_after(wait)} s.",
                                 kind="rate_limit_error", code="rate_limited",
                                 headers=[(b"retry-after", self.rate.retry_after(wait).encode())])
                return
        limit = self.limit_for(scope["path"])
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
