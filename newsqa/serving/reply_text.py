"""An answer as one chat message for programs: the answer with its [n] markers, then the sources.

The OpenAI-compatible route and the MCP tools hand answers to chat front-ends and agents
that show a single text, so the citations must travel inside it: the answer as written
(its short answer in Markdown bold, as `newsqa ask` prints it), "Understood as" when a
follow-up was rewritten, the confidence line, and one line per citation with its quoted
sentence. The structured citations go beside it (`citations`), for programs that read them.
"""

from newsqa.present import confidence_line, generation_line
from newsqa.assistant.result import Answer


def source_line(citation) -> str:
    """'[1] Title — Source · 2022-01-28 · https://…' (plain text, no Markdown link)."""
    details = [part for part in (citation.source, citation.published, citation.url) if part]
    return f"[{citation.n}] {citation.title}" + (f" — {' · '.join(details)}" if details else "")


def reply_text(answer: Answer) -> str:
    parts = []
    if answer.standalone_question:
        parts.append(f"(Understood as: {answer.standalone_question})")
    parts.append(answer.answer)
    notes = [line for line in (generation_line(answer), confidence_line(answer)) if line]
    if notes:
        parts.append("\n".join(notes))
    if answer.citations:
        lines = ["Sources:"]
        for citation in answer.citations:
            lines.append(source_line(citation))
            lines.append(f"    “{citation.quote}”")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
