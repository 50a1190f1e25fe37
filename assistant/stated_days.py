"""The days a sentence gives for what happened, with what happened and to whom.

Why: two outlets that date one event differently ("the strike began on Monday" / "the
strike, which started on Tuesday, …") disagree as plainly as two that count it differently,
and a reader comparing them should see it. A day is only comparable with another for the
same event (`event`, the verb the date phrase modifies: "begin") of the same subject
(`subject`: "strike"), both read from spaCy's parse; the phrase is read as a calendar day
against its article's publication date (index/eventdates.py), so "on Monday" in a Tuesday
report and "March 4" in a later one are the same day. A date hanging from a verb of saying
("officials said on Friday") dates the saying, not the event, and is left out.
"""

from dataclasses import dataclass
from datetime import date

from newsqa.assistant.nlp import parse_many
from newsqa.assistant.quantities import SAYING_VERBS, verb_above
from newsqa.index.eventdates import day_in

_DAY_LABELS = {"DATE"}
_SUBJECTS = ("nsubj", "nsubjpass")


@dataclass(frozen=True)
class StatedDay:
    day: date
    text: str  # the phrase as the sentence words it ("on Monday")
    start: int  # character offsets of `text` in the sentence
    end: int
    event: str  # the lemma of the verb the phrase dates
    subject: str  # the lemma of that verb's subject's head ("strike")
    about: str  # the subject and the verb as the sentence words them ("strike began")

    @property
    def shown(self) -> str:
        return f"{self.day:%B} {self.day.day}, {self.day.year} (“{self.text}”)"

    def same_fact(self, other: "StatedDay") -> bool:
        return self.event == other.event and self.subject == other.subject

    def differs(self, other: "StatedDay") -> bool:
        return self.day != other.day


def _dated_verb(root):
    """The verb a date phrase modifies, directly or through its preposition."""
    return verb_above(root, steps=3, pos=("VERB", "AUX"),
                      through=("prep", "pobj", "npadvmod", "compound", "appos"))


def _subject(verb):
    subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
    if subject is None or subject.pos_ == "PRON":
        return None
    # keyed by its head alone: "the water strike" and "the strike" are one subject
    compounds = [c for c in subject.children if c.dep_ == "compound"]
    return subject.lemma_.lower(), " ".join([c.text for c in compounds] + [subject.text])


def days_in(sentences: list[str], published: list[date | None]) -> list[list[StatedDay]]:
    """For each sentence (of an article published on that day), the days it gives."""
    return [_days(doc, day) for doc, day in zip(parse_many(sentences), published)]


def _days(doc, published: date | None) -> list[StatedDay]:
    found: list[StatedDay] = []
    for entity in doc.ents:
        if entity.label_ not in _DAY_LABELS:
            continue
        verb = _dated_verb(entity.root)
        if verb is None or verb.lemma_.lower() in SAYING_VERBS:
            continue
        subject = _subject(verb)
        if subject is None:
            continue
        future = any(c.lower_ in ("will", "'ll") for c in verb.children)
        # a phrase that names a day ("Monday", "March 4", "yesterday"), not a span of time
        # ("two days", "the past week")
        read = day_in(entity.text, published, future)
        if read is None or read.day is None:
            continue
        start = entity.start_char
        preposition = entity.root.head if entity.root.dep_ == "pobj" else None
        if preposition is not None and preposition.i == entity.start - 1:
            start = preposition.idx  # "on Monday", as the reader will look for it
        found.append(StatedDay(read.day, doc.text[start:entity.end_char], start,
                               entity.end_char, verb.lemma_.lower(), subject[0],
                               f"{subject[1]} {verb.text}".lower()))
    return found
