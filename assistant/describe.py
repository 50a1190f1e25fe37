"""Who or what is X: the description the articles give of a person or a thing.

"Who is Ketanji Brown Jackson?" or "What is Anthropic?" asks for a description, not for an
entity: the short-answer model (`short.py`) looks for a name of the asked type and, finding
none, the product answered with whatever anecdote scored best. Newswriting describes the
people and organisations it names in a few fixed constructions, which spaCy's dependency
parse exposes (best first):

1. appositive: "Sam Altman, the chief executive of OpenAI," (or "OpenAI's chief, Sam Altman,");
2. copula: "Anthropic is an AI safety company based in San Francisco";
3. title before the name: "Supreme Court nominee Ketanji Brown Jackson";
4. relative clause: "Jackson, who sits on the federal appeals court in Washington,".

The description is copied verbatim from the passage (offsets into `page_content`), so it is
verified by construction like every short answer. The rules are general English, no names.
"""

import re
from dataclasses import dataclass

from newsqa.assistant.asks import _NOUNS, singular
from newsqa.assistant.nlp import parse_many
from newsqa.assistant.rerank import Evidence

PATTERNS = ("appositive", "copula", "title", "relative")
_MAX_WORDS = 12
_ROLES = frozenset(w for w, kind in _NOUNS.items() if kind == "person") | {"speaker", "head"}
# Words that head a title before a name ("Treasury Secretary", "Sen."), beyond the roles
_TITLES = _ROLES | frozenset(
    "secretary chair chairman chairwoman chairperson chief commissioner general admiral "
    "sergeant captain lieutenant colonel officer attorney representative rep sen gov lt gen "
    "col sgt capt adm cmdr supt justice ambassador deputy treasurer sheriff bishop cardinal "
    "rabbi reverend rev professor prof manager owner envoy whip lady emir sheikh".split())
_HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. miss mx mx. dr dr. sir dame madam mme".split())
_CONNECTORS = frozenset("of and de la le van von der den du da di al el bin the for & y".split())
_SUFFIXES = frozenset("jr sr ii iii iv".split())
_NOT_TITLE = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY"})
_CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp", "conj", "cc", "appos"})
_SPEECH = frozenset("say tell add note write ask explain argue claim tweet post".split())
_ASK = re.compile(
    r"^\s*(?:(who|what)(?:\s+(is|was|are|were)|['’]s)|tell\s+(?:me|us)\s+(?:more\s+)?about"
    r"|what\s+(?:do|does|did)\s+(?:we|you|i)\s+know\s+about)\s+(.+?)\s*[?.!]*\s*$", re.I)
_NAME_WORD = re.compile(r"^(?:[A-Z0-9][\w.'’&-]*|[a-z]+[A-Z][\w.'’&-]*)$")


def subject_of(question: str) -> str | None:
    """"Who is/was X?", "Who's X?", "What is/was X?", "Tell me about X", "What do we know
    about X?" -> "X" when X is a name (capitalised words or an acronym); else None."""
    found = _ASK.match(" ".join(question.split()))
    if not found:
        return None
    wh, verb = (found.group(1) or "").lower(), (found.group(2) or "").lower()
    words = found.group(3).strip("\"'“”‘’ ").split()
    if words and words[0].lower() == "the":
        if wh == "who" and verb not in ("are", "were"):
            return None  # "Who is the CEO of OpenAI?" asks for the person holding a role
        words = words[1:]
    while len(words) > 1 and words[0].lower() in _HONORIFICS | _ROLES and _NAME_WORD.match(words[1]):
        words = words[1:]  # "Who is President Biden?" -> "Biden"
    if not words or len(words) > 8 or words[0].lower() in _ROLES:
        return None  # "Who is CEO of OpenAI?", "Who is President?"
    if not (_NAME_WORD.match(words[0]) and _NAME_WORD.match(words[-1])) or any(
            not _NAME_WORD.match(w) and w.lower() not in _CONNECTORS for w in words):
        return None  # "the capital of France" is not a name
    return " ".join(words)


@dataclass(frozen=True)
class Description:
    text: str  # verbatim: evidence.document.page_content[start:end]
    start: int
    end: int
    evidence: Evidence  # the sentence that gives it
    pattern: str  # one of PATTERNS


def _words_re(words: list[str]) -> re.Pattern:
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.I)


def _mentions(subject: str, evidence: Evidence) -> list[tuple[int, int]]:
    """Character spans of the subject in the sentence: its full form, or, for a personal name,
    its capitalised last word when the full form appears in the same passage."""
    words = subject.split()
    found = [m.span() for m in _words_re(words).finditer(evidence.sentence)]
    surname = [w for w in words[1:] if w.lower().strip(".") not in _SUFFIXES][-1:]
    if surname and all(map(_NAME_WORD.match, words)) and \
            _words_re(words).search(evidence.document.page_content):
        found += [m.span() for m in _words_re(surname).finditer(evidence.sentence)
                  if m.group()[0].isupper() and not any(a <= m.start() < b for a, b in found)]
    return found


def _is_title_word(t) -> bool:
    return (t.pos_ == "NOUN" and t.text[:1].islower()) or singular(t.lower_.rstrip(".")) in _TITLES \
        or (t.text.endswith(".") and len(t.text) > 2 and t.lower_ not in _HONORIFICS) \
        or (t.text.isupper() and len(t.text) > 1 and not t.ent_type_)  # "CFO", not "Saquon"


def _clean(doc, start: int, end: int, subject: set[str], keep_det: bool):
    """Token bounds of an acceptable description in doc[start:end], or None."""
    def strip(s, e):
        while s < e and (doc[s].is_punct or doc[s].is_space or doc[s].lower_ in ("and", "or", "but")
                         or (not keep_det and doc[s].pos_ == "DET")):
            s += 1
        while e > s and (doc[e - 1].is_punct or doc[e - 1].is_space
                         or doc[e - 1].lower_ in ("and", "or", "but")):
            e -= 1
        return s, e

    def words(s, e):
        return sum(1 for t in doc[s:e] if not t.is_punct and not t.is_space)

    def clause_cut(c):  # what follows c hangs from what precedes it by clauses only
        return c > start and words(*strip(start, c)) <= _MAX_WORDS \
            and all(t.dep_ in _CLAUSES or t.is_punct for t in doc[c:end] if t.head.i < c) \
            and not any(c <= t.head.i < end for t in doc[start:c])

    start, end = strip(start, end)
    if words(start, end) > _MAX_WORDS:  # cut at the last clause boundary that fits, or skip
        cuts = [c for c in sorted({t.left_edge.i for t in doc[start + 1:end] if t.dep_ in _CLAUSES}
                                  | {t.i for t in doc[start + 1:end] if t.is_punct}) if clause_cut(c)]
        if not cuts:
            return None
        start, end = strip(start, cuts[-1])
    span = doc[start:end]
    own = {t.lower_ for t in span if t.is_alpha and t.pos_ not in ("DET", "ADP", "CCONJ")}
    if not len(span) or own <= subject or not any(
            t.pos_ in ("NOUN", "ADJ", "VERB") or singular(t.lower_.rstrip(".")) in _TITLES
            for t in span if t.lower_ not in subject):
        return None  # only pronouns, numbers, dates, names or the subject's own words
    if len(span) == 2 and span[0].lower_ in ("the", "this", "that") and span[1].pos_ == "NOUN":
        return None  # "the company": it points back, it does not describe
    return start, end


def _set_off(root) -> bool:
    """`root` is an appositive of a noun before it, set off by punctuation; without a comma
    the small model's "appos" is a title ("NIAID director Dr. Anthony Fauci")."""
    head = root.head
    return root.dep_ == "appos" and head.i < root.i and any(
        t.text in (",", "(", "—", "–", ":") for t in root.doc[head.i + 1:root.left_edge.i])


def _appositive(root):
    for child in root.children:
        if child.dep_ == "appos" and not (any(t.text == "," for t in child.subtree)
                                          and any(t.dep_ == "cc" for t in child.subtree)):
            yield child.left_edge.i, child.right_edge.i + 1  # (a list of names is not one)
    head = root.head
    if _set_off(root) and all(t == head or head in t.ancestors
                              for t in root.doc[head.left_edge.i:root.left_edge.i]):
        yield head.left_edge.i, root.left_edge.i  # "OpenAI's chief executive, Sam Altman,"


def _copula(root):
    head = root.head
    if head.lemma_ != "be" or any(c.dep_ == "neg" for c in head.children):
        return
    wanted = {"nsubj": "attr", "attr": "nsubj"}.get(root.dep_)  # "The winner was Jackson."
    yield from ((c.left_edge.i, c.right_edge.i + 1) for c in head.children
                if c.dep_ == wanted and c.pos_ != "VERB" and (c.i > root.i) == (wanted == "attr"))


def _title(root, first: int):
    """The nouns and adjectives before the name inside its noun phrase: "Tesla CEO"."""
    doc, i = root.doc, first - 1
    left = root.left_edge.i
    if root.dep_ == "appos" and root.head.i < root.i and not _set_off(root):
        left = root.head.left_edge.i
    if root.dep_ == "compound":
        return
    while i >= left and doc[i].ent_type_ not in _NOT_TITLE | {"PERSON"} and (
            doc[i].pos_ in ("NOUN", "PROPN", "ADJ") or doc[i].tag_ in ("POS", "HYPH", "VBG", "VBN")
            or doc[i].lower_ in ("of", "and")):
        i -= 1
    if i >= left and (doc[i].like_num or doc[i].ent_type_ in _NOT_TITLE):
        return  # "On Tuesday Jackson", "1 seed Villanova": a date or number, or cut by one
    tokens = list(doc[i + 1:first])
    while tokens and tokens[-1].lower_ in _HONORIFICS:  # "director Dr. Anthony Fauci"
        tokens.pop()
    while tokens and tokens[0].pos_ not in ("NOUN", "PROPN", "ADJ", "VERB"):
        tokens.pop(0)
    cut = next((k for k, t in enumerate(tokens) if t.lower_ == "of"), len(tokens))
    if 0 < cut and len(tokens) <= 6 and _is_title_word(tokens[cut - 1]):  # "Secretary of State"
        yield tokens[0].i, tokens[-1].i + 1


def _relative(root):
    for clause in (c for c in root.children if c.dep_ == "relcl" and c.lemma_ not in _SPEECH):
        children = list(clause.children)
        pronoun = next((c for c in children if c.tag_ in ("WP", "WDT")
                        and c.dep_ in ("nsubj", "nsubjpass")), None)
        if pronoun is None or any(c.dep_ == "xcomp" for c in children) and any(
                c.lemma_ == "be" for c in children):
            continue  # "whom Biden nominated"; "who is expected to testify"
        if clause.lemma_ != "be":
            yield pronoun.i + 1, clause.right_edge.i + 1
        elif not any(c.dep_ == "neg" for c in children):  # "who is a judge" -> "a judge"
            yield from ((c.left_edge.i, c.right_edge.i + 1) for c in children if c.dep_ == "attr")


def describe(subject: str, evidence: list[Evidence]) -> Description | None:
    """The best description of `subject` in the evidence sentences (in the given order, best
    first): appositive > copula > title > relative clause, earlier evidence first within one."""
    subject = " ".join(subject.split())
    own = {w.lower() for w in re.findall(r"[\w.'’-]+", subject)}
    hits = [(i, ev, spans) for i, ev in enumerate(evidence) if subject and (spans := _mentions(subject, ev))]
    best = None
    for (i, ev, spans), doc in zip(hits, parse_many([ev.sentence for _, ev, _ in hits])):
        for a, b in spans:
            span = doc.char_span(a, b, alignment_mode="expand")
            if span is None or not len(span):
                continue
            root = span.root
            entity = next((e for e in doc.ents if e.start <= root.i < e.end), None)
            first = min(span.start, entity.start) if entity is not None else span.start
            if entity is not None and len(span) < len(subject.split()) and entity.label_ == "PERSON" \
                    and {t.lower_ for t in entity} - own:
                continue  # the surname of another person: "Melania Trump ... Donald Trump"
            finders = (_appositive(root), _copula(root), _title(root, first), _relative(root))
            for rank, (pattern, found) in enumerate(zip(PATTERNS, finders)):
                for s, e in found:
                    bounds = None if s < span.end and e > span.start else \
                        _clean(doc, s, e, own, keep_det=pattern in ("appositive", "copula"))
                    if bounds is None or best is not None and (rank, i, bounds[0]) >= best[0]:
                        continue
                    cs, ce = doc[bounds[0]].idx, doc[bounds[1] - 1].idx + len(doc[bounds[1] - 1])
                    text, start = ev.sentence[cs:ce], ev.start + cs
                    if ev.sentence[ce:ce + 1] in "'’" or re.search(r"\w['’]\s*$", ev.sentence[:cs]):
                        continue  # the small model splits "Mullins’ advertisement" at the ’
                    if ev.document.page_content[start:start + len(text)] == text:
                        best = ((rank, i, bounds[0]), Description(text, start, start + len(text), ev, pattern))
    return best[1] if best else None
