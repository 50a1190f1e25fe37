"""Fit the short-answer model on recorded evidence from several test sets, and check it on each.

Input: recordings made by `replay.record()` (the exact passages and sentence scores the
answer step sees). Every candidate span of every answerable question with a span gold
(not Yes/No) becomes one row: its features (`assistant.short.FEATURES`) and whether it is
the gold answer (SQuAD-normalised exact match, or token F1 ≥ 0.67 for golds that differ by a
word such as a title). One logistic regression is fitted on the rows of *all* given sets,
each set weighted to count as much as any other, so no single benchmark's habits decide the
weights.

Held out, twice over: questions whose ids are in `exclude` (the smoke sets, which the CI gate
measures) never enter a fit; and every figure reported is cross-validated by question
(each fold's questions scored by weights fitted without them). "When" questions have a model
of their own (`assistant.short.MODELS`): their candidates are dates, whose signals differ
from a name's, and one model for both let the date questions move the others. The threshold shown to users
(`min_short_score`) is the lowest probability at which the cross-validated precision of the
shown short answers (exact match among those shown) reaches the target on every set: a
wrong bold answer costs more than none.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsqa.assistant.asks import asked_for
from newsqa.assistant.short import FEATURES, MODELS, ShortAnswerer, model_for, pick, question_tense
from newsqa.eval.calibrate import fit_logistic
from newsqa.eval.normalize import is_yes_no, same_answer as exact, token_f1
from newsqa.eval.replay import Recorded, load


def is_gold(text: str, golds: list[str]) -> bool:
    return any(exact(text, g) or token_f1(text, g) >= 0.67 for g in golds)


def span_questions(rows: list[Recorded], exclude: frozenset[str] = frozenset()) -> list[Recorded]:
    return [r for r in rows if r.question.answerable and r.question.answer
            and not is_yes_no(r.question.answer) and r.question.id not in exclude]


def fold_of(question_id: str, folds: int) -> int:
    """A stable fold per question (the same in every run and on every machine)."""
    return int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % folds


@dataclass
class Scored:
    """One question's candidates with their features, ready to fit on or to score."""

    question: Recorded
    x: np.ndarray  # one row per candidate group
    gold: np.ndarray  # 1.0 where that candidate is the gold
    texts: list[str]
    model: str = "other"  # which of MODELS scores it (assistant.short.model_for)


def scored_questions(rows: list[Recorded], exclude: frozenset[str] = frozenset()) -> list[Scored]:
    answerer = ShortAnswerer(min_score=0.0)
    out = []
    for r in span_questions(rows, exclude):
        asked = asked_for(r.searched)
        found = answerer.scored(r.searched, r.reranked, asked)
        future = question_tense(r.searched)
        texts = [pick(group, r.reranked.documents, kind=asked.kind, future=future).shown
                 for _, group, _ in found]
        x = np.array([[values[name] for name in FEATURES] for _, _, values in found],
                     dtype=float).reshape(-1, len(FEATURES))
        out.append(Scored(r, x, np.array([1.0 if is_gold(t, r.question.golds) else 0.0
                                          for t in texts]), texts, model_for(asked.kind)))
    return out


def fit_scored(sets: list[list[Scored]], *, l2: float = 1.0) -> dict[str, float]:
    """Weights from the candidates of all sets, each set counting as much as any other."""
    xs = [np.vstack([q.x for q in qs]) if qs else np.zeros((0, len(FEATURES))) for qs in sets]
    ys = [np.concatenate([q.gold for q in qs]) if qs else np.zeros(0) for qs in sets]
    total = sum(len(y) for y in ys)
    weight = np.concatenate([np.full(len(y), total / (len(ys) * max(len(y), 1))) for y in ys])
    w = fit_logistic(np.vstack(xs), np.concatenate(ys), l2=l2, sample_weight=weight)
    return {"bias": float(w[0]), **{n: float(v) for n, v in zip(FEATURES, w[1:])}}


@dataclass(frozen=True)
class Prediction:
    """The best candidate of one question under some weights."""

    probability: float  # 0 when the question had no candidate
    exact: bool
    f1: float


def predict(question: Scored, weights: dict[str, float]) -> Prediction:
    if not len(question.x):
        return Prediction(0.0, False, 0.0)
    w = np.array([weights.get(n, 0.0) for n in FEATURES])
    z = np.clip(weights.get("bias", 0.0) + question.x @ w, -40, 40)
    p = 1.0 / (1.0 + np.exp(-z))
    best = int(np.argmax(p))
    text, golds = question.texts[best], question.question.question.golds
    return Prediction(float(p[best]), any(exact(text, g) for g in golds),
                      max(token_f1(text, g) for g in golds))


def cross_validated(sets: list[list[Scored]], *, folds: int = 5,
                    l2: float = 1.0) -> list[list[Prediction]]:
    """Every question's prediction by weights fitted on the other folds (of every set)."""
    out: list[list[Prediction | None]] = [[None] * len(qs) for qs in sets]
    for fold in range(folds):
        train = [[q for q in qs if fold_of(q.question.question.id, folds) != fold] for qs in sets]
        weights = fit_scored(train, l2=l2)
        for s, qs in enumerate(sets):
            for i, q in enumerate(qs):
                if fold_of(q.question.question.id, folds) == fold:
                    out[s][i] = predict(q, weights)
    return out  # type: ignore[return-value]


def cross_validated_models(sets: list[list[Scored]], *, folds: int = 5,
                           l2: float = 1.0) -> list[list[Prediction]]:
    """`cross_validated` for each model on its own questions, put back in question order."""
    out: list[list[Prediction | None]] = [[None] * len(qs) for qs in sets]
    for model in MODELS:
        places = [[i for i, q in enumerate(qs) if q.model == model] for qs in sets]
        if not any(places):
            continue
        found = cross_validated([[qs[i] for i in where] for qs, where in zip(sets, places)],
                                folds=folds, l2=l2)
        for s, (where, predicted) in enumerate(zip(places, found)):
            for i, prediction in zip(where, predicted):
                out[s][i] = prediction
    return out  # type: ignore[return-value]


def fit_models(sets: list[list[Scored]], *, l2: float = 1.0) -> dict[str, dict[str, float]]:
    """One weight set per model, each from its own questions of every set (a set without
    any question for a model does not count for it)."""
    fitted = {}
    for model in MODELS:
        chosen = [kept for qs in sets if (kept := [q for q in qs if q.model == model])]
        if chosen:
            fitted[model] = fit_scored(chosen, l2=l2)
    return fitted


@dataclass
class SetReport:
    name: str
    questions: int
    ceiling: float  # share with the gold among the candidates
    shown: float  # share of span questions given a short answer
    precision: float | None  # exact match among those shown
    precision_f1: float | None  # token F1 >= 0.5 among those shown
    exact_match: float  # over all span questions (no short answer counts 0)
    f1: float


def summarise(name: str, questions: list[Scored], predictions: list[Prediction],
              threshold: float) -> SetReport:
    shown = [p for p in predictions if p.probability >= threshold and p.probability > 0]
    n = max(len(questions), 1)
    return SetReport(
        name, len(questions), sum(bool(q.gold.any()) for q in questions) / n, len(shown) / n,
        sum(p.exact for p in shown) / len(shown) if shown else None,
        sum(p.f1 >= 0.5 for p in shown) / len(shown) if shown else None,
        sum(p.exact for p in shown) / n, sum(p.f1 for p in shown) / n)


def threshold_for(predictions: list[list[Prediction]], precision: float,
                  *, min_shown: int = 10) -> float | None:
    """The lowest probability at which every set's shown answers reach `precision` (exact
    match), counting only thresholds that still show `min_shown` answers in each set; None
    when no threshold does."""
    candidates = sorted({round(p.probability, 4) for ps in predictions for p in ps
                         if p.probability > 0})
    for t in candidates:
        ok = True
        for ps in predictions:
            shown = [p for p in ps if p.probability >= t]
            if len(shown) < min_shown or sum(p.exact for p in shown) / len(shown) < precision:
                ok = False
                break
        if ok:
            return t
    return None


def report(name: str, rows: list[Recorded], answerer: ShortAnswerer,
           exclude: frozenset[str] = frozenset()) -> SetReport:
    """The figures of fixed weights (e.g. the product's defaults) on one recording."""
    questions = scored_questions(rows, exclude)
    predictions = [predict(q, answerer.date_weights if q.model == "date" else answerer.weights)
                   for q in questions]
    return summarise(name, questions, predictions, answerer.min_score)


def fit(paths: list[Path], *, l2: float = 1.0,
        exclude: frozenset[str] = frozenset()) -> dict[str, dict[str, float]]:
    return fit_models([scored_questions(load(p), exclude) for p in paths], l2=l2)
