"""What the index holds, in numbers a person can check: articles, passages, sources, dates.

The UI shows these above the chat so a reader knows what the assistant can and cannot know
(nothing published after the latest date, nothing from a source that is not listed), and
so that adding articles visibly changes something. Computed from passage metadata alone
(`PassageStore.scan(texts=False)`), which every store version has; one pass also yields the source
list for the filter menu, so the UI needs no second scan.
"""

from dataclasses import dataclass, field


def plural(n: int, word: str) -> str:
    """'1 article', '2,310 passages'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class CorpusStats:
    articles: int = 0
    passages: int = 0
    sources: tuple[str, ...] = field(default=())  # distinct publishers, sorted case-insensitively
    earliest: str | None = None  # ISO date of the oldest dated article
    latest: str | None = None
    undated: int = 0  # articles without a publication date (date filters leave them out)
    counting: bool = False  # only `passages` is known yet (a big index is being counted)

    def summary(self) -> str:
        """'2 articles · 9 passages · 1 source · published 2022-01-28 to 2022-02-03'."""
        if self.counting:
            return f"{plural(self.passages, 'passage')} (counting articles and sources…)"
        parts = [plural(self.articles, "article"), plural(self.passages, "passage"),
                 plural(len(self.sources), "source")]
        if self.earliest:
            parts.append(f"published {self.earliest} to {self.latest}")
        if self.undated:
            parts.append(f"{self.undated:,} undated")
        return " · ".join(parts)


def corpus_stats(store) -> CorpusStats:
    """Count what `store` (a `PassageStore`) holds, from one scan of its passages' metadata."""
    passages = 0
    dates: dict[str, str | None] = {}  # article_id -> published
    sources: set[str] = set()
    for _, _, meta in store.scan(texts=False):
        passages += 1
        meta = meta or {}
        article = meta.get("article_id")
        if article is not None and article not in dates:
            dates[article] = meta.get("published") or None
        if meta.get("source"):
            sources.add(str(meta["source"]))
    dated = sorted(d for d in dates.values() if d)
    return CorpusStats(
        articles=len(dates), passages=passages,
        sources=tuple(sorted(sources, key=lambda s: (s.lower(), s))),
        earliest=dated[0] if dated else None, latest=dated[-1] if dated else None,
        undated=len(dates) - len(dated),
    )
