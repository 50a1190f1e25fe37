"""The same code works against a Chroma server (`chroma run`) instead of the embedded store."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings

from conftest import SAMPLES, free_port


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not os.path.exists(chroma):
        pytest.skip("the `chroma` command is not installed")
    port = free_port()
    log = open(tmp_path / "chroma.log", "w+")
    process = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server-data"),
                                "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    started = time.monotonic()
    try:
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port,
                                    settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
                break
            except Exception:
                if process.poll() is not None or time.monotonic() - started > 60:
                    log.seek(0)
                    pytest.fail(f"chroma server did not start: {log.read()[-2000:]}")
                time.sleep(0.5)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        log.close()


def test_ingest_and_ask_through_a_chroma_server(chroma_server, tmp_path, embedder, reranker):
    settings = Settings(data_dir=tmp_path / "unused", chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = ingest([SAMPLES], settings, embedder=embedder)
    assert len(report.new) == 1 and report.passages_total > 0
    assert not (tmp_path / "unused" / "chroma").exists()
    again = ingest([SAMPLES], settings, embedder=embedder)
    assert len(again.unchanged) == 1 and again.passages_written == 0
    answer = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker).ask("What did Putin demand?")
    assert "legally binding" in answer.answer and answer.citations
