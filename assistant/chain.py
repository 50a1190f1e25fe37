"""The question-answering chain: question → retrieve → rerank → answer → cite, as one
LCEL runnable.

`NewsAssistant` owns the models and the stores (loaded once) and exposes `ask()`. Each step
is a plain runnable over a dict, so an LLM answerer can replace the extractive one behind
the same interface.
"""

import time
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from newsqa.assistant.answer import ExtractiveAnswerer
from newsqa.assistant.cite import compose
from newsqa.assistant.followup import standalone_from_history
from newsqa.assistant.rerank import CrossEncoder, SentenceReranker
from newsqa.assistant.result import Answer, RetrievedPassage
from newsqa.assistant.retrieve import NewsRetriever
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.index.filters import PassageFilter
from newsqa.index.pipeline import open_keyword_index, open_store
from newsqa.index.store import PassageStore
from newsqa.settings import Settings


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def build_chain(retriever: NewsRetriever, reranker: SentenceReranker,
                answerer: ExtractiveAnswerer) -> Runnable:
    def as_input(value: Any) -> dict:
        value = {"question": value} if isinstance(value, str) else dict(value)
        asked = " ".join(str(value["question"]).split())
        return {"question": standalone_from_history(asked, list(value.get("history") or [])),
                "asked": asked,
                "filters": value.get("filters") or PassageFilter(),
                "started": time.perf_counter()}

    def retrieve(state: dict) -> dict:
        started = time.perf_counter()
        documents = (retriever.invoke(state["question"], filters=state["filters"])
                     if state["question"] else [])
        return {**state, "candidates": documents, "retrieve_ms": _ms(started)}

    def rerank(state: dict) -> dict:
        started = time.perf_counter()
        return {**state, "reranked": reranker.rerank(state["question"], state["candidates"]),
                "rerank_ms": _ms(started)}

    def answer(state: dict) -> Answer:
        started = time.perf_counter()
        draft = answerer.draft(state["question"], state["reranked"],
                               reference_day=state["filters"].latest_day)
        text, citations = compose(draft)
        return Answer(
            question=state["asked"], answer=text,
            standalone_question=state["question"] if state["question"] != state["asked"] else None, abstained=draft.declined,
            citations=citations, relevance=draft.best_score, confidence=draft.confidence,
            signals=draft.signals.as_dict() if draft.signals else {},
            timings_ms={"retrieve": state["retrieve_ms"], "rerank": state["rerank_ms"],
                        "answer": _ms(started), "total": _ms(state["started"])},
            retrieved=[RetrievedPassage(
                chunk_id=d.metadata["chunk_id"], article_id=d.metadata["article_id"],
                title=d.metadata.get("title") or "", score=d.metadata["score"],
                text=d.page_content) for d in state["reranked"].documents],
        )

    return (RunnableLambda(as_input, name="question")
            | RunnableLambda(retrieve, name="retrieve")
            | RunnableLambda(rerank, name="rerank")
            | RunnableLambda(answer, name="answer_and_cite"))


class NewsAssistant:
    def __init__(self, settings: Settings, *, embedder: TextEmbedder | None = None,
                 store: PassageStore | None = None, cross_encoder: CrossEncoder | None = None):
        self.settings = settings
        self.embedder = embedder or load_embedder(
            settings.embedding_model, batch_size=settings.embedding_batch_size,
            threads=settings.threads)
        self.store = store or open_store(settings, self.embedder)
        self.keyword = None
        if settings.hybrid:
            self.keyword = open_keyword_index(settings)
            self.keyword.ensure_current(self.store)
        self.cross_encoder = cross_encoder or CrossEncoder(settings.reranker_model,
                                                           threads=settings.threads)
        pool = max(settings.candidates, settings.top_k) if settings.rerank else settings.top_k
        self.retriever = NewsRetriever(
            store=self.store, embedder=self.embedder, keyword=self.keyword, k=pool,
            depth=max(settings.search_depth, pool), recency_bonus=settings.recency_bonus,
            dedupe_threshold=settings.dedupe_threshold)
        self.reranker = SentenceReranker(self.cross_encoder, top_k=settings.top_k,
                                         enabled=settings.rerank,
                                         max_pairs=settings.rerank_max_pairs)
        self.answerer = ExtractiveAnswerer(
            min_relevance=settings.min_relevance, max_sentences=settings.max_answer_sentences,
            margin=settings.answer_margin, type_bonus=settings.type_bonus,
            min_confidence=settings.min_confidence, headline=settings.answer_headline)
        self.chain = build_chain(self.retriever, self.reranker, self.answerer)

    def ask(self, question: str, *, filters: PassageFilter | None = None, as_of=None,
            since=None, until=None, sources=(), history: list[str] | None = None) -> Answer:
        """Answer from the indexed articles; the date/source arguments build a filter.

        `history` holds the chat's earlier user questions, oldest first: a follow-up such as
        "What about Macron?" is rewritten against them before retrieval.
        """
        if filters is None:
            filters = PassageFilter.build(as_of=as_of, since=since, until=until, sources=sources)
        return self.chain.invoke({"question": question, "filters": filters,
                                  "history": history or []})

    def warm_up(self) -> None:
        """Load both models now rather than on the first question."""
        self.embedder.embed_query("warm up")
        self.cross_encoder.score("warm up", ["warm up"])
