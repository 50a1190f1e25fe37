"""Run every question of a test set through `NewsAssistant.ask` — the chain the UI uses.

The answer is produced with the run's own `top_k` (default 5): only those passages feed
the answer step, exactly as in the product. Retrieval metrics go deeper (@10, see
`probe.py`): the ranking used for scoring is the chain's own passages (marked `used`)
followed by the further passages of the same rerank order. So @1/@5 describe what the
answer step saw, and @10 what a larger `top_k` would have added.
"""

import time
from dataclasses import dataclass

from langchain_core.documents import Document
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.result import Answer
from newsqa.eval.cache import CachedIndex, cached_index
from newsqa.eval.probe import MemoCrossEncoder, deep_ranking
from newsqa.eval.registry import EvalSet
from newsqa.eval.results import CitedQuote, Observed, QuestionResult, RankedPassage
from newsqa.eval.testset import TestQuestion
from newsqa.eval.verdict import judge
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.index.filters import PassageFilter
from newsqa.settings import Settings

DEPTH = 10


@dataclass
class EvalRun:
    evalset: EvalSet
    settings: Settings
    index: CachedIndex
    results: list[QuestionResult]
    depth: int
    seconds: float
    limit: int | None
    use_dates: bool = True
    sample: int | None = None


def _also_in(doc: Document | None) -> list[str]:
    if doc is None:
        return []
    return [str(other.get("article_id")) for other in doc.metadata.get("also_in") or []]


def ranking(answer: Answer, deeper: list[Document], depth: int) -> list[RankedPassage]:
    """The chain's passages first (used by the answer), then the deeper ranking's others."""
    by_id = {doc.metadata["chunk_id"]: doc for doc in deeper}
    ranked = [RankedPassage(rank=i, chunk_id=p.chunk_id, article_id=p.article_id, score=p.score,
                            used=True, text=p.text, also_in=_also_in(by_id.get(p.chunk_id)))
              for i, p in enumerate(answer.retrieved, start=1)]
    seen = {p.chunk_id for p in ranked}
    for doc in deeper:
        if len(ranked) >= depth:
            break
        if doc.metadata["chunk_id"] in seen:
            continue
        seen.add(doc.metadata["chunk_id"])
        score = doc.metadata.get("rerank_score")
        ranked.append(RankedPassage(rank=len(ranked) + 1, chunk_id=doc.metadata["chunk_id"],
                                    article_id=doc.metadata["article_id"],
                                    score=float(score if score is not None
                                                else doc.metadata.get("score", 0.0)),
                                    used=False, text=doc.page_content, also_in=_also_in(doc)))
    return ranked


def observe(assistant: NewsAssistant, question: str, depth: int,
            filters: PassageFilter | None = None) -> Observed:
    """Ask as the UI would; a question's as-of date hides articles published after it."""
    answer = assistant.ask(question, filters=filters)
    deeper = (deep_ranking(assistant, question, depth, filters)
              if depth > len(answer.retrieved) else [])
    used = [p.chunk_id for p in answer.retrieved]
    return Observed(
        answer=answer.answer, abstained=answer.abstained, confidence=answer.confidence,
        short_answer=answer.short_answer.text if answer.short_answer else None,
        relevance=answer.relevance, signals=answer.signals,
        citations=[CitedQuote(n=c.n, article_id=c.article_id, chunk_id=c.chunk_id, quote=c.quote,
                              first_sentence=c.quote[c.spans[0][0]:c.spans[0][1]]
                              if c.spans else "")
                   for c in answer.citations],
        ranking=ranking(answer, deeper, depth),
        latency_ms=float(answer.timings_ms.get("total", 0.0)),
        timings_ms=dict(answer.timings_ms),
        generation=answer.generation.model_dump(exclude_defaults=True),
        probe_consistent=(not deeper
                          or [d.metadata["chunk_id"] for d in deeper[:len(used)]] == used),
    )


def evaluate_question(question: TestQuestion, observed: Observed) -> QuestionResult:
    return QuestionResult(
        id=question.id, question=question.question, type=question.type,
        answerable=bool(question.answerable), strict_answerable=question.strict_answerable,
        gold=question.answer, aliases=question.aliases,
        evidence=question.evidence, observed=observed, verdict=judge(question, observed),
    )


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=console, transient=False)


def fixed_sample(questions: list, size: int) -> list:
    """`size` questions spread evenly over the set (every k-th), the same on every run.

    Test sets are ordered by week or by question type, so the first N would not be typical.
    """
    if size >= len(questions):
        return list(questions)
    step = len(questions) / size
    return [questions[int(i * step)] for i in range(size)]


def run_eval(evalset: EvalSet, settings: Settings, *, limit: int | None = None,
             depth: int = DEPTH, console: Console | None = None,
             embedder: TextEmbedder | None = None, use_dates: bool = True,
             sample: int | None = None) -> EvalRun:
    """Index the set's corpus (cached), then ask every question (the first `limit`, or an
    evenly spread `sample`)."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    embedder = embedder or load_embedder(settings.embedding_model,
                                         batch_size=settings.embedding_batch_size,
                                         threads=settings.threads)
    questions = evalset.questions[:limit] if limit else evalset.questions
    if sample:
        questions = fixed_sample(questions, sample)
    with _progress(console) as bar:
        task = bar.add_task(f"Indexing {evalset.corpus.name}", total=None)
        index = cached_index(evalset.corpus, settings, embedder,
                             progress=lambda done, total: bar.update(task, completed=done,
                                                                     total=total))
        bar.update(task, description=f"Index {'reused' if index.reused else 'built'} "
                                     f"({index.build.passages_total} passages)",
                   completed=1, total=1)
        cross_encoder = MemoCrossEncoder(settings.reranker_model, threads=settings.threads,
                                         batch_size=settings.rerank_batch_size)
        assistant = NewsAssistant(index.settings, embedder=embedder, store=index.store,
                                  cross_encoder=cross_encoder)
        assistant.warm_up()  # model loading is not question latency (the UI warms up too)
        results = []
        asking = bar.add_task(f"Asking {evalset.name}", total=len(questions))
        for question in questions:
            filters = PassageFilter.build(as_of=question.as_of if use_dates else None)
            results.append(evaluate_question(question, observe(assistant, question.question,
                                                               depth, filters)))
            bar.advance(asking)
    return EvalRun(evalset, index.settings, index, results, depth,
                   time.perf_counter() - started, limit, use_dates, sample)
