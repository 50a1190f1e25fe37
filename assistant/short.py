"""The short answer: the fact the question asks for, copied from a cited passage.

"Which country…?" should get "Denmark [1]", then the quote. Without a reader model the span
is chosen the way classic open-domain QA systems chose it (answer typing plus redundancy):

1. `asks.asked_for` types the question (person, place, org, date, number, thing, …).
2. Candidates are spaCy's named entities and noun chunks of the best-scoring evidence
   sentences; a candidate made only of the question's own words is never an answer.
3. Each candidate is scored by a small logistic model over general signals: the
   cross-encoder score of its sentence and that sentence's rank, whether its entity type
   fits the question, how many evidence sentences and articles repeat it, how close it sits
   to the question's words, and whether it is an entity or a plain noun chunk.
4. The winner must beat `min_score` (a probability); otherwise there is no short answer and
   the quote alone answers ("what did X say" questions rarely have one).

A surname is widened to the full name when a retrieved passage of the same article gives it
("Altman" -> "Sam Altman"), citing that passage. A date is shown as the calendar day it means
in its article ("on Friday" -> "Friday, January 28, 2022", `index/eventdates.py`); date
candidates are grouped by that day, and "When" questions are scored by their own weights. The span is a substring of a passage, so it
is verified by construction. The weights are fitted on two benchmarks together (RealTime QA
and MultiHop-RAG dev; `newsqa calibrate-short`) and checked on each.
"""

import math
import re
from dataclasses import dataclass, replace

from langchain_core.documents import Document

from newsqa.assistant.aliases import alias_key, named_in
from newsqa.assistant.asks import Asked, asked_for, singular
from newsqa.assistant.nlp import parse, parse_many
from newsqa.assistant.places import place_fit
from newsqa.assistant.roles import Gap, fit, gap_of
from newsqa.assistant.rerank import Evidence, Reranked
from newsqa.assistant.words import content_stems
from newsqa.index.eventdates import EventDate, as_date, resolve

FEATURES = ("score", "rank", "typed", "noun", "votes", "articles", "near", "entity", "length",
            "argument", "attribution", "overlap", "vague", "role", "wrong_role", "predicate",
            "mistyped", "dated", "place")

# Fitted by `newsqa calibrate-short` on RealTime QA dev, MultiHop-RAG dev and the script-made
# "When" set (eval/whenset.py) together, each set weighted equally, the smoke questions held
# out (the CI gate measures them); "When" questions have their own weights (DATE_WEIGHTS).
DEFAULT_WEIGHTS: dict[str, float] = {
    "bias": -4.939, "score": -0.005, "rank": 1.020, "typed": 1.817, "noun": 0.247,
    "votes": 2.357, "articles": 1.112, "near": 1.064, "entity": -0.665, "length": -0.284,
    "argument": -0.600, "attribution": -1.020, "overlap": 0.373, "vague": -0.567,
    "role": 1.001, "wrong_role": -0.181, "predicate": -0.593, "mistyped": -0.383,
    "place": 0.677,
}

# "When …?" questions are scored by a model of their own: a date's signals (a day its
# article fixes, "on Friday" beside the verb) are not a name's.
MODELS = ("date", "other")
DATE_WEIGHTS: dict[str, float] = {  # every date candidate is typed: "typed" is the bias
    "bias": -4.372, "score": 0.346, "rank": -0.617, "votes": 0.319, "articles": -0.198,
    "near": 1.799, "length": -0.203, "argument": 0.412, "overlap": -0.174, "role": 2.166,
    "predicate": 2.506, "dated": -0.041,
}


def model_for(kind: str | None) -> str:
    return "date" if kind == "date" else "other"


_SENTENCES = 6  # evidence sentences searched for candidates
_PHRASE_TOKENS = 12  # longest candidate (8 unless it fills the question's gap)
# Kinds whose answer must be of the asked type (a number, a date, a person…), unlike "thing"
_TYPED_KINDS = frozenset({"person", "place", "org", "date", "number", "duration"})
_NAMED = frozenset({"PERSON", "ORG", "GPE", "NORP", "DATE", "TIME", "CARDINAL", "MONEY",
                    "PERCENT", "QUANTITY"})
_LEADING = frozenset("the a an this that these those its his her their our my your some any "
                     "all both each every another such".split())
_PRONOUNS = frozenset("he she it they we you i him her them us me who which that this these "
                      "those what something someone anyone everyone nothing one".split())
_TITLE_WORD = re.compile(r"[A-Z][\w'’.-]*")
_NOT_NAME = frozenset("the a an but and or so then when while if as at in on of for to by "
                      "from with after before since mr mrs ms dr".split())


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    document: Document  # the passage it is copied from
    start: int  # offsets into document.page_content
    end: int
    score: float  # the model's probability that this is the fact asked for
    kind: str
    sentence: Evidence  # the evidence sentence that holds it (quoted as its support)
    date: EventDate | None = None  # for "When …?": the calendar date the words mean

    @property
    def shown(self) -> str:
        """What the answer shows in bold: the calendar date for a date, else the words."""
        return self.date.display() if self.date is not None else self.text


@dataclass
class Candidate:
    text: str
    key: str
    label: str | None  # spaCy entity label, None for a noun chunk
    evidence: Evidence
    rank: int
    start: int  # offsets in the passage
    end: int
    near: float
    head: str
    argument: float  # an argument of a verb the question uses ("ignoring <it>")
    attribution: float  # who reports it ("Politico reports"), rarely the fact asked for
    overlap: float  # share of its words that the question has
    role: float = 0.0  # fills the question's gap (roles.py): "Who won?" -> the winner
    wrong_role: float = 0.0  # fills another role of the same predicate (the loser)
    predicate: float = 0.0  # its sentence says the question's predicate


def _key(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _no_word(token) -> bool:
    """Punctuation, or a symbol spaCy does not call punctuation ("−", "•")."""
    return token.is_punct or not any(ch.isalnum() for ch in token.text)


def _trim(span) -> tuple[int, int] | None:
    """Token bounds of a span without leading determiners/possessives and trailing punctuation."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_ in _LEADING or _no_word(doc[start])
                           or doc[start].tag_ in ("PRP$", "POS", "DT")):
        start += 1
    while end > start and (_no_word(doc[end - 1]) or doc[end - 1].tag_ == "POS"):
        end -= 1
    return (start, end) if end > start else None


def _nearness(doc, start: int, end: int, asked: set[str]) -> float:
    """Share of the question's words within 8 tokens of the candidate (its own excluded)."""
    if not asked:
        return 0.0
    window = [t.text for t in doc[max(0, start - 8):start]] + [t.text for t in doc[end:end + 8]]
    return len(asked & set(content_stems(" ".join(window)))) / len(asked)


_SPEECH = frozenset(content_stems("say said says report reports reported write writes wrote "
                                  "tell told according per add added note noted cite cited"))
_ARGUMENTS = frozenset({"dobj", "pobj", "attr", "oprd", "xcomp", "ccomp", "nsubjpass", "appos",
                        "dative", "acomp", "npadvmod"})


def _stem(token) -> str:
    return (content_stems(token.text) or [""])[0]


def _argument(root, verbs: set[int]) -> float:
    """1 when the span is an object of a verb the question uses (through a preposition), 0.5
    when it sits anywhere below such a verb, else 0."""
    token, steps = root, 0
    while token.head.i != token.i and steps < 4:
        if token.head.i in verbs:
            return 1.0 if token.dep_ in _ARGUMENTS or token.head.pos_ == "ADP" else 0.5
        if token.dep_ not in ("prep", "pobj", "compound", "amod", "conj"):
            break
        token, steps = token.head, steps + 1
    return 0.5 if any(a.i in verbs for a in root.ancestors) else 0.0


def _attribution(root) -> float:
    head = root.head
    if root.dep_ in ("nsubj", "nsubjpass") and _stem(head) in _SPEECH:
        return 1.0
    if root.dep_ == "pobj" and (head.lower_ in ("per", "to") and _stem(head.head) in _SPEECH
                                or head.lower_ == "per"):
        return 1.0
    return 0.0


def _day_and_time(doc) -> list:
    """A day and the time of day beside it as one date ("Wednesday" + "afternoon" ->
    "Wednesday afternoon"): spaCy tags them apart, and the time alone says no day."""
    ents = list(doc.ents)
    out = []
    for first, second in zip(ents, ents[1:]):
        if {first.label_, second.label_} == {"DATE", "TIME"} and second.start - first.end <= 1 \
                and all(t.lower_ in ("on", "at", "in", "the") for t in doc[first.end:second.start]):
            out.append((doc[first.start:second.end], "DATE"))
    return out


def candidates(question: str, evidence: list[Evidence], gap: Gap | None = None) -> list[Candidate]:
    asked = set(content_stems(question))
    named = named_in(question)  # "US" in the question: "U.S." is no answer either
    gap = gap if gap is not None else gap_of(parse(question))
    docs = parse_many([e.sentence for e in evidence])
    found: list[Candidate] = []
    for rank, (item, doc) in enumerate(zip(evidence, docs)):
        verbs = {t.i for t in doc if t.pos_ in ("VERB", "AUX", "ADJ") and _stem(t) in asked}
        spans = [(ent, ent.label_) for ent in doc.ents
                 if ent.label_ != "ORDINAL" and not (ent.label_ == "NORP" and ent.root.pos_ == "ADJ")]
        spans += _day_and_time(doc)
        spans += [(chunk, None) for chunk in doc.noun_chunks]
        seen: set[tuple[int, int]] = set()
        while spans:
            span, label = spans.pop(0)
            bounds = _trim(span)
            if bounds is None or bounds in seen:
                continue
            seen.add(bounds)
            tokens = doc[bounds[0]:bounds[1]]
            text = tokens.text
            stems = set(content_stems(text))
            if not stems or stems <= asked or text.lower() in _PRONOUNS:
                continue  # nothing new, or only the question's own words
            if named and alias_key(text) in named:
                continue  # the question's own name, spelled another way
            if len(tokens) > _PHRASE_TOKENS:
                continue
            start = item.start + tokens.start_char
            fits = fit(gap, doc, *bounds)
            root = tokens.root
            if fits.role and label is None and root.right_edge.i >= tokens.end:
                # the noun phrase that fills the gap, with what qualifies it: "the
                # sovereignty of other countries", not just "the sovereignty"
                spans.append((doc[root.left_edge.i:root.right_edge.i + 1], None))
            if len(tokens) > 8 and not fits.role:
                continue
            found.append(Candidate(
                text=text, key=_key(text), label=label, evidence=item, rank=rank,
                start=start, end=start + len(text), near=_nearness(doc, *bounds, asked),
                head=tokens.root.lower_, argument=_argument(tokens.root, verbs),
                attribution=_attribution(tokens.root),
                overlap=len(stems & asked) / len(stems), role=fits.role,
                wrong_role=fits.other, predicate=fits.predicate))
    return found


def _typed(candidate: Candidate, asked: Asked) -> float:
    if candidate.label and candidate.label in asked.labels:
        return 1.0
    if asked.kind == "number" and any(ch.isdigit() for ch in candidate.text):
        return 0.5
    return 0.0


def features(group: list[Candidate], asked: Asked) -> dict[str, float]:
    best = min(group, key=lambda c: c.rank)
    label = next((c.label for c in group if c.label), None)
    head_match = asked.noun is not None and any(
        singular(c.head) == asked.noun for c in group)
    typed = max(_typed(c, asked) for c in group)
    return {
        "score": max(c.evidence.score for c in group),
        "rank": 1.0 / (1 + best.rank),
        "typed": typed,
        "noun": 1.0 if head_match else 0.0,
        "votes": math.log1p(len({c.evidence.sentence for c in group}) - 1),
        "articles": math.log1p(len({c.evidence.document.metadata.get("article_id")
                                    for c in group}) - 1),
        "near": max(c.near for c in group),
        "entity": 1.0 if label else 0.0,
        "length": math.log1p(len(best.text.split())),
        "argument": max(c.argument for c in group),
        "attribution": max(c.attribution for c in group),
        "overlap": min(c.overlap for c in group),
        # "What did X demand?": nothing says what kind of thing, so any noun could do
        "vague": 1.0 if asked.kind == "thing" and asked.noun is None else 0.0,
        "role": max(c.role for c in group),
        "wrong_role": min(c.wrong_role for c in group),
        "predicate": max(c.predicate for c in group),
        # "Which animal…?" is not answered by an organisation's or a person's name
        # "When …?" answered with a day its article fixes, not "evening" or "last week"
        "dated": 1.0 if asked.kind == "date" and any(
            (when := event_date(c, None)) is not None and when.day is not None for c in group) else 0.0,
        "mistyped": 1.0 if (asked.kind == "thing" and asked.noun is not None and label
                            and label in _NAMED and not head_match) else 0.0,
        # "Which country…?": a name the gazetteers list as a country (assistant/places.py)
        "place": 1.0 if any(place_fit(c.text, asked.noun) == 1.0 for c in group) else 0.0,
    }


def probability(values: dict[str, float], weights: dict[str, float]) -> float:
    z = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * v for k, v in values.items())
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


_FUTURE = re.compile(r"^\s*when\s+(?:will|is\s+\S+(?:\s+\S+){0,6}\s+(?:going|due|set|scheduled|expected)\b"
                     r"|are\s+\S+(?:\s+\S+){0,6}\s+(?:going|due|set|scheduled|expected)\b|does|do)\b", re.I)
_PAST = re.compile(r"^\s*(?:when|on what (?:day|date)|what (?:day|date))\s+(?:did|was|were|had|has|have)\b", re.I)


def question_tense(question: str) -> bool | None:
    """True when a "when" question asks about what will happen, False about what did."""
    if _PAST.match(question):
        return False
    return True if _FUTURE.match(question) else None


def event_date(candidate: Candidate, future: bool | None) -> EventDate | None:
    """The calendar date a date candidate means in its article (None when it is no date)."""
    if candidate.label not in ("DATE", "TIME"):
        return None
    published = as_date(candidate.evidence.document.metadata.get("published"))
    return resolve(candidate.text, published, future)


def dated(found: list[Candidate], future: bool | None) -> list[Candidate]:
    """Date candidates keyed by the day they mean: "Friday" in two articles of different
    weeks are two answers, "Friday" and "Jan. 28" of the same day one."""
    out = []
    for candidate in found:
        when = event_date(candidate, future)
        out.append(replace(candidate, key=f"day {when.iso}") if when and when.day else candidate)
    return out


def grouped(found: list[Candidate]) -> dict[str, list[Candidate]]:
    """Candidates by normalised text; a surname joins the full name it ends."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in found:
        groups.setdefault(candidate.key, []).append(candidate)
    persons = sorted({c.key for c in found if c.label == "PERSON"}, key=len, reverse=True)
    for key in list(groups):
        longer = next((p for p in persons if p != key and p.endswith(" " + key)), None)
        if longer and longer in groups:
            groups[longer].extend(groups.pop(key))
    return groups


def full_name(candidate: Candidate, documents: list[Document],
              kind: str | None = None) -> tuple[str, Document, int] | None:
    """"Altman" -> "Sam Altman" when a retrieved passage gives the full name: one of the same
    article first, else the form most passages use. Only for a single capitalised word that
    names a person (or answers a "who" question)."""
    if len(candidate.text.split()) > 1 or not _TITLE_WORD.fullmatch(candidate.text):
        return None
    if candidate.label != "PERSON" and not (kind == "person" and candidate.label in (None, "ORG")):
        return None
    article = candidate.evidence.document.metadata.get("article_id")
    pattern = re.compile(r"((?:[A-Z][\w'’.-]*\s+){1,2})" + re.escape(candidate.text) + r"\b")
    forms: dict[str, list[tuple[Document, int]]] = {}
    for doc in documents:
        for match in pattern.finditer(doc.page_content):
            words = match.group(1).split()
            while words and words[0].lower() in _NOT_NAME:
                words = words[1:]
            if not words or not all(_TITLE_WORD.fullmatch(w) for w in words):
                continue
            text = " ".join([*words, candidate.text])
            start = match.end() - len(text)
            if doc.page_content[start:match.end()] == text:
                forms.setdefault(text, []).append((doc, start))
    if not forms:
        return None
    same = [(t, d, s) for t, places in forms.items() for d, s in places
            if d.metadata.get("article_id") == article]
    if same:
        return same[0]
    text = max(forms, key=lambda t: len(forms[t]))
    doc, start = forms[text][0]
    return text, doc, start


class ShortAnswerer:
    def __init__(self, *, min_score: float = 0.3, weights: dict[str, float] | None = None,
                 date_weights: dict[str, float] | None = None, sentences: int = _SENTENCES):
        self.min_score = min_score
        self.weights = weights or DEFAULT_WEIGHTS
        self.date_weights = date_weights or DATE_WEIGHTS
        self.sentences = sentences

    def scored(self, question: str, reranked: Reranked,
               asked: Asked | None = None) -> list[tuple[float, list[Candidate], dict]]:
        """Every candidate group with its probability and features, best first."""
        asked = asked or asked_for(question)
        if not asked.wants_span or not reranked.evidence:
            return []
        found = candidates(question, reranked.evidence[: self.sentences])
        if asked.kind == "date":
            found = dated(found, question_tense(question))
        groups = grouped(found)
        out = []
        for group in groups.values():
            values = features(group, asked)
            if asked.kind in _TYPED_KINDS and not (values["typed"] or values["noun"]):
                continue  # "How many…?" is never answered "Russia"
            if all(place_fit(c.text, asked.noun) == 0.0 for c in group):
                continue  # "Which country…?" is never answered "Havana"
            weights = self.date_weights if model_for(asked.kind) == "date" else self.weights
            out.append((probability(values, weights), group, values))
        return sorted(out, key=lambda item: -item[0])

    def answer(self, question: str, reranked: Reranked,
               asked: Asked | None = None) -> ShortAnswer | None:
        asked = asked or asked_for(question)
        ranked = self.scored(question, reranked, asked)
        if not ranked or ranked[0][0] < self.min_score:
            return None
        score, group, _ = ranked[0]
        return pick(group, reranked.documents, score, asked.kind, question_tense(question))


def pick(group: list[Candidate], documents: list[Document], score: float = 0.0,
         kind: str | None = None, future: bool | None = None) -> ShortAnswer:
    """The text shown for a candidate group: its best-ranked mention, a surname widened, a
    date read as the calendar day it means in its article (`future`: the question's tense)."""
    best = min(group, key=lambda c: (c.rank, -len(c.text)))
    if kind == "date":
        document = best.evidence.document
        return ShortAnswer(document.page_content[best.start:best.end], document, best.start,
                           best.end, score, kind, best.evidence, event_date(best, future))
    widened = full_name(best, documents, kind)
    if widened:
        text, document, start = widened
        return ShortAnswer(text, document, start, start + len(text), score, kind, best.evidence)
    document = best.evidence.document
    return ShortAnswer(document.page_content[best.start:best.end], document, best.start,
                       best.end, score, kind, best.evidence)
