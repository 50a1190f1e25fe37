"""The same code works against a Chroma server (`chroma run`) instead of the embedded store."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings

from conftest import SAMPLES, background_process, free_port


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not os.path.exists(chroma):
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
        [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
         "--port", str(port)],
        tmp_path / "chroma.log", ready, what="the chroma server", timeout=60,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    ):
        yield port


def test_ingest_and_ask_through_a_chroma_server(chroma_server, tmp_path, embedder, reranker):
    settings = Settings(data_dir=tmp_path / "local", chroma_url=f"http://127.0.0.1:{chroma_server}")
    report = ingest([SAMPLES], settings, embedder=embedder)
    assert len(report.new) == 1 and report.passages_total > 0
    assert not (tmp_path / "local" / "chroma").exists()  # the passages live on the server
    again = ingest([SAMPLES], settings, embedder=embedder)
    assert len(again.unchanged) == 1 and again.passages_written == 0
    answer = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker).ask("What did Putin demand?")
    assert "legally binding" in answer.answer and answer.citations


def test_unreachable_chroma_server_is_one_clear_error(tmp_path, embedder):
    from newsqa.errors import StoreError

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(StoreError) as caught:
        ingest([SAMPLES], Settings(data_dir=tmp_path / "local", chroma_url=url), embedder=embedder)
    message = str(caught.value)
    assert url in message and "chroma run" in message and "NEWSQA_CHROMA_URL" in message


def test_chroma_url_must_be_http():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="http://HOST:PORT"):
        Settings(chroma_url="127.0.0.1:8001")
