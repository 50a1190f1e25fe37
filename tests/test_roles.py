"""The question's gap and which span of a sentence fills it (assistant/roles.py), real spaCy."""

import pytest

from newsqa.assistant.nlp import parse
from newsqa.assistant.roles import Fit, gap_of, fit, nominalises


def fits(question: str, sentence: str, span: str) -> Fit:
    doc = parse(sentence)
    start = sentence.index(span)
    tokens = doc.char_span(start, start + len(span), alignment_mode="expand")
    return fit(gap_of(parse(question)), doc, tokens.start, tokens.end)


CASES = [
    # question, sentence, the span that fills the gap, spans that do not
    ("Who won the 2026 Kentucky Derby?",
     "Golden Tempo is the official winner of the 2026 Kentucky Derby, trained by Bob Baffert.",
     "Golden Tempo", ["Bob Baffert", "the 2026 Kentucky Derby"]),
    ("Who conceded defeat in Hungary's election?",
     "Viktor Orban conceded defeat on Sunday evening, Donald Trump said.",
     "Viktor Orban", ["Donald Trump", "defeat"]),
    ("What was stolen from the Louvre?",
     "Thieves stole eight pieces of jewelry once owned by Empress Eugenie from the Louvre.",
     "eight pieces", ["Thieves", "Empress Eugenie", "the Louvre"]),
    ("Who is the CEO of OpenAI?", "OpenAI CEO Sam Altman said the company would grow.",
     "Sam Altman", ["the company"]),
    ("Who did Emmanuel Macron speak with on Friday?",
     "Macron spoke with Vladimir Putin on Friday, Politico reported.",
     "Vladimir Putin", ["Politico", "Macron"]),
    ("Whose exit was announced in a short blog post?",
     "Altman's exit was announced in a short blog post by the board.", "Altman", ["the board"]),
    ("When did the call take place?", "The call took place on Friday, the Kremlin said.",
     "Friday", ["the Kremlin"]),
    ("Who was arrested on Monday?", "Police arrested John Smith on Monday.",
     "John Smith", ["Police"]),
    ("Who arrested the suspect?", "The suspect was arrested by state troopers late Tuesday.",
     "state troopers", ["The suspect"]),
]


@pytest.mark.parametrize("question, sentence, answer, others", CASES)
def test_the_span_that_fills_the_gap_is_found(question, sentence, answer, others):
    assert fits(question, sentence, answer).role == 1.0
    for other in others:
        assert fits(question, sentence, other).role == 0.0, other


def test_the_other_core_role_of_the_same_predicate_is_marked_wrong():
    # the object is asked for; the subject of the same verb is the wrong role
    found = fits("Who was arrested on Monday?", "Police arrested John Smith on Monday.", "Police")
    assert found.other == 1.0 and found.predicate == 1.0
    found = fits("Who conceded defeat?", "Viktor Orban conceded defeat on Sunday evening, "
                 "Donald Trump said.", "defeat")
    assert found.other == 1.0


def test_a_sentence_without_the_predicate_fits_nothing():
    found = fits("Who won the Kentucky Derby?", "Bob Baffert trained the horse for a year.",
                 "Bob Baffert")
    assert found == Fit(0.0, 0.0, 0.0)


def test_active_and_passive_are_the_same_gap():
    question = "What did the thieves steal?"
    assert fits(question, "The jewels were stolen by thieves on Sunday.", "The jewels").role == 1.0
    assert fits(question, "The thieves stole the jewels on Sunday.", "the jewels").role == 1.0
    assert fits(question, "The thieves stole the jewels on Sunday.", "The thieves").role == 0.0


def test_a_question_without_a_wh_word_has_no_gap():
    assert gap_of(parse("Did Putin agree to anything?")) is None


@pytest.mark.parametrize("verb, noun, expected", [
    ("win", "winner", True), ("elect", "election", True), ("announce", "announcement", True),
    ("steal", "theft", False), ("win", "window", False), ("be", "bee", False),
])
def test_nominalisations(verb, noun, expected):
    assert nominalises(verb, noun) is expected
