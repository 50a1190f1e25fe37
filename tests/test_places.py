"""Which names are countries, states or cities (assistant/places.py), and the short answer
that uses it, with the real models and real Chroma on a tiny corpus."""

import json

import pytest

from newsqa.assistant.places import kinds_of, place_fit


@pytest.mark.parametrize("name, noun, fit", [
    ("Cuba", "country", 1.0),
    ("Havana", "country", 0.0),  # a city: never the answer to "Which country…?"
    ("U.S.", "country", 1.0),  # a spelling of aliases.py
    ("the UK", "country", 1.0),
    ("Scotland", "nation", 1.0),
    ("South Side", "country", 0.0),  # countries are a closed set
    ("Mississippi", "state", 1.0),
    ("Jackson", "state", 0.0),  # Mississippi's capital
    ("Alberta", "province", 1.0),
    ("Bavaria", "state", 0.5),  # ISO spells it "Bayern": not known, not ruled out
    ("Goyang", "city", 1.0),
    ("Russia", "city", 0.0),
    ("Netflix", "city", 0.5),
    ("New York", "state", 1.0),
    ("New York", "city", 1.0),
    ("Paris", "illness", None),  # a noun that asks for no kind of place
    ("Paris", None, None),
])
def test_a_name_fits_the_kind_of_place_asked_for(name, noun, fit):
    assert place_fit(name, noun) == fit


def test_case_accents_and_a_leading_the_do_not_matter():
    assert kinds_of("Türkiye") == kinds_of("TURKIYE") == {"country"}
    assert "city" in kinds_of("The Hague") and kinds_of("the Hague") == kinds_of("The Hague")


ARTICLES = [
    {"id": "grid", "title": "Island left in the dark after grid collapse", "source": "Wire Desk",
     "published": "2026-03-18",
     "text": "A nationwide blackout plunged Havana and the rest of the island into darkness "
             "on Tuesday after a failure at the main power plant, the energy ministry said. "
             "It was the third collapse of Cuba's grid this year. Hospitals ran on "
             "generators while schools closed across the country."},
    {"id": "synagogue", "title": "Arson inquiry at historic synagogue", "source": "Metro Post",
     "published": "2026-01-12",
     "text": "Investigators in Jackson are looking into an alleged arson at the state's "
             "largest and oldest synagogue, officials said on Sunday. The fire is the second "
             "attack on a house of worship in Mississippi this year."},
]


@pytest.fixture(scope="module")
def places_assistant(tmp_path_factory, embedder, reranker):
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.index.pipeline import ingest
    from newsqa.settings import Settings

    folder = tmp_path_factory.mktemp("places")
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ARTICLES))
    settings = Settings(data_dir=folder / "data")
    ingest([folder / "a.jsonl"], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


@pytest.mark.parametrize("question, wanted, not_this", [
    ("Which country was plunged into a nationwide blackout?", "Cuba", "Havana"),
    ("Which state is investigating an alleged arson at its largest synagogue?",
     "Mississippi", "Jackson"),
])
def test_which_country_or_state_is_answered_by_one(places_assistant, question, wanted,
                                                    not_this):
    from newsqa.assistant.short import ShortAnswerer

    state = places_assistant.chain.invoke({"question": question})
    scored = ShortAnswerer(min_score=0.0).scored(question, state.reranked)
    texts = [c.text for _, group, _ in scored for c in group]
    assert not_this not in texts  # the city is no candidate
    assert scored[0][1][0].text == wanted


def test_the_gazetteer_is_built_once_then_read_from_its_copy(tmp_path, monkeypatch):
    from newsqa.assistant import places

    built = places._cached(tmp_path)
    (copy,) = tmp_path.glob("places-*.json")
    (tmp_path / "places-0000000000000000.json").write_text("{}")  # an older version's copy

    def must_not_build():
        raise AssertionError("rebuilt although a copy for these versions exists")

    monkeypatch.setattr(places, "_load", must_not_build)
    assert places._cached(tmp_path) == built
    assert "country" in built["cuba"] and "city" in built["havana"]
    copy.write_text("not json")  # a damaged copy is rebuilt, not trusted
    monkeypatch.undo()
    assert places._cached(tmp_path) == built
    assert [p.name for p in tmp_path.glob("places-*.json")] == [copy.name]
