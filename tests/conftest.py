"""Shared fixtures: real models (loaded once per session) and a fresh Chroma folder per test."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.rerank import CrossEncoder
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.settings import REPO_ROOT, Settings

SAMPLES = REPO_ROOT / "samples"
SHARED_ARTICLES = REPO_ROOT.parent / "shared" / "articles"
SAMPLE_FILE = SAMPLES / "theweek-macron-putin-call.txt"


@pytest.fixture(scope="session")
def embedder() -> TextEmbedder:
    """The default embedder (all-MiniLM-L6-v2, int8 ONNX)."""
    return load_embedder(Settings().embedding_model)


@pytest.fixture(scope="session")
def reranker() -> CrossEncoder:
    return CrossEncoder(Settings().reranker_model)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def sample_assistant(tmp_path_factory, embedder, reranker) -> NewsAssistant:
    """An assistant over an index of the bundled sample article (built once)."""
    from newsqa.index.pipeline import ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("sample-index"))
    ingest([SAMPLES], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ready(url: str, timeout: float = 2) -> bool:
    """The URL answers with a success status (used to wait for servers we start)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


@contextlib.contextmanager
def background_process(args: list[str], log_path: Path, ready, *, what: str, timeout: float,
                       env: dict | None = None):
    """Start a server we own, wait until `ready()` is true, and always stop it (by PID group)."""
    with open(log_path, "w+") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, env=env)
        started = time.monotonic()
        try:
            while not ready():
                if process.poll() is not None or time.monotonic() - started > timeout:
                    log.seek(0)
                    pytest.fail(f"{what} did not start: {log.read()[-3000:]}")
                time.sleep(0.5)
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
