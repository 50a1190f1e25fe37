"""A shared `newsqa serve` with several logins and its passages on a Chroma server, driven
as its users and a stranger would: readers, editors and an admin. Each test is one way a
shared server was found to be untrustworthy: one user rewriting another's article by its URL
(through REST and MCP), failed logins never slowed down (programs and the page's form),
hostile file names, errors naming the wrong field, cross-site form posts, and MCP paying per
protocol request.
"""

import asyncio

import httpx
import pytest

from conftest import newsqa_server, running_chroma

# Each login pays into its own bucket (bursts of 10): no login here makes more than ten
# counted requests in the whole module, so a fast machine with no time to refill passes too.
LOGINS = {"rita": ("pw-rita-1", "reader"), "alice": ("pw-alice-2", "editor"),
          "bob": ("pw-bob-3", "editor"), "ada": ("pw-ada-4", "admin"),
          "cara": ("pw-cara-5", "editor"), "fay": ("pw-fay-6", "editor"),
          "mo": ("pw-mo-7", "reader")}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
ALICE = """Lighthouse keeper retires after forty years
Source: Coast Courier
Date: 2024-05-06
URL: https://coast.example/lighthouse

Marta Quill retired on Monday after forty years as keeper of the Fennick Point lighthouse.
The harbour board said the light will be automated in the autumn.
"""
BOB = """Lighthouse to be demolished
Source: Coast Courier
Date: 2024-05-07
URL: https://coast.example/lighthouse

The Fennick Point lighthouse will be demolished next year, a developer said on Tuesday.
"""


def login(user: str) -> dict:
    return {"Authorization": f"Bearer {user}:{LOGINS[user][0]}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Its passages on a Chroma server, as a shared deployment would keep them."""
    folder = tmp_path_factory.mktemp("shared-server")
    with running_chroma(folder) as chroma_port, newsqa_server(
            folder, NEWSQA_CHROMA_URL=f"http://127.0.0.1:{chroma_port}",
            NEWSQA_AUTH=",".join(f"{u}:{p}:{r}" for u, (p, r) in LOGINS.items()),
            NEWSQA_API_RATE_PER_MINUTE="40",  # bursts of 10
            NEWSQA_LOGIN_FAILURES_PER_MINUTE="5",
            NEWSQA_ALLOW_PRIVATE_URLS="127.0.0.1") as (url, _):  # the feed test's local site
        yield url


def post(url, path, user=None, **options):
    headers = {**(login(user) if user else {}), **options.pop("headers", {})}
    return httpx.post(f"{url}{path}", headers=headers, timeout=120, **options)


def test_another_editor_cannot_replace_an_article_by_its_url(server):
    first = post(server, "/api/ingest", "alice", data={"text": ALICE}).json()
    assert len(first["new"]) == 1
    second = post(server, "/api/ingest", "bob", data={"text": BOB}).json()
    assert len(second["new"]) == 1 and not second["updated"], second  # stored beside hers
    assert any("added by someone else" in w for w in second["warnings"])
    answer = post(server, "/api/ask", "alice",
                  json={"question": "Who retired as keeper of the Fennick Point lighthouse?"}).json()
    assert "Marta Quill" in answer["answer"]


def test_a_reader_asks_but_cannot_add(server):
    refused = post(server, "/api/ingest", "rita", data={"text": ALICE})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_forbidden"
    assert post(server, "/api/ask", "rita", json={"question": "Who retired?"}).status_code == 200
    followed = post(server, "/api/feeds", "rita", json={"url": "https://coast.example/feed"})
    assert followed.status_code == 403


def _mcp(url: str, user: str, calls: list[tuple[str, dict]]):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def go():
        async with httpx.AsyncClient(headers=login(user), timeout=120) as http, \
                streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _), \
                ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            return [await session.call_tool(name, arguments) for name, arguments in calls]
    return asyncio.run(go())


def test_mcp_pastes_are_the_logins_own_and_readers_cannot_paste(server):
    paste = "Ferry timetable changes\nSource: Coast Courier\nDate: 2024-05-08\n\n" \
            "The island ferry will sail twice a day from June, the operator said."
    mine = _mcp(server, "alice", [("add_articles", {"text": paste})])[0]
    assert mine.structuredContent["new"], mine.content[0].text
    other = paste.replace("twice a day", "once a week")
    theirs = _mcp(server, "bob", [("add_articles", {"text": other})])[0]
    assert theirs.structuredContent["new"] and not theirs.structuredContent["updated"]
    refused = _mcp(server, "rita", [("add_articles", {"text": paste})])[0]
    assert refused.isError and "reader" in refused.content[0].text
    answer = post(server, "/api/ask", "alice",
                  json={"question": "How often will the island ferry sail from June?"}).json()
    assert "twice a day" in answer["answer"]


def test_mcp_pays_one_token_per_tool_call(server):
    """40 a minute, bursts of 10: eight calls in one session (plus initialize, list and
    the notification around them) go through; each request counted would have been 429."""
    results = _mcp(server, "mo", [("search_news", {"query": "lighthouse"})] * 8)
    assert len(results) == 8 and not any(r.isError for r in results)


def test_hostile_file_names_are_a_422_naming_the_part(server):
    for name in ("..", "x" * 300 + ".txt"):
        refused = post(server, "/api/ingest", "cara",
                       files=[("files", ("ok.txt", b"Title\n\nBody text here.", "text/plain")),
                              ("files", (name, b"Title\n\nBody text.", "text/plain"))])
        assert refused.status_code == 422, refused.text[:300]
        assert refused.json()["error"]["param"] == "files.1"


def test_errors_name_the_field_at_fault(server):
    wrong_type = post(server, "/api/search", "cara", json={"query": 5})
    assert wrong_type.status_code == 422 and wrong_type.json()["error"]["param"] == "query"
    not_json = post(server, "/api/ask", "cara", content=b'{"question": "Who retired?",,}',
                    headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422 and not_json.json()["error"]["param"] == "body"
    interval = post(server, "/api/feeds", "cara",
                    json={"url": "https://coast.example/feed", "every": "often"})
    assert interval.status_code == 422 and interval.json()["error"]["param"] == "every"


def test_cross_site_form_posts_are_refused(server):
    forged = httpx.post(f"{server}/api/ingest", auth=("alice", LOGINS["alice"][0]),
                        data={"text": BOB}, headers={"Origin": "https://evil.example"}, timeout=60)
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "cross_site_request"


def test_the_docs_mcp_example_works_with_its_login_header(server):
    """docs/serving.md's MCP snippet, as written but for the address and the login."""
    import contextlib
    import io
    import re

    from newsqa.settings import REPO_ROOT

    docs = (REPO_ROOT / "docs" / "serving.md").read_text(encoding="utf-8")
    snippet = re.search(r"## MCP.*?```python\n(.*?)```", docs, re.S).group(1)
    assert "Authorization" in snippet
    code = (snippet.replace("http://127.0.0.1:7860", server)
            .replace("alice:password", f"alice:{LOGINS['alice'][0]}")
            .replace("What did Putin demand?", "Who retired as keeper of the lighthouse?"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/serving.md", "exec"), {})
    assert "Marta Quill" in printed.getvalue() and "[1]" in printed.getvalue()
    without = snippet.replace('LOGIN = {"Authorization": "Bearer alice:password"}', "LOGIN = {}")
    with pytest.raises(BaseException) as refused:
        exec(compile(without.replace("http://127.0.0.1:7860", server), "docs", "exec"), {})
    assert "401" in repr(refused.value) + str(getattr(refused.value, "exceptions", ""))


def test_nothing_about_the_index_before_the_page_login(server):
    """The login screen itself, and nothing else: `/` names no source or title of the index
    (Gradio embeds its API description there), and Gradio's own routes that answer without
    a login elsewhere want one here."""
    home = httpx.get(f"{server}/", timeout=30)
    assert home.status_code == 200
    for secret in ("Coast Courier", "Lighthouse keeper", "Kremlin", "The Week"):
        assert secret not in home.text
    for method, path in [("GET", "/gradio_api/startup-events"), ("GET", "/gradio_api/heartbeat/x1"),
                         ("POST", "/gradio_api/cancel"), ("POST", "/gradio_api/reset"),
                         ("GET", "/gradio_api/info"), ("GET", "/config")]:
        answer = httpx.request(method, f"{server}{path}", timeout=30)
        assert answer.status_code in (401, 403, 404), (path, answer.status_code, answer.text[:200])
        assert "Coast Courier" not in answer.text
    assert httpx.get(f"{server}/gradio_api/login_check", timeout=30).status_code == 401


def test_a_logged_in_page_client_still_answers(server):
    from gradio_client import Client

    client = Client(f"{server}/", auth=("alice", LOGINS["alice"][0]), verbose=False)
    reply = str(client.predict("Who retired as keeper of the lighthouse?", "", "", [], "",
                               api_name="/chat"))
    assert "Marta Quill" in reply


def test_a_page_upload_is_read_back_only_by_its_uploader(server):
    """Gradio answers an upload with its server path; another login knowing that path
    gets a 404, the uploader the file."""
    def page_client(user):
        client = httpx.Client(base_url=server, timeout=60)
        logged = client.post("/login", data={"username": user, "password": LOGINS[user][0]})
        assert logged.status_code == 200, logged.text
        return client

    alice, rita = page_client("alice"), page_client("rita")
    uploaded = alice.post("/gradio_api/upload",
                          files={"files": ("private-notes.txt", b"Alice's draft.", "text/plain")})
    assert uploaded.status_code == 200, uploaded.text
    (path,) = uploaded.json()
    assert alice.get(f"/gradio_api/file={path}").content == b"Alice's draft."
    assert rita.get(f"/gradio_api/file={path}").status_code == 404
    assert httpx.get(f"{server}/gradio_api/file={path}", timeout=30).status_code == 401


def test_an_editor_unfollows_only_its_own_feeds(server):
    from feedfixtures import entry, rss
    from localsite import Route, serve

    with serve({}) as site:
        site.routes["/feed.xml"] = Route(rss(site.base, [entry(1)]),
                                         content_type="application/rss+xml")
        feed = f"{site.base}/feed.xml"
        followed = post(server, "/api/feeds", "fay", json={"url": feed})
        assert followed.status_code == 200, followed.text
        assert followed.json()["feed"]["followed_by"] == "user-fay"

        def unfollow(user):
            return httpx.delete(f"{server}/api/feeds", params={"url": feed}, headers=login(user),
                                timeout=60)

        refused = unfollow("bob")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_yours"
        assert unfollow("ada").status_code == 200  # an admin may
        assert post(server, "/api/feeds", "fay", json={"url": feed}).status_code == 200
        assert unfollow("fay").status_code == 200  # and she may unfollow her own


# Last: it locks bob and ada out for a while.
def test_failed_logins_are_slowed_for_programs_and_the_page_form(server):
    wrong = [httpx.get(f"{server}/api/stats", timeout=30,
                       headers={"Authorization": f"Bearer bob:guess-{i}"}).status_code
             for i in range(7)]
    assert wrong == [401] * 5 + [429] * 2
    right_too_soon = httpx.get(f"{server}/api/stats", headers=login("bob"), timeout=30)
    assert right_too_soon.status_code == 429 and int(right_too_soon.headers["retry-after"]) >= 1
    # another user is unaffected (rita has made the fewest requests: no per-login 429 either)
    assert httpx.get(f"{server}/api/stats", headers=login("rita"), timeout=30).status_code == 200
    form = [httpx.post(f"{server}/login", data={"username": "ada", "password": f"x{i}"},
                       timeout=30).status_code for i in range(6)]
    assert form == [400] * 5 + [429]
