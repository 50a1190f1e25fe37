"""Article URLs: fetched from a local web server, stored, and cited with their URL; every
kind of network failure is one clear line naming the URL, and the rest of the batch is stored."""

import json

import pytest

from localsite import Route, serve
from newsqa.assistant.chain import NewsAssistant
from newsqa.cli import main as cli
from newsqa.index.article import Article, Skipped
from newsqa.index.limits import USER_AGENT, LoadLimits
from newsqa.index.load import load_paths
from newsqa.index.urlguard import UrlPolicy
from newsqa.index.pipeline import ingest

from conftest import free_port


# The local site is on 127.0.0.1, which newsqa refuses to fetch from by default
# (index/urlguard.py); these tests allow it explicitly, and only it.
LOCAL_ONLY = UrlPolicy.parse("127.0.0.1")


@pytest.fixture(autouse=True)
def allow_the_local_site(monkeypatch):
    monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "127.0.0.1")

BRIDGE_PAGE = """<!DOCTYPE html><html><head>
<title>Old swing bridge to reopen after repairs | Riverside Post</title>
<meta property="og:title" content="Old swing bridge to reopen after repairs">
<meta property="og:site_name" content="Riverside Post">
<meta name="author" content="Tom Okafor">
<meta property="article:published_time" content="2024-06-11T09:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>Old swing bridge to reopen after repairs</h1>
<p>The old swing bridge over the river will reopen to traffic on the first of July after eighteen months of repairs, the county engineer said on Monday.</p>
<p>Workers replaced the rusted turning gear and repainted the whole span in its original dark green, at a cost of 3.1 million pounds.</p>
<p>Cyclists and walkers will be able to cross from the middle of June, a week before cars.</p>
</article><footer>Copyright 2024 Riverside Post</footer></body></html>"""

MARKET_PAGE = """<html><head><title>Night market moves to the harbour</title></head><body>
<article><h1>Night market moves to the harbour</h1>
<p>The weekly night market will move from the car park to the harbour front in August, the town council decided on Thursday after traders asked for more room.</p>
<p>Stalls will open at six in the evening and close at eleven, one hour later than now.</p>
</article></body></html>"""

LATIN1_PAGE = """<html><head><title>Crêperie wins award</title></head><body><article>
<h1>Crêperie wins award</h1><p>The crêperie on Quay Street won the regional prize for small
cafés on Friday, ahead of forty other entrants from across the county.</p>
<p>Its owner said the crème brûlée crêpe had been on the menu since the café opened.</p>
</article></body></html>"""


@pytest.fixture
def site():
    routes = {
        "/bridge.html": Route(BRIDGE_PAGE),
        "/market": Route(MARKET_PAGE),
        "/old-market": Route(status=301, headers={"Location": "{base}/market"}),
        "/latin1.html": Route(LATIN1_PAGE.encode("latin-1"),
                              content_type="text/html; charset=iso-8859-1"),
        "/missing": Route("<h1>Not here</h1>", status=404),
        "/broken": Route("oops", status=500),
        "/private": Route("no", status=403),
        "/slow": Route(BRIDGE_PAGE, delay=3),
        "/report.pdf": Route(b"%PDF-1.7\n", content_type="application/pdf"),
        "/data.json": Route(b'{"a": 1}', content_type="application/json"),
        "/sitemap.xml": Route(b'<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>',
                              content_type="application/xml"),
        "/huge": Route(b"<html>" + b"x" * 3_000_000, send_length=True),
        "/huge-stream": Route(b"<html>" + b"x" * 3_000_000, send_length=False),
    }
    with serve(routes) as running:
        yield running


def _load(urls, **limits):
    results = list(load_paths(urls, LoadLimits(url_policy=LOCAL_ONLY, **limits)))
    return ([r for r in results if isinstance(r, Article)],
            {r.origin: r.reason for r in results if isinstance(r, Skipped)})


def test_article_url_is_stored_and_cited_with_its_url(site, settings, embedder, reranker, tmp_path):
    local = tmp_path / "library.txt"
    local.write_text("Library extends hours\nThe city library will stay open until ten at night "
                     "from May, the head librarian said.\n")
    report = ingest([site.url("/bridge.html"), str(local)], settings, embedder=embedder)
    assert (len(report.new), report.skipped) == (2, [])
    assert site.requests == [("/bridge.html", USER_AGENT)]

    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    answer = assistant.ask("When will the old swing bridge reopen to traffic?")
    assert not answer.abstained and "first of July" in answer.answer
    cited = answer.citations[0]
    assert (cited.title, cited.url, cited.source, cited.published) == (
        "Old swing bridge to reopen after repairs", site.url("/bridge.html"), "Riverside Post",
        "2024-06-11")
    # Ingesting the same URL again fetches it again and finds it unchanged.
    again = ingest([site.url("/bridge.html")], settings, embedder=embedder)
    assert (len(again.unchanged), again.passages_written) == (1, 0)


def test_article_url_through_the_cli(site, settings, capsys):
    cli(["ingest", site.url("/old-market"), "--data-dir", str(settings.data_dir)])
    assert "1 new" in capsys.readouterr().out
    cli(["ask", "Where will the night market move?", "--data-dir", str(settings.data_dir), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert not answer["abstained"] and "harbour front" in answer["answer"]
    # The redirect was followed; the page has no URL of its own, so the final address is used.
    assert answer["citations"][0]["url"] == site.url("/market")
    assert answer["citations"][0]["source"] == "127.0.0.1"


def test_server_charset_is_used(site):
    (article,), skipped = _load([site.url("/latin1.html")])
    assert not skipped
    assert article.title == "Crêperie wins award" and "crème brûlée crêpe" in article.text


@pytest.mark.parametrize("path, reason", [
    ("/missing", "HTTP 404 Not Found: no page at this address; check the URL"),
    ("/broken", "HTTP 500 Internal Server Error: the server failed; try again later"),
    ("/private", "HTTP 403 Forbidden: the site refused access (it may need a login or block "
                 "downloads); save the page from a browser and ingest the .html file"),
    ("/slow", "no answer within 0.5 s; check the address or raise NEWSQA_FETCH_TIMEOUT"),
    ("/report.pdf", "content type application/pdf is neither an HTML page nor an RSS/Atom feed; "
                    "download it and convert it to .txt or .html"),
    ("/data.json", "content type application/json is neither an HTML page nor an RSS/Atom feed"),
    ("/sitemap.xml", "an XML document that is not an RSS or Atom feed"),
    ("/huge", "2.9 MB, larger than the 1 MB limit; raise NEWSQA_MAX_FILE_MB to fetch it"),
    ("/huge-stream", "larger than the 1 MB limit; raise NEWSQA_MAX_FILE_MB to fetch it"),
], ids=["404", "500", "403", "timeout", "pdf", "json", "xml-not-a-feed", "too-big",
        "too-big-streamed"])
def test_each_failure_is_one_line_naming_the_url(site, path, reason):
    articles, skipped = _load([site.url(path), site.url("/bridge.html")], fetch_timeout=0.5,
                              max_file_mb=1)
    assert reason in skipped[site.url(path)]
    assert [a.url for a in articles] == [site.url("/bridge.html")]


@pytest.mark.parametrize("address, reason", [
    ("javascript:alert(1)", "javascript: addresses are not fetched; only http:// and https:// "
                            "addresses of article pages or RSS/Atom feeds"),
    ("file:///etc/hostname", "file: addresses are not fetched; give the path itself, e.g. "
                             "/etc/hostname"),
    ("ftp://example.com/story.txt", "ftp: addresses are not fetched"),
    ("https://", "the address has no host name"),
    ("http://no-such-host.invalid/story", "cannot find the host no-such-host.invalid (DNS lookup "
                                          "failed); check the address and the internet connection"),
], ids=["javascript", "file", "ftp", "no-host", "dns"])
def test_addresses_that_cannot_be_fetched(site, address, reason):
    articles, skipped = _load([address, site.url("/bridge.html")])
    assert skipped[address].startswith(reason)
    assert len(articles) == 1
    assert site.requests == [("/bridge.html", USER_AGENT)]  # nothing else reached the server


def test_connection_refused():
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/story"
    _, skipped = _load([url])
    assert skipped == {url: f"connection refused by 127.0.0.1:{port}; check the address and "
                            "port, and that the server is running"}


def test_a_batch_of_failures_still_stores_the_rest(site, settings, embedder, reranker, tmp_path):
    before = tmp_path / "library.txt"
    before.write_text("Library extends hours\nThe city library will stay open until ten at night "
                      "from May, the head librarian said.\n")
    ingest([str(before)], settings, embedder=embedder)
    batch = [site.url("/missing"), f"http://127.0.0.1:{free_port()}/x", site.url("/slow"),
             site.url("/report.pdf"), "javascript:void(0)", "file:///tmp/x.html",
             site.url("/bridge.html"), site.url("/market")]
    quick = settings.model_copy(update={"fetch_timeout": 0.5})
    report = ingest(batch, quick, embedder=embedder)
    assert len(report.new) == 2
    assert [s.origin for s in report.skipped] == batch[:6]
    assert report.passages_total >= 3
    assistant = NewsAssistant(settings, embedder=embedder, cross_encoder=reranker)
    for question, title in [("Until when will the library stay open?", "Library extends hours"),
                            ("What will cyclists be able to do from the middle of June?",
                             "Old swing bridge to reopen after repairs")]:
        answer = assistant.ask(question)
        assert not answer.abstained and answer.citations[0].title == title
