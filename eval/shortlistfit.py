"""Fit the sentence shortlist (assistant/shortlist.py) to what the cross-encoder would pick.

`record_sentences()` runs the product's chain over a test set with *every* candidate
sentence scored, and pickles per question the rerank pool, its sentences and their scores.
The cross-encoder scores each sentence alone (`CrossEncoder`, batch 1), so the scores of any
shortlist are exactly these: `reranked()` rebuilds what the product would hand the answer
step for any choice of sentences, with the product's own `ranked()`.

`fit()` fits the shortlist's logistic weights to "scored within 1.0 of the question's best
sentence", each question counting once and each recording equally, held-out questions left
out. `cross_validated()` gives every question the weights fitted without its fold.
Recordings are local files (they hold test-set text): never commit them.
"""

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.documents import Document

from newsqa.assistant.rerank import Reranked, passage_sentences, pair_texts, ranked
from newsqa.assistant.shortlist import FEATURES, WEIGHTS, sentence_features, top
from newsqa.eval.calibrate import fit_logistic
from newsqa.eval.registry import EvalSet
from newsqa.eval.replay import Recorded
from newsqa.eval.shortfit import fold_of
from newsqa.eval.testset import TestQuestion
from newsqa.index.filters import PassageFilter
from newsqa.settings import Settings

NEAR_BEST = 1.0  # logits: a sentence this close to the best one is as good a pick


@dataclass
class ScoredPool:
    """One question's rerank pool with every candidate sentence scored."""

    question: TestQuestion
    searched: str  # the standalone question the chain searched for
    filters: PassageFilter
    pool: list[Document]
    sentences: list[tuple[int, object]]  # (index into pool, Sentence)
    scores: list[float]

    def pairs(self) -> list[tuple[Document, object]]:
        return [(self.pool[i], sentence) for i, sentence in self.sentences]

    def features(self) -> np.ndarray:
        return sentence_features(self.searched, self.pairs())


def record_sentences(evalset: EvalSet, settings: Settings, out: Path, *,
                     limit: int | None = None) -> Path:
    """Run the chain over `evalset` with every candidate sentence scored; pickle the pools."""
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.eval.cache import cached_index
    from newsqa.index.embed import load_embedder

    embedder = load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size,
                             threads=settings.threads)
    index = cached_index(evalset.corpus, settings, embedder)
    assistant = NewsAssistant(index.settings, embedder=embedder, store=index.store)
    reranker = assistant.reranker
    seen: list = []

    def rerank_all(question: str, documents: list[Document]) -> Reranked:
        pool = documents if reranker.enabled else documents[: reranker.top_k]
        pairs = passage_sentences(pool)
        scores = reranker.cross_encoder.score(question, pair_texts(pairs)).tolist()
        position = {id(doc): i for i, doc in enumerate(pool)}
        seen.append(([doc.model_copy(deep=True) for doc in pool],
                     [(position[id(doc)], sentence) for doc, sentence in pairs], scores))
        return ranked(pool, pairs, scores, top_k=reranker.top_k, reorder=reranker.enabled)

    reranker.rerank = rerank_all  # the chain looks the method up on each call
    rows = []
    for question in evalset.questions[:limit] if limit else evalset.questions:
        seen.clear()
        filters = PassageFilter.build(as_of=question.as_of)
        state = assistant.chain.invoke({"question": question.question, "filters": filters})
        pool, sentences, scores = seen[0] if seen else ([], [], [])
        rows.append(ScoredPool(question, state.question, state.filters, pool, sentences, scores))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        pickle.dump(rows, handle)
    return out


def load_pools(path: Path, questions: list[TestQuestion] | None = None) -> list[ScoredPool]:
    """The recording; `questions` (the set as loaded now) replace the recorded ones by id."""
    with Path(path).open("rb") as handle:
        rows = pickle.load(handle)
    by_id = {q.id: q for q in questions or []}
    for row in rows:
        row.question = by_id.get(row.question.id, row.question)
    return rows


def reranked(row: ScoredPool, picked: list[int], top_k: int) -> Recorded:
    """What the answer step would get had only the `picked` sentences been scored."""
    pool = [doc.model_copy(deep=True) for doc in row.pool]
    pairs = [(pool[row.sentences[i][0]], row.sentences[i][1]) for i in picked]
    scores = [row.scores[i] for i in picked]
    return Recorded(row.question, row.searched, row.filters,
                    ranked(pool, pairs, scores, top_k=top_k))


def near_best(scores: list[float]) -> np.ndarray:
    values = np.asarray(scores, dtype=float)
    return (values >= values.max() - NEAR_BEST).astype(float)


def fit(sets: list[list[ScoredPool]], *, limit: int = 8, exclude: frozenset[str] = frozenset(),
        fold: int | None = None, folds: int = 5, l2: float = 1.0) -> dict[str, float]:
    """Shortlist weights from every question with more than `limit` sentences (a shortlist
    of the rest keeps them all, so they teach nothing) not excluded (and, with `fold`, not
    in that fold). Each question weighs the same and so does each recording."""
    xs, ys, ws = [], [], []
    used = [[row for row in rows if len(row.scores) > limit and row.question.id not in exclude
             and (fold is None or fold_of(row.question.id, folds) != fold)] for rows in sets]
    used = [rows for rows in used if rows]
    for rows in used:
        for row in rows:
            xs.append(row.features())
            ys.append(near_best(row.scores))
            ws.append(np.full(len(row.scores), 1.0 / (len(row.scores) * len(rows) * len(used))))
    weight = np.concatenate(ws)
    coefficients = fit_logistic(np.vstack(xs), np.concatenate(ys), l2=l2,
                                sample_weight=weight * len(weight) / weight.sum())
    return {"bias": float(coefficients[0]),
            **{name: float(c) for name, c in zip(FEATURES, coefficients[1:])}}


def best_found(rows: list[ScoredPool], weights_for, limit: int) -> float:
    """Share of scored questions whose best sentence the shortlist keeps."""
    hits = [int(np.argmax(row.scores)) in top(row.features(), weights_for(row), limit)
            for row in rows if row.scores]
    return float(np.mean(hits)) if hits else 0.0


def cross_validated(sets: list[list[ScoredPool]], *, limit: int = 8,
                    exclude: frozenset[str] = frozenset(), folds: int = 5):
    """A function giving each question the weights fitted without its fold."""
    models = [fit(sets, limit=limit, exclude=exclude, fold=f, folds=folds) for f in range(folds)]
    return lambda row: models[fold_of(row.question.id, folds)]


def shipped(row: ScoredPool) -> dict[str, float]:
    """The product's weights (the keyword order: shared rare words, title words, rank)."""
    return WEIGHTS


REPORTED = ("accuracy", "accuracy_answerable", "crag_score", "wrong_answer_rate",
            "decline_rate_answerable", "short_em", "short_precision")


def replayed(rows: list[ScoredPool], weights_for, limit: int, answerer, top_k: int) -> dict:
    """Answer-step metrics had the shortlist (`weights_for`, `limit`; 0: every sentence)
    picked the sentences, plus the sentences scored per question."""
    from newsqa.eval.metrics import summarize
    from newsqa.eval.replay import replay

    recorded, scored = [], []
    for row in rows:
        picked = top(row.features(), weights_for(row), limit) if row.scores else []
        scored.append(len(picked))
        recorded.append(reranked(row, picked, top_k))
    metrics = summarize(replay(recorded, answerer))
    found = {key: metrics.get(key) for key in REPORTED}
    found["pairs_per_question"] = float(np.mean(scored)) if scored else 0.0
    return found
