"""The cross-encoder's scores are a function of the question and the sentence alone: not of
the sentences scored beside it, the number of workers, or other questions scored at the
same time. Thresholds and the confidence model are fitted on these scores, so an answer
must not change because an unrelated sentence joined the candidates."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from langchain_core.documents import Document

from newsqa.assistant.rerank import CrossEncoder, SentenceReranker
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


class CountingEncoder(CrossEncoder):
    """The real model, counting the sentences it was asked to score."""

    def __init__(self, model_dir: str):
        super().__init__(model_dir)
        self.scored: list[str] = []

    def score(self, question, texts):
        self.scored += texts
        return super().score(question, texts)


def _passages() -> list[Document]:
    lines = {
        "c1": "Lighthouse keeper retires\n\nMarta Quill retired on Monday after forty years as "
              "keeper of the Fennick Point lighthouse. The harbour board thanked her.",
        "c2": "Harbour news\n\nThe harbour board said the light will be automated in the autumn. "
              "Fishing boats will get a new quay next spring.",
        "c3": "Ferry timetable\n\nThe island ferry will sail twice a day from June, the operator "
              "said. Tickets go on sale in May at the harbour office.",
    }
    return [Document(page_content=text, metadata={"chunk_id": cid, "title": text.split("\n")[0],
                                                  "article_id": cid})
            for cid, text in lines.items()]


def test_a_clear_first_round_skips_the_rest_and_keeps_the_answer():
    every = SentenceReranker(CountingEncoder(model_dir()), top_k=2, max_pairs=24)
    full = every.rerank(QUESTION, _passages())
    encoder = CountingEncoder(model_dir())
    two_rounds = SentenceReranker(encoder, top_k=2, max_pairs=24, first_pairs=2,
                                  clear_score=3.0)
    quick = two_rounds.rerank(QUESTION, _passages())
    assert len(every.cross_encoder.scored) == 6 and len(encoder.scored) == 2
    assert quick.evidence[0].sentence == full.evidence[0].sentence
    assert quick.evidence[0].sentence.startswith("Marta Quill retired")
    assert quick.evidence[0].score == full.evidence[0].score  # the same score either way


def test_an_unclear_first_round_scores_the_whole_shortlist():
    encoder = CountingEncoder(model_dir())
    unreachable = SentenceReranker(encoder, top_k=2, max_pairs=5, first_pairs=2,
                                   clear_score=100.0)
    reranked = unreachable.rerank(QUESTION, _passages())
    assert len(encoder.scored) == 5  # the shortlist, not every sentence
    assert reranked.evidence[0].sentence.startswith("Marta Quill retired")
