"""Answers about a story as it unfolded: a timeline, the latest developments, what is new since.

Why: "what's the latest on …" and "give me a timeline of …" are answered by reading across
articles and time, not by the one best sentence. The passages retrieved for the topic pick
the story (`index/stories.py`: the story most of the best passages belong to); each of its
articles that the filters admit gives its development, the sentence of its lead that the
cross-encoder finds most about the topic (never furniture). Each development is dated by
the day its sentence names ("on Friday", read against its article's date: `eventdates.py`),
else by its article's publication date. The same development told by several outlets (the
same words, or nearly the same meaning) is one item that lists them all. Every item is a
quote with its `[n]`, so the answer is cited as any other.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from langchain_core.documents import Document

from newsqa.assistant.cite import Claim, cite
from newsqa.assistant.furniture import is_furniture
from newsqa.assistant.result import StoryInfo, StoryItem
from newsqa.assistant.storyask import StoryAsk, timeline_ask
from newsqa.assistant.words import content_stems
from newsqa.index.eventdates import as_date, day_in
from newsqa.index.filters import PassageFilter
from newsqa.index.sentences import split_sentences
from newsqa.index.shingles import jaccard, shingles
from newsqa.index.store import PassageStore, StoredPassage
from newsqa.index.stories import LEAD_PASSAGES, Story, StoryIndex

MAX_ARTICLES = 24  # a story's newest articles read for one answer
SENTENCES_PER_ARTICLE = 4  # of each lead, the first sentences that can be its development
MAX_PAIRS = 40  # cross-encoder pairs per answer: beyond it, the sentences sharing the most
# words with the topic are scored (about 5 ms a pair here)
SAME_WORDS = 0.35  # shingle Jaccard at which two sentences report one development
SAME_MEANING = 0.86  # embedding cosine at which they do
LATEST_ITEMS = 3
TIMELINE_ITEMS = 12
MIN_WORDS = 7
# Sentences that are about the page, not the news: a live blog's timestamped entry ("7:24 pm
# ET February 5, 2026 Share this update …"), "(Editor's note:) This page is a summary …",
# "For the latest news on …, read …", "Read more: …".
_NOT_NEWS = re.compile(
    r"^\s*(?:editor['’]?s\s+note\s*:\s*)?"
    r"(?:\d{1,2}:\d\d\s*[ap]\.?m\.?|for\s+(?:the\s+)?(?:latest|more)\s+(?:news|updates?|coverage)|"
    r"(?:this|the)\s+(?:page|article|story|post|blog|live\s+blog)"
    r"\s+(?:reflects|is|was|has|will|contains|includes)|read\s+more|watch|listen|sign\s+up)\b"
    r"|\bshare\s+this\s+(?:update|story|article)\b", re.I)


@dataclass
class Development:
    day: date | None
    sentence: str
    start: int
    end: int
    score: float
    document: Document
    sources: list[str] = field(default_factory=list)

    @property
    def published(self) -> str:
        return str(self.document.metadata.get("published") or "")


@dataclass(frozen=True)
class StoryReply:
    """The story answer, ready for the `Answer` (None from `answer()`: no story found)."""

    text: str
    citations: list
    items: list[StoryItem]
    story: StoryInfo
    relevance: float
    disagreements: list = field(default_factory=list)  # compare_sources: `Disagreement`s


def _document(passage: StoredPassage) -> Document:
    return Document(page_content=passage.text, id=passage.id, metadata={
        "chunk_id": passage.id, "article_id": passage.article_id, "title": passage.title,
        "source": passage.source, "url": passage.url, "published": passage.published,
        "published_at": passage.published_at, "position": passage.position,
        "start": passage.start, "end": passage.end})


@dataclass(frozen=True)
class LeadSentence:
    """A sentence of an article's lead that can tell its development (offsets in its passage)."""

    text: str
    start: int
    end: int
    document: Document


def lead_sentences(store: PassageStore, members) -> list[LeadSentence]:
    """The first news sentences of each member's lead: no furniture, no live-blog stamps."""
    ids = [f"{a.article_id}#{p}" for a in members for p in range(LEAD_PASSAGES)]
    by_article: dict[str, list[StoredPassage]] = {}
    for passage in store.get(ids):
        by_article.setdefault(passage.article_id, []).append(passage)
    found: list[LeadSentence] = []
    for article in members:
        taken = 0
        for passage in sorted(by_article.get(article.article_id, []), key=lambda p: p.position):
            document = _document(passage)
            for sentence in split_sentences(passage.text):
                if taken >= SENTENCES_PER_ARTICLE:
                    break
                if (len(sentence.text.split()) < MIN_WORDS or is_furniture(sentence.text)
                        or _NOT_NEWS.search(sentence.text)):
                    continue
                found.append(LeadSentence(sentence.text, sentence.start, sentence.end, document))
                taken += 1
    return found


def shortlist(topic: str, candidates: list[LeadSentence], limit: int) -> list[LeadSentence]:
    """At most `limit` candidates for the cross-encoder: those sharing most words with the
    topic, kept in their order."""
    if len(candidates) <= limit:
        return candidates
    wanted = set(content_stems(topic))
    overlap = [len(wanted & set(content_stems(c.text))) for c in candidates]
    order = sorted(range(len(candidates)), key=lambda i: (-overlap[i], i))[:limit]
    return [candidates[i] for i in sorted(order)]


def event_day(sentence: str, document: Document) -> date | None:
    """The day the sentence names, read against its article's date (never after it), else
    the article's publication date."""
    published = as_date(document.metadata.get("published"))
    read = day_in(sentence, published)
    if read is not None and (published is None or read.day <= published):
        return read.day
    return published


def display_day(day: date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else "undated"


def development_of(candidate: LeadSentence, score: float) -> Development:
    """A lead sentence as its article's development: dated, with its article's outlet."""
    return Development(event_day(candidate.text, candidate.document), candidate.text,
                       candidate.start, candidate.end, score, candidate.document,
                       [candidate.document.metadata.get("source") or "unknown source"])


def story_info(story: Story, members) -> StoryInfo:
    """What an answer says of its story: the members it read, their origins and outlets."""
    return StoryInfo(id=story.id, title=story.title, articles=len(members),
                     origins=len({a.origin for a in members}),
                     sources=sorted({a.source for a in members if a.source}),
                     first=story.first, last=story.last)


class StoryAnswerer:
    def __init__(self, stories: StoryIndex, store: PassageStore, cross_encoder, embedder, *,
                 min_relevance: float = 0.0):
        self.stories = stories
        self.store = store
        self.cross_encoder = cross_encoder
        self.embedder = embedder
        self.min_relevance = min_relevance

    def votes(self, documents: list[Document]) -> dict[str, float]:
        """story id → the passages' votes for it, weighted by rank (1, 1/2, 1/3 …)."""
        ids = [d.metadata["article_id"] for d in documents]
        story_of = self.stories.story_of(ids)
        votes: dict[str, float] = {}
        for rank, article_id in enumerate(ids):
            if article_id in story_of:
                votes[story_of[article_id]] = votes.get(story_of[article_id], 0.0) + 1 / (rank + 1)
        return votes

    def pick_story(self, documents: list[Document]) -> Story | None:
        """The story the best passages belong to."""
        votes = self.votes(documents)
        if not votes:
            return None
        return self.stories.story(max(votes, key=lambda s: (votes[s], s)))

    def answer(self, ask: StoryAsk, documents: list[Document],
               filters: PassageFilter) -> StoryReply | None:
        story = self.pick_story(documents)
        if story is None:
            return None
        members = [a for a in story.articles if filters.admits(a.published, a.source)]
        members = sorted(members, key=lambda a: (a.published or "", a.article_id))[-MAX_ARTICLES:]
        developments = self._developments(ask.topic, members)
        if not developments:
            return None
        merged = self._merge(developments)
        best = max(d.score for d in merged)
        if best < self.min_relevance:
            return None
        return self._compose(ask, story, members, merged, best)

    def timeline(self, story_id: str, *, since: date | None = None,
                 filters: PassageFilter | None = None) -> StoryReply | None:
        """The timeline of the story with this id (as `StoryIndex.stories()` lists them),
        or what is new in it since `since`; None when no story has that id.

        Why: a reader who picks a story from a list (the page's Stories tab, an agent's
        `list_stories`) has named the story but no topic, so no search chooses it and no
        question scores the sentences: every article the filters admit tells its own
        development, the lead sentence most about its own headline, however low the
        cross-encoder scores it. A story whose articles have no news sentence (or none the
        filters admit) is a reply with no items that says so.
        """
        story = self.stories.story(story_id)
        if story is None:
            return None
        filters = filters or PassageFilter()
        members = [a for a in story.articles if filters.admits(a.published, a.source)]
        members = sorted(members, key=lambda a: (a.published or "", a.article_id))[-MAX_ARTICLES:]
        ask = timeline_ask(story.title, since)
        developments = self._headline_developments(members)
        if not developments:
            return StoryReply(f"No news sentence in the leads of this story's articles"
                              f"{' that the filters admit' if filters.active else ''}.", [], [],
                              story_info(story, members), 0.0)
        merged = self._merge(developments)
        return self._compose(ask, story, members, merged, max(d.score for d in merged))

    def _headline_developments(self, members) -> list[Development]:
        """Each member's development: the lead sentence most about its own headline (what
        that article reports), its first news sentence when it has no headline."""
        by_article: dict[str, list[LeadSentence]] = {}
        for candidate in lead_sentences(self.store, members):
            by_article.setdefault(candidate.document.metadata["article_id"], []).append(candidate)
        found: list[Development] = []
        for candidates in by_article.values():
            title = str(candidates[0].document.metadata.get("title") or "").strip()
            scores = (self.cross_encoder.score(title, [c.text for c in candidates]) if title
                      else np.zeros(len(candidates)))
            best = int(np.argmax(scores))
            found.append(development_of(candidates[best], float(scores[best])))
        return found

    def _developments(self, topic: str, members) -> list[Development]:
        candidates = shortlist(topic, lead_sentences(self.store, members), MAX_PAIRS)
        if not candidates:
            return []
        scores = self.cross_encoder.score(topic, [c.text for c in candidates])
        best: dict[str, Development] = {}
        for candidate, score in zip(candidates, scores):
            article_id = candidate.document.metadata["article_id"]
            if article_id in best and best[article_id].score >= score:
                continue
            best[article_id] = Development(
                event_day(candidate.text, candidate.document), candidate.text, candidate.start,
                candidate.end, float(score), candidate.document,
                [candidate.document.metadata.get("source") or "unknown source"])
        return [d for d in best.values() if d.score >= self.min_relevance]

    def _merge(self, developments: list[Development]) -> list[Development]:
        """One item per development: the earliest report, listing every outlet that told it."""
        ordered = sorted(developments, key=lambda d: (d.published, d.document.metadata["chunk_id"]))
        vectors = np.asarray(self.embedder.embed([d.sentence for d in ordered]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms > 0, norms, 1)
        signatures = [shingles(d.sentence) for d in ordered]
        kept: list[int] = []
        for i, development in enumerate(ordered):
            twin = next((k for k in kept if jaccard(signatures[i], signatures[k]) >= SAME_WORDS
                         or float(vectors[i] @ vectors[k]) >= SAME_MEANING), None)
            if twin is None:
                kept.append(i)
            else:
                first = ordered[twin]
                first.sources.extend(s for s in development.sources if s not in first.sources)
                first.score = max(first.score, development.score)
        return [ordered[k] for k in kept]

    def _compose(self, ask: StoryAsk, story: Story, members, merged: list[Development],
                 best: float) -> StoryReply:
        by_date = sorted(merged, key=lambda d: (d.day or date.min, d.published))
        info = StoryInfo(id=story.id, title=story.title, articles=len(members),
                         origins=len({a.origin for a in members}),
                         sources=sorted({a.source for a in members if a.source}),
                         first=story.first, last=story.last)
        outlets = len(info.sources)
        scope = (f"{info.articles} article{'s' * (info.articles != 1)}"
                 f"{f' from {outlets} outlet' + 's' * (outlets != 1) if outlets else ''}")
        if ask.kind == "since":
            shown = [d for d in by_date if d.day is not None and d.day >= ask.since]
            if not shown:
                last = by_date[-1]
                head = (f"Nothing new on this story since {display_day(ask.since)} in the articles "
                        f"({scope}). The last development they report, on {display_day(last.day)}:")
                return self._reply(head, [last], info, best)
            said = ask.since_text or ""
            when = (f"{said} ({display_day(ask.since)})" if said and said.lower() not in
                    display_day(ask.since).lower() else display_day(ask.since))
            head = f"Since {when}, from {scope}:"
        elif ask.kind == "latest":
            shown = list(reversed(by_date))[:LATEST_ITEMS]
            head = f"The latest developments, newest first ({scope}):"
        else:  # in date order, what has no date after it
            in_order = [d for d in by_date if d.day is not None] + [d for d in by_date if d.day is None]
            shown = in_order[-TIMELINE_ITEMS:]
            more = len(by_date) - len(shown)
            head = (f"Timeline, {len(shown)} development{'s' * (len(shown) != 1)} from {scope}"
                    f"{f' (the {more} earliest left out)' if more else ''}:")
        return self._reply(head, shown, info, best)

    @staticmethod
    def _reply(head: str, shown: list[Development], info: StoryInfo, best: float) -> StoryReply:
        claims = [Claim(f"- **{display_day(d.day)}** ({', '.join(d.sources)}): {d.sentence}",
                        d.document, d.start, d.end) for d in shown]
        text, citations = cite(claims, separator="\n")
        number = {c.chunk_id: c.n for c in citations}
        items = [StoryItem(date=d.day.isoformat() if d.day else None, text=d.sentence,
                           n=number[d.document.metadata["chunk_id"]], sources=d.sources)
                 for d in shown]
        return StoryReply(f"{head}\n\n{text}", citations, items, info, best)
