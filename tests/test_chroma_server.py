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


# --- an authenticated Chroma: token, tenant, database ------------------------------------
# `chroma run` cannot require a token (tests/chroma_auth_proxy.py), so these put a
# token-checking proxy in front of it, as an authenticated deployment does.

TOKEN = "n3wsqa-t0ken_for.tests"


@pytest.fixture
def proxy(chroma_server):
    """The chroma server behind a proxy wanting `Authorization: Bearer TOKEN`: (url, log)."""
    from chroma_auth_proxy import running_proxy

    with running_proxy(f"http://127.0.0.1:{chroma_server}", TOKEN, free_port()) as running:
        yield running


def _collections(port: int) -> list[str]:
    """The collection names in the server's default database, asked past the proxy."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                 settings=ChromaSettings(anonymized_telemetry=False))
    return sorted(c.name for c in client.list_collections())


@pytest.mark.parametrize("header", ["Authorization", "X-Chroma-Token"])
def test_ingest_and_ask_with_the_right_token(chroma_server, header, tmp_path, embedder, reranker):
    from chroma_auth_proxy import running_proxy

    with running_proxy(f"http://127.0.0.1:{chroma_server}", TOKEN, free_port(),
                       header=header) as (url, log):
        settings = Settings(data_dir=tmp_path / "local", chroma_url=url, chroma_token=TOKEN,
                            chroma_token_header=header)
        assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
        report = ingest([SAMPLES], settings, embedder=embedder)
        assert len(report.new) == 1 and report.passages_total > 0
        answer = NewsAssistant(settings, embedder=embedder,
                               cross_encoder=reranker).ask("What did Putin demand?")
        assert "legally binding" in answer.answer and answer.citations
    assert log.forwarded > 0 and log.missing == log.wrong == 0  # every request had the token
    assert "newsqa" in _collections(chroma_server)  # and it reached the real server


@pytest.mark.parametrize("token, header, status", [
    (None, "Authorization", 401),                 # no token at all
    ("wrong-token", "Authorization", 403),        # a token the proxy does not accept
    (TOKEN, "X-Chroma-Token", 401),               # the right token in the wrong header
])
def test_a_missing_or_refused_token_is_one_clear_error(proxy, chroma_server, token, header,
                                                        status, tmp_path, embedder):
    from newsqa.errors import StoreAccessError

    url, log = proxy
    settings = Settings(data_dir=tmp_path / "local", chroma_url=url, chroma_token=token,
                        chroma_token_header=header)
    with pytest.raises(StoreAccessError) as caught:
        ingest([SAMPLES], settings, embedder=embedder)
    message = str(caught.value)
    assert url in message and "NEWSQA_CHROMA_TOKEN" in message and f"HTTP {status}" in message
    assert TOKEN not in message and "wrong-token" not in message
    assert log.forwarded == 0 and (log.missing if status == 401 else log.wrong) > 0
    assert _collections(chroma_server) == []  # nothing was written past the proxy


def test_databases_on_one_server_stay_apart(proxy, tmp_path, embedder, reranker):
    from newsqa.index.store import open_store

    url, _ = proxy
    folder = tmp_path / "local"  # one data folder: its keyword index must not leak either

    def settings(database: str) -> Settings:
        return Settings(data_dir=folder, chroma_url=url, chroma_token=TOKEN,
                        chroma_database=database)

    report = ingest([SAMPLES], settings("news-a"), embedder=embedder)  # created on first use
    assert len(report.new) == 1
    question = "What did Putin demand?"
    other = NewsAssistant(settings("news-b"), embedder=embedder, cross_encoder=reranker)
    assert other.store.count() == 0
    assert "(tenant default_tenant, database news-b)" in other.store.location
    seen = other.ask(question)
    assert not seen.citations and "legally binding" not in seen.answer
    again = ingest([SAMPLES], settings("news-b"), embedder=embedder)  # new there, not "unchanged"
    assert len(again.new) == 1
    assert open_store(settings("news-a"), embedder).count() == report.passages_total
    assert open_store(settings("default_database"), embedder).count() == 0


def test_a_missing_tenant_names_it_and_how_to_create_it(proxy, tmp_path, embedder):
    from newsqa.errors import StoreError

    url, _ = proxy
    settings = Settings(data_dir=tmp_path / "local", chroma_url=url, chroma_token=TOKEN,
                        chroma_tenant="no-such-tenant")
    with pytest.raises(StoreError) as caught:
        ingest([SAMPLES], settings, embedder=embedder)
    message = str(caught.value)
    assert "no tenant no-such-tenant" in message and "NEWSQA_CHROMA_TENANT" in message
    assert "create_tenant('no-such-tenant')" in message and url in message


def test_a_missing_database_the_token_may_not_create_says_how(chroma_server, tmp_path, embedder):
    from chroma_auth_proxy import running_proxy
    from newsqa.errors import StoreError

    def creating_a_database(method: str, path: str) -> bool:
        return method == "POST" and path.endswith("/databases")

    with running_proxy(f"http://127.0.0.1:{chroma_server}", TOKEN, free_port(),
                       refuse=creating_a_database) as (url, log):
        settings = Settings(data_dir=tmp_path / "local", chroma_url=url, chroma_token=TOKEN,
                            chroma_database="news-c")
        with pytest.raises(StoreError) as caught:
            ingest([SAMPLES], settings, embedder=embedder)
    message = str(caught.value)
    assert "no database news-c in tenant default_tenant" in message and log.forbidden == 1
    assert "NEWSQA_CHROMA_DATABASE" in message and "create_database('news-c'" in message
    assert TOKEN not in message


def test_a_database_name_chroma_refuses_names_the_setting(proxy, tmp_path, embedder):
    from newsqa.errors import StoreError

    url, _ = proxy
    settings = Settings(data_dir=tmp_path / "local", chroma_url=url, chroma_token=TOKEN,
                        chroma_database="ab")  # Chroma wants at least 3 characters
    with pytest.raises(StoreError, match="NEWSQA_CHROMA_DATABASE") as caught:
        ingest([SAMPLES], settings, embedder=embedder)
    assert "3 characters" in str(caught.value)


def test_a_token_that_cannot_be_a_header_is_refused_without_repeating_it(tmp_path, embedder):
    from newsqa.errors import StoreError

    url = f"http://127.0.0.1:{free_port()}"  # never reached: the token is checked first
    secret = "s3cret with a space"
    settings = Settings(data_dir=tmp_path / "local", chroma_url=url, chroma_token=secret)
    assert secret not in repr(settings)
    with pytest.raises(StoreError, match="NEWSQA_CHROMA_TOKEN") as caught:
        ingest([SAMPLES], settings, embedder=embedder)
    assert "s3cret" not in str(caught.value)


def test_token_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSQA_CHROMA_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSQA_CHROMA_TOKEN_HEADER", "X-Chroma-Token")
    monkeypatch.setenv("NEWSQA_CHROMA_DATABASE", "news-a")
    settings = Settings()
    assert settings.chroma_token.get_secret_value() == TOKEN and TOKEN not in repr(settings)
    assert (settings.chroma_token_header, settings.chroma_tenant, settings.chroma_database) == (
        "X-Chroma-Token", "default_tenant", "news-a")
    monkeypatch.setenv("NEWSQA_CHROMA_TOKEN_HEADER", "X-Api-Key")
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="chroma_token_header"):
        Settings()
