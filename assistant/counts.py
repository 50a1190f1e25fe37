"""A count that changed as its story developed: the latest figure first, the earlier one said.

Why: "How many died …?" is answered from the sentence that reads best, which may be Monday's
report of a death toll that Wednesday's report of the same story raised. When a later
article of the story (`index/stories.py`), one the filters admit, gives another figure for
the same fact (`quantities.py`: the same thing counted, for the same event), that figure is
the short answer, quoted and cited, and the answer says which figure the earlier report
gave. Only later reports replace a figure, so an as-of date keeps the answer of its day.
"""

from dataclasses import dataclass, replace

from newsqa.assistant.answer import Draft
from newsqa.assistant.nlp import parse
from newsqa.assistant.quantities import Quantity, quantities_in
from newsqa.assistant.rerank import Evidence
from newsqa.assistant.short import ShortAnswer
from newsqa.assistant.story import StoryAnswerer, display_day, lead_sentences
from newsqa.index.eventdates import as_date
from newsqa.index.filters import PassageFilter

MAX_LATER = 12  # the story's newest later articles read
EVIDENCE = 3  # without a short answer, the evidence sentences a figure is looked for in


@dataclass(frozen=True)
class CountUpdate:
    """The draft with the latest figure as its short answer, and what the earlier one was."""

    draft: Draft
    earlier: ShortAnswer  # the figure first found (still quoted in the answer)

    def note(self, citations) -> str:
        """ "An earlier report (Harbour Gazette, May 8, 2023) gave “12” [2]." """
        chunk = self.earlier.document.metadata["chunk_id"]
        n = next((c.n for c in citations if c.chunk_id == chunk), None)
        meta = self.earlier.document.metadata
        where = ", ".join(x for x in (meta.get("source"), display_day(as_date(meta.get("published"))))
                          if x and x != "undated")
        return (f"An earlier report{f' ({where})' if where else ''} gave “{self.earlier.text}”"
                f"{f' [{n}]' if n else ''}.")


def _figure(short: ShortAnswer) -> Quantity | None:
    """The count the short answer is, read in its sentence."""
    sentence = short.sentence
    inside = (short.start - sentence.start, short.end - sentence.start)
    (found,) = quantities_in([sentence.sentence])
    return next((q for q in found if q.start < inside[1] and inside[0] < q.end), None)


def _asked(question: str) -> tuple[str, set[str]] | None:
    """What "How many <noun> …?" counts (its lemma) and the question's lemmas, which the
    event of a figure must be among ("How many people did the floods kill?")."""
    doc = parse(question)
    many = next((t for t in doc if t.lower_ in ("many", "much") and t.i > 0
                 and doc[t.i - 1].lower_ == "how"), None)
    if many is None or many.head.pos_ not in ("NOUN", "PROPN"):
        return None
    noun = many.head
    compounds = [c.lemma_.lower() for c in noun.children if c.dep_ == "compound"]
    return " ".join(compounds + [noun.lemma_.lower()]), {t.lemma_.lower() for t in doc}


def _stated(question: str, draft: Draft) -> ShortAnswer | None:
    """Without a short answer: the figure the best evidence sentences give for what the
    question counts, for an event it names."""
    asked = _asked(question)
    if asked is None:
        return None
    what, lemmas = asked
    evidence = draft.evidence[:EVIDENCE]
    for item, counts in zip(evidence, quantities_in([e.sentence for e in evidence])):
        for count in counts:
            if count.what == what and (count.event is None or count.event in lemmas):
                start = item.start + count.start
                return ShortAnswer(text=count.text, document=item.document, start=start,
                                   end=start + len(count.text), score=0.0, kind="number",
                                   sentence=item)
    return None


class CountTracker:
    def __init__(self, stories: StoryAnswerer):
        self.stories = stories

    def update(self, question: str, draft: Draft, filters: PassageFilter) -> CountUpdate | None:
        if draft.declined or draft.verdict is not None:
            return None
        short = draft.short if draft.short is not None else _stated(question, draft)
        if short is None or short.kind != "number":
            return None
        figure = _figure(short)
        if figure is None:
            return None
        meta = short.document.metadata
        story = self.stories.stories.story(
            self.stories.stories.story_of([meta["article_id"]]).get(meta["article_id"], ""))
        if story is None:
            return None
        published = str(meta.get("published") or "")[:10]
        later = [a for a in story.articles if (a.published or "")[:10] > published
                 and filters.admits(a.published, a.source)]
        later = sorted(later, key=lambda a: (a.published or "", a.article_id))[-MAX_LATER:]
        sentences = lead_sentences(self.stories.store, later)
        newest = None
        for sentence, counts in zip(sentences, quantities_in([s.text for s in sentences])):
            for count in counts:
                if count.same_fact(figure) and count.differs(figure):
                    key = (str(sentence.document.metadata.get("published") or ""), -sentence.start)
                    if newest is None or key > newest[0]:
                        newest = (key, sentence, count)
        if newest is None:
            return None
        _, sentence, count = newest
        evidence = Evidence(sentence.text, sentence.start, sentence.end, short.sentence.score,
                            sentence.document)
        start = sentence.start + count.start
        latest = ShortAnswer(text=count.text, document=sentence.document, start=start,
                             end=start + len(count.text), score=short.score, kind="number",
                             sentence=evidence)
        same = (sentence.document.metadata["chunk_id"], sentence.start)
        rest = [e for e in draft.evidence if (e.document.metadata["chunk_id"], e.start) != same]
        return CountUpdate(replace(draft, short=latest, evidence=[evidence, *rest]), earlier=short)
