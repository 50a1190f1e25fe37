"""A deeper view of the chain's own ranking, for retrieval metrics at k > top_k.

The chain retrieves `candidates` passages (dense + BM25, fused), reranks them with the
cross-encoder and hands only the best `top_k` (default 5) to the answer step; `Answer`
exposes just those. For hit/recall@10 the evaluation repeats retrieve → rerank with the
chain's own retriever and a `SentenceReranker` keeping `depth` passages. The rerank order
does not depend on how many are kept, so its first `top_k` are the chain's passages and
the rest are what a larger `top_k` would have added. When `depth` exceeds the candidate
pool, the ranking continues with the next fused candidates in retrieval order (what a larger
`candidates` would have fed the reranker, unreranked). The answer itself is never affected.

`MemoCrossEncoder` remembers the scores of the current question, so the repeated rerank
costs no model time and sees exactly the scores the chain saw.
"""

import numpy as np
from langchain_core.documents import Document

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.rerank import CrossEncoder, SentenceReranker
from newsqa.index.filters import PassageFilter


class MemoCrossEncoder(CrossEncoder):
    """A CrossEncoder that caches (question, text) scores for the most recent question."""

    def __init__(self, model_dir: str, **kwargs):
        super().__init__(model_dir, **kwargs)
        self._question: str | None = None
        self._scores: dict[str, float] = {}

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        if question != self._question:
            self._question, self._scores = question, {}
        missing = list(dict.fromkeys(t for t in texts if t not in self._scores))
        if missing:
            for text, value in zip(missing, super().score(question, missing).tolist()):
                self._scores[text] = value
        return np.array([self._scores[t] for t in texts], dtype=np.float32)


def deep_ranking(assistant: NewsAssistant, question: str, depth: int,
                 filters: PassageFilter | None = None) -> list[Document]:
    """The chain's rerank order over its candidate pool, `depth` passages deep."""
    question = " ".join(question.split())  # as the chain normalises it
    filters = filters or PassageFilter()
    candidates = assistant.retriever.invoke(question, filters=filters)
    reranker = SentenceReranker(assistant.cross_encoder,
                                top_k=max(depth, assistant.settings.top_k),
                                enabled=assistant.settings.rerank,
                                max_pairs=assistant.reranker.max_pairs)
    ranked = reranker.rerank(question, candidates).documents
    if len(ranked) < depth and len(candidates) == assistant.retriever.k:
        deeper = assistant.retriever.model_copy(update={"k": depth}).invoke(question,
                                                                            filters=filters)
        seen = {doc.metadata["chunk_id"] for doc in ranked}
        ranked += [doc for doc in deeper if doc.metadata["chunk_id"] not in seen]
    return ranked[:depth]
