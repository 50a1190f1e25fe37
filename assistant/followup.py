"""Turn a follow-up question into one that stands on its own, without an LLM.

Retrieval sees one question at a time, so "What about Macron?" or "Did he agree?" must carry
what the conversation already said. The offline method is deterministic and conservative:

* "What about X?" / "How about X?" / "And X?" → the previous question with its first
  name replaced by X ("What did Putin demand?" → "What did Macron demand?"); without a name
  to replace, X is added to the previous question.
* he/she/him/his/her → the previous question's first name; they/them/their → all of them.
* A question that still leans on the conversation ("When was that?", "Why?", a question
  with no name and at most two content words) gets the previous question appended as
  context, which is what the keyword and vector searches need.
* Anything else is already standalone and is left alone.

Each user turn is rewritten in order, so a chain of follow-ups keeps its subject.
"""

import re

from newsqa.assistant.answer import question_names
from newsqa.assistant.words import content_stems

_WHAT_ABOUT = re.compile(r"^\s*(?:(?:and|but|so)\s+)?(?:what|how)\s+about\s+(?P<subject>.+?)\s*\??\s*$"
                         r"|^\s*and\s+(?P<short>[^?]{1,60}?)\s*\?\s*$", re.I)
_PERSON = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)
_GROUP = re.compile(r"\b(they|them|their|theirs)\b", re.I)
_THING = re.compile(r"\b(it|its|that|this|those|these|there|then)\b", re.I)
_POSSESSIVE = {"his", "her", "hers", "their", "theirs"}


def _names(question: str) -> list[str]:
    return [" ".join(words) for words in question_names(question)]


def _substitute(pattern: re.Pattern, question: str, name: str) -> str:
    def replace(match: re.Match) -> str:
        word = match.group(0)
        return f"{name}'s" if word.lower() in _POSSESSIVE else name

    return pattern.sub(replace, question)


def standalone(question: str, previous: str | None) -> str:
    """`question` rewritten against the (already standalone) previous question."""
    question = " ".join(question.split())
    if not previous:
        return question
    before = _names(previous)

    about = _WHAT_ABOUT.match(question)
    if about:
        subject = (about.group("subject") or about.group("short")).strip()
        if before:
            return previous.replace(before[0], subject, 1)
        return f"{previous.rstrip('?')} {subject}?"

    rewritten = question
    if before and _PERSON.search(rewritten):
        rewritten = _substitute(_PERSON, rewritten, before[0])
    if before and _GROUP.search(rewritten):
        rewritten = _substitute(_GROUP, rewritten, " and ".join(before))
    if rewritten != question:
        return rewritten

    leans = bool(_THING.search(question)) and not _names(question)
    short = not _names(question) and len(content_stems(question)) <= 2
    if leans or short:
        return f"{question} (context: {previous})"
    return question


def standalone_from_history(question: str, history: list[str]) -> str:
    """Rewrite `question` given the earlier user questions of the chat, oldest first."""
    previous = None
    for earlier in history:
        previous = standalone(earlier, previous)
    return standalone(question, previous)
