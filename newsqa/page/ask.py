"""Asking on the page: one question's streamed replies, and the sources panel for its turn.

No Gradio here: `answer_turns` turns `NewsAssistant.stream()` into chat messages (a draft
while a model writes, then the checked, cited answer, or a message that says what went
wrong), and `panel_html` wraps the sources panel with the turn's state. The events in
`events.py` hand both to the page; the `/chat` API sends the same messages.
"""

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from newsqa.assistant.chain import NewsAssistant
from newsqa.present import chat_messages, markdown_text, notice_html, sources_html
from newsqa.assistant.result import Answer
from newsqa.errors import NewsqaError


def user_questions(history: list) -> list[str]:
    """The earlier user turns of a Gradio messages history, oldest first."""
    questions = []
    for message in history or []:
        role = message.get("role") if isinstance(message, dict) else getattr(message, "role", "")
        content = (message.get("content") if isinstance(message, dict)
                   else getattr(message, "content", ""))
        if isinstance(content, list):  # Gradio 6 may send content as typed parts
            content = " ".join(part.get("text", "") for part in content
                               if isinstance(part, dict) and part.get("type") == "text")
        if role == "user" and isinstance(content, str) and content.strip():
            questions.append(content)
    return questions


@dataclass
class Reply:
    """The assistant's messages for one question as they stand (draft, answer or error)."""

    messages: list[dict]
    answer: Answer | None = None
    error: str | None = None


def filters_note(as_of: str = "", since: str = "", until: str = "", sources=()) -> str:
    parts = [f"{name} {value.strip()}" for name, value in
             (("as of", as_of), ("since", since), ("until", until)) if value and value.strip()]
    if sources:
        parts.append("sources: " + ", ".join(sources))
    return "; ".join(parts)


def answer_turns(assistant: NewsAssistant, message: str, earlier: list[str], *, as_of="",
                 since="", until="", sources=(), gate=None) -> Iterator[Reply]:
    """Stream one question: a model's draft as it is written, then the checked, cited answer.

    A `NewsqaError` (a date that cannot be read, an unreachable model server) becomes a
    message that says what to do, never a traceback. With a `gate` (newsqa/gate.py) the
    answer holds one of its slots, shared with the API routes, while it is computed.
    """
    if not message or not message.strip():
        yield Reply([{"role": "assistant", "content": "Please type a question."}],
                    error="Please type a question.")
        return
    with gate.slot() if gate is not None else nullcontext():
        yield from _turns(assistant, message, earlier, as_of=as_of, since=since, until=until,
                          sources=sources)


def _turns(assistant: NewsAssistant, message: str, earlier: list[str], *, as_of, since, until,
           sources) -> Iterator[Reply]:
    draft = ""
    try:
        for item in assistant.stream(message, as_of=as_of or None, since=since or None,
                                     until=until or None, sources=sources or (),
                                     history=earlier):
            if isinstance(item, str):
                draft += item
                yield Reply([{"role": "assistant", "content": markdown_text(draft) + " ▌"},
                             {"role": "assistant",
                              "content": "Checking each sentence against the articles…",
                              "metadata": {"title": "Sources", "status": "pending"}}])
            else:
                yield Reply(chat_messages(item), answer=item)
    except NewsqaError as error:
        yield Reply([{"role": "assistant", "content": f"⚠️ {markdown_text(str(error))}"}],
                    error=str(error))


def panel_html(reply: Reply | None, filters: str, number: int) -> str:
    """The sources panel for the chat's `number`th question, marked with its state
    (searching, drafting, answered, declined, error) so a reader or a test can tell a
    finished turn from one still being worked on."""
    if reply is None:
        state, inner = "searching", notice_html("Searching the articles…")
    elif reply.answer is not None:
        state = "declined" if reply.answer.abstained else "answered"
        inner = sources_html(reply.answer, filters=filters)
    elif reply.error:
        state, inner = "error", notice_html(f"⚠️ {reply.error}", kind="error")
    else:
        state, inner = "drafting", notice_html("Checking each sentence against the articles…")
    return f'<div class="nq-turn" data-turn="{int(number)}" data-state="{state}">{inner}</div>'
