"""Present an `Answer` to a person: the answer and its sources as chat Markdown, and the
sources panel as HTML. Both show each cited article once (its title, source and date), then
each of its cited passages labelled [n]; the panel highlights every sentence the answer
quotes inside its passage, one <mark> per sentence, and nothing the answer did not quote.

Shared by the chat UI, its `/chat` API and the CLI, so all show the same citations the same
way. Everything here that comes from an article (title, source, date, URL, passage, quote)
is untrusted: a page or feed can carry `<script>`, `<img onerror=…>` or `javascript:` links.
So text is escaped for the format it lands in (`html.escape` for the panel; HTML escaping
plus Markdown punctuation for the chat), and only http(s) URLs ever become links. Gradio's
own sanitiser is a second line of defence, not the first.
"""

import html
import re
from datetime import date
from urllib.parse import urlsplit

from newsqa.assistant.age import published_age
from newsqa.assistant.result import Answer, Citation, StoryItem

_MARKER = re.compile(r"\[\d+\]")  # our inline citation markers, kept as they are
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]~|])")
_MARKER_FOLLOWED = re.compile(r"(\[\d+\])([(:\[])")  # would start a link or a link definition
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n")
_LEADING_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")  # the short answer's bold, at the start
STORY_KINDS = ("timeline", "latest", "since")  # answers whose items are dated developments


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else None (never a link)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if any(ord(ch) < 0x21 or ch in '"<>`\\' for ch in url):  # whitespace, controls, quotes
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def escape_html(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def link_html(url: str | None, label: str, *, css_class: str = "") -> str:
    """An <a> that opens in a new tab for an http(s) URL; plain escaped text otherwise."""
    klass = f' class="{escape_html(css_class)}"' if css_class else ""
    safe = safe_url(url)
    if safe is None:
        return f"<span{klass}>{escape_html(label)}</span>"
    return (f'<a{klass} href="{escape_html(safe)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">{escape_html(label)}</a>')


def _escape_markdown_piece(text: str) -> str:
    text = html.escape(text, quote=False)  # no HTML at all, so no tags or entities to abuse
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)  # no links, images, emphasis or code


def markdown_text(text: str | None) -> str:
    """Untrusted text made literal for Markdown, keeping our [n] citation markers readable.

    Brackets are escaped everywhere except in `[n]` markers, and a marker followed by `(`,
    `:` or `[` has that character escaped, so no link, image or link definition can form.
    """
    text = text or ""
    pieces, position = [], 0
    for marker in _MARKER.finditer(text):
        pieces.append(_escape_markdown_piece(text[position:marker.start()]))
        pieces.append(marker.group())
        position = marker.end()
    pieces.append(_escape_markdown_piece(text[position:]))
    return _MARKER_FOLLOWED.sub(r"\1\\\2", "".join(pieces))


def dated(citation: Citation) -> str | None:
    """'2026-12-01 (3 h ago)': the publication date and how old the article is now."""
    if not citation.published:
        return None
    age = published_age(citation.published_at or citation.published)
    return f"{citation.published} ({age})" if age else citation.published


def citation_line(citation: Citation) -> str:
    """'[1] Title — Source · 2022-01-28 (3 days ago) · link' as plain text (the CLI prints
    it as it is)."""
    details = [part for part in (citation.source, dated(citation)) if part]
    if safe_url(citation.url):
        details.append(f"[link]({citation.url})")
    suffix = f" — {' · '.join(details)}" if details else ""
    return f"**[{citation.n}] {citation.title}**{suffix}"


def citation_markdown(citation: Citation, *, numbers: str | None = None) -> str:
    """The same line for the chat, as Markdown safe to render: escaped text, http(s) link only.

    `numbers` replaces "[n]" when the line heads several citations of one article."""
    details = [markdown_text(part) for part in (citation.source, dated(citation)) if part]
    url = safe_url(citation.url)
    if url:
        details.append(f"[link](<{url}>)")
    suffix = f" — {' · '.join(details)}" if details else ""
    numbers = numbers or f"[{int(citation.n)}]"
    return f"**{numbers} {markdown_text(citation.title) or '(untitled)'}**{suffix}"


def confidence_line(answer: Answer) -> str:
    """The confidence model's estimate, worded for people (empty for declines)."""
    if answer.abstained or answer.confidence is None or answer.generation.mode in (
            "generated", "partial"):
        return ""
    return f"Estimated chance that this answer is right: {answer.confidence:.0%}"


def generation_line(answer: Answer) -> str:
    """How a model-written answer was checked (empty for quoted answers)."""
    g = answer.generation
    dropped = len(g.dropped)
    if g.mode == "generated":
        return f"Written by {g.model}; every sentence checked against the passage it cites."
    if g.mode == "partial":
        return (f"Written by {g.model}; {dropped} sentence{'s' if dropped != 1 else ''} the "
                "articles do not support removed.")
    if g.mode == "fallback":
        why = "failed" if g.error else "wrote nothing the articles support"
        return f"The language model {why}, so the answer quotes the articles instead."
    return ""


# --- what each citation quotes -------------------------------------------------------

def _sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` (a line break also ends one), shifted by
    `offset`, without the whitespace around it."""
    spans, begin = [], 0
    for end in [*(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]:
        piece = text[begin:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((offset + begin + lead, offset + begin + len(piece.rstrip())))
        begin = end
    return spans


def _flat(text: str) -> str:
    return " ".join(text.split())


def _merged(spans) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def quoted_spans(citation: Citation, passage: str | None,
                 answer_text: str = "") -> list[tuple[int, int]]:
    """Where the answer quotes this citation: one [start, end) in `passage` per quoted
    sentence, in passage order, overlaps merged ([] when the passage or quote is unknown).

    A citation's `quote` runs from the first sentence the answer quotes from its passage to
    the last, over any sentence in between; `citation.spans` says which sentences those are.
    Without usable spans (an older answer), the sentences of the quote that the answer
    repeats word for word; the whole quote when it repeats none (a model's paraphrase).
    """
    quote = citation.quote or ""
    if not passage or not quote:
        return []
    spans = [tuple(span) for span in getattr(citation, "spans", None) or []
             if len(span) == 2 and 0 <= span[0] < span[1] <= len(passage)]
    if spans and passage[min(s for s, _ in spans):max(e for _, e in spans)] == quote:
        return _merged(spans)
    at = passage.find(quote)
    if at < 0:
        return []
    said = _flat(answer_text)
    repeated = [(s, e) for s, e in _sentence_spans(quote, at) if _flat(passage[s:e]) in said]
    return _merged(repeated) if repeated else [(at, at + len(quote))]


def quoted_texts(citation: Citation, passage: str | None, answer_text: str = "") -> list[str]:
    """The quoted sentences themselves (just the quote when no passage is known and the
    spans cannot be placed in the quote)."""
    spans = quoted_spans(citation, passage, answer_text)
    if spans:
        return [passage[s:e] for s, e in spans]
    quote = citation.quote or ""
    spans = [tuple(span) for span in getattr(citation, "spans", None) or [] if len(span) == 2]
    if quote and spans:
        first = min(s for s, _ in spans)
        if max(e for _, e in spans) - first == len(quote) and all(s < e for s, e in spans):
            return [quote[s - first:e - first] for s, e in _merged(spans)]
    return [quote] if quote else []


def by_article(citations: list[Citation]) -> list[list[Citation]]:
    """The citations grouped by the article they quote, in order of first citation."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.article_id, []).append(citation)
    return list(groups.values())


# --- the chat (Markdown) ------------------------------------------------------------------

def answer_markdown(answer: Answer) -> str:
    """The answer for the chat. A short answer (the fact asked for) leads it in bold; its
    text is escaped like the rest, so only our own `**` ever makes bold."""
    if answer.kind in STORY_KINDS and answer.items:
        return story_markdown(answer)
    text = answer.answer or ""
    lead = _LEADING_BOLD.match(text) if getattr(answer, "short_answer", None) else None
    if lead is None:
        return markdown_text(text)
    return f"**{markdown_text(lead.group(1))}**{markdown_text(text[lead.end():])}"


def item_day(day: str | None) -> str:
    """'2023-03-06' → 'March 6, 2023' (as the answer text writes it); 'undated' for None."""
    if not day:
        return "undated"
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return day
    return f"{parsed:%B} {parsed.day}, {parsed.year}"


def story_markdown(answer: Answer) -> str:
    """A timeline, the latest or what is new since, for the chat: the answer's first line,
    then one list item per development, its day in bold (our own `**`, the article's words
    escaped), its outlets, the quoted sentence and its [n]."""
    head = (answer.answer or "").split("\n\n", 1)[0]
    lines = [f"- **{item_day(item.date)}** ({markdown_text(', '.join(item.sources))}): "
             f"{markdown_text(item.text)} [{int(item.n)}]" for item in answer.items]
    return markdown_text(head) + "\n\n" + "\n".join(lines)


def _quote_markdown(label: str, text: str) -> str:
    lines = [markdown_text(line) for line in text.split("\n")]
    lines[0] = f"{label} {lines[0]}"
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def sources_markdown(answer: Answer) -> str:
    """The chat's sources: how the answer was checked, then one heading per article with
    each of its cited passages' quoted sentences, labelled [n]."""
    passages = {p.chunk_id: p.text for p in answer.retrieved}
    blocks = [markdown_text(line)
              for line in (generation_line(answer), confidence_line(answer)) if line]
    for group in by_article(answer.citations):
        numbers = " ".join(f"[{int(c.n)}]" for c in group)
        blocks.append(citation_markdown(group[0], numbers=numbers))
        for citation in group:
            texts = quoted_texts(citation, passages.get(citation.chunk_id), answer.answer)
            blocks.append(_quote_markdown(f"**[{int(citation.n)}]**", " … ".join(texts)))
    return "\n\n".join(blocks)


def chat_messages(answer: Answer) -> list[dict]:
    """The assistant's turn: the answer, then a collapsible 'Sources' block when it cites."""
    understood = (f"*Understood as: {markdown_text(answer.standalone_question)}*\n\n"
                  if answer.standalone_question else "")
    note = generation_line(answer) if answer.generation.mode == "fallback" else ""
    note = f"\n\n*{markdown_text(note)}*" if note else ""
    messages = [{"role": "assistant", "content": understood + answer_markdown(answer) + note}]
    if answer.citations:
        count = len(answer.citations)
        messages.append({
            "role": "assistant",
            "content": sources_markdown(answer),
            "metadata": {"title": f"Sources ({count})", "status": "done"},
        })
    return messages


# --- the sources panel (HTML) -----------------------------------------------------------

def highlighted_passage(passage: str | None, quote: str,
                        spans: list[tuple[int, int]] | None = None) -> str:
    """The passage as HTML with each quoted sentence inside its own <mark>.

    `spans` are [start, end) offsets into the passage (see `quoted_spans`); without them the
    whole quote is marked where it occurs. Just the quote, marked, when the passage is
    unknown or holds neither."""
    quote = quote or ""
    if passage and not spans:
        at = passage.find(quote) if quote else -1
        spans = [(at, at + len(quote))] if at >= 0 else None
    if not passage or not spans:
        return f"<mark>{escape_html(quote)}</mark>" if quote else escape_html(passage)
    parts, position = [], 0
    for start, end in spans:
        parts.append(f"{escape_html(passage[position:start])}"
                     f"<mark>{escape_html(passage[start:end])}</mark>")
        position = end
    parts.append(escape_html(passage[position:]))
    return "".join(parts)


def _meta_html(citation: Citation) -> str:
    parts = []
    if citation.source:
        parts.append(f'<span class="nq-source-name">{escape_html(citation.source)}</span>')
    if citation.published:
        moment = citation.published_at or citation.published
        age = published_age(moment)
        parts.append(f'<time datetime="{escape_html(moment)}">{escape_html(citation.published)}'
                     f'</time>' + (f' <span class="nq-age">({escape_html(age)})</span>' if age else ""))
    return " · ".join(parts) or "source and date unknown"


def _also_html(citation: Citation) -> str:
    if not citation.also_in:
        return ""
    copies = []
    for other in citation.also_in:
        name = other.get("title") or other.get("source") or other.get("article_id") or "?"
        where = " · ".join(escape_html(p) for p in (other.get("source"), other.get("published")) if p)
        copies.append(f"<li>{link_html(other.get('url'), name)}"
                      f"{f' — {where}' if where else ''}</li>")
    return f'<div class="nq-also">Same passage also in:<ul>{"".join(copies)}</ul></div>'


def citation_html(citation: Citation, passage: str | None, answer_text: str = "") -> str:
    """One cited passage, labelled [n], with each sentence the answer quotes highlighted,
    and the other articles that carry the same passage."""
    n = int(citation.n)
    marked = highlighted_passage(passage, citation.quote,
                                 quoted_spans(citation, passage, answer_text))
    return (f'<div class="nq-citation" id="nq-citation-{n}" data-n="{n}">'
            f'<span class="nq-n">[{n}]</span>'
            f'<blockquote class="nq-passage">{marked}</blockquote>{_also_html(citation)}</div>')


def article_html(group: list[Citation], passages: dict[str, str], answer_text: str = "") -> str:
    """One cited article: its numbers, title (a link only for http(s)), source and date once,
    then each of its cited passages. A non-http(s) URL is shown as inert text, so the reader
    still sees what the article claimed."""
    first = group[0]
    title = first.title or "(untitled)"
    url_note = ""
    if first.url and not safe_url(first.url):
        url_note = (f'<p class="nq-url-note">Link not opened (not http/https): '
                    f'<code>{escape_html(first.url)}</code></p>')
    numbers = " ".join(f"[{int(c.n)}]" for c in group)
    body = "".join(citation_html(c, passages.get(c.chunk_id), answer_text) for c in group)
    return (
        f'<details class="nq-article" id="nq-article-{int(first.n)}" open>'
        f'<summary><span class="nq-numbers">{numbers}</span> '
        f'{link_html(first.url, title, css_class="nq-title")}</summary>'
        f'<div class="nq-meta">{_meta_html(first)}</div>'
        f"{url_note}{body}</details>"
    )


def sources_html(answer: Answer, *, filters: str = "") -> str:
    """The sources panel for one answer: each cited article once, with its cited passages in
    context and the quoted sentences highlighted.

    `filters` is a plain-text note of the active filters (escaped here). Passages come from
    `answer.retrieved` (in-process only; the JSON shape leaves them out).
    """
    passages = {p.chunk_id: p.text for p in answer.retrieved}
    head = f'<p class="nq-question">Sources for: <q>{escape_html(answer.question)}</q></p>'
    if filters:
        head += f'<p class="nq-filters">Filters: {escape_html(filters)}</p>'
    if not answer.citations:
        return (f'<div class="nq-sources">{head}<p class="nq-empty">No sources: '
                f"{escape_html(answer.answer)}</p></div>")
    notes = "".join(f'<p class="nq-note">{escape_html(line)}</p>'
                    for line in (generation_line(answer), confidence_line(answer)) if line)
    if answer.kind in STORY_KINDS and answer.items:
        notes += story_items_html(answer.items)
    body = "".join(article_html(group, passages, answer.answer)
                   for group in by_article(answer.citations))
    return f'<div class="nq-sources">{head}{notes}{body}</div>'


def notice_html(text: str, *, kind: str = "info") -> str:
    """A short message in the panel (placeholder, progress, error), escaped."""
    return f'<div class="nq-notice nq-{escape_html(kind)}">{escape_html(text)}</div>'


def story_items_html(items: list[StoryItem]) -> str:
    """A story's developments as a dated list: each item's day, its outlets, and the
    sentence it quotes with its [n] (escaped: sentences and outlet names are article text).
    The day and [n] are also data-attributes, for tests and scripts."""
    return f'<ol class="nq-timeline">{"".join(_item_html(item) for item in items)}</ol>'


def _item_html(item: StoryItem) -> str:
    day = escape_html(item.date or "")
    when = f' datetime="{day}"' if day else ""
    return (f'<li class="nq-item" data-date="{day}" data-n="{int(item.n)}">'
            f'<time class="nq-day"{when}>{escape_html(item_day(item.date))}</time> '
            f'<span class="nq-item-sources">{escape_html(", ".join(item.sources))}</span>'
            f'<blockquote class="nq-passage">{escape_html(item.text)} '
            f'<span class="nq-item-n">[{int(item.n)}]</span></blockquote></li>')
