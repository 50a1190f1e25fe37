"""The question-answering chain: question → retrieve → answer → cite, as one LCEL runnable.

`NewsAssistant` owns the models and the store (loaded once) and exposes `ask()`. The
answer step is a plain runnable taking `{question, documents}`, so an LLM answerer can
replace the extractive one behind the same interface.
"""

import time
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from newsqa.assistant.answer import ExtractiveAnswerer
from newsqa.assistant.cite import compose
from newsqa.assistant.rerank import CrossEncoder
from newsqa.assistant.result import Answer, RetrievedPassage
from newsqa.assistant.retrieve import NewsRetriever
from newsqa.index.embed import Embedder
from newsqa.index.pipeline import open_store
from newsqa.index.store import PassageStore
from newsqa.settings import Settings


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def build_chain(retriever: NewsRetriever, answerer: ExtractiveAnswerer) -> Runnable:
    def as_input(value: Any) -> dict:
        question = value if isinstance(value, str) else value["question"]
        return {"question": " ".join(str(question).split()), "started": time.perf_counter()}

    def retrieve(state: dict) -> dict:
        started = time.perf_counter()
        documents = retriever.invoke(state["question"]) if state["question"] else []
        return {**state, "documents": documents, "retrieve_ms": _ms(started)}

    def answer(state: dict) -> Answer:
        started = time.perf_counter()
        draft = answerer.draft(state["question"], state["documents"])
        text, citations = compose(draft)
        answer_ms = _ms(started)
        return Answer(
            question=state["question"], answer=text, abstained=draft.declined,
            citations=citations, confidence=draft.best_score,
            timings_ms={"retrieve": state["retrieve_ms"], "answer": answer_ms,
                        "total": _ms(state["started"])},
            retrieved=[RetrievedPassage(
                chunk_id=d.metadata["chunk_id"], article_id=d.metadata["article_id"],
                title=d.metadata.get("title") or "", score=d.metadata["score"],
                text=d.page_content) for d in state["documents"]],
        )

    return (RunnableLambda(as_input, name="question")
            | RunnableLambda(retrieve, name="retrieve")
            | RunnableLambda(answer, name="answer_and_cite"))


class NewsAssistant:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 store: PassageStore | None = None, reranker: CrossEncoder | None = None):
        self.settings = settings
        self.embedder = embedder or Embedder(settings.embedding_model,
                                             batch_size=settings.embedding_batch_size,
                                             threads=settings.threads)
        self.store = store or open_store(settings, self.embedder)
        self.reranker = reranker or CrossEncoder(settings.reranker_model, threads=settings.threads)
        self.retriever = NewsRetriever(store=self.store, embedder=self.embedder, k=settings.top_k)
        self.answerer = ExtractiveAnswerer(
            self.reranker, min_relevance=settings.min_relevance,
            max_sentences=settings.max_answer_sentences, margin=settings.answer_margin)
        self.chain = build_chain(self.retriever, self.answerer)

    def ask(self, question: str) -> Answer:
        return self.chain.invoke({"question": question})

    def warm_up(self) -> None:
        """Load both models now rather than on the first question."""
        self.embedder.embed_query("warm up")
        self.reranker.score("warm up", ["warm up"])
