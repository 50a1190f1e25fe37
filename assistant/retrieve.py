"""Find the passages that may answer a question: dense + keyword search, fused.

Dense search (Chroma, cosine) understands paraphrase; BM25 (bm25s) catches rare names,
numbers and exact phrases. Their rankings are merged with reciprocal rank fusion, which
needs no score calibration between the two. The same `PassageFilter` (as-of date, date
range, sources) restricts both searches. Recency phrasing ("latest", "this week") adds a
bonus for recent articles, and near-duplicate passages are collapsed into one.
"""

from langchain_core.callbacks import (AsyncCallbackManagerForRetrieverRun,
                                     CallbackManagerForRetrieverRun)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict

from newsqa.assistant.dedupe import collapse_duplicates
from newsqa.assistant.recency import asks_for_recent, recency_weight
from newsqa.index.embed import TextEmbedder
from newsqa.index.filters import PassageFilter, day_number
from newsqa.index.keyword import KeywordIndex
from newsqa.index.store import PassageStore, StoredPassage

RRF_K = 60  # the constant from Cormack et al. (2009); flattens the head of each ranking


def _document(hit: StoredPassage, **scores) -> Document:
    return Document(page_content=hit.text, id=hit.id, metadata={
        "chunk_id": hit.id, "article_id": hit.article_id, "title": hit.title,
        "source": hit.source, "url": hit.url, "published": hit.published,
        "published_at": hit.published_at,
        "position": hit.position, "start": hit.start, "end": hit.end, **scores,
    })


class NewsRetriever(BaseRetriever):
    """Returns up to `k` passages, best first; metadata holds ids, article metadata, `score`
    (fused), `dense_score`, `keyword_score` and `also_in` (collapsed duplicates).

    `invoke(query, k=3, filters=PassageFilter(...))` sets both per call (the LangChain
    retriever convention for `k`); `ainvoke` takes the same and runs the search in a thread.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: PassageStore
    embedder: TextEmbedder
    keyword: KeywordIndex | None = None  # None: dense search only
    k: int = 5
    depth: int = 30  # how many hits each search contributes before fusion
    recency_bonus: float = 0.5  # share of the fused score a same-day article can gain
    dedupe_threshold: float = 0.6

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                filters: PassageFilter | None = None,
                                k: int | None = None) -> list[Document]:
        k = self.k if k is None else int(k)
        if k < 1:
            return []
        depth = max(self.depth, k)
        dense = self.store.query(self.embedder.embed_query(query), depth, filters)
        keyword = self.keyword.search(query, depth, filters) if self.keyword else []

        fused: dict[str, float] = {}
        for rank, hit in enumerate(dense):
            fused[hit.id] = fused.get(hit.id, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (pid, _) in enumerate(keyword):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank + 1)

        hits = {hit.id: hit for hit in dense}
        missing = [pid for pid, _ in keyword if pid not in hits]
        hits.update({hit.id: hit for hit in self.store.get(missing)})
        dense_scores = {hit.id: hit.score for hit in dense}
        keyword_scores = dict(keyword)

        if asks_for_recent(query) and fused:
            days = {pid: day_number(hits[pid].published) or 0 for pid in fused if pid in hits}
            reference = (filters.recency_day if filters else None) \
                or max(days.values(), default=0)
            top = max(fused.values())
            for pid, day in days.items():
                fused[pid] += self.recency_bonus * top * recency_weight(day, reference)

        ranked = sorted((pid for pid in fused if pid in hits), key=lambda pid: -fused[pid])
        documents = [_document(hits[pid], score=fused[pid], dense_score=dense_scores.get(pid),
                               keyword_score=keyword_scores.get(pid)) for pid in ranked]
        return collapse_duplicates(documents, self.dedupe_threshold, limit=k)

    async def _aget_relevant_documents(self, query: str, *,
                                       run_manager: AsyncCallbackManagerForRetrieverRun,
                                       filters: PassageFilter | None = None,
                                       k: int | None = None) -> list[Document]:
        # BaseRetriever's default would drop `filters` and `k`; the search is synchronous
        # (Chroma, bm25s, the embedder), so it runs in the default executor.
        return await run_in_executor(None, self._get_relevant_documents, query,
                                     run_manager=run_manager.get_sync(), filters=filters, k=k)
