"""End to end on the sample article: retrieve → answer → cite with the real models."""

import json
import os
import subprocess
import sys

import pytest

from newsqa.assistant.answer import question_names

from conftest import SAMPLES


def _cited_quotes(answer):
    return " ".join(c.quote for c in answer.citations)


def _check_citations(answer):
    """Every [n] in the answer has a citation and every citation is used; quotes are exact."""
    assert answer.citations
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.answer
        passage = next(p for p in answer.retrieved if p.chunk_id == citation.chunk_id)
        assert citation.quote in passage.text
        assert citation.title == "Inside Macron's Friday call with Putin"
        assert (citation.source, citation.published) == ("The Week", "2022-01-28")
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_what_did_putin_demand(sample_assistant):
    answer = sample_assistant.ask("What did Putin demand?")
    assert not answer.abstained
    assert "legally binding security guarantees" in answer.answer
    assert "legally binding security guarantees" in _cited_quotes(answer)
    _check_citations(answer)


def test_what_did_macron_advise(sample_assistant):
    answer = sample_assistant.ask("What did Macron advise Putin?")
    assert "respect \"the sovereignty of other countries\"" in answer.answer
    assert "sovereignty of other countries" in _cited_quotes(answer)
    # a bold lead, when one is shown, is what he advised, not who reported it ("Politico")
    assert answer.short_answer is None or "sovereignty" in answer.short_answer.text
    _check_citations(answer)


def test_when_is_answered_with_the_calendar_date(sample_assistant):
    """"on Friday" in an article of Friday, January 28, 2022 is that day, shown in bold and
    cited to the quote that says "Friday"."""
    answer = sample_assistant.ask("When did Macron speak with Putin?")
    short = answer.short_answer
    assert short is not None and short.kind == "date"
    assert short.text == "Friday, January 28, 2022" and short.date == "2022-01-28"
    assert short.quoted == "Friday"
    assert answer.answer.startswith(f"**Friday, January 28, 2022** [{short.n}]")
    cited = next(c for c in answer.citations if c.n == short.n)
    assert "on Friday" in cited.quote
    _check_citations(answer)


def test_who_is_gets_the_description_the_article_gives(sample_assistant):
    answer = sample_assistant.ask("Who is Emmanuel Macron?")
    short = answer.short_answer
    assert short is not None and short.kind == "description"
    assert short.text == "French President"  # not another name from the same sentence
    cited = next(c for c in answer.citations if c.n == short.n)
    assert "French President Emmanuel Macron" in cited.quote
    _check_citations(answer)


def test_did_putin_agree_to_anything(sample_assistant):
    answer = sample_assistant.ask("Did Putin agree to anything?")
    assert "stay in contact" in answer.answer or "de-escalation is needed" in answer.answer
    quotes = _cited_quotes(answer)
    assert "stay in contact" in quotes or "de-escalation is needed" in quotes
    _check_citations(answer)


@pytest.mark.parametrize("question", [
    "What did Biden say about the call?",
    "Who won the World Cup?",
])
def test_unanswerable_questions_are_declined_without_citations(sample_assistant, question):
    answer = sample_assistant.ask(question)
    assert answer.abstained
    assert answer.citations == []
    assert answer.answer.startswith("I could not find this in the indexed articles")


def test_relevance_threshold_declines_even_when_names_are_present(sample_assistant):
    """A question about people in the article, but on a topic it does not cover."""
    answer = sample_assistant.ask("What did Macron say about French pension reform and the retirement age?")
    assert answer.abstained and answer.citations == []
    assert answer.relevance is not None and answer.relevance < sample_assistant.settings.min_relevance


def test_question_names():
    assert question_names("What did Biden say about the call?") == [["Biden"]]
    assert question_names("Did Emmanuel Macron's call with NATO help?") == [["Emmanuel", "Macron"], ["NATO"]]


def test_cli_ask_json(tmp_path):
    env = {**os.environ, "NEWSQA_DATA_DIR": str(tmp_path / "data")}
    newsqa = [sys.executable, "-m", "newsqa.cli"]
    subprocess.run(newsqa + ["ingest", str(SAMPLES)], env=env, check=True, capture_output=True)
    run = subprocess.run(newsqa + ["ask", "What did Putin demand?", "--json"], env=env,
                         check=True, capture_output=True, text=True)
    result = json.loads(run.stdout)
    assert set(result) == {"question", "standalone_question", "answer", "short_answer",
                           "abstained", "kind", "items", "story", "disagreements", "citations",
                           "confidence", "relevance", "timings_ms", "generation"}
    assert "legally binding" in result["answer"] and not result["abstained"]
    assert (result["kind"], result["items"], result["story"], result["disagreements"]) == (
        "answer", [], None, [])
    assert result["generation"]["mode"] == "extractive"
    assert result["confidence"] >= 0.25 and result["relevance"] > 0
    assert {"n", "title", "source", "url", "published", "quote", "article_id",
            "chunk_id"} <= set(result["citations"][0])
    assert "legally binding" in result["citations"][0]["quote"]
    when = json.loads(subprocess.run(newsqa + ["ask", "When did Macron speak with Putin?", "--json"],
                                     env=env, check=True, capture_output=True, text=True).stdout)
    short = when["short_answer"]  # the fact it opens with, cited, and a span of that passage
    assert when["answer"].startswith(f"**{short['text']}** [{short['n']}]")
    assert (short["text"], short["quoted"], short["date"], short["kind"]) == (
        "Friday, January 28, 2022", "Friday", "2022-01-28", "date")
    cited = next(c for c in when["citations"] if c["n"] == short["n"])
    assert "on Friday" in cited["quote"] and short["end"] - short["start"] == len("Friday")
    biden = subprocess.run(newsqa + ["ask", "What did Biden say about the call?", "--json"],
                           env=env, check=True, capture_output=True, text=True)
    assert json.loads(biden.stdout)["abstained"] is True


def test_cli_ask_on_empty_index_says_what_to_do(tmp_path):
    run = subprocess.run([sys.executable, "-m", "newsqa.cli", "ask", "Anything?",
                          "--data-dir", str(tmp_path / "none")], capture_output=True, text=True)
    assert run.returncode == 2
    assert "is empty" in run.stderr and "newsqa ingest" in run.stderr
