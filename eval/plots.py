"""PNG charts for the run report (matplotlib, headless Agg backend).

Four pictures answer the usual questions about a run: which question types fail
(metrics by type), whether retrieving more passages would help (hit/recall@k curve), whether
the stated confidence can be trusted (reliability diagram), and how long users wait
(latency histogram).
"""

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

TYPE_METRICS = ("accuracy", "answer_hit@5", "evidence_recall@5", "citation_correct_rate",
                "decline_rate_unanswerable")


def _value(value: float | None) -> float:
    return math.nan if value is None else float(value)


def metrics_by_type(by_type: dict[str, dict], path: Path) -> Path:
    types = list(by_type)
    metrics = [m for m in TYPE_METRICS if any(by_type[t].get(m) is not None for t in types)]
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * len(types) + 3), 4))
    width = 0.8 / max(len(metrics), 1)
    for i, metric in enumerate(metrics):
        positions = [j + i * width for j in range(len(types))]
        axes.bar(positions, [_value(by_type[t].get(metric)) for t in types], width, label=metric)
    axes.set_xticks([j + width * (len(metrics) - 1) / 2 for j in range(len(types))])
    axes.set_xticklabels([f"{t}\n(n={by_type[t]['n']})" for t in types], fontsize=8)
    return _save_rate_plot(figure, axes, "Metrics by question type", "upper right", path)


def _save_rate_plot(figure, axes, title: str, legend_at: str, path: Path) -> Path:
    """Finish a plot of rates (0..1) and write it as PNG."""
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("rate")
    axes.set_title(title)
    axes.legend(fontsize=7, loc=legend_at)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def recall_curve(curves: dict[str, list[float | None]], top_k: int, path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(6, 4))
    for name, values in curves.items():
        if any(v is not None for v in values):
            axes.plot(range(1, len(values) + 1), [_value(v) for v in values], marker="o",
                      label=f"{name}@k")
    axes.axvline(top_k, color="grey", linestyle=":", label=f"top_k={top_k} (fed to the answer)")
    axes.set_xlabel("k (passages)")
    return _save_rate_plot(figure, axes, "Retrieval: hit / recall at k", "lower right", path)


def reliability(bins: list[dict], path: Path) -> Path:
    """Stated confidence against the share right, per bin (the diagonal is perfect)."""
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    if bins:
        axes.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o",
                  label="answered questions")
        for b in bins:
            axes.annotate(str(b["n"]), (b["confidence"], b["accuracy"]), fontsize=7,
                          textcoords="offset points", xytext=(4, -10))
    axes.set_xlim(0, 1)
    axes.set_xlabel("stated confidence (bin mean; labels: questions)")
    return _save_rate_plot(figure, axes, "Confidence reliability", "upper left", path)


def latency_histogram(latencies_ms: list[float], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.hist(latencies_ms, bins=min(30, max(5, len(latencies_ms) // 3)), color="steelblue")
    axes.set_xlabel("question latency (ms, retrieve + answer)")
    axes.set_ylabel("questions")
    axes.set_title("Latency per question")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def scaling_curve(by_size: dict[str, dict], path: Path) -> Path:
    """`newsqa bench` across store sizes: latency, memory and disk, and the cost of change."""
    sizes = sorted(by_size, key=int)
    xs = [int(s) for s in sizes]

    def series(key):
        return [_value(by_size[s].get(key)) for s in sizes]

    figure, ((latency, memory), (change, start)) = plt.subplots(2, 2, figsize=(10, 7))
    for key, label in (("total_p50_ms", "answer p50"), ("total_p95_ms", "answer p95"),
                       ("retrieve_p50_ms", "retrieve p50"), ("rerank_p50_ms", "rerank p50")):
        latency.plot(xs, series(key), marker="o", label=label)
    latency.set_ylabel("ms")
    latency.set_title("Question latency")
    memory.plot(xs, series("rss_mb"), marker="o", label="resident memory, bench process")
    memory.plot(xs, series("serving_rss_mb"), marker="^", label="resident memory, newsqa serve")
    memory.plot(xs, series("disk_mb"), marker="s", label="index on disk")
    memory.set_ylabel("MB")
    memory.set_title("Memory and disk")
    change.plot(xs, series("add_s"), marker="o", label="add 10 articles (end to end)")
    change.plot(xs, series("add_keyword_s"), marker="s", label="of which keyword index")
    change.set_ylabel("s")
    change.set_title("Adding articles to the full index")
    start.plot(xs, series("cold_start_app_s"), marker="o", label="app to first answer")
    start.plot(xs, series("cold_start_ask_s"), marker="s", label="newsqa ask")
    start.set_ylabel("s")
    start.set_title("Cold start")
    for axes in (latency, memory, change, start):
        axes.set_xscale("log")
        axes.set_xlabel("passages in the index")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
