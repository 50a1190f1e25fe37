"""Turn chosen evidence into answer text with inline [n] markers and a citation list.

Both answerers end here. The extractive answer leads with the first cited article's
headline (in quotes: it is the article's words, not ours) when the sentences do not already
contain it; a generated answer is cited sentence by sentence from its verification. Only
cited passages are listed, numbered in order of first use; each quote is an exact substring
of the stored passage, so a reader can find it in the article.
"""

from dataclasses import dataclass

from langchain_core.documents import Document

from newsqa.assistant.answer import NOT_FOUND, UNSETTLED, Draft
from newsqa.assistant.result import Citation, ShortAnswerSpan
from newsqa.assistant.verify import Verification


@dataclass(frozen=True)
class Claim:
    """A sentence of the answer and the passage span that supports it (None: uncited)."""

    text: str
    document: Document | None = None
    start: int = 0
    end: int = 0


def _outermost(spans: list[tuple[int, int]]) -> list[list[int]]:
    """Distinct spans, leaving out those inside another (a short answer inside its sentence)."""
    unique = sorted(set(spans))
    return [list(s) for s in unique
            if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in unique)]


def cite(claims: list[Claim], separator: str = " ") -> tuple[str, list[Citation]]:
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
            published=meta.get("published"), published_at=meta.get("published_at"), quote=doc.page_content[start:end],
            spans=_outermost(spans[chunk_id]),
            article_id=meta["article_id"], chunk_id=chunk_id,
            also_in=meta.get("also_in") or [],
        ))
    return separator.join(parts), citations


def decline_text(reason: str | None) -> str:
    return NOT_FOUND.rstrip(".") + (f" ({reason})" if reason else "") + "."


def compose(draft: Draft) -> tuple[str, list[Citation], ShortAnswerSpan | None]:
    """The answer text: the short answer in bold (when there is one), then the quotes."""
    if draft.declined:
        if not draft.closest:
            return decline_text(draft.decline_reason), [], None
        text, citations = cite([Claim(e.sentence, e.document, e.start, e.end)
                                for e in draft.closest])
        return f"{UNSETTLED} ({draft.decline_reason}). The closest evidence: {text}", citations, None
    claims = [Claim(e.sentence, e.document, e.start, e.end) for e in draft.evidence]
    if draft.verdict is not None:
        text, citations = cite(claims)
        first = draft.evidence[0]
        span = ShortAnswerSpan(text=draft.verdict, n=1, start=first.start, end=first.end,
                               kind="yesno")
        return f"**{draft.verdict}.** {text}", citations, span
    short = draft.short
    if short is not None:
        claims.insert(0, Claim(f"**{short.shown}**", short.document, short.start, short.end))
    text, citations = cite(claims)
    headline = f"“{draft.headline}” — " if draft.headline else ""
    if short is None:
        return headline + text, citations, None
    first, _, rest = text.partition("] ")
    number = next(c.n for c in citations if c.chunk_id == short.document.metadata["chunk_id"])
    span = ShortAnswerSpan(text=short.shown, n=number, start=short.start, end=short.end,
                           kind=short.kind,
                           score=round(short.score, 3) if short.kind != "description" else None,
                           quoted=short.text if short.shown != short.text else None,
                           date=short.date.iso if short.date is not None else None)
    return f"{first}]\n\n{headline}{rest}", citations, span


SHORT_WORDS = 6  # a generated first "sentence" this short is the model's short answer


def _short_check(verification: Verification):
    """The model's short answer: a first kept sentence of a few words that is supported, with
    the passage span holding it, or a bare Yes/No leaning on the supported sentence after it."""
    kept = verification.kept
    if not kept:
        return None
    first = kept[0]
    text = first.sentence.strip().rstrip(".!")
    if not text or len(text.split()) > SHORT_WORDS:
        return None
    if first.neutral:
        if text.lower() in ("yes", "no") and len(kept) > 1 and kept[1].supported:
            return text.capitalize(), kept[1], kept[1].start, kept[1].end
        return None
    if not first.supported or first.document is None:
        return None
    at = first.document.page_content.lower().find(text.lower())
    if at < 0:
        return None
    return first.document.page_content[at:at + len(text)], first, at, at + len(text)


def compose_verified(verification: Verification) -> tuple[str, list[Citation], ShortAnswerSpan | None]:
    """The generated sentences that passed verification, each cited to its passage; a short
    answer the model led with is shown in bold and reported with its passage offsets."""
    short = _short_check(verification)
    claims = [Claim(c.sentence, c.document if c.supported else None, c.start, c.end)
              for c in verification.kept]
    if short is not None:
        text, check, start, end = short
        if check is verification.kept[0]:
            claims[0] = Claim(f"**{text}**", check.document, start, end)
        else:
            claims[0] = Claim(f"**{text}.**")
    answer, citations = cite(claims)
    if short is None:
        return answer, citations, None
    text, check, start, end = short
    number = next(c.n for c in citations if c.chunk_id == check.document.metadata["chunk_id"])
    kind = "yesno" if text in ("Yes", "No") else None
    return answer, citations, ShortAnswerSpan(text=text, n=number, start=start, end=end, kind=kind)
