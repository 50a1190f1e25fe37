"""Page furniture is removed and the article's own paragraphs are kept, on the sample and on
other shapes of furniture."""

import pytest

from newsqa.index.clean import clean_text
from newsqa.index.load import load_file

from conftest import SAMPLE_FILE, SHARED_ARTICLES

SAMPLE_PARAGRAPH_STARTS = [
    "French President Emmanuel Macron spoke with Russian President Vladimir Putin on Friday",
    "Rather, Putin is said to have used the call",
    "That said, however, France24 reports",
    "According to a senior Elysée official",
    "Macron, for his part, advised Putin",
    "The conversation was Putin's first with the West",
    "The Russian president did, however, agree to stay in contact",
]
FURNITURE = ["Subscribe", "Sign up", "newsletter", "inbox", "echo chamber", "Brigid Kennedy",
             "Published", "cartoons", "Matt Gaetz", "dengue", "Mega Millions", "By Peter Weber"]


def _sample_sources():
    sources = [SAMPLE_FILE]
    shared = SHARED_ARTICLES / "theweek-macron-putin-call.txt"
    if shared.exists():
        sources.append(shared)
    return sources


@pytest.mark.parametrize("path", _sample_sources(), ids=lambda p: p.parent.name)
def test_sample_keeps_exactly_its_paragraphs(path):
    article = next(load_file(path))
    cleaned = clean_text(article.text)
    paragraphs = cleaned.split("\n\n")
    assert len(paragraphs) == len(SAMPLE_PARAGRAPH_STARTS)
    for paragraph, start in zip(paragraphs, SAMPLE_PARAGRAPH_STARTS):
        assert paragraph.startswith(start)
    for junk in FURNITURE:
        assert junk.lower() not in cleaned.lower(), junk


def test_related_list_under_a_heading_is_cut():
    text = """The city council approved the new budget on Tuesday after a long debate about transit funding and the cost of repairing roads across the northern districts.
The mayor said the vote showed that the council could still work together.
Related
Storm knocks out power to thousands
Local school wins robotics prize"""
    cleaned = clean_text(text)
    assert "approved the new budget" in cleaned
    assert "work together" in cleaned
    for junk in ("Related", "Storm knocks", "robotics"):
        assert junk not in cleaned


def test_most_read_list_with_bylines_and_separators_is_cut():
    text = """Scientists have found a new species of frog in the rainforests of Peru, a discovery they say highlights how much of the region's wildlife remains undocumented by researchers.
The frog is about the size of a thumbnail.
* * *
Five recipes for a rainy weekend
Food Comfort dishes that take under an hour
By Alex Moreno Published
***
Why the stock market fell today
Markets Investors react to rate fears
By Sam Lee, Markets Desk Published"""
    cleaned = clean_text(text)
    assert cleaned.split("\n\n") == [
        text.splitlines()[0],
        "The frog is about the size of a thumbnail.",
    ]


def test_promos_ads_bio_byline_and_repeats_are_dropped_but_long_paragraphs_kept():
    long_paragraph = ("The company said in a statement that its newsletter business, which "
                      "sends weekly updates to about two million readers, grew by a third last "
                      "year even as advertising revenue fell across the industry and several "
                      "rivals closed their print editions.")
    text = f"""By Jane Doe
Officials confirmed on Monday that the bridge will reopen next month.
ADVERTISEMENT
Get our free weekly newsletter delivered to your inbox
Smart reads for busy people. Get them before your coffee gets cold.
{long_paragraph}
Officials confirmed on Monday that the bridge will reopen next month.
Follow us on Twitter and Facebook
Jane Doe is a senior reporter covering transport and infrastructure."""
    cleaned = clean_text(text)
    assert cleaned.split("\n\n") == [
        "Officials confirmed on Monday that the bridge will reopen next month.",
        long_paragraph,
    ]


def test_text_without_furniture_is_unchanged_apart_from_whitespace():
    text = "First paragraph of the story.\n\n  Second   paragraph, with a quote.  \n"
    assert clean_text(text) == "First paragraph of the story.\n\nSecond paragraph, with a quote."
