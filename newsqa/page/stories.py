"""The page's Stories tab: the biggest stories in the index, and the dated timeline of one.

Why: a reader who does not yet know what to ask can see what the news is about (the
stories most independent reports tell, with their outlets and days) and read how one
unfolded without wording a question: choosing a story shows its timeline, the same dated,
cited developments a "Give me a timeline of …" answer gives (assistant/story.py), built
from that story's own articles.

No Gradio here: the tab is placed in `layout.py` and its events attached in `events.py`.
Everything shown is escaped: titles, outlets and sentences are article text.
"""

from datetime import date, timedelta

from newsqa.assistant.story import StoryReply
from newsqa.index.stories import Story, StoryIndex
from newsqa.present import article_html, by_article, escape_html, notice_html, story_items_html

THIS_WEEK, ALL = "This week", "All"
SCOPES = [THIS_WEEK, ALL]
WEEK_DAYS = 7
LIMIT = 20  # stories listed
CHOOSE = "Choose a story above to see its timeline: each development dated, quoted and cited."


def week_start(newest: str | None, today: str | None) -> str:
    """The first day of "this week" (YYYY-MM-DD): the 7 days up to today on a live index
    (`today` given), else up to the index's newest article, so an archive that ended long
    ago still shows its last week; up to the clock's day when neither is known."""
    end = date.fromisoformat(today or newest or date.today().isoformat())
    return (end - timedelta(days=WEEK_DAYS - 1)).isoformat()


def listed_stories(index: StoryIndex, scope: str, newest: str | None,
                   today: str | None) -> tuple[list[Story], str | None]:
    """(the biggest stories of `scope`, the day "this week" starts or None for all)."""
    since = week_start(newest, today) if scope == THIS_WEEK else None
    return index.stories(since=since, limit=LIMIT, min_articles=1), since


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def story_label(story: Story) -> str:
    """'Title — 4 articles, 3 independent, 2023-03-06 to 2023-03-24' (a menu choice)."""
    return (f"{story.title or '(untitled)'} — {_plural(len(story.articles), 'article')}, "
            f"{story.origins} independent, {story.first or '?'} to {story.last or '?'}")


def story_choices(stories: list[Story]) -> list[tuple[str, str]]:
    """The story menu's choices: (label, story id)."""
    return [(story_label(story), story.id) for story in stories]


def stories_list_html(stories: list[Story], since: str | None) -> str:
    """One row per story, biggest first: its newest headline, articles, independent
    origins (syndicated copies count once), outlets, first and last day. Each row's id and
    counts are also data-attributes."""
    scope = f"with an article from {since} on" if since else "in the index"
    if not stories:
        hint = f" Choose “{ALL}” to see every story." if since else " Add articles first."
        return f'<div class="nq-stories">{notice_html(f"No stories {scope}." + hint)}</div>'
    head = "".join(f"<th>{name}</th>" for name in (
        "Story", "Articles", "Independent", "Outlets", "First day", "Last day"))
    rows = "".join(_row(story) for story in stories)
    return (f'<div class="nq-stories"><p class="nq-note">The {_plural(len(stories), "story")} '
            f"{escape_html(scope)} told by the most independent reports:</p>"
            f'<table class="nq-stories-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _row(story: Story) -> str:
    data = {"story": story.id, "articles": len(story.articles), "origins": story.origins}
    attributes = "".join(f' data-{key}="{escape_html(value)}"' for key, value in data.items())
    return (f'<tr class="nq-story-row"{attributes}>'
            f"<td><strong>{escape_html(story.title or '(untitled)')}</strong></td>"
            f"<td>{len(story.articles):,}</td><td>{story.origins:,}</td>"
            f"<td>{escape_html(', '.join(story.sources) or 'no source given')}</td>"
            f"<td>{escape_html(story.first or '—')}</td><td>{escape_html(story.last or '—')}</td>"
            "</tr>")


def timeline_html(reply: StoryReply | None, story_id: str | None = None) -> str:
    """The chosen story: its headline and counts, the dated developments (each quoted
    sentence with its outlets and [n]), then the articles the [n] name. A story that is
    gone (expired, or replaced since the list was read) says so."""
    if not story_id:
        return notice_html(CHOOSE)
    if reply is None:
        return notice_html("That story is no longer in the index: press Refresh for the "
                           "stories there are now.", kind="error")
    info = reply.story
    meta = (f"{_plural(info.articles, 'article')} · {info.origins} independent · "
            f"{', '.join(info.sources) or 'no source given'} · "
            f"{info.first or '?'} to {info.last or '?'}")
    said = reply.text.split("\n\n", 1)[0]  # "Timeline, 3 developments …", "No news …"
    articles = "".join(article_html(group, {}, reply.text) for group in by_article(reply.citations))
    return (f'<div class="nq-story" data-story="{escape_html(info.id)}" '
            f'data-items="{len(reply.items)}">'
            f'<h3 class="nq-story-title">{escape_html(info.title or "(untitled)")}</h3>'
            f'<p class="nq-meta">{escape_html(meta)}</p>'
            f'<p class="nq-note">{escape_html(said)}</p>{story_items_html(reply.items)}'
            f"{articles}</div>")
