"""`newsqa loadtest`: many people chatting at once, against the real web app.

Why: the UI answers on a small CPU box through Gradio's queue (`newsqa.gate.queue_limits`: how many
questions are answered at once, how many may wait). What users then see — how long an
answer takes when 20 people ask at the same time, how many answers per second the box
gives, whether anyone gets an error or a wrong answer — can only be measured end to end.

How: N `gradio_client.Client` sessions (one thread each, each its own Gradio session and
conversation) ask questions about the bundled sample article in a loop for S seconds,
through the same `/chat` endpoint scripts use. Every request's latency is recorded; an
exception (including Gradio's "Queue is full") counts as an error, and an answer without
the expected cited text (or a decline where one is expected) counts as wrong. With no
`--url` the app is started here (`newsqa serve` on a free 127.0.0.1 port, fresh index
of the sample articles, NEWSQA_* settings taken from this environment) and stopped after.

`route` picks what the sessions call: `page` (the default) is the `/chat` event through
`gradio_client`; `api` is `POST /api/ask` and `openai` is `POST /v1/chat/completions`
(not streamed), each session with its own HTTP connection and the login, if any, as a
bearer token. Each HTTP request is one standalone question (no history), and its answer
is checked on the answer text plus the cited titles and quotes, as on the page.
"""

import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from newsqa.errors import NewsqaError
from newsqa.eval.metrics import percentile
from newsqa.eval.bench.processes import free_port, http_ready, running_process

# (question, text the answer must contain; None: the articles do not say, expect a decline)
SAMPLE_QUESTIONS: list[tuple[str, str | None]] = [
    ("What did Putin demand?", "legally binding security guarantees"),
    ("What did Macron advise Putin?", "the sovereignty of other countries"),
    ("Did Putin agree to anything?", "de-escalation is needed"),
    ("What did Biden say about the call?", None),
]
DECLINE = "could not find this"
CITATION = "[1]"
ROUTES = ("page", "api", "openai")
Log = Callable[[str], None]


@dataclass
class Request:
    session: int
    question: str
    started_s: float  # since the test began
    latency_s: float
    answer: str = ""
    error: str | None = None
    wrong: bool = False


def answer_text(result) -> str:
    """The text of a /chat result: a message dict, a list of them, or a string."""
    messages = result if isinstance(result, list | tuple) else [result]
    return "\n".join(str(m.get("content", "")) if isinstance(m, dict) else str(m)
                     for m in messages)


def is_wrong(expected: str | None, text: str, checked: bool) -> bool:
    if not checked:
        return False
    if expected is None:
        return DECLINE not in text
    return expected not in text or CITATION not in text


def chat_arguments(client, question: str) -> dict:
    """Keyword arguments for /chat as the app declares it now: the question, and an empty
    value for any further input without a default (the UI may gain inputs)."""
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    if "/chat" not in endpoints:
        raise NewsqaError(f"The app has no /chat endpoint (it has: {', '.join(endpoints)}); "
                          "is this a newsqa app?")
    parameters = endpoints["/chat"]["parameters"]
    names = [p["parameter_name"] for p in parameters]
    message = "message" if "message" in names else names[0]
    arguments = {message: question}
    for parameter in parameters:
        name = parameter["parameter_name"]
        if name != message and not parameter.get("parameter_has_default"):
            arguments[name] = [] if parameter.get("type", {}).get("type") == "array" else ""
    return arguments


class HttpSession:
    """One program asking over HTTP: `/api/ask` or `/v1/chat/completions`."""

    def __init__(self, url: str, route: str, auth: tuple[str, str] | None, timeout: float):
        import httpx

        headers = {"Authorization": f"Bearer {auth[0]}:{auth[1]}"} if auth else {}
        self.route = route
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def ask(self, question: str) -> str:
        if self.route == "api":
            response = self.client.post("/api/ask", json={"question": question})
        else:
            response = self.client.post("/v1/chat/completions", json={
                "model": "newsqa", "messages": [{"role": "user", "content": question}]})
        if response.status_code != 200:
            raise NewsqaError(f"HTTP {response.status_code}: {response.text[:300]}")
        body = response.json()
        if self.route == "api":
            cited = [f"{c['title']}: {c['quote']}" for c in body.get("citations") or []]
            return "\n".join([body["answer"], *cited])
        return body["choices"][0]["message"]["content"]

    def close(self) -> None:
        self.client.close()


def http_sessions(url: str, route: str, sessions: int, auth, timeout: float) -> list[HttpSession]:
    """`sessions` HTTP sessions, after one check that the route answers at all."""
    import httpx

    clients = [HttpSession(url, route, auth, timeout) for _ in range(sessions)]
    path = "/api/stats" if route == "api" else "/v1/models"
    try:
        status = clients[0].client.get(path).status_code
    except httpx.HTTPError as error:
        raise NewsqaError(f"Cannot reach {url}: {error}") from None
    if status == 401:
        raise NewsqaError(f"{url} wants a login: give --auth user:password.")
    if status != 200:
        raise NewsqaError(f"{url}{path.lstrip('/')} answered HTTP {status}; is this a newsqa "
                          "app with the program routes?")
    return clients


@contextmanager
def started_app(data_dir: Path | None = None, llm: str | None = None, timeout: float = 300,
                log: Log = print) -> Iterator[str]:
    """`newsqa serve` on a free 127.0.0.1 port in its own process group; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="newsqa-loadtest-") as scratch:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        args = [sys.executable, "-m", "newsqa.cli", "serve", "--host", "127.0.0.1",
                "--port", str(port), "--data-dir", str(data_dir or Path(scratch) / "data")]
        if llm:
            args += ["--llm", llm]
        log(f"Starting the app on {url} …")
        started = time.monotonic()
        with running_process(args, Path(scratch) / "server.log", lambda: http_ready(url),
                             what="The app", timeout=timeout):
            log(f"App ready after {time.monotonic() - started:.0f} s.")
            yield url


def run_loadtest(url: str, *, sessions: int = 20, seconds: float = 60,
                 questions: list[str] | None = None, auth: tuple[str, str] | None = None,
                 request_timeout: float = 300, route: str = "page", log: Log = print) -> dict:
    """Drive `sessions` concurrent chat sessions at `url` for `seconds`; the report dict.

    `route`: page (gradio_client's /chat), api (/api/ask) or openai (/v1/chat/completions).

    Custom `questions` are not checked for correctness (only errors count); without them
    the sample-article questions are asked and checked. A request without an answer after
    `request_timeout` seconds counts as an error.
    """
    from gradio_client import Client

    if sessions < 1 or seconds <= 0:
        raise NewsqaError("--sessions must be at least 1 and --seconds more than 0.")
    if route not in ROUTES:
        raise NewsqaError(f"--route must be one of {', '.join(ROUTES)}, not {route!r}.")
    checked = not questions
    asked = [(q, None) for q in questions] if questions else SAMPLE_QUESTIONS
    expected = dict(asked)

    def connect(_):
        return Client(url, auth=auth, verbose=False)

    log(f"Connecting {sessions} sessions to {url} ({route}) …")
    if route == "page":
        try:
            with ThreadPoolExecutor(max_workers=min(sessions, 8)) as pool:
                clients = list(pool.map(connect, range(sessions)))
        except Exception as error:  # gradio_client's own message says what is wrong
            hint = " Give --auth user:password." if "login" in str(error).lower() else ""
            raise NewsqaError(f"Cannot open a chat session at {url}: {error}{hint}") from None
        arguments = {q: chat_arguments(clients[0], q) for q, _ in asked}
    else:
        clients = http_sessions(url, route, sessions, auth, request_timeout)
    records: list[Request] = []
    lock = threading.Lock()
    cpu_before = time.process_time()  # this process: the load generator's own CPU use
    begin = time.monotonic()
    deadline = begin + seconds

    def session(number: int) -> None:
        client, turn = clients[number], number  # sessions start out of phase
        while time.monotonic() < deadline:
            question = asked[turn % len(asked)][0]
            turn += 1
            started = time.monotonic()
            record = Request(number, question, round(started - begin, 3), 0.0)
            job = client.submit(api_name="/chat", **arguments[question]) if route == "page" else None
            try:
                record.answer = (answer_text(job.result(timeout=request_timeout)) if job
                                 else client.ask(question))
                record.wrong = is_wrong(expected[question], record.answer, checked)
            except TimeoutError:
                if job:
                    job.cancel()
                record.error = f"TimeoutError: no answer within {request_timeout:g} s"
            except Exception as error:  # what a user would see: recorded, not raised
                record.error = f"{type(error).__name__}: {error}"[:500]
            record.latency_s = round(time.monotonic() - started, 4)
            with lock:
                records.append(record)
            if record.error:
                time.sleep(0.5)  # a refused client retries, but does not spin

    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(sessions)]
    for thread in threads:
        thread.start()
    next_line = begin + 10
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.2)
        if time.monotonic() >= next_line:
            next_line += 10
            with lock:
                done, failed = len(records), sum(r.error is not None for r in records)
            log(f"  {time.monotonic() - begin:3.0f} s: {done} requests, {failed} errors")
    wall = time.monotonic() - begin
    generator_cpu = time.process_time() - cpu_before
    for client in clients:
        client.close()
    report = summarize(records, url=url, sessions=sessions, seconds=seconds, wall_s=wall,
                       questions=asked, checked=checked)
    report["route"] = route
    # On a 2-core box the sessions' threads take CPU from the app they measure.
    report["load_generator_cpu_s"] = round(generator_cpu, 1)
    return report


def summarize(records: list[Request], *, url: str, sessions: int, seconds: float,
              wall_s: float, questions: list, checked: bool) -> dict:
    answered = [r for r in records if r.error is None]
    latencies = [r.latency_s * 1000 for r in answered]
    errors = [r for r in records if r.error is not None]
    wrong = [r for r in answered if r.wrong]

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    by_question = {}
    for question, _ in questions:
        mine = [r for r in records if r.question == question]
        ok = [r.latency_s * 1000 for r in mine if r.error is None]
        by_question[question] = {"requests": len(mine), "errors": len(mine) - len(ok),
                                 "wrong": sum(r.wrong for r in mine),
                                 "p50_ms": ms(percentile(ok, 50))}
    return {
        "url": url, "sessions": sessions, "seconds": seconds, "wall_s": round(wall_s, 1),
        "answers_checked": checked,
        "requests": len(records), "answers": len(answered), "errors": len(errors),
        "wrong_answers": len(wrong),
        "throughput_answers_per_s": round(len(answered) / wall_s, 2) if wall_s else None,
        "latency_ms": {"p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
                       "max": ms(max(latencies, default=None))},
        "first_errors": [r.error for r in errors[:5]],
        "first_wrong": [{"question": r.question, "answer": r.answer[:300]} for r in wrong[:5]],
        "by_question": by_question,
        "records": [asdict(r) for r in records],
    }


def write_report(report: dict, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return out
