"""Under load, the real app (Gradio queue included) answers everyone, and answers right.

`newsqa loadtest` is run for real: 20 sessions for 60 s against `newsqa serve` on
127.0.0.1, every answer checked here on its own text (not through the tool's verdict).
No latency is asserted: this 2-core box is shared; the figures are printed (pytest -s).
"""

import json
import os
import subprocess
import sys

import pytest

from newsqa.eval.bench.load import DECLINE, SAMPLE_QUESTIONS, run_loadtest

from conftest import background_process, free_port, http_ready

SOURCE_TITLE = "Inside Macron's Friday call with Putin"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    data_dir = tmp_path_factory.mktemp("loadtest-app")
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEWSQA_AUTH", "NEWSQA_UI_CONCURRENCY", "NEWSQA_MAX_QUEUE")}
    with background_process(
        [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port), "--data-dir",
         str(data_dir)], data_dir / "server.log", lambda: http_ready(url), what="the app",
        timeout=180, env=env,
    ):
        yield url


def test_twenty_sessions_for_a_minute_all_answered_and_cited(server):
    report = run_loadtest(server, sessions=20, seconds=60)
    print(f"\nloadtest 20 sessions x 60 s: p50 {report['latency_ms']['p50']} ms, "
          f"p95 {report['latency_ms']['p95']} ms, max {report['latency_ms']['max']} ms, "
          f"{report['throughput_answers_per_s']} answers/s, {report['requests']} requests")

    assert report["errors"] == 0, report["first_errors"]
    records = report["records"]
    assert len({r["session"] for r in records}) == 20  # every session got answers
    expected = dict(SAMPLE_QUESTIONS)
    assert {r["question"] for r in records} == set(expected)
    for record in records:
        text, phrase = record["answer"], expected[record["question"]]
        if phrase is None:
            assert DECLINE in text, record
        else:
            assert phrase in text and "[1]" in text and SOURCE_TITLE in text, record
    assert report["wrong_answers"] == 0
    assert report["answers"] == len(records)
    assert report["latency_ms"]["p50"] <= report["latency_ms"]["p95"] <= report["latency_ms"]["max"]


def test_a_full_queue_is_reported_readably(tmp_path):
    """The command starts its own app; with room for one waiting question, Gradio turns
    the rest away with a readable message, the tool counts them and exits 1."""
    out = tmp_path / "report.json"
    env = {**{k: v for k, v in os.environ.items() if k != "NEWSQA_AUTH"},
           "NEWSQA_UI_CONCURRENCY": "1", "NEWSQA_MAX_QUEUE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "newsqa.cli", "loadtest", "--sessions", "6", "--seconds", "8",
         "--json", "--out", str(out)], env=env, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 1, done.stderr[-3000:]
    printed = json.loads(done.stdout)
    report = json.loads(out.read_text())
    assert printed["errors"] == report["errors"] > 0
    assert "records" not in printed and len(report["records"]) == report["requests"]
    assert report["server"] == {"started_here": True, "ui_concurrency": 1, "max_queue": 1}
    assert all("Queue is full" in error for error in report["first_errors"]), report["first_errors"]
    assert report["answers"] > 0 and report["wrong_answers"] == 0


def test_programs_get_503_when_the_shared_line_is_full(tmp_path):
    """/api/ask has the page's limits: with one answering and one waiting, the other
    sessions are refused at once with a 503 that says to try again, and every answer that
    is given is right."""
    out = tmp_path / "report.json"
    env = {**{k: v for k, v in os.environ.items() if k != "NEWSQA_AUTH"},
           "NEWSQA_UI_CONCURRENCY": "1", "NEWSQA_MAX_QUEUE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "newsqa.cli", "loadtest", "--route", "api", "--sessions", "6",
         "--seconds", "6", "--json", "--out", str(out)], env=env, capture_output=True,
        text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["route"] == "api" and report["errors"] > 0
    for error in report["first_errors"]:
        assert "HTTP 503" in error and "Try again" in error, error
    assert report["answers"] > 0 and report["wrong_answers"] == 0
