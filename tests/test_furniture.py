"""Page furniture (timestamps, bylines, photo credits, question subheads) is never quoted."""

import json

import pytest
from langchain_core.documents import Document

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.furniture import is_furniture, is_question
from newsqa.assistant.rerank import SentenceReranker, passage_sentences
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings


@pytest.mark.parametrize("sentence", [
    # update / publish timestamps and bare dates
    "Updated Oct. 22, 2025, 9:37 a.m. ET",
    "Published Oct. 21, 2025 at 6:00 p.m. GMT",
    "Last updated: 22 October 2025 09:37 BST",
    "Posted on Oct. 22, 2025",
    "Updated 3 hours ago",
    "Oct. 22, 2025",
    "Wednesday, October 22, 2025 9:37 AM EDT",
    "2025-10-22T09:37:00Z",
    "WASHINGTON, Oct 22 (Reuters) -",
    # bylines
    "By Jane Doe",
    "By Jane Doe and John Smith",
    "By Jane Doe, John Smith and Ana de Souza",
    "By JANE DOE",
    "By Jane Doe, Reuters",
    "By Jane Doe for The Guardian",
    "By Jane Doe | Staff Writer",
    "Jane Doe, Reuters",
    # photo / image credits
    "Photo: Jane Doe/Getty Images.",
    "(Getty Images)",
    "(AP Photo/Evan Vucci)",
    "AP Photo/Evan Vucci",
    "Jane Doe/AFP via Getty Images",
    "Image credit: NASA",
    "Photograph by Jane Doe",
    # questions
    "What happens to Billy Joel concerts?",
    "What, exactly, did Trump say about the tariff checks?",
    '"Why now?"',
])
def test_furniture(sentence):
    assert is_furniture(sentence)


@pytest.mark.parametrize("sentence", [
    "By the time the vote came, the bill had changed.",
    "By Friday, the vote was over.",
    "Updated rules took effect Monday.",
    "Published reports say the deal collapsed.",
    "Why it matters: the rules affect millions of drivers.",
    "On Oct. 22, 2025, the storm hit the coast and 22 people died.",
    "WASHINGTON, Oct 22 (Reuters) - The Senate voted on Tuesday.",
    "Photos show the bridge collapsed.",
    "Image quality improved in the new phones.",
    "Credit card debt rose 5% in October.",
    "Jane Doe said the vote was rigged.",
    "The company, Reuters reported, will cut 500 jobs.",
    '"Why now?" he asked, before leaving the room.',
])
def test_not_furniture(sentence):
    assert not is_furniture(sentence)


def test_question_is_judged_by_its_ending():
    assert not is_question("Why it matters: the ferry carries 4,000 people a day.")
    assert is_question("Why does it matter?")
    assert is_question("(Why does it matter?)")


def _doc(text: str, chunk_id: str = "c1") -> Document:
    return Document(page_content=text, metadata={"chunk_id": chunk_id, "title": "Ferry",
                                                 "article_id": "a1"})


def test_candidates_skip_furniture_but_passage_keeps_it():
    text = ("Updated Oct. 22, 2025, 9:37 a.m. ET\nBy Jane Doe and John Smith\n"
            "What happens to the Harbor City ferry?\n"
            "The ferry will stop running on Dec. 31, the council said.")
    doc = _doc(text)
    assert [s.text for _, s in passage_sentences([doc])] == [
        "The ferry will stop running on Dec. 31, the council said."]
    assert "Updated Oct. 22, 2025" in doc.page_content  # the stored text is untouched


def test_passage_of_only_furniture_yields_no_evidence(reranker):
    doc = _doc("Updated Oct. 22, 2025, 9:37 a.m. ET\nBy Jane Doe and John Smith\n"
               "What happens to the Harbor City ferry?\n(AP Photo/Evan Vucci)")
    reranked = SentenceReranker(reranker, top_k=3, max_pairs=24).rerank(
        "What happens to the Harbor City ferry?", [doc])
    assert reranked.evidence == []
    assert reranked.documents == [doc] and doc.metadata["rerank_score"] is None


_ARTICLE = {
    "id": "ferry-1", "title": "Harbor City council votes to end ferry service",
    "source": "Example News", "published": "2025-10-22",
    "text": "Updated Oct. 22, 2025, 9:37 a.m. ET\n"
            "By Jane Doe and John Smith\n"
            "The Harbor City council voted 7-2 on Oct. 21 to end the city's ferry service, "
            "citing a $12 million repair bill for the aging boats.\n"
            "What happens to the Harbor City ferry?\n"
            "The ferry will stop running on Dec. 31, and the council plans to replace it with "
            "an express bus line across the bridge.\n"
            "(AP Photo/Evan Vucci)\n"
            "Commuters who rely on the ferry said the bus would add 40 minutes to their trips.",
}


@pytest.fixture(scope="module")
def ferry_assistant(tmp_path_factory, embedder, reranker):
    folder = tmp_path_factory.mktemp("ferry")
    (folder / "a.jsonl").write_text(json.dumps(_ARTICLE) + "\n")
    settings = Settings(data_dir=folder / "data")
    ingest([folder / "a.jsonl"], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


def _quoted_sentences(answer) -> list[str]:
    """The sentences the citations quote (each span), looked up in the retrieved passage."""
    out = []
    for citation in answer.citations:
        passage = next(p for p in answer.retrieved if p.chunk_id == citation.chunk_id)
        out += [passage.text[start:end] for start, end in citation.spans]
    return out


@pytest.mark.parametrize("question, fact", [
    ("What happens to the Harbor City ferry?", "stop running on Dec. 31"),
    ("What happened in Harbor City in October 2025?", "voted 7-2 on Oct. 21"),
])
def test_furniture_is_never_the_quoted_answer(ferry_assistant, question, fact):
    answer = ferry_assistant.ask(question)
    assert not answer.abstained, answer.answer
    quoted = _quoted_sentences(answer)
    assert quoted, answer.answer
    # the furniture is in the retrieved text, so it could have been picked ...
    retrieved = " ".join(p.text for p in answer.retrieved)
    assert "Updated Oct. 22, 2025" in retrieved
    assert "What happens to the Harbor City ferry?" in retrieved
    # ... but it is never quoted, and the real fact is
    for sentence in quoted:
        assert not is_furniture(sentence), sentence
    assert not any(s.startswith("Updated ") or s.endswith("?") for s in quoted)
    assert "Updated Oct. 22" not in answer.answer
    assert "ferry?" not in answer.answer
    assert fact in " ".join(quoted)
