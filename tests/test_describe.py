"""'Who is X?' is answered with what the articles say X is, copied from the sentence."""

import pytest
from langchain_core.documents import Document

from newsqa.assistant.describe import describe, subject_of
from newsqa.assistant.rerank import Evidence


def _evidence(*sentences: str) -> list[Evidence]:
    out = []
    for i, sentence in enumerate(sentences):
        text = f"Intro line. {sentence}"
        doc = Document(page_content=text, metadata={"chunk_id": f"c{i}", "article_id": f"a{i}"})
        out.append(Evidence(sentence, 12, 12 + len(sentence), 5.0 - i, doc))
    return out


@pytest.mark.parametrize("question, subject", [
    ("Who is Emmanuel Macron?", "Emmanuel Macron"),
    ("Who's Sam Altman?", "Sam Altman"),
    ("What is Anthropic?", "Anthropic"),
    ("Tell me about Ketanji Brown Jackson", "Ketanji Brown Jackson"),
    ("Who is President Biden?", "Biden"),
    ("Who is the CEO of OpenAI?", None),  # asks for the person holding a role
    ("What is the capital of France?", None),
    ("Who won the Kentucky Derby?", None),
])
def test_the_subject_of_a_who_is_question(question, subject):
    assert subject_of(question) == subject


@pytest.mark.parametrize("subject, sentence, description, pattern", [
    ("Sam Altman", "Sam Altman, the chief executive of OpenAI, said the model was ready.",
     "the chief executive of OpenAI", "appositive"),
    ("Anthropic", "Anthropic is an AI safety company based in San Francisco.",
     "an AI safety company based in San Francisco", "copula"),
    ("Ketanji Brown Jackson", "Supreme Court nominee Ketanji Brown Jackson testified on Monday.",
     "Supreme Court nominee", "title"),
    ("Jackson", "Jackson, who sits on the federal appeals court in Washington, was confirmed.",
     "sits on the federal appeals court in Washington", "relative"),
])
def test_descriptions_by_construction(subject, sentence, description, pattern):
    found = describe(subject, _evidence(sentence))
    assert found is not None and (found.text, found.pattern) == (description, pattern)
    # copied verbatim from the passage, so it is verified by construction
    assert found.evidence.document.page_content[found.start:found.end] == description


def test_an_appositive_beats_a_title_in_a_later_sentence():
    found = describe("Sam Altman", _evidence(
        "OpenAI boss Sam Altman spoke on Monday.",
        "Sam Altman, the chief executive of OpenAI, said the model was ready."))
    assert found.text == "the chief executive of OpenAI"


def test_no_description_is_not_made_up():
    assert describe("Sam Altman", _evidence("Sam Altman said the model was ready.")) is None
    assert describe("Sam Altman", _evidence("The model was ready, the company said.")) is None
