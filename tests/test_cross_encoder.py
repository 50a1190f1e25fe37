"""The cross-encoder's scores are a function of the question and the sentence alone: not of
the sentences scored beside it, the number of workers, or other questions scored at the
same time. Thresholds and the confidence model are fitted on these scores, so an answer
must not change because an unrelated sentence joined the candidates."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from newsqa.assistant.rerank import CrossEncoder
from newsqa.settings import Settings

QUESTION = "Who retired as keeper of the Fennick Point lighthouse?"
SENTENCES = [
    "Lighthouse keeper retires. Marta Quill retired on Monday after forty years as keeper "
    "of the Fennick Point lighthouse.",
    "Lighthouse keeper retires. The harbour board said the light will be automated in the autumn.",
    "Ferry timetable. The island ferry will sail twice a day from June, the operator said.",
    "Budget vote. Parliament passed the budget by a narrow margin late on Thursday night after "
    "a long debate about spending on schools, hospitals and the roads of the northern provinces.",
    "Weather. Rain.",
]


def model_dir() -> str:
    return Settings().reranker_model


def test_a_score_does_not_depend_on_its_neighbours_or_the_workers():
    together = CrossEncoder(model_dir(), threads=2).score(QUESTION, SENTENCES)
    one_worker = CrossEncoder(model_dir(), threads=1).score(QUESTION, SENTENCES)
    alone = np.array([CrossEncoder(model_dir(), threads=2).score(QUESTION, [s])[0]
                      for s in SENTENCES])
    reversed_order = CrossEncoder(model_dir(), threads=2).score(QUESTION, SENTENCES[::-1])[::-1]
    for other in (one_worker, alone, reversed_order):
        np.testing.assert_array_equal(together, other)
    assert together.argmax() == 0 and together[0] > 0 > together[2]


def test_questions_scored_at_once_get_the_scores_they_get_alone():
    encoder = CrossEncoder(model_dir(), threads=2)
    other = "When will the island ferry sail twice a day?"
    expected = {q: encoder.score(q, SENTENCES) for q in (QUESTION, other)}
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda q: (q, encoder.score(q, SENTENCES)), [QUESTION, other] * 4))
    for question, scores in runs:
        np.testing.assert_array_equal(scores, expected[question])
    assert encoder.score(QUESTION, []).shape == (0,)
