"""Write a run's outputs: `results.jsonl`, `summary.json`, `report.md` and its PNG charts.

`results.jsonl` holds one line per question (question, gold, answer, retrieved and cited
ids, verdicts) so any number in the report can be traced back to the questions behind it.
"""

import json
from pathlib import Path

from newsqa.eval import plots
from newsqa.eval.metrics import calibration_bins
from newsqa.eval.results import QuestionResult

OVERVIEW = [
    ("Answers", ["accuracy", "accuracy_answerable", "token_f1", "answer_words_mean"]),
    ("Short answers", ["short_em", "short_f1", "short_answer_rate", "short_precision",
                       "short_precision_f1", "short_correct_rate", "accuracy_strict_answerable",
                       "short_em_strict_answerable", "short_f1_strict_answerable",
                       "n_strict_answerable"]),
    ("Retrieval", ["answer_hit@1", "answer_hit@5", "answer_hit@10", "evidence_recall@1",
                   "evidence_recall@5", "evidence_recall@10", "evidence_mrr",
                   "evidence_quote_hit@1", "evidence_quote_hit@5", "evidence_quote_hit@10"]),
    ("Citations", ["citation_precision", "citation_correct_rate", "cited_answer_rate",
                   "furniture_first_quote"]),
    ("Honesty", ["decline_rate_unanswerable", "decline_rate_answerable", "wrong_answer_rate",
                 "crag_score"]),
    ("Calibration", ["confidence_ece", "confidence_mean", "n_confidence_scored"]),
    ("Language model", ["llm_generated_rate", "llm_partial_rate", "llm_fallback_rate",
                        "llm_model_declined_rate", "llm_declined_rate",
                        "llm_sentences_supported_rate", "first_token_p50_ms",
                        "first_token_p95_ms"]),
    ("Cost", ["index_build_s", "index_chunks_per_s", "index_passages", "latency_p50_ms",
              "latency_p95_ms", "run_s"]),
    ("Counts", ["n", "n_answerable", "n_unanswerable", "n_answered", "n_answer_hit_scored",
                "n_evidence_scored"]),
]
TYPE_COLUMNS = ["n", "accuracy", "short_em", "short_f1", "short_precision", "token_f1", "answer_hit@5", "answer_hit@10", "evidence_recall@5",
                "citation_correct_rate", "decline_rate_unanswerable", "wrong_answer_rate",
                "crag_score", "latency_p50_ms"]
FAILURES_SHOWN = 25
DEFINITIONS = [
    "* Matching: gold and text are normalised (case, accents, quotes/dashes, apostrophes, "
    "periods, thousands separators, punctuation) and compared as whole-token sequences; a "
    "leading the/a/an may be missing; an 'X and Y' gold matches when every part occurs. "
    "Yes/No golds count only when the answer opens with Yes/No.",
    "* accuracy: all questions; an unanswerable question counts as correct when declined. "
    "accuracy_answerable, token_f1, wrong_answer_rate, decline_rate_answerable: answerable only.",
    "* answer_hit@k: a top-k passage holds the gold (answerable, span golds). "
    "evidence_recall@k: share of evidence articles among the top-k passages' articles; "
    "evidence_mrr: 1/rank of the first evidence-article passage. evidence_quote_hit@k: a "
    "top-k passage holds an evidence sentence. Ranks 1..top_k are the passages the answer "
    "step used; deeper ranks continue the same rerank order.",
    "* citation_precision: cited quotes (answered answerable questions) that hold the gold or "
    "share 8+ consecutive tokens with an evidence sentence; citation_correct_rate: such answers "
    "with at least one; cited_answer_rate: answers with any citation; furniture_first_quote: "
    "answers whose first quoted sentence is page furniture (a dateline, an Updated line, a "
    "byline, a credit, a question subhead).",
    "* short_em / short_f1: SQuAD exact match and token F1 of the short answer the reply opens "
    "with (answerable questions; none shown or declined counts 0). *_strict_answerable: "
    "questions whose gold occurs in a sentence of an evidence document together with the "
    "question's key words (RealTime QA's own flag is lexical over whole documents). "
    "short_precision / short_precision_f1: among replies that showed a short answer, its exact "
    "match / token F1 >= 0.5; short_correct_rate: shown short answers that state the gold "
    "(exact, F1 >= 0.5, or containing it). A shown short answer that does not state the gold "
    "makes the whole answer wrong in accuracy and crag_score.",
    "* confidence_ece: expected calibration error of the stated confidence over answered "
    "questions (10 bins; reliability.png plots them).",
    "* crag_score: +1 correct, 0 declined, -1 wrong; on unanswerable questions a decline is +1, "
    "an answer -1. Latency: the chain's own total (retrieve + rerank + answer), after warm-up.",
]


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def result_line(result: QuestionResult) -> dict:
    """The results.jsonl record of one question."""
    data = result.model_dump(mode="json")
    observed = data.pop("observed")
    data["answer"] = observed["answer"]
    data["short_answer"] = observed.get("short_answer")
    data["abstained"] = observed["abstained"]
    data["confidence"] = observed["confidence"]
    data["relevance"] = observed["relevance"]
    data["signals"] = observed["signals"]
    data["latency_ms"] = observed["latency_ms"]
    data["timings_ms"] = observed["timings_ms"]
    data["retrieved"] = observed["ranking"]
    data["citations"] = observed["citations"]
    if observed.get("generation"):
        data["generation"] = observed["generation"]
    return data


def write_results(results: list[QuestionResult], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result_line(result), ensure_ascii=False) + "\n")
    return path


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(row) + " |" for row in rows])


def _failures(results: list[QuestionResult]) -> list[str]:
    failed = [r for r in results if not r.verdict.correct]
    if not failed:
        return ["No failed questions."]
    rows = []
    for r in failed[:FAILURES_SHOWN]:
        answer = "(declined)" if r.observed.abstained else r.observed.answer
        answer = " ".join(answer.split())[:160].replace("|", "\\|")
        rows.append([r.id, r.type, r.verdict.outcome, r.question[:90].replace("|", "\\|"),
                     (r.gold or "(unanswerable)")[:40].replace("|", "\\|"), answer,
                     fmt(r.verdict.answer_rank)])
    lines = _table(["id", "type", "outcome", "question", "gold", "answer", "gold rank"], rows)
    if len(failed) > FAILURES_SHOWN:
        lines.append(f"\n…and {len(failed) - FAILURES_SHOWN} more (see results.jsonl).")
    return lines


def write_report(summary: dict, results: list[QuestionResult], folder: Path) -> Path:
    charts = {
        "by type": plots.metrics_by_type(summary["by_type"], folder / "metrics_by_type.png"),
        "hit/recall at k": plots.recall_curve(summary["curves"], summary["settings"]["top_k"],
                                              folder / "recall_at_k.png"),
        "calibration": plots.reliability(calibration_bins(results), folder / "reliability.png"),
        "latency": plots.latency_histogram([r.observed.latency_ms for r in results],
                                           folder / "latency.png"),
    }
    metrics = summary["metrics"]
    index = summary["index"]
    lines = [f"# Evaluation: {summary['testset']}", "",
             f"{summary['description']}.", "",
             f"Run started {summary['started_at']}; {metrics['n']} of "
             f"{summary['questions_in_set']} questions"
             + (f" (--limit {summary['limit']})" if summary["limit"] else "")
             + (f" (--sample {summary['sample']})" if summary.get("sample") else "") + ".",
             f"Index: {index['folder']} ({'reused' if index['reused'] else 'built now'}; "
             f"built {index['built_at']}, {index['skipped']} inputs skipped).",
             "Settings: " + ", ".join(f"{k}={v}" for k, v in summary["settings"].items()
                                      if k != "reranker_model") + ".", ""]
    for title, names in OVERVIEW:
        if all(metrics.get(name) is None for name in names):
            continue  # e.g. the language-model section of an extractive run
        lines += [f"## {title}", ""]
        lines += _table(["metric", "value"], [[name, fmt(metrics.get(name))] for name in names])
        lines.append("")
    lines += ["## By question type", ""]
    lines += _table(["type", *TYPE_COLUMNS],
                    [[name, *(fmt(values.get(c)) for c in TYPE_COLUMNS)]
                     for name, values in summary["by_type"].items()])
    lines += ["", "## Why it declined", ""]
    lines += _table(["questions", "reason", "count"],
                    [[group, reason.replace("|", "\\|"), str(count)]
                     for group, reasons in summary["decline_reasons"].items()
                     for reason, count in reasons.items()] or [["–", "no declines", "0"]])
    lines += ["", "## Charts", ""]
    lines += [f"![{title}]({path.name})" for title, path in charts.items()]
    lines += ["", "## Failed questions", ""] + _failures(results)
    lines += ["", "## Definitions", ""] + DEFINITIONS + [""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_outputs(summary: dict, results: list[QuestionResult], folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    summary_path = folder / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return {
        "results": write_results(results, folder / "results.jsonl"),
        "summary": summary_path,
        "report": write_report(summary, results, folder),
    }
