"""Aggregate per-question verdicts into named metrics, overall and per question type.

Pure functions over `QuestionResult`s: no models, no files, so every number in a report
can be unit-tested. A metric whose population is empty (e.g. decline rate on a set without
unanswerable questions) is `None`, never a made-up 0.

Populations:
* answer_hit@k — answerable questions whose gold is a checkable span (not Yes/No): a
  passage among the top k of the retrieval ranking holds the normalised gold or an alias;
* evidence_recall@k, evidence_mrr — answerable questions with evidence article ids:
  share of the evidence articles among the top-k passages' articles; reciprocal rank of
  the first passage from an evidence article (0 when none in the ranking);
* evidence_quote_hit@k — answerable questions with evidence quotes: a top-k passage holds
  one of them (MultiHop-RAG's published hit rate);
* accuracy — all questions (a decline on an unanswerable one is correct);
  accuracy_answerable, token_f1, wrong_answer_rate, decline_rate_answerable — answerable;
* citation_precision — citations of answered answerable questions whose support can be
  checked; citation_correct_rate — those answers with at least one supported citation;
  cited_answer_rate — answered questions with at least one citation; furniture_first_quote
  — answered questions whose first quoted sentence is page furniture (`assistant/furniture`);
* crag_score — mean of +1 / 0 / -1 over all questions;
* short_em, short_f1 — answerable questions: SQuAD exact match and token F1 of the short
  answer the reply opens with (0 when there is none or the question was declined); the
  `_strict_answerable` variants use the stricter label where a set has one;
* short_precision, short_precision_f1 — answerable questions with a gold whose reply showed
  a short answer: its exact match, and token F1 ≥ 0.5 (a wrong bold answer is worse than
  none, so the short answer is judged among those shown, beside short_answer_rate);
  short_correct_rate — the same population, scored by `verdict.short_matches`;
* confidence_ece — answered questions with a confidence: expected calibration error.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable

from newsqa.assistant.furniture import is_furniture
from newsqa.eval.results import QuestionResult

K_VALUES = (1, 5, 10)
_DECLINE_REASON = re.compile(r"\(([^()]*)\)\.(?:\s|$)")
_NAMED = re.compile(r"\bmentions\b.*$")
Metrics = dict[str, float | int | None]


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), like numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _within(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def answer_hit_at(results: list[QuestionResult], k: int) -> float | None:
    return mean(_within(r.verdict.answer_rank, k) for r in results if r.verdict.answer_rank_scored)


def evidence_recall_at(results: list[QuestionResult], k: int) -> float | None:
    return mean(sum(_within(rank, k) for rank in r.verdict.evidence_ranks) / len(r.verdict.evidence_ranks)
                for r in results if r.verdict.evidence_ranks)


def evidence_mrr(results: list[QuestionResult]) -> float | None:
    def reciprocal(ranks: list[int | None]) -> float:
        found = [rank for rank in ranks if rank is not None]
        return 1 / min(found) if found else 0.0

    return mean(reciprocal(r.verdict.evidence_ranks) for r in results if r.verdict.evidence_ranks)


def quote_hit_at(results: list[QuestionResult], k: int) -> float | None:
    return mean(_within(r.verdict.quote_rank, k) for r in results if r.verdict.quote_rank_scored)


def retrieval_curve(results: list[QuestionResult], depth: int,
                    metric: Callable[[list[QuestionResult], int], float | None]) -> list[float | None]:
    """metric@k for k = 1..depth (for the recall@k plot)."""
    return [metric(results, k) for k in range(1, depth + 1)]


def _answered(results: list[QuestionResult]) -> list[QuestionResult]:
    return [r for r in results if not r.observed.abstained]


def _shown(results: list[QuestionResult]) -> list[QuestionResult]:
    """Questions whose reply opened with a short answer and that have a gold to judge it."""
    return [r for r in results if r.verdict.short_shown and not r.observed.abstained
            and r.gold]


def answer_metrics(results: list[QuestionResult]) -> Metrics:
    answerable = [r for r in results if r.answerable]
    strict = [r for r in answerable if r.strict_answerable]
    return {
        "accuracy": mean(r.verdict.correct for r in results),
        "accuracy_answerable": mean(r.verdict.correct for r in answerable),
        "token_f1": mean(r.verdict.f1 or 0.0 for r in answerable),
        "short_em": mean(r.verdict.short_em or 0.0 for r in answerable),
        "short_f1": mean(r.verdict.short_f1 or 0.0 for r in answerable),
        "short_answer_rate": mean(bool(r.observed.short_answer) and not r.observed.abstained
                                  for r in answerable),
        "short_precision": mean(r.verdict.short_em or 0.0 for r in _shown(answerable)),
        "short_precision_f1": mean((r.verdict.short_f1 or 0.0) >= 0.5
                                   for r in _shown(answerable)),
        "short_correct_rate": mean(bool(r.verdict.short_correct) for r in _shown(answerable)),
        "accuracy_strict_answerable": mean(r.verdict.correct for r in strict),
        "short_em_strict_answerable": mean(r.verdict.short_em or 0.0 for r in strict),
        "short_f1_strict_answerable": mean(r.verdict.short_f1 or 0.0 for r in strict),
        "answer_words_mean": mean(r.verdict.answer_words for r in _answered(results)),
    }


def citation_metrics(results: list[QuestionResult]) -> Metrics:
    answered = _answered(results)
    scored = [r for r in answered if r.verdict.citations_scored]
    flags = [flag for r in scored for flag in r.verdict.citation_supported]
    return {
        "citation_precision": mean(flags),
        "citation_correct_rate": mean(any(r.verdict.citation_supported) for r in scored),
        "cited_answer_rate": mean(bool(r.observed.citations) for r in answered),
        # page furniture ("Updated Oct. 22, 2025, 9:37 a.m. ET") must never be the answer
        "furniture_first_quote": mean(is_furniture(r.observed.citations[0].first_sentence)
                                      for r in answered if r.observed.citations
                                      and r.observed.citations[0].first_sentence),
    }


def honesty_metrics(results: list[QuestionResult]) -> Metrics:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    return {
        "decline_rate_unanswerable": mean(r.observed.abstained for r in unanswerable),
        "decline_rate_answerable": mean(r.observed.abstained for r in answerable),
        "wrong_answer_rate": mean(r.verdict.outcome == "answered_wrong" for r in answerable),
        "crag_score": mean(r.verdict.crag for r in results),
    }


def retrieval_metrics(results: list[QuestionResult]) -> Metrics:
    metrics: Metrics = {}
    for k in K_VALUES:
        metrics[f"answer_hit@{k}"] = answer_hit_at(results, k)
    for k in K_VALUES:
        metrics[f"evidence_recall@{k}"] = evidence_recall_at(results, k)
    metrics["evidence_mrr"] = evidence_mrr(results)
    for k in K_VALUES:
        metrics[f"evidence_quote_hit@{k}"] = quote_hit_at(results, k)
    return metrics


def calibration_bins(results: list[QuestionResult], bins: int = 10) -> list[dict]:
    """Answered questions grouped by stated confidence: per bin the mean confidence and the
    share actually right (a reliability diagram's points)."""
    scored = [(r.observed.confidence, r.verdict.crag > 0) for r in _answered(results)
              if r.observed.confidence is not None]
    out = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        group = [(c, ok) for c, ok in scored if low <= c < high or (i == bins - 1 and c == 1.0)]
        if group:
            out.append({"low": low, "high": high, "n": len(group),
                        "confidence": sum(c for c, _ in group) / len(group),
                        "accuracy": sum(ok for _, ok in group) / len(group)})
    return out


def calibration_metrics(results: list[QuestionResult]) -> Metrics:
    """Expected calibration error: the count-weighted gap between stated confidence and the
    share right, over answered questions (10 bins)."""
    bins = calibration_bins(results)
    total = sum(b["n"] for b in bins)
    return {
        "confidence_ece": (sum(b["n"] * abs(b["confidence"] - b["accuracy"]) for b in bins) / total
                           if total else None),
        "confidence_mean": (sum(b["n"] * b["confidence"] for b in bins) / total if total else None),
        "n_confidence_scored": total,
    }


def latency_metrics(results: list[QuestionResult]) -> Metrics:
    latencies = [r.observed.latency_ms for r in results]
    return {
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


MODES = ("generated", "partial", "fallback", "model-declined", "declined")


def generation_metrics(results: list[QuestionResult]) -> Metrics:
    """How often a language model's answer was used, trimmed or replaced (LLM runs only)."""
    if not any(r.observed.generation.get("model") for r in results):
        return {}
    modes = [r.observed.generation.get("mode", "extractive") for r in results]
    first = [r.observed.timings_ms["first_token"] for r in results
             if "first_token" in r.observed.timings_ms]
    checks = [c for r in results for c in r.observed.generation.get("sentences", [])]
    return {
        **{f"llm_{mode.replace('-', '_')}_rate": mean(m == mode for m in modes) for mode in MODES},
        "llm_sentences_supported_rate": mean(c.get("supported", False) for c in checks),
        "first_token_p50_ms": percentile(first, 50),
        "first_token_p95_ms": percentile(first, 95),
    }


def count_metrics(results: list[QuestionResult]) -> Metrics:
    return {
        "n": len(results),
        "n_answerable": sum(r.answerable for r in results),
        "n_unanswerable": sum(not r.answerable for r in results),
        "n_answered": len(_answered(results)),
        "n_strict_answerable": sum(bool(r.answerable and r.strict_answerable) for r in results),
        "n_answer_hit_scored": sum(r.verdict.answer_rank_scored for r in results),
        "n_evidence_scored": sum(bool(r.verdict.evidence_ranks) for r in results),
        "n_probe_inconsistent": sum(not r.observed.probe_consistent for r in results),
    }


def summarize(results: list[QuestionResult]) -> Metrics:
    """Every metric for one group of questions, flat, metric name -> value."""
    return {**count_metrics(results), **answer_metrics(results), **retrieval_metrics(results),
            **citation_metrics(results), **honesty_metrics(results), **calibration_metrics(results),
            **latency_metrics(results),
            **generation_metrics(results)}


def by_type(results: list[QuestionResult]) -> dict[str, Metrics]:
    groups: dict[str, list[QuestionResult]] = {}
    for result in results:
        groups.setdefault(result.type, []).append(result)
    return {name: summarize(group) for name, group in sorted(groups.items())}


def decline_reason(answer: str) -> str:
    """The reason the assistant gave for declining (the names it missed replaced by <names>)."""
    match = _DECLINE_REASON.search(answer)
    reason = match.group(1) if match else "no reason given"
    return _NAMED.sub("mentions <names>", reason)


def decline_reasons(results: list[QuestionResult]) -> dict[str, dict[str, int]]:
    """How often each decline reason occurred, on answerable and unanswerable questions."""
    counts: dict[str, Counter] = {"answerable": Counter(), "unanswerable": Counter()}
    for result in results:
        if result.observed.abstained:
            group = "answerable" if result.answerable else "unanswerable"
            counts[group][decline_reason(result.observed.answer)] += 1
    return {group: dict(counter.most_common()) for group, counter in counts.items()}
