"""Collapse near-duplicate passages: the same story syndicated by several outlets, or the
same passage indexed twice, is shown once, with the other sources listed under it.

Two passages are near-duplicates when their word 5-gram shingles overlap by at least
`threshold` (Jaccard); the higher-ranked one is kept.
"""

from langchain_core.documents import Document

from newsqa.index.shingles import jaccard, shingles

__all__ = ["collapse_duplicates", "jaccard", "shingles"]


def collapse_duplicates(documents: list[Document], threshold: float = 0.6,
                        limit: int | None = None) -> list[Document]:
    """The documents without near-duplicates of higher-ranked ones, at most `limit`.

    Past the `limit`-th kept document, the rest are only compared with the kept ones (to
    list them under the one they copy), not with each other: that work would be thrown away.
    """
    kept: list[tuple[Document, set]] = []
    for doc in documents:
        signature = shingles(doc.page_content)
        twin = next((k for k, sig in kept if jaccard(signature, sig) >= threshold), None)
        if twin is None:
            if limit is not None and len(kept) >= limit:
                continue
            doc.metadata.setdefault("also_in", [])
            kept.append((doc, signature))
            continue
        meta = doc.metadata
        if meta["article_id"] != twin.metadata["article_id"] and all(
                other["article_id"] != meta["article_id"] for other in twin.metadata["also_in"]):
            twin.metadata["also_in"].append({key: meta.get(key) for key in
                                             ("article_id", "title", "source", "url", "published")})
    return [doc for doc, _ in kept]
