"""Listen first, load second (newsqa/serving/starting.py): before the real app is handed
over, the page address shows a loading page and /healthz says "loading" (both 503 with
Retry-After), and any other request waits and is then answered by the real app."""

import asyncio
import threading
import time

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from newsqa.serving.starting import StartingApp


def real_app():
    async def ask(request):
        return JSONResponse({"answer": "from the real app"})

    async def health(request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/api/ask", ask, methods=["POST"]), Route("/healthz", health),
                             Route("/", health)])


def test_before_the_app_is_ready_the_page_says_loading_and_questions_wait():
    shell = StartingApp(wait_seconds=30)

    async def scenario():
        transport = httpx.ASGITransport(app=shell)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            page = await client.get("/")
            health = await client.get("/healthz")
            early = asyncio.ensure_future(client.post("/api/ask", json={"question": "?"}))
            await asyncio.sleep(0.3)
            assert not early.done()  # waiting, not refused
            threading.Timer(0.2, shell.ready, [real_app()]).start()
            answered = await early
            after = await client.get("/healthz")
            return page, health, answered, after

    started = time.monotonic()
    page, health, answered, after = asyncio.run(scenario())
    assert page.status_code == 503 and "Loading" in page.text and page.headers["retry-after"]
    assert 'http-equiv="refresh"' in page.text  # the browser reloads into the real page
    assert health.status_code == 503 and health.json() == {"status": "loading"}
    assert answered.status_code == 200 and answered.json() == {"answer": "from the real app"}
    assert after.json() == {"status": "ok"}
    assert time.monotonic() - started < 10


def test_a_start_that_fails_answers_waiting_requests_with_the_reason():
    shell = StartingApp(wait_seconds=30)

    async def scenario():
        transport = httpx.ASGITransport(app=shell)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            early = asyncio.ensure_future(client.post("/api/ask", json={"question": "?"}))
            await asyncio.sleep(0.2)
            shell.failed("The server could not start: the index is unreadable.")
            return await early

    refused = asyncio.run(scenario())
    assert refused.status_code == 503
    assert "index is unreadable" in refused.json()["error"]["message"]
