"""Fit the short-answer model on recorded evidence from several test sets, and check it on each.

Input: recordings made by `replay.record()` (the exact passages and sentence scores the
answer step sees). Every candidate span of every answerable question with a span gold
(not Yes/No) becomes one row: its features (`assistant.short.FEATURES`) and whether it is
the gold answer (SQuAD-normalised exact match, or token F1 ≥ 0.67 for golds that differ by a
word such as a title). One logistic regression is fitted on the rows of *all* given sets,
each set weighted to count as much as any other, so no single benchmark's habits decide the
weights; the report gives, per set, how often
the gold is among the candidates at all (the ceiling), and the exact match and F1 of the
shown short answer at the chosen threshold.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsqa.assistant.short import FEATURES, ShortAnswerer, pick
from newsqa.eval.calibrate import fit_logistic
from newsqa.eval.normalize import exact_match as exact, is_yes_no, token_f1
from newsqa.eval.replay import Recorded, load


def is_gold(text: str, golds: list[str]) -> bool:
    return any(exact(text, g) or token_f1(text, g) >= 0.67 for g in golds)


def span_questions(rows: list[Recorded]) -> list[Recorded]:
    return [r for r in rows if r.question.answerable and r.question.answer
            and not is_yes_no(r.question.answer)]


@dataclass
class SetReport:
    name: str
    questions: int
    ceiling: float  # share with the gold among the candidates
    shown: float
    exact_match: float  # over all span questions (no short answer counts 0)
    f1: float


def rows_of(rows: list[Recorded], answerer: ShortAnswerer) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for r in span_questions(rows):
        for _, group, values in answerer.scored(r.searched, r.reranked):
            text = pick(group, r.reranked.documents).text
            x.append([values[name] for name in FEATURES])
            y.append(1.0 if is_gold(text, r.question.golds) else 0.0)
    return np.array(x, dtype=float).reshape(-1, len(FEATURES)), np.array(y)


def report(name: str, rows: list[Recorded], answerer: ShortAnswerer) -> SetReport:
    questions = span_questions(rows)
    ceiling = shown = em = f1 = 0.0
    for r in questions:
        golds = r.question.golds
        scored = answerer.scored(r.searched, r.reranked)
        ceiling += any(is_gold(pick(g, r.reranked.documents).text, golds) for _, g, _ in scored)
        short = answerer.answer(r.searched, r.reranked)
        if short is not None:
            shown += 1
            em += any(exact(short.text, g) for g in golds)
            f1 += max(token_f1(short.text, g) for g in golds)
    n = max(len(questions), 1)
    return SetReport(name, len(questions), ceiling / n, shown / n, em / n, f1 / n)


def fit(paths: list[Path], *, l2: float = 1.0) -> dict[str, float]:
    answerer = ShortAnswerer(min_score=0.0)
    xs, ys = zip(*(rows_of(load(p), answerer) for p in paths))
    # every set counts as much as the others, however many candidates it brings
    weight = np.concatenate([np.full(len(y), len(np.concatenate(ys)) / (len(ys) * max(len(y), 1)))
                             for y in ys])
    w = fit_logistic(np.vstack(xs), np.concatenate(ys), l2=l2, sample_weight=weight)
    return {"bias": float(w[0]), **{n: float(v) for n, v in zip(FEATURES, w[1:])}}
