"""The read path's typed hand-offs: question → retrieve → rerank → answer → cite.

Each stage used to take and return one untyped dict of string keys, so what a stage could
rely on (is `reranked` there yet? is `filters` a `PassageFilter`?) was only written down in
the code that happened to fill it, and a misspelt key failed at run time, mid-answer. These
dataclasses declare every hand-off instead, the way haystack 2.x components declare their
outputs: `Lookup` is what the retrieval half (the LCEL chain in `chain.py`) produces, one
copy per stage (`dataclasses.replace`), and `Reading` is what the answer stage gives the
citing one (the lookup, its extractive `Draft`, the timings so far).
"""

import time
from dataclasses import dataclass, field

from langchain_core.documents import Document

from newsqa.assistant.answer import Draft
from newsqa.assistant.rerank import Reranked
from newsqa.index.filters import PassageFilter


def ms_since(started: float) -> float:
    """Milliseconds since `started` (a `time.perf_counter()`), to 0.1 ms."""
    return round((time.perf_counter() - started) * 1000, 1)


@dataclass(frozen=True)
class Lookup:
    """One question's trip through the retrieval half; each stage fills its own fields."""

    asked: str  # the question as the user asked it (whitespace collapsed)
    question: str  # what is searched for: `asked`, or its rewrite against the chat history
    filters: PassageFilter  # as-of day, date range, sources (and "today" in a live index)
    started: float  # `time.perf_counter()` when the question came in
    rewrite_ms: float = 0.0  # question stage: the follow-up rewrite
    candidates: list[Document] = field(default_factory=list)  # retrieve stage, best first
    retrieve_ms: float = 0.0
    reranked: Reranked | None = None  # rerank stage: the passages answered from
    rerank_ms: float = 0.0

    @property
    def standalone_question(self) -> str | None:
        """The rewritten question, when the follow-up rewrite changed it."""
        return self.question if self.question != self.asked else None

    @property
    def documents(self) -> list[Document]:
        """The reranked passages (none before the rerank stage)."""
        return self.reranked.documents if self.reranked is not None else []


@dataclass
class Reading:
    """The answer stage's output: what the citing stage composes an `Answer` from."""

    lookup: Lookup
    draft: Draft  # the extractive answer: what is quoted when nothing better is kept
    timings: dict[str, float]  # stage → ms, in the order `Answer.timings_ms` shows them

    def record(self, stage: str, since: float) -> None:
        """`timings[stage]`: the milliseconds since `since` (a `time.perf_counter()`)."""
        self.timings[stage] = ms_since(since)
