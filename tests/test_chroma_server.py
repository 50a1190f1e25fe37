"""The same code works against a Chroma server (`chroma run`) instead of the embedded store."""

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings

from conftest import SAMPLES, free_port


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
