"""Turn chosen evidence into answer text with inline [n] markers and a citation list.

Both answerers end here. The extractive answer leads with the first cited article's
headline (in quotes: it is the article's words, not ours) when the sentences do not already
contain it; a generated answer is cited sentence by sentence from its verification. Only
cited passages are listed, numbered in order of first use; each quote is an exact substring
of the stored passage, so a reader can find it in the article.
"""

from dataclasses import dataclass

from langchain_core.documents import Document

from newsqa.assistant.answer import NOT_FOUND, Draft
from newsqa.assistant.result import Citation
from newsqa.assistant.verify import Verification


@dataclass(frozen=True)
class Claim:
    """A sentence of the answer and the passage span that supports it (None: uncited)."""

    text: str
    document: Document | None = None
    start: int = 0
    end: int = 0


def cite(claims: list[Claim]) -> tuple[str, list[Citation]]:
    numbers: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    documents = {}
    parts = []
    for claim in claims:
        if claim.document is None:
            parts.append(claim.text)
            continue
        chunk_id = claim.document.metadata["chunk_id"]
        if chunk_id not in numbers:
            numbers[chunk_id] = len(numbers) + 1
            documents[chunk_id] = claim.document
        spans.setdefault(chunk_id, []).append((claim.start, claim.end))
        parts.append(f"{claim.text} [{numbers[chunk_id]}]")

    citations = []
    for chunk_id, n in numbers.items():
        doc = documents[chunk_id]
        start = min(s for s, _ in spans[chunk_id])
        end = max(e for _, e in spans[chunk_id])
        meta = doc.metadata
        citations.append(Citation(
            n=n, title=meta.get("title") or "", source=meta.get("source"), url=meta.get("url"),
            published=meta.get("published"), quote=doc.page_content[start:end],
            spans=[list(span) for span in sorted(set(spans[chunk_id]))],
            article_id=meta["article_id"], chunk_id=chunk_id,
            also_in=meta.get("also_in") or [],
        ))
    return " ".join(parts), citations


def decline_text(reason: str | None) -> str:
    return NOT_FOUND.rstrip(".") + (f" ({reason})" if reason else "") + "."


def compose(draft: Draft) -> tuple[str, list[Citation]]:
    if draft.declined:
        return decline_text(draft.decline_reason), []
    text, citations = cite([Claim(e.sentence, e.document, e.start, e.end) for e in draft.evidence])
    headline = f"“{draft.headline}” — " if draft.headline else ""
    return headline + text, citations


def compose_verified(verification: Verification) -> tuple[str, list[Citation]]:
    """The generated sentences that passed verification, each cited to its passage."""
    return cite([Claim(c.sentence, c.document if c.supported else None, c.start, c.end)
                 for c in verification.kept])
