"""Follow-up questions are rewritten against the chat before retrieval (offline method)."""

import pytest

from newsqa.assistant.followup import standalone, standalone_from_history
from newsqa.page.ask import user_questions


@pytest.mark.parametrize("previous, question, expected", [
    ("What did Putin demand?", "What about Macron?", "What did Macron demand?"),
    ("What did Putin demand?", "And Macron?", "What did Macron demand?"),
    ("What did Putin demand?", "Did he agree to anything?", "Did Putin agree to anything?"),
    ("What did Putin demand?", "What was his main worry?", "What was Putin's main worry?"),
    ("Why did Macron and Putin talk?", "How long did they talk?",
     "How long did Macron and Putin talk?"),
    ("What did Putin demand?", "When was that?", "When was that? (context: What did Putin demand?)"),
    ("What did Putin demand?", "Why?", "Why? (context: What did Putin demand?)"),
    # standalone questions are left alone
    ("What did Putin demand?", "What did Biden say about the call?",
     "What did Biden say about the call?"),
    (None, "Did he agree?", "Did he agree?"),
])
def test_standalone(previous, question, expected):
    assert standalone(question, previous) == expected


def test_a_chain_of_follow_ups_keeps_its_subject():
    history = ["What did Putin demand?", "What about Macron?"]
    assert standalone_from_history("Did he agree?", history) == "Did Macron agree?"


def test_user_questions_reads_gradio_message_histories():
    history = [{"role": "user", "content": "What did Putin demand?"},
               {"role": "assistant", "content": "…", "metadata": None},
               {"role": "user", "content": [{"type": "text", "text": "What about Macron?"}]}]
    assert user_questions(history) == ["What did Putin demand?", "What about Macron?"]


def test_follow_ups_on_the_sample_article(sample_assistant):
    history = ["What did Putin demand?"]
    agreed = sample_assistant.ask("Did he agree to anything?", history=history)
    assert agreed.standalone_question == "Did Putin agree to anything?"
    assert "stay in contact" in agreed.answer or "de-escalation" in agreed.answer

    macron = sample_assistant.ask("What about Macron?", history=history)
    assert macron.standalone_question == "What did Macron demand?"
    assert not macron.abstained and macron.citations
    # what he demanded, not a name standing beside it ("**Vladimir Putin**" was shown once)
    assert macron.short_answer is None or not {"Putin", "Macron"} & set(macron.short_answer.text.split())

    biden = sample_assistant.ask("What about Biden?", history=history)
    assert biden.standalone_question == "What did Biden demand?"
    assert biden.abstained  # the follow-up does not make the article talk about Biden

    plain = sample_assistant.ask("What did Putin demand?")
    assert plain.standalone_question is None
