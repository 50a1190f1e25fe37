"""Present an `Answer` to a person: the answer text and its sources, as Markdown.

Shared by the chat UI and the CLI, so both show the same citations the same way.
"""

from newsqa.assistant.result import Answer, Citation


def citation_line(citation: Citation) -> str:
    """'[1] Title — Source · 2022-01-28 · link' (only the parts that are known)."""
    details = [part for part in (citation.source, citation.published) if part]
    if citation.url:
        details.append(f"[link]({citation.url})")
    suffix = f" — {' · '.join(details)}" if details else ""
    return f"**[{citation.n}] {citation.title}**{suffix}"


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
    blocks = [f"*{line}*" for line in (generation_line(answer), confidence_line(answer)) if line]
    for citation in answer.citations:
        quote = "\n".join(f"> {line}" if line else ">" for line in citation.quote.split("\n"))
        blocks.append(f"{citation_line(citation)}\n\n{quote}")
    return "\n\n".join(blocks)


def chat_messages(answer: Answer) -> list[dict]:
    """The assistant's turn: the answer, then a collapsible 'Sources' block when it cites."""
    understood = (f"*Understood as: {answer.standalone_question}*\n\n"
                  if answer.standalone_question else "")
    note = generation_line(answer) if answer.generation.mode == "fallback" else ""
    note = f"\n\n*{note}*" if note else ""
    messages = [{"role": "assistant", "content": understood + answer.answer + note}]
    if answer.citations:
        count = len(answer.citations)
        messages.append({
            "role": "assistant",
            "content": sources_markdown(answer),
            "metadata": {"title": f"Sources ({count})", "status": "done"},
        })
    return messages
