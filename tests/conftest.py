"""Shared fixtures: real models (loaded once per session) and a fresh Chroma folder per test."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.rerank import CrossEncoder
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.eval.processes import (ServerDidNotStart, free_port, http_ready,  # noqa: F401
                                    running_process)
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


@contextlib.contextmanager
def background_process(args: list[str], log_path: Path, ready, *, what: str, timeout: float,
                       env: dict | None = None):
    """Start a server we own, wait until `ready()` is true, and always stop it (by PID group)."""
    try:
        with running_process(args, log_path, ready, what=what, timeout=timeout, env=env) as process:
            yield process
    except ServerDidNotStart as error:
        pytest.fail(str(error))
