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
    if answer.abstained or answer.confidence is None:
        return ""
    return f"Estimated chance that this answer is right: {answer.confidence:.0%}"


def sources_markdown(answer: Answer) -> str:
    blocks = [f"*{confidence_line(answer)}*"] if confidence_line(answer) else []
    for citation in answer.citations:
        quote = "\n".join(f"> {line}" if line else ">" for line in citation.quote.split("\n"))
        blocks.append(f"{citation_line(citation)}\n\n{quote}")
    return "\n\n".join(blocks)


def chat_messages(answer: Answer) -> list[dict]:
    """The assistant's turn: the answer, then a collapsible 'Sources' block when it cites."""
    understood = (f"*Understood as: {answer.standalone_question}*\n\n"
                  if answer.standalone_question else "")
    messages = [{"role": "assistant", "content": understood + answer.answer}]
    if answer.citations:
        count = len(answer.citations)
        messages.append({
            "role": "assistant",
            "content": sources_markdown(answer),
            "metadata": {"title": f"Sources ({count})", "status": "done"},
        })
    return messages
