"""A count that changed as its story developed, with the real models and a real Chroma: the
latest report's figure is the short answer, cited, and the earlier figure is said; an as-of
date before the later report keeps the earlier figure; an unrelated article changes nothing."""

import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.index.pipeline import ingest

TOLL = {
    "toll-monday.txt": """Varna valley floods kill 12 people
Source: Harbour Gazette
Date: 2023-05-08

Flash floods in the Varna valley killed 12 people on Sunday after two days of heavy rain, the regional governor said.
Rescue teams evacuated 400 residents from the villages of Kalin and Dobrev overnight.
""",
    "toll-wednesday.txt": """Varna valley floods: toll rises as rescuers search villages
Source: Island Times
Date: 2023-05-10

The floods in the Varna valley have killed 19 people, the regional governor said on Wednesday as rescuers searched the villages of Kalin and Dobrev.
Rescue teams evacuated 400 residents from Kalin and Dobrev as the river burst its banks.
""",
}
OTHER = """Elmsworth village library reopens after renovation
Source: Valley Post
Date: 2023-05-12

The Elmsworth village library reopened on Friday after a two-year renovation paid for by a local lottery.
Librarian Ada Mistry said the new reading room seats 40 people and opens every weekday.
"""
QUESTION = "How many people did the floods in the Varna valley kill?"


def build(root, files, embedder, reranker):
    from newsqa.settings import Settings

    folder = root / "in"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=root / "data")
    ingest([folder], settings, embedder=embedder)
    return NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder, reranker):
    return build(tmp_path_factory.mktemp("counts"), {**TOLL, "library.txt": OTHER}, embedder, reranker)


def test_the_latest_figure_is_given_and_the_earlier_one_said(assistant):
    answer = assistant.ask(QUESTION)
    assert answer.short_answer is not None and answer.short_answer.text == "19"
    cited = answer.citations[answer.short_answer.n - 1]
    assert cited.source == "Island Times"
    assert "have killed 19 people" in cited.quote
    assert answer.answer.startswith("**19**")
    assert "An earlier report (Harbour Gazette, May 8, 2023) gave “12” [" in answer.answer


def test_an_as_of_date_before_the_later_report_keeps_its_figure(assistant):
    answer = assistant.ask(QUESTION, as_of="2023-05-09")
    assert answer.short_answer is None or answer.short_answer.text == "12"
    assert "19" not in answer.answer and "earlier report" not in answer.answer


def test_without_a_later_report_nothing_changes(tmp_path, embedder, reranker):
    alone = build(tmp_path, {"toll-monday.txt": TOLL["toll-monday.txt"], "library.txt": OTHER},
                  embedder, reranker)
    answer = alone.ask(QUESTION)
    assert answer.short_answer is None or answer.short_answer.text == "12"
    assert "earlier report" not in answer.answer and "12 people" in answer.answer
