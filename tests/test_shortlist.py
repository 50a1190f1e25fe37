"""The shortlist in front of the cross-encoder: cheap features, the fitted ranking, the cap."""

import numpy as np
from langchain_core.documents import Document

from newsqa.assistant.rerank import SentenceReranker, passage_sentences
from newsqa.assistant.shortlist import FEATURES, sentence_features, shortlist

FILLER = " ".join(f"Officials discussed routine matter number {i} at length." for i in range(8))


def _docs(*texts: str) -> list[Document]:
    return [Document(page_content=text, metadata={"title": f"Council notes {i}",
                                                  "chunk_id": f"c{i}", "position": 1})
            for i, text in enumerate(texts)]


def test_the_sentence_sharing_the_rare_question_words_is_kept():
    pairs = passage_sentences(_docs(FILLER, FILLER + " The council approved the Zanzibar ferry "
                                                     "budget today."))
    kept = shortlist("Which budget did the council approve for the Zanzibar ferry?", pairs, 3)
    assert len(kept) == 3 and kept == sorted(kept)
    assert any("Zanzibar" in pairs[i][1].text for i in kept)
    assert shortlist("anything", pairs, 100) == list(range(len(pairs)))


def test_features_see_the_kind_of_fact_asked_for():
    pairs = passage_sentences(_docs(
        "The ferry service to the island was restored by the harbour authority. "
        "The ferry service resumed on March 3, 2026 after the storm. "
        "Maria Lopez runs the ferry service for the harbour authority."))
    column = FEATURES.index("typed")
    when = sentence_features("When did the ferry service resume?", pairs)[:, column]
    who = sentence_features("Who runs the ferry service?", pairs)[:, column]
    assert list(when) == [0.0, 1.0, 0.0]  # only the second sentence holds a date
    assert who[2] == 1.0 and who[0] == 0.0  # a name the question does not hold


def test_features_are_one_row_per_sentence_and_finite():
    pairs = passage_sentences(_docs(FILLER, "A short one here about ferries and budgets."))
    rows = sentence_features("Which ferry budget?", pairs)
    assert rows.shape == (len(pairs), len(FEATURES)) and np.isfinite(rows).all()
    assert sentence_features("Which ferry budget?", []).shape == (0, len(FEATURES))


def test_the_cross_encoder_scores_only_the_shortlist(reranker):
    docs = _docs(FILLER, FILLER + " The council approved the Zanzibar ferry budget today.")
    capped = SentenceReranker(reranker, top_k=2, max_pairs=4)
    found = capped.rerank("Which budget did the council approve for the Zanzibar ferry?", docs)
    assert len(found.evidence) == 4
    assert "Zanzibar" in found.evidence[0].sentence
    assert found.documents[0].metadata["chunk_id"] == "c1"
    every = SentenceReranker(reranker, top_k=2, max_pairs=0).rerank("Which budget?", docs)
    assert len(every.evidence) == len(passage_sentences(docs))


def test_weights_without_the_typed_feature_need_no_parse(monkeypatch):
    import newsqa.assistant.shortlist as module

    def no_parse(question):
        raise AssertionError("parsed the question for a feature with no weight")

    monkeypatch.setattr(module, "asked_for", no_parse)
    pairs = passage_sentences(_docs(FILLER, FILLER + " The Zanzibar ferry budget passed."))
    assert len(shortlist("Which Zanzibar ferry budget passed?", pairs, 3,
                         weights={"own": 1.0, "title": 0.5, "rank": 1.0})) == 3
