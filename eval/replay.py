"""Record what the answer step was given, then replay answer-stage variants without models.

Retrieval and reranking cost ~0.3 s a question; the answer step (short answer, Yes/No,
confidence) costs a few milliseconds. `record()` runs the product's own chain (the same
`NewsAssistant` the UI uses) over a test set once and pickles, per question, the reranked
passages and scored sentences; `replay()` feeds them to any `Draft`-making function. Fitting
the short-answer and confidence models and the ablations in docs/answers.md use it, so a
weight change is measured on hundreds of questions in seconds and on the exact evidence the
product would see. Recordings are local files (they hold test-set text): never commit them.
"""

import pickle
from dataclasses import dataclass
from pathlib import Path

from newsqa.assistant.rerank import Reranked
from newsqa.eval.registry import EvalSet
from newsqa.eval.testset import TestQuestion
from newsqa.index.filters import PassageFilter
from newsqa.settings import Settings


@dataclass
class Recorded:
    question: TestQuestion
    searched: str  # the standalone question the chain searched for
    filters: PassageFilter
    reranked: Reranked


def record(evalset: EvalSet, settings: Settings, out: Path, *, use_dates: bool = True,
           limit: int | None = None) -> Path:
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.eval.cache import cached_index
    from newsqa.index.embed import load_embedder

    embedder = load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size,
                             threads=settings.threads)
    index = cached_index(evalset.corpus, settings, embedder)
    assistant = NewsAssistant(index.settings, embedder=embedder, store=index.store)
    rows = []
    for question in evalset.questions[:limit] if limit else evalset.questions:
        filters = PassageFilter.build(as_of=question.as_of if use_dates else None)
        state = assistant.chain.invoke({"question": question.question, "filters": filters})
        rows.append(Recorded(question, state.question, state.filters, state.reranked))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        pickle.dump(rows, handle)
    return out


def load(path: Path, questions: list[TestQuestion] | None = None) -> list[Recorded]:
    """The recording; `questions` (the set as loaded now) replace the recorded ones by id, so
    labels added since the recording (e.g. `strict_answerable`) are seen."""
    with Path(path).open("rb") as handle:
        rows = pickle.load(handle)
    by_id = {q.id: q for q in questions or []}
    for row in rows:
        row.question = by_id.get(row.question.id) or TestQuestion(**dict(row.question.__dict__))
    return rows


def replay(rows: list[Recorded], answerer) -> list:
    """Judge `answerer` (an `ExtractiveAnswerer`) on recorded evidence: `QuestionResult`s
    with answer-stage verdicts (the ranking is not replayed, so retrieval metrics are empty)."""
    from newsqa.assistant.cite import compose
    from newsqa.eval.results import CitedQuote, Observed
    from newsqa.eval.runner import evaluate_question

    results = []
    for r in rows:
        draft = answerer.draft(r.searched, r.reranked, reference_day=r.filters.latest_day)
        text, citations, short = compose(draft)
        observed = Observed(
            answer=text, abstained=draft.declined, confidence=draft.confidence,
            relevance=draft.best_score, signals=draft.signals.as_dict() if draft.signals else {},
            citations=[CitedQuote(n=c.n, article_id=c.article_id, chunk_id=c.chunk_id,
                                  quote=c.quote, first_sentence=c.quote[c.spans[0][0]:c.spans[0][1]]
                                  if c.spans else "") for c in citations],
            short_answer=short.text if short is not None and not draft.declined else None)
        results.append(evaluate_question(r.question, observed))
    return results
