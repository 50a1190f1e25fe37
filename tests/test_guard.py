"""The guard in front of the program routes, on a real ASGI app: failed logins slowed per
address and per user name (the page's login form too), roles, cross-site posts refused,
and MCP clients paying one token per tool call, not per protocol request."""

import asyncio
import json

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from newsqa.auth import Login
from newsqa.serving.guard import ProgramGuard, request_login

LOGINS = [Login("rita", "pw-r", "reader"), Login("ed", "pw-e", "editor"),
          Login("ada", "pw-a", "admin")]


def _app(**guard):
    async def ok(request):
        login = request_login(request.scope)
        return JSONResponse({"user": login.user if login else None})

    async def form_login(request):  # Gradio's /login answers 400 on a wrong password
        form = await request.form()
        good = (form.get("username"), form.get("password")) == ("ed", "pw-e")
        return JSONResponse({"success": good}, status_code=200 if good else 400)

    inner = Starlette(routes=[Route("/api/stats", ok), Route("/api/ingest", ok, methods=["POST"]),
                              Route("/api/feeds", ok, methods=["POST", "DELETE", "GET"]),
                              Route("/mcp", ok, methods=["POST"]),
                              Route("/login", form_login, methods=["POST"])])
    options = {"logins": LOGINS, "json_limit": 4096, "upload_limit": 4096, **guard}
    return ProgramGuard(inner, **options)


def _run(app, calls):
    async def go():
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.request(method, path, **options) for method, path, options in calls]
    return asyncio.run(go())


def bearer(login: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {login}"}}


def test_failed_logins_are_slowed_then_even_the_right_password_waits():
    app = _app(failures_per_minute=5)
    wrong = _run(app, [("GET", "/api/stats", bearer(f"ed:guess{i}")) for i in range(8)])
    assert [r.status_code for r in wrong] == [401] * 5 + [429] * 3
    assert int(wrong[-1].headers["retry-after"]) >= 1
    assert "NEWSQA_LOGIN_FAILURES_PER_MINUTE" in wrong[-1].json()["error"]["message"]
    right = _run(app, [("GET", "/api/stats", bearer("ed:pw-e"))])[0]
    assert right.status_code == 429  # guessing is slow: no free try with the right answer


def test_failures_count_per_user_name_across_addresses_and_successes_cost_nothing():
    app = _app(failures_per_minute=5)
    good = _run(app, [("GET", "/api/stats", bearer("ada:pw-a")) for _ in range(12)])
    assert {r.status_code for r in good} == {200}  # successful logins are never slowed
    for address in range(6):  # an attacker moving between addresses, one user name
        async def one(address=address):
            transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{address}", 1))
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.get("/api/stats", **bearer(f"rita:guess{address}"))
        last = asyncio.run(one())
    assert last.status_code == 429
    assert _run(app, [("GET", "/api/stats", bearer("ed:pw-e"))])[0].status_code == 200


def test_the_page_login_form_is_slowed_the_same_way():
    app = _app(failures_per_minute=5)
    form = [("POST", "/login", {"data": {"username": "ed", "password": f"x{i}"}}) for i in range(7)]
    assert [r.status_code for r in _run(app, form)] == [400] * 5 + [429] * 2
    fresh = _app(failures_per_minute=5)
    assert _run(fresh, [("POST", "/login", {"data": {"username": "ed", "password": "pw-e"}})]
                )[0].json() == {"success": True}


def test_a_reader_may_read_but_not_add_or_follow():
    app = _app()
    reads = _run(app, [("GET", "/api/stats", bearer("rita:pw-r")), ("GET", "/api/feeds", bearer("rita:pw-r"))])
    assert [r.status_code for r in reads] == [200, 200] and reads[0].json() == {"user": "rita"}
    for method, path in [("POST", "/api/ingest"), ("POST", "/api/feeds"), ("DELETE", "/api/feeds")]:
        refused = _run(app, [(method, path, bearer("rita:pw-r"))])[0]
        assert refused.status_code == 403, (method, path)
        assert refused.json()["error"]["code"] == "role_forbidden"
        assert "editor" in refused.json()["error"]["message"]
        assert _run(app, [(method, path, bearer("ed:pw-e"))])[0].status_code == 200


def test_cross_site_posts_are_refused_and_programs_are_not_checked():
    app = _app()
    basic = {"auth": ("ed", "pw-e")}
    foreign = _run(app, [("POST", "/api/ingest", {**basic, "headers": {"Origin": "https://evil.example"}}),
                         ("POST", "/api/ingest", {**basic, "headers": {"Referer": "https://evil.example/x"}}),
                         ("POST", "/api/ingest", {**basic, "headers": {"Origin": "null"}})])
    assert [r.status_code for r in foreign] == [403] * 3
    assert foreign[0].json()["error"]["code"] == "cross_site_request"
    same = _run(app, [("POST", "/api/ingest", {**basic, "headers": {"Origin": "http://test"}}),
                      ("POST", "/api/ingest", basic),  # curl sends no Origin
                      ("POST", "/api/ingest", {"headers": {"Authorization": "Bearer ed:pw-e",
                                                           "Origin": "https://elsewhere.example"}})])
    assert [r.status_code for r in same] == [200, 200, 200]
    # without logins (a loopback server) a page elsewhere cannot post through the visitor either
    open_app = _app(logins=None)
    assert _run(open_app, [("POST", "/api/ingest", {"headers": {"Origin": "https://evil.example"}})]
                )[0].status_code == 403


def _rpc(method: str, number: int = 1) -> dict:
    return {"jsonrpc": "2.0", "id": number, "method": method, "params": {}}


def test_mcp_pays_per_tool_call_not_per_protocol_request():
    app = _app(rate_per_minute=20)  # bursts of 5
    protocol = [("POST", "/mcp", {**bearer("ed:pw-e"), "json": _rpc(m)})
                for m in ("initialize", "notifications/initialized", "tools/list")] * 4
    assert {r.status_code for r in _run(app, protocol)} == {200}
    calls = _run(app, [("POST", "/mcp", {**bearer("ed:pw-e"), "json": _rpc("tools/call", i)})
                       for i in range(6)])
    assert [r.status_code for r in calls] == [200] * 5 + [429]
    batch = _run(_app(rate_per_minute=20), [("POST", "/mcp", {**bearer("ed:pw-e"), "content": json.dumps(
        [_rpc("tools/call", i) for i in range(3)]), "headers": {"Authorization": "Bearer ed:pw-e",
                                                                "Content-Type": "application/json"}})] * 2)
    assert [r.status_code for r in batch] == [200, 429]  # a batch of 3 calls costs 3


def test_one_address_trying_many_user_names_is_slowed_too():
    app = _app(failures_per_minute=5)  # an address: four times a user name's allowance
    tries = _run(app, [("GET", "/api/stats", bearer(f"user{i}:guess")) for i in range(22)])
    assert [r.status_code for r in tries] == [401] * 20 + [429] * 2
