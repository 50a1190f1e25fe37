"""Fit the answer-confidence model and pick the decline threshold from an eval run.

Input: the `results.jsonl` of one or more `newsqa eval` runs made with
`NEWSQA_MIN_CONFIDENCE=0` (so every question that reached the answer step was answered and
its signals recorded). Give runs of *several* test sets: the weights are fitted on all of
them together, so no single benchmark's habits (RealTime QA asks about this week's news)
become the product's, and the calibration of the fitted model is reported per set
(expected calibration error, ECE).
A logistic regression (Newton's method in numpy; seven weights need no ML library) learns
P(answer is right) from the signals in `newsqa.assistant.confidence`. Then every threshold
is replayed against the run: a question below it counts as declined, and the threshold with
the best CRAG-style score (+1 right or rightly declined, 0 declined answerable, -1 wrong) is
reported. Copy the weights into `DEFAULT_WEIGHTS` and the threshold into the
`min_confidence` default.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsqa.assistant.confidence import FEATURES


@dataclass(frozen=True)
class Sample:
    signals: dict[str, float]
    answerable: bool
    correct: bool  # the answer was right (or, unanswerable, right by a known gold)
    crag_if_declined: int  # 0 for answerable questions, +1 for unanswerable


@dataclass(frozen=True)
class Calibration:
    weights: dict[str, float]
    per_set: dict[str, dict]  # run -> answered questions, ECE and CRAG at the threshold
    threshold: float
    crag: float  # at the threshold, over all questions of the run
    crag_answer_all: float  # with no confidence decline
    curve: list[tuple[float, float, float]]  # (threshold, crag, share of questions answered)


def read_samples(path: Path) -> tuple[list[Sample], int, int]:
    """Answered questions with signals, plus the count and CRAG total of the others."""
    samples, others, other_crag = [], 0, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        signals = row.get("signals") or {}
        if row["abstained"] or not signals:
            others += 1
            other_crag += row["verdict"]["crag"]
            continue
        samples.append(Sample(signals=signals, answerable=row["answerable"],
                              correct=row["verdict"]["crag"] > 0,
                              crag_if_declined=0 if row["answerable"] else 1))
    return samples, others, other_crag


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50,
                 sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Weights (bias first) of an L2-regularised logistic regression, by Newton's method.
    `sample_weight` lets each test set count equally however many rows it brings."""
    r = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * l2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (r * (p - y)) + penalty @ w
        hessian = (x.T * (r * p * (1 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float | None:
    if not len(p):
        return None
    index = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(p[index == b].mean() - y[index == b].mean()) * (index == b).sum()
                     for b in range(bins) if (index == b).any()) / len(p))


def calibrate(paths: Path | list[Path]) -> Calibration:
    paths = [paths] if isinstance(paths, Path) else list(paths)
    runs = [(path, *read_samples(path)) for path in paths]
    samples = [s for _, found, _, _ in runs for s in found]
    others = sum(n for _, _, n, _ in runs)
    other_crag = sum(c for _, _, _, c in runs)
    if len(samples) < 20:
        raise ValueError(f"{', '.join(map(str, paths))}: only {len(samples)} answered questions "
                         "carry signals; run the eval with NEWSQA_MIN_CONFIDENCE=0 on a larger "
                         "test set")
    x = np.array([[s.signals.get(name, 0.0) for name in FEATURES] for s in samples], dtype=float)
    y = np.array([1.0 if s.correct else 0.0 for s in samples])
    w = fit_logistic(x, y)
    weights = {"bias": float(w[0]), **{name: float(v) for name, v in zip(FEATURES, w[1:])}}
    p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
    total = len(samples) + others
    answered_gain = np.where(y > 0, 1.0, -1.0)
    declined_gain = np.array([s.crag_if_declined for s in samples], dtype=float)
    curve = []
    for threshold in np.round(np.arange(0.0, 0.96, 0.05), 2):
        keep = p >= threshold
        crag = (answered_gain[keep].sum() + declined_gain[~keep].sum() + other_crag) / total
        curve.append((float(threshold), float(crag), float(keep.sum() / total)))
    best = max(curve, key=lambda point: point[1])
    per_set, offset = {}, 0
    for path, found, n_other, crag_other in runs:
        part = slice(offset, offset + len(found))
        offset += len(found)
        keep = p[part] >= best[0]
        crag = (answered_gain[part][keep].sum() + declined_gain[part][~keep].sum()
                + crag_other) / max(len(found) + n_other, 1)
        per_set[str(path)] = {"answered": len(found),
                              "ece": expected_calibration_error(p[part], y[part]),
                              "right_rate": float(y[part].mean()) if len(found) else None,
                              "crag_at_threshold": float(crag)}
    return Calibration(weights=weights, per_set=per_set, threshold=best[0], crag=best[1],
                       crag_answer_all=curve[0][1], curve=curve)
