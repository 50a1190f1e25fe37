"""Feeds for the following tests: RSS built from (key, title, text, date) entries.

Every entry's text is a made-up local news story with its own distinctive facts (a town,
a number, a name), long enough to be stored as an article, so questions can tell entries
apart and no model already "knows" the answer.
"""

from dataclasses import dataclass
from email.utils import format_datetime
from datetime import datetime, timezone
from xml.sax.saxutils import escape

TOWNS = ["Varnholt", "Quillmere", "Ostrava Vale", "Brindlecombe", "Teskerby", "Hallowmarsh",
         "Cindervale", "Marrowgate", "Pelling Cross", "Wexhaven", "Dunmarrow", "Lyscombe"]
THINGS = ["footbridge", "library", "tram depot", "swimming pool", "market hall", "sea wall",
          "fire station", "bus station", "observatory", "ferry pier", "cycle path", "museum"]
PEOPLE = ["Ilse Normark", "Tobiah Renn", "Mirela Castagne", "Oskar Feldt", "Priya Vantongeren",
          "Caspian Oduya", "Helka Brannigan", "Rafe Lindqvist", "Sunniva Achterberg",
          "Dario Keskinen", "Maelle Ostrowski", "Idris Halvorsen"]


@dataclass
class Entry:
    key: str  # the guid and the last part of the link
    title: str
    text: str
    published: datetime | None = None
    teaser: bool = False  # only a short description; the full text is on the linked page


def story(n: int, *, edit: int = 0) -> tuple[str, str]:
    """(title, text) of made-up story `n`; `edit` changes its figures (a corrected version)."""
    town, thing, person = TOWNS[n % len(TOWNS)], THINGS[n % len(THINGS)], PEOPLE[n % len(PEOPLE)]
    cost = 3 + n * 7 + edit * 100
    title = f"{town} opens its new {thing}"
    text = (f"The new {thing} in {town} opened on Tuesday after {2 + n % 5} years of building, "
            f"the council said. It cost {cost} million euros, and the mayor, {person}, "
            f"called it the town's proudest project since the railway arrived.\n"
            f"Residents queued from dawn to see the {thing}, and local schools were given the "
            f"afternoon off. {person} said the next project would be a harbour park, to be "
            f"finished within {n % 4 + 2} years if the regional grant is approved.")
    return title, text


def entry(n: int, *, edit: int = 0, published: datetime | None = None, teaser: bool = False) -> Entry:
    title, text = story(n, edit=edit)
    return Entry(key=f"story-{n}", title=title, text=text,
                 published=published or datetime(2026, 11, 30, 9, n % 60, tzinfo=timezone.utc),
                 teaser=teaser)


def rss(base: str, entries: list[Entry], title: str = "Valley Wire") -> str:
    items = []
    for e in entries:
        date = f"<pubDate>{format_datetime(e.published)}</pubDate>" if e.published else ""
        if e.teaser:
            body = f"<description>{escape(e.title)}: read more.</description>"
        else:
            body = (f"<description>{escape(e.text[:80])}</description>"
                    f"<content:encoded><![CDATA[<p>{e.text.replace(chr(10), '</p><p>')}</p>]]>"
                    "</content:encoded>")
        items.append(f"<item><title>{escape(e.title)}</title><link>{base}/news/{e.key}</link>"
                     f"<guid>{base}/news/{e.key}</guid>{date}{body}</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{escape(title)}</title><link>{base}/</link><description>news</description>"
            f"{''.join(items)}</channel></rss>")


def page(e: Entry) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in e.text.split("\n"))
    return (f"<html><head><title>{escape(e.title)}</title></head><body><article>"
            f"<h1>{escape(e.title)}</h1>{paragraphs}</article></body></html>")
