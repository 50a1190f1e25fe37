"""The confidence model and its calibration."""

import json

import numpy as np
import pytest

from newsqa.assistant.confidence import FEATURES, Signals, days_between, probability
from newsqa.eval.calibrate import calibrate, fit_logistic


def test_confident_answer_and_low_confidence_decline_on_the_sample(sample_assistant):
    answered = sample_assistant.ask("What did Putin demand?")
    assert not answered.abstained
    assert 0.0 < answered.confidence <= 1.0
    assert set(answered.signals) == set(FEATURES)
    assert answered.signals["coverage"] > 0  # "Putin" and "demand" are in the sentence/title

    strict = sample_assistant.answerer
    saved = strict.min_confidence
    try:
        strict.min_confidence = min(1.0, answered.confidence + 0.01)
        declined = sample_assistant.ask("What did Putin demand?")
    finally:
        strict.min_confidence = saved
    assert declined.abstained and not declined.citations
    assert "confident" in declined.answer


def test_probability_rises_with_score_and_falls_with_age():
    base = dict(score=5.0, lead=2.0, support=2.0, coverage=0.8, typed=1.0, age=0.0)
    assert probability(Signals(**{**base, "score": 8.0})) > probability(Signals(**base))
    assert probability(Signals(**{**base, "age": 5.0})) < probability(Signals(**base))


def test_days_between_counts_back_from_the_reference_day():
    assert days_between("2022-01-28", 20220204) == 7.0
    assert days_between(None, 20220204) == 0.0
    assert days_between("2022-02-10", 20220204) == 0.0  # never negative


def test_fit_logistic_learns_the_direction_of_a_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(float)
    w = fit_logistic(x, y)
    assert w[1] > 2.0 and abs(w[2]) < 0.5 * w[1]


def test_calibrate_picks_the_threshold_with_the_best_crag(tmp_path):
    rows = []
    for i in range(60):  # high score: right; low score: wrong
        right = i % 2 == 0
        signals = {name: 0.0 for name in FEATURES} | {"score": 8.0 if right else -1.0}
        rows.append({"answerable": True, "abstained": False, "signals": signals,
                     "verdict": {"crag": 1 if right else -1}})
    rows.append({"answerable": False, "abstained": True, "signals": {}, "verdict": {"crag": 1}})
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    found = calibrate(path)
    assert found.weights["score"] > 0
    assert found.crag_answer_all == pytest.approx(1 / 61)
    assert found.crag == pytest.approx(31 / 61)  # the 30 wrong answers declined
    assert 0.0 < found.threshold < 1.0


def test_calibrate_refuses_a_run_without_signals(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps({"answerable": True, "abstained": True, "signals": {},
                                "verdict": {"crag": 0}}), encoding="utf-8")
    with pytest.raises(ValueError, match="NEWSQA_MIN_CONFIDENCE=0"):
        calibrate(path)


def test_the_chat_shows_the_estimate_with_the_sources(sample_assistant):
    from newsqa.present import chat_messages

    answer = sample_assistant.ask("What did Putin demand?")
    answer_turn, sources_turn = chat_messages(answer)
    # the quote is led by its headline (after the short answer, when there is one)
    assert "“Inside Macron's Friday call with Putin” — " in answer_turn["content"]
    assert f"{answer.confidence:.0%}" in sources_turn["content"]
    declined = chat_messages(sample_assistant.ask("Who won the World Cup?"))
    assert len(declined) == 1 and "Estimated" not in declined[0]["content"]
