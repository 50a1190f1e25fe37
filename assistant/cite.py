"""Turn chosen evidence into answer text with inline [n] markers and a citation list.

The answer leads with the first cited article's headline (in quotes: it is the article's
words, not ours) when the sentences do not already contain it. Only cited passages are listed, numbered in order of first use; each quote is an exact
substring of the stored passage, so a reader can find it in the article.
"""

from newsqa.assistant.answer import NOT_FOUND, Draft
from newsqa.assistant.result import Citation


def compose(draft: Draft) -> tuple[str, list[Citation]]:
    if draft.declined:
        reason = f" ({draft.decline_reason})" if draft.decline_reason else ""
        return NOT_FOUND.rstrip(".") + reason + ".", []

    numbers: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    documents = {}
    parts = []
    for item in draft.evidence:
        chunk_id = item.document.metadata["chunk_id"]
        if chunk_id not in numbers:
            numbers[chunk_id] = len(numbers) + 1
            documents[chunk_id] = item.document
        spans.setdefault(chunk_id, []).append((item.start, item.end))
        parts.append(f"{item.sentence} [{numbers[chunk_id]}]")

    citations = []
    for chunk_id, n in numbers.items():
        doc = documents[chunk_id]
        start = min(s for s, _ in spans[chunk_id])
        end = max(e for _, e in spans[chunk_id])
        meta = doc.metadata
        citations.append(Citation(
            n=n, title=meta.get("title") or "", source=meta.get("source"), url=meta.get("url"),
            published=meta.get("published"), quote=doc.page_content[start:end],
            article_id=meta["article_id"], chunk_id=chunk_id,
            also_in=meta.get("also_in") or [],
        ))
    headline = f"“{draft.headline}” — " if draft.headline else ""
    return headline + " ".join(parts), citations
