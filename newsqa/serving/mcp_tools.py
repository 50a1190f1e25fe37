"""The MCP server: `ask_news`, `search_news`, `list_stories`, `story_timeline` and (where
adding is on) `add_articles`.

Agents speak MCP; these tools let one ask the news and get the cited answer, search for
passages, list the biggest stories and read one's dated timeline, or add articles, over
streamable HTTP at `/mcp` on the page's port, behind the same login and the same answer
limit as everything else (newsqa/serving/guard.py, newsqa/gate.py).

Built with the `mcp` SDK's FastMCP rather than Gradio's MCP support: Gradio would turn
the page's `/chat` event into a tool with the page's argument names and chat-message
output, without `add_articles` (the page's ingest is an undocumented event), and serves it
at /gradio_api/mcp outside our login for programs; here each tool has its own name,
arguments, limits and output (the answer text with its sources, and the `ask --json`
object as structured content). Stateless, JSON responses: no session to keep between
calls, so any number of clients can connect.
"""

from datetime import date
from typing import Annotated

from mcp.server.fastmcp import Context, FastMCP
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from newsqa.auth import may
from newsqa.serving.rest import (passage_filter, passage_json, program_owner, run_ingest,
                                 url_list)
from newsqa.serving.errors import ApiError
from newsqa.serving.models import Filters
from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.story import StoryReply
from newsqa.assistant.storyask import timeline_ask
from newsqa.index.dates import to_iso_date
from newsqa.index.filters import PassageFilter
from newsqa.index.stories import Story
from newsqa.gate import AnswerGate
from newsqa.serving.reply_text import reply_text, source_line

Date = Annotated[str | None, Field(None, max_length=40, description="YYYY-MM-DD")]


def transport_security(loopback_only: bool) -> TransportSecuritySettings:
    """On loopback without a login, refuse requests whose Host is not this machine (a web
    page's DNS-rebinding trick); a server bound wider requires the login instead."""
    if not loopback_only:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"])


def day_argument(name: str, value: str | None) -> date | None:
    """A tool's date argument read as a day; a ValueError naming the argument otherwise."""
    if value is None or not value.strip():
        return None
    day = to_iso_date(value)
    if day is None:
        raise ValueError(f"{name}: cannot read {value!r} as a date; use YYYY-MM-DD.")
    return date.fromisoformat(day)


def stories_text(stories: list[Story]) -> str:
    """One line per story: title, id, articles, independent reports, outlets, days."""
    if not stories:
        return "No story in the index matches (try a smaller min_articles or no since)."
    return "\n".join(
        f"{s.title} — id {s.id} — {len(s.articles)} article{'s' * (len(s.articles) != 1)}, "
        f"{s.origins} independent — {', '.join(s.sources) or 'no source given'} — "
        f"{s.first or '?'} to {s.last or '?'}" for s in stories)


def timeline_text(reply: StoryReply) -> str:
    """The story, then one line per item (date, quoted sentence with its [n], outlets),
    then the sources the [n] markers name, with their quotes."""
    info = reply.story
    head = (f"{info.title} (story {info.id}): {info.articles} article"
            f"{'s' * (info.articles != 1)}, {info.origins} independent, from "
            f"{', '.join(info.sources) or 'no source given'}; {info.first or '?'} to "
            f"{info.last or '?'}.")
    said = reply.text.split("\n\n", 1)[0]  # "Timeline, 3 developments …", "Nothing new …"
    lines = [f"{item.date or 'undated'} — {item.text} [{item.n}] — {', '.join(item.sources)}"
             for item in reply.items]
    parts = [head, said, "\n".join(lines)] if lines else [head, said]
    if reply.citations:
        sources = ["Sources:"]
        for citation in reply.citations:
            sources += [source_line(citation), f"    “{citation.quote}”"]
        parts.append("\n".join(sources))
    return "\n\n".join(parts)


def timeline_content(reply: StoryReply, kind: str) -> dict:
    """The structured result of `story_timeline`: the story (id, outlets as `sources`,
    `origins`, days), its items and the citations their [n] name."""
    return {"kind": kind, "story": reply.story.model_dump(),
            "items": [item.model_dump() for item in reply.items],
            "citations": [c.model_dump() for c in reply.citations], "answer": reply.text}


def build_mcp(assistant: NewsAssistant, gate: AnswerGate, ingest_gate: AnswerGate, *,
              loopback_only: bool) -> FastMCP:
    settings = assistant.settings
    Question = Annotated[str, Field(min_length=1, max_length=settings.max_question_chars)]
    History = Annotated[list[Annotated[str, Field(max_length=settings.max_question_chars)]],
                        Field(max_length=settings.max_history_turns)]
    Sources = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)]
    server = FastMCP("newsqa", instructions=(
        "Answers questions about the indexed news articles, quoting them with [n] citations; "
        "declines when the articles do not hold the answer."),
        stateless_http=True, json_response=True, streamable_http_path="/mcp",
        transport_security=transport_security(loopback_only), log_level="WARNING")

    def filters_of(as_of, since, until, sources):
        return passage_filter(Filters(as_of=as_of, since=since, until=until,
                                      sources=sources or []))

    @server.tool()
    async def ask_news(question: Question, history: History | None = None,
                       as_of: Date = None, since: Date = None, until: Date = None,
                       sources: Sources | None = None) -> CallToolResult:
        """Answer a question from the news articles. The text is the answer with [n] markers,
        then its sources with the quoted sentences; the structured result holds the
        citations. history: earlier questions, oldest first, for follow-ups. as_of/since/
        until: YYYY-MM-DD dates; sources: publisher names."""
        filters = filters_of(as_of, since, until, sources)
        answer = await gate.run(lambda: assistant.ask(question, filters=filters,
                                                      history=list(history or [])))
        return CallToolResult(content=[TextContent(type="text", text=reply_text(answer))],
                              structuredContent=answer.public_dict())

    @server.tool()
    async def search_news(query: Question, as_of: Date = None, since: Date = None,
                          until: Date = None, sources: Sources | None = None) -> CallToolResult:
        """Find the passages of the news articles that best match a query, best first, with
        title, source, date, URL and score."""
        filters = filters_of(as_of, since, until, sources)
        documents = await gate.run(lambda: assistant.search(query, filters=filters))
        passages = [passage_json(rank, d) for rank, d in enumerate(documents, 1)]
        lines = [f"[{p['rank']}] {p['title']} — {p['source'] or 'unknown source'} · "
                 f"{p['published'] or 'undated'} · score {p['score']:.2f}\n{p['text']}"
                 for p in passages] or ["No passage matches."]
        return CallToolResult(content=[TextContent(type="text", text="\n\n".join(lines))],
                              structuredContent={"query": query, "passages": passages})

    @server.tool()
    async def list_stories(
            since: Date = None,
            limit: Annotated[int, Field(20, ge=1, le=200, description="How many stories.")] = 20,
            min_articles: Annotated[int, Field(2, ge=1, description="Leave out smaller "
                                                                    "stories.")] = 2,
    ) -> CallToolResult:
        """The biggest stories in the index, as GET /api/stories lists them: most
        independent reports (syndicated copies count once), then most articles; each with
        its id (for story_timeline), outlets, first and last days and its articles. since:
        only stories with an article on or after this day (YYYY-MM-DD)."""
        day = day_argument("since", since)
        found = await gate.run(lambda: assistant.stories.stories(
            since=day.isoformat() if day else None, limit=limit, min_articles=min_articles))
        return CallToolResult(content=[TextContent(type="text", text=stories_text(found))],
                              structuredContent={"stories": [s.as_dict() for s in found]})

    @server.tool()
    async def story_timeline(
            story: Annotated[str | None, Field(None, max_length=100, description=(
                "A story id, as list_stories gives it."))] = None,
            topic: Annotated[str | None, Field(None, max_length=settings.max_question_chars,
                                               description=(
                "What the story is about, in words: the story is found as \"Give me a "
                "timeline of <topic>\" finds it."))] = None,
            since: Date = None,
    ) -> CallToolResult:
        """A story's timeline: one line per development (its day, the sentence quoted from
        an article with its [n], the outlets that reported it), oldest first; with since
        (YYYY-MM-DD), only what is new on or after that day. Give story (an id from
        list_stories) or topic. The structured result holds the items, the story (id,
        outlets as sources, independent origins, first and last days) and the citations."""
        story, topic = (story or "").strip(), (topic or "").strip()
        if bool(story) == bool(topic):
            raise ValueError("Give either story (an id from list_stories) or topic (what the "
                             "story is about), not " + ("both." if story else "neither."))
        day = day_argument("since", since)
        kind = "since" if day else "timeline"  # as timeline_ask words it
        if story:
            reply = await gate.run(lambda: assistant.story_answerer.timeline(story, since=day))
            if reply is None:
                raise ValueError(f"story: no story has the id {story!r} in this index; "
                                 "list_stories gives the ids.")
        else:
            reply = await gate.run(lambda: assistant.story_answerer.answer(
                timeline_ask(topic, day), assistant.search(topic), PassageFilter()))
            if reply is None:
                text = (f"No story in the index is about {topic!r}: no article's lead tells "
                        "a development of it. list_stories gives the stories there are.")
                return CallToolResult(content=[TextContent(type="text", text=text)],
                                      structuredContent={"kind": kind, "story": None,
                                                         "items": [], "citations": [],
                                                         "answer": text})
        return CallToolResult(content=[TextContent(type="text", text=timeline_text(reply))],
                              structuredContent=timeline_content(reply, kind))

    if settings.ui_ingest:
        @server.tool()
        async def add_articles(
                text: Annotated[str, Field("", max_length=settings.api_max_body_kb * 1024,
                                           description="A pasted article: title on the first "
                                                       "line, optional Source:/Date:/URL: lines.")] = "",
                urls: Annotated[list[str], Field(max_length=settings.max_ingest_urls)] | None = None,
                ctx: Context = None,
        ) -> CallToolResult:
            """Add articles to the index: pasted text and/or article or feed URLs. Says what
            was added, updated, unchanged or skipped and why."""
            request = ctx.request_context.request if ctx is not None else None
            owner, role = program_owner(request.scope if request is not None else None)
            if not may(role, "edit"):
                raise ValueError("This login is a reader: it may ask and search, but adding "
                                 "articles needs an editor (role in NEWSQA_AUTH).")
            try:
                addresses = url_list(urls or [], settings.max_ingest_urls)
            except ApiError as error:
                raise ValueError(error.message) from None
            if not text.strip() and not addresses:
                raise ValueError("Nothing to add: give text (a pasted article) or urls.")
            summary = await ingest_gate.run(
                lambda: run_ingest(assistant, [], text, addresses, owner, role))
            lines = [summary["summary"]]
            lines += [f"added: {a['label'] or a['article_id']}" for a in summary["new"]]
            lines += [f"updated: {a['label'] or a['article_id']}" for a in summary["updated"]]
            lines += [f"skipped {s['origin']}: {s['reason']}" for s in summary["skipped"]]
            return CallToolResult(content=[TextContent(type="text", text="\n".join(lines))],
                                  structuredContent=summary)

    return server
