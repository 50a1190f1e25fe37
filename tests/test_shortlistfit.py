"""Fitting the sentence shortlist: a recording with every sentence scored replays the
product's reranking exactly for any shortlist, and the fit gives usable weights."""

import math

import numpy as np
import pytest

from newsqa.assistant.rerank import SentenceReranker
from newsqa.assistant.shortlist import FEATURES, WEIGHTS, highest, shortlist_scores, top
from newsqa.eval.registry import resolve
from newsqa.eval.sentenceorders import SpanEncoder, kept, order_scores, similarities
from newsqa.eval.shortlistfit import (best_found, fit, load_pools, near_best, record_sentences,
                                      reranked, shipped)
from newsqa.settings import Settings


@pytest.fixture(scope="module")
def pools(tmp_path_factory):
    settings = Settings()
    out = tmp_path_factory.mktemp("pools") / "seed.pkl"
    return load_pools(record_sentences(resolve("seed"), settings, out, limit=6))


def test_a_replayed_shortlist_is_what_the_product_would_rerank(pools, reranker):
    settings = Settings()
    assert all(row.scores for row in pools)
    for limit in (4, 8):
        product = SentenceReranker(reranker, top_k=settings.top_k, max_pairs=limit)
        for row in pools:
            replayed = reranked(row, top(row.features(), WEIGHTS, limit), settings.top_k).reranked
            live = product.rerank(row.searched, [d.model_copy(deep=True) for d in row.pool])
            assert [d.metadata["chunk_id"] for d in replayed.documents] == \
                   [d.metadata["chunk_id"] for d in live.documents]
            assert [(e.sentence, round(e.score, 4)) for e in replayed.evidence] == \
                   [(e.sentence, round(e.score, 4)) for e in live.evidence]


def test_the_fit_gives_a_weight_per_feature(pools):
    weights = fit([pools])
    assert set(weights) == {"bias", *FEATURES}
    assert all(math.isfinite(v) for v in weights.values())
    # fitted to them, the weights score the near-best sentences above the others
    scores = np.concatenate([shortlist_scores(row.features(), weights) for row in pools])
    near = np.concatenate([near_best(row.scores) for row in pools]).astype(bool)
    assert near.any() and (~near).any()
    assert scores[near].mean() > scores[~near].mean()


def test_a_sentence_pooled_from_its_passage_is_nearest_that_sentence(embedder):
    spans = SpanEncoder(Settings().embedding_model, max_length=embedder.max_tokens)
    first = "The central bank raised interest rates by half a point on Thursday."
    second = "Heavy snow closed the mountain passes and stranded hundreds of skiers."
    text = f"Markets and weather\nWire · 2026-01-08\n{first} {second}"
    start = text.index(first)
    pooled = spans.span_vectors(text, [(start, start + len(first)),
                                       (start + len(first) + 1, len(text)),
                                       (len(text) + 5, len(text) + 9)])
    alone = embedder.embed([first, second])
    assert pooled[0] @ alone[0] > pooled[0] @ alone[1]
    assert pooled[1] @ alone[1] > pooled[1] @ alone[0]
    assert not pooled[2].any()  # past the end of the text: no tokens, no vector


def test_the_keyword_order_of_the_comparison_is_the_products(pools, embedder):
    spans = SpanEncoder(Settings().embedding_model, max_length=embedder.max_tokens)
    found = [similarities(row, embedder, spans) for row in pools]
    for row, sims in zip(pools, found):
        assert len(sims.pooled) == len(sims.alone) == len(row.scores)
        keyword = order_scores(row, sims)["keyword"]
        assert highest(keyword, 4) == top(row.features(), WEIGHTS, 4)
    assert kept(pools, found, "keyword", 4)[0] == best_found(pools, shipped, 4)
