"""Each loader reads its format with metadata; each kind of bad input is reported with the
file (and line) and a reason, never raised."""

import json

from newsqa.index.article import Article, Skipped
from newsqa.index.load import load_paths

HTML_PAGE = """<!DOCTYPE html><html><head>
<title>Harbor ferry service to resume in spring | Coastal Times</title>
<meta property="og:title" content="Harbor ferry service to resume in spring">
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2024-03-05T08:30:00Z">
<meta property="og:site_name" content="Coastal Times">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sports">Sports</a></nav>
<article><h1>Harbor ferry service to resume in spring</h1>
<p>The harbor ferry, idle since a fire damaged its main dock two years ago, will carry passengers again from April, the port authority announced on Tuesday.</p>
<p>Repairs to the dock cost 4.2 million dollars and were paid for by a state grant, officials said, adding that tickets will cost the same as before the fire.</p>
<p>Commuters welcomed the news, saying the ferry cuts their trip to the city centre by half an hour compared with the coastal road.</p>
</article>
<footer>Copyright 2024 Coastal Times. All rights reserved. Privacy policy.</footer>
</body></html>"""


def _load(*paths):
    results = list(load_paths(paths))
    return ([r for r in results if isinstance(r, Article)],
            [r for r in results if isinstance(r, Skipped)])


def test_text_file_with_header_lines(tmp_path):
    path = tmp_path / "ferry.txt"
    path.write_text("Ferry returns\nSource: Coastal Times\nURL: https://www.example.com/ferry/\n"
                    "Date: March 5, 2024\nAuthor: Maria Lopez\nThe ferry is back.\nSecond line.\n")
    (article,), skipped = _load(path)
    assert not skipped
    assert (article.title, article.source, article.url, article.published, article.author) == (
        "Ferry returns", "Coastal Times", "https://www.example.com/ferry/", "2024-03-05", "Maria Lopez")
    assert article.text == "The ferry is back.\nSecond line."
    # The id comes from the URL: scheme, www. and trailing slash do not change it.
    path.write_text(path.read_text().replace("https://www.example.com/ferry/", "http://example.com/ferry"))
    (again,), _ = _load(path)
    assert again.id == article.id and article.id.startswith("u")


def test_text_file_without_url_gets_a_content_id(tmp_path):
    (tmp_path / "a.md").write_text("# A heading title\n\nBody text here.\n")
    (tmp_path / "b.md").write_text("# A heading title\n\nOther body text.\n")
    (a, b), _ = _load(tmp_path / "a.md", tmp_path / "b.md")
    assert a.title == "A heading title" and a.source is None
    assert a.id.startswith("c") and a.id != b.id
    (a_again,), _ = _load(tmp_path / "a.md")
    assert a_again.id == a.id


def test_html_page_via_trafilatura(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE)
    (article,), skipped = _load(path)
    assert not skipped
    assert article.title == "Harbor ferry service to resume in spring"
    assert article.author == "Maria Lopez"
    assert article.published == "2024-03-05"
    assert "port authority announced on Tuesday" in article.text
    assert "4.2 million dollars" in article.text
    assert "Sports" not in article.text and "All rights reserved" not in article.text


def test_jsonl_good_and_bad_lines(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "title": "One", "text": "First story.", "source": "Wire",
                    "published": "2024-01-02T10:00:00Z", "url": "https://x.org/1"}),
        json.dumps({"title": "Two", "body": "Second story.", "url": "https://x.org/2", "date": "2024-01-03"}),
        '{"title": "Broken", "text": "missing brace"',
        "",
        json.dumps({"title": "No text here", "url": "https://x.org/4"}),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines) + "\n")
    articles, skipped = _load(path)
    assert [(a.id, a.title, a.text, a.published) for a in articles] == [
        ("a1", "One", "First story.", "2024-01-02"),
        (articles[1].id, "Two", "Second story.", "2024-01-03"),
    ]
    assert articles[1].id.startswith("u")
    assert [s.origin for s in skipped] == [f"{path}:3", f"{path}:5", f"{path}:6"]
    assert "malformed JSON" in skipped[0].reason
    assert "no text" in skipped[1].reason
    assert "JSON object" in skipped[2].reason


def test_json_list_and_folder_recursion(tmp_path):
    nested = tmp_path / "feeds" / "2024"
    nested.mkdir(parents=True)
    (nested / "list.json").write_text(json.dumps([
        {"title": "A", "text": "Alpha story.", "url": "https://x.org/a"},
        {"title": "B", "text": "Beta story.", "url": "https://x.org/b"},
    ]))
    (tmp_path / "feeds" / "note.txt").write_text("Gamma\nGamma story.\n")
    (tmp_path / "feeds" / "image.png").write_bytes(b"\x89PNG\x00\x00")  # listed, not read
    articles, skipped = _load(tmp_path / "feeds")
    assert sorted(a.title for a in articles) == ["A", "B", "Gamma"]
    assert [s.reason.split(":")[0] for s in skipped] == ["1 .png file not read (image.png)"]


def test_bad_inputs_are_reported_with_file_line_and_reason(tmp_path):
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"Title\n\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("Title\nline two\ncaf\xe9 au lait\n".encode("latin-1"))
    (tmp_path / "title-only.txt").write_text("Only a title\n")
    (tmp_path / "data.csv").write_text("a,b\n")
    (tmp_path / "broken.json").write_text('{"title": "x",\n "text": }')
    results = list(load_paths(sorted(tmp_path.iterdir()) + [tmp_path / "missing.txt"]))
    # Latin-1 is not refused: it is read, with a note saying so (tests/test_bad_input.py).
    (latin1,) = [r for r in results if isinstance(r, Article)]
    assert "café au lait" in latin1.text and "not UTF-8" in latin1.notes[0]
    results = [r for r in results if r is not latin1]
    reasons = {s.origin.replace(str(tmp_path) + "/", ""): s.reason for s in results}
    assert all(isinstance(r, Skipped) for r in results)
    assert "binary" in reasons["binary.txt"]
    assert "unsupported file type .csv" in reasons["data.csv"]
    assert "empty" in reasons["empty.txt"]
    assert "no text" in reasons["title-only.txt"]
    assert "malformed JSON" in reasons["broken.json:2"]
    assert "no such file" in reasons["missing.txt"]
