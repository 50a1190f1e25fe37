"""The page's layout: what is on it, where, and how it looks (CSS).

`layout()` places the components inside the caller's `gr.Blocks` and returns them as a
`Page`, with no behaviour attached: the events that make them work are in `events.py`.
Tabs: "Ask" (chat, question box, examples, filters, and the sources panel beside the
chat), "Stories" (the biggest stories, and the dated timeline of the one chosen) and,
unless the index is read-only, "Add articles" and "Feeds" (follow a feed, see what its
polls brought). A timer refreshes the stats line (and the feeds table) while the
page is open, since background polls change the index. Hidden components at the end carry
the values of the `/chat` API.
"""

from dataclasses import dataclass

from newsqa.page.stories import CHOOSE, SCOPES, THIS_WEEK
from newsqa.present import notice_html
from newsqa.corpus_stats import CorpusStats
from newsqa.corpus_stats import stats_html

EXAMPLES = [
    "What did Putin demand?",
    "What did Macron advise Putin?",
    "Did Putin agree to anything?",
    "What did Biden say about the call?",
]

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".jsonl", ".json", ".rss", ".atom", ".xml"]

PANEL_PLACEHOLDER = ("Ask a question: the passages its answer cites appear here, with the "
                     "quoted sentences highlighted.")

# Scoped to each gr.HTML by Gradio (css_template); no `${` or `{{`: it is a JS template.
# Notes and details use the body text colour: the theme's "subdued" grey is too faint.
PANEL_CSS = """
.nq-article { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 6px 12px; margin: 0 0 10px; }
.nq-article summary { cursor: pointer; font-weight: 600; }
.nq-citation { margin: 8px 0 4px; }
.nq-citation + .nq-citation { border-top: 1px dashed var(--border-color-primary);
  padding-top: 8px; }
.nq-n { display: block; font-weight: 600; font-size: 0.9em; }
.nq-meta, .nq-question, .nq-filters, .nq-note, .nq-url-note, .nq-also {
  color: var(--body-text-color); font-size: 0.9em; margin: 4px 0; }
.nq-passage { white-space: pre-wrap; margin: 2px 0 6px !important; padding-left: 10px;
  border-left: 3px solid var(--border-color-primary); }
mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 2px; }
.nq-error { color: var(--error-text-color, #b91c1c); }
.nq-notice { padding: 6px 0; }
.nq-ingest ul { margin: 4px 0 8px 18px; }
.nq-timeline { margin: 6px 0 12px 18px; padding: 0; }
.nq-item { margin: 0 0 8px; }
.nq-day { font-weight: 600; }
.nq-item-sources { color: var(--body-text-color); font-size: 0.9em; }
.nq-item-n { font-weight: 600; font-size: 0.9em; }
"""

# The feeds table (feeds.py), scoped like PANEL_CSS; wide tables scroll sideways.
FEEDS_CSS = PANEL_CSS + """
.nq-feeds { overflow-x: auto; }
.nq-feeds-table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
.nq-feeds-table th, .nq-feeds-table td { text-align: left; vertical-align: top;
  padding: 4px 8px; border-bottom: 1px solid var(--border-color-primary); }
.nq-feed-url { word-break: break-all; }
"""

# The Stories tab's table (stories.py), like the feeds table; its timeline is PANEL_CSS's.
STORIES_CSS = PANEL_CSS + """
.nq-stories { overflow-x: auto; }
.nq-stories-table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
.nq-stories-table th, .nq-stories-table td { text-align: left; vertical-align: top;
  padding: 4px 8px; border-bottom: 1px solid var(--border-color-primary); }
"""

# The stats line and feeds table: a tick counts the store's passages and reads two small
# files (the keyword index's state, feeds.json); the stats are rescanned only on a change.
REFRESH_SECONDS = 10

# For the whole page (given to launch()). Gradio dims a chat's collapsible "Sources (n)"
# block a second time (0.8 on top of every message's 0.8), which reads as disabled; here it
# is as legible as the answer above it. The Feeds tab's buttons sit level with the menu's box.
PAGE_CSS = """
#chat .thought-group .message-content { opacity: 1; }
#chat .thought-group { font-size: var(--text-md); }
#feed-actions, #stories-actions { align-items: flex-end; }
"""


@dataclass
class Page:
    """The components the events read and write (None: not on this page)."""

    stats_box: object
    asked: object  # the page's earlier questions (for follow-ups)
    pending: object  # the question being answered, as typed
    chatbot: object
    question: object
    example_buttons: list
    as_of: object
    since: object
    until: object
    sources: object
    panel: object
    api_message: object
    api_asked: object
    api_result: object
    api_button: object
    files: object = None
    pasted: object = None
    urls: object = None
    add: object = None
    summary: object = None
    timer: object = None  # refreshes the stats line (and the feeds table) while open
    feed_url: object = None
    feed_every: object = None
    feed_keep: object = None
    follow: object = None
    feed_notice: object = None
    feeds_table: object = None
    unfollow_choice: object = None
    unfollow: object = None
    poll: object = None
    feeds_shown: object = None  # the feed addresses the unfollow menu offers now
    add_tab: object = None  # the two tabs a reader does not see (hidden on load)
    feeds_tab: object = None
    stories_scope: object = None  # the Stories tab: this week or all
    stories_refresh: object = None
    stories_list: object = None
    story_choice: object = None
    story_timeline: object = None


def layout(stats: CorpusStats, *, ingest: bool, private: bool = False) -> Page:
    """Place the page's components; call inside `with gr.Blocks(...)`.

    `private` (a server with logins): nothing about the index is built into the page, whose
    API description Gradio hands out before the login; the stats line and the source menu
    are filled when a logged-in page loads."""
    import gradio as gr

    gr.Markdown("# newsqa\nAsk about the indexed news articles. Every answer cites the "
                "passages it comes from; when the articles do not say, it tells you so.")
    stats_box = gr.HTML(notice_html("Reading the index…") if private else stats_html(stats),
                        elem_id="corpus-stats", js_on_load=None)
    asked = gr.State([])
    pending = gr.State("")
    adding = {}

    with gr.Tabs():
        with gr.Tab("Ask", id="ask"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    # No visible label: Gradio floats it over the chat, on top of the
                    # first message once the chat scrolls.
                    chatbot = gr.Chatbot(
                        label="Chat", show_label=False, elem_id="chat", height=480,
                        latex_delimiters=[],
                        allow_tags=False, sanitize_html=True, buttons=["copy"],
                        feedback_options=None,
                        placeholder="Ask about the articles; try one of the examples below.")
                    question = gr.Textbox(
                        show_label=False, elem_id="question", submit_btn="Ask",
                        placeholder="Ask about the articles, e.g. What did Putin demand?",
                        autofocus=True, max_length=1000)
                    gr.Markdown("Example questions (click to ask):")
                    with gr.Row(elem_id="examples"):
                        example_buttons = [gr.Button(q, size="sm", variant="secondary",
                                                     elem_classes="nq-example")
                                           for q in EXAMPLES]
                    with gr.Accordion("Filters: dates and sources", open=False,
                                      elem_id="filters"):
                        # The three boxes are built alike (one-line label, no info line)
                        # so that they line up; what they mean is said once, above them.
                        gr.Markdown("Dates are YYYY-MM-DD and include the day itself. "
                                    "**As of**: answer as if on that day, from nothing "
                                    "published later. Undated articles are left out when a "
                                    "date is set.", elem_id="filter-dates-help")
                        with gr.Row(elem_id="filter-dates"):
                            as_of = gr.Textbox("", label="As of", placeholder="any date",
                                               elem_id="filter-as-of")
                            since = gr.Textbox("", label="Published since",
                                               placeholder="any date", elem_id="filter-since")
                            until = gr.Textbox("", label="Published until",
                                               placeholder="any date", elem_id="filter-until")
                        # Custom values: a source added since this page (or an API
                        # client's session) was loaded is still a valid filter.
                        sources = gr.Dropdown(choices=[] if private else list(stats.sources),
                                              value=[],
                                              multiselect=True, allow_custom_value=True,
                                              label="Sources", elem_id="filter-sources",
                                              info="Leave empty for all sources")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    panel = gr.HTML(notice_html(PANEL_PLACEHOLDER), elem_id="sources-panel",
                                    css_template=PANEL_CSS, js_on_load=None,
                                    max_height=720)

        with gr.Tab("Stories", id="stories"):
            adding.update(stories_tab())

        if ingest:
            with gr.Tab("Add articles", id="add") as adding["add_tab"]:
                gr.Markdown(
                    "Add articles to the index: upload files, paste an article, or give "
                    "article or feed URLs (one per line). Text files and pasted text: the "
                    "title on the first line, then optional `Source:`, `Date:` and `URL:` "
                    "lines, then the article.")
                adding["files"] = gr.File(
                    label="Article files (" + " ".join(UPLOAD_TYPES) + ")",
                    file_count="multiple", file_types=UPLOAD_TYPES, elem_id="upload-files")
                adding["pasted"] = gr.Textbox(
                    label="Paste an article", lines=8, elem_id="paste-article",
                    placeholder="Title\nSource: …\nDate: YYYY-MM-DD\n\nText…")
                adding["urls"] = gr.Textbox(label="Article or feed URLs (one per line)",
                                            lines=2, elem_id="article-urls",
                                            placeholder="https://…")
                adding["add"] = gr.Button("Add to the index", variant="primary",
                                          elem_id="add-articles")
                adding["summary"] = gr.HTML("", elem_id="ingest-summary",
                                            css_template=PANEL_CSS, js_on_load=None)
            with gr.Tab("Feeds", id="feeds") as adding["feeds_tab"]:
                adding.update(feeds_tab())

    # The /chat API's own values (see newsqa/page/app.py); never shown.
    api_message = gr.Textbox("", visible=False, label="message")
    api_asked = gr.State([])
    api_result = gr.JSON(visible=False, label="Response")
    api_button = gr.Button(visible=False)
    timer = gr.Timer(REFRESH_SECONDS)
    return Page(timer=timer, stats_box=stats_box, asked=asked, pending=pending, chatbot=chatbot,
                question=question, example_buttons=example_buttons, as_of=as_of, since=since,
                until=until, sources=sources, panel=panel, api_message=api_message,
                api_asked=api_asked, api_result=api_result, api_button=api_button, **adding)


def stories_tab() -> dict:
    """The Stories tab's components, as `Page` fields; call inside its `gr.Tab`. Nothing
    about the index is built in (the list is read when the page loads)."""
    import gradio as gr

    gr.Markdown("The biggest stories in the index: the most independent reports first "
                "(syndicated copies count once), then the most articles. Choose one to see "
                "how it unfolded.")
    tab = {}
    with gr.Row(elem_id="stories-actions"):
        tab["stories_scope"] = gr.Radio(SCOPES, value=THIS_WEEK, label="Stories",
                                        elem_id="stories-scope", scale=3,
                                        info="This week: the 7 days up to today on a live "
                                             "index, else up to its newest article")
        tab["stories_refresh"] = gr.Button("Refresh", elem_id="refresh-stories", scale=1)
    tab["stories_list"] = gr.HTML(notice_html("Reading the stories…"), elem_id="stories-list",
                                  css_template=STORIES_CSS, js_on_load=None)
    tab["story_choice"] = gr.Dropdown(choices=[], value=None, label="Story",
                                      elem_id="story-choice")
    tab["story_timeline"] = gr.HTML(notice_html(CHOOSE), elem_id="story-timeline",
                                    css_template=STORIES_CSS, js_on_load=None)
    return tab


def feeds_tab() -> dict:
    """The Feeds tab's components, as `Page` fields; call inside its `gr.Tab`."""
    import gradio as gr

    gr.Markdown("Follow a feed (RSS or Atom), or a site that announces one: the server polls "
                "it and adds its new and edited articles to the index by itself.")
    tab = {}
    with gr.Row(equal_height=True):
        tab["feed_url"] = gr.Textbox(label="Feed or site URL", placeholder="https://…/feed.xml",
                                     elem_id="feed-url", scale=4, max_length=2000)
        tab["feed_every"] = gr.Textbox(label="Poll every", placeholder="15m",
                                       elem_id="feed-every", scale=1, max_length=20,
                                       info="e.g. 90s, 15m, 2h; empty: the default")
        tab["feed_keep"] = gr.Checkbox(label="Keep its articles", elem_id="feed-keep", scale=1,
                                       info="never removed by NEWSQA_KEEP_DAYS")
    tab["follow"] = gr.Button("Follow", variant="primary", elem_id="follow-feed")
    tab["feed_notice"] = gr.HTML("", elem_id="feed-notice", css_template=PANEL_CSS,
                                 js_on_load=None)
    tab["feeds_table"] = gr.HTML(notice_html("Reading the followed feeds…"),
                                 elem_id="feeds-table", css_template=FEEDS_CSS, js_on_load=None)
    with gr.Row(elem_id="feed-actions"):  # buttons level with the menu's box (PAGE_CSS)
        tab["unfollow_choice"] = gr.Dropdown(choices=[], value=None, label="Followed feed",
                                             elem_id="unfollow-choice", scale=4)
        tab["unfollow"] = gr.Button("Unfollow", elem_id="unfollow-feed", scale=1)
        tab["poll"] = gr.Button("Poll now", elem_id="poll-feeds", scale=1)
    tab["feeds_shown"] = gr.State([])
    return tab
