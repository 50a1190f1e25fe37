"""The program routes on a real `newsqa serve` (127.0.0.1, sample article): REST, the
OpenAI-compatible chat through the official `openai` client and LangChain's `ChatOpenAI`,
the MCP tools through the `mcp` client, the README's snippets as written, and the limits
that refuse bad or oversized requests before any work.

The login on these routes is checked in tests/test_api_security.py.
"""

import asyncio
import json
import os
import re
import subprocess
import sys

import httpx
import pytest

from newsqa.eval.bench.load import run_loadtest
from newsqa.settings import REPO_ROOT

from conftest import background_process, free_port, http_ready

TITLE = "Inside Macron's Friday call with Putin"
DEMAND = "legally binding security guarantees"
README_URL = "http://127.0.0.1:7860"
LIMITS = {"NEWSQA_MAX_QUESTION_CHARS": "300", "NEWSQA_MAX_HISTORY_TURNS": "3",
          "NEWSQA_API_MAX_BODY_KB": "16", "NEWSQA_MAX_INGEST_FILES": "2",
          "NEWSQA_MAX_UPLOAD_MB": "0.05"}
NEW_ARTICLE = """Harbour town opens a floating library
Source: Test Gazette
Date: 2022-02-03

The harbour town of Port Elmsby opened a floating library on Thursday, moored beside the old ferry pier.
The barge holds about 4,000 books and was paid for by a fishing cooperative, the mayor said.
"""
PASTED = """Mountain railway reopens after landslide
Source: Test Gazette
Date: 2022-02-04

The Kestrel Valley mountain railway reopened on Friday, eleven weeks after a landslide buried its upper tracks.
Engineers rebuilt 300 metres of line, the operator said.
"""


def server_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`newsqa serve` over the sample article, no login (loopback), with small limits."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("api-server")
    url = f"http://127.0.0.1:{port}"
    with background_process(
            [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port), "--data-dir",
             str(data_dir / "data")], data_dir / "server.log",
            lambda: http_ready(f"{url}/healthz"), what="the app", timeout=240,
            env=server_env(**LIMITS)):
        yield url


def ask(url: str, **body) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json=body, timeout=120)


# --- REST --------------------------------------------------------------------------------

def test_api_ask_is_the_ask_json_object(server):
    """The fields of `Answer.public_dict()`, which `newsqa ask --json` prints."""
    from newsqa.assistant.result import Answer

    response = ask(server, question="What did Putin demand?")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == set(Answer(question="q", answer="a", abstained=False).public_dict())
    assert DEMAND in body["answer"] and "[1]" in body["answer"] and not body["abstained"]
    assert body["citations"][0]["title"] == TITLE
    assert body["citations"][0]["source"] == "The Week"
    assert body["citations"][0]["quote"] in body["answer"]


def test_api_ask_follow_ups_filters_and_llm_choice(server):
    follow = ask(server, question="What about Macron?", history=["What did Putin demand?"]).json()
    assert follow["standalone_question"] == "What did Macron demand?"
    before = ask(server, question="What did Putin demand?", filters={"as_of": "2022-01-27"}).json()
    assert before["abstained"] and before["citations"] == []
    other = ask(server, question="What did Putin demand?",
                filters={"sources": ["Nobody's Paper"]}).json()
    assert other["abstained"]
    assert ask(server, question="What did Putin demand?", llm="none").status_code == 200
    refused = ask(server, question="What did Putin demand?", llm="openai:gpt-4o")
    assert refused.status_code == 422
    assert refused.json()["error"]["param"] == "llm"
    assert "NEWSQA_LLM" in refused.json()["error"]["message"]


def test_api_search_returns_scored_passages(server):
    response = httpx.post(f"{server}/api/search", json={"query": "What did Macron advise?"},
                          timeout=60)
    assert response.status_code == 200, response.text
    passages = response.json()["passages"]
    assert passages and passages[0]["rank"] == 1
    top = passages[0]
    assert top["title"] == TITLE and top["published"] == "2022-01-28"
    assert "sovereignty of other countries" in " ".join(p["text"] for p in passages)
    scores = [p["score"] for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert {"rerank", "fused", "dense", "keyword"} <= set(top["scores"])
    none = httpx.post(f"{server}/api/search", json={"query": "Macron",
                                                    "filters": {"until": "2021-12-31"}}).json()
    assert none["passages"] == []


def test_api_stories_lists_the_story_of_the_sample(server):
    body = httpx.get(f"{server}/api/stories", params={"min_articles": 1}, timeout=60).json()
    story = next(s for s in body["stories"] if s["title"] == TITLE)
    assert (story["articles"], story["origins"], story["sources"]) == (1, 1, ["The Week"])
    assert (story["first"], story["last"]) == ("2022-01-28", "2022-01-28")
    assert story["members"][0]["published"] == "2022-01-28"
    later = httpx.get(f"{server}/api/stories", params={"since": "2022-02-01",
                                                       "min_articles": 1}).json()
    assert all(s["title"] != TITLE for s in later["stories"])
    bad = httpx.get(f"{server}/api/stories", params={"since": "late January"})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "since"


def test_stats_health_and_docs(server):
    stats = httpx.get(f"{server}/api/stats").json()
    assert stats["sources"][0] == "The Week" and stats["articles"] >= 1
    assert "passage" in stats["summary"]
    assert httpx.get(f"{server}/healthz").json()["status"] == "ok"
    docs = httpx.get(f"{server}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = httpx.get(f"{server}/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/search", "/api/ingest", "/api/stats", "/api/stories", "/healthz",
            "/v1/chat/completions", "/v1/models"} <= set(paths)


def test_docs_page_loads_swagger_ui_from_this_server(server):
    """/docs works without internet: its script, style and icon are served here."""
    page = httpx.get(f"{server}/docs").text
    linked = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page)
    assert linked and "cdn" not in page.lower(), linked
    assert all(link.startswith("/docs/assets/") for link in linked), linked
    for link in linked:
        asset = httpx.get(f"{server}{link}")
        assert asset.status_code == 200 and len(asset.content) > 1000, link
    assert "SwaggerUIBundle" in httpx.get(f"{server}/docs/assets/swagger-ui-bundle.js").text
    assert "'/openapi.json'" in page or '"/openapi.json"' in page


def test_the_page_still_answers_beside_the_api(server):
    from gradio_client import Client

    client = Client(f"{server}/", verbose=False)
    messages = client.predict("What did Putin demand?", "", "", [], "", api_name="/chat")
    assert DEMAND in json.dumps(messages)


@pytest.mark.parametrize("body, param, words", [
    ({"question": "x" * 301}, "question", "at most 300 characters"),
    ({"question": "Why?", "history": ["a", "b", "c", "d"]}, "history", "at most 3 items"),
    ({}, "question", "question: required"),
    ({"question": "   "}, "question", "at least 1 character"),
    ({"question": "Why?", "colour": "red"}, "colour", "unknown field"),
    ({"question": "Why?", "filters": {"as_of": "last Tuesday"}}, "filters.as_of", "YYYY-MM-DD"),
    ({"question": 42}, "question", "valid string"),
])
def test_bad_requests_name_the_field(server, body, param, words):
    response = ask(server, **body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["param"] == param and words in error["message"], error


def test_malformed_json_is_a_422_that_says_so(server):
    response = httpx.post(f"{server}/api/ask", content=b'{"question": "Why?"',
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/ask", "/api/search", "/v1/chat/completions", "/mcp"])
def test_oversized_bodies_are_refused_before_work(server, path):
    big = json.dumps({"question": "x" * 20_000}).encode()
    response = httpx.post(f"{server}{path}", content=big,
                          headers={"Content-Type": "application/json",
                                   "Accept": "application/json, text/event-stream"})
    assert response.status_code == 413, response.text
    assert "16,384 bytes" in response.json()["error"]["message"]

    def chunks():  # no Content-Length: cut off while it streams in
        for _ in range(40):
            yield b"x" * 1024

    streamed = httpx.post(f"{server}{path}", content=chunks(),
                          headers={"Content-Type": "application/json",
                                   "Accept": "application/json, text/event-stream"})
    assert streamed.status_code == 413, streamed.text


def test_ingest_adds_uploads_and_pasted_text_then_answers_from_them(server):
    before = httpx.get(f"{server}/api/stats").json()["articles"]
    response = httpx.post(f"{server}/api/ingest", files=[
        ("files", ("floating-library.txt", NEW_ARTICLE.encode(), "text/plain")),
        ("files", ("notes.exe", b"MZ\x00\x01", "application/octet-stream")),
    ], data={"text": PASTED}, timeout=120)
    assert response.status_code == 200, response.text
    summary = response.json()
    labels = " ".join(a["label"] for a in summary["new"])
    assert len(summary["new"]) == 2 and "floating library" in labels and "railway" in labels
    assert [s["origin"] for s in summary["skipped"]] == ["uploaded notes.exe"]
    # URLs go through the same fetch path as the page's (and its checks): one that cannot
    # be fetched is one skipped line, and nothing else is stored
    fetched = httpx.post(f"{server}/api/ingest", data={"urls": "ftp://example.invalid/feed.xml"},
                         timeout=60).json()
    assert fetched["new"] == [] and [s["origin"] for s in fetched["skipped"]] == [
        "ftp://example.invalid/feed.xml"], fetched
    assert httpx.get(f"{server}/api/stats").json()["articles"] == before + 2
    answer = ask(server, question="Who paid for the floating library?").json()
    assert "fishing cooperative" in answer["answer"]
    assert answer["citations"][0]["title"] == "Harbour town opens a floating library"


def test_ingest_limits_refuse_before_anything_is_stored(server):
    before = httpx.get(f"{server}/api/stats").json()
    three = [("files", (f"a{i}.txt", NEW_ARTICLE.replace("Port Elmsby", f"Town {i}").encode(),
                        "text/plain")) for i in range(3)]
    too_many = httpx.post(f"{server}/api/ingest", files=three)
    assert too_many.status_code == 422 and too_many.json()["error"]["param"] == "files"
    assert "at most 2" in too_many.json()["error"]["message"]
    big = httpx.post(f"{server}/api/ingest",
                     files=[("files", ("big.txt", b"Big\n\n" + b"word " * 20_000, "text/plain"))])
    assert big.status_code == 413 and "NEWSQA_MAX_UPLOAD_MB" in big.json()["error"]["message"]
    nothing = httpx.post(f"{server}/api/ingest", data={"text": "  "})
    assert nothing.status_code == 422 and "Nothing to add" in nothing.json()["error"]["message"]
    urls = httpx.post(f"{server}/api/ingest", data={"urls": "\n".join(
        f"https://example.invalid/{i}" for i in range(21))})
    assert urls.status_code == 422 and urls.json()["error"]["param"] == "urls"
    assert httpx.get(f"{server}/api/stats").json() == before


# --- OpenAI-compatible chat -------------------------------------------------------------

def test_openai_client_chats_streamed_and_not_with_citations(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key="none")
    assert [m.id for m in client.models.list()] == ["newsqa"]
    question = [{"role": "user", "content": "What did Putin demand?"}]
    reply = client.chat.completions.create(model="newsqa", messages=question)
    content = reply.choices[0].message.content
    assert DEMAND in content and "[1]" in content
    assert "Sources:" in content and f"[1] {TITLE}" in content
    assert reply.citations[0]["title"] == TITLE  # the extra field
    assert reply.choices[0].message.citations[0]["n"] == 1
    assert reply.newsqa["abstained"] is False

    chunks = list(client.chat.completions.create(model="newsqa", messages=question, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].citations[0]["title"] == TITLE


def test_openai_follow_ups_use_the_earlier_user_messages(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key="none")
    first = client.chat.completions.create(model="newsqa", messages=[
        {"role": "user", "content": "What did Putin demand?"}]).choices[0].message.content
    follow = client.chat.completions.create(model="newsqa", messages=[
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "What did Putin demand?"},
        {"role": "assistant", "content": first},
        {"role": "user", "content": [{"type": "text", "text": "What did Macron advise?"}]},
        {"role": "assistant", "content": "…"},
        {"role": "user", "content": "Did he agree?"},
    ])
    # "he" is read against the latest earlier question, sent as typed content parts
    assert follow.newsqa["standalone_question"] == "Did Macron agree?"
    assert follow.choices[0].message.content.startswith("(Understood as: Did Macron agree?)")


def test_openai_errors_are_readable_to_the_client(server):
    import openai

    client = openai.OpenAI(base_url=f"{server}/v1", api_key="none", max_retries=0)
    with pytest.raises(openai.NotFoundError, match="this server has one, 'newsqa'"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    with pytest.raises(openai.UnprocessableEntityError, match="last message must be the user"):
        client.chat.completions.create(model="newsqa", messages=[
            {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}])
    with pytest.raises(openai.UnprocessableEntityError, match="at most 300"):
        client.chat.completions.create(model="newsqa",
                                       messages=[{"role": "user", "content": "x" * 301}])
    with pytest.raises(openai.UnprocessableEntityError, match="messages"):
        client.chat.completions.create(model="newsqa", messages=[
            {"role": "user", "content": "Hi"}] * 11)


QUESTION = [{"role": "user", "content": "What did Putin demand?"}]


def openai_client(url: str):
    import openai

    return openai.OpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0)


def chat(url: str, **body) -> httpx.Response:
    """A raw request, for values the openai client would not send as given."""
    return httpx.post(f"{url}/v1/chat/completions",
                      json={"model": "newsqa", "messages": QUESTION, **body}, timeout=120)


@pytest.mark.parametrize("options, param, words", [
    ({"n": 2}, "n", "send n: 1"),
    ({"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]},
     "tools", "tool_choice: \"none\""),
    ({"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {}}}],
      "tool_choice": "required"}, "tools", "calls no tools"),
    ({"tool_choice": "required"}, "tool_choice", "no tools to call"),
    ({"functions": [{"name": "lookup", "parameters": {}}]}, "functions", "function_call"),
    ({"response_format": {"type": "json_object"}}, "response_format", "{\"type\": \"text\"}"),
    ({"logprobs": True}, "logprobs", "logprobs: false"),
    ({"top_logprobs": 2}, "top_logprobs", "leave top_logprobs out"),
    ({"stream_options": {"include_usage": True}}, "stream_options", "\"stream\": true"),
])
def test_openai_refuses_options_it_cannot_honour(server, options, param, words):
    import openai

    with pytest.raises(openai.BadRequestError) as refused:
        openai_client(server).chat.completions.create(model="newsqa", messages=QUESTION,
                                                      **options)
    error = refused.value
    assert error.status_code == 400 and error.param == param, error.body
    assert error.type == "invalid_request_error" and error.body["param"] == param
    assert error.body["message"].startswith(f"{param}: ") and words in error.body["message"]


def test_openai_accepts_the_values_it_honours(server):
    reply = openai_client(server).chat.completions.create(
        model="newsqa", messages=QUESTION, n=1, logprobs=False, temperature=0.2, seed=7,
        response_format={"type": "text"}, tool_choice="none",
        tools=[{"type": "function", "function": {"name": "lookup", "parameters": {}}}])
    assert DEMAND in reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "stop" and len(reply.choices) == 1


def test_openai_max_tokens_cuts_the_reply_with_finish_reason_length(server):
    client = openai_client(server)
    full = client.chat.completions.create(model="newsqa", messages=QUESTION)
    cut = client.chat.completions.create(model="newsqa", messages=QUESTION, max_tokens=6)
    text = cut.choices[0].message.content
    assert cut.choices[0].finish_reason == "length"
    assert text and full.choices[0].message.content.startswith(text)
    assert len(text) < len(full.choices[0].message.content) / 4
    assert 0 < cut.usage.completion_tokens <= 6 < full.usage.completion_tokens
    newer = client.chat.completions.create(model="newsqa", messages=QUESTION,
                                           max_completion_tokens=6)
    assert newer.choices[0].message.content == text
    both = client.chat.completions.create(model="newsqa", messages=QUESTION, max_tokens=40,
                                          max_completion_tokens=6)
    assert both.choices[0].message.content == text  # the smaller limit
    roomy = client.chat.completions.create(model="newsqa", messages=QUESTION, max_tokens=4000)
    assert roomy.choices[0].finish_reason == "stop"
    assert roomy.choices[0].message.content == full.choices[0].message.content


def test_openai_max_tokens_is_honoured_when_streamed(server):
    client = openai_client(server)
    cut = client.chat.completions.create(model="newsqa", messages=QUESTION, max_tokens=6)
    chunks = list(client.chat.completions.create(model="newsqa", messages=QUESTION,
                                                 max_tokens=6, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == \
        cut.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "length"


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
@pytest.mark.parametrize("value", [0, -3, "5", 2.5])
def test_openai_token_limits_must_be_positive_integers(server, field, value):
    response = chat(server, **{field: value})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["param"] == field
    assert response.json()["error"]["message"].startswith(f"{field}: ")


def test_openai_stop_ends_the_reply_before_the_stop_text(server):
    client = openai_client(server)
    full = client.chat.completions.create(model="newsqa", messages=QUESTION)
    content = full.choices[0].message.content
    assert "Sources:" in content
    stopped = client.chat.completions.create(model="newsqa", messages=QUESTION,
                                             stop=["No such text", "Sources:"])
    assert stopped.choices[0].message.content == content[:content.index("Sources:")]
    assert stopped.choices[0].finish_reason == "stop"


def test_openai_usage_counts_prompt_and_completion_tokens(server):
    client = openai_client(server)
    short = client.chat.completions.create(model="newsqa", messages=QUESTION).usage
    assert short.prompt_tokens > 0 and short.completion_tokens > 0
    assert short.total_tokens == short.prompt_tokens + short.completion_tokens
    longer = client.chat.completions.create(model="newsqa", messages=[
        {"role": "system", "content": "Answer from the news articles, with citations."},
        *QUESTION]).usage
    assert longer.prompt_tokens > short.prompt_tokens  # every message's text is counted
    assert longer.completion_tokens == short.completion_tokens


def test_openai_include_usage_sends_a_usage_chunk_before_done(server):
    client = openai_client(server)
    usage = client.chat.completions.create(model="newsqa", messages=QUESTION).usage
    chunks = list(client.chat.completions.create(
        model="newsqa", messages=QUESTION, stream=True, stream_options={"include_usage": True}))
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (
        usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
    assert all(c.usage is None for c in chunks[:-1])
    plain = list(client.chat.completions.create(model="newsqa", messages=QUESTION, stream=True))
    assert all(c.choices and c.usage is None for c in plain)


@pytest.mark.parametrize("body, param", [
    ({"stream": "yes"}, "stream"),
    ({"stream": 1}, "stream"),
    ({"stream": True, "stream_options": {"include_usage": "yes"}}, "stream_options.include_usage"),
    ({"logprobs": "false"}, "logprobs"),
])
def test_openai_booleans_are_strict(server, body, param):
    response = chat(server, **body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["param"] == param and error["message"].startswith(f"{param}: "), error
    assert "valid boolean" in error["message"]


def test_openai_filters_are_used_and_unknown_keys_named(server):
    import openai

    client = openai_client(server)
    before = client.chat.completions.create(model="newsqa", messages=QUESTION,
                                            extra_body={"filters": {"as_of": "2022-01-27"}})
    assert before.newsqa["abstained"] and before.citations == []
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.chat.completions.create(model="newsqa", messages=QUESTION,
                                       extra_body={"filters": {"colour": "red"}})
    assert refused.value.param == "filters.colour"
    assert "unknown field" in refused.value.body["message"]
    with pytest.raises(openai.UnprocessableEntityError) as bad_date:
        client.chat.completions.create(model="newsqa", messages=QUESTION,
                                       extra_body={"filters": {"since": "last week"}})
    assert bad_date.value.param == "filters.since" and "YYYY-MM-DD" in bad_date.value.message


def test_langchain_chat_openai_invokes_and_streams(server):
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=f"{server}/v1", api_key="none", model="newsqa", max_retries=0)
    reply = chat.invoke("What did Putin demand?")
    assert DEMAND in reply.content and "[1]" in reply.content
    streamed = "".join(chunk.content for chunk in chat.stream("What did Putin demand?"))
    assert streamed == reply.content
    follow = chat.invoke([HumanMessage("What did Putin demand?"), AIMessage(reply.content),
                          HumanMessage("What did Macron advise?")])
    assert "sovereignty of other countries" in follow.content


def test_langchain_chat_openai_sees_options_honoured_or_refused(server):
    """A second real client: LangChain's ChatOpenAI gets max_tokens honoured, usage counted
    and streamed with it, and an unsupported option refused naming it."""
    import openai
    from langchain_openai import ChatOpenAI

    short = ChatOpenAI(base_url=f"{server}/v1", api_key="none", model="newsqa", max_retries=0,
                       max_tokens=6)
    reply = short.invoke("What did Putin demand?")
    assert reply.response_metadata["finish_reason"] == "length"
    usage = reply.usage_metadata
    assert usage["output_tokens"] == 6 and usage["input_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    streamed = ChatOpenAI(base_url=f"{server}/v1", api_key="none", model="newsqa",
                          max_retries=0, stream_usage=True)
    chunks = list(streamed.stream("What did Putin demand?"))
    assert sum((c.usage_metadata or {}).get("output_tokens", 0) for c in chunks) > 6
    two = ChatOpenAI(base_url=f"{server}/v1", api_key="none", model="newsqa", max_retries=0, n=2)
    with pytest.raises(openai.BadRequestError) as refused:
        two.invoke("What did Putin demand?")
    assert refused.value.param == "n"


# --- MCP -------------------------------------------------------------------------------

def mcp_calls(url: str, calls: list[tuple[str, dict]], headers: dict | None = None):
    """(tool names, results of `calls`) through the official MCP client."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def run():
        async with httpx.AsyncClient(headers=headers or {}, timeout=120) as http, \
                streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _), \
                ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            results = [await session.call_tool(name, arguments) for name, arguments in calls]
            return {t.name for t in tools.tools}, results

    return asyncio.run(run())


def test_mcp_tools_answer_with_citations(server):
    names, (answer, search, follow, bad) = mcp_calls(server, [
        ("ask_news", {"question": "What did Putin demand?"}),
        ("search_news", {"query": "What did Macron advise?", "sources": ["The Week"]}),
        ("ask_news", {"question": "What about Macron?", "history": ["What did Putin demand?"]}),
        ("ask_news", {"question": "x" * 301}),
    ])
    assert names == {"ask_news", "search_news", "add_articles", "list_stories",
                     "story_timeline"}
    assert not answer.isError
    text = answer.content[0].text
    assert DEMAND in text and "[1]" in text and f"[1] {TITLE}" in text
    assert answer.structuredContent["citations"][0]["title"] == TITLE
    assert "sovereignty of other countries" in search.content[0].text
    assert search.structuredContent["passages"][0]["title"] == TITLE
    assert follow.structuredContent["standalone_question"] == "What did Macron demand?"
    assert bad.isError and "300" in bad.content[0].text


def test_mcp_add_articles_then_ask(server):
    article = (PASTED.replace("Mountain railway", "Osprey Ridge railway")
               .replace("Kestrel Valley", "Osprey Ridge").replace("eleven", "nine"))
    _, (added, answer) = mcp_calls(server, [
        ("add_articles", {"text": article}),
        ("ask_news", {"question": "How long after the landslide did the Osprey Ridge railway reopen?"}),
    ])
    assert not added.isError and added.structuredContent["new"], added.content[0].text
    assert "nine weeks" in answer.content[0].text


def test_mcp_lists_stories_and_reads_a_timeline_by_id_or_topic(server):
    """The sample is one article; a story of four (one a wire copy) is added first."""
    from test_stories import FERRY

    added = httpx.post(f"{server}/api/ingest", files=[
        ("files", (name, FERRY[name].encode(), "text/plain"))
        for name in ("ferry-plan.txt", "ferry-budget.txt")],
        data={"text": FERRY["ferry-launch.txt"]}, timeout=120)
    assert added.status_code == 200 and len(added.json()["new"]) == 3, added.text
    wire = httpx.post(f"{server}/api/ingest", data={"text": FERRY["ferry-budget-wire.txt"]},
                      timeout=120)
    assert len(wire.json()["new"]) == 1, wire.text
    rest = httpx.get(f"{server}/api/stories", timeout=60).json()["stories"]

    _, (listed, recent, by_id, since, by_topic, nothing) = mcp_calls(server, [
        ("list_stories", {}),
        ("list_stories", {"since": "2023-03-20", "limit": 5}),
        ("story_timeline", {"story": rest[0]["id"]}),
        ("story_timeline", {"story": rest[0]["id"], "since": "2023-03-10"}),
        ("story_timeline", {"topic": "the Zanzibar ferry"}),
        ("story_timeline", {"topic": "the Mars sample return mission"}),
    ])
    assert listed.structuredContent == {"stories": rest}  # what GET /api/stories lists
    story = listed.structuredContent["stories"][0]
    assert (story["articles"], story["origins"]) == (4, 3)
    assert f"id {story['id']}" in listed.content[0].text and "4 articles, 3 independent" in \
        listed.content[0].text
    assert [s["id"] for s in recent.structuredContent["stories"]] == [story["id"]]

    assert not by_id.isError, by_id.content[0].text
    content = by_id.structuredContent
    assert content["kind"] == "timeline" and content["story"]["id"] == story["id"]
    assert content["story"]["sources"] == ["Coast Herald", "Harbour Gazette", "Island Times"]
    assert content["story"]["origins"] == 3
    assert [i["date"] for i in content["items"]] == ["2023-03-06", "2023-03-14", "2023-03-23"]
    assert sorted(content["items"][1]["sources"]) == ["Coast Herald", "Island Times"]
    text = by_id.content[0].text
    assert ("2023-03-14 — The Stone Town council approved a budget of 41 million shillings "
            "for the new Zanzibar ferry to Pemba on Tuesday. [2] — Coast Herald, Island Times"
            in text)
    assert "Sources:\n[1] Council proposes new Zanzibar ferry to Pemba — Harbour Gazette" in text
    assert since.structuredContent["kind"] == "since"
    assert [i["date"] for i in since.structuredContent["items"]] == ["2023-03-14", "2023-03-23"]

    assert by_topic.structuredContent["story"]["id"] == story["id"]
    assert [i["date"] for i in by_topic.structuredContent["items"]] == [
        "2023-03-06", "2023-03-14", "2023-03-23"]
    assert not nothing.isError and nothing.structuredContent["story"] is None
    assert "No story in the index is about" in nothing.content[0].text


@pytest.mark.parametrize("arguments, words", [
    ({}, "Give either story"),
    ({"story": "s1", "topic": "ferry"}, "not both"),
    ({"story": "s-none"}, "story: no story has the id 's-none'"),
    ({"topic": "ferry", "since": "soon"}, "since: cannot read 'soon'"),
])
def test_mcp_story_timeline_errors_name_the_argument(server, arguments, words):
    _, (result,) = mcp_calls(server, [("story_timeline", arguments)])
    assert result.isError and words in result.content[0].text, result.content[0].text


def test_mcp_list_stories_refuses_a_bad_date_or_limit(server):
    _, (date, limit) = mcp_calls(server, [("list_stories", {"since": "next week"}),
                                          ("list_stories", {"limit": 0})])
    assert date.isError and "since: cannot read 'next week'" in date.content[0].text
    assert limit.isError and "limit" in limit.content[0].text


# --- the README's snippets, as written ------------------------------------------------

def readme_block(marker: str, document: str = "README.md") -> str:
    blocks = re.findall(r"```(?:bash|python)\n(.*?)```", (REPO_ROOT / document).read_text(),
                        re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"{document} should have one code block with {marker!r}"
    return found[0]


def test_readme_curl_for_api_ask(server):
    command = readme_block("/api/ask")
    assert README_URL in command
    done = subprocess.run(["bash", "-c", command.replace(README_URL, server)],
                          capture_output=True, text=True, timeout=120, check=True)
    body = json.loads(done.stdout)
    assert DEMAND in body["answer"] and body["citations"][0]["source"] == "The Week"


@pytest.mark.parametrize("marker, document", [("from openai import OpenAI", "README.md"),
                                              ("from mcp import ClientSession", "docs/serving.md")])
def test_readme_python_snippets(server, marker, document):
    code = readme_block(marker, document)
    assert README_URL in code
    if marker.startswith("from openai"):
        assert len(code.strip().splitlines()) == 5
    done = subprocess.run([sys.executable, "-c", code.replace(README_URL, server)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert DEMAND in done.stdout and "[1]" in done.stdout and f"[1] {TITLE}" in done.stdout


# --- load: the loadtest drives the program routes ---------------------------------------

@pytest.mark.parametrize("route", ["api", "openai"])
def test_loadtest_drives_the_program_routes(server, route):
    report = run_loadtest(server + "/", sessions=2, seconds=3, route=route, log=lambda _: None)
    assert report["route"] == route and report["requests"] >= 2
    assert report["errors"] == 0, report["first_errors"]
    assert report["wrong_answers"] == 0, report["first_wrong"]
