"""The counts a sentence states, with what is counted and what happened to it.

Why: two reports of one story that give different figures for the same fact ("12 people
were killed" / "killing 15 people") disagree, and a count that grew as the story developed
("the death toll rose to 40") should be given as its latest figure. A figure is only
comparable with another that counts the same thing (`what`, the noun it counts: "people",
"homes", "$", "percent") for the same event (`event`, the verb it hangs from: "kill",
"destroy"), so both are read from spaCy's parse, not from nearness. Word numbers ("twelve",
"two million") are read by text2num; years, dates, times and ordinals are not counts.
"""

from dataclasses import dataclass

from text_to_num import text2num

from newsqa.assistant.nlp import parse_many

_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NOT_COUNTS = {"DATE", "TIME", "ORDINAL"}
_HEDGES = {"advmod", "quantmod", "amod"}  # "at least", "nearly", "more than": shown with it
_UNITS = {"$": "dollars", "%": "percent", "£": "pounds", "€": "euros"}
SAYING_VERBS = {"say", "report", "tell", "announce", "state", "add", "note", "confirm", "estimate"}
_VAGUE = {"one", "a", "an", "dozens", "hundreds", "thousands", "millions", "several", "few"}


@dataclass(frozen=True)
class Quantity:
    value: float
    text: str  # as the sentence words it, with its hedge ("at least 12")
    start: int  # character offsets of `text` in the sentence
    end: int
    what: str  # the lemma of what is counted
    event: str | None  # the lemma of the verb it hangs from
    about: str  # both as the sentence words them, for people: "people killed"

    def same_fact(self, other: "Quantity") -> bool:
        return self.what == other.what and self.event == other.event

    @property
    def shown(self) -> str:
        return self.text

    def differs(self, other: "Quantity") -> bool:
        return abs(self.value - other.value) > 1e-9 * max(abs(self.value), abs(other.value), 1)


def _is_number(token) -> bool:
    return token.like_num or token.lower_ in _SCALES


def _value(tokens) -> float | None:
    words = [t.text.replace(",", "") for t in tokens]
    try:
        value = float(words[0])
        for word in words[1:]:
            value *= _SCALES[word.lower()]
        return value
    except (ValueError, KeyError):
        pass
    try:
        return float(text2num(" ".join(w.lower() for w in words), "en"))
    except ValueError:
        return None


def verb_above(token, *, steps: int = 4, pos: tuple[str, ...] = ("VERB",),
               through: tuple[str, ...] | None = None):
    """The first verb among the `steps` heads above `token`; with `through`, the path up
    may only pass tokens of those dependency labels."""
    node = token
    for _ in range(steps):
        if node.head is node:
            return None
        node = node.head
        if node.pos_ in pos:
            return node
        if through is not None and node.dep_ not in through:
            return None
    return None


def _verb_above(token):
    """The verb a figure hangs from; a verb of saying ("officials said 10 …") is no event."""
    verb = verb_above(token)
    return None if verb is None or verb.lemma_.lower() in SAYING_VERBS else verb


def _counted(run, head):
    """What a number counts and the verb the figure hangs from: the noun it modifies, a
    currency sign or "%"/"percent" beside it, or the subject of the verb it is the object of
    ("the toll rose to 40")."""
    currency = next((c for t in run for c in t.children if c.text in _UNITS), None)
    if currency is not None:
        return currency, _verb_above(head)
    noun = head.head if head.dep_ == "nummod" else None
    if head.dep_ == "pobj" and head.head.dep_ == "prep" and head.head.head.pos_ in ("VERB", "AUX"):
        subjects = [c for c in head.head.head.children if c.dep_ in ("nsubj", "nsubjpass")]
        noun = subjects[0] if subjects else None
    if noun is None or not (noun.pos_ in ("NOUN", "PROPN") or noun.text in _UNITS):
        return None, None
    return noun, _verb_above(noun)


def _what(noun) -> tuple[str, str]:
    """The key (lemmas) and the words of what is counted."""
    if noun.text in _UNITS:
        return _UNITS[noun.text], _UNITS[noun.text]
    compounds = [c for c in noun.children if c.dep_ == "compound"]
    key = " ".join([c.lemma_.lower() for c in compounds] + [noun.lemma_.lower()])
    return key, " ".join([c.text.lower() for c in compounds] + [noun.text.lower()])


def quantities_in(sentences: list[str]) -> list[list[Quantity]]:
    """For each sentence, the counts it states (parsed together, memoised)."""
    return [_quantities(doc) for doc in parse_many(sentences)]


def _quantities(doc) -> list[Quantity]:
    found: list[Quantity] = []
    seen: set[int] = set()
    for token in doc:
        if token.i in seen or not _is_number(token) or token.ent_type_ in _NOT_COUNTS:
            continue
        run = [token]
        while run[-1].i + 1 < len(doc) and _is_number(doc[run[-1].i + 1]):
            run.append(doc[run[-1].i + 1])
        seen.update(t.i for t in run)
        if len(run) == 1 and (token.lower_ in _VAGUE or token.lower_ in _SCALES):
            continue
        if len(run) == 1 and token.shape_ == "dddd" and 1800 <= int(token.text) <= 2100:
            continue  # a year
        value = _value(run)
        if value is None:
            continue
        inside = {t.i for t in run}
        head = next((t for t in run if t.head.i not in inside), run[-1])
        noun, verb = _counted(run, head)
        if noun is None:
            continue
        hedges = [c for t in run for c in t.children if c.dep_ in _HEDGES and c.i < run[0].i]
        first = min([run[0]] + [t for h in hedges for t in h.subtree], key=lambda t: t.i)
        last = run[-1]
        if last.i + 1 < len(doc) and doc[last.i + 1].lower_ in ("%", "percent"):
            last = doc[last.i + 1]
            noun = noun if noun.text in _UNITS else last
        start, end = first.idx, last.idx + len(last.text)
        key, words = _what(noun)
        event = verb.lemma_.lower() if verb is not None else None
        about = f"{words} {verb.text.lower()}" if verb is not None else words
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None) \
            if verb is not None else None
        if (noun.text in _UNITS or noun.lower_ == "percent") and subject is not None:
            # "unemployment rose to 4.2%": a share of unemployment, not of anything else
            key = f"{key} {subject.lemma_.lower()}"
            about = f"{subject.text.lower()} {verb.text.lower()} ({words})"
        found.append(Quantity(value, doc.text[start:end], start, end, key, event, about))
    return found
