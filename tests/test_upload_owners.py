"""Uploads through the page are kept per uploader: two people's `report.txt` are two articles,
and an upload replaces an earlier one only when it is the same user's same file. Through the
page's own "Add" handler, with Gradio requests as a logged-in page or anonymous browser
sessions would send them, on a real index."""

import gradio as gr
import pytest

from newsqa.assistant.chain import NewsAssistant
from newsqa.corpus_stats import corpus_stats
from newsqa.settings import Settings
from newsqa.page.app import build_app
from newsqa.intake import uploader

ALICE = """Council approves harbour budget
Source: Harbour Gazette
Date: 2023-03-14

The town council approved a budget of 41 million shillings for the new harbour ferry on
Tuesday, after a two-hour debate in the town hall.
"""
ALICE_EDITED = ALICE.replace("41 million", "43 million")
BOB = """School choir wins regional prize
Source: Valley Herald
Date: 2023-04-02

The school choir from Elmsworth won the regional singing prize on Saturday, ahead of twelve
other choirs from across the valley.
"""


def _file(folder, name: str, text: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def page(tmp_path, embedder, reranker):
    assistant = NewsAssistant(Settings(data_dir=tmp_path / "data"), embedder=embedder,
                              cross_encoder=reranker)
    app = build_app(assistant)
    add = next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == "add_articles")
    return assistant, add


def _counts(summary: str) -> str:
    return summary.split("<strong>", 1)[1].split("</strong>", 1)[0]


def test_same_file_name_from_two_users_is_two_articles(page, tmp_path):
    assistant, add = page
    alice = gr.Request(username="alice", session_hash="tab-1")
    bob = gr.Request(username="bob", session_hash="tab-2")

    first = add([_file(tmp_path / "a", "report.txt", ALICE)], "", "", [], alice)
    assert _counts(first[0]) == "1 new, 0 updated, 0 unchanged, 0 skipped"
    second = add([_file(tmp_path / "b", "report.txt", BOB)], "", "", [], bob)
    assert _counts(second[0]) == "1 new, 0 updated, 0 unchanged, 0 skipped"  # not a replacement
    assert corpus_stats(assistant.store).articles == 2
    answer = assistant.ask("What budget did the council approve for the harbour ferry?")
    assert "41 million shillings" in answer.answer

    # The same user's same file again, edited: it replaces hers, and only hers.
    edited = add([_file(tmp_path / "a2", "report.txt", ALICE_EDITED)], "", "", [], alice)
    assert _counts(edited[0]) == "0 new, 1 updated, 0 unchanged, 0 skipped"
    assert corpus_stats(assistant.store).articles == 2
    answer = assistant.ask("What budget did the council approve for the harbour ferry?")
    assert "43 million shillings" in answer.answer
    assert "School choir wins regional prize" in {
        c.title for c in assistant.ask("Which choir won the regional singing prize?").citations}
    kept = sorted(p.relative_to(tmp_path / "data" / "uploads").as_posix()
                  for p in (tmp_path / "data" / "uploads").rglob("*.txt"))
    assert kept == ["user-alice/report.txt", "user-bob/report.txt"]


def test_anonymous_sessions_and_pasted_titles_are_kept_apart(page, tmp_path):
    assistant, add = page
    one, two = gr.Request(session_hash="browser-one"), gr.Request(session_hash="browser-two")
    assert add([_file(tmp_path / "1", "notes.txt", ALICE)], "", "", [], one)[0].count("1 new")
    assert add([_file(tmp_path / "2", "notes.txt", BOB)], "", "", [], two)[0].count("1 new")
    # Pasted articles are identified by their title: the same title from two people is two.
    pasted = "Weekly notes\n\nThe ferry timetable changes on Monday, the harbour office said."
    other = "Weekly notes\n\nThe library opens late on Thursdays from May, the librarian said."
    assert "1 new" in add(None, pasted, "", [], one)[0]
    assert "1 new" in add(None, other, "", [], two)[0]
    assert corpus_stats(assistant.store).articles == 4
    assert "0 new, 1 updated" in add(None, pasted + " It was announced on Friday.", "", [], one)[0]
    assert corpus_stats(assistant.store).articles == 4


def test_uploader_folder_names():
    assert uploader(gr.Request(username="alice", session_hash="x")) == "user-alice"
    odd = uploader(gr.Request(username="../../etc", session_hash="x"))
    assert odd.startswith("user-") and "/" not in odd and ".." not in odd
    assert uploader(gr.Request(username="Ann Lee")) != uploader(gr.Request(username="Ann_Lee"))
    session = uploader(gr.Request(session_hash="secret-session-hash"))
    assert session.startswith("session-") and "secret" not in session
    assert uploader(None) == "anonymous"


def test_skipped_uploads_are_named_without_the_server_path_or_owner(tmp_path):
    from newsqa.intake import display_origin

    folder = tmp_path / "uploads"
    assert display_origin(str(folder / "user-alice" / "report.txt"), folder) == "uploaded report.txt"
    assert display_origin(str(folder / "session-0af3" / "feed.xml#entry-2"), folder) == (
        "uploaded feed.xml#entry-2")
    assert display_origin(str(folder / "old.txt"), folder) == "uploaded old.txt"
    assert display_origin("pasted (user-bob): Title", folder) == "pasted (user-bob): Title"


def _program_request(login: str | None, role: str = "editor") -> dict:
    """The scope of a request to /api/ingest after the guard checked its login."""
    from newsqa.auth import Login
    from newsqa.serving.guard import SCOPE_LOGIN

    scope = {"type": "http", "method": "POST", "path": "/api/ingest", "headers": []}
    if login:
        user, _, password = login.partition(":")
        scope[SCOPE_LOGIN] = Login(user, password, role)
    return scope


def test_programs_uploading_the_same_file_name_keep_each_logins_own(tmp_path, embedder, reranker):
    """POST /api/ingest: each login's uploads are its own, as on the page."""
    from newsqa.serving.rest import program_owner, run_ingest

    assistant = NewsAssistant(Settings(data_dir=tmp_path / "data"), embedder=embedder,
                              cross_encoder=reranker)
    (alice, role), (bob, _) = (program_owner(_program_request("alice:pw")),
                               program_owner(_program_request("bob:pw")))
    assert (alice, bob, role) == ("user-alice", "user-bob", "editor")
    assert program_owner(_program_request(None)) == ("program", None)

    def upload(text, owner):
        path = _file(tmp_path / owner / str(len(text)), "report.txt", text)
        return run_ingest(assistant, [path], "", [], owner, "editor")

    assert len(upload(ALICE, alice)["new"]) == 1
    assert len(upload(BOB, bob)["new"]) == 1  # not a replacement of Alice's
    edited = upload(ALICE_EDITED, alice)
    assert len(edited["updated"]) == 1 and not edited["new"]  # her own file, edited
    answer = assistant.ask("What did the school choir win?")
    assert "regional singing prize" in answer.answer


ALICE_AT_URL = ALICE.replace("Date: 2023-03-14", "Date: 2023-03-14\nURL: https://harbour.example/budget")
BOB_AT_URL = """Harbour budget rejected
Source: Harbour Gazette
Date: 2023-03-15
URL: https://harbour.example/budget

The town council rejected the harbour budget on Wednesday and cancelled the ferry.
"""


def test_another_login_cannot_replace_an_article_by_its_url(tmp_path, embedder, reranker):
    """Bob's text under Alice's URL is stored as his own article; hers stays and answers;
    his next upload updates his copy; an admin, or the operator, may replace hers."""
    from newsqa.serving.rest import run_ingest

    assistant = NewsAssistant(Settings(data_dir=tmp_path / "data", auth="alice:pw"),
                              embedder=embedder, cross_encoder=reranker)

    def paste(text, user, role="editor"):
        return run_ingest(assistant, [], text, [], f"user-{user}", role)

    assert len(paste(ALICE_AT_URL, "alice")["new"]) == 1
    bobs = paste(BOB_AT_URL, "bob")
    assert len(bobs["new"]) == 1 and not bobs["updated"]
    assert any("added by someone else" in w for w in bobs["warnings"])
    answer = assistant.ask("How big was the harbour ferry budget?")
    assert "41 million" in answer.answer
    assert all(c.title != "Harbour budget rejected" or c.source == "Harbour Gazette"
               for c in answer.citations)
    again = paste(BOB_AT_URL.replace("Wednesday", "Thursday"), "bob")
    assert len(again["updated"]) == 1 and not again["new"]  # his own copy, edited
    assert len(paste(ALICE_AT_URL.replace("41 million", "42 million"), "alice")["updated"]) == 1
    assert corpus_stats(assistant.store).articles == 2
    replaced = paste(BOB_AT_URL, "ada", role="admin")
    assert len(replaced["updated"]) == 1 and not replaced["new"]  # an admin may replace
    assert "41 million" not in assistant.ask("How big was the harbour ferry budget?").answer


def test_mcp_pastes_belong_to_the_login(tmp_path, embedder, reranker):
    """A paste through MCP (no file, only a title) is the login's own, not "program"'s: Bob
    pasting under Alice's title does not replace her article."""
    from newsqa.serving.rest import run_ingest

    assistant = NewsAssistant(Settings(data_dir=tmp_path / "data", auth="alice:pw"),
                              embedder=embedder, cross_encoder=reranker)
    assert len(run_ingest(assistant, [], ALICE, [], "user-alice", "editor")["new"]) == 1
    bob = run_ingest(assistant, [], ALICE.replace("41 million", "99 million"), [], "user-bob",
                     "editor")
    assert len(bob["new"]) == 1 and not bob["updated"]
    assert corpus_stats(assistant.store).articles == 2


def test_a_reader_sees_no_add_or_feeds_tab_and_cannot_add(tmp_path, embedder, reranker):
    assistant = NewsAssistant(Settings(data_dir=tmp_path / "data"), embedder=embedder,
                              cross_encoder=reranker)
    roles = {"rita": "reader", "ed": "editor"}
    app = build_app(assistant, role_of=roles.get)
    handlers = {getattr(f.fn, "__name__", ""): f.fn for f in app.fns.values()}
    rita, ed = gr.Request(username="rita"), gr.Request(username="ed")
    hidden = handlers["show_tabs"](rita)
    assert [tab.visible for tab in hidden] == [False, False]
    assert [tab.visible for tab in handlers["show_tabs"](ed)] == [True, True]
    refused = handlers["add_articles"]([_file(tmp_path / "r", "a.txt", ALICE)], "", "", [], rita)
    assert "reader" in refused[0] and corpus_stats(assistant.store).articles == 0
    added = handlers["add_articles"]([_file(tmp_path / "e", "a.txt", ALICE)], "", "", [], ed)
    assert _counts(added[0]).startswith("1 new")
    follow = handlers["follow_feed"]("https://a.example/feed.xml", "", False, None, [], rita)
    assert "reader" in follow[0]
