"""Present an `Answer` to a person: the answer and its sources as chat Markdown, and the
sources panel as HTML with each quoted sentence highlighted inside its passage.

Shared by the chat UI, its `/chat` API and the CLI, so all show the same citations the same
way. Everything here that comes from an article (title, source, date, URL, passage, quote)
is untrusted: a page or feed can carry `<script>`, `<img onerror=…>` or `javascript:` links.
So text is escaped for the format it lands in (`html.escape` for the panel; HTML escaping
plus Markdown punctuation for the chat), and only http(s) URLs ever become links. Gradio's
own sanitiser is a second line of defence, not the first.
"""

import html
import re
from urllib.parse import urlsplit

from newsqa.assistant.result import Answer, Citation

_MARKER = re.compile(r"\[\d+\]")  # our inline citation markers, kept as they are
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]~|])")
_MARKER_FOLLOWED = re.compile(r"(\[\d+\])([(:\[])")  # would start a link or a link definition


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


def citation_line(citation: Citation) -> str:
    """'[1] Title — Source · 2022-01-28 · link' as plain text (the CLI prints it as it is)."""
    details = [part for part in (citation.source, citation.published) if part]
    if safe_url(citation.url):
        details.append(f"[link]({citation.url})")
    suffix = f" — {' · '.join(details)}" if details else ""
    return f"**[{citation.n}] {citation.title}**{suffix}"


def citation_markdown(citation: Citation) -> str:
    """The same line for the chat, as Markdown safe to render: escaped text, http(s) link only."""
    details = [markdown_text(part) for part in (citation.source, citation.published) if part]
    url = safe_url(citation.url)
    if url:
        details.append(f"[link](<{url}>)")
    suffix = f" — {' · '.join(details)}" if details else ""
    return f"**[{citation.n}] {markdown_text(citation.title) or '(untitled)'}**{suffix}"


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


def sources_markdown(answer: Answer) -> str:
    blocks = [f"*{markdown_text(line)}*"
              for line in (generation_line(answer), confidence_line(answer)) if line]
    for citation in answer.citations:
        quote = "\n".join(f"> {markdown_text(line)}" if line else ">"
                          for line in citation.quote.split("\n"))
        blocks.append(f"{citation_markdown(citation)}\n\n{quote}")
    return "\n\n".join(blocks)


def chat_messages(answer: Answer) -> list[dict]:
    """The assistant's turn: the answer, then a collapsible 'Sources' block when it cites."""
    understood = (f"*Understood as: {markdown_text(answer.standalone_question)}*\n\n"
                  if answer.standalone_question else "")
    note = generation_line(answer) if answer.generation.mode == "fallback" else ""
    note = f"\n\n*{markdown_text(note)}*" if note else ""
    messages = [{"role": "assistant", "content": understood + markdown_text(answer.answer) + note}]
    if answer.citations:
        count = len(answer.citations)
        messages.append({
            "role": "assistant",
            "content": sources_markdown(answer),
            "metadata": {"title": f"Sources ({count})", "status": "done"},
        })
    return messages


# --- the sources panel (HTML) -----------------------------------------------------------

def highlighted_passage(passage: str | None, quote: str) -> str:
    """The passage as HTML with the quoted sentence(s) inside <mark> (just the quote if the
    passage is unknown or does not contain it)."""
    quote = quote or ""
    at = passage.find(quote) if passage and quote else -1
    if at < 0:
        return f"<mark>{escape_html(quote)}</mark>" if quote else escape_html(passage)
    end = at + len(quote)
    return (f"{escape_html(passage[:at])}<mark>{escape_html(quote)}</mark>"
            f"{escape_html(passage[end:])}")


def _meta_html(source: str | None, published: str | None) -> str:
    parts = []
    if source:
        parts.append(f'<span class="nq-source-name">{escape_html(source)}</span>')
    if published:
        parts.append(f'<time datetime="{escape_html(published)}">{escape_html(published)}</time>')
    return " · ".join(parts) or "source and date unknown"


def citation_html(citation: Citation, passage: str | None) -> str:
    """One citation: number, title (a link only for http(s)), source, date, and its passage
    with the quote highlighted. A non-http(s) URL is shown as inert text, so the reader
    still sees what the article claimed."""
    title = citation.title or "(untitled)"
    url_note = ""
    if citation.url and not safe_url(citation.url):
        url_note = (f'<p class="nq-url-note">Link not opened (not http/https): '
                    f'<code>{escape_html(citation.url)}</code></p>')
    also = ""
    if citation.also_in:
        copies = []
        for other in citation.also_in:
            name = other.get("title") or other.get("source") or other.get("article_id") or "?"
            where = " · ".join(escape_html(p) for p in (other.get("source"), other.get("published")) if p)
            copies.append(f"<li>{link_html(other.get('url'), name)}"
                          f"{f' — {where}' if where else ''}</li>")
        also = f'<div class="nq-also">Same passage also in:<ul>{"".join(copies)}</ul></div>'
    return (
        f'<details class="nq-citation" id="nq-citation-{int(citation.n)}" open>'
        f'<summary><span class="nq-n">[{int(citation.n)}]</span> '
        f'{link_html(citation.url, title, css_class="nq-title")}</summary>'
        f'<div class="nq-meta">{_meta_html(citation.source, citation.published)}</div>'
        f'<blockquote class="nq-passage">{highlighted_passage(passage, citation.quote)}</blockquote>'
        f"{url_note}{also}</details>"
    )


def sources_html(answer: Answer, *, filters: str = "") -> str:
    """The sources panel for one answer: every citation with its passage in context.

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
    body = "".join(citation_html(c, passages.get(c.chunk_id)) for c in answer.citations)
    return f'<div class="nq-sources">{head}{notes}{body}</div>'


def notice_html(text: str, *, kind: str = "info") -> str:
    """A short message in the panel (placeholder, progress, error), escaped."""
    return f'<div class="nq-notice nq-{escape_html(kind)}">{escape_html(text)}</div>'
