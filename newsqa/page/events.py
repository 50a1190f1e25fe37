"""The page's events: what happens on a question, an example click, "Add", the Stories and
Feeds tabs' buttons, page load and the refresh timer.

`wire()` attaches them to the components of a `Page` (layout.py), inside the caller's
`gr.Blocks`. The handlers only move values between the page and the work, which lives in
`ask.py` (answering), `add.py` (ingesting), `stories.py` (the stories and a timeline) and
`feeds.py` (following feeds). Their names matter: tests find the events by handler name
(`respond`, `chat_api`, `add_articles`, `list_stories`, `show_story`, `follow_feed`,
`unfollow_feed`, `poll_feeds`, `tick`, `refresh_stats`).

Asking is two steps: `start` shows the question at once and clears the box (no queue),
then `respond` streams the answer into the chat and the sources panel. Both answer events
(the page's and `/chat`) share `concurrency_id="answer"`, so they have one limit.
"""

from contextlib import nullcontext
from pathlib import Path

from newsqa.assistant.chain import NewsAssistant
from newsqa.auth import may
from newsqa.index.owners import OPERATOR
from newsqa.present import markdown_text, notice_html
from newsqa.errors import NewsqaError
from newsqa.corpus_stats import LiveStats
from newsqa.intake import article_labels, collect_inputs, uploader
from newsqa.page.add import ingest_summary_html
from newsqa.page.ask import answer_turns, filters_note, panel_html, user_questions
from newsqa.page.feeds import feeds_panel, follow_notice, poll_now_notice, unfollow_notice
from newsqa.page.layout import EXAMPLES, PANEL_PLACEHOLDER, Page
from newsqa.page.stories import listed_stories, stories_list_html, story_choices, timeline_html


def roles(role_of=None):
    """`role(request)`: the role of the page's logged-in user, None without logins."""
    def role(request) -> str | None:
        if role_of is None:
            return None
        return role_of(getattr(request, "username", None) or "") or "reader"
    return role


READER_NOTICE = ("This login is a reader: it may ask and search. Adding articles and "
                 "following feeds needs an editor.")


def wire(page: Page, assistant: NewsAssistant, live: LiveStats, app, gate=None,
         watcher=None, role_of=None) -> None:
    """Attach every event of the page; call inside `with gr.Blocks(...) as app`. Answers
    hold a slot of `gate` (newsqa/gate.py), the limit shared with the API routes. With
    logins (`role_of`), a reader does not see the Add and Feeds tabs, and their events
    refuse a reader anyway."""
    import gradio as gr

    from newsqa.index.pipeline import IngestReport, ingest

    settings = assistant.settings
    upload_folder = Path(settings.data_dir) / "uploads"
    role = roles(role_of)

    def refresh(selected=None, force: bool = False):
        """Stats and the source menu's choices, as they are now (the selection is kept)."""
        stats = live.current(force)
        return live.html(), gr.Dropdown(choices=list(stats.sources), value=selected or [],
                                        allow_custom_value=True)

    # -- asking
    def start(message: str, history: list):
        """Show the question at once and clear the box; the answer follows in `respond`.

        The chat shows the question as escaped Markdown; `respond` gets it as typed.
        """
        message = (message or "").strip()
        if not message:
            return gr.skip(), gr.skip(), ""
        return "", [*history, {"role": "user", "content": markdown_text(message)}], message

    def respond(message: str, history: list, asked: list, as_of: str, since: str,
                until: str, sources: list[str]):
        if not message:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        note = filters_note(as_of, since, until, sources)
        number = len(user_questions(history))  # this question is the last of them
        yield history, panel_html(None, note, number), gr.skip()
        for reply in answer_turns(assistant, message, list(asked or []), as_of=as_of,
                                  since=since, until=until, sources=sources or (), gate=gate):
            yield ([*history, *reply.messages], panel_html(reply, note, number),
                   [*(asked or []), message])

    def chat_api(message: str, as_of: str, since: str, sources: list[str], until: str,
                 asked: list):
        """Answer a question about the indexed articles, citing passages.

        Filters are optional: as_of / since / until dates (YYYY-MM-DD) and a list of source
        names. Returns chat messages: the answer with [n] markers, then, when it cites, a
        message whose metadata title is "Sources (n)". Earlier questions of the same client
        session are used to read follow-ups.
        """
        for reply in answer_turns(assistant, message, list(asked or []), as_of=as_of,
                                  since=since, until=until, sources=sources or (), gate=gate):
            yield reply.messages, [*(asked or []), message]

    # -- adding articles
    def add_articles(files, pasted: str, urls: str, selected: list[str],
                     request: gr.Request | None = None, progress=gr.Progress()):
        if not may(role(request), "edit"):
            return (notice_html(READER_NOTICE, kind="error"), gr.skip(), gr.skip(), gr.skip(),
                    gr.skip(), gr.skip())
        # Each uploader's files are kept apart, so only their own same file replaces; with
        # logins, so are their articles (index/owners.py).
        found = collect_inputs(files, pasted, urls, upload_folder, owner=uploader(request))
        added_by = uploader(request) if role(request) is not None else OPERATOR
        if not found.items and not found.skipped:
            return (notice_html("Nothing to add: upload files, paste an article or give a URL.",
                                kind="error"), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    gr.skip())
        progress(0, desc="Reading articles…")

        def tick(done: int, total: int) -> None:
            progress((done, total) if total else 1.0, desc="Embedding and storing articles",
                     unit="articles")

        try:
            report = (ingest(found.items, settings, embedder=assistant.embedder,
                             store=assistant.store, progress=tick, added_by=added_by,
                             replace_any=may(role(request), "administer"))
                      if found.items else IngestReport())
        except NewsqaError as error:
            return (notice_html(f"⚠️ Nothing was added: {error}", kind="error"), gr.skip(),
                    gr.skip(), gr.skip(), gr.skip(), gr.skip())
        labels = article_labels(assistant.store, [*report.new, *report.updated])
        summary = ingest_summary_html(report, found.skipped, labels, upload_folder)
        stats, dropdown = refresh(selected, force=True)
        return summary, stats, dropdown, None, "", ""

    if page.add is not None:
        page.add.click(add_articles, [page.files, page.pasted, page.urls, page.sources],
                       [page.summary, page.stats_box, page.sources, page.files, page.pasted,
                        page.urls],
                       api_visibility="undocumented", concurrency_limit=1,
                       concurrency_id="ingest", show_progress="full")

    # The question box and each example start the same chain.
    answer_kwargs = dict(fn=respond,
                         inputs=[page.pending, page.chatbot, page.asked, page.as_of, page.since,
                                 page.until, page.sources],
                         outputs=[page.chatbot, page.panel, page.asked],
                         api_visibility="undocumented", concurrency_id="answer",
                         show_progress="minimal")
    page.question.submit(start, [page.question, page.chatbot],
                         [page.question, page.chatbot, page.pending], queue=False,
                         api_visibility="undocumented").then(**answer_kwargs)
    for button, text in zip(page.example_buttons, EXAMPLES):
        button.click(lambda history, text=text: start(text, history), [page.chatbot],
                     [page.question, page.chatbot, page.pending], queue=False,
                     api_visibility="undocumented").then(**answer_kwargs)
    # The chat's own clear button starts a new conversation: no follow-ups, no panel.
    page.chatbot.clear(lambda: ([], notice_html(PANEL_PLACEHOLDER)), None,
                       [page.asked, page.panel], queue=False, api_visibility="undocumented")

    # The /chat API (see newsqa/page/app.py): the same filters as the page, its own history.
    page.api_button.click(chat_api, [page.api_message, page.as_of, page.since, page.sources,
                                     page.until, page.api_asked],
                          [page.api_result, page.api_asked], api_name="chat",
                          concurrency_id="answer")

    app.load(lambda selected: refresh(selected), [page.sources],
             [page.stats_box, page.sources], queue=False, api_visibility="undocumented")

    def refresh_stats():
        """Background polls add articles: the stats line follows, without a reload."""
        return live.html()

    if page.timer is not None:
        page.timer.tick(refresh_stats, None, [page.stats_box], queue=False,
                        show_progress="hidden", api_visibility="undocumented")
    if page.stories_list is not None:
        wire_stories(page, app, assistant, live, gate)
    if page.follow is not None:
        wire_feeds(page, app, settings, watcher, role)
    if page.add_tab is not None and role_of is not None:
        def show_tabs(request: gr.Request):
            editor = may(role(request), "edit")
            return gr.Tab(visible=editor), gr.Tab(visible=editor)

        app.load(show_tabs, None, [page.add_tab, page.feeds_tab], queue=False,
                 api_visibility="undocumented", show_progress="hidden")


def wire_stories(page: Page, app, assistant: NewsAssistant, live: LiveStats,
                 gate=None) -> None:
    """The Stories tab: the list (on load, on Refresh and when the scope changes) and the
    chosen story's timeline. Every login may read them; a timeline scores sentences with
    the cross-encoder, so it holds a slot of `gate` and queues with the answers."""
    import gradio as gr

    def list_stories(scope: str, chosen: str | None):
        """(the list, the story menu): the choice is kept while its story is listed."""
        stories, since = listed_stories(assistant.stories, scope, live.current().latest,
                                        assistant.recency.today())
        choices = story_choices(stories)
        kept = chosen if chosen in {story_id for _, story_id in choices} else None
        return stories_list_html(stories, since), gr.Dropdown(choices=choices, value=kept)

    def show_story(story_id: str | None):
        if not story_id:
            return timeline_html(None)
        with gate.slot() if gate is not None else nullcontext():
            reply = assistant.story_answerer.timeline(story_id)
        return timeline_html(reply, story_id)

    listed = dict(fn=list_stories, inputs=[page.stories_scope, page.story_choice],
                  outputs=[page.stories_list, page.story_choice], queue=False,
                  api_visibility="undocumented", show_progress="hidden")
    app.load(**listed)
    page.stories_refresh.click(**listed)
    page.stories_scope.change(**listed)
    page.story_choice.change(show_story, [page.story_choice], [page.story_timeline],
                             concurrency_id="answer", api_visibility="undocumented",
                             show_progress="minimal")


def wire_feeds(page: Page, app, settings, watcher=None, role=None) -> None:
    """The Feeds tab: follow, unfollow, poll now, and the table kept current (on load, after
    each button, and on the page's timer). `watcher` is woken to poll at once, if given;
    `role(request)` (see `roles`) keeps readers out and editors to their own feeds."""
    import gradio as gr

    role = role or roles(None)

    def show(selected: str | None, shown: list, notice=None):
        """(notice, table, unfollow menu, its addresses): the menu is only replaced when the
        followed feeds changed, so a tick never disturbs a choice being made."""
        table, choices = feeds_panel(settings.data_dir)
        urls = [url for _, url in choices]
        menu = gr.skip() if urls == list(shown or []) else gr.Dropdown(
            choices=choices, value=selected if selected in urls else None)
        return gr.skip() if notice is None else notice, table, menu, urls

    def refused(request, selected, shown):
        if may(role(request), "edit"):
            return None
        return show(selected, shown, notice_html(READER_NOTICE, kind="error"))

    def follow_feed(url: str, every: str, keep: bool, selected: str | None, shown: list,
                    request: gr.Request = None):
        if (no := refused(request, selected, shown)) is not None:
            return (*no, gr.skip())
        by = uploader(request) if role(request) is not None else None
        notice, followed = follow_notice(settings, url, every, keep, watcher, followed_by=by)
        return (*show(selected, shown, notice), "" if followed else gr.skip())

    def unfollow_feed(selected: str | None, shown: list, request: gr.Request = None):
        if (no := refused(request, selected, shown)) is not None:
            return no
        by = uploader(request) if role(request) is not None else None
        return show(None, shown, unfollow_notice(settings, selected, by=by,
                                                 any_feed=may(role(request), "administer")))

    def poll_feeds(selected: str | None, shown: list, request: gr.Request = None):
        if (no := refused(request, selected, shown)) is not None:
            return no
        return show(selected, shown, poll_now_notice(settings, watcher))

    def tick(selected: str | None, shown: list):
        return show(selected, shown)[1:]

    state = [page.unfollow_choice, page.feeds_shown]
    outputs = [page.feed_notice, page.feeds_table, page.unfollow_choice, page.feeds_shown]
    quiet = dict(api_visibility="undocumented", show_progress="hidden")
    # Following fetches the address once (index/follow.py): a few seconds at most.
    for trigger in (page.follow.click, page.feed_url.submit):
        trigger(follow_feed, [page.feed_url, page.feed_every, page.feed_keep, *state],
                [*outputs, page.feed_url], concurrency_id="feeds",
                api_visibility="undocumented", show_progress="minimal")
    page.unfollow.click(unfollow_feed, state, outputs, concurrency_id="feeds", **quiet)
    page.poll.click(poll_feeds, state, outputs, concurrency_id="feeds", **quiet)
    page.timer.tick(tick, state, outputs[1:], queue=False, **quiet)
    app.load(tick, state, outputs[1:], queue=False, **quiet)
