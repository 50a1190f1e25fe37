"""The program routes behind `NEWSQA_AUTH`: every route refuses a request without the login
(401), takes it as a bearer token or HTTP Basic, and the official clients (openai, mcp)
work with it. Ingest switched off (`NEWSQA_UI_INGEST=false`) is a 403 naming the setting.

One real `newsqa serve` on 127.0.0.1 with a login; no route here may answer without it.
"""

import asyncio
import subprocess

import httpx
import pytest

from conftest import newsqa_server

PASSWORD = "Pw-api-5ecret-44"
LOGIN = f"reader:{PASSWORD}"
BEARER = {"Authorization": f"Bearer {LOGIN}"}
ASK = {"question": "What did Putin demand?"}
CHAT = {"model": "newsqa", "messages": [{"role": "user", "content": "What did Putin demand?"}]}
MCP_INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "test", "version": "0"}}}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}

# (method, path, request options): every program route
ROUTES = [
    ("POST", "/api/ask", {"json": ASK}),
    ("POST", "/api/search", {"json": {"query": "Putin"}}),
    ("POST", "/api/ingest", {"data": {"text": "Title\n\nBody."}}),
    ("GET", "/api/stats", {}),
    ("GET", "/healthz", {}),
    ("GET", "/docs", {}),
    ("GET", "/openapi.json", {}),
    ("GET", "/v1/models", {}),
    ("GET", "/v1/models/newsqa", {}),
    ("POST", "/v1/chat/completions", {"json": CHAT}),
    ("POST", "/v1/chat/completions", {"json": {**CHAT, "stream": True}}),
    ("POST", "/mcp", {"json": MCP_INIT, "headers": MCP_HEADERS}),
]
IDS = [f"{method} {path}{' stream' if 'stream' in str(options) else ''}"
       for method, path, options in ROUTES]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with newsqa_server(tmp_path_factory.mktemp("api-auth-server"),
                       NEWSQA_AUTH=f"{LOGIN},other:pw2", NEWSQA_UI_INGEST="false",
                       NEWSQA_API_RATE_PER_MINUTE="600",  # bursts of 150: these tests stay under it
                       # these tests try wrong logins on every route on purpose; the limit on
                       # failed logins has its own server in tests/test_shared_server.py
                       NEWSQA_LOGIN_FAILURES_PER_MINUTE="0") as (url, log):
        yield url, log


def call(url: str, method: str, path: str, options: dict, headers: dict | None = None,
         **extra):
    merged = {**options.get("headers", {}), **(headers or {})}
    return httpx.request(method, f"{url}{path}", timeout=120, **{**options, "headers": merged},
                         **extra)


@pytest.mark.parametrize("method, path, options", ROUTES, ids=IDS)
def test_every_route_needs_the_login(server, method, path, options):
    url, _ = server
    for headers in ({}, {"Authorization": f"Bearer reader:wrong-{PASSWORD}"},
                    {"Authorization": "Bearer reader"}, {"Authorization": PASSWORD},
                    {"Authorization": f"Bearer other:{PASSWORD}"}):
        refused = call(url, method, path, options, headers)
        assert refused.status_code == 401, (headers, refused.text[:300])
        assert refused.json()["error"]["type"] == "authentication_error"
        assert "Bearer" in refused.headers["www-authenticate"]
        assert "Putin" not in refused.text
    bad_basic = call(url, method, path, options, auth=("reader", "nope"))
    assert bad_basic.status_code == 401


@pytest.mark.parametrize("method, path, options", ROUTES, ids=IDS)
def test_every_route_takes_the_login_as_bearer_or_basic(server, method, path, options):
    url, _ = server
    expected = 403 if path == "/api/ingest" else 200  # ingest is switched off here
    assert call(url, method, path, options, BEARER).status_code == expected
    assert call(url, method, path, options, auth=("reader", PASSWORD)).status_code == expected


def test_ingest_switched_off_is_403_naming_the_setting(server):
    url, _ = server
    refused = httpx.post(f"{url}/api/ingest", headers=BEARER,
                         files=[("files", ("a.txt", b"Title\n\nText.", "text/plain"))])
    assert refused.status_code == 403
    assert "NEWSQA_UI_INGEST=false" in refused.json()["error"]["message"]
    stats = httpx.get(f"{url}/api/stats", headers=BEARER).json()
    assert stats["articles"] == 1  # the sample article only: nothing was added


def test_openai_client_with_the_login_as_api_key(server):
    import openai

    url, _ = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=LOGIN, max_retries=0)
    reply = client.chat.completions.create(**CHAT)
    assert "legally binding security guarantees" in reply.choices[0].message.content
    outsider = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-guess", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="login is required"):
        outsider.chat.completions.create(**CHAT)


def test_mcp_client_with_the_login_and_without(server):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    url, _ = server

    async def tools(headers):
        async with httpx.AsyncClient(headers=headers, timeout=120) as http, \
                streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _), \
                ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            answer = await session.call_tool("ask_news", ASK)
            return {t.name for t in listed.tools}, answer.content[0].text

    names, text = asyncio.run(tools(BEARER))
    # no add_articles: ingest is off
    assert names == {"ask_news", "search_news", "list_stories", "story_timeline"}
    assert "[1]" in text and "legally binding security guarantees" in text
    with pytest.raises(BaseException) as refused:
        asyncio.run(tools({}))
    assert "401" in repr(refused.value) + str(getattr(refused.value, "exceptions", ""))


def test_curl_with_basic_login(server):
    url, _ = server
    done = subprocess.run(
        ["curl", "-s", "-u", LOGIN, f"{url}/api/ask", "-H", "Content-Type: application/json",
         "-d", '{"question": "What did Putin demand?"}'],
        capture_output=True, text=True, timeout=120, check=True)
    assert "legally binding security guarantees" in done.stdout


def test_the_page_still_asks_for_its_own_login(server):
    url, log = server
    from gradio_client import Client

    with pytest.raises(Exception):
        Client(f"{url}/", verbose=False)
    client = Client(f"{url}/", auth=("reader", PASSWORD), verbose=False)
    assert "legally binding" in str(client.predict("What did Putin demand?", "", "", [], "",
                                                   api_name="/chat"))
    assert PASSWORD not in log.read_text()
