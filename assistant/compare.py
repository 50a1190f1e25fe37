"""How outlets report one story, side by side, and the figures they disagree on.

Why: "how did CNN and USA Today report …" and "do outlets agree on …" are answered by
reading each outlet's articles of the story, not the one best sentence. The story is the one
the passages retrieved for the topic belong to (of the outlets named, when the question names
them); each outlet shows the sentences of its articles' leads that the cross-encoder finds
most about the topic. A figure two outlets give for the same fact (`quantities.py`: the same
thing counted, for the same event) that differs between their latest reports is a
disagreement, with both figures cited. Names a question gives that are no outlet in the
index ("What did Macron and Putin say …") make it an ordinary question.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from langchain_core.documents import Document

from newsqa.assistant.cite import Claim, cite
from newsqa.assistant.furniture import is_furniture
from newsqa.assistant.quantities import Quantity, quantities_in
from newsqa.assistant.stated_days import StatedDay, days_in
from newsqa.assistant.result import Disagreement, ReportedValue, StoryInfo, StoryItem
from newsqa.assistant.story import (
    MIN_WORDS, LeadSentence, StoryAnswerer, StoryReply, display_day, event_day, lead_sentences, shortlist)
from newsqa.assistant.storyask import StoryAsk
from newsqa.index.eventdates import as_date
from newsqa.index.filters import PassageFilter, source_key
from newsqa.index.sentences import split_sentences
from newsqa.index.stories import Story

PER_OUTLET = 2  # sentences shown for each outlet
MAX_OUTLETS = 4  # when the question names none: the outlets with most articles in the story
ARTICLES_PER_OUTLET = 6  # each outlet's newest articles read
MAX_PAIRS = 48  # cross-encoder pairs per answer, shared out between the outlets
TRIES = 3  # stories tried, best first, until one has sentences on the topic
WINDOW = timedelta(days=14)  # an outlet's own passages count from this near the story's days


def _keys(name: str) -> set[str]:
    """Spellings an outlet is known by: "The Week" ~ "theweek.co.uk", "USA Today" ~ "usatoday.com"."""
    text = re.sub(r"^(?:https?://)?(?:www\.)?", "", name.strip().lower())
    text = re.sub(r"\.(?:com|co\.uk|org|net|news|co|uk|us|ca|au|in)(?:/.*)?$", "", text)
    compact = re.sub(r"[^a-z0-9]", "", text)
    bare = re.sub(r"[^a-z0-9]", "", re.sub(r"^the\s+", "", text))
    return {k for k in (compact, bare) if len(k) >= 2}


def outlets_named(names: tuple[str, ...], sources: list[str]) -> dict[str, list[str]]:
    """For each name the question gives, the index's sources it means (maybe none)."""
    known = [(source, _keys(source)) for source in sources]
    return {name: [source for source, keys in known if keys & _keys(name)] for name in names}


@dataclass
class _Said:
    outlet: str
    sentence: LeadSentence
    score: float
    quantities: list[Quantity]
    days: list[StatedDay] = ()

    @property
    def published(self) -> str:
        return str(self.sentence.document.metadata.get("published") or "")


class SourceComparer:
    def __init__(self, stories: StoryAnswerer, *, min_relevance: float = 0.0,
                 search: Callable[[str, PassageFilter], list[Document]] | None = None):
        self.stories = stories
        self.min_relevance = min_relevance
        self.search = search  # topic, filters → reranked passages (the chain's retrieval)

    def answer(self, ask: StoryAsk, documents: list[Document],
               filters: PassageFilter) -> StoryReply | None:
        named = outlets_named(ask.outlets, self.stories.stories.sources())
        if ask.outlets and not any(named.values()):
            return None
        wanted = [sources for sources in named.values() if sources]
        for story in self._choose_stories(documents, wanted)[:TRIES]:
            reply = self._compare(ask, story, named, documents, filters)
            if reply is not None:
                return reply
        return None

    def _compare(self, ask: StoryAsk, story: Story, named: dict[str, list[str]],
                 documents: list[Document], filters: PassageFilter) -> StoryReply | None:
        members = [a for a in story.articles if filters.admits(a.published, a.source)]
        by_outlet: dict[str, list] = {}
        for article in sorted(members, key=lambda a: (a.published or "", a.article_id)):
            by_outlet.setdefault(article.source or "unknown source", []).append(article)
        missing: list[str] = []
        if ask.outlets:  # each named outlet by its name in the index ("USA Today": usatoday.com)
            outlets = [", ".join(named[name]) or name for name in ask.outlets]
            sources_of = {", ".join(named[name]) or name: named[name] for name in ask.outlets}
            missing = [name for name in ask.outlets if not named[name]]
        else:
            biggest = sorted(by_outlet, key=lambda o: (-len(by_outlet[o]), o))[:MAX_OUTLETS]
            outlets = biggest
            sources_of = {o: [o] for o in biggest}
        candidates: dict[str, list[LeadSentence]] = {}
        for outlet in outlets:
            articles = [a for s in sources_of[outlet] for a in by_outlet.get(s, [])]
            found = lead_sentences(self.stories.store, articles[-ARTICLES_PER_OUTLET:])
            ids = {a.article_id for a in articles}  # and the passages retrieved from them
            found += _sentences([d for d in documents if d.metadata["article_id"] in ids])
            found = list({(c.document.metadata["chunk_id"], c.start): c for c in found}.values())
            if not found and sources_of[outlet]:  # not in this story: its own passages on the
                found = self._searched(ask.topic, story, sources_of[outlet], filters)  # topic
            candidates[outlet] = shortlist(ask.topic, found, max(MAX_PAIRS // max(len(outlets), 1), 4))
        said = self._score(ask.topic, candidates)
        if not any(said.values()):
            return None
        best = max(s.score for group in said.values() for s in group)
        covered = {a.article_id for o in outlets for s in sources_of[o] for a in by_outlet.get(s, [])}
        info = StoryInfo(id=story.id, title=story.title, articles=len(covered) or len(members),
                         origins=len({a.origin for a in members if a.article_id in covered}) or 1,
                         sources=sorted({s for o in outlets for s in sources_of[o]
                                         if by_outlet.get(s)}),
                         first=story.first, last=story.last)
        return self._compose(outlets, said, info, best, missing)

    def _choose_stories(self, documents: list[Document], wanted: list[list[str]]) -> list[Story]:
        """The stories the best passages belong to, those most of the named outlets report
        first among the ones near the top (a third of the best votes or more), so that "how
        did A and B report …" compares them on one story where they both have one."""
        votes = self.stories.votes(documents)
        if not votes:
            return []
        top = max(votes.values())
        found = [self.stories.stories.story(s) for s in sorted(votes, key=lambda s: (-votes[s], s))]
        found = [s for s in found if s is not None]

        def reach(story: Story) -> int:
            have = {a.source for a in story.articles}
            return sum(1 for sources in wanted if have & set(sources))
        return sorted(found, key=lambda s: (-(reach(s) if votes[s.id] >= top / 3 else 0),
                                            -votes[s.id], s.id))

    def _searched(self, topic: str, story, sources: list[str],
                  filters: PassageFilter) -> list[LeadSentence]:
        """An outlet's own passages on the topic from the story's days (two weeks either
        side): it may have told the story in articles that formed a story of their own."""
        if self.search is None or filters.sources and not (
                {source_key(s) for s in sources} & set(filters.sources)):
            return []  # (nor outside the sources the user asked for)
        first, last = (date.fromisoformat(d) if d else None for d in (story.first, story.last))
        window = PassageFilter.build(
            as_of=filters.as_of, until=filters.until, since=filters.since, sources=sources)
        found = []
        for document in self.search(topic, window):
            day = as_date(document.metadata.get("published"))
            if first and last and (day is None or not first - WINDOW <= day <= last + WINDOW):
                continue
            found.append(document)
        return _sentences(found)

    def _score(self, topic: str, candidates: dict[str, list[LeadSentence]]) -> dict[str, list[_Said]]:
        flat = [(o, c) for o, group in candidates.items() for c in group]
        scores = self.stories.cross_encoder.score(topic, [c.text for _, c in flat]) if flat else []
        counts = quantities_in([c.text for _, c in flat])
        days = days_in([c.text for _, c in flat],
                       [as_date(c.document.metadata.get("published")) for _, c in flat])
        said: dict[str, list[_Said]] = {o: [] for o in candidates}
        for (outlet, candidate), score, quantities, stated in zip(flat, scores, counts, days):
            if score >= self.min_relevance:
                said[outlet].append(_Said(outlet, candidate, float(score), quantities, stated))
        return said

    def _compose(self, outlets: list[str], said: dict[str, list[_Said]], info: StoryInfo,
                 best: float, missing: list[str]) -> StoryReply:
        reporting = [o for o in outlets if said[o]]
        head = (f"How {len(reporting)} outlet{'s' * (len(reporting) != 1)} report it "
                f"({info.articles} article{'s' * (info.articles != 1)}, {info.origins} "
                f"independent report{'s' * (info.origins != 1)}):"
                if len(reporting) > 1 else
                f"Only {reporting[0]} reports on this in the articles ({info.articles} "
                f"article{'s' * (info.articles != 1)}):")
        claims: list[Claim] = [Claim(head)]
        shown: list[tuple[str, _Said]] = []
        for outlet in outlets:
            claims.append(Claim(f"\n**{outlet}**" if said[outlet] else
                                f"\n**{outlet}**: no article from it in the index."
                                if outlet in missing else
                                f"\n**{outlet}**: nothing on this in its articles."))
            for item in _best_said(said[outlet]):
                day = event_day(item.sentence.text, item.sentence.document)
                claims.append(Claim(f"- {display_day(day)}: {item.sentence.text}",
                                    item.sentence.document, item.sentence.start, item.sentence.end))
                shown.append((outlet, item))
        lines = [[c] for c in claims]
        disagreements = _disagreements(reporting, said)
        if disagreements:
            lines.append([Claim("\n**Where they differ**")])
            for about, values in disagreements:
                line = [Claim(f"- {about}:")]
                for k, (outlet, item, fact) in enumerate(values):
                    at = item.sentence.start + fact.start
                    worded = f"“{fact.text}”" if fact.shown == fact.text else fact.shown
                    line.append(Claim(f"{outlet} {worded}", item.sentence.document,
                                      at, at + len(fact.text)))
                    if k < len(values) - 1:
                        line.append(Claim(";"))
                lines.append(line)
        elif len(reporting) > 1:
            lines.append([Claim("\nNo figure or date differs between them in the sentences "
                                "compared.")])
        text, citations = _cite_lines(lines)
        number = {c.chunk_id: c.n for c in citations}
        items = [StoryItem(date=(event_day(s.sentence.text, s.sentence.document) or None)
                           and event_day(s.sentence.text, s.sentence.document).isoformat(),
                           text=s.sentence.text, n=number[s.sentence.document.metadata["chunk_id"]],
                           sources=[outlet]) for outlet, s in shown]
        found = [Disagreement(about=about, values=[ReportedValue(
            source=outlet, value=fact.shown, n=number[item.sentence.document.metadata["chunk_id"]],
            date=item.published[:10] or None) for outlet, item, fact in values])
            for about, values in disagreements]
        return StoryReply(text, citations, items, info, best, found)


def _best_said(said: list[_Said]) -> list[_Said]:
    """An outlet's best sentences, from different articles where it has several."""
    ranked = sorted(said, key=lambda s: -s.score)
    chosen: list[_Said] = []
    for item in ranked:
        if len(chosen) < PER_OUTLET and all(item.sentence.document.metadata["article_id"] !=
                                            c.sentence.document.metadata["article_id"] for c in chosen):
            chosen.append(item)
    for item in ranked:  # one article only: its next best sentence
        if len(chosen) < PER_OUTLET and item not in chosen:
            chosen.append(item)
    return sorted(chosen, key=lambda s: (s.published, s.sentence.start))


def _disagreements(outlets: list[str], said: dict[str, list[_Said]]):
    """Facts with a figure or a day from two or more outlets that differs: each outlet's
    latest."""
    latest: dict[tuple, dict[str, tuple[_Said, Quantity | StatedDay]]] = {}
    for outlet in outlets:
        for item in sorted(said[outlet], key=lambda s: (s.published, s.sentence.start)):
            for quantity in item.quantities:
                latest.setdefault(("count", quantity.what, quantity.event), {})[outlet] = (
                    item, quantity)
            for stated in item.days:
                latest.setdefault(("day", stated.subject, stated.event), {})[outlet] = (
                    item, stated)
    found = []
    for by_outlet in latest.values():
        if len(by_outlet) < 2:
            continue
        values = [(o, item, q) for o, (item, q) in by_outlet.items()]
        if any(values[0][2].differs(q) for _, _, q in values[1:]):
            found.append((values[0][2].about, values))
    return found


def _sentences(documents: list[Document]) -> list[LeadSentence]:
    """The news sentences of retrieved passages (each passage once)."""
    unique = {d.metadata["chunk_id"]: d for d in documents}
    return [LeadSentence(s.text, s.start, s.end, document) for document in unique.values()
            for s in split_sentences(document.page_content)
            if len(s.text.split()) >= MIN_WORDS and not is_furniture(s.text)]


def _cite_lines(lines: list[list[Claim]]) -> tuple[str, list]:
    """`cite` over every claim in order (one numbering), the claims of a line joined by
    spaces ("- people killed: CNN “12” [1]; USA Today “15” [2]"), the lines by newlines."""
    flat = [c for line in lines for c in line]
    text, citations = cite(flat, separator="\x00")
    parts = iter(text.split("\x00"))
    joined = [" ".join(next(parts) for _ in line).replace(" ;", ";") for line in lines]
    return "\n".join(joined), citations
