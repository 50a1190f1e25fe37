"""Hybrid retrieval, date/source filters, recency, near-duplicates and the keyword index,
on a small corpus with the real models."""

import json

import pytest

from newsqa.assistant.answer import expected_type, holds_type
from newsqa.assistant.chain import NewsAssistant
from newsqa.errors import FilterError
from newsqa.index.filters import PassageFilter
from newsqa.index.pipeline import ingest, open_keyword_index, open_store
from newsqa.settings import Settings

from conftest import SAMPLES

FERRY = ("The harbor ferry will resume service in April after dock repairs that cost 4.2 million "
         "dollars, the port authority said. Commuters welcomed the news.")
ARTICLES = [
    {"id": "ferry", "title": "Harbor ferry returns", "text": FERRY, "source": "Coastal Times",
     "published": "2024-05-01", "url": "https://coastal.example/ferry"},
    {"id": "ferry-wire", "title": "Ferry service to resume", "text": FERRY, "source": "Wire Service",
     "published": "2024-05-01", "url": "https://wire.example/ferry"},
    {"id": "budget-march", "title": "Council approves budget", "source": "City Paper",
     "published": "2024-03-01",
     "text": "The city council approved a budget of 12 million dollars on Tuesday after a long debate."},
    {"id": "budget-june", "title": "Council approves revised budget", "source": "City Paper",
     "published": "2024-06-10",
     "text": "The city council approved a revised budget of 15 million dollars on Monday after a long debate."},
    {"id": "drug", "title": "Regulators approve new cancer drug", "source": "Health Daily",
     "published": "2024-02-02",
     "text": "Regulators approved Zyxoplatin, a new cancer drug, on Friday after a trial in 400 patients."},
]


def _write(path, articles):
    path.write_text("\n".join(json.dumps(a) for a in articles) + "\n")


@pytest.fixture
def corpus(tmp_path, embedder, reranker):
    feed = tmp_path / "feed.jsonl"
    _write(feed, ARTICLES)
    settings = Settings(data_dir=tmp_path / "data")
    ingest([feed], settings, embedder=embedder)
    return feed, settings, NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


def test_as_of_date_hides_later_articles(corpus):
    _, _, assistant = corpus
    answer = assistant.ask("How big is the budget the council approved?", as_of="2024-04-01")
    assert "12 million" in answer.answer
    assert {p.article_id for p in answer.retrieved} <= {"budget-march", "drug"}
    later = assistant.ask("How big is the budget the council approved?", as_of="2024-07-01")
    assert any(p.article_id == "budget-june" for p in later.retrieved)


def test_latest_phrasing_prefers_the_recent_article(corpus):
    _, _, assistant = corpus
    answer = assistant.ask("What is the latest budget the city council approved?")
    assert answer.retrieved[0].article_id == "budget-june"
    assert "15 million" in answer.answer


def test_filters_that_match_nothing_return_nothing(corpus):
    _, _, assistant = corpus
    for filters in (PassageFilter.build(as_of="1990-01-01"), PassageFilter.build(sources=["Nobody"]),
                    PassageFilter.build(since="2030-01-01")):
        answer = assistant.ask("What did the council approve?", filters=filters)
        assert answer.retrieved == [] and answer.abstained and answer.citations == []
        assert assistant.retriever.invoke("council budget", filters=filters) == []


def test_source_and_range_filters(corpus):
    _, _, assistant = corpus
    docs = assistant.retriever.invoke("approved", filters=PassageFilter.build(sources=["city paper"]))
    assert docs and {d.metadata["source"] for d in docs} == {"City Paper"}
    docs = assistant.retriever.invoke("approved", filters=PassageFilter.build(
        since="2024-02-01", until="2024-03-31"))
    assert {d.metadata["article_id"] for d in docs} == {"budget-march", "drug"}
    with pytest.raises(FilterError):
        PassageFilter.build(as_of="next week-ish")


def test_syndicated_copy_shows_once_with_the_other_source_listed(corpus):
    _, _, assistant = corpus
    answer = assistant.ask("When will the harbor ferry resume service?")
    ferry_hits = [p for p in answer.retrieved if p.article_id in {"ferry", "ferry-wire"}]
    assert len(ferry_hits) == 1
    assert "April" in answer.answer
    citation = answer.citations[0]
    assert {citation.article_id, citation.also_in[0]["article_id"]} == {"ferry", "ferry-wire"}


def test_keyword_index_finds_rare_terms_and_follows_edits(corpus, embedder):
    feed, settings, _ = corpus
    keyword = open_keyword_index(settings)
    assert keyword.search("Zyxoplatin", 3)[0][0].startswith("drug#")
    edited = [dict(a) for a in ARTICLES]
    edited[4]["text"] = "Regulators approved a new cancer drug on Friday after a trial in 400 patients."
    _write(feed, edited)
    report = ingest([feed], settings, embedder=embedder)
    assert len(report.updated) == 1
    keyword = open_keyword_index(settings)
    assert keyword.search("Zyxoplatin", 3) == []
    assert keyword.is_current(open_store(settings, embedder))
    # A keyword index that fell out of step (e.g. a crash mid-ingest) rebuilds itself.
    keyword.mark_dirty()
    assert not keyword.is_current(open_store(settings, embedder))
    keyword.ensure_current(open_store(settings, embedder))
    assert keyword.is_current(open_store(settings, embedder))


def test_hybrid_and_rerank_can_be_switched_off(corpus, embedder, reranker):
    _, settings, _ = corpus
    plain = NewsAssistant(settings.model_copy(update={"hybrid": False, "rerank": False}),
                          embedder=embedder, cross_encoder=reranker)
    assert plain.keyword is None
    answer = plain.ask("When will the harbor ferry resume service?")
    assert "April" in answer.answer and len(answer.retrieved) <= settings.top_k


def test_bge_small_onnx_embedder_end_to_end(tmp_path, reranker):
    settings = Settings(data_dir=tmp_path / "bge", embedding_model="bge-small")
    report = ingest([SAMPLES], settings)
    assert len(report.new) == 1
    assistant = NewsAssistant(settings, cross_encoder=reranker)
    assert assistant.embedder.name == "bge-small-en-v1.5-int8" and assistant.embedder.dimension == 384
    assert "legally binding" in assistant.ask("What did Putin demand?").answer


def test_expected_answer_types():
    assert expected_type("When did the ferry stop running?") == "date"
    assert expected_type("How many patients were in the trial?") == "number"
    assert expected_type("How long did the call last?") == "duration"
    assert holds_type("The call lasted two hours.", "duration", "How long?")
    assert not holds_type("He is the only one who called.", "duration", "How long?")
    assert expected_type("Who approved the budget?") == "name"
    assert expected_type("Which country hosted the summit?") == "name"
    assert expected_type("What did Putin demand?") is None
    assert holds_type("The trial ran in 400 patients.", "number", "How many?")
    assert holds_type("It reopened on May 3.", "date", "When?")
    assert not holds_type("It reopened after repairs.", "date", "When?")
    assert holds_type("The plan was approved by Mayor Jane Ortiz.", "name", "Who approved the Plan?")


@pytest.mark.parametrize("filters", [
    PassageFilter.build(as_of="2024-04-01"), PassageFilter.build(sources=["City Paper"]),
    PassageFilter.build(since="2024-03-01", until="2024-05-31"), PassageFilter.build(as_of="1990-01-01"),
])
def test_store_query_filters_exactly_like_chroma(corpus, embedder, filters):
    """The fast path (deeper unfiltered search, filtered in Python) and Chroma's own
    filtered search return the same passages, for shallow and deep k."""
    _, settings, assistant = corpus
    vector = embedder.embed_query("council budget approved")
    for k in (1, 2, 10):
        chroma = [h.id for h, _ in assistant.store._search(vector, k, filters.chroma_where())]
        assert [h.id for h in assistant.store.query(vector, k, filters)] == chroma


def test_a_sentence_scores_the_same_whatever_it_is_scored_with(reranker):
    """The int8 cross-encoder quantises its activations per call: scored alone, a sentence's
    score does not depend on which other sentences (long, short, off topic) share the call."""
    question = "What did Macron tell Putin about Ukraine?"
    sentence = "Macron told Putin that France would defend the sovereignty of Ukraine."
    company = ["The weather in Lyon was mild for the season, with light rain in the evening "
               "and temperatures around twelve degrees across the Rhone valley all week long.",
               "Shares fell.", "Putin said Russia had no plans to invade Ukraine, Macron's office said."]
    alone = float(reranker.score(question, [sentence])[0])
    for others in (company, company[:1], company[1:] * 5):
        assert float(reranker.score(question, [*others, sentence])[-1]) == alone
