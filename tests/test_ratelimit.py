"""Requests per minute per login on the program routes: the bucket itself, and the guard in
front of a real ASGI app (429 with Retry-After, other logins unaffected, none without logins)."""

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from newsqa.serving.guard import ProgramGuard
from newsqa.serving.ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate():
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)  # one a second, bursts of 15
    assert [limiter.take("a") for _ in range(15)] == [0.0] * 15
    wait = limiter.take("a")
    assert 0.9 < wait <= 1.0 and RateLimiter.retry_after(wait) == "1"
    assert limiter.take("b") == 0.0  # another login has its own bucket
    clock.now += 3
    assert [limiter.take("a") for _ in range(3)] == [0.0] * 3 and limiter.take("a") > 0
    assert RateLimiter(0).take("a") == 0.0 and not RateLimiter(0).enabled


def _app(**guard):
    async def ok(request):
        return JSONResponse({"ok": True})

    inner = Starlette(routes=[Route("/api/stats", ok), Route("/healthz", ok)])
    return ProgramGuard(inner, json_limit=1024, upload_limit=1024, **guard)


async def _statuses(app, login: str, n: int, path: str = "/api/stats") -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [await client.get(path, auth=tuple(login.split(":"))) for _ in range(n)]


def test_a_login_past_its_rate_gets_429_and_others_do_not():
    app = _app(logins=[("alice", "pw"), ("bob", "pw")], rate_per_minute=20)  # bursts of 5
    alice = asyncio.run(_statuses(app, "alice:pw", 7))
    assert [r.status_code for r in alice] == [200] * 5 + [429] * 2
    refused = alice[-1]
    assert int(refused.headers["retry-after"]) >= 1
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and "NEWSQA_API_RATE_PER_MINUTE" in error["message"]
    assert [r.status_code for r in asyncio.run(_statuses(app, "bob:pw", 5))] == [200] * 5
    # a load balancer's health check is not counted
    assert {r.status_code for r in asyncio.run(_statuses(app, "alice:pw", 3, "/healthz"))} == {200}


def test_no_rate_limit_without_logins():
    app = _app(logins=None, rate_per_minute=20)
    assert {r.status_code for r in asyncio.run(_statuses(app, "x:y", 12))} == {200}
