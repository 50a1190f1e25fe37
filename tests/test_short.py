"""Short answers and Yes/No, with the real models and real Chroma on tiny corpora."""

import json

import pytest

from newsqa.assistant.asks import asked_for
from newsqa.assistant.chain import NewsAssistant
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings
from tests.conftest import SAMPLES


def passage_of(answer, n: int) -> str:
    chunk = next(c.chunk_id for c in answer.citations if c.n == n)
    return next(p.text for p in answer.retrieved if p.chunk_id == chunk)


def assert_span_of_cited_passage(answer):
    short = answer.short_answer
    assert short is not None, answer.answer
    assert passage_of(answer, short.n)[short.start:short.end] == short.text
    assert answer.answer.startswith(f"**{short.text}** [{short.n}]")


@pytest.mark.parametrize("question, kind, noun", [
    ("Which European country became the first to pass the law?", "place", "country"),
    ("Former President Joe Biden was diagnosed with which illness?", "thing", "illness"),
    ("What network is the show on?", "org", "network"),
    ("Who won the primary?", "person", None),
    ("How many people died?", "number", None),
    ("When did the strike end?", "date", None),
    ("Did Putin agree to anything?", "yesno", None),
    ("Did the report come before or after the vote?", "choice", None),
    ("What did Biden say about the call?", None, None),
    ("Why did the talks fail?", None, None),
])
def test_questions_are_typed_by_what_they_ask_for(question, kind, noun):
    asked = asked_for(question)
    assert (asked.kind, asked.noun) == (kind, noun)


def test_the_answer_opens_with_the_name_asked_for(sample_assistant):
    answer = sample_assistant.ask("Who did Emmanuel Macron speak with on Friday?")
    assert not answer.abstained
    assert answer.short_answer.text == "Vladimir Putin"
    assert_span_of_cited_passage(answer)
    # the supporting quote follows the short answer
    assert "spoke with Russian President Vladimir Putin" in answer.answer


def test_the_short_answer_is_never_the_questions_own_words(sample_assistant):
    from newsqa.assistant.short import ShortAnswerer
    from newsqa.assistant.words import content_stems

    question = "Which outlet reported that both leaders agreed de-escalation is needed?"
    state = sample_assistant.chain.invoke({"question": question})
    scored = ShortAnswerer(min_score=0.0).scored(question, state.reranked)
    texts = [c.text for _, group, _ in scored for c in group]
    assert "France24" in texts  # the answer is a candidate
    asked = set(content_stems(question))
    assert all(not set(content_stems(t)) <= asked for t in texts)  # "leaders", "de-escalation" never


def test_yes_when_the_evidence_states_it(sample_assistant):
    answer = sample_assistant.ask("Did Putin agree to anything?")
    assert not answer.abstained
    assert answer.answer.startswith("**Yes.**")
    assert answer.short_answer.text == "Yes" and answer.short_answer.kind == "yesno"
    assert "agree" in passage_of(answer, 1)[answer.short_answer.start:answer.short_answer.end]


def test_a_yes_no_question_the_quote_does_not_decide_gets_the_quote_without_yes_or_no(
        sample_assistant):
    answer = sample_assistant.ask("Did Moscow soften its demands on Friday?")
    assert not answer.abstained
    assert "remained steadfast in its demands" in answer.answer
    assert not answer.answer.startswith(("**Yes", "**No"))


def test_a_comparison_the_articles_do_not_settle_is_declined_with_the_closest_evidence(
        sample_assistant):
    answer = sample_assistant.ask("Was the Kremlin's account of the call consistent with "
                                  "Politico's report of the call?")
    assert answer.abstained
    assert answer.answer.startswith("The articles do not settle this")
    assert answer.citations and answer.short_answer is None


@pytest.fixture(scope="module")
def altman_assistant(tmp_path_factory, embedder, reranker):
    folder = tmp_path_factory.mktemp("altman")
    (folder / "a.jsonl").write_text(json.dumps({
        "id": "openai-1", "title": "OpenAI board fires its chief executive",
        "source": "Example News", "published": "2023-11-18",
        "text": "Sam Altman was removed as chief executive of OpenAI on Friday, the company "
                "said. The board said it had lost confidence in him.\n\nInvestors were "
                "surprised. Altman's exit was announced in a short blog post by the board of "
                "directors, which said he had not been consistently candid."}) + "\n")
    settings = Settings(data_dir=folder / "data")
    ingest([folder / "a.jsonl"], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


def test_a_surname_is_given_as_the_full_name_the_article_uses(altman_assistant):
    from newsqa.assistant.short import ShortAnswerer

    question = "Whose exit was announced in a short blog post?"
    state = altman_assistant.chain.invoke({"question": question})
    short = ShortAnswerer(min_score=0.0).answer(question, state.reranked)
    assert short is not None and short.text == "Sam Altman"
    assert short.document.page_content[short.start:short.end] == "Sam Altman"


SAMPLE_QUESTIONS = ["What did Putin demand?", "What did Macron advise Putin?",
                    "Did Putin agree to anything?", "Who did Emmanuel Macron speak with on Friday?",
                    "What did Biden say about the call?"]


@pytest.fixture(scope="module")
def sample_with_unrelated(tmp_path_factory, embedder, reranker):
    """The sample article plus unrelated articles, much newer and much older."""
    folder = tmp_path_factory.mktemp("unrelated")
    rows = [
        {"id": "u1", "title": "City council approves new bike lanes", "source": "Local Daily",
         "published": "2025-06-02", "text": "The city council voted 7-2 on Monday to approve "
         "twelve miles of protected bike lanes downtown. Construction starts in the autumn."},
        {"id": "u2", "title": "Heat wave grips southern Europe", "source": "Weather Desk",
         "published": "2026-07-15", "text": "Temperatures above 40C were recorded in Spain and "
         "Italy this week, and officials urged people to stay indoors at midday."},
        {"id": "u3", "title": "Local bakery wins national prize", "source": "Local Daily",
         "published": "2009-03-10", "text": "A family bakery on Main Street won the national "
         "bread prize for its sourdough, the judges said on Tuesday."},
    ]
    (folder / "unrelated.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = Settings(data_dir=folder / "data")
    ingest([SAMPLES, folder / "unrelated.jsonl"], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


@pytest.mark.parametrize("question", SAMPLE_QUESTIONS)
def test_unrelated_newer_and_older_articles_do_not_flip_an_answer(question, sample_assistant,
                                                                   sample_with_unrelated):
    alone = sample_assistant.ask(question)
    mixed = sample_with_unrelated.ask(question)
    assert mixed.abstained == alone.abstained
    # the answer's leading quote stays (a runner-up may change with the keyword statistics)
    assert [c.quote for c in mixed.citations][:1] == [c.quote for c in alone.citations][:1]
    assert (mixed.short_answer and mixed.short_answer.text) == \
        (alone.short_answer and alone.short_answer.text)
    if alone.confidence is not None:
        assert abs(mixed.confidence - alone.confidence) < 0.05


# --- with a language model: its short answer is checked like every generated claim -----

def _with_model(sample_assistant: NewsAssistant, reply: str) -> NewsAssistant:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return NewsAssistant(sample_assistant.settings, embedder=sample_assistant.embedder,
                         store=sample_assistant.store,
                         cross_encoder=sample_assistant.cross_encoder,
                         chat_model=FakeListChatModel(responses=[reply]))


def test_the_models_short_answer_is_shown_first_as_a_span_of_its_passage(sample_assistant):
    assistant = _with_model(sample_assistant, "Vladimir Putin. French President Emmanuel Macron "
                                              "spoke with Vladimir Putin on Friday.")
    answer = assistant.ask("Who did Emmanuel Macron speak with on Friday?")
    assert answer.generation.mode == "generated"
    assert answer.short_answer.text == "Vladimir Putin"
    assert_span_of_cited_passage(answer)


@pytest.mark.parametrize("reply, reason", [
    ("[PART 1] title: Inside Macron's Friday call with Putin", "layout"),
    ("The Russian president did agree to de-escalation, which was a key part of his message "
     "to Macron.", "adds what the passage does not say"),
])
def test_prompt_echoes_and_embellishments_are_not_shown_as_supported(sample_assistant, reply,
                                                                      reason):
    answer = _with_model(sample_assistant, reply).ask("Did Putin agree to anything?")
    assert answer.generation.mode == "fallback"  # the quoted answer is shown instead
    assert reply not in answer.answer
    assert reason in answer.generation.dropped[0].reason


@pytest.fixture(scope="module")
def alias_assistant(tmp_path_factory, embedder, reranker):
    folder = tmp_path_factory.mktemp("aliases")
    rows = [{"id": "a1", "title": "Texas passes water law", "source": "Plains Post",
             "published": "2024-04-02", "text": "The U.S. state of Texas passed a law on "
             "Monday that caps how much groundwater farms may pump. Governor Ellen Marsh signed "
             "it the same day."},
            {"id": "a2", "title": "Team USA falls in the final", "source": "Sports Wire",
             "published": "2024-04-03", "text": "The United States lost to Canada 3-1 in the "
             "hockey final on Sunday, the first defeat for the American team this year."}]
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = Settings(data_dir=folder / "data")
    ingest([folder / "a.jsonl"], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


@pytest.mark.parametrize("question, named", [
    ("Which US state passed a law capping groundwater pumping?", "U.S."),
    ("Team USA lost to which country in the hockey final?", "The United States"),
])
def test_the_short_answer_is_not_the_questions_name_spelled_another_way(alias_assistant,
                                                                         question, named):
    from newsqa.assistant.short import ShortAnswerer

    state = alias_assistant.chain.invoke({"question": question})
    scored = ShortAnswerer(min_score=0.0).scored(question, state.reranked)
    texts = {c.text.lower() for _, group, _ in scored for c in group}
    assert named.lower() not in texts and "united states" not in texts
    assert texts, "other candidates remain"


def test_a_symbol_before_a_name_is_not_part_of_the_answer():
    """spaCy does not call "−" (a minus sign used as a dash) punctuation; the answer is the
    name, not "− Cuba"."""
    from langchain_core.documents import Document

    from newsqa.assistant.rerank import Evidence
    from newsqa.assistant.short import candidates

    sentence = "Power was cut across − Cuba after the grid failed on Tuesday."
    evidence = Evidence(sentence, 0, len(sentence), 5.0,
                        Document(page_content=sentence, metadata={"article_id": "a"}))
    texts = [c.text for c in candidates("Which country lost power?", [evidence])]
    assert "Cuba" in texts
    assert not any(t.startswith("−") for t in texts)
