"""RSS and Atom feeds, from a local web server and from disk: one article per entry, the
full page fetched for teaser-only entries of a fetched feed, and a clear line for every
entry or feed that cannot be used."""

import json

import pytest

from localsite import Route, serve
from newsqa.assistant.chain import NewsAssistant
from newsqa.cli import main as cli
from newsqa.index.article import Article, Skipped
from newsqa.index.feeds import html_to_text
from newsqa.index.limits import USER_AGENT, LoadLimits
from newsqa.index.load import load_paths
from newsqa.index.urlguard import UrlPolicy
from newsqa.index.pipeline import ingest, open_store

from conftest import free_port


# The local site is on 127.0.0.1, which newsqa refuses to fetch from by default
# (index/urlguard.py); these tests allow it explicitly, and only it.
LOCAL_ONLY = UrlPolicy.parse("127.0.0.1")


@pytest.fixture(autouse=True)
def allow_the_local_site(monkeypatch):
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "127.0.0.1")

TRAM_PAGE = """<html><head><title>New tram line opens | Valley Herald</title>
<meta property="og:title" content="New tram line opens"></head><body><article>
<h1>New tram line opens</h1>
<p>The new tram line between the station and the university opened on Saturday, with trams every six minutes at peak times.</p>
<p>The line cost 240 million pounds and took four years to build, the transport authority said, adding that fares will match the bus.</p>
</article></body></html>"""


def rss(base: str, dead: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Valley Herald</title><link>{base}/</link><description>Local news</description>
<item><title>Bee numbers rise</title><link>{base}/bees</link>
  <pubDate>Mon, 03 Jun 2024 07:00:00 GMT</pubDate><author>desk@herald.example (Ana Silva)</author>
  <description>Beekeepers report more bees.</description>
  <content:encoded><![CDATA[<p>Beekeepers in the valley counted 40 more hives than last year, the
  beekeeping society said on Monday.</p><p>They credit the wildflower verges the council
  planted along the ring road.</p><script>track()</script>]]></content:encoded></item>
<item><title>New tram line opens</title><link>{base}/tram</link>
  <pubDate>Sat, 01 Jun 2024 12:00:00 GMT</pubDate>
  <description>The tram line opened on Saturday.</description></item>
<item><title>Pool closes for repairs</title><link>{dead}/pool</link>
  <pubDate>Fri, 31 May 2024 12:00:00 GMT</pubDate>
  <description>The public swimming pool on Mill Lane closes for roof repairs until September.</description></item>
<item><title>Photo gallery</title><link>{dead}/photos</link></item>
<item><description>   </description></item>
</channel></rss>"""


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Coastal Times</title>
<link href="{base}/"/><id>urn:coastal</id><updated>2024-03-06T00:00:00Z</updated>
<entry><title>Harbor ferry to resume in spring</title><link href="{base}/ferry"/>
  <id>urn:coastal:ferry</id><updated>2024-03-05T08:30:00Z</updated>
  <author><name>Maria Lopez</name></author>
  <content type="html">&lt;p&gt;The harbor ferry, idle since a fire damaged its main dock two years
  ago, will carry passengers again from April, the port authority announced on Tuesday.&lt;/p&gt;
  &lt;p&gt;Tickets will cost the same as before the fire.&lt;/p&gt;</content></entry>
<entry><title>Lighthouse open day</title><link href="{base}/lighthouse"/><id>urn:coastal:lh</id>
  <published>2024-03-04T10:00:00Z</published>
  <summary>The lighthouse opens to visitors on the first Sunday of every month from May.</summary></entry>
</feed>"""


@pytest.fixture
def site():
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    routes = {"/tram": Route(TRAM_PAGE), "/ferry": Route("<html>page not used</html>")}
    with serve(routes) as running:
        running.routes["/feed.rss"] = Route(rss(running.base, dead),
                                            content_type="application/rss+xml")
        running.routes["/atom"] = Route(ATOM.format(base=running.base),
                                        content_type="application/atom+xml")
        running.routes["/feed-as-text"] = Route(ATOM.format(base=running.base),
                                                content_type="text/plain")
        running.dead = dead
        yield running


def _load(paths, **limits):
    results = list(load_paths(paths, LoadLimits(url_policy=LOCAL_ONLY, **limits)))
    return ([r for r in results if isinstance(r, Article)],
            {r.origin: r.reason for r in results if isinstance(r, Skipped)})


def test_rss_feed_url_entries_are_stored_and_cited(site, settings, embedder, reranker):
    feed = site.url("/feed.rss")
    report = ingest([feed], settings, embedder=embedder)
    assert len(report.new) == 3
    assert {s.origin: s.reason for s in report.skipped} == {
        f"{feed}#entry-4": "entry 'Photo gallery' has no text in the feed, and its page could not "
                           f"be read (connection refused by 127.0.0.1:{site.dead.rsplit(':', 1)[1]}; "
                           "check the address and port, and that the server is running)",
        f"{feed}#entry-5": "entry (untitled) has no text (no content or summary); it has no link "
                           "either",
    }
    # The teaser-only entry with a dead link is kept as its summary, with a note.
    (note,) = report.warnings
    assert note.origin == f"{feed}#{site.dead}/pool"
    assert note.reason.startswith("stored the feed's summary only; the full article could not "
                                  "be fetched (connection refused")
    # Only the teaser-only entry's page was fetched; the full-content entry's was not.
    assert [path for path, _ in site.requests] == ["/feed.rss", "/tram"]
    assert {agent for _, agent in site.requests} == {USER_AGENT}

    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    # Only the fetched page says how much the tram line cost (the feed has one sentence).
    answer = assistant.ask("How much did the new tram line cost?")
    assert not answer.abstained and "240 million pounds" in answer.answer
    cited = answer.citations[0]
    assert (cited.title, cited.url, cited.source, cited.published) == (
        "New tram line opens", site.url("/tram"), "Valley Herald", "2024-06-01")
    answer = assistant.ask("How many more hives did the beekeepers in the valley count?")
    assert "40 more hives" in answer.answer and answer.citations[0].url == site.url("/bees")
    assert "track()" not in answer.citations[0].quote


def test_atom_feed_url_through_the_cli(site, settings, capsys):
    cli(["ingest", site.url("/atom"), "--data-dir", str(settings.data_dir)])
    output = capsys.readouterr().out
    assert "2 new" in output
    # The entry with content needed no page; the summary-only one's page was tried (there is
    # none: 404), so its summary was stored, and the summary says so.
    assert [path for path, _ in site.requests] == ["/atom", "/lighthouse"]
    assert (f"note {site.url('/atom')}#{site.url('/lighthouse')}: stored the feed's summary "
            "only; the full article could not be fetched (HTTP 404 Not Found") in output
    cli(["ask", "When does the harbor ferry carry passengers again?", "--data-dir",
         str(settings.data_dir), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert not answer["abstained"] and "April" in answer["answer"]
    cited = answer["citations"][0]
    assert (cited["url"], cited["source"], cited["published"]) == (
        site.url("/ferry"), "Coastal Times", "2024-03-05")


def test_feed_files_on_disk_are_read_without_fetching(site, settings, embedder, tmp_path):
    (tmp_path / "herald.rss").write_text(rss(site.base, site.dead))
    (tmp_path / "coastal.atom").write_text(ATOM.format(base=site.base))
    (tmp_path / "coastal-copy.xml").write_text(ATOM.format(base=site.base))
    report = ingest([tmp_path], settings, embedder=embedder)
    assert site.requests == []  # a file is read as it is: no network
    assert len(report.new) == 5  # 3 from the RSS file (the tram teaser as it is), 2 from Atom
    skipped = {s.origin.replace(f"{tmp_path}/", ""): s.reason for s in report.skipped}
    assert skipped["herald.rss#entry-4"].startswith("entry 'Photo gallery' has no text (no "
                                                    "content or summary); ingest the article's")
    # The .atom file holds the same entries as the .xml copy (read first): stored once.
    assert skipped[f"coastal.atom#{site.url('/ferry')}"].startswith(
        f"same article as {tmp_path}/coastal-copy.xml#{site.url('/ferry')}")
    assert f"coastal.atom#{site.url('/lighthouse')}" in skipped
    store = open_store(settings, embedder)
    tram = [meta for _, _, meta in store.scan() if meta["title"] == "New tram line opens"]
    assert [m["url"] for m in tram] == [site.url("/tram")]


def test_feed_page_fetching_can_be_turned_off(site):
    articles, _ = _load([site.url("/feed.rss")], fetch_feed_pages=False)
    tram = next(a for a in articles if a.title == "New tram line opens")
    assert tram.text == "The tram line opened on Saturday." and tram.notes == ()
    assert [path for path, _ in site.requests] == ["/feed.rss"]


def test_feed_served_as_plain_text_is_recognised(site):
    articles, skipped = _load([site.url("/feed-as-text")], fetch_feed_pages=False)
    assert [a.title for a in articles] == ["Harbor ferry to resume in spring", "Lighthouse open day"]
    assert skipped == {}


def test_max_feed_items(site):
    articles, skipped = _load([site.url("/feed.rss")], max_feed_items=2)
    assert [a.title for a in articles] == ["Bee numbers rise", "New tram line opens"]
    assert skipped == {site.url("/feed.rss") + "#entry-3-5": (
        "not read: the feed has 5 entries and NEWSQA_MAX_FEED_ITEMS is 2; raise it to read more")}


def test_malformed_and_non_feeds(tmp_path):
    (tmp_path / "cut.rss").write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>X'
                                      "</title><item><title>Half")
    (tmp_path / "page.xml").write_text("<html><body><p>Not a feed.</p></body></html>")
    (tmp_path / "empty.atom").write_text("")
    (tmp_path / "none.rss").write_text('<rss version="2.0"><channel><title>Quiet</title>'
                                       "</channel></rss>")
    half = ('<?xml version="1.0"?><rss version="2.0"><channel><title>X</title>'
            "<item><title>Whole</title><description>A whole entry about the canal.</description>"
            "</item><item><title>Cut")
    (tmp_path / "half.rss").write_text(half)
    articles, skipped = _load(sorted(tmp_path.iterdir()))
    skipped = {k.replace(f"{tmp_path}/", ""): v for k, v in skipped.items()}
    assert skipped["cut.rss"].startswith("malformed feed, no entries could be read (")
    assert "check that the file or URL is a complete RSS or Atom feed" in skipped["cut.rss"]
    assert skipped["page.xml"].startswith("not an RSS or Atom feed")
    assert skipped["empty.atom"] == "file is empty"
    assert skipped["none.rss"] == "the feed has no entries"
    # A feed cut short keeps the entries before the break, and says so.
    assert [a.title for a in articles] == ["Whole"]
    assert "entries before the error were read" in skipped["half.rss"]
    assert skipped["half.rss#entry-2"].startswith("entry (untitled) has no text")


def test_reingest_keeps_entries_that_dropped_off_the_feed(site, settings, embedder, tmp_path):
    """Feeds list only their latest entries; older ones must stay in the index."""
    feed = tmp_path / "feed.rss"

    def write(*titles):
        items = "".join(f"<item><title>{t}</title><description>{t} happened in the valley "
                        f"today.</description></item>" for t in titles)
        feed.write_text(f'<rss version="2.0"><channel><title>V</title>{items}</channel></rss>')

    write("Fair opens", "Road closes")
    assert len(ingest([feed], settings, embedder=embedder).new) == 2
    write("Mill burns", "Road closes")  # the fair dropped off, the mill came in at its place
    report = ingest([feed], settings, embedder=embedder)
    assert (len(report.new), len(report.unchanged), len(report.updated)) == (1, 1, 0)
    titles = {meta["title"] for _, _, meta in open_store(settings, embedder).scan()}
    assert titles == {"Fair opens", "Road closes", "Mill burns"}


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    text = html_to_text("<p>One <b>bold</b> line.</p><p>Two<br>lines.</p><script>x()</script>"
                        "<ul><li>A</li><li>B</li></ul>&amp; more")
    assert text == "One bold line.\nTwo\nlines.\nA\nB\n& more"


def test_a_feed_body_is_never_opened_as_a_local_path(tmp_path):
    private = tmp_path / "private.rss"
    private.write_text('<rss version="2.0"><channel><title>Private</title><item><title>Secret'
                       "</title><description>Not for the index.</description></item></channel></rss>")
    body = str(private).encode()  # a server answering with a path instead of a feed
    with serve({"/feed": Route(body, content_type="application/rss+xml")}) as running:
        articles, skipped = _load([running.url("/feed")])
    assert articles == []
    assert skipped[running.url("/feed")].startswith("malformed feed, no entries could be read")
