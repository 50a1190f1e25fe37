"""Fitting the sentence shortlist: a recording with every sentence scored replays the
product's reranking exactly for any shortlist, and the fit gives usable weights."""

import math

import numpy as np
import pytest

from newsqa.assistant.rerank import SentenceReranker
from newsqa.assistant.shortlist import FEATURES, WEIGHTS, shortlist_scores, top
from newsqa.eval.registry import resolve
from newsqa.eval.shortlistfit import fit, load_pools, near_best, record_sentences, reranked
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
