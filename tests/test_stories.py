"""Stories with the real models and a real Chroma: articles join stories as they are stored,
syndicated copies are one origin, deletes keep stories consistent, and a timeline, the
latest or what is new since are read across the story's articles, dated and cited."""

from datetime import date

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.storyask import story_ask
from newsqa.index.pipeline import ingest, open_store
from newsqa.index.stories import names_in, open_story_index

FERRY = {
    "ferry-plan.txt": """Council proposes new Zanzibar ferry to Pemba
Source: Harbour Gazette
Date: 2023-03-06

The Stone Town council proposed on Monday a new passenger ferry between Zanzibar and Pemba, to replace the ageing Mapinduzi vessel.
Council member Amina Said said the Zanzibar ferry would carry 300 passengers and cut the crossing to three hours.
""",
    "ferry-budget.txt": """Zanzibar ferry budget approved by Stone Town council
Source: Island Times
Date: 2023-03-15

The Stone Town council approved a budget of 41 million shillings for the new Zanzibar ferry to Pemba on Tuesday.
Amina Said told the council that the ferry to Pemba would be built at the Mombasa shipyard.
""",
    # The same wire report as the budget article, in another paper: one origin, two outlets.
    "ferry-budget-wire.txt": """Stone Town council approves Zanzibar ferry budget
Source: Coast Herald
Date: 2023-03-15

The Stone Town council approved a budget of 41 million shillings for the new Zanzibar ferry to Pemba on Tuesday.
Amina Said told the council that the ferry to Pemba would be built at the Mombasa shipyard.
""",
    "ferry-launch.txt": """New Zanzibar ferry to Pemba launched at Mombasa shipyard
Source: Harbour Gazette
Date: 2023-03-24

The new Zanzibar ferry to Pemba was launched at the Mombasa shipyard on Thursday, with Amina Said and the Stone Town council aboard.
Its first crossing to Pemba with 300 passengers is planned for May, the Stone Town council said.
""",
}
LIBRARY = """Elmsworth village library reopens after renovation
Source: Valley Post
Date: 2023-03-18

The Elmsworth village library reopened on Saturday after a two-year renovation paid for by a local lottery.
Librarian Ada Mistry said the new reading room seats 40 people and opens every weekday.
"""
GLACIER = """Alpine glacier retreat measured by Swiss survey
Source: Mountain Review
Date: 2023-03-20

Swiss researchers measured a record retreat of the Rhone glacier over the winter, the Federal survey said on Monday.
The glacier lost nine metres of ice, researcher Lukas Meier told reporters in Bern.
"""


def write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def story_assistant(tmp_path_factory, embedder, reranker):
    from newsqa.settings import Settings

    root = tmp_path_factory.mktemp("stories")
    settings = Settings(data_dir=root / "data")
    ingest([write(root / "in", {**FERRY, "library.txt": LIBRARY})], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


def story_of_titles(settings, embedder) -> dict[str, tuple[str, str]]:
    """title → (story id, origin article id), as the story index holds them."""
    index = open_story_index(settings.data_dir)
    index.ensure_current(open_store(settings, embedder))
    return {a.title: (s.id, a.origin) for s in index.stories(limit=100) for a in s.articles}


def test_articles_join_stories_as_they_are_stored(settings, embedder, tmp_path):
    folder = write(tmp_path / "in", {"ferry-plan.txt": FERRY["ferry-plan.txt"],
                                     "ferry-budget.txt": FERRY["ferry-budget.txt"],
                                     "library.txt": LIBRARY})
    ingest([folder], settings, embedder=embedder)
    first = story_of_titles(settings, embedder)
    ferry = first["Council proposes new Zanzibar ferry to Pemba"][0]
    assert first["Zanzibar ferry budget approved by Stone Town council"][0] == ferry
    assert first["Elmsworth village library reopens after renovation"][0] != ferry

    # A later ingest adds to the story without moving anything (stable ids); the wire copy
    # of the budget report is the same origin; an unrelated article starts its own story.
    write(folder, {"ferry-budget-wire.txt": FERRY["ferry-budget-wire.txt"],
                   "ferry-launch.txt": FERRY["ferry-launch.txt"], "glacier.txt": GLACIER})
    ingest([folder], settings, embedder=embedder)
    after = story_of_titles(settings, embedder)
    for title, (story, _) in first.items():
        assert after[title][0] == story
    assert after["New Zanzibar ferry to Pemba launched at Mombasa shipyard"][0] == ferry
    budget = after["Zanzibar ferry budget approved by Stone Town council"]
    wire = after["Stone Town council approves Zanzibar ferry budget"]
    assert wire == (ferry, budget[1])  # same story, same origin
    glacier = after["Alpine glacier retreat measured by Swiss survey"][0]
    assert glacier not in (ferry, after["Elmsworth village library reopens after renovation"][0])

    index = open_story_index(settings.data_dir)
    story = index.story(ferry)
    assert (len(story.articles), story.origins) == (4, 3)
    assert story.sources == ["Coast Herald", "Harbour Gazette", "Island Times"]
    assert (story.first, story.last) == ("2023-03-06", "2023-03-24")

    # Deleting an article (as retention does) leaves the story consistent.
    store = open_store(settings, embedder)
    budget_id = next(a.article_id for a in story.articles if a.source == "Island Times")
    store.delete_article(budget_id)
    index.ensure_current(store)
    story = index.story(ferry)
    assert len(story.articles) == 3 and story.origins == 3  # the copy is now its own origin
    assert budget_id not in index.story_of([budget_id])


def test_an_unchanged_ingest_changes_no_story(settings, embedder, tmp_path):
    folder = write(tmp_path / "in", FERRY)
    ingest([folder], settings, embedder=embedder)
    before = story_of_titles(settings, embedder)
    report = ingest([folder], settings, embedder=embedder)
    assert len(report.unchanged) == len(FERRY)
    assert story_of_titles(settings, embedder) == before


def test_names_are_capitalised_words_inside_sentences():
    assert names_in("The vote in Zanzibar was won by Amina Juma.") == {"zanzibar", "amina", "juma"}
    assert names_in("They met on Monday in Bern.") == {"bern"}


@pytest.mark.parametrize("question, kind, topic", [
    ("Give me a timeline of the Zanzibar ferry", "timeline", "the Zanzibar ferry"),
    ("What is the timeline of the Pemba crossing?", "timeline", "the Pemba crossing"),
    ("How did the ferry dispute unfold?", "timeline", "the ferry dispute"),
    ("What has happened with the Zanzibar ferry so far?", "timeline", "the Zanzibar ferry"),
    ("What's the latest on the Zanzibar ferry?", "latest", "the Zanzibar ferry"),
    ("Any news on the ferry to Pemba?", "latest", "the ferry to Pemba"),
    ("What did Putin demand?", None, None),
    ("What happened to the ferry on Tuesday?", None, None),
    ("Who won the latest election in Hungary?", None, None),
])
def test_story_questions_are_told_from_ordinary_ones(question, kind, topic):
    asked = story_ask(question, date(2023, 4, 28))
    assert ((asked.kind, asked.topic) if asked else (None, None)) == (kind, topic)


def test_since_reads_its_day_against_the_day_asked():
    asked = story_ask("What's new on the Zanzibar ferry since Monday?", date(2023, 4, 28))
    assert (asked.kind, asked.topic, asked.since) == ("since", "the Zanzibar ferry",
                                                      date(2023, 4, 24))
    asked = story_ask("Any updates on the ferry since March 10?", date(2023, 4, 28))
    assert asked.since == date(2023, 3, 10)
    assert story_ask("What's new on the ferry since the vote?", date(2023, 4, 28)).kind == "latest"


def _check_items(answer):
    """Every item is a cited quote: its sentence is in the passage its [n] names."""
    by_n = {c.n: c for c in answer.citations}
    for item in answer.items:
        assert f"[{item.n}]" in answer.answer
        assert item.text in by_n[item.n].quote
        assert item.sources


def test_a_timeline_is_dated_ordered_cited_and_one_item_per_development(story_assistant):
    answer = story_assistant.ask("Give me a timeline of the Zanzibar ferry")
    assert answer.kind == "timeline" and not answer.abstained
    _check_items(answer)
    dates = [item.date for item in answer.items]
    assert dates == sorted(dates)
    # "on Monday", "on Tuesday", "on Thursday" read against each article's date.
    assert dates == ["2023-03-06", "2023-03-14", "2023-03-23"]
    budget = answer.items[1]
    assert sorted(budget.sources) == ["Coast Herald", "Island Times"]  # one item, two outlets
    assert answer.story.articles == 4 and answer.story.origins == 3
    assert "library" not in answer.answer.lower()
    assert "**March 6, 2023**" in answer.answer


def test_latest_comes_newest_first(story_assistant):
    answer = story_assistant.ask("What's the latest on the Zanzibar ferry?")
    assert answer.kind == "latest"
    _check_items(answer)
    assert answer.items[0].date == "2023-03-23"
    assert [i.date for i in answer.items] == sorted((i.date for i in answer.items), reverse=True)


def test_since_shows_nothing_before_its_day(story_assistant):
    answer = story_assistant.ask("What's new on the Zanzibar ferry since March 10, 2023?")
    assert answer.kind == "since"
    assert [i.date for i in answer.items] == ["2023-03-14", "2023-03-23"]
    nothing = story_assistant.ask("What's new on the Zanzibar ferry since May 1, 2023?")
    assert nothing.kind == "since" and nothing.answer.startswith("Nothing new")
    assert [i.date for i in nothing.items] == ["2023-03-23"]  # the last known development


def test_filters_bound_the_story(story_assistant):
    answer = story_assistant.ask("Give me a timeline of the Zanzibar ferry", as_of="2023-03-20")
    assert [i.date for i in answer.items] == ["2023-03-06", "2023-03-14"]
    answer = story_assistant.ask("Give me a timeline of the Zanzibar ferry",
                                 sources=["Harbour Gazette"])
    assert {s for i in answer.items for s in i.sources} == {"Harbour Gazette"}


def test_a_timeline_of_nothing_indexed_is_declined(story_assistant):
    answer = story_assistant.ask("Give me a timeline of the Mars sample return mission")
    assert answer.abstained and answer.kind == "answer"


def test_the_stories_command_lists_them(story_assistant):
    import json
    import subprocess
    import sys

    data_dir = str(story_assistant.settings.data_dir)
    run = subprocess.run([sys.executable, "-m", "newsqa.cli", "stories", "--data-dir", data_dir,
                          "--json"], check=True, capture_output=True, text=True)
    listed = json.loads(run.stdout)
    assert [(s["articles"], s["origins"]) for s in listed] == [(4, 3)]  # the library: 1 article
    assert listed[0]["sources"] == ["Coast Herald", "Harbour Gazette", "Island Times"]
    bad = subprocess.run([sys.executable, "-m", "newsqa.cli", "stories", "--data-dir", data_dir,
                          "--since", "soon"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_unrelated_articles_do_not_change_a_timeline(tmp_path, embedder, reranker, story_assistant):
    from newsqa.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    ingest([write(tmp_path / "in", FERRY)], settings, embedder=embedder)
    alone = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    question = "Give me a timeline of the Zanzibar ferry"
    mixed = story_assistant.ask(question)  # the same story beside a library article
    assert [(i.date, i.text, i.sources) for i in alone.ask(question).items] == \
        [(i.date, i.text, i.sources) for i in mixed.items]


def test_pointers_to_other_coverage_are_not_developments():
    from newsqa.assistant.story import _NOT_NEWS

    for furniture in ("For the latest news on the Texas floods, read USA TODAY's coverage for Tuesday.",
                      "Editor's Note: This page is a summary of news on Texas floods for Wednesday, July 9.",
                      "7:24 pm ET February 5, 2026 Share this update"):
        assert _NOT_NEWS.search(furniture)
    assert not _NOT_NEWS.search("The latest flood warnings were lifted on Tuesday, officials said.")
