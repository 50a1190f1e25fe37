"""The summary object of a run: metrics overall and per type, cost, and what was run.

This is what `--json` prints and `summary.json` holds; the CI floors are checked against
its `metrics` (metric name -> value).
"""

from newsqa.eval.metrics import (Metrics, answer_hit_at, by_type, decline_reasons,
                                 evidence_recall_at, quote_hit_at, retrieval_curve, summarize)
from newsqa.eval.runner import EvalRun


def cost_metrics(run: EvalRun) -> Metrics:
    build = run.index.build
    return {
        "index_build_s": build.seconds,
        "index_chunks_per_s": build.chunks_per_s,
        "index_passages": build.passages_total,
        "index_articles": build.articles,
        "run_s": round(run.seconds, 2),
    }


def curves(run: EvalRun) -> dict[str, list[float | None]]:
    return {
        "answer_hit": retrieval_curve(run.results, run.depth, answer_hit_at),
        "evidence_recall": retrieval_curve(run.results, run.depth, evidence_recall_at),
        "evidence_quote_hit": retrieval_curve(run.results, run.depth, quote_hit_at),
    }


def build_summary(run: EvalRun, started_at: str) -> dict:
    settings = run.settings
    return {
        "testset": run.evalset.name,
        "description": run.evalset.description,
        "started_at": started_at,
        "limit": run.limit,
        "sample": run.sample,
        "questions_in_set": len(run.evalset.questions),
        "settings": {
            "top_k": settings.top_k,
            "retrieval_depth": run.depth,
            "hybrid": settings.hybrid,
            "rerank": settings.rerank,
            "candidates": settings.candidates,
            "embedding_model": run.index.build.embedding_model,
            "reranker_model": settings.reranker_model,
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap_sentences": settings.chunk_overlap_sentences,
            "min_relevance": settings.min_relevance,
            "max_answer_sentences": settings.max_answer_sentences,
            **settings.model_dump(include={
                "rerank_max_pairs", "search_depth", "recency_bonus", "dedupe_threshold",
                "type_bonus", "answer_margin", "min_confidence", "answer_headline", "llm",
                "min_support", "llm_max_tokens", "llm_temperature"}),
            "as_of_dates": run.use_dates,
        },
        "index": {
            "folder": str(run.index.folder),
            "key": run.index.build.key,
            "corpus": run.index.build.corpus,
            "reused": run.index.reused,
            "built_at": run.index.build.built_at,
            "skipped": run.index.build.skipped,
            "skipped_examples": list(run.index.build.skipped_examples),
        },
        "metrics": {**summarize(run.results), **cost_metrics(run)},
        "by_type": by_type(run.results),
        "curves": curves(run),
        "decline_reasons": decline_reasons(run.results),
    }
