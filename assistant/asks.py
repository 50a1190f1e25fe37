"""What a question asks for: a person, a place, a number, a date, a thing, Yes or No.

The short answer (`short.py`) needs the *kind* of fact before it looks for one: "Which
country…?" wants a country, "How many…?" a number, "Did…?" a Yes or No. The kind comes from
the question's wh-word and, for "which/what <noun>", from that noun (parsed by spaCy, so
"Which European country" and "What network" both find their noun). The noun lexicon is
general English, not a list of benchmark answers. Questions with no wh-word are Yes/No
questions, or choice questions when they offer alternatives ("before or after…?").
"""

import re
from dataclasses import dataclass

from newsqa.assistant.nlp import parse

# spaCy entity labels that can answer each kind of question.
LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "org": frozenset({"ORG"}),
    "date": frozenset({"DATE", "TIME"}),
    "number": frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}),
    "duration": frozenset({"DATE", "TIME"}),
    "thing": frozenset({"ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "NORP", "FAC", "GPE",
                        "LOC", "LANGUAGE", "PERSON"}),
}

_NOUNS: dict[str, str] = {}
for kind, words in {
    "person": "person man woman individual figure politician leader official actor actress "
              "singer player star athlete ceo president judge senator lawmaker candidate "
              "author writer rapper musician artist director executive founder coach "
              "quarterback celebrity chef pope king queen prince princess minister governor "
              "mayor lawyer journalist host comedian billionaire entrepreneur scientist "
              "astronaut brit american golfer footballer boxer driver pitcher rival nominee "
              "chancellor premier dictator spokesperson spokesman spokeswoman anchor "
              "businessman businesswoman creator designer producer composer poet novelist "
              "defendant suspect victim winner champion",
    "place": "country nation city state town region island continent province county capital "
             "location place territory village area destination neighborhood neighbourhood "
             "mountain river lake sea ocean park port",
    "org": "company firm agency organization organisation team network airline brand "
           "retailer university college school bank group party department union club "
           "publication newspaper outlet startup manufacturer automaker carrier chain "
           "restaurant league channel studio store government court band broadcaster "
           "conglomerate business corporation institution ministry regulator charity",
    "date": "year date day month decade",
    "number": "number percentage percent amount share age price cost total sum count "
              "proportion rate fee salary score",
}.items():
    for word in words.split():
        _NOUNS[word] = kind

_WH = {"who": "person", "whom": "person", "whose": "person", "when": "date", "where": "place"}
_HOW = {"many": "number", "much": "number", "old": "number", "far": "number", "tall": "number",
        "high": "number", "big": "number", "large": "number", "long": "duration"}
_WH_WORDS = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.I)
_CHOICE = re.compile(r"\b(\w+)\s+or\s+(\w+)\b[^?]*\?\s*$|\bor\b[^,?]{0,80}\?\s*$", re.I)
_LEAD_THEN_AUX = re.compile(r"^(.{3,300}?),\s+(?:is|are|was|were|do|does|did|has|have|had|can|could"
                            r"|will|would|should)\b", re.I)
_AUX = frozenset("is are was were do does did has have had can could will would should may "
                 "might must shall".split())


def singular(word: str) -> str:
    """'countries' -> 'country', 'illness' stays: enough English plural rules for a noun lexicon."""
    word = word.lower()
    if word in _NOUNS or len(word) < 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1] if word.endswith("s") else word


@dataclass(frozen=True)
class Asked:
    """The kind of fact wanted and, for "which/what <noun>", that noun's lemma."""

    kind: str | None  # person place org date number duration thing yesno choice, or None
    noun: str | None = None

    @property
    def labels(self) -> frozenset[str]:
        return LABELS.get(self.kind or "", frozenset())

    @property
    def wants_span(self) -> bool:
        """A short span can answer it (not why/how questions, not Yes/No)."""
        return self.kind in LABELS


def _wh_noun(question: str) -> str | None:
    """The noun that "which"/"what" determines ("Which European country…" -> country)."""
    doc = parse(question)
    for token in doc:
        if token.lower_ not in ("which", "what"):
            continue
        for follower in doc[token.i + 1:token.i + 5]:
            if follower.pos_ in ("VERB", "AUX", "ADP", "PRON", "PUNCT"):
                break
            if follower.pos_ == "NOUN" and (follower.i + 1 >= len(doc)
                                            or doc[follower.i + 1].pos_ != "NOUN"):
                return singular(follower.lower_)
        return None
    return None


def _yes_no_clause(text: str) -> bool:
    """The question's main clause opens with an auxiliary: "Did …?", or after a leading
    phrase, "Between the two reports, was there …?". A wh-word inside it ("… in the same
    way as how …") does not make it a wh-question."""
    first = text.split(" ", 1)[0].lower().strip("\"'“")
    if first in _AUX:
        return True
    lead = _LEAD_THEN_AUX.match(text)
    return bool(lead) and not _WH_WORDS.search(lead.group(1))


def asked_for(question: str) -> Asked:
    text = " ".join(question.split())
    match = _WH_WORDS.search(text)
    if match is None or _yes_no_clause(text):
        if _CHOICE.search(text):
            return Asked("choice")
        return Asked("yesno") if _yes_no_clause(text) or text.endswith("?") else Asked(None)
    word = match.group(1).lower()
    after = text[match.end():].split()
    if word in _WH:
        return Asked(_WH[word])
    if word == "how":
        return Asked(_HOW.get(after[0].lower().strip("?,") if after else "", None))
    if word == "why":
        return Asked(None)
    noun = _wh_noun(text)
    if noun is not None:
        return Asked(_NOUNS.get(noun, "thing"), noun)
    # "What is/was/did …": "What did X say?" has no short answer; "What is X called?" does.
    if after and after[0].lower() in ("did", "does", "do") and re.search(
            r"\b(say|said|says|tell|told|announce|argue|claim|warn|write|do|does|did|mean)\b",
            " ".join(after[2:]) or "", re.I):
        return Asked(None)
    return Asked("thing")
