"""Which words of a sentence fill the gap the question's wh-word leaves.

"Who won the Kentucky Derby?" asks for the *agent* of "win". In "Golden Tempo is the official
winner of the 2026 Kentucky Derby" the copula's subject fills it (a nominalised predicate:
"won" ↔ "winner"); in "Bob Baffert trained the winner" Bob Baffert is the agent of another
verb and fills nothing. Nearness to the question's words cannot tell these apart; the
dependency parse spaCy already gives can.

`gap_of` reads the question's parse: the predicate (a verb's lemma, or for "Who is the CEO of
X?" the noun the wh-word is equated with) and the role the wh-phrase plays: agent, patient
(passive subjects and objects alike, so "What was stolen?" matches "thieves stole the
jewels"), an oblique with its preposition ("speak with <who>"), a possessor ("whose exit"),
a modifier (when/where), or equated with a noun. `fit` then says, for one candidate span
of an evidence sentence, whether it fills that role of a matching predicate, fills
another core role of it (the wrong one), or neither. These are features of the short-answer
model (`short.py`), not rules: a parse of a news sentence by a small model is often wrong.
"""

from dataclasses import dataclass

_AGENT, _PATIENT, _EQUATED, _MODIFIER, _POSSESSOR = ("agent", "patient", "equated",
                                                     "modifier", "possessor")
_WH = frozenset("who whom whose what which when where how".split())
# nominalisations of a verb: win -> winner, elect -> election, announce -> announcement
_SUFFIXES = ("er", "or", "ion", "ation", "ment", "ance", "ence", "al", "ing", "ee", "ant",
             "ent", "ure", "y")
_AGENT_SUFFIXES = ("er", "or", "ant", "ent")
_LIGHT = frozenset({"be", "do", "have", "get", "make", "take"})


@dataclass(frozen=True)
class Gap:
    """What the question leaves open, read off its parse."""

    predicate: str  # lemma (lowercase) of the verb, or of the noun the wh-word equals
    role: str  # agent, patient, equated, modifier, possessor, or "prep:<word>"
    nominal: bool = False  # the predicate is a noun ("Who is the CEO …?")
    possessed: str | None = None  # for "whose <noun>": that noun's lemma


@dataclass(frozen=True)
class Fit:
    role: float  # 1: fills the gap's role of a matching predicate
    other: float  # 1: fills another core role of it (the subject when the object is asked)
    predicate: float  # 1: the sentence holds the question's predicate at all


NO_FIT = Fit(0.0, 0.0, 0.0)


def _lemma(token) -> str:
    return (token.lemma_ or token.text).lower()



def _core_role(token, verb) -> str | None:
    """agent/patient/prep:<word> of `token` below `verb`, voice taken into account."""
    dep = token.dep_
    if dep in ("nsubj", "csubj"):
        return _AGENT
    if dep in ("nsubjpass", "dobj", "dative", "oprd"):
        return _PATIENT
    return None


def _phrase_head(wh):
    """The token standing for the wh-phrase: "which country" -> country, "how many people"
    -> people, otherwise the wh-word itself."""
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        return wh.head
    if wh.lower_ == "how" and wh.head.lower_ in ("many", "much") and wh.head.head.pos_ in (
            "NOUN", "PROPN"):
        return wh.head.head
    return wh


def gap_of(question_doc) -> Gap | None:
    """The question's gap, or None when its parse names none (no wh-word, no predicate)."""
    wh = next((t for t in question_doc if t.lower_ in _WH), None)
    if wh is None:
        return None
    head = _phrase_head(wh)
    if wh.lower_ == "whose" and wh.dep_ == "poss":
        return Gap(_lemma(_verb_of(wh.head) or wh.head), _POSSESSOR, possessed=_lemma(wh.head))
    if wh.lower_ in ("when", "where") or (wh.lower_ == "how" and head is wh):
        verb = _verb_of(wh)
        return Gap(_lemma(verb), _MODIFIER) if verb is not None else None
    before = question_doc[head.left_edge.i - 1] if head.left_edge.i > 0 else None
    if before is not None and before.pos_ == "ADP" and before.dep_ == "prep":
        verb = before.head if before.head.pos_ in ("VERB", "AUX") else _verb_of(before)
        return Gap(_lemma(verb), f"prep:{before.lower_}") if verb is not None else None
    if head.dep_ == "pobj" and head.head.pos_ == "ADP":
        verb = _verb_of(head.head)
        return Gap(_lemma(verb), f"prep:{head.head.lower_}") if verb is not None else None
    verb = head.head if head.dep_ != "ROOT" else head
    if _lemma(verb) == "be" or head.dep_ == "attr":
        # "Who is the CEO of OpenAI?": the wh-word is equated with a noun
        noun = next((c for c in verb.children if c is not head and c.dep_ in ("nsubj", "attr")
                     and c.pos_ in ("NOUN", "PROPN")), None)
        if noun is not None:
            return Gap(_lemma(noun), _EQUATED, nominal=True)
    if verb.pos_ not in ("VERB", "AUX", "NOUN"):
        return None
    if head.dep_ in ("nsubjpass", "dobj", "dative", "oprd"):
        return Gap(_lemma(verb), _PATIENT)
    if head.dep_ in ("nsubj", "csubj"):
        return Gap(_lemma(verb), _AGENT)
    return None


def _verb_of(token):
    """The nearest verb above `token` (itself included), or None."""
    for candidate in (token, *token.ancestors):
        if candidate.pos_ in ("VERB", "AUX") and _lemma(candidate) not in ("do",):
            return candidate
    return None


def nominalises(verb: str, noun: str) -> bool:
    """"win" ↔ "winner", "elect" ↔ "election", "announce" ↔ "announcement"."""
    if len(verb) < 3 or verb == noun:
        return False
    stems = {verb, verb + verb[-1], verb[:-1] if verb.endswith("e") else verb,
             verb[:-1] + "i" if verb.endswith("y") else verb}
    return any(noun == stem + suffix for stem in stems for suffix in _SUFFIXES)


def _predicates(gap: Gap, doc) -> list[tuple[object, bool]]:
    """Tokens of the sentence that say the gap's predicate, each with whether it is a noun
    standing for the verb's agent ("winner") rather than the verb itself."""
    found = []
    for token in doc:
        lemma = _lemma(token)
        if lemma == gap.predicate and token.pos_ in ("VERB", "AUX", "NOUN", "PROPN", "ADJ"):
            found.append((token, gap.nominal or token.pos_ in ("NOUN", "PROPN")))
        elif (not gap.nominal and token.pos_ == "NOUN" and gap.predicate not in _LIGHT
              and nominalises(gap.predicate, lemma)):
            found.append((token, lemma.endswith(_AGENT_SUFFIXES)))
        elif gap.nominal and token.pos_ == "VERB" and nominalises(lemma, gap.predicate):
            found.append((token, False))
    return found


def _equated_with(root, noun) -> bool:
    """`root` and `noun` name the same thing: "X is the winner", "the winner, X", "winner X",
    "X, named the coach", "X as CEO"."""
    if root.head == noun and root.dep_ in ("appos", "compound", "poss"):
        return root.dep_ != "poss"
    if noun.head == root and noun.dep_ in ("appos", "compound", "amod"):
        return True
    copula = noun.head
    if noun.dep_ in ("attr", "oprd", "acomp") and root.head == copula and root.dep_ in (
            "nsubj", "nsubjpass"):
        return True
    if noun.dep_ == "pobj" and noun.head.lower_ == "as" and noun.head.head == root.head:
        return root.dep_ in ("nsubj", "nsubjpass", "dobj")
    return False


def _lifted(root):
    """Climb from a name inside a larger phrase to the phrase that holds the role:
    "Sam Altman" in "Sam Altman and Greg Brockman", "Tempo" in "Golden Tempo"."""
    while root.dep_ in ("conj", "compound", "flat") and root.head is not root:
        root = root.head
    return root


def fit(gap: Gap | None, doc, start: int, end: int) -> Fit:
    """How the tokens doc[start:end] stand to the gap."""
    if gap is None:
        return NO_FIT
    predicates = _predicates(gap, doc)
    if not predicates:
        return NO_FIT
    span = doc[start:end]
    root = _lifted(span.root)
    role = other = 0.0
    for predicate, agentive in predicates:
        got = _role_in(gap, root, predicate, agentive)
        if got == "fills":
            role = 1.0
        elif got == "other":
            other = 1.0
    return Fit(role, other if not role else 0.0, 1.0)


def _role_in(gap: Gap, root, predicate, agentive: bool) -> str | None:
    if root.i == predicate.i:
        return None
    if gap.role == _POSSESSOR:
        return "fills" if root.dep_ == "poss" and _lemma(root.head) == gap.possessed else None
    if gap.role == _MODIFIER:
        token = root.head if root.dep_ == "pobj" and root.head.pos_ == "ADP" else root
        if token.head == predicate and token.dep_ in ("prep", "npadvmod", "advmod", "tmod",
                                                      "pobj", "advcl"):
            return "fills"
        return None
    if gap.role.startswith("prep:"):
        word = gap.role.split(":", 1)[1]
        if root.dep_ == "pobj" and root.head.lower_ == word and root.head.head == predicate:
            return "fills"
        return "other" if root.head == predicate and _core_role(root, predicate) else None
    if predicate.pos_ in ("NOUN", "PROPN"):
        # a noun standing for the verb: its agent is what it is equated with ("the winner,
        # X"), its patient what it is "of" ("the theft of the jewels")
        if agentive and _equated_with(root, predicate):
            return "fills" if gap.role in (_AGENT, _EQUATED) else "other"
        if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head == predicate:
            return "fills" if gap.role == _PATIENT else None
        if not agentive and root.dep_ == "poss" and root.head == predicate:
            return "fills" if gap.role == _AGENT else None
        return None
    if gap.role == _EQUATED:
        # "Who is the CEO?" against "X leads the company" has no noun to equate: no role
        return None
    if root.dep_ == "pobj" and root.head.dep_ == "agent" and root.head.head == predicate:
        return "fills" if gap.role == _AGENT else "other"
    if root.head != predicate:
        return None
    core = _core_role(root, predicate)
    if core is None:
        return None
    return "fills" if core == gap.role else "other"
