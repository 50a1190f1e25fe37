"""How outlets report one story, with the real models and a real Chroma: each named outlet's
sentences side by side, the figures they disagree on cited, names that are no outlet
answered as an ordinary question, and the comparison bounded by the filters."""

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.compare import outlets_named
from newsqa.assistant.quantities import quantities_in
from newsqa.assistant.storyask import story_ask
from newsqa.index.pipeline import ingest

FLOOD = {
    "flood-gazette.txt": """Floods in the Varna valley kill 12 people
Source: Harbour Gazette
Date: 2023-05-08

Flash floods in the Varna valley killed 12 people on Sunday after two days of heavy rain, the regional governor said.
Rescue teams evacuated 400 residents from the villages of Kalin and Dobrev overnight.
""",
    "flood-times.txt": """Varna valley floods: death toll reaches 15
Source: Island Times
Date: 2023-05-08

The floods in the Varna valley killed 15 people on Sunday, according to the Varna valley fire service.
Rescue teams evacuated 400 residents from Kalin and Dobrev as the river burst its banks.
""",
    "flood-herald.txt": """Varna valley villages count the cost of the floods
Source: Coast Herald
Date: 2023-05-09

Residents of Kalin returned on Monday to homes damaged by the Varna valley floods, which the governor said were the worst in fifty years.
Insurers expect claims worth several million euros from the Varna valley floods.
""",
}
ELSEWHERE = """Elmsworth village library reopens after renovation
Source: Valley Post
Date: 2023-05-06

The Elmsworth village library reopened on Saturday after a two-year renovation paid for by a local lottery.
Librarian Ada Mistry said the new reading room seats 40 people and opens every weekday.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder, reranker):
    from newsqa.settings import Settings

    root = tmp_path_factory.mktemp("compare")
    folder = root / "in"
    folder.mkdir()
    for name, text in {**FLOOD, "library.txt": ELSEWHERE}.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=root / "data")
    ingest([folder], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


def test_questions_that_compare_outlets():
    assert story_ask("How did the Harbour Gazette and the Island Times report the floods?").outlets \
        == ("the Harbour Gazette", "the Island Times")
    assert story_ask("Compare how CNN and Fox covered the summit").outlets == ("CNN", "Fox")
    general = story_ask("Do outlets agree on the death toll of the floods?")
    assert (general.kind, general.outlets, general.topic) == (
        "compare_sources", (), "the death toll of the floods")
    # Asking what one report says, or what people said, is no comparison of outlets' reports.
    assert story_ask("Does the Fortune article on the trial agree with the TechCrunch report?") is None
    assert story_ask("Who won the election?") is None


def test_outlet_names_are_matched_to_the_index_sources():
    sources = ["usatoday.com", "cnn.com", "theweek.co.uk", "Harbour Gazette"]
    assert outlets_named(("USA Today", "CNN", "The Week", "the harbour gazette", "Putin"), sources) == {
        "USA Today": ["usatoday.com"], "CNN": ["cnn.com"], "The Week": ["theweek.co.uk"],
        "the harbour gazette": ["Harbour Gazette"], "Putin": []}


def test_counts_are_read_with_what_they_count():
    (gazette,), (times,), (evacuated,) = quantities_in([
        "Flash floods killed 12 people on Sunday.", "The floods killed 15 people on Sunday.",
        "Rescue teams evacuated more than 400 residents in 2023."])
    assert (gazette.value, gazette.what, gazette.event) == (12, "people", "kill")
    assert gazette.same_fact(times) and gazette.differs(times)
    assert (evacuated.text, evacuated.value, evacuated.what) == ("more than 400", 400, "resident")
    assert not evacuated.same_fact(times)
    assert quantities_in(["He was one of the first people there in 2023."]) == [[]]


def test_named_outlets_side_by_side_with_the_figure_they_disagree_on(assistant):
    answer = assistant.ask("How did the Harbour Gazette and the Island Times report the Varna valley floods?")
    assert answer.kind == "compare_sources" and not answer.abstained
    assert {tuple(i.sources) for i in answer.items} == {("Harbour Gazette",), ("Island Times",)}
    assert "Coast Herald" not in answer.answer
    (differ,) = answer.disagreements
    assert differ.about == "people killed"
    values = {v.source: v.value for v in differ.values}
    assert values == {"Harbour Gazette": "12", "Island Times": "15"}
    for value in differ.values:  # each figure is cited to the passage that gives it
        citation = answer.citations[value.n - 1]
        assert value.value in citation.quote and citation.source == value.source
    assert "Where they differ" in answer.answer and "“12”" in answer.answer
    assert answer.public_dict()["disagreements"][0]["about"] == "people killed"


def test_outlets_in_general_are_the_story_s_outlets(assistant):
    answer = assistant.ask("How did the outlets report the Varna valley floods?")
    assert answer.kind == "compare_sources"
    assert {s for i in answer.items for s in i.sources} >= {"Harbour Gazette", "Island Times"}
    assert "Valley Post" not in answer.answer  # the library is another story
    for item in answer.items:
        assert item.text in answer.citations[item.n - 1].quote
    shown = [(i.n, i.text) for i in answer.items]
    assert len(shown) == len(set(shown))  # a sentence both in a lead and retrieved: once


def test_an_outlet_missing_from_the_index_is_said(assistant):
    answer = assistant.ask("How did the Harbour Gazette and CNN cover the Varna valley floods?")
    assert answer.kind == "compare_sources"
    assert "**CNN**: no article from it in the index." in answer.answer
    assert {s for i in answer.items for s in i.sources} == {"Harbour Gazette"}
    assert answer.answer.startswith("Only Harbour Gazette reports on this")


def test_names_that_are_no_outlet_make_an_ordinary_question(assistant):
    answer = assistant.ask("What did Kalin and Dobrev say about the floods?")
    assert answer.kind == "answer"


def test_a_filter_bounds_the_comparison(assistant):
    answer = assistant.ask("How did the outlets report the Varna valley floods?",
                           sources=["Harbour Gazette", "Coast Herald"])
    assert answer.kind == "compare_sources"
    assert {s for i in answer.items for s in i.sources} <= {"Harbour Gazette", "Coast Herald"}
    assert not answer.disagreements


def test_days_are_read_with_what_happened_and_to_whom():
    from datetime import date

    from newsqa.assistant.stated_days import days_in

    (monday,), (tuesday,), said, (again,) = days_in(
        ["The port strike began on Monday, union leaders said.",
         "The strike began on Tuesday at the container terminal.",
         "Officials said on Friday that the talks had failed.",
         "The strike began on March 4."], [date(2024, 3, 6)] * 4)
    assert (monday.day, monday.event, monday.subject) == (date(2024, 3, 4), "begin", "strike")
    assert monday.text == "on Monday" and monday.same_fact(tuesday) and monday.differs(tuesday)
    assert said == []  # the day of a saying is not the day of the event
    assert not monday.differs(again)  # "on Monday" in a Wednesday report is March 4


STRIKE = {
    "strike-gazette.txt": """Dock workers walk out at Port Selby
Source: Harbour Gazette
Date: 2024-03-06

The dock strike at Port Selby began on Monday after pay talks collapsed, the union said.
Container ships are queuing outside the harbour.
""",
    "strike-times.txt": """Port Selby dockers strike over pay
Source: Island Times
Date: 2024-03-07

The dock strike at Port Selby began on Tuesday, according to the port authority.
Container ships are queuing outside the harbour as the strike goes on.
""",
}


def test_outlets_that_date_the_same_event_differently_are_shown_differing(tmp_path, embedder,
                                                                          reranker):
    from newsqa.settings import Settings

    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in STRIKE.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data")
    ingest([folder], settings, embedder=embedder)
    strike = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    answer = strike.ask("How did the Harbour Gazette and the Island Times report the Port Selby strike?")
    assert answer.kind == "compare_sources"
    (differ,) = [d for d in answer.disagreements if "strike" in d.about]
    values = {v.source: v.value for v in differ.values}
    assert values == {"Harbour Gazette": "March 4, 2024 (“on Monday”)",
                      "Island Times": "March 5, 2024 (“on Tuesday”)"}
    for value in differ.values:
        assert value.value.split("“")[1].rstrip("”)") in answer.citations[value.n - 1].quote
